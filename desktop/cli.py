"""The `expense-tracker` command: the window by default, and commands for scripts."""

import functools
import json
import logging
import logging.handlers
import os
import shlex
import signal
import sqlite3
import sys
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

import click
from pydantic import ValidationError

from api.app import create_app
from api.middleware import cors_origin, describe_cors
from desktop import launcher, paths, window
from desktop.instance import Instance
from desktop.native import save_whole
from desktop.server import DEFAULT_PORT, PortTaken, bind, bind_preferred, url_of
from tracker import __version__
from tracker.backups import (
    backup_dir,
    check_database_file,
    list_backups,
    manual_backup,
    restore_backup,
)
from tracker.budgets import delete_budget, list_budgets, set_budget
from tracker.categories import find_category_id, list_categories
from tracker.config import (
    CORS_ENV,
    DB_ENV,
    DEFAULT_HOST,
    HOSTS_ENV,
    MAX_ID,
    PAGE_LIMIT_MAX,
    env_list,
    is_loopback,
)
from tracker.db import connect, describe_database_error, init_database
from tracker.errors import AppError, DatabaseUnavailable, InvalidInput, NotFound
from tracker.expenses import create_expense, delete_expense, get_expense, list_expenses
from tracker.export import export_csv
from tracker.imports import (
    MAX_LISTED_ROWS,
    PREVIEW_ROWS,
    list_batches,
    list_profiles,
    plan_import,
    preview_of,
    restore_batch,
    revert_batch,
    run_import,
)
from tracker.models import BudgetSet, ExpenseCreate, ImportOptions, RecurringCreate
from tracker.recurring import (
    UPCOMING_DAYS_MAX,
    create_recurring,
    delete_recurring,
    get_recurring,
    list_recurring,
    post_due,
    post_occurrence,
    skip_occurrence,
    upcoming,
)
from tracker.summary import month_summary
from tracker.trash import count_trash, list_trash, purge_trash, restore_expense
from tracker.validation import check_date, check_month

VERSION = __version__
CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class UserError(click.ClickException):
    """A mistake or a situation the user can fix: one line on stderr, exit status 2."""

    exit_code = 2


def user_errors(command):
    """Turn every expected failure into one clear line instead of a traceback."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except (DatabaseUnavailable, AppError, launcher.AlreadyStarting, window.NoDisplay) as exc:
            raise UserError(str(exc)) from None
        except ValidationError as exc:
            raise UserError(describe_invalid(exc)) from None
        except sqlite3.Error as exc:
            raise UserError(describe_database_error(exc, current_db())) from None
        except OSError as exc:
            where = f" ({exc.filename})" if exc.filename else ""
            raise UserError(f"{exc.strerror or exc}{where}.") from None

    return wrapper


def describe_invalid(exc: ValidationError) -> str:
    error = exc.errors()[0]
    field = ".".join(str(part) for part in error["loc"]) or "value"
    message = str(error["msg"]).removeprefix("Value error, ")
    return f"Invalid --{field.replace('_', '-')}: {message[0].lower()}{message[1:]}."


def current_db() -> Path:
    context = click.get_current_context(silent=True)
    chosen = context.find_root().meta.get("db") if context else None
    return chosen or paths.database_path()


def choose_db(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    # --db may come before the command or after it; the last one given wins.
    if value:
        ctx.find_root().meta["db"] = paths.database_path(value)
    return value


db_option = click.option(
    "--db", "db", metavar="PATH", callback=choose_db, expose_value=False, is_eager=True,
    help=f"Database file (default: ${DB_ENV}, else expenses.db in the app-data folder).",
)
version_option = click.version_option(VERSION, "--version", prog_name="expense-tracker")


def setup_logging(verbose: bool = False) -> Path | None:
    """Log to the platform's log folder; a folder that cannot be made only loses the file."""
    handlers: list[logging.Handler] = []
    log_file = paths.log_file()
    try:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        handlers.append(logging.handlers.RotatingFileHandler(
            log_file, maxBytes=1_000_000, backupCount=3, encoding="utf-8"))
    except OSError:
        log_file = None
    for handler in handlers:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    if verbose and sys.stderr is not None:
        terse = logging.StreamHandler()
        terse.setFormatter(logging.Formatter("%(message)s"))
        handlers.append(terse)
    logging.basicConfig(level=logging.INFO, handlers=handlers, force=True)
    return log_file


def open_existing(create: bool = False) -> sqlite3.Connection:
    """A connection to the chosen database; commands that only read refuse a missing file."""
    path = current_db()
    if not create and not path.exists():
        raise UserError(f"There is no expenses database at {path} yet; add an expense or open the app first.")
    init_database(path)
    try:
        return connect(path)
    except sqlite3.Error as exc:
        raise DatabaseUnavailable(describe_database_error(exc, path)) from exc


def checked(kind: str, value: str | None, check) -> str | None:
    if value is None:
        return None
    try:
        return check(value)
    except ValueError as exc:
        raise UserError(f"Invalid {kind}: {exc}.") from None


def category_id_of(conn: sqlite3.Connection, category: str | None) -> int | None:
    return None if category is None else find_category_id(conn, category)


@click.group(invoke_without_command=True, context_settings=CONTEXT)
@db_option
@version_option
@click.option("--port", type=click.IntRange(0, 65535), default=DEFAULT_PORT, show_default=True,
              help="Port for the API while the window is open (a free one if it is taken).")
@click.option("--smoke-test", is_flag=True, hidden=True,
              help="Open the window, wait for the page to show data, print what it shows, close.")
@click.pass_context
@user_errors
def main(ctx: click.Context, port: int, smoke_test: bool) -> None:
    """Expense Tracker: your expenses in a local SQLite file, a window, an API and this command.

    Without a command it opens the app window; scripts use the API it serves on
    http://127.0.0.1:8000 while the window is open (see `status` for the port).

    \b
    Examples:
      expense-tracker                                   open the window
      expense-tracker add --amount 12.50 --description Lunch --category Food
      expense-tracker export --from 2025-01-01 -o expenses.csv
      expense-tracker --db ~/other.db list --limit 5
      expense-tracker delete 12                         to the trash; `trash restore 12` undoes it
      expense-tracker import statement.csv --dry-run    preview a bank file, then import it
      expense-tracker backup ~/expenses-backup.db       a checked copy; `restore` puts one back
      expense-tracker budget set Food 500               a monthly limit; `summary` shows how it stands
      expense-tracker recurring add --amount 40 --description Internet --category Utilities --every monthly --start 2025-01-31
    """
    if ctx.invoked_subcommand is not None:
        return
    setup_logging(verbose=True)
    driver = window.smoke_test if smoke_test else None
    sys.exit(launcher.run_window(current_db(), port=port, driver=driver))


def cors_origins(values: tuple[str, ...]) -> list[str] | None:
    """`--cors` values checked, or None when none were given (then the environment decides)."""
    try:
        return [cors_origin(value) for value in values] or None
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


@main.command(context_settings=CONTEXT)
@db_option
@version_option
@click.option("--host", default=DEFAULT_HOST, show_default=True,
              help="Address to listen on. Anything but loopback exposes your data to the network.")
@click.option("--port", type=click.IntRange(0, 65535), default=None,
              help="Port (default 8000, or a free one if 8000 is taken).")
@click.option("--cors", "cors", metavar="ORIGIN", multiple=True, callback=lambda _c, _p, values: cors_origins(values),
              help=f"Let web pages from ORIGIN (e.g. http://localhost:5173, or '*' for any) read and change your "
                   f"expenses; repeat for more. Default: ${CORS_ENV}, else no other page.")
