"""`category list|add|rename|color|delete` and `edit` from the command line, through the click group."""

import json
import sqlite3

import pytest
from click.testing import CliRunner

from desktop.cli import main

COMMANDS = [["category"], ["category", "list"], ["category", "add"], ["category", "rename"], ["category", "color"],
            ["category", "delete"], ["edit"]]


def ok(result) -> str:
    assert result.exit_code == 0, result.output
    return result.stdout


def refused(result) -> str:
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "Traceback" not in result.output
    return result.stderr.strip().removeprefix("Error: ")


@pytest.fixture
def lunch(run):
    ok(run("add", "--amount", "8.50", "--description", "Lunch", "--category", "Food", "--date", "2025-03-14"))


def test_category_list_shows_id_colour_name(run, lunch):
    assert ok(run("category", "list")) == (
        "     1  #e67e22  Food\n"
        "     2  #3498db  Transport\n"
        "     3  #8e44ad  Utilities\n"
    )


def test_category_list_json_one_object_per_line(run, lunch):
    rows = [json.loads(line) for line in ok(run("category", "list", "--json")).splitlines()]
    assert [(r["id"], r["name"], r["color"]) for r in rows] == [
        (1, "Food", "#e67e22"), (2, "Transport", "#3498db"), (3, "Utilities", "#8e44ad")]


def test_category_add_then_listed(run, lunch):
    assert ok(run("category", "add", "Books", "--color", "#2a9d8f")) == "Added category 4: Books (#2a9d8f)\n"
    assert json.loads(ok(run("category", "add", "Gifts 🎁", "--json")))["color"] == "#6c757d"
    assert "  Books\n" in ok(run("category", "list"))


def test_category_add_on_a_new_database_creates_it(run, db_path):
    assert ok(run("category", "add", "Books")).startswith("Added category 4: Books")
    assert db_path.exists()


def test_category_rename_follows_in_list_and_summary(run, lunch):
    assert ok(run("category", "rename", "food", "Groceries")) == "Renamed category 1 from Food to Groceries.\n"
    assert "Groceries" in ok(run("list"))
    assert "Groceries" in ok(run("summary", "--month", "2025-03"))
    assert "Groceries" in ok(run("export")) and "Food" not in ok(run("export"))


def test_category_rename_by_id(run, lunch):
    assert ok(run("category", "rename", "2", "Travel")) == "Renamed category 2 from Transport to Travel.\n"


def test_category_color_changes_only_the_colour(run, lunch):
    assert ok(run("category", "color", "Food", "#112233")) == "Changed the colour of Food from #e67e22 to #112233.\n"
    assert "     1  #112233  Food\n" in ok(run("category", "list"))


def test_category_delete_unused(run, lunch):
    ok(run("category", "add", "Books"))
    assert ok(run("category", "delete", "books")) == "Deleted category 4: Books (#6c757d)\n"
    assert "Books" not in ok(run("category", "list"))


def test_edit_changes_only_the_given_fields(run, lunch, db_path):
    assert ok(run("edit", "1", "--amount", "9.20", "--category", "transport")) == (
        "Changed expense 1: 2025-03-14          9.20  Transport         Lunch\n")
    stored = sqlite3.connect(db_path).execute("select amount, description, category_id, date from expenses").fetchall()
    assert stored == [(9.2, "Lunch", 2, "2025-03-14")]


def test_edit_description_and_date_json(run, lunch):
    edited = json.loads(ok(run("edit", "1", "--description", "Dinner", "--date", "2025-03-15", "--json")))
    assert (edited["amount"], edited["description"], edited["category_name"], edited["date"]) == (
        8.5, "Dinner", "Food", "2025-03-15")


USER_ERRORS = [
    ("add_taken_name", ["category", "add", "food"], "There is already a category named 'food'."),
    ("add_empty_name", ["category", "add", "  "], "Invalid NAME: must not be empty."),
    ("add_long_name", ["category", "add", "x" * 51],
     "Invalid NAME: value should have at most 50 items after validation, not 51."),
    ("add_bad_colour", ["category", "add", "Books", "--color", "red"],
     "Invalid --color: string should match pattern '^#[0-9a-fA-F]{6}$'."),
    ("rename_taken", ["category", "rename", "Food", "transport"], "There is already a category named 'transport'."),
    ("rename_unknown", ["category", "rename", "Books", "Novels"],
     "No category 'Books' (the categories are: Food, Transport, Utilities); `expense-tracker --db {db} category add Books` makes it."),
    ("color_bad", ["category", "color", "Food", "#12345"],
     "Invalid COLOR: string should match pattern '^#[0-9a-fA-F]{6}$'."),
    ("delete_in_use", ["category", "delete", "Food"], "Cannot delete category with existing expenses (Food)."),
    ("edit_unknown_id", ["edit", "12", "--amount", "3"], "No expense 12; `expense-tracker --db {db} list` shows the ids."),
    ("edit_nothing", ["edit", "1"], "Nothing to change: give --amount, --description, --category, --date, --tag, --untag, "
                                    "--currency or --rate."),
    ("edit_bad_amount", ["edit", "1", "--amount", "1.234"],
     "Invalid --amount: must have at most 2 decimal places, got 1.234."),
    ("edit_unknown_category", ["edit", "1", "--category", "Books"],
     "No category 'Books' (the categories are: Food, Transport, Utilities); `expense-tracker --db {db} category add Books` makes it."),
    ("edit_bad_date", ["edit", "1", "--date", "2025-02-30"],
     "Invalid --date: must be a real calendar date in the form YYYY-MM-DD, got '2025-02-30'."),
]


@pytest.mark.parametrize("case, args, message", USER_ERRORS, ids=[c[0] for c in USER_ERRORS])
def test_category_and_edit_user_errors_are_one_line(run, lunch, db_path, case, args, message):
    assert refused(run(*args)) == message.replace("{db}", str(db_path))


def test_edit_refused_leaves_the_expense(run, lunch, db_path):
    refused(run("edit", "1", "--amount", "3", "--category", "Books"))
    assert sqlite3.connect(db_path).execute("select amount, category_id from expenses").fetchall() == [(8.5, 1)]


@pytest.mark.parametrize("command", COMMANDS, ids=[" ".join(c) for c in COMMANDS])
def test_category_and_edit_help_has_example_db_option_and_version(command):
    result = CliRunner().invoke(main, [*command, "--help"])
    assert result.exit_code == 0
    assert "Example" in result.stdout
    assert "--db PATH" in result.stdout and "--version" in result.stdout


# Every command that lists rows takes --json and then prints one JSON object per row, one a line.
LISTINGS = [["list"], ["trash", "list"], ["imports", "list"], ["imports", "profiles"], ["recurring", "list"],
            ["recurring", "upcoming"], ["category", "list"]]


@pytest.mark.parametrize("command", LISTINGS, ids=[" ".join(c) for c in LISTINGS])
def test_listing_json_is_one_object_per_line(run, lunch, command):
    ok(run("recurring", "add", "--amount", "40", "--description", "Internet", "--category", "Utilities",
           "--every", "monthly", "--start", "2099-01-31"))
    assert "--json" in ok(run(*command, "--help"))
    lines = ok(run(*command, "--json")).splitlines()
    assert all(isinstance(json.loads(line), dict) for line in lines)
