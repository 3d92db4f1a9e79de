"""Budgets, recurring expenses and search from the command line, through the click group."""

import json
from datetime import date

import pytest
from click.testing import CliRunner

from desktop.cli import main
from desktop.cli import recurring as cli_recurring

NEW_COMMANDS = [
    ["budget"], ["budget", "set"], ["budget", "clear"], ["budget", "list"],
    ["recurring"], ["recurring", "list"], ["recurring", "add"], ["recurring", "remove"],
    ["recurring", "upcoming"], ["recurring", "edit"], ["recurring", "skip"], ["recurring", "post"], ["recurring", "post-due"],
    ["recurring", "pause"], ["recurring", "resume"],
    ["list"], ["export"], ["summary"],
]



@pytest.fixture
def today(monkeypatch):
    """The day the recurring commands take as today; tests move it."""
    chosen = {"day": date(2025, 1, 20)}
    monkeypatch.setattr(cli_recurring, "today", lambda: chosen["day"])

    def set_today(text: str) -> None:
        chosen["day"] = date.fromisoformat(text)

    return set_today


def ok(result) -> str:
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.fixture
def filled(run):
    for amount, description, category, day in [
        ("420", "Café Central", "Food", "2025-03-14"),
        ("112", "Train", "Transport", "2025-03-15"),
        ("8.5", "CAFE au lait", "Food", "2025-02-02"),
        ("3", "Cafeteria lunch", "Food", "2025-03-16"),
        ("60", "Power bill", "Utilities", "2025-03-01"),
    ]:
        ok(run("add", "--amount", amount, "--description", description, "--category", category, "--date", day))


def one_line_error(result, words: str) -> None:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert result.stderr.startswith("Error: ")
    assert words in result.stderr, result.stderr


# -- budgets -------------------------------------------------------------------------------

def test_budget_set_list_clear(run, filled):
    assert ok(run("budget", "set", "Food", "500")) == "Set the budget of Food to 500.00 a month.\n"
    assert ok(run("budget", "set", "transport", "100")) == "Set the budget of Transport to 100.00 a month.\n"
    assert ok(run("budget", "set", "OVERALL", "2000")) == "Set the overall budget to 2,000.00 a month.\n"
    assert ok(run("budget", "set", "3", "75.5")) == "Set the budget of Utilities to 75.50 a month.\n"
    assert ok(run("budget", "set", "Food", "450")) == "Set the budget of Food to 450.00 a month.\n"
    assert ok(run("budget", "list")) == (
        "  Overall                      2,000.00 a month\n"
        "  Food                           450.00 a month\n"
        "  Transport                      100.00 a month\n"
        "  Utilities                       75.50 a month\n"
    )
    assert json.loads(ok(run("budget", "list", "--json"))) == {"overall": 2000.0, "categories": [
        {"category_id": 1, "category_name": "Food", "amount": 450.0},
        {"category_id": 2, "category_name": "Transport", "amount": 100.0},
        {"category_id": 3, "category_name": "Utilities", "amount": 75.5},
    ]}
    assert ok(run("budget", "clear", "Utilities")) == "Cleared the budget of Utilities.\n"
    assert ok(run("budget", "clear", "overall")) == "Cleared the overall budget.\n"
    assert ok(run("budget", "list")) == (
        "  Food                           450.00 a month\n"
        "  Transport                      100.00 a month\n"
    )
    ok(run("budget", "clear", "Food"))
    ok(run("budget", "clear", "Transport"))
    nothing = run("budget", "list")
    assert nothing.exit_code == 0 and nothing.stdout == ""
    assert nothing.stderr == "No budgets set; `budget set CATEGORY AMOUNT` sets one.\n"


def test_summary_shows_left_and_over(run, filled):
    ok(run("budget", "set", "Food", "500"))
    ok(run("budget", "set", "Transport", "100"))
    ok(run("budget", "set", "Utilities", "60"))
    ok(run("budget", "set", "overall", "2000"))
    assert ok(run("summary", "--month", "2025-03")) == (
        "2025-03: 595.00 in 4 expenses\n"
        "  Food                           423.00  (2)\n"
        "  Transport                      112.00  (1)\n"
        "  Utilities                       60.00  (1)\n"
        "Budgets:\n"
        "  Food                     spent 423.00 of 500.00 (84.6%)  77.00 left\n"
        "  Transport                spent 112.00 of 100.00 (112%)  12.00 over  OVER BUDGET\n"
        "  Utilities                spent 60.00 of 60.00 (100%)  0.00 left\n"
        "  Overall                  spent 595.00 of 2,000.00 (29.8%)  1,405.00 left\n"
    )
    # A month without spending still shows every budget.
    assert ok(run("summary", "--month", "2025-04")) == (
        "2025-04: 0.00 in 0 expenses\n"
        "Budgets:\n"
        "  Food                     spent 0.00 of 500.00 (0%)  500.00 left\n"
        "  Transport                spent 0.00 of 100.00 (0%)  100.00 left\n"
        "  Utilities                spent 0.00 of 60.00 (0%)  60.00 left\n"
        "  Overall                  spent 0.00 of 2,000.00 (0%)  2,000.00 left\n"
    )