@user_errors
def serve(host: str, port: int | None, cors: list[str] | None) -> None:
    """Serve the API without a window, for scripts and headless machines. Ctrl-C stops it.

    Scripts and the command line can use it; web pages of other origins can neither read it nor change anything unless --cors lets them.

    \b
    Examples:
      expense-tracker serve --port 8001
      expense-tracker serve --cors http://localhost:5173
    """
    import uvicorn

    setup_logging(verbose=True)
    db_path = current_db()
    instance = Instance(db_path)
    if not instance.acquire():
        running = instance.running()
        where = f" at {running.url}" if running else ""
        raise UserError(f"Expense Tracker is already running for {db_path}{where}; use that one.")
    try:
        if port is None:
            sock, moved = bind_preferred(host, DEFAULT_PORT)
            if moved:
                click.echo(f"Port {DEFAULT_PORT} is taken by another program; using another port.", err=True)
        else:
            try:
                sock = bind(host, port)
            except PortTaken as exc:
                raise UserError(f"{exc}; choose another --port.") from None
        url = url_of(sock)
        extra_hosts = []
        if not is_loopback(host):
            extra_hosts = [] if host in ("0.0.0.0", "::") else [host]
            click.echo(f"WARNING: listening on {host} makes your expenses reachable from other computers. "
                       f"Clients must use a host name listed in {HOSTS_ENV}.", err=True)
        app = create_app(db_path, cors_origins=cors, allowed_hosts=extra_hosts, auto_backup=True)
        cors_notice = describe_cors(cors if cors is not None else env_list(CORS_ENV))
        if cors_notice:
            click.echo(cors_notice, err=True)
        instance.announce(url)
        click.echo(f"Expense Tracker API on {url} (database {db_path}); Ctrl-C stops it.", err=True)
        # uvicorn stops cleanly on Ctrl-C or SIGTERM, then raises the signal again for us:
        # the user asked for it, so it ends with status 0.
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        try:
            uvicorn.Server(uvicorn.Config(app, log_config=None, access_log=False)).run(sockets=[sock])
        except KeyboardInterrupt:
            pass
        click.echo("Expense Tracker API stopped.", err=True)
    finally:
        instance.release()


@main.command(context_settings=CONTEXT)
@db_option
@version_option
@click.option("--from", "date_from", metavar="YYYY-MM-DD", help="First date included.")
@click.option("--to", "date_to", metavar="YYYY-MM-DD", help="Last date included.")
@click.option("--category", metavar="NAME|ID", help="Only this category.")
@click.option("--search", metavar="TEXT",
              help="Only expenses whose description has every word of TEXT (any case, any accents).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True, path_type=Path),
              help="Write to this file instead of standard output.")
@user_errors
def export(date_from: str | None, date_to: str | None, category: str | None, search: str | None,
           output: Path | None) -> None:
    """Export expenses as CSV, straight from the database (no server needed).

    Columns: id,amount,description,category,date, newest first. Streams, so any size takes
    little memory.

    \b
    Examples:
      expense-tracker export > all.csv
      expense-tracker export --from 2025-01-01 --to 2025-03-31 --category Food -o q1-food.csv
      expense-tracker export --search "coffee shop" > coffee.csv
    """
    date_from = checked("--from", date_from, check_date)
    date_to = checked("--to", date_to, check_date)
    conn = open_existing()
    try:
        chunks = export_csv(conn, date_from, date_to, category_id_of(conn, category), q=search)
    except BaseException:
        conn.close()
        raise
    if output is None:
        stream = sys.stdout.buffer
        for chunk in chunks:
            stream.write(chunk)
        stream.flush()
        return
    save_whole(output, chunks)
    click.echo(f"Exported to {output}.", err=True)


@main.command(context_settings=CONTEXT)
@db_option
@version_option
@click.option("--amount", required=True, type=float, help="A positive amount, at most 2 decimals.")
@click.option("--description", required=True, help="What it was (1–200 characters).")
@click.option("--category", required=True, metavar="NAME|ID", help="An existing category.")
@click.option("--date", "day", metavar="YYYY-MM-DD", default=None, help="The day (default today).")
@click.option("--json", "as_json", is_flag=True, help="Print the new expense as JSON.")
@user_errors
def add(amount: float, description: str, category: str, day: str | None, as_json: bool) -> None:
    """Add an expense.

    \b
    Example:
      expense-tracker add --amount 12.50 --description "Lunch, with Sam" --category Food --date 2025-03-14
    """
    conn = open_existing(create=True)
    try:
        expense = ExpenseCreate(
            amount=amount, description=description, category_id=category_id_of(conn, category),
            date=day or date.today().isoformat(),
        )
        created = create_expense(conn, expense)
    finally:
        conn.close()
    if as_json:
        click.echo(json.dumps(created, ensure_ascii=False))
    else:
        click.echo(f"Added expense {created['id']}: {format_row(created)}")


def format_row(expense: dict) -> str:
    return (f"{expense['date']}  {expense['amount']:>12,.2f}  {expense['category_name'][:16]:<16}  "
            f"{expense['description']}")


@main.command("list", context_settings=CONTEXT)
@db_option
@version_option
@click.option("--from", "date_from", metavar="YYYY-MM-DD", help="First date included.")
@click.option("--to", "date_to", metavar="YYYY-MM-DD", help="Last date included.")
@click.option("--category", metavar="NAME|ID", help="Only this category.")
@click.option("--search", metavar="TEXT",
              help="Only expenses whose description has every word of TEXT (any case, any accents).")
@click.option("--sort", type=click.Choice(["date", "amount", "created_at"]), default="date", show_default=True)
@click.option("--order", type=click.Choice(["asc", "desc"]), default="desc", show_default=True)
@click.option("--limit", type=click.IntRange(1, PAGE_LIMIT_MAX), default=20, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@user_errors
def list_command(date_from, date_to, category, search, sort, order, limit, as_json) -> None:
    """List expenses, newest first.

    Columns: id, date, amount, category, description.

    \b
    Example:
      expense-tracker list --from 2025-03-01 --category Food --sort amount --limit 5
      expense-tracker list --search cafe
    """
    date_from = checked("--from", date_from, check_date)
    date_to = checked("--to", date_to, check_date)
    conn = open_existing()
    try:
        page, _ = list_expenses(conn, date_from=date_from, date_to=date_to,
                                   category_id=category_id_of(conn, category),
                                   sort=sort, order=order, limit=limit, q=search)
    finally:
        conn.close()
    for expense in page:
        click.echo(json.dumps(expense, ensure_ascii=False) if as_json else f"{expense['id']:>6}  {format_row(expense)}")
    if not page and not as_json:
        click.echo("No expenses match.", err=True)


@main.command(context_settings=CONTEXT)
@db_option
@version_option
@click.option("--month", metavar="YYYY-MM", default=None, help="The month (default this month).")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@user_errors
def summary(month: str | None, as_json: bool) -> None:
    """Show a month's total, its totals by category, and how each budget stands.

    Budgets (see `budget`) show what was spent of the limit and what is left, or how much
    over it the month is.

    \b
    Example:
      expense-tracker summary --month 2025-03
    """
    month = checked("--month", month, check_month) or date.today().isoformat()[:7]
    conn = open_existing()
    try:
        result = month_summary(conn, month)
    finally:
        conn.close()
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False))
        return
    click.echo(f"{month}: {result['total']:,.2f} in {result['count']} expense{'s' if result['count'] != 1 else ''}")
    for row in result["by_category"]:
        click.echo(f"  {row['category_name'][:24]:<24} {row['total']:>12,.2f}  ({row['count']})")
    budgets = [(row["category_name"], row) for row in result.get("budgets", [])]
    if "overall_budget" in result:
        budgets.append(("Overall", result["overall_budget"]))
    if budgets:
        click.echo("Budgets:")
    for name, status in budgets:
        click.echo(f"  {name[:24]:<24} {budget_line(status)}")


