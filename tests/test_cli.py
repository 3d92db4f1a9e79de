"""The command line through its real entry point: CliRunner on the click group."""

import hashlib
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import urllib.error
import urllib.request

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import ROOT, start_serve
from desktop.cli import main

COMMANDS = ["serve", "export", "add", "list", "summary", "status"]



@pytest.fixture
def filled(run):
    rows = [
        ("12.5", "Lunch, with \"Sam\"", "Food", "2025-03-14"),
        ("0.1", "Coffee", "food", "2025-03-15"),
        ("0.2", "Bus ticket", "Transport", "2025-03-15"),
        ("30", "=HYPERLINK(\"x\")", "3", "2025-02-01"),
    ]
    for amount, description, category, day in rows:
        result = run("add", "--amount", amount, "--description", description, "--category", category, "--date", day)
        assert result.exit_code == 0, result.output


def test_cli_export_exact_csv_to_stdout(run, filled):
    result = run("export")
    assert result.exit_code == 0
    # Bytes: click's Result.stdout turns \r\n into \n.
    assert result.stdout_bytes.decode() == (
        "id,amount,description,category,date\r\n"
        "3,0.20,Bus ticket,Transport,2025-03-15\r\n"
        "2,0.10,Coffee,Food,2025-03-15\r\n"
        '1,12.50,"Lunch, with ""Sam""",Food,2025-03-14\r\n'
        "4,30.00,\"'=HYPERLINK(\"\"x\"\")\",Utilities,2025-02-01\r\n"
    )


@pytest.mark.parametrize(
    "options, expected",
    [
        (["--from", "2025-03-15"], "id,amount,description,category,date\r\n3,0.20,Bus ticket,Transport,2025-03-15\r\n2,0.10,Coffee,Food,2025-03-15\r\n"),
        (["--to", "2025-02-28"], "id,amount,description,category,date\r\n4,30.00,\"'=HYPERLINK(\"\"x\"\")\",Utilities,2025-02-01\r\n"),
        (["--category", "transport"], "id,amount,description,category,date\r\n3,0.20,Bus ticket,Transport,2025-03-15\r\n"),
        (["--from", "2026-01-01"], "id,amount,description,category,date\r\n"),
    ],
    ids=["from", "to", "category", "nothing"],
)
def test_cli_export_filters(run, filled, options, expected):
    result = run("export", *options)
    assert result.exit_code == 0
    assert result.stdout_bytes.decode() == expected


def test_cli_export_to_file(run, filled, tmp_path):
    target = tmp_path / "out.csv"
    result = run("export", "--category", "Transport", "-o", str(target))
    assert result.exit_code == 0
    assert target.read_bytes() == b"id,amount,description,category,date\r\n3,0.20,Bus ticket,Transport,2025-03-15\r\n"
    assert f"Exported to {target}." in result.stderr
    assert not (tmp_path / "out.csv.partial").exists()


def test_cli_add_prints_and_stores(run, db_path):
    result = run("add", "--amount", "9.99", "--description", "Book 📚", "--category", "Utilities", "--date", "2025-01-02", "--json")
    assert result.exit_code == 0
    created = json.loads(result.stdout)
    assert (created["amount"], created["description"], created["category_name"], created["date"]) == (9.99, "Book 📚", "Utilities", "2025-01-02")
    stored = sqlite3.connect(db_path).execute("select amount, description, date from expenses").fetchall()
    assert stored == [(9.99, "Book 📚", "2025-01-02")]


def test_cli_list_and_summary(run, filled):
    listed = run("list", "--from", "2025-03-01", "--sort", "amount", "--json")
    assert listed.exit_code == 0
    assert [json.loads(line)["description"] for line in listed.stdout.splitlines()] == [
        'Lunch, with "Sam"', "Bus ticket", "Coffee"
    ]
    summary = run("summary", "--month", "2025-03")
    assert summary.exit_code == 0
    assert summary.stdout == (
        "2025-03: 12.80 in 3 expenses\n"
        "  Food                            12.60  (2)\n"
        "  Transport                        0.20  (1)\n"
    )
    assert json.loads(run("summary", "--month", "2025-03", "--json").stdout)["total"] == 12.8


