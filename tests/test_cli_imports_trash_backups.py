"""Trash, backups and bank-file imports from the command line (issue 7), through the click group."""

import hashlib
import json
import re
import sqlite3
import urllib.request
from datetime import date

import pytest
from click.testing import CliRunner

from conftest import start_server, stop_server
from desktop.cli import imports as cli_imports
from desktop.cli import main

NEW_COMMANDS = [
    ["delete"], ["trash"], ["trash", "list"], ["trash", "restore"], ["trash", "empty"],
    ["backup"], ["backups"], ["restore"], ["import"],
    ["imports"], ["imports", "list"], ["imports", "revert"], ["imports", "restore"], ["imports", "profiles"],
]

# A German bank's export: Latin-1, semicolons, decimal commas, DD.MM.YYYY, one income row.
GIRO = (
    "Buchungstag;Verwendungszweck;Betrag;Kategorie\n"
    "03.03.2025;REWE Markt München;-23,45;Food\n"
    "04.03.2025;Gehalt März;2.500,00;\n"
    "05.03.2025;DB Fahrkarte;-1.234,50;Transport\n"
    "06.03.2025;Bäckerei Müller;-3,20;Food\n"
).encode("latin-1")

# Debit/credit columns, no categories, the same purchase twice, a refund.
CARD = (
    b"Date,Description,Debit,Credit\n"
    b"2025-03-14,COFFEE SHOP,4.50,\n"
    b"2025-03-14,COFFEE SHOP,4.50,\n"
    b"2025-03-15,REFUND,,10.00\n"
    b"2025-03-16,BOOKS,12.00,\n"
)

# 01/02 and 03/04 read as day-first and as month-first.
AMBIGUOUS = b"Date,Description,Amount\n01/02/2025,Tea,-2.00\n03/04/2025,Cake,-3.00\n"

CATEGORIES = b"Date,Description,Amount,Category\n2025-03-01,Gym,-30.00,Sport\n2025-03-02,Pizza,-12.00,Eating out\n"

GIRO_PREVIEW = (
    "File:      giro.csv: CSV, latin-1, semicolon-separated, with a header row\n"
    "Profile:   none saved for these columns; they were guessed\n"
    'Columns:   date from "Buchungstag" (DD.MM.YYYY); amount from "Betrag" (decimal comma, money out is negative); '
    'description from "Verwendungszweck"; category from "Kategorie"\n'
    "Rows:      4 in the file: 3 ready, 0 duplicates, 1 income, 0 with problems; 3 to import\n"
    "Category:  3 from the file\n"
    "\n"
    "First rows, as they would be stored:\n"
    "    line  date              amount  category          because   action           description\n"
    "       2  2025-03-03         23.45  Food              file      import           REWE Markt München\n"
    "       3  2025-03-04      2,500.00                              skip: income     Gehalt März\n"
    "       4  2025-03-05      1,234.50  Transport         file      import           DB Fahrkarte\n"
    "       5  2025-03-06          3.20  Food              file      import           Bäckerei Müller\n"
    "\n"
    "Money in (skipped unless --include LINE or --include-income):\n"
    "  line 3  2025-03-04  2,500.00  Gehalt März\n"
    "\n"
)