def budget_line(status: dict) -> str:
    """'spent 420.00 of 500.00 (84%)  80.00 left', or '… 12.00 over  OVER BUDGET'."""
    percent = status["percent"]
    shown = f"{percent:,.0f}" if percent == int(percent) else f"{percent:,.1f}"
    spent = f"spent {status['spent']:,.2f} of {status['limit']:,.2f} ({shown}%)"
    if status["remaining"] < 0:
        return f"{spent}  {-status['remaining']:,.2f} over  OVER BUDGET"
    return f"{spent}  {status['remaining']:,.2f} left"


@main.command(context_settings=CONTEXT)
@db_option
@version_option
@user_errors
def status() -> None:
    """Where your data and logs are, and whether the app runs (and on which port).

    \b
    Example:
      expense-tracker status
    """
    db_path = current_db()
    click.echo(f"database:  {db_path}" + ("" if db_path.exists() else "  (not created yet)"))
    click.echo(f"data dir:  {paths.data_dir()}")
    click.echo(f"log file:  {paths.log_file()}")
    running = Instance(db_path).running()
    if running is None:
        click.echo("running:   no")
    elif running.answers():
        click.echo(f"running:   yes, API on {running.url} (pid {running.pid})")
    else:
        click.echo(f"running:   starting or not answering (pid {running.pid}, {running.url})")


# ---------------------------------------------------------------------------
# Trash, backups and imports (issue 7): thin commands over the library's functions
# ---------------------------------------------------------------------------

def command_hint(*words: str) -> str:
    """The command that undoes something, with --db when the user chose the database that way."""
    chosen = click.get_current_context().find_root().meta.get("db")
    where = ["--db", str(chosen)] if chosen else []
    return shlex.join(["expense-tracker", *where, *words])


def plural(count: int, one: str, many: str | None = None) -> str:
    return f"{count:,} {one if count == 1 else (many or one + 's')}"


def local_time(utc_text: str | None, seconds: bool = False) -> str:
    """SQLite's datetime('now') (UTC) as the local wall-clock time."""
    if not utc_text:
        return ""
    moment = datetime.fromisoformat(utc_text).replace(tzinfo=timezone.utc).astimezone()
    return moment.strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


def human_size(size: int) -> str:
    if size < 1024:
        return plural(size, "byte")
    for unit in ("KB", "MB", "GB"):
        size /= 1024
        if size < 1024 or unit == "GB":
            return f"{size:,.1f} {unit}"


def confirm(question: str, yes: bool, action: str) -> None:
    """Ask before something that cannot be taken back; with nobody to answer, require --yes."""
    if yes:
        return
    stdin = sys.stdin
    if stdin is None or stdin.closed:
        raise UserError(f"There is no input to confirm with; add --yes to {action}.")
    if stdin.isatty():
        if not click.confirm(question, default=False, err=True):
            click.echo("Cancelled; nothing was changed.", err=True)
            raise click.exceptions.Exit(1)
        return
    # Piped or redirected: one line answers, without a prompt; no line at all means no one is there.
    answer = stdin.readline()
    if not answer:
        raise UserError(f"There is no input to confirm with; add --yes to {action}.")
    if answer.strip().lower() not in ("y", "yes"):
        click.echo("Cancelled; nothing was changed.", err=True)
        raise click.exceptions.Exit(1)


expense_id_argument = click.argument("expense_id", metavar="ID", type=click.IntRange(1, MAX_ID))


@main.command(context_settings=CONTEXT)
@db_option
@version_option
@expense_id_argument
@user_errors
def delete(expense_id: int) -> None:
    """Move an expense to the trash.

    `trash restore ID` brings it back with the same id; the trash keeps it for 30 days.
    `list` shows the ids.

    \b
    Example:
      expense-tracker delete 12
    """
    conn = open_existing()
    try:
        expense = get_expense(conn, expense_id)
        delete_expense(conn, expense_id)
    finally:
        conn.close()
    click.echo(f"Deleted expense {expense_id} ({expense['date']} {expense['description']} {expense['amount']:,.2f}); "
               f"undo with: {command_hint('trash', 'restore', str(expense_id))}")


@main.group(context_settings=CONTEXT)
@db_option
@version_option
def trash() -> None:
    """List, restore or empty the trash of deleted expenses.

    Deleted expenses stay in the trash for 30 days, then go for good.

    \b
    Examples:
      expense-tracker trash list
      expense-tracker trash restore 12 13
      expense-tracker trash empty --yes
    """