def test_summary_json_has_the_library_fields(run, filled):
    plain = json.loads(ok(run("summary", "--month", "2025-03", "--json")))
    assert "budgets" not in plain and "overall_budget" not in plain
    ok(run("budget", "set", "Transport", "100"))
    assert "overall_budget" not in json.loads(ok(run("summary", "--month", "2025-03", "--json")))
    ok(run("budget", "set", "overall", "500"))
    summary = json.loads(ok(run("summary", "--month", "2025-03", "--json")))
    assert summary["budgets"] == [{"category_id": 2, "category_name": "Transport", "limit": 100.0, "spent": 112.0,
                                   "remaining": -12.0, "percent": 112.0}]
    assert summary["overall_budget"] == {"limit": 500.0, "spent": 595.0, "remaining": -95.0, "percent": 119.0}


def test_summary_without_budgets_is_unchanged(run, filled):
    assert ok(run("summary", "--month", "2025-02")) == (
        "2025-02: 8.50 in 1 expense\n"
        "  Food                             8.50  (1)\n"
    )


# -- recurring expenses ---------------------------------------------------------------------

INTERNET = ["recurring", "add", "--amount", "40", "--description", "Internet", "--category", "Utilities",
            "--every", "monthly", "--start", "2025-01-31"]


def test_recurring_on_the_31st_lists_and_shows_month_ends(run, today):
    today("2025-01-20")
    assert ok(run(*INTERNET)) == ("Added recurring expense 1: Internet, 40.00 in Utilities, monthly on the 31st "
                                  "(last day in shorter months); next 2025-01-31.\n")
    ok(run("recurring", "add", "--amount", "9.99", "--description", "Bus pass", "--category", "Transport",
           "--every", "weekly", "--interval", "2", "--start", "2025-01-22", "--end", "2025-02-28"))
    assert ok(run("recurring", "list")) == (
        "    2  Bus pass                          9.99  Transport         next 2025-01-22  "
        "Every 2 weeks on Wednesday, until 2025-02-28\n"
        "    1  Internet                         40.00  Utilities         next 2025-01-31  "
        "Monthly on the 31st (last day in shorter months)\n"
    )
    assert ok(run("recurring", "upcoming", "--days", "70")) == (
        "    2  2025-01-22          9.99  Transport         Bus pass\n"
        "    1  2025-01-31         40.00  Utilities         Internet\n"
        "    2  2025-02-05          9.99  Transport         Bus pass\n"
        "    2  2025-02-19          9.99  Transport         Bus pass\n"
        "    1  2025-02-28         40.00  Utilities         Internet\n"
        "    1  2025-03-31         40.00  Utilities         Internet\n"
    )
    today("2027-11-01")  # a leap year's February on the way; 150 days end on 2028-03-30
    assert ok(run("recurring", "upcoming", "--days", "150")) == (
        "    1  2027-11-30         40.00  Utilities         Internet\n"
        "    1  2027-12-31         40.00  Utilities         Internet\n"
        "    1  2028-01-31         40.00  Utilities         Internet\n"
        "    1  2028-02-29         40.00  Utilities         Internet\n"
    )
    assert json.loads(ok(run("recurring", "list", "--json")).splitlines()[1])["next_date"] == "2027-11-30"