GIRO_AGAIN = (
    "File:      giro.csv: CSV, latin-1, semicolon-separated, with a header row\n"
    'Profile:   "giro" (saved earlier)\n'
    'Columns:   date from "Buchungstag" (DD.MM.YYYY); amount from "Betrag" (decimal comma, money out is negative); '
    'description from "Verwendungszweck"; category from "Kategorie"\n'
    "Rows:      4 in the file: 0 ready, 3 duplicates, 1 income, 0 with problems; 0 to import\n"
    "\n"
    "First rows, as they would be stored:\n"
    "    line  date              amount  category          because   action           description\n"
    "       2  2025-03-03         23.45  Food              file      skip: duplicate  REWE Markt München\n"
    "       3  2025-03-04      2,500.00                              skip: income     Gehalt März\n"
    "       4  2025-03-05      1,234.50  Transport         file      skip: duplicate  DB Fahrkarte\n"
    "       5  2025-03-06          3.20  Food              file      skip: duplicate  Bäckerei Müller\n"
    "\n"
    "Duplicates (skipped unless --include LINE or --include-duplicates):\n"
    "  line 2  2025-03-03  23.45  REWE Markt München\n"
    "      Looks like expense 1: same amount, the same day, similar description.\n"
    "      matches expense 1: 2025-03-03  23.45  REWE Markt München\n"
    "  line 4  2025-03-05  1,234.50  DB Fahrkarte\n"
    "      Looks like expense 2: same amount, the same day, similar description.\n"
    "      matches expense 2: 2025-03-05  1,234.50  DB Fahrkarte\n"
    "  line 5  2025-03-06  3.20  Bäckerei Müller\n"
    "      Looks like expense 3: same amount, the same day, similar description.\n"
    "      matches expense 3: 2025-03-06  3.20  Bäckerei Müller\n"
    "\n"
    "Money in (skipped unless --include LINE or --include-income):\n"
    "  line 3  2025-03-04  2,500.00  Gehalt März\n"
    "\n"
    "Nothing to import from giro.csv (3 duplicates and 1 income row skipped); nothing was changed.\n"
)

GIRO_LISTED = (
    "     3  2025-03-06          3.20  Food              Bäckerei Müller\n"
    "     2  2025-03-05      1,234.50  Transport         DB Fahrkarte\n"
    "     1  2025-03-03         23.45  Food              REWE Markt München\n"
)



@pytest.fixture
def filled(run):
    for amount, description, category, day in [
        ("12.5", "Lunch", "Food", "2025-03-14"),
        ("0.1", "Coffee", "Food", "2025-03-15"),
        ("0.2", "Bus ticket", "Transport", "2025-03-15"),
    ]:
        result = run("add", "--amount", amount, "--description", description, "--category", category, "--date", day)
        assert result.exit_code == 0, result.output


@pytest.fixture
def files(tmp_path):
    """Bank files written byte for byte, as a bank would hand them over."""
    written = {}
    for name, data in [("giro.csv", GIRO), ("card.csv", CARD), ("dates.csv", AMBIGUOUS), ("cats.csv", CATEGORIES)]:
        written[name] = tmp_path / name
        written[name].write_bytes(data)
    return written


def listed(run) -> str:
    result = run("list")
    assert result.exit_code == 0, result.output
    return result.stdout


def today() -> str:
    return date.today().isoformat()


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def one_line_error(result, words: str) -> None:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert result.stderr.startswith("Error: ")
    assert words in result.stderr, result.stderr


# -- trash ---------------------------------------------------------------------------------

def test_delete_then_trash_list_then_restore_same_id(run, filled, db_path):
    deleted = run("delete", 1)
    assert deleted.exit_code == 0, deleted.output
    assert deleted.stdout == (
        f"Deleted expense 1 (2025-03-14 Lunch 12.50); undo with: expense-tracker --db {db_path} trash restore 1\n"
    )
    assert listed(run) == (
        "     3  2025-03-15          0.20  Transport         Bus ticket\n"
        "     2  2025-03-15          0.10  Food              Coffee\n"
    )
    in_trash = run("trash", "list")
    assert in_trash.stdout == f"     1  2025-03-14         12.50  Food              deleted {today()}  30 days left  Lunch\n"
    restored = run("trash", "restore", 1)
    assert restored.exit_code == 0, restored.output
    assert restored.stdout == "Restored expense 1: 2025-03-14         12.50  Food              Lunch\n"
    assert listed(run) == (
        "     3  2025-03-15          0.20  Transport         Bus ticket\n"
        "     2  2025-03-15          0.10  Food              Coffee\n"
        "     1  2025-03-14         12.50  Food              Lunch\n"
    )
    emptied = run("trash", "list")
    assert (emptied.stdout, emptied.stderr) == ("", "The trash is empty.\n")