@trash.command("list", context_settings=CONTEXT)
@db_option
@version_option
@click.option("--limit", type=click.IntRange(1, 10_000), default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@user_errors
def trash_list(limit: int, as_json: bool) -> None:
    """List the trash, last deleted first.

    Columns: id, date, amount, category, when deleted, days left, description.

    \b
    Example:
      expense-tracker trash list --limit 10
    """
    conn = open_existing()
    try:
        items = list_trash(conn, limit=limit)
        total = count_trash(conn)
    finally:
        conn.close()
    for item in items:
        if as_json:
            click.echo(json.dumps(item, ensure_ascii=False))
            continue
        reverted = f"  (import {item['reverted_batch_id']} reverted)" if item["reverted_batch_id"] else ""
        click.echo(f"{item['id']:>6}  {item['date']}  {item['amount']:>12,.2f}  {item['category_name'][:16]:<16}  "
                   f"deleted {local_time(item['deleted_at'])[:10]}  {plural(item['days_left'], 'day'):>7} left  "
                   f"{item['description']}{reverted}")
    if as_json:
        return
    if not items:
        click.echo("The trash is empty.", err=True)
    elif total > len(items):
        click.echo(f"… and {plural(total - len(items), 'more')} (see --limit).", err=True)


@trash.command("restore", context_settings=CONTEXT)
@db_option
@version_option
@click.argument("expense_ids", metavar="ID...", nargs=-1, required=True, type=click.IntRange(1, MAX_ID))
@user_errors
def trash_restore(expense_ids: tuple[int, ...]) -> None:
    """Bring expenses back from the trash, with the ids they had.

    \b
    Example:
      expense-tracker trash restore 12 13
    """
    conn = open_existing()
    try:
        for expense_id in expense_ids:
            restored = restore_expense(conn, expense_id)
            click.echo(f"Restored expense {restored['id']}: {format_row(restored)}")
    finally:
        conn.close()


@trash.command("empty", context_settings=CONTEXT)
@db_option
@version_option
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@user_errors
def trash_empty(yes: bool) -> None:
    """Delete everything in the trash for good.

    Asks first, unless --yes; with no one to answer (no input), it needs --yes.

    \b
    Example:
      expense-tracker trash empty --yes
    """
    conn = open_existing()
    try:
        count = count_trash(conn)
        if count == 0:
            click.echo("The trash is already empty.")
            return
        confirm(f"Delete the {plural(count, 'expense')} in the trash for good?", yes, "empty the trash")
        gone = purge_trash(conn, everything=True)
    finally:
        conn.close()
    click.echo(f"Emptied the trash: {plural(gone, 'expense')} deleted for good.")


@main.command(context_settings=CONTEXT)
@db_option
@version_option
@click.argument("target", metavar="[PATH]", required=False, type=click.Path(path_type=Path))
@click.option("--force", is_flag=True, help="Replace PATH if it exists.")
@user_errors
def backup(target: Path | None, force: bool) -> None:
    """Write a checked copy of the database.

    To PATH, or without PATH as a manual backup in the backups folder (see `backups`; the newest 10 are kept). Safe while the app is running. The copy is checked before it counts; `restore PATH` puts it back.

    \b
    Examples:
      expense-tracker backup ~/expenses-2025-03-14.db
      expense-tracker backup
    """
    db_path = current_db()
    if not db_path.exists():
        raise UserError(f"There is no expenses database at {db_path} yet; there is nothing to back up.")
    if target is not None:
        target = target.expanduser().absolute()
        if target.is_dir():
            raise UserError(f"{target} is a folder; give the backup a file name, e.g. {target / 'expenses-backup.db'}.")
        if os.path.exists(target) and target.resolve() in {db_path.resolve(), Path(f"{db_path}-wal").resolve(),
                                                            Path(f"{db_path}-shm").resolve()}:
            raise UserError(f"{target} is the database itself; choose another file for the backup.")
        if target.exists() and not force:
            raise UserError(f"{target} already exists; choose another file or add --force to replace it.")
    written = manual_backup(db_path, target=target)
    click.echo(f"Backed up {db_path} to {written} ({human_size(written.stat().st_size)}).")


@main.command(context_settings=CONTEXT)
@db_option
@version_option
@click.option("--json", "as_json", is_flag=True, help="Print the folder and the list as JSON.")
@user_errors
def backups(as_json: bool) -> None:
    """List the backups of the database, newest first.

    Automatic daily ones, manual ones and the safety copies made before a restore. The app makes one a day when it starts and stops, and keeps 7 daily and 4 weekly ones.

    \b
    Example:
      expense-tracker backups
    """
    db_path = current_db()
    folder = backup_dir(db_path)
    found = list_backups(db_path)
    if as_json:
        click.echo(json.dumps({"folder": str(folder), "backups": found}, ensure_ascii=False))
        return
    click.echo(f"Backups of {db_path} in {folder}:")
    for item in found:
        created = item["created_at"].replace("T", " ")[:16]
        click.echo(f"  {item['name']:<44}  {item['kind']:<14}  {created}  {human_size(item['size']):>10}")
    if not found:
        click.echo("  none yet (the app makes one a day; `expense-tracker backup` makes one now)")


def backup_source(path_text: str, db_path: Path) -> Path:
    """A path as given, or the name of a file in the backups folder (as `backups` lists them)."""
    given = Path(path_text).expanduser()
    in_folder = backup_dir(db_path) / path_text
    if not given.exists() and given.name == path_text and in_folder.is_file():
        return in_folder
    return given.absolute()


@main.command(context_settings=CONTEXT)
@db_option
@version_option
@click.argument("source", metavar="PATH|NAME")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@user_errors
def restore(source: str, yes: bool) -> None:
    """Replace the data with a backup.

    PATH is a backup file, or NAME one that `backups` lists. The backup is checked first; a damaged or foreign file is refused and nothing changes.
    What is there now is saved as a safety backup first. Works while the app is running.

    \b
    Examples:
      expense-tracker restore ~/expenses-2025-03-14.db
      expense-tracker restore expenses-2025-03-14.db --yes
    """
    db_path = current_db()
    path = backup_source(source, db_path)
    try:
        check_database_file(path)
    except AppError as exc:
        raise UserError(f"{exc} Nothing was restored; your data is unchanged.") from None
    confirm(f"Replace the expenses in {db_path} with {path}? (What is there now is backed up first.)",
            yes, "restore")
    db_path.parent.mkdir(parents=True, exist_ok=True)
    try:
        result = restore_backup(db_path, path)
    except NotFound as exc:
        raise UserError(f"{exc} Nothing was restored; your data is unchanged.") from None
    safety = result["safety_backup"]
    kept = (f"; what was there before is saved as {safety} in {backup_dir(db_path)}" if safety
            else " (there was no database before)")
    click.echo(f"Restored {db_path} from {path}{kept}.")


# -- imports ------------------------------------------------------------------

class ShowProgress:
    """A status line on stderr for long files, when stderr is a terminal; nothing otherwise."""

    def __init__(self) -> None:
        stream = sys.stderr
        self.live = stream is not None and stream.isatty()
        self.shown = False

    def __call__(self, phase: str, done: int, total: int) -> None:
        if not self.live:
            return
        count = f": {done:,} of {total:,}" if total > 1 else "…"
        self.write(f"\r\033[K{phase}{count}")
        self.shown = True

    def clear(self) -> None:
        if self.shown:
            self.write("\r\033[K")
            self.shown = False

    @staticmethod
    def write(text: str) -> None:
        # Straight to the terminal: click.echo would strip the "clear line" code.
        sys.stderr.write(text)
        sys.stderr.flush()


DELIMITER_NAMES = {";": "semicolon", ",": "comma", "\t": "tab", "|": "pipe", " ": "space"}


def column_name(columns: list[str], index: Any) -> str:
    if isinstance(index, int) and 0 <= index < len(columns):
        return f'"{columns[index]}"'
    return f"column {index + 1}" if isinstance(index, int) else str(index)


def describe_mapping(mapping: dict, columns: list[str]) -> str:
    """The column mapping in words: where each field comes from."""
    if not mapping or not columns:
        return "the fields of the file"
    parts = []
    if mapping.get("date") is not None:
        fmt = mapping.get("date_format")
        parts.append(f"date from {column_name(columns, mapping['date'])}" + (f" ({fmt})" if fmt else ""))
    else:
        parts.append("no date column")
    notes = []
    if mapping.get("decimal") == ",":
        notes.append("decimal comma")
    if mapping.get("amount") is not None:
        if mapping.get("direction") is not None:
            notes.append(f"money in or out from {column_name(columns, mapping['direction'])}")
        elif mapping.get("money_out_is_negative") is not None:
            notes.append("money out is " + ("negative" if mapping["money_out_is_negative"] else "positive"))
        parts.append(f"amount from {column_name(columns, mapping['amount'])}" + (f" ({', '.join(notes)})" if notes else ""))
    else:
        if mapping.get("debit") is not None:
            parts.append(f"money out from {column_name(columns, mapping['debit'])}" + (f" ({', '.join(notes)})" if notes else ""))
        if mapping.get("credit") is not None:
            parts.append(f"money in from {column_name(columns, mapping['credit'])}")
        if mapping.get("debit") is None and mapping.get("credit") is None:
            parts.append("no amount column")
    described = mapping.get("description")
    described = described if isinstance(described, list) else [described] if described is not None else []
    parts.append("description from " + " + ".join(column_name(columns, c) for c in described) if described
                 else "no description column")
    parts.append(f"category from {column_name(columns, mapping['category'])}" if mapping.get("category") is not None
                 else "no category column")
    return "; ".join(parts)


ROW_ACTIONS = {"duplicate": "skip: duplicate", "income": "skip: income", "problem": "problem", "ready": "skip"}


def money(amount: float | None) -> str:
    return "" if amount is None else f"{amount:,.2f}"


def print_preview(preview: dict, category_names: dict[int, str], mapped: dict[str, str], default: str | None) -> None:
    """The same preview as the window's import dialog, as text."""
    kind = preview["kind"].upper()
    about = [kind, preview["encoding"]]
    if preview["delimiter"]:
        about.append(f"{DELIMITER_NAMES.get(preview['delimiter'], repr(preview['delimiter']))}-separated")
    if preview["kind"] == "csv":
        about.append("with a header row" if preview["has_header"] else "no header row")
    counts = preview["counts"]
    profile = (f'"{preview["profile"]}" (saved earlier)' if preview["profile"]
               else "none saved for these columns; they were guessed")
    click.echo(f"File:      {preview['file_name']}: {', '.join(about)}")
    click.echo(f"Profile:   {profile}")
    click.echo(f"Columns:   {describe_mapping(preview['mapping'], preview['columns'])}")
    click.echo(f"Rows:      {counts['rows']:,} in the file: {counts['ready']:,} ready, "
               f"{plural(counts['duplicate'], 'duplicate')}, {counts['income']:,} income, "
               f"{counts['problem']:,} with problems; {counts['selected']:,} to import")

    def category_of(row: dict) -> str:
        if row["category_id"]:
            return category_names.get(row["category_id"], str(row["category_id"]))
        if row["category"]:
            target = mapped.get(row["category"].casefold())
            return target if target else f"{row['category']}?"
        return default or ""

    first = preview["rows"][:min(PREVIEW_ROWS, counts["rows"])]
    if first:
        click.echo("")
        click.echo("First rows, as they would be stored:")
        click.echo(f"  {'line':>6}  {'date':<10}  {'amount':>12}  {'category':<16}  {'action':<15}  description")
        for row in first:
            action = "import" if row["selected"] else ROW_ACTIONS[row["status"]]
            click.echo(f"  {row['line']:>6}  {row['date'] or '':<10}  {money(row['amount']):>12}  "
                       f"{category_of(row)[:16]:<16}  {action:<15}  {row['description']}")

    sections = [
        ("duplicate", "Duplicates (skipped unless --include LINE or --include-duplicates):"),
        ("income", "Money in (skipped unless --include LINE or --include-income):"),
        ("problem", "Problems (never imported):"),
    ]
    for status, title in sections:
        flagged = [row for row in preview["rows"] if row["status"] == status]
        if not flagged:
            continue
        click.echo("")
        click.echo(title)
        for row in flagged:
            included = "  (will be imported)" if row["selected"] else ""
            click.echo(f"  line {row['line']}  {row['date'] or '?'}  {money(row['amount']) or '?'}  "
                       f"{row['description']}{included}")
            if row["reason"] and status != "income":
                click.echo(f"      {row['reason']}")
            match = row["match"]
            if match:
                which = f"expense {match['id']}" if match["id"] is not None else f"line {match['line']} of this file"
                click.echo(f"      matches {which}: {match['date']}  {money(match['amount'])}  {match['description']}")
    if not preview["all_rows_listed"]:
        click.echo("")
        click.echo(f"(Only the first {MAX_LISTED_ROWS:,} flagged rows are listed.)")


def skipped_words(plan_rows: list) -> str:
    """Why rows are left out, e.g. '3 duplicates and 1 income row'."""
    counts = {"duplicate": 0, "income": 0, "problem": 0, "ready": 0}
    for item in plan_rows:
        if not item.selected:
            counts[item.status] += 1
    words = [text for text in (
        counts["duplicate"] and plural(counts["duplicate"], "duplicate"),
        counts["income"] and plural(counts["income"], "income row"),
        counts["problem"] and plural(counts["problem"], "row with a problem", "rows with problems"),
        counts["ready"] and plural(counts["ready"], "row named by --skip", "rows named by --skip"),
    ) if text]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1] if words else ""