def test_skip_then_post_due_twice_then_remove_keeps_posted(run, today):
    today("2025-01-20")
    ok(run(*INTERNET))
    assert ok(run("recurring", "skip", "1", "2025-02-28")) == "Skipped 2025-02-28 of recurring expense 1 (Internet).\n"
    assert ok(run("recurring", "upcoming", "--days", "40")) == (
        "    1  2025-01-31         40.00  Utilities         Internet\n"
        "    1  2025-02-28         40.00  Utilities         Internet  (skipped)\n"
    )
    today("2025-04-02")
    assert ok(run("recurring", "post-due")) == "Posted 2 recurring expenses due by 2025-04-02.\n"
    assert ok(run("recurring", "post-due")) == "Nothing was due by 2025-04-02; no expenses posted.\n"
    assert ok(run("list")) == (
        "     2  2025-03-31         40.00  Utilities         Internet\n"
        "     1  2025-01-31         40.00  Utilities         Internet\n"
    )
    assert "next 2025-04-30" in ok(run("recurring", "list"))
    # The skipped date can still be posted by hand, once.
    assert ok(run("recurring", "post", "1", "2025-02-28")) == (
        "Added expense 3: 2025-02-28         40.00  Utilities         Internet\n")
    one_line_error(run("recurring", "post", "1", "2025-02-28"), "Recurring expense 1 was already posted for 2025-02-28.")
    assert ok(run("recurring", "remove", "1")) == "Removed recurring expense 1 (Internet); the expenses it posted stay.\n"
    listed = run("recurring", "list")
    assert listed.stdout == "" and listed.stderr == "No recurring expenses yet; `recurring add` adds one.\n"
    today("2025-06-30")
    assert ok(run("recurring", "post-due")) == "Nothing was due by 2025-06-30; no expenses posted.\n"
    assert [line.split()[1] for line in ok(run("list")).splitlines()] == ["2025-03-31", "2025-02-28", "2025-01-31"]


def test_recurring_add_in_the_past_says_what_it_posted(run, today):
    today("2025-03-01")
    assert ok(run(*INTERNET)) == (
        "Added recurring expense 1: Internet, 40.00 in Utilities, monthly on the 31st (last day in shorter months); "
        "next 2025-03-31.\n"
        "Posted 2 past expenses (2025-01-31, 2025-02-28), 80.00 in all.\n")
    assert [line.split()[1] for line in ok(run("list")).splitlines()] == ["2025-02-28", "2025-01-31"]
    assert ok(run("recurring", "post-due")) == "Nothing was due by 2025-03-01; no expenses posted.\n"


def test_recurring_add_json_lists_what_it_posted(run, today):
    today("2025-03-01")
    posted = json.loads(ok(run(*INTERNET, "--json")))["posted"]
    assert [(item["date"], item["amount"]) for item in posted] == [("2025-01-31", 40.0), ("2025-02-28", 40.0)]


def test_recurring_add_weekly_long_ago_shortens_the_list(run, today):
    today("2025-03-01")
    out = ok(run("recurring", "add", "--amount", "2.50", "--description", "Paper", "--category", "Food",
                 "--every", "weekly", "--start", "2025-01-04"))
    assert out.splitlines()[1] == (
        "Posted 9 past expenses (2025-01-04, 2025-01-11, 2025-01-18, …, 2025-02-22, 2025-03-01), 22.50 in all.")


def test_recurring_add_in_the_future_posts_nothing(run, today):
    today("2025-01-20")
    assert len(ok(run(*INTERNET)).splitlines()) == 1
    assert run("list").stdout == ""


def test_recurring_pause_resume_skips_what_fell_due_while_paused(run, today, db_path):
    today("2025-01-20")
    ok(run(*INTERNET))
    today("2025-02-10")
    assert ok(run("recurring", "post-due")) == "Posted 1 recurring expense due by 2025-02-10.\n"
    assert ok(run("recurring", "pause", "1")) == (
        f"Paused recurring expense 1 (Internet) since 2025-02-10; resume it with: "
        f"expense-tracker --db {db_path} recurring resume 1\n")
    assert ok(run("recurring", "list")) == (
        "    1  Internet                         40.00  Utilities         paused           "
        "Monthly on the 31st (last day in shorter months)\n")
    assert json.loads(ok(run("recurring", "list", "--json")))["paused"] is True
    assert run("recurring", "upcoming").stdout == ""
    today("2025-04-15")
    assert ok(run("recurring", "post-due")) == "Nothing was due by 2025-04-15; no expenses posted.\n"
    assert ok(run("recurring", "resume", "1")) == (
        "Resumed recurring expense 1: Internet, 40.00 in Utilities, monthly on the 31st (last day in shorter months); "
        "next 2025-04-30.\n"
        "Skipped 2 dates that fell due while paused (2025-02-28, 2025-03-31).\n")
    assert ok(run("recurring", "resume", "1")) == "Recurring expense 1 (Internet) was not paused; nothing changed.\n"
    today("2025-05-01")
    assert ok(run("recurring", "post-due")) == "Posted 1 recurring expense due by 2025-05-01.\n"
    assert [line.split()[1] for line in ok(run("list")).splitlines()] == ["2025-04-30", "2025-01-31"]