def test_trash_restore_several_and_json(run, filled):
    run("delete", 2)
    run("delete", 3)
    rows = [json.loads(line) for line in run("trash", "list", "--json").stdout.splitlines()]
    assert [(r["id"], r["description"], r["days_left"], r["reverted_batch_id"]) for r in rows] == [
        (3, "Bus ticket", 30, None), (2, "Coffee", 30, None)]
    result = run("trash", "restore", 2, 3)
    assert result.stdout == (
        "Restored expense 2: 2025-03-15          0.10  Food              Coffee\n"
        "Restored expense 3: 2025-03-15          0.20  Transport         Bus ticket\n"
    )


@pytest.mark.parametrize(
    "args, input, exit_code, stdout, stderr, left",
    [
        (["trash", "empty"], None, 2, "", "Error: There is no input to confirm with; add --yes to empty the trash.\n", 1),
        (["trash", "empty"], "n\n", 1, "", "Cancelled; nothing was changed.\n", 1),
        (["trash", "empty"], "y\n", 0, "Emptied the trash: 1 expense deleted for good.\n", "", 0),
        (["trash", "empty", "--yes"], None, 0, "Emptied the trash: 1 expense deleted for good.\n", "", 0),
    ],
    ids=["no-stdin", "answer-no", "answer-yes", "yes-flag"],
)
def test_trash_empty_asks_first(run, filled, db_path, args, input, exit_code, stdout, stderr, left):
    run("delete", 1)
    result = run(*args, input=input)
    assert (result.exit_code, result.stdout, result.stderr) == (exit_code, stdout, stderr)
    assert sqlite3.connect(db_path).execute("select count(*) from deleted_expenses").fetchone()[0] == left


def test_trash_empty_when_empty_asks_nothing(run, filled):
    result = run("trash", "empty")
    assert (result.exit_code, result.stdout) == (0, "The trash is already empty.\n")


# -- backups -------------------------------------------------------------------------------

def test_backup_then_restore_brings_back_the_past_and_keeps_a_safety_copy(run, filled, db_path, tmp_path):
    target = tmp_path / "saved" / "before.db"
    made = run("backup", target)
    assert made.exit_code == 0, made.output
    assert re.fullmatch(rf"Backed up {re.escape(str(db_path))} to {re.escape(str(target))} \([0-9.]+ KB\)\.\n", made.stdout)
    assert run("add", "--amount", "99", "--description", "After the backup", "--category", "Food").exit_code == 0
    assert "After the backup" in listed(run)

    restored = run("restore", target, "--yes")
    assert restored.exit_code == 0, restored.output
    match = re.fullmatch(
        rf"Restored {re.escape(str(db_path))} from {re.escape(str(target))}; what was there before is saved as "
        rf"(expenses-{today()}-[0-9]{{6}}-before-restore\.db) in {re.escape(str(tmp_path / 'backups'))}\.\n",
        restored.stdout,
    )
    assert match, restored.stdout
    assert "After the backup" not in listed(run)
    assert listed(run).count("\n") == 3
    safety = tmp_path / "backups" / match.group(1)
    assert sqlite3.connect(safety).execute("select count(*) from expenses where description = 'After the backup'").fetchone() == (1,)

    backups = run("backups")
    lines = backups.stdout.splitlines()
    assert lines[0] == f"Backups of {db_path} in {tmp_path / 'backups'}:"
    assert re.fullmatch(rf"  {re.escape(match.group(1))} +before-restore  {today()} [0-9:]{{5}} +[0-9.]+ KB", lines[1])
    assert len(lines) == 2