USER_ERRORS = [
    ("amount_negative", ["add", "--amount", "-3", "--description", "x", "--category", "Food"], "amount", True),
    ("amount_decimals", ["add", "--amount", "1.234", "--description", "x", "--category", "Food"], "2 decimal places", True),
    ("amount_nan", ["add", "--amount", "nan", "--description", "x", "--category", "Food"], "finite", True),
    ("description_empty", ["add", "--amount", "1", "--description", " ", "--category", "Food"], "description", True),
    ("unknown_category", ["add", "--amount", "1", "--description", "x", "--category", "Nope"], "category add Nope` makes it.", True),
    ("unreal_date", ["add", "--amount", "1", "--description", "x", "--category", "Food", "--date", "2025-02-30"], "real calendar date", True),
    ("export_bad_from", ["export", "--from", "2025-13-01"], "--from", False),
    ("export_compact_date", ["export", "--from", "20250101"], "--from", False),
    ("export_reversed", ["export", "--from", "2025-02-01", "--to", "2025-01-01"], "after", False),
    ("summary_bad_month", ["summary", "--month", "2025-13"], "--month", False),
    ("list_limit_201", ["list", "--limit", "201"], "--limit", False),
    ("missing_option", ["add", "--amount", "1"], "--description", True),
]


@pytest.mark.parametrize("case, args, words, fresh", USER_ERRORS, ids=[c[0] for c in USER_ERRORS])
def test_cli_user_error_is_one_line_exit_2(run, filled, case, args, words, fresh):
    result = run(*args)
    assert result.exit_code == 2, result.output
    assert words in result.stderr
    assert "Traceback" not in result.output
    assert result.stdout == ""


def test_cli_reading_missing_database_is_clear(tmp_path):
    missing = tmp_path / "nope.db"
    result = CliRunner().invoke(main, ["list", "--db", str(missing)])
    assert result.exit_code == 2
    assert f"There is no expenses database at {missing} yet" in result.stderr
    assert not missing.exists()


@pytest.mark.parametrize("command", ["export", "list", "summary", "add"])
def test_cli_damaged_database_named_and_untouched(tmp_path, command):
    damaged = tmp_path / "expenses.db"
    damaged.write_bytes(os.urandom(8192))
    before = hashlib.sha256(damaged.read_bytes()).hexdigest()
    extra = ["--amount", "1", "--description", "x", "--category", "Food"] if command == "add" else []
    result = CliRunner().invoke(main, [command, "--db", str(damaged), *extra])
    assert result.exit_code == 2
    assert str(damaged) in result.stderr and "damaged" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert hashlib.sha256(damaged.read_bytes()).hexdigest() == before


@pytest.mark.parametrize("command", COMMANDS)
def test_cli_help_has_example_and_db_option(command):
    result = CliRunner().invoke(main, [command, "--help"])
    assert result.exit_code == 0
    assert "Example" in result.stdout
    assert "--db PATH" in result.stdout and "--version" in result.stdout


@pytest.mark.parametrize("args", [["--version"], *[[command, "--version"] for command in COMMANDS]])
def test_cli_version_everywhere(args):
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0
    assert result.stdout.startswith("expense-tracker, version ")


# What a command loads, in a fresh interpreter: the web framework only for `serve` and the window,
# Pydantic only for the commands that build a model to validate (issue 13: they start fast).
WEB_FRAMEWORK = {"fastapi", "starlette", "uvicorn", "api"}
LOADED = """
import json, sys
from click.testing import CliRunner
from desktop.cli import main
result = CliRunner().invoke(main, sys.argv[1:])
loaded = sorted(m for m in sys.modules if m.split('.')[0] in {'fastapi', 'starlette', 'uvicorn', 'api', 'pydantic'})
print(json.dumps({"exit_code": result.exit_code, "output": result.output, "loaded": loaded}))
"""
STATEMENT = "Date,Description,Amount\n2025-03-01,Bakery,-4.20\n"
LIGHT_COMMANDS = [  # (arguments, whether the command validates with a Pydantic model)
    (["--help"], False),
    (["--version"], False),
    (["list", "--limit", "5"], False),
    (["export"], False),
    (["summary", "--month", "2025-03"], False),
    (["report", "--from", "2025-01", "--to", "2025-03"], False),
    (["status"], False),
    (["delete", "1"], False),
    (["trash", "list"], False),
    (["backups"], False),
    (["imports", "list"], False),
    (["budget", "list"], False),
    (["recurring", "upcoming"], False),
    (["add", "--help"], False),
    (["add", "--amount", "3.20", "--description", "Coffee", "--category", "Food"], False),
    (["budget", "set", "Food", "500"], False),
    (["edit", "1", "--amount", "2.10", "--description", "Tea", "--category", "Transport", "--date", "2025-03-02"], False),
    (["category", "list", "--json"], False),
    (["category", "add", "Books", "--color", "#2a9d8f"], False),
    (["category", "rename", "Food", "Groceries"], False),
    (["category", "color", "Food", "#112233"], False),
    (["category", "delete", "Utilities"], False),
    (["recurring", "add", "--amount", "40", "--description", "Internet", "--category", "Food", "--every", "monthly",
      "--start", "2025-01-31"], True),
    (["import", "{statement}", "--dry-run", "--category", "Food"], True),
    (["recurring", "edit", "1", "--amount", "45"], True),
]