def parse_category_map(conn: sqlite3.Connection, pairs: tuple[str, ...]) -> tuple[dict, dict[str, str]]:
    """--map-category 'NAME IN FILE=CATEGORY': an existing category (name or id), else a new one."""
    chosen, shown = {}, {}
    for pair in pairs:
        name, sep, target = pair.partition("=")
        if not sep or not name.strip() or not target.strip():
            raise UserError(f"Invalid --map-category {pair!r}: write NAME_IN_FILE=CATEGORY, "
                            "e.g. --map-category 'Eating out=Food'.")
        name, target = name.strip(), target.strip()
        try:
            existing = find_category_id(conn, target)
            chosen[name] = {"id": existing}
            shown[name.casefold()] = next(c["name"] for c in list_categories(conn) if c["id"] == existing)
        except NotFound:
            chosen[name] = {"new": target}
            shown[name.casefold()] = f"{target} (new)"
    return chosen, shown


IMPORT_OPTION_NAMES = {"category_map": "--map-category", "include_lines": "--include", "skip_lines": "--skip",
                       "profile": "--profile", "save_profile": "--save-profile", "default_category_id": "--category",
                       "mapping": "--date-format"}


def import_options(**fields: Any) -> "ImportOptions":
    try:
        return ImportOptions(**fields)
    except ValidationError as exc:
        error = exc.errors()[0]
        option = IMPORT_OPTION_NAMES.get(str(error["loc"][0]), str(error["loc"][0]))
        message = str(error["msg"]).removeprefix("Value error, ")
        raise UserError(f"Invalid {option}: {message[0].lower()}{message[1:]}.") from None


def date_format_choices(formats: list[str]) -> str:
    return formats[0] if len(formats) == 1 else ", ".join(formats[:-1]) + " or " + formats[-1]