def test_restore_asks_first_and_refuses_without_input(run, filled, db_path, tmp_path):
    target = tmp_path / "b.db"
    run("backup", target)
    run("add", "--amount", "1", "--description", "Kept", "--category", "Food")
    refused = run("restore", target)
    one_line_error(refused, "add --yes to restore")
    declined = run("restore", target, input="n\n")
    assert declined.exit_code == 1
    assert "Kept" in listed(run)
    accepted = run("restore", target, input="y\n")
    assert accepted.exit_code == 0, accepted.output
    assert "Kept" not in listed(run)


def test_restore_by_name_from_backups_folder(run, filled, tmp_path):
    made = run("backup")
    assert made.exit_code == 0, made.output
    name = json.loads(run("backups", "--json").stdout)["backups"][0]["name"]
    assert re.fullmatch(rf"expenses-{today()}-[0-9]{{6}}-manual\.db", name)
    run("delete", 1)
    result = run("restore", name, "--yes")
    assert result.exit_code == 0, result.output
    assert "Lunch" in listed(run)


def garbage_in_copy(good, bad):
    data = bytearray(good.read_bytes())
    data[4096:8192] = b"\xde\xad\xbe\xef" * 1024
    bad.write_bytes(bytes(data))


def other_program(good, bad):
    with sqlite3.connect(bad) as conn:
        conn.execute("create table songs (title text)")
    conn.close()


BAD_BACKUPS = [
    ("garbage-in-a-copy", garbage_in_copy, "malformed"),
    ("random-bytes", lambda good, bad: bad.write_bytes(b"\x00\x13junk" * 3000), "not a usable database"),
    ("other-program", other_program, "another program"),
    ("empty-file", lambda good, bad: bad.write_bytes(b""), "is empty, so it is not a backup"),
]


@pytest.mark.parametrize("case, spoil, words", BAD_BACKUPS, ids=[c[0] for c in BAD_BACKUPS])
def test_restore_of_a_bad_file_is_one_line_and_changes_nothing(run, filled, db_path, tmp_path, case, spoil, words):
    good = tmp_path / "good.db"
    assert run("backup", good).exit_code == 0
    bad = tmp_path / "bad.db"
    spoil(good, bad)
    run("add", "--amount", "5", "--description", "Today", "--category", "Food")
    before_rows, before_bytes = listed(run), digest(db_path)
    result = run("restore", bad, "--yes")
    one_line_error(result, words)
    assert result.stderr.rstrip().endswith("Nothing was restored; your data is unchanged.")
    assert listed(run) == before_rows
    assert digest(db_path) == before_bytes
    assert not (tmp_path / "backups").exists()


@pytest.mark.parametrize(
    "args, exit_code, words",
    [
        ([], 2, "already exists; choose another file or add --force to replace it."),
        (["--force"], 0, "Backed up"),
    ],
    ids=["refused", "forced"],
)
def test_backup_over_an_existing_file_needs_force(run, filled, tmp_path, args, exit_code, words):
    target = tmp_path / "there.db"
    target.write_bytes(b"something precious")
    result = run("backup", target, *args)
    assert result.exit_code == exit_code, result.output
    assert words in (result.stderr if exit_code else result.stdout)
    if exit_code:
        one_line_error(result, str(target))
        assert target.read_bytes() == b"something precious"
    else:
        assert sqlite3.connect(target).execute("select count(*) from expenses").fetchone() == (3,)


# -- imports -------------------------------------------------------------------------------

def test_import_dry_run_shows_the_preview_and_imports_nothing(run, db_path, files):
    result = run("import", files["giro.csv"], "--dry-run")
    assert result.exit_code == 0, result.output
    assert result.stdout == GIRO_PREVIEW + (
        "Dry run: 3 expenses would be imported from giro.csv (1 income row skipped); nothing was changed.\n")
    assert result.stderr == ""
    assert run("list").stdout == ""
    assert run("imports", "list").stderr == "No imports yet.\n"
    assert sqlite3.connect(db_path).execute("select count(*) from import_profiles").fetchone() == (0,)