@pytest.mark.parametrize("command", ["pause", "resume"])
def test_recurring_pause_resume_unknown_id(run, today, command):
    today("2025-01-20")
    ok(run(*INTERNET))
    one_line_error(run("recurring", command, "7"), "Recurring expense 7 not found.")


# -- search --------------------------------------------------------------------------------

@pytest.mark.parametrize("text, descriptions", [
    ("cafe", ["Cafeteria lunch", "Café Central", "CAFE au lait"]),
    ("CAFÉ central", ["Café Central"]),
    ("lait cafe", ["CAFE au lait"]),
    ("nothing", []),
])
def test_list_search(run, filled, text, descriptions):
    result = run("list", "--search", text)
    assert result.exit_code == 0
    assert [line[52:] for line in result.stdout.splitlines()] == descriptions
    if not descriptions:
        assert result.stderr == "No expenses match.\n"


def test_list_search_exact_rows(run, filled):
    assert ok(run("list", "--search", "cafe", "--category", "Food", "--from", "2025-03-01")) == (
        "     4  2025-03-16          3.00  Food              Cafeteria lunch\n"
        "     1  2025-03-14        420.00  Food              Café Central\n"
    )


def test_export_search_exact_csv(run, filled, tmp_path):
    result = run("export", "--search", "cafe")
    assert result.exit_code == 0
    assert result.stdout_bytes.decode() == (
        "id,amount,description,category,date\r\n"
        "4,3.00,Cafeteria lunch,Food,2025-03-16\r\n"
        "1,420.00,Café Central,Food,2025-03-14\r\n"
        "3,8.50,CAFE au lait,Food,2025-02-02\r\n"
    )
    ok(run("export", "--search", "train", "-o", tmp_path / "train.csv"))
    assert (tmp_path / "train.csv").read_bytes() == b"id,amount,description,category,date\r\n2,112.00,Train,Transport,2025-03-15\r\n"


# -- user errors ---------------------------------------------------------------------------

USER_ERRORS = [
    ("budget-unknown-category", ["budget", "set", "Nope", "5"], "No category 'Nope' (the categories are: Food, Transport, Utilities); `expense-tracker "),
    ("budget-clear-unknown-category", ["budget", "clear", "Nope"], "category add Nope` makes it."),
    ("budget-bad-amount", ["budget", "set", "Food", "abc"], "Invalid AMOUNT: must be a number such as 12.50, got 'abc'."),
    ("budget-negative", ["budget", "set", "Food", "-3"], "Invalid AMOUNT: input should be greater than 0."),
    ("budget-cents", ["budget", "set", "Food", "1.234"], "Invalid AMOUNT: must have at most 2 decimal places"),
    ("budget-clear-none", ["budget", "clear", "Food"], "There is no budget of Food to clear."),
    ("budget-clear-overall-none", ["budget", "clear", "overall"], "There is no overall budget to clear."),
    ("recurring-unknown-category", [*INTERNET[:7], "Nope", *INTERNET[8:]], "category add Nope` makes it."),
    ("recurring-bad-amount", ["recurring", "add", "--amount", "ten", *INTERNET[4:]], "Invalid --amount: must be a number"),
    ("recurring-zero-amount", ["recurring", "add", "--amount", "0", *INTERNET[4:]], "Invalid --amount: input should be greater than 0."),
    ("recurring-bad-start", [*INTERNET[:-1], "2025-02-30"], "Invalid --start: must be a real calendar date in the form YYYY-MM-DD, got '2025-02-30'."),
    ("recurring-bad-end", [*INTERNET, "--end", "soon"], "Invalid --end: must be a real calendar date"),
    ("recurring-end-before-start", [*INTERNET, "--end", "2025-01-01"], "Invalid --end: 2025-01-01 is before --start 2025-01-31."),
    ("recurring-day-not-monthly", [*INTERNET[:9], "weekly", "--day", "3", *INTERNET[10:]], "Invalid --day: only --every monthly has a day of the month."),
    ("recurring-day-32", [*INTERNET, "--day", "32"], "Invalid --day: input should be less than or equal to 31."),
    ("recurring-interval-0", [*INTERNET, "--interval", "0"], "Invalid --interval: input should be greater than or equal to 1."),
    ("recurring-interval-text", [*INTERNET, "--interval", "two"], "Invalid --interval: must be a whole number, got 'two'."),
    ("recurring-too-old", [*INTERNET[:-1], "1900-01-31"], "Invalid --start: 1900-01-31 would post more than 1000 past expenses at once"),
    ("skip-bad-date", ["recurring", "skip", "1", "2025-13-01"], "Invalid DATE: must be a real calendar date"),
    ("skip-not-scheduled", ["recurring", "skip", "1", "2025-02-27"], "Invalid DATE: 2025-02-27 is not a date of recurring expense 1's schedule."),
    ("post-unknown", ["recurring", "post", "9", "2025-02-28"], "Recurring expense 9 not found."),
    ("remove-unknown", ["recurring", "remove", "9"], "Recurring expense 9 not found."),
    ("list-bad-date", ["list", "--search", "cafe", "--from", "2025-3-1"], "Invalid --from: must be a real calendar date"),
]


