"""The command line's rules, bulk edits and categorised imports, as a script writer uses them."""

import json

import pytest

from tests.test_import_categories import DECEMBER, NOVEMBER


@pytest.fixture
def statements(tmp_path):
    paths = {}
    for name, text in (("november.csv", NOVEMBER), ("december.csv", DECEMBER)):
        paths[name] = tmp_path / name
        paths[name].write_bytes(text.encode("latin-1"))
    return paths


def ok(result):
    assert result.exit_code == 0, result.output
    return result


def test_cli_import_correct_import_again_lands_in_the_right_categories(run, statements):
    for name in ("Groceries", "Rent"):
        ok(run("category", "add", name))
    ok(run("import", statements["november.csv"], "--category", "Food"))
    dry = ok(run("bulk", "category", "Groceries", "--search", "rewe", "--dry-run"))
    assert dry.stdout == "Would change: 2 expenses moved to Groceries (dry run; nothing changed).\n"
    moved = ok(run("bulk", "category", "Groceries", "--search", "rewe"))
    assert moved.stdout == "Edit 1: 2 expenses moved to Groceries. `expense-tracker bulk undo 1` takes it back.\n"
    ok(run("bulk", "category", "Rent", "--search", "hausverwaltung"))
    ok(run("rule", "add", "Netto", "Groceries", "--describe-as", "Netto"))
    preview = ok(run("import", statements["december.csv"], "--category", "Food", "--dry-run")).stdout
    # DB Vertrieb stayed in Food, the default, when November came in: that too was learned.
    assert "Category:  1 by your rules, 3 learned from your expenses\n" in preview
    assert ("because: like 1 earlier expense with DB; like 1 earlier expense with Hausverwaltung; "
            "like 2 earlier expenses with REWE; rule 1: contains Netto") in preview
    ok(run("import", statements["december.csv"], "--category", "Food", "--set-category", "4=Transport"))
    listed = [json.loads(line) for line in ok(run("list", "--from", "2026-12-01", "--json")).stdout.splitlines()]
    assert sorted((e["description"][:12], e["category_name"]) for e in listed) == [
        ("DB Vertrieb ", "Transport"), ("Hausverwaltu", "Rent"), ("Netto", "Groceries"), ("REWE SAGT DA", "Groceries")]


def test_cli_bulk_delete_needs_yes_without_input_and_undo_brings_back(run):
    for day in (1, 2, 3):
        ok(run("add", "--amount", "5", "--description", "Coffee", "--category", "Food", "--date", f"2026-11-0{day}"))
    refused = run("bulk", "delete", "--search", "coffee")
    assert refused.exit_code != 0
    assert refused.stderr == "Error: There is no input to confirm with; add --yes to delete them.\n"
    ok(run("bulk", "delete", "--search", "coffee", "--yes"))
    assert run("list").stderr == "No expenses match.\n"
    assert ok(run("bulk", "undo", "1")).stdout == "Undid: 3 expenses moved to the trash (3 rows).\n"
    assert len(ok(run("list")).stdout.splitlines()) == 3
    again = run("bulk", "undo", "1")
    assert again.exit_code != 0 and "already undone" in again.stderr


@pytest.mark.parametrize(
    "args, words",
    [
        (("bulk", "category", "Food"), "Say which expenses: --id, --from/--to/--category/--search/--tagged, or --all"),
        (("bulk", "category", "Food", "--id", "1", "--search", "x"), "either by --id or by"),
        (("bulk", "category", "Books", "--all"), "No category 'Books'"),
        (("bulk", "category", "Food", "--id", "99"), "No expense 99"),
        (("bulk", "undo", "5"), "Edit 5 not found."),
        (("rule", "add", "(x", "Food", "--matches"), "is not a regular expression"),
        (("rule", "add", "x", "Food", "--min", "10", "--max", "5"), "more than the largest"),
        (("rule", "edit", "9", "--pattern", "x"), "No rule 9; `expense-tracker rule list` shows them."),
        (("rule", "edit", "1"), "Nothing to change"),
        (("import", "missing.csv", "--set-category", "x=Food"), None),
    ],
)
def test_cli_rules_and_bulk_errors_are_one_line(run, args, words):
    ok(run("add", "--amount", "5", "--description", "Coffee", "--category", "Food"))
    result = run(*args)
    assert result.exit_code != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.output, result.output
    if words:
        assert words in lines[0]