def test_import_then_again_then_revert_then_restore(run, db_path, files):
    first = run("import", files["giro.csv"])
    assert first.exit_code == 0, first.output
    assert first.stdout == GIRO_PREVIEW + (
        "Imported 3 expenses from giro.csv as batch 1 (1 income row skipped); "
        f"undo with: expense-tracker --db {db_path} imports revert 1\n"
        'The column mapping is saved as profile "giro" for the next file like it.\n'
    )
    assert listed(run) == GIRO_LISTED

    again = run("import", files["giro.csv"])
    assert again.exit_code == 0, again.output
    assert again.stdout == GIRO_AGAIN
    assert listed(run) == GIRO_LISTED
    batches = run("imports", "list")
    assert re.fullmatch(r"    1  [0-9-]{10} [0-9:]{5}  imported  3 of 4 rows           giro\.csv  \(profile giro\)\n",
                        batches.stdout), batches.stdout

    reverted = run("imports", "revert", 1)
    assert reverted.stdout == (
        f"Reverted import 1 (giro.csv): its expenses are in the trash; undo with: expense-tracker --db {db_path} imports restore 1\n")
    assert run("list").stdout == ""
    assert "(import 1 reverted)" in run("trash", "list").stdout
    one_line_error(run("imports", "revert", 1), "Import batch 1 is already reverted.")

    restored = run("imports", "restore", 1)
    assert restored.stdout == "Restored import 1 (giro.csv): its expenses are back.\n"
    assert listed(run) == GIRO_LISTED
    one_line_error(run("imports", "restore", 1), "Import batch 1 is not reverted")


@pytest.mark.parametrize(
    "options, dates",
    [
        (["--date-format", "DD/MM/YYYY"], ["2025-04-03", "2025-02-01"]),
        (["--date-format", "MM/DD/YYYY"], ["2025-03-04", "2025-01-02"]),
    ],
    ids=["day-first", "month-first"],
)
def test_ambiguous_dates_need_a_format_then_follow_it(run, files, options, dates):
    refused = run("import", files["dates.csv"], "--category", "Food")
    one_line_error(refused, "--date-format ")
    assert re.search(r"--date-format (DD/MM/YYYY or MM/DD/YYYY|MM/DD/YYYY or DD/MM/YYYY)\.$", refused.stderr.strip())
    assert refused.stdout == ""
    result = run("import", files["dates.csv"], "--category", "Food", *options)
    assert result.exit_code == 0, result.output
    assert [line.split()[1] for line in listed(run).splitlines()] == dates
    assert "fit more than one format" not in run("import", files["dates.csv"], "--dry-run").stderr  # the profile chose


@pytest.mark.parametrize(
    "options, imported",
    [
        (["--category", "Food"], ["COFFEE SHOP", "BOOKS"]),
        (["--category", "Food", "--include-duplicates"], ["COFFEE SHOP", "COFFEE SHOP", "BOOKS"]),
        (["--category", "Food", "--include", "3"], ["COFFEE SHOP", "COFFEE SHOP", "BOOKS"]),
        (["--category", "Food", "--include-income"], ["COFFEE SHOP", "REFUND", "BOOKS"]),
        (["--category", "Food", "--skip", "5"], ["COFFEE SHOP"]),
        (["--category", "2", "--skip", "2", "--include", "3"], ["COFFEE SHOP", "BOOKS"]),
    ],
    ids=["default", "include-duplicates", "include-line", "include-income", "skip-line", "category-id"],
)
def test_import_choices(run, files, options, imported):
    result = run("import", files["card.csv"], *options)
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in run("list", "--sort", "date", "--order", "asc", "--json").stdout.splitlines()]
    assert [r["description"] for r in sorted(rows, key=lambda r: r["id"])] == imported


