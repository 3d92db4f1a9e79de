"""Tags from the command line, as a person keeps track of a trip: add with --tag, change with
edit --tag/--untag, list and export by tag, each tag's total, and bulk tag/untag with undo."""

import json

import pytest


def ok(result):
    assert result.exit_code == 0, result.output
    return result


@pytest.fixture
def trip(run):
    ok(run("add", "--amount", 180, "--description", "Flight to Lisbon", "--category", "Transport",
           "--date", "2025-07-01", "--tag", "#holiday"))
    ok(run("add", "--amount", 240.5, "--description", "Hotel", "--category", "Utilities",
           "--date", "2025-07-01", "--tag", "Holiday", "--tag", "lisbon"))
    ok(run("add", "--amount", 42.25, "--description", "Dinner", "--category", "Food", "--date", "2025-07-02",
           "--tag", "holiday"))
    ok(run("add", "--amount", 55, "--description", "Groceries at home", "--category", "Food", "--date", "2025-07-02"))


def listed(run, *args):
    return [json.loads(line) for line in ok(run("list", "--json", *args)).stdout.splitlines()]


def test_cli_tags_add_shows_them(run):
    added = ok(run("add", "--amount", 12, "--description", "Taxi", "--category", "Transport",
                   "--date", "2025-07-03", "--tag", "#Work-Trip", "--tag", "taxi"))
    assert added.stdout == "Added expense 1: 2025-07-03         12.00  Transport         Taxi  #taxi  #work-trip\n"
    assert listed(run)[0]["tags"] == ["taxi", "work-trip"]


def test_cli_tags_list_and_totals_of_a_trip(run, trip):
    assert [e["description"] for e in listed(run, "--tag", "holiday")] == ["Dinner", "Hotel", "Flight to Lisbon"]
    assert [e["description"] for e in listed(run, "--tag", "holiday", "--tag", "lisbon")] == ["Hotel"]
    assert [e["description"] for e in listed(run, "--tag", "holiday", "--category", "Food")] == ["Dinner"]
    shown = ok(run("list", "--tag", "lisbon")).stdout
    assert shown.endswith("Hotel  #holiday  #lisbon\n")
    totals = ok(run("tags", "--from", "2025-07-01", "--to", "2025-07-31")).stdout.splitlines()
    assert totals[0].split() == ["#holiday", "462.75", "(3)"]
    assert totals[1].split() == ["#lisbon", "240.50", "(1)"]
    assert ok(run("tags", "--from", "2025-07-02")).stdout.splitlines()[0].split() == ["#holiday", "42.25", "(1)"]
    empty = run("tags", "--from", "2025-08-01")
    assert empty.exit_code == 0 and empty.stderr == "No tagged expenses in this period.\n"


def test_cli_tags_export_by_tag(run, trip, tmp_path):
    out = tmp_path / "holiday.csv"
    ok(run("export", "--tag", "holiday", "--from", "2025-07-02", "-o", out))
    assert out.read_text().splitlines() == ["id,amount,description,category,date", "3,42.25,Dinner,Food,2025-07-02"]


def test_cli_tags_edit_tag_and_untag(run, trip):
    changed = ok(run("edit", 2, "--untag", "lisbon", "--tag", "family", "--json"))
    assert json.loads(changed.stdout)["tags"] == ["family", "holiday"]
    ok(run("edit", 2, "--amount", 250))
    assert listed(run, "--tag", "family")[0]["tags"] == ["family", "holiday"]


@pytest.mark.parametrize(("args", "message"), [
    (("add", "--amount", 5, "--description", "X", "--category", "Food", "--tag", "bad tag"),
     "Error: Invalid --tag: a tag has only letters, digits, '-' and '_', and 'bad tag' has ' '.\n"),
    (("edit", 1, "--untag", "#"), "Error: Invalid --untag: a tag must not be empty.\n"),
    (("list", "--tag", "x" * 41), f"Error: Invalid --tag: a tag has at most 40 characters, {'x' * 20!r}… has 41.\n"),
    (("bulk", "tag", "a!", "--all"), "Error: Invalid TAG: a tag has only letters, digits, '-' and '_', and 'a!' has '!'.\n"),
])
def test_cli_tags_bad_tag_one_line(run, trip, args, message):
    result = run(*args)
    assert result.exit_code != 0
    assert result.stderr == message


def test_cli_tags_bulk_tag_untag_and_undo(run, trip):
    done = ok(run("bulk", "tag", "summer", "#holiday", "--from", "2025-07-02"))
    assert done.stdout == "Edit 1: #summer, #holiday added to 2 expenses. `expense-tracker bulk undo 1` takes it back.\n"
    assert [e["description"] for e in listed(run, "--tag", "summer")] == ["Groceries at home", "Dinner"]
    assert [e["description"] for e in listed(run, "--tag", "holiday")] == [
        "Groceries at home", "Dinner", "Hotel", "Flight to Lisbon"]
    off = ok(run("bulk", "untag", "holiday", "--tagged", "lisbon"))
    assert off.stdout.startswith("Edit 2: #holiday taken off 1 expense.")
    assert listed(run, "--tag", "lisbon")[0]["tags"] == ["lisbon"]
    ok(run("bulk", "undo", 2))
    assert listed(run, "--tag", "lisbon")[0]["tags"] == ["holiday", "lisbon"]
    ok(run("bulk", "undo", 1))
    assert listed(run, "--tag", "summer") == []
    assert len(listed(run, "--tag", "holiday")) == 3