@main.command("import", context_settings=CONTEXT)
@db_option
@version_option
@click.argument("file", metavar="FILE", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Show the preview only; import nothing.")
@click.option("--profile", metavar="NAME", help="Read the columns as this saved profile says.")
@click.option("--save-profile", metavar="NAME",
              help="Save the column mapping under this name (default: the profile used, else the file's name).")
@click.option("--category", metavar="NAME|ID", help="The category of rows that have none in the file.")
@click.option("--date-format", metavar="FMT", help="How to read the dates, e.g. DD/MM/YYYY, when they fit several.")
@click.option("--include-duplicates", is_flag=True, help="Import the rows flagged as duplicates too.")
@click.option("--include-income", is_flag=True, help="Import money-in rows too (as expenses).")
@click.option("--include", "include_lines", metavar="LINE", multiple=True, type=click.IntRange(1),
              help="Import this flagged row (by its line in the file) anyway. Repeatable.")
@click.option("--skip", "skip_lines", metavar="LINE", multiple=True, type=click.IntRange(1),
              help="Leave out this row (by its line in the file). Repeatable.")
@click.option("--map-category", "category_pairs", metavar="NAME_IN_FILE=CATEGORY", multiple=True,
              help="Put the file's category NAME_IN_FILE in CATEGORY (an existing one, else made new). Repeatable.")
@user_errors
def import_command(file: Path, dry_run: bool, profile: str | None, save_profile: str | None,
                   category: str | None, date_format: str | None, include_duplicates: bool,
                   include_income: bool, include_lines: tuple[int, ...], skip_lines: tuple[int, ...],
                   category_pairs: tuple[str, ...]) -> None:
    """Import a bank file (CSV, OFX/QFX, QIF), after a preview.

    Shows how the file is read, the first rows as they would be stored, and every row it
    will not import (duplicates of expenses you have, money in, rows with problems). The
    import is one transaction: all of it or nothing; `imports revert ID` undoes it.

    \b
    Examples:
      expense-tracker import statement.csv --dry-run
      expense-tracker import statement.csv --category Food --date-format DD/MM/YYYY
      expense-tracker import card.qif --map-category "Eating out=Food" --include 14
    """
    data = file.read_bytes()
    name = file.name
    conn = open_existing(create=True)
    progress = ShowProgress()
    try:
        try:
            run_import_command(conn, data, name, progress, dry_run=dry_run, profile=profile,
                               save_profile=save_profile, category=category, date_format=date_format,
                               include_duplicates=include_duplicates, include_income=include_income,
                               include_lines=include_lines, skip_lines=skip_lines, category_pairs=category_pairs)
        except ImportError as exc:
            raise UserError(f"Reading bank files is not available in this installation ({exc}).") from None
        finally:
            progress.clear()
    finally:
        conn.close()


def run_import_command(conn: sqlite3.Connection, data: bytes, name: str, progress: ShowProgress, *,
                       dry_run: bool, profile, save_profile, category, date_format, include_duplicates,
                       include_income, include_lines, skip_lines, category_pairs) -> None:
    if date_format is not None:
        from tracker import (
            bank_files,  # only here: the parsers would slow every other command's start
        )

        if date_format not in bank_files.DATE_FORMATS:
            raise UserError(f"Invalid --date-format {date_format!r}: use one of {', '.join(bank_files.DATE_FORMATS)}.")
    default_id = category_id_of(conn, category)
    category_map, mapped = parse_category_map(conn, category_pairs)
    fields: dict[str, Any] = {
        "profile": profile, "save_profile": save_profile, "default_category_id": default_id,
        "category_map": category_map, "include_lines": sorted(set(include_lines)), "skip_lines": sorted(set(skip_lines)),
    }
    plan = plan_import(conn, data, name, import_options(**fields), progress)
    used_profile = plan.profile
    if date_format is None and len(plan.date_formats) > 1 and used_profile is None:
        progress.clear()
        raise UserError(f"The dates in {name} fit more than one format; choose one: "
                        f"--date-format {date_format_choices(plan.date_formats)}.")
    if date_format is not None:
        # Start from the mapping this file would get (profile or guess) and change only the dates.
        mapping = dict(preview_of(plan)["mapping"], date_format=date_format)
        fields["mapping"] = mapping
        if save_profile is None and used_profile is not None:
            fields["save_profile"] = used_profile
        plan = plan_import(conn, data, name, import_options(**fields), progress, reuse=plan)
    if include_duplicates or include_income:
        flagged = {item.row.line for item in plan.rows
                   if (include_duplicates and item.status == "duplicate") or (include_income and item.status == "income")}
        if flagged - set(fields["include_lines"]):
            fields["include_lines"] = sorted(flagged | set(fields["include_lines"]))
            plan = plan_import(conn, data, name, import_options(**fields), progress, reuse=plan)
    options = import_options(**fields)
    preview = preview_of(plan)
    preview["profile"] = used_profile
    progress.clear()
    names = {c["id"]: c["name"] for c in list_categories(conn)}
    print_preview(preview, names, mapped, names.get(default_id))
    click.echo("")
    if preview["unknown_categories"]:
        unknown = preview["unknown_categories"]
        listed = ", ".join(unknown[:5]) + (", …" if len(unknown) > 5 else "")
        raise UserError(f"{name} has categories that don't exist yet ({listed}); put each in an existing or a new "
                        f"category with --map-category, e.g. --map-category {shlex.quote(unknown[0] + '=' + unknown[0])}.")
    if preview["needs_default_category"]:
        raise UserError(f"Some rows of {name} have no category; choose the category they go in with --category "
                        f"(one of: {', '.join(sorted(names.values(), key=str.casefold))}).")
    skipped = skipped_words(plan.rows)
    because = f" ({skipped} skipped)" if skipped else ""
    if dry_run:
        click.echo(f"Dry run: {plural(preview['counts']['selected'], 'expense')} would be imported from {name}"
                   f"{because}; nothing was changed.")
        return
    if preview["counts"]["selected"] == 0:
        click.echo(f"Nothing to import from {name}{because}; nothing was changed.")
        return
    batch = run_import(conn, data, name, options, progress=progress, reuse=plan)
    progress.clear()
    if batch["skipped"] != len(plan.rows) - preview["counts"]["selected"]:  # the data changed meanwhile
        because = f" ({plural(batch['skipped'], 'row')} skipped)" if batch["skipped"] else ""
    click.echo(f"Imported {plural(batch['imported'], 'expense')} from {name} as batch {batch['id']}{because}; "
               f"undo with: {command_hint('imports', 'revert', str(batch['id']))}")
    if batch["profile"]:
        click.echo(f'The column mapping is saved as profile "{batch["profile"]}" for the next file like it.')


@main.group(context_settings=CONTEXT)
@db_option
@version_option
def imports() -> None:
    """List, revert or restore past imports of bank files.

    \b
    Examples:
      expense-tracker imports list
      expense-tracker imports revert 3
      expense-tracker imports restore 3
    """


batch_id_argument = click.argument("batch_id", metavar="ID", type=click.IntRange(1, MAX_ID))


def format_batch(batch: dict) -> str:
    counted = f"{batch['imported']:,} of {batch['rows_in_file']:,} rows"
    notes = [f"profile {batch['profile']}"] if batch["profile"] else []
    if batch["status"] == "reverted":
        notes.append(f"reverted {local_time(batch['reverted_at'])}")
    extra = f"  ({'; '.join(notes)})" if notes else ""
    return (f"{batch['id']:>5}  {local_time(batch['imported_at'])}  {batch['status']:<8}  {counted:<20}  "
            f"{batch['file_name']}{extra}")


@imports.command("list", context_settings=CONTEXT)
@db_option
@version_option
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@user_errors
def imports_list(as_json: bool) -> None:
    """List the imports, newest first.

    Columns: id, when, rows imported of rows in the file, status, file name.

    \b
    Example:
      expense-tracker imports list
    """
    conn = open_existing()
    try:
        batches = list_batches(conn)
    finally:
        conn.close()
    for batch in batches:
        click.echo(json.dumps(batch, ensure_ascii=False) if as_json else format_batch(batch))
    if not batches and not as_json:
        click.echo("No imports yet.", err=True)


@imports.command("revert", context_settings=CONTEXT)
@db_option
@version_option
@batch_id_argument
@user_errors
def imports_revert(batch_id: int) -> None:
    """Undo an import.

    Exactly the expenses it added move to the trash; `imports restore ID` undoes this.

    \b
    Example:
      expense-tracker imports revert 3
    """
    conn = open_existing()
    try:
        batch = revert_batch(conn, batch_id)
    finally:
        conn.close()
    click.echo(f"Reverted import {batch['id']} ({batch['file_name']}): its expenses are in the trash; "
               f"undo with: {command_hint('imports', 'restore', str(batch['id']))}")


@imports.command("restore", context_settings=CONTEXT)
@db_option
@version_option
@batch_id_argument
@user_errors
def imports_restore(batch_id: int) -> None:
    """Undo the revert of an import.

    Its expenses come back from the trash with their ids.

    \b
    Example:
      expense-tracker imports restore 3
    """
    conn = open_existing()
    try:
        batch = restore_batch(conn, batch_id)
    finally:
        conn.close()
    click.echo(f"Restored import {batch['id']} ({batch['file_name']}): its expenses are back.")


@imports.command("profiles", context_settings=CONTEXT)
@db_option
@version_option
@user_errors
def imports_profiles() -> None:
    """List the saved column mappings (profiles).

    `import --profile NAME` uses one; an import saves one.

    \b
    Example:
      expense-tracker imports profiles
    """
    conn = open_existing()
    try:
        profiles = list_profiles(conn)
    finally:
        conn.close()
    for profile in profiles:
        click.echo(f"{profile['name']}  (saved {local_time(profile['updated_at'])})")
    if not profiles:
        click.echo("No saved profiles yet; an import saves one.", err=True)


# -- budgets -------------------------------------------------------------------

def today() -> date:
    """Today, for the recurring commands (one place, so that tests can choose the day)."""
    return date.today()


def amount_of(name: str, text: str) -> float:
    """An amount typed as an argument, refused in one line (click's own error is a usage block)."""
    try:
        return float(text.replace(",", "")) if text.strip() else float("nan")
    except ValueError:
        raise UserError(f"Invalid {name}: must be a number such as 12.50, got {text!r}.") from None


def build(model, names: dict[str, str], **fields: Any):
    """A library model from command-line values; its complaints name the option the user typed."""
    try:
        return model(**fields)
    except ValidationError as exc:
        error = exc.errors()[0]
        field = str(error["loc"][0]) if error["loc"] else "value"
        message = str(error["msg"]).removeprefix("Value error, ")
        raise UserError(f"Invalid {names.get(field, field)}: {message[0].lower()}{message[1:]}.") from None


OVERALL = "overall"


def option_words(exc: InvalidInput, names: dict[str, str]) -> UserError:
    """The library's "Invalid field 'start_date': …" as the user typed it: "Invalid --start: …"."""
    text = str(exc)
    for field, option in names.items():
        text = text.replace(f"Invalid field '{field}'", f"Invalid {option}")
        if "_" in field:  # a field named in the sentence, e.g. "is before start_date 2025-01-31"
            text = text.replace(f" {field} ", f" {option} ")
    return UserError(text)


def budget_category(conn: sqlite3.Connection, category: str) -> tuple[int | None, str]:
    """CATEGORY of the budget commands: `overall`, else a category's name or id."""
    if category.strip().casefold() == OVERALL:
        return None, "the overall budget"
    category_id = find_category_id(conn, category)
    name = next(c["name"] for c in list_categories(conn) if c["id"] == category_id)
    return category_id, f"the budget of {name}"


@main.group(context_settings=CONTEXT)
@db_option
@version_option
def budget() -> None:
    """Set, list or clear monthly budgets: one per category and one for all spending.

    `summary` shows how each stands in a month: spent, left, or over.

    \b
    Examples:
      expense-tracker budget set Food 500
      expense-tracker budget set overall 2000
      expense-tracker budget list
      expense-tracker budget clear Food
    """


@budget.command("set", context_settings={**CONTEXT, "ignore_unknown_options": True})
@db_option
@version_option
@click.argument("category", metavar="CATEGORY")
@click.argument("amount", metavar="AMOUNT")
@user_errors
def budget_set(category: str, amount: str) -> None:
    """Set or change a monthly budget.

    CATEGORY is a category's name or id, or `overall` for all spending together.

    \b
    Examples:
      expense-tracker budget set Food 500
      expense-tracker budget set overall 2000
    """
    limit = build(BudgetSet, {"amount": "AMOUNT"}, amount=amount_of("AMOUNT", amount))
    conn = open_existing(create=True)
    try:
        category_id, which = budget_category(conn, category)
        saved = set_budget(conn, category_id, limit)
    finally:
        conn.close()
    click.echo(f"Set {which} to {saved['amount']:,.2f} a month.")


@budget.command("clear", context_settings=CONTEXT)
@db_option
@version_option
@click.argument("category", metavar="CATEGORY")
@user_errors
def budget_clear(category: str) -> None:
    """Remove a monthly budget.

    CATEGORY is a category's name or id, or `overall`.

    \b
    Example:
      expense-tracker budget clear Food
    """
    conn = open_existing()
    try:
        category_id, which = budget_category(conn, category)
        try:
            delete_budget(conn, category_id)
        except NotFound:
            raise UserError(f"There is no {which.removeprefix('the ')} to clear.") from None
    finally:
        conn.close()
    click.echo(f"Cleared {which}.")


@budget.command("list", context_settings=CONTEXT)
@db_option
@version_option
@click.option("--json", "as_json", is_flag=True, help="Print the budgets as JSON.")
@user_errors
def budget_list(as_json: bool) -> None:
    """List the monthly budgets: the overall one first, then by category.

    \b
    Example:
      expense-tracker budget list
    """
    conn = open_existing()
    try:
        budgets = list_budgets(conn)
    finally:
        conn.close()
    if as_json:
        click.echo(json.dumps(budgets, ensure_ascii=False))
        return
    if budgets["overall"] is not None:
        click.echo(f"  {'Overall':<24} {budgets['overall']:>12,.2f} a month")
    for row in budgets["categories"]:
        click.echo(f"  {row['category_name'][:24]:<24} {row['amount']:>12,.2f} a month")
    if budgets["overall"] is None and not budgets["categories"]:
        click.echo("No budgets set; `budget set CATEGORY AMOUNT` sets one.", err=True)


# -- recurring expenses ----------------------------------------------------------

WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December"]
UNITS = {"daily": "day", "weekly": "week", "monthly": "month", "yearly": "year"}


def ordinal(number: int) -> str:
    suffix = "th" if 11 <= number % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


def schedule_words(rule: dict) -> str:
    """As the window says it: 'Monthly on the 31st (last day in shorter months)', 'Every 2 weeks on Monday'."""
    frequency, start = rule["frequency"], date.fromisoformat(rule["start_date"])
    every = frequency.capitalize() if rule["interval"] == 1 else f"Every {rule['interval']} {UNITS[frequency]}s"
    when = ""
    if frequency == "weekly":
        when = f" on {WEEKDAYS[start.weekday()]}"
    elif frequency == "monthly":
        day = rule["day_of_month"] or start.day
        when = f" on the {ordinal(day)}" + (" (last day in shorter months)" if day >= 29 else "")
    elif frequency == "yearly":
        when = f" on {MONTHS[start.month - 1]} {start.day}"
    until = f", until {rule['end_date']}" if rule["end_date"] else ""
    return f"{every}{when}{until}"


def format_recurring(rule: dict) -> str:
    next_date = rule["next_date"] or "none"
    return (f"{rule['id']:>5}  {rule['description'][:24]:<24}  {rule['amount']:>12,.2f}  "
            f"{rule['category_name'][:16]:<16}  next {next_date:<10}  {schedule_words(rule)}")


recurring_id_argument = click.argument("recurring_id", metavar="ID", type=click.IntRange(1, MAX_ID))
RECURRING_OPTION_NAMES = {"amount": "--amount", "description": "--description", "category_id": "--category",
                          "frequency": "--every", "interval": "--interval", "day_of_month": "--day",
                          "start_date": "--start", "end_date": "--end"}


@main.group(context_settings=CONTEXT)
@db_option
@version_option
def recurring() -> None:
    """Expenses that come back on a schedule: rent, subscriptions, insurance.

    While the app runs it posts each one on its day (and any it missed); `recurring post-due`
    posts what is due now without the app.

    \b
    Examples:
      expense-tracker recurring add --amount 40 --description Internet --category Utilities --every monthly --start 2025-01-31
      expense-tracker recurring list
      expense-tracker recurring upcoming --days 60
      expense-tracker recurring skip 1 2025-02-28
    """


@recurring.command("list", context_settings=CONTEXT)
@db_option
@version_option
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@user_errors
def recurring_list(as_json: bool) -> None:
    """List the recurring expenses, by description.

    Columns: id, description, amount, category, next date, schedule.

    \b
    Example:
      expense-tracker recurring list
    """
    conn = open_existing()
    try:
        rules = list_recurring(conn, today())
    finally:
        conn.close()
    for rule in rules:
        click.echo(json.dumps(rule, ensure_ascii=False) if as_json else format_recurring(rule))
    if not rules and not as_json:
        click.echo("No recurring expenses yet; `recurring add` adds one.", err=True)


@recurring.command("add", context_settings=CONTEXT)
@db_option
@version_option
@click.option("--amount", required=True, metavar="AMOUNT", help="A positive amount, at most 2 decimals.")
@click.option("--description", required=True, help="What it is (1–200 characters).")
@click.option("--category", required=True, metavar="NAME|ID", help="An existing category.")
@click.option("--every", "frequency", required=True, type=click.Choice(["daily", "weekly", "monthly", "yearly"]),
              help="How often.")
@click.option("--interval", metavar="N", default="1", show_default=True,
              help="Every N days, weeks, months or years.")
@click.option("--day", "day_of_month", metavar="1-31",
              help="Monthly only: the day of the month (default the start date's); 29–31 mean the last day "
                   "in shorter months.")
@click.option("--start", "start_date", required=True, metavar="YYYY-MM-DD", help="The first date.")
@click.option("--end", "end_date", metavar="YYYY-MM-DD", help="The last date that may be posted (default: no end).")
@click.option("--json", "as_json", is_flag=True, help="Print the new recurring expense as JSON.")
@user_errors
def recurring_add(amount: str, description: str, category: str, frequency: str, interval: str,
                  day_of_month: str | None, start_date: str, end_date: str | None, as_json: bool) -> None:
    """Add a recurring expense.

    Dates already due are posted when the app runs, or by `recurring post-due`.

    \b
    Examples:
      expense-tracker recurring add --amount 40 --description Internet --category Utilities --every monthly --start 2025-01-31
      expense-tracker recurring add --amount 5 --description Bus --category Transport --every weekly --interval 2 --start 2025-03-03 --end 2025-12-31
    """
    start_date = checked("--start", start_date, check_date)
    end_date = checked("--end", end_date, check_date)
    if end_date is not None and end_date < start_date:
        raise UserError(f"Invalid --end: {end_date} is before --start {start_date}.")
    if day_of_month is not None and frequency != "monthly":
        raise UserError("Invalid --day: only --every monthly has a day of the month.")
    numbers = {}
    for name, value in (("--interval", interval), ("--day", day_of_month)):
        if value is not None and not value.strip().isdigit():
            raise UserError(f"Invalid {name}: must be a whole number, got {value!r}.")
        numbers[name] = None if value is None else int(value)
    conn = open_existing(create=True)
    try:
        rule = build(RecurringCreate, RECURRING_OPTION_NAMES, amount=amount_of("--amount", amount),
                     description=description, category_id=category_id_of(conn, category), frequency=frequency,
                     interval=numbers["--interval"], day_of_month=numbers["--day"], start_date=start_date,
                     end_date=end_date)
        try:
            created = create_recurring(conn, rule, today=today())
        except InvalidInput as exc:
            raise option_words(exc, RECURRING_OPTION_NAMES) from None
    finally:
        conn.close()
    if as_json:
        click.echo(json.dumps(created, ensure_ascii=False))
        return
    click.echo(f"Added recurring expense {created['id']}: {created['description']}, {created['amount']:,.2f} "
               f"in {created['category_name']}, {schedule_words(created).lower()[:1]}{schedule_words(created)[1:]}; "
               f"next {created['next_date'] or 'none'}.")
    if start_date <= today().isoformat():
        click.echo(f"Dates already due are posted when the app runs, or now with: {command_hint('recurring', 'post-due')}")


@recurring.command("remove", context_settings=CONTEXT)
@db_option
@version_option
@recurring_id_argument
@user_errors
def recurring_remove(recurring_id: int) -> None:
    """Remove a recurring expense; the expenses it already posted stay.

    \b
    Example:
      expense-tracker recurring remove 3
    """
    conn = open_existing()
    try:
        rule = get_recurring(conn, recurring_id, today())
        delete_recurring(conn, recurring_id)
    finally:
        conn.close()
    click.echo(f"Removed recurring expense {recurring_id} ({rule['description']}); the expenses it posted stay.")


@recurring.command("upcoming", context_settings=CONTEXT)
@db_option
@version_option
@click.option("--days", type=click.IntRange(0, UPCOMING_DAYS_MAX), default=30, show_default=True,
              help="How many days ahead of today.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@user_errors
def recurring_upcoming(days: int, as_json: bool) -> None:
    """List the dates to come that are not posted yet, skipped ones marked.

    Columns: recurring id, date, amount, category, description.

    \b
    Example:
      expense-tracker recurring upcoming --days 60
    """
    conn = open_existing()
    try:
        items = upcoming(conn, today(), days)
    finally:
        conn.close()
    for item in items:
        if as_json:
            click.echo(json.dumps(item, ensure_ascii=False))
            continue
        skipped = "  (skipped)" if item["status"] == "skipped" else ""
        click.echo(f"{item['recurring_id']:>5}  {item['date']}  {item['amount']:>12,.2f}  "
                   f"{item['category_name'][:16]:<16}  {item['description']}{skipped}")
    if not items and not as_json:
        click.echo(f"Nothing is due in the next {plural(days, 'day')}.", err=True)


@recurring.command("skip", context_settings=CONTEXT)
@db_option
@version_option
@recurring_id_argument
@click.argument("day", metavar="DATE")
@user_errors
def recurring_skip(recurring_id: int, day: str) -> None:
    """Skip one date of a recurring expense, so that it is never posted.

    `recurring post ID DATE` posts it after all.

    \b
    Example:
      expense-tracker recurring skip 1 2025-02-28
    """
    day = checked("DATE", day, check_date)
    conn = open_existing()
    try:
        rule = get_recurring(conn, recurring_id, today())
        try:
            skip_occurrence(conn, recurring_id, day)
        except InvalidInput as exc:
            raise option_words(exc, {"date": "DATE"}) from None
    finally:
        conn.close()
    click.echo(f"Skipped {day} of recurring expense {recurring_id} ({rule['description']}).")


@recurring.command("post", context_settings=CONTEXT)
@db_option
@version_option
@recurring_id_argument
@click.argument("day", metavar="DATE")
@user_errors
def recurring_post(recurring_id: int, day: str) -> None:
    """Post one date of a recurring expense now, dated that date (also a skipped or future one).

    \b
    Example:
      expense-tracker recurring post 1 2025-02-28
    """
    day = checked("DATE", day, check_date)
    conn = open_existing()
    try:
        try:
            expense = post_occurrence(conn, recurring_id, day)
        except InvalidInput as exc:
            raise option_words(exc, {"date": "DATE"}) from None
    finally:
        conn.close()
    click.echo(f"Added expense {expense['id']}: {format_row(expense)}")


@recurring.command("post-due", context_settings=CONTEXT)
@db_option
@version_option
@user_errors
def recurring_post_due() -> None:
    """Post every recurring expense that is due up to today and not posted or skipped yet.

    The app does this by itself while it runs; posting twice never posts a date twice.

    \b
    Example:
      expense-tracker recurring post-due
    """
    day = today()
    conn = open_existing()
    try:
        posted = post_due(conn, day)
    finally:
        conn.close()
    click.echo(f"Posted {plural(posted, 'recurring expense')} due by {day.isoformat()}." if posted
               else f"Nothing was due by {day.isoformat()}; no expenses posted.")