def test_import_summary_line_names_what_was_skipped(run, db_path, files):
    result = run("import", files["card.csv"], "--category", "Food", "--skip", "5")
    assert result.stdout.splitlines()[-2] == (
        "Imported 1 expense from card.csv as batch 1 (1 duplicate, 1 income row and 1 row named by --skip skipped); "
        f"undo with: expense-tracker --db {db_path} imports revert 1")


def test_unknown_categories_mapped_to_existing_and_new(run, files):
    refused = run("import", files["cats.csv"])
    one_line_error(refused, "cats.csv has categories that don't exist yet (Sport, Eating out); "
                            "put each in an existing or a new category with --map-category")
    assert run("list").stdout == ""
    result = run("import", files["cats.csv"], "--map-category", "Sport=Sport", "--map-category", "eating out=food")
    assert result.exit_code == 0, result.output
    assert "Sport (new)" in result.stdout
    assert listed(run) == (
        "     2  2025-03-02         12.00  Food              Pizza\n"
        "     1  2025-03-01         30.00  Sport             Gym\n"
    )


def test_profile_saved_under_a_name_and_listed(run, files):
    assert run("import", files["giro.csv"], "--save-profile", "Giro account", "--dry-run").exit_code == 0
    assert run("imports", "profiles").stderr == "No saved profiles yet; an import saves one.\n"
    assert run("import", files["giro.csv"], "--save-profile", "Giro account").exit_code == 0
    assert run("imports", "profiles").stdout.startswith("Giro account  (saved ")
    again = run("import", files["giro.csv"], "--profile", "Giro account", "--dry-run")
    assert 'Profile:   "Giro account" (saved earlier)' in again.stdout


IMPORT_ERRORS = [
    ("missing-file", ["import", "{tmp}/nope.csv"], "No such file or directory"),
    ("no-category", ["import", "{tmp}/card.csv"], "Some rows of card.csv have no category; choose the category they go in with --category (one of: Food, Transport, Utilities)."),
    ("unknown-category", ["import", "{tmp}/card.csv", "--category", "Nope"], "category add Nope` makes it."),
    ("bad-map", ["import", "{tmp}/cats.csv", "--map-category", "Sport"], "Invalid --map-category 'Sport': write NAME_IN_FILE=CATEGORY"),
    ("bad-date-format", ["import", "{tmp}/dates.csv", "--date-format", "YY/DD"], "Invalid --date-format 'YY/DD': use one of YYYY-MM-DD,"),
    ("unknown-profile", ["import", "{tmp}/giro.csv", "--profile", "Nope"], "There is no import profile named 'Nope'."),
    ("not-a-bank-file", ["import", "{tmp}/picture.csv"], "picture.csv cannot be imported"),
    ("revert-unknown", ["imports", "revert", "9"], "Import batch 9 not found."),
    ("restore-unknown", ["imports", "restore", "9"], "Import batch 9 not found."),
    ("delete-unknown", ["delete", "99"], "Expense 99 not found."),
    ("trash-restore-unknown", ["trash", "restore", "99"], "Expense 99 is not in the trash."),
    ("backup-is-database", ["backup", "{tmp}/expenses.db", "--force"], "is the database itself"),
    ("backup-to-folder", ["backup", "{tmp}"], "is a folder; give the backup a file name"),
    ("restore-missing", ["restore", "{tmp}/nope.db", "--yes"], "There is no file"),
]


@pytest.mark.parametrize("case, args, words", IMPORT_ERRORS, ids=[c[0] for c in IMPORT_ERRORS])
def test_user_errors_are_one_line_exit_2(run, filled, files, tmp_path, db_path, case, args, words):
    (tmp_path / "picture.csv").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4)
    before = listed(run)
    result = run(*[arg.replace("{tmp}", str(tmp_path)) for arg in args])
    one_line_error(result, words)
    assert listed(run) == before
    assert run("imports", "list").stdout == ""


