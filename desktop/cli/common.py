"""What every command shares: the --db and --version options, one way to open the database,
user errors in one line, and the helpers that word the output.

Nothing here (nor in any command's module) imports the web framework or Pydantic: a command
that builds a model imports it where it does, so that every command starts fast.
"""

import functools
import math
import shlex
import sqlite3
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from desktop import paths
from tracker import __version__
from tracker.categories import find_category_id, list_categories
from tracker.config import DB_ENV, MAX_AMOUNT
from tracker.db import ANOTHER_FILE, UnusableFile, connect, describe_database_error, init_database
from tracker.errors import AppError, DatabaseUnavailable, NotFound
from tracker.validation import check_cents, check_date

if TYPE_CHECKING:
    from pydantic import ValidationError

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
        except (DatabaseUnavailable, AppError) as exc:
            raise UserError(str(exc)) from None
        except ValueError as exc:
            if not is_validation_error(exc):
                raise
            raise UserError(describe_invalid(exc)) from None
        except sqlite3.Error as exc:
            raise UserError(describe_database_error(exc, current_db(), another_file())) from None
        except OSError as exc:
            where = f" ({exc.filename})" if exc.filename else ""
            raise UserError(f"{exc.strerror or exc}{where}.") from None

    return wrapper


def is_validation_error(exc: BaseException) -> bool:
    """A Pydantic ValidationError, without importing Pydantic: if it is not loaded, none was raised."""
    pydantic_core = sys.modules.get("pydantic_core")
    return pydantic_core is not None and isinstance(exc, pydantic_core.ValidationError)


def describe_invalid(exc: "ValidationError") -> str:
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
    import logging.handlers  # only here: only the window and `serve` log to a file

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
    refuse_folder(path)
    try:
        init_database(path)
        return connect(path)
    except UnusableFile as exc:
        raise exc.worded(another_file()) from None
    except DatabaseUnavailable as exc:
        if not isinstance(exc.__cause__, (sqlite3.Error, OSError)):
            raise
        raise DatabaseUnavailable(describe_database_error(exc.__cause__, path, another_file())) from exc
    except (sqlite3.Error, OSError) as exc:
        raise DatabaseUnavailable(describe_database_error(exc, path, another_file())) from exc


def chosen_file() -> Path:
    """The chosen database path, refused in words if it is a folder."""
    path = current_db()
    refuse_folder(path)
    return path


def refuse_folder(path: Path) -> None:
    if path.is_dir():
        raise UserError(describe_database_error(IsADirectoryError(21, "Is a directory", str(path)), path,
                                                another_file()))


def another_file() -> str:
    """How the person chooses another database: --db if that is how they chose this one."""
    context = click.get_current_context(silent=True)
    return "--db PATH" if context and context.find_root().meta.get("db") else ANOTHER_FILE


def checked(kind: str, value: str | None, check) -> str | None:
    if value is None:
        return None
    try:
        return check(value)
    except ValueError as exc:
        raise UserError(f"Invalid {kind}: {exc}.") from None


def date_range(date_from: str | None, date_to: str | None) -> tuple[str | None, str | None]:
    """--from and --to checked as dates, and in order."""
    date_from = checked("--from", date_from, check_date)
    date_to = checked("--to", date_to, check_date)
    if date_from and date_to and date_from > date_to:
        raise UserError(f"The From date {date_from} is after the To date {date_to}.")
    return date_from, date_to


def category_id_of(conn: sqlite3.Connection, category: str | None) -> int | None:
    return None if category is None else category_of(conn, category)["id"]


def category_of(conn: sqlite3.Connection, category: str) -> dict:
    """The category a person named by its name (any case) or id; an unknown one is refused with
    the command that makes it."""
    try:
        category_id = find_category_id(conn, category)
    except NotFound:
        names = ", ".join(row["name"] for row in list_categories(conn)) or "none yet"
        raise UserError(f"No category {category!r} (the categories are: {names}); "
                        f"`{command_hint('category', 'add', category)}` makes it.") from None
    return next(row for row in list_categories(conn) if row["id"] == category_id)


def format_row(expense: dict) -> str:
    """A row of `list`: an expense in another currency shows its own amount after the description,
    then its tags, then a split expense's parts (in the home currency, like the amount)."""
    home = expense.get("home_amount", expense["amount"])
    row = f"{expense['date']}  {home:>12,.2f}  {expense['category_name'][:16]:<16}  {expense['description']}"
    if expense.get("rate_source"):
        from tracker.currencies import format_money

        row += f"  ({format_money(expense['amount'], expense['currency'])})"
    row += "".join(f"  #{tag}" for tag in expense.get("tags", []))
    if expense.get("parts"):
        row += "  [split: " + ", ".join(f"{part['category_name']} {part['home_amount']:,.2f}"
                                         for part in expense["parts"]) + "]"
    return row


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


def amount_of(name: str, text: str) -> float:
    """An amount typed as an argument, refused in one line (click's own error is a usage block)."""
    try:
        return float(text.replace(",", "")) if text.strip() else float("nan")
    except ValueError:
        raise UserError(f"Invalid {name}: must be a number such as 12.50, got {text!r}.") from None


def checked_amount(name: str, amount: float) -> float:
    """An amount checked as tracker.models' Amount checks it, with its first complaint in its words,
    without loading Pydantic; tests/test_cli.py holds the two to the same answers."""
    return checked(name, checked_positive(name, amount), check_cents)


def checked_positive(name: str, amount: float) -> float:
    """checked_amount's checks but the decimals (which depend on the currency)."""
    if not math.isfinite(amount):
        raise UserError(f"Invalid {name}: input should be a finite number.")
    if amount > MAX_AMOUNT:
        raise UserError(f"Invalid {name}: input should be less than or equal to {MAX_AMOUNT}.")
    if not amount > 0:
        raise UserError(f"Invalid {name}: input should be greater than 0.")
    return amount


def build(model, names: dict[str, str], **fields: Any):
    """A library model from command-line values; its complaints name the option the user typed."""
    try:
        return model(**fields)
    except ValueError as exc:
        if not is_validation_error(exc):
            raise
        error = exc.errors()[0]
        field = str(error["loc"][0]) if error["loc"] else "value"
        message = str(error["msg"]).removeprefix("Value error, ")
        raise UserError(f"Invalid {names.get(field, field)}: {message[0].lower()}{message[1:]}.") from None
