"""The `expense-tracker` command: the window by default, and commands for scripts."""

import functools
import json
import logging
import logging.handlers
import os
import signal
import sqlite3
import sys
from datetime import date
from pathlib import Path

import click
from pydantic import ValidationError

import expense_tracker as et
from desktop import launcher, paths, window
from desktop.instance import Instance
from desktop.native import save_whole
from desktop.server import DEFAULT_PORT, PortTaken, bind, bind_preferred, url_of

VERSION = et.__version__
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
        except (et.DatabaseUnavailable, et.AppError, launcher.AlreadyStarting, window.NoDisplay) as exc:
            raise UserError(str(exc)) from None
        except ValidationError as exc:
            raise UserError(describe_invalid(exc)) from None
        except sqlite3.Error as exc:
            raise UserError(et.describe_database_error(exc, current_db())) from None
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
    help=f"Database file (default: ${et.DB_ENV}, else expenses.db in the app-data folder).",
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
    et.init_database(path)
    try:
        return et.connect(path)
    except sqlite3.Error as exc:
        raise et.DatabaseUnavailable(et.describe_database_error(exc, path)) from exc


def checked(kind: str, value: str | None, check) -> str | None:
    if value is None:
        return None
    try:
        return check(value)
    except ValueError as exc:
        raise UserError(f"Invalid {kind}: {exc}.") from None


def category_id_of(conn: sqlite3.Connection, category: str | None) -> int | None:
    return None if category is None else et.find_category_id(conn, category)


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
    """
    if ctx.invoked_subcommand is not None:
        return
    setup_logging(verbose=True)
    driver = window.smoke_test if smoke_test else None
    sys.exit(launcher.run_window(current_db(), port=port, driver=driver))


@main.command(context_settings=CONTEXT)
@db_option
@version_option
@click.option("--host", default=et.DEFAULT_HOST, show_default=True,
              help="Address to listen on. Anything but loopback exposes your data to the network.")
@click.option("--port", type=click.IntRange(0, 65535), default=None,
              help="Port (default 8000, or a free one if 8000 is taken).")
@user_errors
def serve(host: str, port: int | None) -> None:
    """Serve the API without a window, for scripts and headless machines. Ctrl-C stops it.

    \b
    Example:
      expense-tracker serve --port 8001
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
        if not et.is_loopback(host):
            extra_hosts = [] if host in ("0.0.0.0", "::") else [host]
            click.echo(f"WARNING: listening on {host} makes your expenses reachable from other computers. "
                       f"Clients must use a host name listed in {et.HOSTS_ENV}.", err=True)
        app = et.create_app(db_path, allowed_hosts=extra_hosts, auto_backup=True)
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
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True, path_type=Path),
              help="Write to this file instead of standard output.")
@user_errors
def export(date_from: str | None, date_to: str | None, category: str | None, output: Path | None) -> None:
    """Export expenses as CSV, straight from the database (no server needed).

    Columns: id,amount,description,category,date, newest first. Streams, so any size takes
    little memory.

    \b
    Examples:
      expense-tracker export > all.csv
      expense-tracker export --from 2025-01-01 --to 2025-03-31 --category Food -o q1-food.csv
    """
    date_from = checked("--from", date_from, et.check_date)
    date_to = checked("--to", date_to, et.check_date)
    conn = open_existing()
    try:
        chunks = et.export_csv(conn, date_from, date_to, category_id_of(conn, category))
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
        expense = et.ExpenseCreate(
            amount=amount, description=description, category_id=category_id_of(conn, category),
            date=day or date.today().isoformat(),
        )
        created = et.create_expense(conn, expense)
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
@click.option("--sort", type=click.Choice(["date", "amount", "created_at"]), default="date", show_default=True)
@click.option("--order", type=click.Choice(["asc", "desc"]), default="desc", show_default=True)
@click.option("--limit", type=click.IntRange(1, et.PAGE_LIMIT_MAX), default=20, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@user_errors
def list_command(date_from, date_to, category, sort, order, limit, as_json) -> None:
    """List expenses, newest first.

    \b
    Example:
      expense-tracker list --from 2025-03-01 --category Food --sort amount --limit 5
    """
    date_from = checked("--from", date_from, et.check_date)
    date_to = checked("--to", date_to, et.check_date)
    conn = open_existing()
    try:
        page, _ = et.list_expenses(conn, date_from=date_from, date_to=date_to,
                                   category_id=category_id_of(conn, category),
                                   sort=sort, order=order, limit=limit)
    finally:
        conn.close()
    for expense in page:
        click.echo(json.dumps(expense, ensure_ascii=False) if as_json else format_row(expense))
    if not page and not as_json:
        click.echo("No expenses match.", err=True)


@main.command(context_settings=CONTEXT)
@db_option
@version_option
@click.option("--month", metavar="YYYY-MM", default=None, help="The month (default this month).")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@user_errors
def summary(month: str | None, as_json: bool) -> None:
    """Show a month's total and its totals by category.

    \b
    Example:
      expense-tracker summary --month 2025-03
    """
    month = checked("--month", month, et.check_month) or date.today().isoformat()[:7]
    conn = open_existing()
    try:
        result = et.month_summary(conn, month)
    finally:
        conn.close()
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False))
        return
    click.echo(f"{month}: {result['total']:,.2f} in {result['count']} expense{'s' if result['count'] != 1 else ''}")
    for row in result["by_category"]:
        click.echo(f"  {row['category_name'][:24]:<24} {row['total']:>12,.2f}  ({row['count']})")


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