@pytest.mark.parametrize("command", ["delete", "trash list", "imports list", "backup"])
def test_missing_database_is_not_created(tmp_path, command):
    missing = tmp_path / "nope.db"
    extra = ["1"] if command == "delete" else []
    result = CliRunner().invoke(main, ["--db", str(missing), *command.split(), *extra])
    one_line_error(result, str(missing))
    assert not missing.exists()


def test_progress_line_only_on_a_terminal(capsys):
    progress = cli_imports.ShowProgress()
    progress.live = True
    progress("Reading the file", 0, 1)
    progress("Importing", 5000, 20000)
    progress.clear()
    assert capsys.readouterr().err == "\r\x1b[KReading the file…\r\x1b[KImporting: 5,000 of 20,000\r\x1b[K"
    quiet = cli_imports.ShowProgress()
    quiet.live = False
    quiet("Importing", 1, 2)
    quiet.clear()
    assert capsys.readouterr().err == ""


# -- with the app running on the same database ------------------------------------------

def api(server, path):
    with urllib.request.urlopen(f"{server.url}{path}", timeout=10) as response:
        return json.load(response)


def test_commands_work_while_the_app_runs(tmp_path, files):
    db_path = tmp_path / "running.db"
    server = start_server(db_path)
    try:
        def run(*args, input=None):
            return CliRunner().invoke(main, ["--db", str(db_path), *map(str, args)], input=input)

        assert run("import", files["giro.csv"]).exit_code == 0
        assert [e["description"] for e in api(server, "/expenses?sort=date&order=asc")] == [
            "REWE Markt München", "DB Fahrkarte", "Bäckerei Müller"]
        assert run("backup", tmp_path / "copy.db").exit_code == 0
        assert run("delete", 2).exit_code == 0
        assert api(server, "/trash/count") == {"count": 1}
        restored = run("restore", tmp_path / "copy.db", "--yes")
        assert restored.exit_code == 0, restored.output
        assert [e["id"] for e in api(server, "/expenses?sort=date&order=asc")] == [1, 2, 3]
        assert run("imports", "revert", 1).exit_code == 0
        assert api(server, "/expenses") == []
    finally:
        stop_server(server)


# -- help and version ----------------------------------------------------------------------

@pytest.mark.parametrize("command", NEW_COMMANDS, ids=[" ".join(c) for c in NEW_COMMANDS])
def test_help_has_example_db_option_and_version(command):
    result = CliRunner().invoke(main, [*command, "--help"])
    assert result.exit_code == 0
    assert "Example" in result.stdout
    assert "--db PATH" in result.stdout and "--version" in result.stdout
    version = CliRunner().invoke(main, [*command, "--version"])
    assert version.exit_code == 0 and version.stdout.startswith("expense-tracker, version ")


def test_main_help_lists_the_new_commands():
    result = CliRunner().invoke(main, ["--help"])
    commands = result.stdout.split("Commands:")[1]
    for name in ["backup", "backups", "delete", "import", "imports", "restore", "trash"]:
        assert re.search(rf"^  {name} ", commands, re.M), name
    assert "expense-tracker import statement.csv --dry-run" in result.stdout


def test_imports_profiles_json_one_object_per_line(run, files):
    assert run("import", files["giro.csv"], "--save-profile", "Giro account").exit_code == 0
    result = run("imports", "profiles", "--json")
    assert result.exit_code == 0, result.output
    [profile] = [json.loads(line) for line in result.stdout.splitlines()]
    assert profile["name"] == "Giro account" and isinstance(profile["mapping"], dict)


# -- columns, included problem rows and every question in one run (issue 15) ---------------

# Two dates of no known name; the person wants the second one, and the payee with the purpose.
UNNAMED_DATES = (
    "Erfasst am;Gebucht am;Empfänger;Zweck;Betrag;Saldo\n"
    "27.02.2025;03.03.2025;REWE Markt;Einkauf 4711;-23,45;976,55\n"
    "28.02.2025;04.03.2025;Stadtwerke;Strom Februar;-80,00;896,55\n"
).encode("latin-1")