@pytest.mark.parametrize("case, args, words", USER_ERRORS, ids=[c[0] for c in USER_ERRORS])
def test_user_errors_are_one_line_exit_2(run, filled, today, case, args, words):
    today("2025-01-20")
    if case.startswith(("skip", "post")):
        ok(run(*INTERNET))
    before = (ok(run("list", "--limit", "100")), ok(run("budget", "list")), ok(run("recurring", "list")))
    one_line_error(run(*args), words)
    assert (ok(run("list", "--limit", "100")), ok(run("budget", "list")), ok(run("recurring", "list"))) == before


@pytest.mark.parametrize("command", ["budget list", "recurring list", "recurring post-due", "recurring upcoming"])
def test_missing_database_is_not_created(tmp_path, command):
    missing = tmp_path / "nope.db"
    result = CliRunner().invoke(main, ["--db", str(missing), *command.split()])
    one_line_error(result, str(missing))
    assert not missing.exists()


# -- help ----------------------------------------------------------------------------------

@pytest.mark.parametrize("command", NEW_COMMANDS, ids=[" ".join(c) for c in NEW_COMMANDS])
def test_help_has_example_db_option_and_version(command):
    result = CliRunner().invoke(main, [*command, "--help"])
    assert result.exit_code == 0
    assert "Example" in result.stdout
    assert "--db PATH" in result.stdout and "--version" in result.stdout
    version = CliRunner().invoke(main, [*command, "--version"])
    assert version.exit_code == 0 and version.stdout.startswith("expense-tracker, version ")


def test_search_option_in_help():
    for command in ("list", "export"):
        assert "--search TEXT" in CliRunner().invoke(main, [command, "--help"]).stdout


# -- recurring edit --------------------------------------------------------------------------


def test_recurring_edit_changes_only_what_is_given(run, today):
    today("2025-01-20")
    ok(run(*INTERNET))
    assert ok(run("recurring", "edit", "1", "--amount", "45", "--category", "food")) == (
        "Changed recurring expense 1: Internet, 45.00 in Food, monthly on the 31st (last day in shorter months); "
        "next 2025-01-31.\n")
    assert ok(run("recurring", "edit", "1", "--every", "weekly", "--end", "2025-12-31")) == (
        "Changed recurring expense 1: Internet, 45.00 in Food, weekly on Friday, until 2025-12-31; next 2025-01-31.\n")
    edited = json.loads(ok(run("recurring", "edit", "1", "--no-end", "--json")))
    assert (edited["amount"], edited["category_name"], edited["frequency"], edited["end_date"]) == (
        45.0, "Food", "weekly", None)


RECURRING_EDIT_ERRORS = [
    ("unknown-id", ["recurring", "edit", "9", "--amount", "3"], "Recurring expense 9 not found."),
    ("nothing", ["recurring", "edit", "1"], "Nothing to change: give --amount, --description, --category"),
    ("end-before-start", ["recurring", "edit", "1", "--end", "2024-01-01"], "Invalid --end: 2024-01-01 is before --start"),
    ("day-weekly", ["recurring", "edit", "1", "--every", "weekly", "--day", "3"],
     "Invalid --day: only a monthly schedule has a day of the month."),
    ("unknown-category", ["recurring", "edit", "1", "--category", "Nope"], "category add Nope` makes it."),
    ("end-and-no-end", ["recurring", "edit", "1", "--end", "2026-01-01", "--no-end"], "Give either --end or --no-end"),
]


@pytest.mark.parametrize("case, args, words", RECURRING_EDIT_ERRORS, ids=[c[0] for c in RECURRING_EDIT_ERRORS])
def test_recurring_edit_user_errors_leave_it(run, today, case, args, words):
    today("2025-01-20")
    ok(run(*INTERNET))
    before = ok(run("recurring", "list"))
    one_line_error(run(*args), words)
    assert ok(run("recurring", "list")) == before