@pytest.mark.parametrize("args, validates", LIGHT_COMMANDS, ids=[" ".join(args[:2]).replace(" {statement}", "") for args, _ in LIGHT_COMMANDS])
def test_cli_commands_import_no_web_framework(run, db_path, tmp_path, args, validates):
    assert run("add", "--amount", "1", "--description", "x", "--category", "Food", "--date", "2025-03-01").exit_code == 0
    assert run("recurring", "add", "--amount", "40", "--description", "Internet", "--category", "Food",
               "--every", "monthly", "--start", "2099-01-31").exit_code == 0
    statement = tmp_path / "statement.csv"
    statement.write_text(STATEMENT)
    args = [arg.format(statement=statement) for arg in args]
    done = subprocess.run([sys.executable, "-c", LOADED, "--db", str(db_path), *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["exit_code"] == 0, seen["output"]
    assert [m for m in seen["loaded"] if m.split(".")[0] in WEB_FRAMEWORK] == []
    if not validates:
        assert [m for m in seen["loaded"] if m.split(".")[0] == "pydantic"] == []


def model_answer(**fields) -> str:
    """What `add` said while it validated with tracker.models.ExpenseCreate: the expense, or the one line."""
    from pydantic import ValidationError

    from desktop.cli.common import describe_invalid
    from tracker.models import ExpenseCreate

    try:
        return repr(sorted(ExpenseCreate(**fields).model_dump().items()))
    except ValidationError as exc:
        return describe_invalid(exc)


def plain_answer(**fields) -> str:
    from desktop.cli.common import UserError
    from desktop.cli.expenses import checked_expense

    try:
        return repr(sorted(checked_expense(**fields)._asdict().items()))
    except UserError as exc:
        return exc.message


EDGES = [
    (12.5, "Lunch", "2025-03-14"), (float("nan"), "", "bad"), (float("inf"), "x", "2025-01-01"),
    (float("-inf"), "x", "2025-01-01"), (0.0, "x", "2025-01-01"), (-0.0, "x", "2025-01-01"), (-5.0, "", "x"),
    (1e12, "x", "2025-01-01"), (1e12 + 0.01, "x", "2025-01-01"), (2e12, "x", "2025-01-01"), (1.005, "x", "2025-01-01"),
    (1 + 14 / 100, "x", "2025-01-01"), (1e-300, "x", "2025-01-01"), (0.01, "   ", "2025-01-01"),
    (1.0, "a" * 200, "2025-01-01"), (1.0, "a" * 201, "2025-01-01"), (1.0, f" {'a' * 200} ", "2025-01-01"),
    (1.0, "a\x00", "2025-01-01"), (1.0, "a\udcff", "2025-01-01"), (1.0, "  ok  ", "2025-02-30"),
    (1.0, "ok", "２０２５-01-01"), (1.0, "ok", "2025-1-01"), (1.0, "ok", ""), (1.0, "é" * 201, "2024-02-29"),
]


@pytest.mark.parametrize("amount, description, day", EDGES)
def test_cli_add_checks_as_the_model_does(amount, description, day):
    fields = {"amount": amount, "description": description, "category_id": 1, "date": day}
    assert plain_answer(**fields) == model_answer(**fields)


@settings(max_examples=300, deadline=None)
@given(amount=st.floats(allow_nan=True, allow_infinity=True) | st.decimals(0, 10**13, places=3).map(float),
       description=st.text(max_size=210), day=st.dates().map(str) | st.text(max_size=12))
def test_cli_add_checks_as_the_model_does_for_any_input(amount, description, day):
    fields = {"amount": amount, "description": description, "category_id": 1, "date": day}
    assert plain_answer(**fields) == model_answer(**fields)


AMOUNTS = [12.5, float("nan"), float("inf"), float("-inf"), 0.0, -0.0, -5.0, 1e12, 1e12 + 0.01, 1.005, 1e-300, 0.01]


@settings(max_examples=300, deadline=None)
@given(amount=st.sampled_from(AMOUNTS) | st.floats() | st.decimals(-10, 10**13, places=3).map(float))
def test_cli_budget_amount_checked_as_the_model_does(amount):
    from desktop.cli.common import UserError, build, checked_amount
    from tracker.models import BudgetSet

    answers = []
    for check in (lambda: checked_amount("AMOUNT", amount),
                  lambda: build(BudgetSet, {"amount": "AMOUNT"}, amount=amount).amount):
        try:
            answers.append(repr(check()))
        except UserError as exc:
            answers.append(exc.message)
    assert answers[0] == answers[1]


def test_cli_db_option_before_or_after_command(tmp_path):
    first, second = tmp_path / "a.db", tmp_path / "b.db"
    runner = CliRunner()
    assert runner.invoke(main, ["--db", str(first), "add", "--amount", "1", "--description", "a", "--category", "Food"]).exit_code == 0
    assert runner.invoke(main, ["add", "--db", str(second), "--amount", "2", "--description", "b", "--category", "Food"]).exit_code == 0
    assert sqlite3.connect(first).execute("select description from expenses").fetchall() == [("a",)]
    assert sqlite3.connect(second).execute("select description from expenses").fetchall() == [("b",)]


def test_cli_db_from_environment(tmp_path, monkeypatch):
    target = tmp_path / "env.db"
    monkeypatch.setenv("EXPENSE_TRACKER_DB", str(target))
    result = CliRunner().invoke(main, ["add", "--amount", "3", "--description", "env", "--category", "Food"])
    assert result.exit_code == 0
    assert target.exists()


def test_cli_status_when_not_running(run, db_path, tmp_path):
    run("add", "--amount", "1", "--description", "x", "--category", "Food")
    result = run("status")
    assert result.exit_code == 0
    assert f"database:  {db_path}\n" in result.stdout
    assert "running:   no" in result.stdout
    assert str(tmp_path) in result.stdout or "data dir:" in result.stdout


def test_cli_serve_answers_and_stops_on_ctrl_c(cli_env, db_path):
    process, url, lines = start_serve(cli_env, "--db", str(db_path), "--port", "0")
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=10) as response:
            assert json.load(response) == {"status": "ok", "database": "connected", "file": db_path.name,
                                           "folder": db_path.parent.name}
        status = subprocess.run([sys.executable, "-m", "desktop", "--db", str(db_path), "status"],
                                cwd=ROOT, env=cli_env, capture_output=True, text=True, timeout=30)
        assert f"running:   yes, API on {url}" in status.stdout
        second = subprocess.run([sys.executable, "-m", "desktop", "--db", str(db_path), "serve", "--port", "0"],
                                cwd=ROOT, env=cli_env, capture_output=True, text=True, timeout=30)
        assert second.returncode == 2
        assert f"already running for {db_path} at {url}" in second.stderr
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(15) == 0


def test_cli_serve_on_taken_port_is_one_line(cli_env, db_path):
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        port = other.getsockname()[1]
        result = subprocess.run([sys.executable, "-m", "desktop", "serve", "--db", str(db_path), "--port", str(port)],
                                cwd=ROOT, env=cli_env, capture_output=True, text=True, timeout=30)
    assert result.returncode == 2
    assert result.stderr == f"Error: Port {port} on 127.0.0.1 is taken by another program; choose another --port.\n"
    assert "Traceback" not in result.stderr


def test_cli_serve_on_a_port_our_app_holds_names_it(cli_env, db_path, tmp_path):
    process, url, lines = start_serve(cli_env, "--db", str(db_path), "--port", "0")
    try:
        port = url.rsplit(":", 1)[1]
        other = tmp_path / "other.db"
        result = subprocess.run([sys.executable, "-m", "desktop", "serve", "--db", str(other), "--port", port],
                                cwd=ROOT, env=cli_env, capture_output=True, text=True, timeout=30)
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(15) == 0
    assert result.returncode == 2
    assert result.stderr == (f"Error: Port {port} on 127.0.0.1 is taken by Expense Tracker, already running at {url} "
                             f"(database {db_path}); choose another --port.\n")


@pytest.mark.parametrize("args", [["list"], ["add", "--amount", "1", "--description", "x", "--category", "Food"],
                                  ["backups"], ["backup", "copy.db"], ["serve", "--port", "0"], ["category", "list"]])
def test_cli_db_folder_says_give_a_file_path(tmp_path, args):
    result = CliRunner().invoke(main, ["--db", str(tmp_path), *args])
    assert result.exit_code == 2, result.output
    assert result.stderr == f"Error: The database path {tmp_path} is a folder; give a file path (--db PATH).\n"


def test_cli_env_db_folder_names_both_ways(tmp_path, monkeypatch):
    monkeypatch.setenv("EXPENSE_TRACKER_DB", str(tmp_path))
    result = CliRunner().invoke(main, ["list"])
    assert result.exit_code == 2, result.output
    assert result.stderr == (f"Error: The database path {tmp_path} is a folder; give a file path "
                             "(--db PATH or EXPENSE_TRACKER_DB).\n")


def test_cli_damaged_database_by_db_names_db(tmp_path):
    damaged = tmp_path / "expenses.db"
    damaged.write_bytes(os.urandom(8192))
    result = CliRunner().invoke(main, ["--db", str(damaged), "list"])
    assert result.stderr.rstrip().endswith("restore a backup or choose another file (--db PATH).")


def test_cli_database_of_another_program_by_db_names_db(tmp_path):
    other = tmp_path / "notes.db"
    with sqlite3.connect(other) as conn:
        conn.execute("create table notes (body text)")
    before = other.read_bytes()
    result = CliRunner().invoke(main, ["--db", str(other), "list"])
    assert result.exit_code == 2, result.output
    assert result.stderr == (f"Error: The file {other} is a SQLite database of another program (it has no expenses "
                             "table); it was left untouched: choose another file (--db PATH).\n")
    assert other.read_bytes() == before


@pytest.mark.parametrize("command", ["list", "export"])
def test_cli_from_after_to_says_so_in_words(run, command):
    run("add", "--amount", "1", "--description", "x", "--category", "Food")
    result = run(command, "--from", "2025-03-10", "--to", "2025-03-01")
    assert result.exit_code == 2
    assert result.stderr == "Error: The From date 2025-03-10 is after the To date 2025-03-01.\n"


def test_cli_serve_elsewhere_than_loopback_warns(cli_env, db_path):
    process, url, lines = start_serve(cli_env, "--db", str(db_path), "--host", "0.0.0.0", "--port", "0")
    process.send_signal(signal.SIGINT)
    assert process.wait(15) == 0
    assert any("WARNING: listening on 0.0.0.0" in line for line in lines)


@pytest.mark.parametrize(
    "args, env, origin, allowed",
    [
        ([], {}, "http://localhost:5173", False),
        (["--cors", "http://localhost:5173"], {}, "http://localhost:5173", True),
        (["--cors", "*"], {}, "http://evil.example", True),
        ([], {"EXPENSE_TRACKER_CORS_ORIGINS": "http://localhost:5173"}, "http://localhost:5173", True),
    ],
)
def test_cli_serve_cors_only_by_opt_in(cli_env, db_path, args, env, origin, allowed):
    process, url, lines = start_serve({**cli_env, **env}, "--db", str(db_path), "--port", "0", *args)
    try:
        read = urllib.request.urlopen(urllib.request.Request(f"{url}/categories", headers={"Origin": origin}), timeout=10)
        write = urllib.request.Request(f"{url}/backups", method="POST", headers={"Origin": origin})
        try:
            status = urllib.request.urlopen(write, timeout=10).status
        except urllib.error.HTTPError as refused:
            status = refused.code
            assert "may not change your expenses" in json.load(refused)["detail"]
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(15) == 0
    assert (read.headers.get("access-control-allow-origin") is not None) == allowed
    assert status == (201 if allowed else 403)
    assert any("may read and change your expenses" in line for line in lines) == allowed


def test_cli_serve_cors_not_an_origin_is_one_line(cli_env, db_path):
    result = subprocess.run([sys.executable, "-m", "desktop", "serve", "--db", str(db_path), "--cors", "localhost:5173"],
                            cwd=ROOT, env=cli_env, capture_output=True, text=True, timeout=30, check=False)
    assert result.returncode == 2
    assert "'localhost:5173' is not a web origin" in result.stderr
    assert "Traceback" not in result.stderr