def test_cli_rules_list_move_edit_delete(run):
    ok(run("rule", "add", "REWE", "Food"))
    ok(run("rule", "add", "Miete", "Utilities", "--min", "500"))
    moved = ok(run("rule", "move", "2", "1")).stdout.splitlines()
    assert [line.split()[0] for line in moved] == ["2", "1"]
    assert "contains 'Miete', amount 500.00– → Utilities" in moved[0]
    ok(run("rule", "edit", "2", "--min", "none", "--describe-as", "Rent"))
    rules = [json.loads(line) for line in ok(run("rule", "list", "--json")).stdout.splitlines()]
    assert [(r["id"], r["position"], r["amount_min"], r["description"]) for r in rules] == [
        (2, 1, None, "Rent"), (1, 2, None, None)]
    assert ok(run("rule", "delete", "1")).stdout == "Deleted rule 1.\n"


def test_cli_bulk_tidy_lists_then_applies(run):
    ok(run("category", "add", "Groceries"))
    ok(run("add", "--amount", "20", "--description", "REWE SAGT DANKE 1234", "--category", "Food"))
    ok(run("rule", "add", "rewe", "Groceries"))
    dry = ok(run("bulk", "tidy", "--all", "--dry-run")).stdout
    assert "REWE SAGT DANKE 1234" in dry and "Food → Groceries  (rule 1: contains rewe)" in dry
    ok(run("bulk", "tidy", "--all", "--yes"))
    assert "Groceries" in ok(run("list")).stdout


def test_cli_edit_category_offers_the_rule(run, db_path):
    ok(run("category", "add", "Groceries"))
    for number in (1, 2):
        ok(run("add", "--amount", "20", "--description", f"REWE SAGT DANKE {number}234", "--category", "Food"))
    result = ok(run("edit", "2", "--category", "Groceries"))
    assert result.stderr.startswith("Always put REWE in Groceries? `expense-tracker --db ")
    assert result.stderr.endswith(" rule add REWE Groceries`; 1 other expense with it is in other categories "
                                  "(then `expense-tracker --db " + str(db_path) + " bulk tidy --all` moves them).\n")
    assert ok(run("edit", "2", "--amount", "21")).stderr == ""


@pytest.mark.parametrize("command", [["category", "Groceries", "--all"], ["tidy", "--all", "--yes"]],
                         ids=["category", "tidy"])
def test_cli_bulk_split_expense_skipped_and_said(run, command):
    for name in ("Groceries", "Household"):
        ok(run("category", "add", name))
    ok(run("add", "--amount", "54.50", "--description", "REWE SAGT DANKE 1", "--category", "Food", "--date", "2025-07-02"))
    ok(run("add", "--amount", "10", "--description", "REWE SAGT DANKE 2", "--category", "Food", "--date", "2025-07-02"))
    ok(run("split", 1, "--part", "Food=30", "--part", "Household=24.50"))
    ok(run("rule", "add", "rewe", "Groceries"))
    result = run("bulk", *command)
    assert result.exit_code == 0, result.output
    assert ("1 split expense was left as it is: a split expense's category is its parts', "
            "so change its parts instead.\n") in result.stdout
    shown = ok(run("list")).stdout
    assert "[split: Food 30.00, Household 24.50]" in shown
    assert {e["description"]: e["category_name"] for e in map(json.loads, ok(run("list", "--json")).stdout.splitlines())} == {
        "REWE SAGT DANKE 1": "Food", "REWE SAGT DANKE 2": "Groceries"}
