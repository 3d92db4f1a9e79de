"""The command line's currencies: add and edit in another currency, list both amounts, export
the currency columns, change the home currency and undo it."""

import json

import pytest


def test_cli_add_foreign_currency_with_typed_rate(run):
    result = run("add", "--amount", 1200, "--currency", "jpy", "--rate", 0.0061, "--description", "Ramen",
                 "--category", "Food", "--date", "2026-10-20", "--json")
    assert result.exit_code == 0, result.output
    added = json.loads(result.output)
    assert (added["amount"], added["currency"], added["home_amount"], added["rate_source"]) == (1200, "JPY", 7.32, "typed")
    listed = run("list").output
    assert "7.32" in listed and "Ramen  (¥1,200)" in listed


@pytest.mark.parametrize(("args", "message"), [
    (("--amount", 100.5, "--currency", "JPY"), "JPY has no decimals (no cents), so 100.5 is not an amount in JPY."),
    (("--amount", 5, "--currency", "XYZ"), "'XYZ' is not a currency code this app knows"),
    (("--amount", 5, "--currency", "JPY", "--rate", -1), "Invalid --rate: a rate is a positive number"),
    (("--amount", 12.345), "Invalid --amount: must have at most 2 decimal places, got 12.345."),
])
def test_cli_add_currency_refused_in_one_line(run, args, message):
    result = run("add", *args, "--description", "X", "--category", "Food", "--date", "2026-10-20")
    assert result.exit_code != 0
    assert message in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_cli_edit_currency_and_rate(run):
    run("add", "--amount", 100, "--description", "Hotel", "--category", "Food", "--date", "2026-10-20")
    result = run("edit", 1, "--currency", "EUR", "--rate", 1.25, "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["home_amount"] == 125
    refused = run("edit", 1, "--currency", "JPY", "--amount", 10.5)
    assert "JPY has no decimals" in refused.output and refused.exit_code != 0


def test_cli_export_currency_columns(run):
    run("add", "--amount", 1200, "--currency", "JPY", "--rate", 0.0061, "--description", "Ramen",
        "--category", "Food", "--date", "2026-10-20")
    assert run("export").output.splitlines() == ["id,amount,description,category,date", "1,1200,Ramen,Food,2026-10-20"]
    assert run("export", "--currency-columns").output.splitlines() == [
        "id,amount,description,category,date,currency,home_amount,rate", "1,1200,Ramen,Food,2026-10-20,JPY,7.32,0.0061"]


def test_cli_currency_change_and_undo(run):
    run("add", "--amount", 10, "--description", "Coffee", "--category", "Food", "--date", "2026-10-20")
    assert run("currency").output == "USD\n"
    changed = run("currency", "EUR")
    assert changed.exit_code == 0, changed.output
    assert "The home currency is now EUR: 1 expense recomputed" in changed.output
    assert run("currency").output == "EUR\n"
    [coffee] = [json.loads(line) for line in run("list", "--json").output.splitlines()]
    assert coffee["currency"] == "USD" and coffee["home_amount"] != 10
    undone = run("currency", "--undo")
    assert "The home currency is USD again" in undone.output
    [coffee] = [json.loads(line) for line in run("list", "--json").output.splitlines()]
    assert (coffee["currency"], coffee["home_amount"], coffee["rate"]) == ("USD", 10, None)
    again = run("currency", "--undo")
    assert again.exit_code != 0 and "no change of home currency to undo" in again.output