# US dates that fit both formats, no categories, a row whose amount is no number.
MIXED = (
    b"Date,Description,Amount\n"
    b"01/02/2025,COFFEE SHOP,-4.50\n"
    b"03/04/2025,BOOKS,-12.00\n"
    b"05/06/2025,CINEMA,n/a\n"
)

# Debit and credit marks, and one row without either.
MARKS = (
    b"Date,Amount,Type,Description\n"
    b"14/03/2025,5.00,DR,SHOP\n"
    b"15/03/2025,9.00,CR,REFUND\n"
    b"16/03/2025,7.00,,CAFE\n"
)


@pytest.fixture
def more_files(tmp_path):
    written = {}
    for name, data in [("unnamed.csv", UNNAMED_DATES), ("mixed.csv", MIXED), ("marks.csv", MARKS)]:
        written[name] = tmp_path / name
        written[name].write_bytes(data)
    return written


@pytest.mark.parametrize(
    "columns",
    [
        ["--date-column", "Gebucht am", "--amount-column", "Betrag",
         "--description-column", "Empfänger", "--description-column", "zweck"],
        ["--date-column", "2", "--amount-column", "5", "--description-column", "3", "--description-column", "4"],
    ],
    ids=["by-name", "by-number"],
)
def test_import_columns_chosen_by_name_or_number(run, more_files, columns):
    result = run("import", more_files["unnamed.csv"], "--category", "Food", *columns)
    assert result.exit_code == 0, result.output
    assert 'date from "Gebucht am" (DD.MM.YYYY)' in result.stdout
    assert listed(run) == (
        "     2  2025-03-04         80.00  Food              Stadtwerke · Strom Februar\n"
        "     1  2025-03-03         23.45  Food              REWE Markt · Einkauf 4711\n"
    )


def test_import_unknown_column_named_with_the_columns_there_are(run, more_files):
    refused = run("import", more_files["unnamed.csv"], "--category", "Food", "--date-column", "Buchungstag")
    one_line_error(refused, "The file has no column 'Buchungstag' for --date-column; give one of \"Erfasst am\", "
                            "\"Gebucht am\", \"Empfänger\", \"Zweck\", \"Betrag\", \"Saldo\" or its number (1 to 6).")
    assert run("list").stdout == ""


def test_import_every_question_in_one_run(run, more_files):
    refused = run("import", more_files["mixed.csv"], "--include", "4", "--include", "9")
    one_line_error(refused, "mixed.csv needs 4 answers: the dates fit more than one format (choose one: --date-format ")
    for words in ["line 4 cannot be imported (the amount 'n/a' is not a number): choose another --amount-column, "
                  "or leave out --include 4",
                  "line 9 is not a row of the file (its rows are on lines 2 to 4): leave out --include 9",
                  "some rows have no category: choose the category they go in with --category (one of: "]:
        assert words in refused.stderr
    assert run("list").stdout == ""
    answered = run("import", more_files["mixed.csv"], "--date-format", "MM/DD/YYYY", "--category", "Food")
    assert answered.exit_code == 0, answered.output
    assert [line.split()[1] for line in listed(run).splitlines()] == ["2025-03-04", "2025-01-02"]


@pytest.mark.parametrize(
    "options, imported",
    [
        (["--category", "Food"], ["SHOP"]),
        (["--category", "Food", "--include", "4"], ["CAFE", "SHOP"]),
    ],
    ids=["unmarked-left-out", "unmarked-included-as-money-out"],
)
def test_include_row_without_debit_credit_mark_imports_it(run, more_files, options, imported):
    result = run("import", more_files["marks.csv"], *options)
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in run("list", "--json").stdout.splitlines()]
    assert sorted(r["description"] for r in rows) == imported
    assert all(r["amount"] in (5.0, 7.0) for r in rows)
