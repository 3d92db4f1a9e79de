"""Splitting from the command line, as a person does with a supermarket receipt: split three ways,
see it marked in `list`, find it by a part's category, change the parts, make it whole again."""

import json

import pytest


def ok(result):
    assert result.exit_code == 0, result.output
    return result


@pytest.fixture
def receipt(run):
    for name in ("Household", "Drinks"):
        ok(run("category", "add", name))
    ok(run("add", "--amount", 54.5, "--description", "Supermarket", "--category", "Food", "--date", "2025-07-02"))
    ok(run("add", "--amount", 10, "--description", "Bus", "--category", "Transport", "--date", "2025-07-03"))


def listed(run, *args):
    return [json.loads(line) for line in ok(run("list", "--json", *args)).stdout.splitlines()]


def test_cli_split_three_ways_and_list_marks_it(run, receipt):
    result = ok(run("split", 1, "--part", "Food=30", "--part", "household=12.50", "--part", "Drinks=12",
                    "--note", "", "--note", "soap"))
    assert result.stdout == "Split expense 1 into 3 parts: Food 30.00, Household 12.50 (soap), Drinks 12.00.\n"
    shown = ok(run("list")).stdout.splitlines()
    assert shown[1] == ("     1  2025-07-02         54.50  Food              Supermarket"
                        "  [split: Food 30.00, Household 12.50, Drinks 12.00]")
    assert "split" not in shown[0]
    assert [e["description"] for e in listed(run, "--category", "Household")] == ["Supermarket"]
    summary = ok(run("summary", "--month", "2025-07")).stdout
    assert "Household" in summary and "12.50" in summary


def test_cli_split_undo_makes_it_whole(run, receipt):
    ok(run("split", 1, "--part", "Food=30", "--part", "Household=24.50"))
    result = ok(run("split", 1, "--undo"))
    assert result.stdout == "Expense 1 is whole again, in Food: 54.50.\n"
    assert listed(run, "--category", "Household") == []
    again = run("split", 1, "--undo")
    assert again.exit_code != 0 and again.stderr == "Error: Expense 1 is not split.\n"


@pytest.mark.parametrize(("args", "words"), [
    (["--part", "Food=30", "--part", "Household=20"],
     "The parts add up to 50.00 USD but the expense is 54.50 USD; add 4.50 so that they add up exactly."),
    ([], "Give two or more --part CATEGORY=AMOUNT to split it, or --undo to make it whole again."),
    (["--part", "Food=30", "--undo"], "Give either --part (to split) or --undo (to make it whole again), not both."),
    (["--part", "Food"], "--part 'Food' is not CATEGORY=AMOUNT, as in --part Household=12.50."),
    (["--part", "Food=lots", "--part", "Drinks=1"],
     "--part 'Food=lots': 'lots' is not an amount, as in --part Household=12.50."),
    (["--part", "Toys=30", "--part", "Food=24.5"], "No category 'Toys' (the categories are: Drinks, Food, Household, Transport, Utilities); "),
])
def test_cli_split_refused_in_one_line(run, receipt, args, words):
    result = run("split", 1, *args)
    assert result.exit_code != 0
    assert result.stderr.startswith(f"Error: {words}") and result.stderr.count("\n") == 1
    assert listed(run)[1]["parts"] == []


def test_cli_split_unknown_expense(run, receipt):
    result = run("split", 9, "--part", "Food=1", "--part", "Drinks=1")
    assert result.exit_code != 0 and result.stderr.startswith("Error: No expense 9; ")


def test_cli_split_edit_amount_refused_in_one_line(run, receipt):
    ok(run("split", 1, "--part", "Food=30", "--part", "Household=24.50"))
    result = run("edit", 1, "--amount", 60)
    assert result.exit_code != 0
    assert result.stderr == (
        "Error: Expense 1 is split among categories, so its amount is the sum of its parts; change the parts or "
        "unsplit it first (Split… in the edit dialog, `expense-tracker split 1`, or PUT /expenses/1/parts).\n")


STATEMENT = ("Date,Description,Amount,Category\n"
             "2025-07-02,SUPERMARKT Hauptstr,-54.50,Food\n"
             "2025-07-03,Bus ticket,-3.20,Transport\n"
             "2025-07-04,Salary,2000.00,\n")


@pytest.fixture
def statement(run, tmp_path):
    for name in ("Household", "Drinks"):
        ok(run("category", "add", name))
    path = tmp_path / "statement.csv"
    path.write_text(STATEMENT)
    return path


def test_cli_import_split_row_three_ways(run, statement):
    dry = ok(run("import", statement, "--dry-run", "--split", "2=Food:30,household:12.50:soap,Drinks:12"))
    # LINE is the `line` column the dry run prints.
    assert any(line.split()[:2] == ["2", "2025-07-02"] for line in dry.stdout.splitlines())
    assert "Line 2 is split: Food 30.00, Household 12.50 (soap), Drinks 12.00.\n" in dry.stdout
    assert listed(run) == []
    result = ok(run("import", statement, "--split", "2=Food:30,household:12.50:soap,Drinks:12"))
    assert "Line 2 is split: Food 30.00, Household 12.50 (soap), Drinks 12.00.\n" in result.stdout
    assert "Imported 2 expenses" in result.stdout
    receipt = next(e for e in listed(run) if e["description"] == "SUPERMARKT Hauptstr")
    assert [(p["category_name"], p["amount"], p["note"]) for p in receipt["parts"]] == [
        ("Food", 30, ""), ("Household", 12.5, "soap"), ("Drinks", 12, "")]
    assert [e["description"] for e in listed(run, "--category", "Drinks")] == ["SUPERMARKT Hauptstr"]


@pytest.mark.parametrize(("split", "words"), [
    ("2=Toys:30,Food:24.50", "No category 'Toys' (the categories are: Drinks, Food, Household, Transport, Utilities); "),
    ("2=Food:30,Household:20",
     "Line 2: the parts add up to 50.00 USD but the expense is 54.50 USD; add 4.50 so that they add up exactly.\n"),
    ("9=Food:30,Household:24.50", "Line 9 of --split is not a row of the file (its rows are on lines 2 to 4).\n"),
    ("4=Food:1000,Household:1000",
     "Line 4 is split but not imported: leave out its --split, or import it with --include 4.\n"),
    ("2=Food:30;Household:24.50", "Invalid --split '2=Food:30;Household:24.50': '30;Household' is not"),
    ("Food:30,Household:24.50", "Invalid --split 'Food:30,Household:24.50': write LINE=CATEGORY:AMOUNT[:NOTE],"),
    ("2=Food,Household:24.50", "Invalid --split '2=Food,Household:24.50': 'Food' has no amount; "),
])
@pytest.mark.parametrize("dry_run", [True, False], ids=["dry-run", "import"])
def test_cli_import_split_refused_in_one_line(run, statement, split, words, dry_run):
    result = run("import", statement, "--split", split, *(["--dry-run"] if dry_run else []))
    assert result.exit_code != 0
    assert result.stderr.startswith(f"Error: {words}"), result.stderr
    assert result.stderr.count("\n") == 1
    assert listed(run) == []
