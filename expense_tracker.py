"""Expense Tracker: a local REST API over one SQLite file.

Run `python expense_tracker.py` to serve it on http://127.0.0.1:8000 (docs at /docs).
"""

import argparse
import base64
import binascii
import calendar
import csv
import difflib
import functools
import io
import ipaddress
import json
import logging
import os
import queue
import re
import shutil
import socket
import sqlite3
import sys
import threading
import unicodedata
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractContextManager, asynccontextmanager, closing, contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal

import platformdirs
from fastapi import Depends, FastAPI, Form, Path as PathParam, Query, Request, Response, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.concurrency import run_in_threadpool
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import JSONResponse, StreamingResponse
from fastapi.staticfiles import StaticFiles
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError
from starlette.exceptions import HTTPException
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__version__ = "0.1.0"

# ---------------------------------------------------------------------------
# Configuration
# ---------------------------------------------------------------------------

APP_NAME = "ExpenseTracker"
DB_ENV = "EXPENSE_TRACKER_DB"
CORS_ENV = "EXPENSE_TRACKER_CORS_ORIGINS"
HOSTS_ENV = "EXPENSE_TRACKER_ALLOWED_HOSTS"
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]")
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000


def resolve_db_path() -> Path:
    """The database file: $EXPENSE_TRACKER_DB, else expenses.db in the user's data directory."""
    configured = os.environ.get(DB_ENV, "").strip()
    if configured:
        return Path(configured).expanduser()
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)) / "expenses.db"


DB_PATH = resolve_db_path()
WEB_DIR = Path(__file__).resolve().parent / "web"

MAX_ID = 2**63 - 1
MAX_AMOUNT = 1_000_000_000_000
PAGE_LIMIT_MAX = 200
# JSON bodies here are a few hundred bytes; anything near this is refused before it is read.
MAX_BODY_BYTES = 1024 * 1024
MAX_UPLOAD_BYTES = 64 * 1024 * 1024  # bank files, on the import routes only
UPLOAD_PATHS = ("/imports", "/imports/preview")
BUSY_TIMEOUT_S = 5.0
MIGRATION_BUSY_TIMEOUT_S = 300
EXPORT_BATCH_ROWS = 2000
EXPORT_MMAP_BYTES = 1 << 30
# Stamped into files this app creates, to tell them from other programs' SQLite files.
APPLICATION_ID = 0x45587054

log = logging.getLogger("expense_tracker")

# ---------------------------------------------------------------------------
# Schema, migrations and database access
# ---------------------------------------------------------------------------

SEED_SCHEMA = [
    """create table if not exists categories (
    id integer primary key autoincrement,
    name text not null unique,
    color text not null default '#6c757d',
    created_at text not null default (datetime('now'))
)""",
    """create table if not exists expenses (
    id integer primary key autoincrement,
    amount real not null check(amount > 0),
    description text not null,
    category_id integer not null references categories(id),
    date text not null,
    created_at text not null default (datetime('now'))
)""",
    "create index if not exists idx_expenses_date on expenses(date)",
    "create index if not exists idx_expenses_category on expenses(category_id)",
]

DEFAULT_CATEGORIES = [("Food", "#e67e22"), ("Transport", "#3498db"), ("Utilities", "#8e44ad")]

# Totals per month and category, kept exact in integer cents by triggers, so that a month's
# summary reads a dozen rows instead of every expense of the month.
MONTHLY_TOTALS_SCHEMA = [
    """create table if not exists monthly_totals (
    month text not null,
    category_id integer not null,
    total_cents integer not null,
    count integer not null,
    primary key (month, category_id)
) without rowid""",
    """create trigger if not exists expenses_totals_insert after insert on expenses begin
    insert into monthly_totals (month, category_id, total_cents, count)
    values (substr(new.date, 1, 7), new.category_id, cast(round(new.amount * 100) as integer), 1)
    on conflict (month, category_id) do update
        set total_cents = total_cents + excluded.total_cents, count = count + 1;
end""",
    """create trigger if not exists expenses_totals_delete after delete on expenses begin
    update monthly_totals
        set total_cents = total_cents - cast(round(old.amount * 100) as integer), count = count - 1
        where month = substr(old.date, 1, 7) and category_id = old.category_id;
end""",
    """create trigger if not exists expenses_totals_update
after update of amount, date, category_id on expenses begin
    update monthly_totals
        set total_cents = total_cents - cast(round(old.amount * 100) as integer), count = count - 1
        where month = substr(old.date, 1, 7) and category_id = old.category_id;
    insert into monthly_totals (month, category_id, total_cents, count)
    values (substr(new.date, 1, 7), new.category_id, cast(round(new.amount * 100) as integer), 1)
    on conflict (month, category_id) do update
        set total_cents = total_cents + excluded.total_cents, count = count + 1;
end""",
    """insert into monthly_totals (month, category_id, total_cents, count)
    select substr(date, 1, 7), category_id, sum(cast(round(amount * 100) as integer)), count(*)
    from expenses group by 1, 2""",
    "create index if not exists idx_expenses_amount on expenses(amount)",
    "create index if not exists idx_expenses_created_at on expenses(created_at)",
    # Covering indexes for the list's filters, so that a page's ids come from the index alone.
    "create index if not exists idx_expenses_category_date_amount on expenses(category_id, date, amount)",
    "create index if not exists idx_expenses_date_amount on expenses(date, amount)",
]


def migrate_seed_schema(conn: sqlite3.Connection, is_new: bool) -> None:
    for statement in SEED_SCHEMA:
        conn.execute(statement)
    if is_new:
        conn.executemany(
            "insert or ignore into categories (name, color) values (?, ?)", DEFAULT_CATEGORIES
        )


def migrate_monthly_totals(conn: sqlite3.Connection, is_new: bool) -> None:
    for statement in MONTHLY_TOTALS_SCHEMA:
        conn.execute(statement)


# Applied in order; PRAGMA user_version records how many have run. Never reorder or edit one
# that has shipped: append a new one.
def migrate_settings(conn: sqlite3.Connection, is_new: bool) -> None:
    conn.execute("create table if not exists settings (key text primary key, value text not null) without rowid")


# A deleted expense moves here whole, so that it can come back with the same id; the category's
# name and colour travel with it in case the category is deleted meanwhile.
TRASH_AND_IMPORT_SCHEMA = [
    """create table if not exists deleted_expenses (
    id integer primary key,
    amount real not null,
    description text not null,
    category_id integer not null,
    category_name text not null,
    category_color text not null,
    date text not null,
    created_at text not null,
    import_batch_id integer,
    deleted_at text not null default (datetime('now')),
    reverted_batch_id integer
)""",
    "create index if not exists idx_deleted_expenses_deleted_at on deleted_expenses(deleted_at)",
    "create index if not exists idx_deleted_expenses_reverted on deleted_expenses(reverted_batch_id) where reverted_batch_id is not null",
    """create table if not exists import_batches (
    id integer primary key autoincrement,
    file_name text not null,
    imported_at text not null default (datetime('now')),
    profile text,
    rows_in_file integer not null,
    imported integer not null,
    skipped integer not null,
    status text not null default 'imported' check (status in ('imported', 'reverted')),
    reverted_at text
)""",
    """create table if not exists import_profiles (
    name text primary key,
    signature text not null,
    mapping text not null,
    updated_at text not null default (datetime('now'))
)""",
    "create index if not exists idx_import_profiles_signature on import_profiles(signature)",
    # Adding a nullable column is instant whatever the table's size.
    "alter table expenses add column import_batch_id integer",
    "create index if not exists idx_expenses_import_batch on expenses(import_batch_id) where import_batch_id is not null",
    # While a batch is being written its rows skip the per-row totals trigger, and the batch adds
    # its totals in one statement at the end (in the same transaction): a third of the import's time.
    "create table if not exists import_in_progress (batch_id integer primary key)",
    "drop trigger if exists expenses_totals_insert",
    """create trigger expenses_totals_insert after insert on expenses
when new.import_batch_id is null
    or not exists (select 1 from import_in_progress where batch_id = new.import_batch_id)
begin
    insert into monthly_totals (month, category_id, total_cents, count)
    values (substr(new.date, 1, 7), new.category_id, cast(round(new.amount * 100) as integer), 1)
    on conflict (month, category_id) do update
        set total_cents = total_cents + excluded.total_cents, count = count + 1;
end""",
]


# --- Budgets, recurring expenses and search (one migration) ---------------------------------

# The overall monthly budget is the setting OVERALL_BUDGET_KEY, in cents: every request opens a
# connection that parses the whole schema, so a table earns its place.
BUDGETS_RECURRING_SCHEMA = [
    # Monthly limits in integer cents, like monthly_totals, so that spent and remaining are exact.
    """create table if not exists budgets (
    category_id integer primary key references categories(id) on delete cascade,
    amount_cents integer not null check (amount_cents > 0)
)""",
    # Also for programs that delete categories with foreign keys off (the sqlite3 tool's default).
    """create trigger if not exists categories_budget_delete after delete on categories begin
    delete from budgets where category_id = old.id;
end""",
    # AUTOINCREMENT: a deleted template's id is never reused, so its bookkeeping can never
    # stand in the way of a new template.
    """create table if not exists recurring (
    id integer primary key autoincrement,
    amount real not null check (amount > 0),
    description text not null,
    category_id integer not null references categories(id),
    frequency text not null check (frequency in ('daily', 'weekly', 'monthly', 'yearly')),
    interval integer not null default 1 check (interval >= 1),
    day_of_month integer check (day_of_month between 1 and 31),
    start_date text not null,
    end_date text,
    posted_through text,
    created_at text not null default (datetime('now'))
)""",
    # One row per template and date that was posted or skipped: the primary key is what makes
    # posting idempotent across processes, crashes and clocks. It is written in the same
    # transaction as the expense it records. expense_id is deliberately not a foreign key:
    # deleting (or trashing) that expense must stay possible and must not re-post the date.
    """create table if not exists recurring_occurrences (
    recurring_id integer not null references recurring(id) on delete cascade,
    date text not null,
    status text not null check (status in ('posted', 'skipped')),
    expense_id integer,
    recorded_at text not null default (datetime('now')),
    primary key (recurring_id, date)
) without rowid""",
]

# Search folds text (case, accents, compatibility forms) one character at a time through the
# table search_fold_map, in plain SQL, so that the triggers work for any program that writes to
# the file, such as the sqlite3 command-line tool, which has none of this app's Python functions.
# (A trigger calling a Python function would make every other program's insert fail with
# "no such function".) The query text is folded by the same SQL, so both always agree.
SEARCH_FOLD_LENGTH = 1000  # characters folded per description; any rest is indexed as it is
SEARCH_ACCENT_BLOCKS = ((0x0300, 0x036F), (0x1AB0, 0x1AFF), (0x1DC0, 0x1DFF), (0x20D0, 0x20FF), (0xFE20, 0xFE2F))
# Where characters that fold live: the Basic Multilingual Plane, plane 1 (e.g. mathematical
# letters) and the CJK compatibility ideographs of plane 2.
SEARCH_FOLD_RANGES = ((0x41, 0x5A), (0x80, 0x1FFFF), (0x2F800, 0x2FA1F))


def is_accent(char: str) -> bool:
    return any(low <= ord(char) <= high for low, high in SEARCH_ACCENT_BLOCKS)


# Latin letters that Unicode does not decompose but that people write without their stroke.
LATIN_BASES = {"æ": "ae", "œ": "oe", "ø": "o", "đ": "d", "ð": "d", "ł": "l", "ħ": "h", "ŧ": "t", "ı": "i", "þ": "th"}


def fold_char(char: str) -> str:
    if 0xAC00 <= ord(char) <= 0xD7A3:  # Hangul syllables stay whole (NFKD would split them)
        return char
    folded = "".join(c for c in unicodedata.normalize("NFKD", char) if not is_accent(c)).casefold()
    return "".join(LATIN_BASES.get(c, c) for c in folded)


@functools.cache
def search_fold_map() -> dict[str, str]:
    """Every character that search folds, and what it folds to (already fully folded)."""
    folds = {}
    for low, high in SEARCH_FOLD_RANGES:
        for code in range(low, high + 1):
            char = chr(code)
            if 0xD800 <= code <= 0xDFFF or (
                not unicodedata.decomposition(char) and char.casefold() == char and not is_accent(char)
                and char not in LATIN_BASES
            ):
                continue
            folded = fold_char(char)
            for _ in range(4):  # until nothing changes: a folded character never folds again
                refolded = "".join(fold_char(c) for c in folded)
                if refolded == folded:
                    break
                folded = refolded
            if folded != char:
                folds[char] = folded
    return folds


def fold_sql(text: str) -> str:
    """SQL folding the text expression `text` for search: ASCII text is only lowercased, other
    text goes through search_fold_map one character at a time.

    group_concat sees the characters in order: SQLite keeps a FROM-subquery's ORDER BY when
    the subquery has a LIMIT and the outer query is an aggregate (select.c, "Beware of these
    cases where the ORDER BY clause may not be safely omitted").
    """
    return f"""(case when {text} glob '*[^ -~]*' then (
    select coalesce(group_concat(c, ''), '') from (
        select coalesce(m.folded, substr({text}, p.n, 1)) as c
        from search_positions p left join search_fold_map m on m.ch = substr({text}, p.n, 1)
        where p.n <= length({text}) order by p.n limit {SEARCH_FOLD_LENGTH}
    )) || substr({text}, {SEARCH_FOLD_LENGTH + 1})
    else lower({text}) end)"""


def fold_in_python(text: str, table: dict[int, str]) -> str:
    """What fold_sql computes, in Python (used to fill the index of an existing file quickly)."""
    if text.isascii() and text.isprintable():  # only " " to "~", as the glob of fold_sql
        return text.lower()
    return text[:SEARCH_FOLD_LENGTH].translate(table) + text[SEARCH_FOLD_LENGTH:]


# expense_search_text holds each expense's folded description; expense_search is a trigram
# FTS5 index over it (external content, so the text is stored once). Triggers on expenses keep
# both, whoever writes: a delete and a re-insert with the same id (the trash) leave the index
# right, and so does another program's INSERT OR REPLACE (whose implicit delete fires no
# trigger) because every insert first takes out what is indexed under its id. The fold is in
# one trigger only, on the view expense_search_input: each connection parses every trigger
# when it opens, and every request opens one.
DELETE_FROM_SEARCH = """insert into expense_search (expense_search, rowid, text)
        select 'delete', id, text from expense_search_text where id = {id};
    delete from expense_search_text where id = {id};"""
SEARCH_SYNC = [
    "create view if not exists expense_search_input (id, description) as select null, null where 0",
    f"""create trigger if not exists expense_search_input_insert instead of insert on expense_search_input begin
    {DELETE_FROM_SEARCH.format(id="new.id")}
    insert into expense_search_text (id, text) values (new.id, {fold_sql('new.description')});
    insert into expense_search (rowid, text) select id, text from expense_search_text where id = new.id;
end""",
    # Rows of an import batch being written are indexed all at once by run_import instead.
    """create trigger if not exists expenses_search_insert after insert on expenses
when new.import_batch_id is null
    or not exists (select 1 from import_in_progress where batch_id = new.import_batch_id)
begin
    insert into expense_search_input (id, description) values (new.id, new.description);
end""",
    f"""create trigger if not exists expenses_search_delete after delete on expenses begin
    {DELETE_FROM_SEARCH.format(id="old.id")}
end""",
    f"""create trigger if not exists expenses_search_update after update of id, description on expenses begin
    {DELETE_FROM_SEARCH.format(id="old.id")}
    insert into expense_search_input (id, description) values (new.id, new.description);
end""",
]


def migrate_trash_and_imports(conn: sqlite3.Connection, is_new: bool) -> None:
    for statement in TRASH_AND_IMPORT_SCHEMA:
        conn.execute(statement)




def create_search_index(conn: sqlite3.Connection) -> None:
    folds = search_fold_map()
    conn.execute("create table if not exists search_fold_map (ch text primary key, folded text not null) without rowid")
    conn.executemany("insert or replace into search_fold_map (ch, folded) values (?, ?)", folds.items())
    conn.execute("create table if not exists search_positions (n integer primary key)")
    conn.executemany(
        "insert or ignore into search_positions (n) values (?)", ((n,) for n in range(1, SEARCH_FOLD_LENGTH + 1))
    )
    conn.execute("create table if not exists expense_search_text (id integer primary key, text text not null)")
    conn.execute(
        "create virtual table if not exists expense_search using fts5(text, content='expense_search_text', "
        "content_rowid='id', tokenize='trigram case_sensitive 1', columnsize=0)"
    )
    # Existing rows are folded in Python (the same fold, from the same table, about ten times
    # faster than the SQL on a million rows); values that are not text go through the SQL.
    table = str.maketrans(folds)
    conn.create_function(
        "expense_tracker_fold", 1, lambda text: fold_in_python(text, table) if isinstance(text, str) else None,
        deterministic=True,
    )
    try:
        conn.execute(
            "insert into expense_search_text (id, text) select id, "
            f"coalesce(expense_tracker_fold(description), {fold_sql('description')}) from expenses"
        )
    finally:
        conn.create_function("expense_tracker_fold", 1, None)
    # One segment to start from: rebuild leaves a few large segments of similar sizes, which
    # later commits would merge in steps of tens of milliseconds (a 80 ms POST on 1M rows).
    conn.execute("insert into expense_search (expense_search) values ('rebuild')")
    conn.execute("insert into expense_search (expense_search) values ('optimize')")
    # Each write adds a small segment to the index. By default FTS5 merges segments a little
    # after every commit once 4 are alike, which more than doubled the CPU time of adding an
    # expense; 16 halves that, and a search then reads at most a few dozen segments. A level
    # reaching 'crisismerge' segments is merged all at once, inside one unlucky commit (half
    # a second on a 1M-row file at the default 16): 64 leaves merging to the small steps.
    # These settings live in the index, so they hold for every program that writes.
    conn.execute("insert into expense_search (expense_search, rank) values ('automerge', 16)")
    conn.execute("insert into expense_search (expense_search, rank) values ('crisismerge', 64)")
    for statement in SEARCH_SYNC:
        conn.execute(statement)


def migrate_budgets_recurring_search(conn: sqlite3.Connection, is_new: bool) -> None:
    for statement in BUDGETS_RECURRING_SCHEMA:
        conn.execute(statement)
    create_search_index(conn)


MIGRATIONS = [
    migrate_seed_schema, migrate_monthly_totals, migrate_settings, migrate_trash_and_imports,
    migrate_budgets_recurring_search,
]


class DatabaseUnavailable(Exception):
    """The database cannot be used; the message says why, names the file and what to do."""


def connect(path: Path, *, create: bool = False) -> sqlite3.Connection:
    """A new connection in autocommit mode; transactions are explicit (see `write_transaction`)."""
    mode = "rwc" if create else "rw"
    uri = f"{Path(os.path.abspath(path)).as_uri()}?mode={mode}"
    conn = sqlite3.connect(
        uri, uri=True, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False
    )
    try:
        conn.row_factory = sqlite3.Row
        conn.execute("pragma foreign_keys = on")
    except BaseException:
        conn.close()
        raise
    return conn


def describe_database_error(exc: BaseException, path: Path) -> str:
    """One sentence for the user: what is wrong with the file at `path` and what to do."""
    text = str(exc)
    lowered = text.lower()
    if path.is_dir():
        return (
            f"The database path {path} is a directory, not a file; "
            f"set {DB_ENV} to a file path."
        )
    if "locked" in lowered or "busy" in lowered:
        return (
            f"The database {path} is locked by another program; "
            "try again in a moment or close the program that holds it."
        )
    if "not a database" in lowered or "malformed" in lowered or "corrupt" in lowered:
        return (
            f"The file {path} is damaged or is not an Expense Tracker database ({text}); "
            f"it was left untouched: restore a backup or set {DB_ENV} to another file."
        )
    if "readonly" in lowered or "read-only" in lowered:
        return f"The database {path} is read-only; make the file and its folder writable."
    if "full" in lowered:
        return f"The disk holding {path} is full; free some space and try again."
    if "unable to open" in lowered or isinstance(exc, OSError):
        return (
            f"The database {path} cannot be opened ({text}); check that the file exists "
            "and that its folder is readable and writable."
        )
    return f"The database {path} cannot be used ({text})."


def check_is_ours(conn: sqlite3.Connection, path: Path) -> tuple[bool, int]:
    """Refuse files that belong to another program or a newer version; report whether it is empty."""
    tables = {row[0] for row in conn.execute("select name from sqlite_master where type = 'table'")}
    app_id = conn.execute("pragma application_id").fetchone()[0]
    version = conn.execute("pragma user_version").fetchone()[0]
    if app_id not in (0, APPLICATION_ID) or (tables and "expenses" not in tables):
        raise DatabaseUnavailable(
            f"The file {path} is a SQLite database of another program (it has no expenses table); "
            f"it was left untouched: set {DB_ENV} to another file."
        )
    if version > len(MIGRATIONS):
        raise DatabaseUnavailable(
            f"The database {path} was written by a newer version of Expense Tracker "
            f"(schema {version}, this version knows {len(MIGRATIONS)}); please upgrade."
        )
    return not tables, version


def init_database(path: Path) -> None:
    """Create or upgrade the database at `path`; never writes to a file that is not ours."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = connect(path, create=True)
    except (OSError, sqlite3.Error) as exc:
        raise DatabaseUnavailable(describe_database_error(exc, path)) from exc
    try:
        is_new, version = check_is_ours(conn, path)
        if version == len(MIGRATIONS):
            return
        if not is_new:
            # Never change a damaged file: an upgrade would write into whatever is left of it.
            verdict = conn.execute("pragma quick_check").fetchone()[0]
            if verdict != "ok":
                raise DatabaseUnavailable(
                    f"The file {path} is damaged (SQLite's check says: {verdict[:200]}); it was left "
                    f"untouched: restore a backup or set {DB_ENV} to another file."
                )
        # Another process may be upgrading the same file right now, which takes seconds on a
        # large file: wait for it rather than report a lock.
        conn.execute(f"pragma busy_timeout = {MIGRATION_BUSY_TIMEOUT_S * 1000}")
        if conn.execute("pragma journal_mode").fetchone()[0] != "wal":
            conn.execute("pragma journal_mode = wal")
        conn.execute("begin immediate")
        try:
            # Another process may have migrated while we waited for the write lock.
            is_new, version = check_is_ours(conn, path)
            if is_new:
                log.info("Creating database %s", path)
            elif version < len(MIGRATIONS):
                log.info("Upgrading database %s from schema %d to %d (once; may take a few "
                         "seconds for a large file)", path, version, len(MIGRATIONS))
            for number in range(version, len(MIGRATIONS)):
                MIGRATIONS[number](conn, is_new)
            conn.execute(f"pragma user_version = {len(MIGRATIONS)}")
            if is_new:
                conn.execute(f"pragma application_id = {APPLICATION_ID}")
            conn.execute("commit")
        except BaseException:
            conn.execute("rollback")
            raise
    except sqlite3.Error as exc:
        raise DatabaseUnavailable(describe_database_error(exc, path)) from exc
    finally:
        conn.close()


class Database:
    """Where the data lives, and whether it has been opened successfully yet."""

    def __init__(self, path: Path):
        self.path = path
        self.ready = False
        self._anchor: sqlite3.Connection | None = None
        self._init_lock = threading.Lock()
        # One writer at a time inside this process: writers queue here instead of
        # sleeping in SQLite's busy handler, which keeps write latency even.
        self.write_lock = threading.Lock()

    def ensure_ready(self) -> None:
        if self.ready:
            return
        with self._init_lock:
            if not self.ready:
                init_database(self.path)
                self._keep_wal_open()
                self.ready = True

    def _keep_wal_open(self) -> None:
        # An idle connection that no request uses. While it is open, SQLite keeps the WAL and
        # its index between requests; otherwise every request's close would be the last one,
        # checkpoint, delete the WAL, and the next request would build it again.
        self._anchor = connect(self.path)
        self._anchor.execute("select 1 from sqlite_master limit 1").fetchall()

    def close(self) -> None:
        anchor, self._anchor = self._anchor, None
        if anchor is not None:
            anchor.close()

    def open(self) -> sqlite3.Connection:
        self.ensure_ready()
        try:
            return connect(self.path)
        except sqlite3.Error as exc:
            raise DatabaseUnavailable(describe_database_error(exc, self.path)) from exc


async def get_db(request: Request) -> AsyncIterator[sqlite3.Connection]:
    """A connection for this request only; always closed when the request ends.

    Opening a connection reads nothing yet (the schema is read by the first query, in the
    route's worker thread), so it is done here on the event loop, saving two thread hops
    per request.
    """
    database: Database = request.app.state.database
    if not database.ready:
        await run_in_threadpool(database.ensure_ready)
    conn = database.open()
    try:
        yield conn
    finally:
        conn.close()


DB = Annotated[sqlite3.Connection, Depends(get_db)]


@contextmanager
def write_transaction(conn: sqlite3.Connection, lock: AbstractContextManager | None = None) -> Iterator[None]:
    """One transaction holding SQLite's write lock from the start; `lock` queues this process's writers."""
    with lock or nullcontext():
        # FULL: a commit is on disk before the client hears 201, even if the power fails.
        conn.execute("pragma synchronous = full")
        conn.execute("begin immediate")
        try:
            yield
        except BaseException:
            conn.execute("rollback")
            raise
        conn.execute("commit")


# ---------------------------------------------------------------------------
# Models
# ---------------------------------------------------------------------------


def check_text(value: str) -> str:
    value = value.strip()
    if not value:
        raise ValueError("must not be empty")
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("must be valid Unicode text (it contains a lone surrogate)") from None
    return value


def check_search(value: str | None) -> str | None:
    if value is not None:
        if "\x00" in value:
            raise ValueError("must not contain NUL characters")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError("must be valid Unicode text (it contains a lone surrogate)") from None
    return value


ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def check_date(value: str) -> str:
    try:
        if not ISO_DATE.fullmatch(value):
            raise ValueError
        date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"must be a real calendar date in the form YYYY-MM-DD, got {value!r}") from None
    return value


def check_cents(value: float) -> float:
    if round(value, 2) != value:
        raise ValueError(f"must have at most 2 decimal places, got {value!r}")
    return value


def check_month(value: str) -> str:
    if not (len(value) == 7 and value[4] == "-" and value[:4].isascii() and value[:4].isdigit()
            and value[5:] in MONTH_NUMBERS and value[:4] != "0000"):
        raise ValueError(f"must be a month in the form YYYY-MM, got {value!r}")
    return value


MONTH_NUMBERS = {f"{number:02d}" for number in range(1, 13)}

Amount = Annotated[
    float,
    Field(strict=True, gt=0, le=MAX_AMOUNT, allow_inf_nan=False, examples=[12.5]),
    AfterValidator(check_cents),
]
Description = Annotated[
    str,
    AfterValidator(check_text),
    Field(strict=True, min_length=1, max_length=200, examples=["Lunch, with \"friends\""]),
]
RowId = Annotated[int, Field(strict=True, ge=1, le=MAX_ID, examples=[1])]
IsoDate = Annotated[
    str,
    # check_date tells what is wrong in words; a bare pattern error would show a regex.
    Field(strict=True, examples=["2025-03-14"], json_schema_extra={"format": "date"}),
    AfterValidator(check_date),
]
CategoryName = Annotated[
    str,
    AfterValidator(check_text),
    Field(strict=True, min_length=1, max_length=50, examples=["Groceries"]),
]
Month = Annotated[
    str,
    Field(strict=True, examples=["2025-03"], json_schema_extra={"pattern": "^[0-9]{4}-(0[1-9]|1[0-2])$"}),
    AfterValidator(check_month),
]
Color = Annotated[str, Field(strict=True, pattern=r"^#[0-9a-fA-F]{6}$", examples=["#2a9d8f"])]


ExpenseId = Annotated[int, PathParam(ge=1, le=MAX_ID)]
CategoryId = Annotated[int, PathParam(ge=1, le=MAX_ID)]
RecurringId = Annotated[int, PathParam(ge=1, le=MAX_ID)]


SearchQuery = Annotated[Annotated[str, Field(max_length=200)] | None, AfterValidator(check_search), Query(
    description="Search: every word must occur in the description, in any case and with or without "
    "accents (e.g. `cafe` finds Café). Plain text: quotes, * or AND have no special meaning.",
)]


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CategoryCreate(StrictModel):
    name: CategoryName
    color: Color = "#6c757d"


class CategoryResponse(BaseModel):
    id: int
    name: str
    color: str
    created_at: str


class ExpenseCreate(StrictModel):
    amount: Amount
    description: Description
    category_id: RowId
    date: IsoDate


class ExpenseUpdate(StrictModel):
    # Not Optional: a field that is sent must be valid (null is refused); one not sent stays.
    amount: Amount = None  # type: ignore[assignment]
    description: Description = None  # type: ignore[assignment]
    category_id: RowId = None  # type: ignore[assignment]
    date: IsoDate = None  # type: ignore[assignment]


class ExpenseResponse(BaseModel):
    id: int
    amount: float
    description: str
    category_id: int
    category_name: str
    date: str
    created_at: str


class CategorySummary(BaseModel):
    category_name: str
    total: float
    count: int


class Settings(BaseModel):
    currency: str = Field(examples=["EUR"], description="ISO 4217 code of the currency amounts are shown in.")
    week_start: int = Field(examples=[1], description="First day of the week: 1 = Monday … 7 = Sunday.")


class SettingsUpdate(StrictModel):
    currency: Annotated[str, Field(strict=True, pattern=r"^[A-Z]{3}$", examples=["EUR"])] = None  # type: ignore[assignment]
    week_start: Annotated[int, Field(strict=True, ge=1, le=7, examples=[1])] = None  # type: ignore[assignment]


class BudgetSet(StrictModel):
    amount: Amount = Field(description="The monthly limit, in the same currency as the expenses.")


class CategoryBudget(BaseModel):
    category_id: int
    category_name: str
    amount: float


class OverallBudget(BaseModel):
    amount: float


class Budgets(BaseModel):
    overall: float | None = Field(description="The monthly limit of all spending together; null when none is set.")
    categories: list[CategoryBudget] = Field(description="Each category's monthly limit, by category name.")


class BudgetStatus(BaseModel):
    limit: float
    spent: float
    remaining: float = Field(description="limit − spent; negative when over the budget.")
    percent: float = Field(description="spent ÷ limit × 100, to one decimal.")


class CategoryBudgetStatus(BudgetStatus):
    category_id: int
    category_name: str


class MonthlySummary(BaseModel):
    month: str
    total: float
    count: int
    by_category: list[CategorySummary]
    # Present only when set, so that a summary without budgets stays what it always was.
    budgets: list[CategoryBudgetStatus] | None = Field(
        None, description="Present when some category has a budget: every such category, spending or not, by name."
    )
    overall_budget: BudgetStatus | None = Field(None, description="Present when an overall budget is set.")


Frequency = Literal["daily", "weekly", "monthly", "yearly"]
Interval = Annotated[int, Field(strict=True, ge=1, le=1000, description="Every how many days, weeks, months or years.")]
DayOfMonth = Annotated[int, Field(
    strict=True, ge=1, le=31,
    description="Monthly only (default: the start date's day); 29–31 mean the last day in shorter months.",
)]


class RecurringCreate(StrictModel):
    amount: Amount
    description: Description
    category_id: RowId
    frequency: Frequency
    interval: Interval = 1
    day_of_month: DayOfMonth | None = None
    start_date: IsoDate
    end_date: IsoDate | None = Field(None, description="Last date that may be posted (inclusive); null: no end.")


class RecurringUpdate(StrictModel):
    # As ExpenseUpdate: a field that is sent changes, one not sent stays; end_date and
    # day_of_month may be sent as null to clear them.
    amount: Amount = None  # type: ignore[assignment]
    description: Description = None  # type: ignore[assignment]
    category_id: RowId = None  # type: ignore[assignment]
    frequency: Frequency = None  # type: ignore[assignment]
    interval: Interval = None  # type: ignore[assignment]
    day_of_month: DayOfMonth | None = None
    start_date: IsoDate = None  # type: ignore[assignment]
    end_date: IsoDate | None = None


class RecurringResponse(BaseModel):
    id: int
    amount: float
    description: str
    category_id: int
    category_name: str
    frequency: Frequency
    interval: int
    day_of_month: int | None
    start_date: str
    end_date: str | None
    next_date: str | None = Field(description="The next date from today on that is neither posted nor skipped.")
    created_at: str


class OccurrenceDate(StrictModel):
    date: IsoDate


class Occurrence(BaseModel):
    recurring_id: int
    date: str
    status: Literal["posted", "skipped"]
    expense_id: int | None


class UpcomingOccurrence(BaseModel):
    recurring_id: int
    date: str
    amount: float
    description: str
    category_id: int
    category_name: str
    status: Literal["scheduled", "skipped"]


class MonthTotal(BaseModel):
    month: str
    total: float
    count: int


class Count(BaseModel):
    count: int


class Suggestion(BaseModel):
    description: str
    category_id: int
    amount: float


class TrashItem(BaseModel):
    id: int
    amount: float
    description: str
    category_id: int
    category_name: str
    date: str
    created_at: str
    deleted_at: str = Field(description="When it was deleted (UTC).")
    days_left: int = Field(description="Days until it is emptied from the trash for good.")
    reverted_batch_id: int | None = Field(description="Set when it left with the revert of that import batch.")


class Backup(BaseModel):
    name: str = Field(examples=["expenses-2026-11-25.db"])
    kind: Literal["daily", "manual", "before-restore", "damaged"]
    day: str
    created_at: str
    size: int


class BackupList(BaseModel):
    folder: str
    backups: list[Backup]


class RestoreRequest(StrictModel):
    name: Annotated[str, Field(strict=True, min_length=1, max_length=300, examples=["expenses-2026-11-24.db"])]


class RestoreResult(BaseModel):
    restored: str
    safety_backup: str | None = Field(description="The backup of what was there before the restore.")


ProfileName = Annotated[str, AfterValidator(check_text), Field(strict=True, min_length=1, max_length=100)]


class CategoryChoice(StrictModel):
    id: RowId | None = Field(None, description="Put these rows in this existing category.")
    new: CategoryName | None = Field(None, description="Or make a new category of this name for them.")


class ImportOptions(StrictModel):
    """How to read the file and which rows to take; every field is optional."""

    mapping: dict[str, Any] | None = Field(None, description="Columns and formats, as in a preview's `mapping`; default: the saved profile for this header, else a guess.")
    profile: ProfileName | None = Field(None, description="Use this saved profile's mapping.")
    save_profile: ProfileName | None = Field(None, description="Save the mapping under this name (default: the profile used, else the file's name).")
    default_category_id: RowId | None = Field(None, description="The category of rows that have none.")
    category_map: dict[str, CategoryChoice] = Field(default_factory=dict, description="The file's category names that don't exist yet -> an existing or a new category.")
    include_lines: list[Annotated[int, Field(strict=True, ge=1, le=MAX_ID)]] = Field(default_factory=list, max_length=1_000_000, description="Flagged rows (duplicates, money in) to import anyway, by line.")
    skip_lines: list[Annotated[int, Field(strict=True, ge=1, le=MAX_ID)]] = Field(default_factory=list, max_length=1_000_000, description="Rows to leave out, by line.")


class ImportMatch(BaseModel):
    id: int | None = Field(description="The existing expense it looks like, if any.")
    line: int | None = Field(description="Or the earlier line of the same file it repeats.")
    date: str
    amount: float
    description: str


class ImportRow(BaseModel):
    line: int
    date: str | None
    amount: float | None
    description: str
    category: str | None = Field(description="The category named in the file, if mapped.")
    category_id: int | None
    status: Literal["ready", "duplicate", "income", "problem"]
    reason: str | None = Field(description="Why the row is flagged, in words.")
    match: ImportMatch | None
    selected: bool = Field(description="Whether it would be imported with these options.")


class ImportCounts(BaseModel):
    rows: int
    ready: int
    duplicate: int
    income: int
    problem: int
    selected: int


class ImportPreview(BaseModel):
    file_name: str
    kind: str
    encoding: str
    delimiter: str | None
    has_header: bool
    columns: list[str]
    mapping: dict[str, Any]
    date_formats: list[str] = Field(description="Every date format that fits all rows; more than one means the user should choose.")
    profile: str | None = Field(description="The saved profile whose mapping was used.")
    unknown_categories: list[str]
    needs_default_category: bool
    counts: ImportCounts
    rows: list[ImportRow] = Field(description="The first rows, then every flagged row.")
    all_rows_listed: bool


class ImportBatch(BaseModel):
    id: int
    file_name: str
    imported_at: str
    profile: str | None
    rows_in_file: int
    imported: int
    skipped: int
    status: Literal["imported", "reverted"]
    reverted_at: str | None


class ImportProfile(BaseModel):
    name: str
    mapping: dict[str, Any]
    updated_at: str


class Health(BaseModel):
    status: str
    database: str


class ErrorBody(BaseModel):
    detail: str


# ---------------------------------------------------------------------------
# Errors: every one is {"detail": "<one sentence>"}
# ---------------------------------------------------------------------------

LOCATION_NAMES = {
    "body": "field",
    "query": "query parameter",
    "path": "path parameter",
    "header": "header",
    "cookie": "cookie",
}


def describe_validation_error(errors: list[dict[str, Any]]) -> str:
    """Turn Pydantic's list of errors into one sentence about the first one."""
    if not errors:
        return "The request is invalid."
    error = errors[0]
    location = [str(part) for part in error.get("loc", ())]
    kind = error.get("type", "")
    source = location[0] if location else "body"
    field = ".".join(location[1:])
    message = str(error.get("msg", "is invalid"))
    if message.startswith("Value error, "):
        message = message[len("Value error, "):]
    elif message:
        message = message[0].lower() + message[1:]
    more = len(errors) - 1
    suffix = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
    if kind == "json_invalid":
        reason = (error.get("ctx") or {}).get("error", "syntax error")
        return f"The request body is not valid JSON ({reason})."
    if source == "body" and not field:
        if kind == "missing":
            return "The request needs a JSON object body."
        return f"The request body must be a JSON object ({message}){suffix}."
    where = LOCATION_NAMES.get(source, source)
    if kind == "missing":
        return f"The {where} '{field}' is required{suffix}."
    if kind == "extra_forbidden":
        return f"The {where} '{field}' is not allowed: unknown field{suffix}."
    return f"Invalid {where} '{field}': {message}{suffix}."


STATUS_SENTENCES = {
    404: "Not found: no such resource at {path}.",
    405: "Method {method} is not allowed on {path}.",
    400: "The request body could not be read as JSON: it is not UTF-8 text or is nested too deeply.",
}
FRAMEWORK_DETAILS = ("Not Found", "Method Not Allowed", "There was an error parsing the body")


def error_response(status_code: int, detail: str, headers: dict | None = None) -> JSONResponse:
    return JSONResponse({"detail": detail}, status_code=status_code, headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        return error_response(422, describe_validation_error(list(exc.errors())))

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        detail = exc.detail
        template = STATUS_SENTENCES.get(exc.status_code)
        if template and detail in FRAMEWORK_DETAILS:
            detail = template.format(path=request.url.path, method=request.method)
        return error_response(exc.status_code, str(detail), getattr(exc, "headers", None))

    @app.exception_handler(AppError)
    async def app_error(request: Request, exc: AppError) -> JSONResponse:
        return error_response(exc.status, str(exc))

    @app.exception_handler(DatabaseUnavailable)
    async def database_unavailable(request: Request, exc: DatabaseUnavailable) -> JSONResponse:
        return error_response(503, str(exc))

    @app.exception_handler(sqlite3.Error)
    async def database_error(request: Request, exc: sqlite3.Error) -> JSONResponse:
        path = request.app.state.database.path
        log.warning("database error on %s %s: %s", request.method, request.url.path, exc)
        return error_response(503, describe_database_error(exc, path))

    @app.exception_handler(Exception)
    async def unexpected_error(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return error_response(500, "Internal error: something unexpected went wrong; see the log.")


class LoopbackHostOnly:
    """Refuse requests whose Host is not an allowed name (DNS-rebinding defence), in JSON.

    Starlette's TrustedHostMiddleware does the checking; this only turns its plain-text
    refusal into the API's error shape.
    """

    _PASSED = "expense_tracker.host_ok"

    def __init__(self, app: ASGIApp, allowed_hosts: list[str]):
        self.app = app
        self.checker = TrustedHostMiddleware(self._mark_passed, allowed_hosts=allowed_hosts, www_redirect=False)

    async def _mark_passed(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope[self._PASSED] = True
        await self.app(scope, receive, send)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.checker(scope, receive, send)
            return

        async def send_json_refusal(message: Message) -> None:
            if scope.get(self._PASSED):
                await send(message)
            elif message["type"] == "http.response.start":
                host = dict(scope["headers"]).get(b"host", b"").decode("latin-1")[:100]
                await error_response(
                    400,
                    f"Invalid Host header {host!r}: this server only answers to "
                    f"{', '.join(LOOPBACK_HOSTS)} (set {HOSTS_ENV} to allow other names).",
                )(scope, receive, send)

        await self.checker(scope, receive, send_json_refusal)


class JsonCORSMiddleware(CORSMiddleware):
    """Starlette's CORS, with refused preflights in the API's error shape (it answers in plain text)."""

    def preflight_response(self, request_headers):
        response = super().preflight_response(request_headers)
        if response.status_code != 400:
            return response
        refused = response.body.decode().removeprefix("Disallowed CORS ")
        headers = {k: v for k, v in response.headers.items() if k.lower() not in ("content-length", "content-type")}
        return error_response(400, f"The CORS preflight was refused: its {refused} is not allowed.", headers)


class BodyLimit:
    """Refuse request bodies over `limit` bytes with 413, in the API's error shape.

    A declared Content-Length over the limit is refused before anything is read; a chunked
    body is cut off as soon as it passes the limit, so memory never holds more than that.
    (Starlette's own limiter answers in plain text.)
    """

    def __init__(self, app: ASGIApp, limit: int, upload_limit: int = 0, upload_paths: tuple[str, ...] = ()):
        self.app = app
        self.limit = limit
        self.upload_limit = upload_limit
        self.upload_paths = upload_paths

    @staticmethod
    def too_large(limit: int) -> HTTPException:
        size = f"{limit // 1024 // 1024} MB" if limit >= 1024 * 1024 * 2 else f"{limit // 1024} KB"
        return HTTPException(413, f"The request body is too large: at most {size} is accepted.")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.upload_limit if scope["path"] in self.upload_paths else self.limit
        declared = dict(scope["headers"]).get(b"content-length", b"0")
        if not declared.isdigit() or int(declared) > limit:
            exc = self.too_large(limit)
            await error_response(exc.status_code, exc.detail)(scope, receive, send)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise self.too_large(limit)
            return message

        await self.app(scope, limited_receive, send)


def env_list(name: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, "").split(",") if item.strip()]


# ---------------------------------------------------------------------------
# Queries
# ---------------------------------------------------------------------------

SORT_COLUMNS = {"date": "e.date", "amount": "e.amount", "created_at": "e.created_at"}
ORDERS = {"asc": "asc", "desc": "desc"}

EXPENSE_SELECT = """select e.id, e.amount, e.description, e.category_id,
    coalesce(c.name, '') as category_name, e.date, e.created_at
from expenses e left join categories c on c.id = e.category_id"""


class AppError(Exception):
    """A request that cannot be done, with a sentence for the user; `status` is the HTTP status."""

    status = 400


class NotFound(AppError):
    status = 404


class Conflict(AppError):
    status = 409


class InvalidInput(AppError):
    status = 422


def fetch_expense(conn: sqlite3.Connection, expense_id: int) -> dict | None:
    row = conn.execute(f"{EXPENSE_SELECT} where e.id = ?", (expense_id,)).fetchone()
    return dict(row) if row else None


def require_category(conn: sqlite3.Connection, category_id: int) -> None:
    if conn.execute("select 1 from categories where id = ?", (category_id,)).fetchone() is None:
        raise AppError(f"Unknown category_id {category_id}: no such category.")


def filter_clause(
    date_from: str | None, date_to: str | None, category_id: int | None
) -> tuple[list[str], list[Any]]:
    if date_from and date_to and date_from > date_to:
        raise InvalidInput(f"Invalid query parameter 'date_from': {date_from} is after date_to {date_to}.")
    conditions: list[str] = []
    params: list[Any] = []
    if date_from is not None:
        conditions.append("e.date >= ?")
        params.append(date_from)
    if date_to is not None:
        conditions.append("e.date <= ?")
        params.append(date_to)
    if category_id is not None:
        conditions.append("e.category_id = ?")
        params.append(category_id)
    return conditions, params


def cents_to_amount(cents: int | float) -> float:
    return round(cents) / 100


# Keyset cursor: the sort key and id of the last row of a page, so the next page starts right
# after it through the index, at any depth, without counting the rows before it.

def encode_cursor(sort: str, order: str, value: Any, row_id: int) -> str:
    raw = json.dumps([sort, order, value, row_id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(token: str, sort: str, order: str) -> tuple[Any, int]:
    invalid = InvalidInput(
        "Invalid query parameter 'cursor': use the X-Next-Cursor value of the previous page "
        "with the same sort and order."
    )
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        c_sort, c_order, value, row_id = json.loads(raw)
    except (ValueError, TypeError, binascii.Error):
        raise invalid from None
    if sort == "amount":
        # Bounded before anything converts it: a huge integer would overflow SQLite's binding.
        value_ok = isinstance(value, (int, float)) and not isinstance(value, bool) and abs(value) <= MAX_AMOUNT
    else:  # dates and timestamps are short ASCII text
        value_ok = isinstance(value, str) and len(value) <= 40 and value.isascii()
    id_ok = isinstance(row_id, int) and not isinstance(row_id, bool) and 0 <= row_id <= MAX_ID
    if (c_sort, c_order) != (sort, order) or not value_ok or not id_ok:
        raise invalid
    return value, row_id


def csv_neutralised(column: str) -> str:
    """SQL for a text column whose cells cannot start a spreadsheet formula."""
    return (
        f"case when substr({column}, 1, 1) in ('=', '+', '-', '@', char(9), char(13)) "
        f"then '''' || {column} else {column} end"
    )


EXPORT_HEADER = "id,amount,description,category,date\r\n"
EXPORT_SELECT = f"""select e.id, e.amount, {csv_neutralised('e.description')},
    {csv_neutralised("coalesce(c.name, '')")}, e.date
from expenses e left join categories c on c.id = e.category_id"""


# ---------------------------------------------------------------------------
# What the API and the command line do, as functions of a connection
# ---------------------------------------------------------------------------

CATEGORY_SELECT = "select id, name, color, created_at from categories"


def list_categories(conn: sqlite3.Connection) -> list[dict]:
    return [dict(row) for row in conn.execute(f"{CATEGORY_SELECT} order by name collate nocase, name")]


def create_category(conn: sqlite3.Connection, category: CategoryCreate, lock: AbstractContextManager | None = None) -> dict:
    with write_transaction(conn, lock):
        taken = conn.execute(
            "select 1 from categories where name = ? collate nocase", (category.name,)
        ).fetchone()
        if taken:
            raise Conflict("Category already exists")
        row_id = conn.execute(
            "insert into categories (name, color) values (?, ?)", (category.name, category.color)
        ).lastrowid
        return dict(conn.execute(f"{CATEGORY_SELECT} where id = ?", (row_id,)).fetchone())


def delete_category(conn: sqlite3.Connection, category_id: int, lock: AbstractContextManager | None = None) -> None:
    with write_transaction(conn, lock):
        if conn.execute("select 1 from categories where id = ?", (category_id,)).fetchone() is None:
            raise NotFound(f"Category {category_id} not found.")
        in_use = conn.execute(
            "select 1 from expenses where category_id = ? limit 1", (category_id,)
        ).fetchone()
        if in_use:
            raise AppError("Cannot delete category with existing expenses")
        if conn.execute("select 1 from recurring where category_id = ? limit 1", (category_id,)).fetchone():
            raise AppError("Cannot delete category used by recurring expenses")
        conn.execute("delete from budgets where category_id = ?", (category_id,))
        conn.execute("delete from monthly_totals where category_id = ?", (category_id,))
        conn.execute("delete from categories where id = ?", (category_id,))


def find_category_id(conn: sqlite3.Connection, name_or_id: str) -> int:
    """A category named by its name (any case) or its id, for people typing commands."""
    row = conn.execute("select id from categories where name = ? collate nocase", (name_or_id,)).fetchone()
    if row is None and name_or_id.isdigit():
        row = conn.execute("select id from categories where id = ?", (int(name_or_id),)).fetchone()
    if row is None:
        names = ", ".join(c["name"] for c in list_categories(conn)) or "none yet"
        raise NotFound(f"No category {name_or_id!r}; the categories are: {names}.")
    return row[0]


def get_expense(conn: sqlite3.Connection, expense_id: int) -> dict:
    expense = fetch_expense(conn, expense_id)
    if expense is None:
        raise NotFound(f"Expense {expense_id} not found.")
    return expense


def create_expense(conn: sqlite3.Connection, expense: ExpenseCreate, lock: AbstractContextManager | None = None) -> dict:
    with write_transaction(conn, lock):
        require_category(conn, expense.category_id)
        row_id = conn.execute(
            "insert into expenses (amount, description, category_id, date) values (?, ?, ?, ?)",
            (expense.amount, expense.description, expense.category_id, expense.date),
        ).lastrowid
        return fetch_expense(conn, row_id)


def update_expense(
    conn: sqlite3.Connection, expense_id: int, changes: ExpenseUpdate, lock: AbstractContextManager | None = None
) -> dict:
    fields = {name: getattr(changes, name) for name in ExpenseUpdate.model_fields if name in changes.model_fields_set}
    with write_transaction(conn, lock):
        if conn.execute("select 1 from expenses where id = ?", (expense_id,)).fetchone() is None:
            raise NotFound(f"Expense {expense_id} not found.")
        if "category_id" in fields:
            require_category(conn, fields["category_id"])
        if fields:
            # Column names come from the model's fixed field list, never from the request.
            assignments = ", ".join(f"{name} = ?" for name in fields)
            conn.execute(f"update expenses set {assignments} where id = ?", [*fields.values(), expense_id])
        return fetch_expense(conn, expense_id)


TRASH_DAYS = 30

MOVE_TO_TRASH = """insert or replace into deleted_expenses
    (id, amount, description, category_id, category_name, category_color, date, created_at,
     import_batch_id, reverted_batch_id)
select e.id, e.amount, e.description, e.category_id, coalesce(c.name, ''), coalesce(c.color, '#6c757d'),
    e.date, e.created_at, e.import_batch_id, ?
from expenses e left join categories c on c.id = e.category_id"""


def delete_expense(conn: sqlite3.Connection, expense_id: int, lock: AbstractContextManager | None = None) -> None:
    """Move the expense to the trash, from which `restore_expense` brings it back with its id."""
    with write_transaction(conn, lock):
        conn.execute(f"{MOVE_TO_TRASH} where e.id = ?", (None, expense_id))
        deleted = conn.execute("delete from expenses where id = ?", (expense_id,)).rowcount
    if not deleted:
        raise NotFound(f"Expense {expense_id} not found.")


TRASH_SELECT = f"""select id, amount, description, category_id, category_name, date, created_at, deleted_at,
    reverted_batch_id,
    {TRASH_DAYS} - cast(julianday('now') - julianday(deleted_at) as integer) as days_left
from deleted_expenses"""
TRASH_KEPT = f"deleted_at >= datetime('now', '-{TRASH_DAYS} days')"


def list_trash(conn: sqlite3.Connection, limit: int = 50, offset: int = 0) -> list[dict]:
    rows = conn.execute(
        f"{TRASH_SELECT} where {TRASH_KEPT} order by deleted_at desc, id desc limit ? offset ?",
        (limit, offset),
    )
    return [dict(row) for row in rows]


def count_trash(conn: sqlite3.Connection) -> int:
    return conn.execute(f"select count(*) from deleted_expenses where {TRASH_KEPT}").fetchone()[0]


def category_for_restore(conn: sqlite3.Connection, trashed: sqlite3.Row) -> int:
    """The expense's category, or one of the same name, or the category made again."""
    if conn.execute("select 1 from categories where id = ?", (trashed["category_id"],)).fetchone():
        return trashed["category_id"]
    name = trashed["category_name"] or "Restored"
    row = conn.execute("select id from categories where name = ? collate nocase", (name,)).fetchone()
    if row:
        return row[0]
    return conn.execute(
        "insert into categories (name, color) values (?, ?)", (name, trashed["category_color"])
    ).lastrowid


def restore_rows(conn: sqlite3.Connection, where: str, params: tuple) -> list[int]:
    """Put trashed rows back with their own ids; call inside a write transaction."""
    restored = []
    for trashed in conn.execute(f"select * from deleted_expenses where {where}", params).fetchall():
        if conn.execute("select 1 from expenses where id = ?", (trashed["id"],)).fetchone():
            raise Conflict(f"Expense {trashed['id']} already exists, so it cannot be restored over it.")
        conn.execute(
            """insert into expenses (id, amount, description, category_id, date, created_at, import_batch_id)
            values (?, ?, ?, ?, ?, ?, ?)""",
            (trashed["id"], trashed["amount"], trashed["description"], category_for_restore(conn, trashed),
             trashed["date"], trashed["created_at"], trashed["import_batch_id"]),
        )
        conn.execute("delete from deleted_expenses where id = ?", (trashed["id"],))
        restored.append(trashed["id"])
    return restored


def restore_expense(conn: sqlite3.Connection, expense_id: int, lock: AbstractContextManager | None = None) -> dict:
    with write_transaction(conn, lock):
        if not restore_rows(conn, f"id = ? and {TRASH_KEPT}", (expense_id,)):
            raise NotFound(f"Expense {expense_id} is not in the trash.")
        return fetch_expense(conn, expense_id)


def purge_trash(conn: sqlite3.Connection, lock: AbstractContextManager | None = None, everything: bool = False) -> int:
    """Empty the trash of items older than TRASH_DAYS (or of everything); returns how many went."""
    with write_transaction(conn, lock):
        where = "" if everything else f"where not ({TRASH_KEPT})"
        return conn.execute(f"delete from deleted_expenses {where}").rowcount


def delete_from_trash(conn: sqlite3.Connection, expense_id: int, lock: AbstractContextManager | None = None) -> None:
    with write_transaction(conn, lock):
        if not conn.execute("delete from deleted_expenses where id = ?", (expense_id,)).rowcount:
            raise NotFound(f"Expense {expense_id} is not in the trash.")

# Search: every whitespace-separated term of q must occur in the description, ignoring case and
# accents. Terms are folded by the same SQL as the descriptions (fold_sql), so that both sides
# always agree. A term of 3 or more characters is looked up in the trigram index. A shorter
# term has no trigram to look up (the trigram tokenizer cannot match fewer than 3 characters),
# so it is found with instr() over the folded texts: correct, and fast when the term is common,
# but a rare 1- or 2-character term means reading every folded text once. The user's text only
# ever reaches FTS5 inside a quoted string, so quotes, *, AND, NEAR( and the like are plain text.
SEARCH_PROBE_ROWS = 1000
# Rough costs per row, in microseconds, measured on a 1M-row file: testing a row's folded text
# while reading rows in the caller's order (walk); fetching a match by id to filter and sort it
# (drive); collecting a match from the index, and testing a row read in the caller's order
# against that collection (member).
SEARCH_WALK_COST = 2.0
SEARCH_DRIVE_COST = 1.5
SEARCH_COLLECT_COST = 0.4
SEARCH_MEMBER_COST = 0.5


@dataclass
class SearchPlan:
    """How to find the rows of a search: `conditions` on `expenses e`, and `count_sql`, which
    counts the matches among all expenses (for a count with no other filter)."""

    conditions: list[str] = field(default_factory=list)
    params: list[Any] = field(default_factory=list)
    count_sql: str = ""
    count_params: list[Any] = field(default_factory=list)


def search_terms(conn: sqlite3.Connection, q: str | None) -> list[str]:
    """The folded terms of q, each once; none for an empty or blank q."""
    if q is None or not q.strip():
        return []
    try:
        check_search(q)
    except ValueError as exc:
        raise InvalidInput(f"Invalid query parameter 'q': {exc}.") from None
    folded = conn.execute(f"select {fold_sql('x')} from (select ? as x)", (q,)).fetchone()[0]
    return list(dict.fromkeys(folded.split()))


def fts_phrases(terms: list[str]) -> str:
    """An FTS5 query that is each term as a quoted string (all of them must match)."""
    return " ".join('"' + term.replace('"', '""') + '"' for term in terms)


def contains_all(alias: str, terms: list[str]) -> str:
    return " and ".join(f"instr({alias}.text, ?) > 0" for _ in terms)


def plan_search(conn: sqlite3.Connection, q: str | None, wanted: int | None, filtered_rows: Any) -> SearchPlan:
    """Plan the search q by how many rows match it.

    `wanted`: how many matching rows the caller reads in its order (None: all of them);
    `filtered_rows()`: how many rows the caller's other filters let through.
    """
    terms = search_terms(conn, q)
    if not terms:
        return SearchPlan()
    long_terms = [term for term in terms if len(term) >= 3]
    short_terms = [term for term in terms if len(term) < 3]
    text_check = (
        [f"exists (select 1 from expense_search_text t where t.id = e.id and {contains_all('t', short_terms)})"]
        if short_terms else []
    )
    walk = SearchPlan(
        [f"exists (select 1 from expense_search_text t where t.id = e.id and {contains_all('t', terms)})"], terms
    )
    if not long_terms:
        walk.count_sql = f"select count(*) from expense_search_text t where {contains_all('t', terms)}"
        walk.count_params = terms
        probe = [row[0] for row in conn.execute(
            f"select id from expense_search_text t where {contains_all('t', terms)} order by id limit ?",
            [*terms, SEARCH_PROBE_ROWS + 1],
        )]
        if len(probe) <= SEARCH_PROBE_ROWS:  # few matches: read exactly those rows
            ids = json.dumps(probe)
            return SearchPlan(["e.id in (select value from json_each(?))"], [ids], "select json_array_length(?)", [ids])
        found, last = len(probe), probe[-1]
    else:
        match = fts_phrases(long_terms)
        matching = "select rowid from expense_search where expense_search match ?"
        if short_terms:
            count_sql = (f"select count(*) from expense_search s join expense_search_text t on t.id = s.rowid "
                         f"where s.expense_search match ? and {contains_all('t', short_terms)}")
        else:
            count_sql = "select count(*) from expense_search where expense_search match ?"
        count_params = [match, *short_terms]
        walk.count_sql, walk.count_params = count_sql, count_params
        found, last = conn.execute(
            f"select count(*), max(rowid) from ({matching} limit ?)", (match, SEARCH_PROBE_ROWS + 1)
        ).fetchone()
        driven = SearchPlan([f"e.id in ({matching})", *text_check], [match, *short_terms], count_sql, count_params)
        if found <= SEARCH_PROBE_ROWS:  # few matches: read exactly those rows
            return driven
    # Many matches. Estimate how many from how far into the ids the probe had to read, and how
    # many rows a walk in the caller's order would test before it has what it wants.
    # (Two subqueries: SQLite looks min() and max() up in the index only when each is alone.)
    low, high = conn.execute("select (select min(id) from expenses), (select max(id) from expenses)").fetchone()
    density = found / max(1, last - low + 1)
    matches = density * (high - low + 1)
    visits = filtered_rows()
    if wanted is not None:
        visits = min(visits, wanted / density)
    costs = {"walk": visits * SEARCH_WALK_COST}
    if long_terms:
        costs["drive"] = matches * SEARCH_DRIVE_COST
        costs["member"] = matches * SEARCH_COLLECT_COST + visits * SEARCH_MEMBER_COST
    best = min(costs, key=costs.__getitem__)
    if best == "drive":
        return driven
    if best == "member":
        # The unary + keeps SQLite from reading rows by these ids: it collects the matches
        # once, then tests each row it reads in the caller's order against them.
        return SearchPlan([f"+e.id in ({matching})", *text_check], [match, *short_terms], count_sql, count_params)
    return walk


def list_expenses(
    conn: sqlite3.Connection,
    *,
    date_from: str | None = None,
    date_to: str | None = None,
    category_id: int | None = None,
    sort: str = "date",
    order: str = "desc",
    limit: int = 50,
    offset: int = 0,
    cursor: str | None = None,
    q: str | None = None,
) -> tuple[list[dict], str | None]:
    """One page of expenses and the cursor of the next page (None on the last page).

    q: search text; every word of it must occur in the description (any case, any accents).
    """
    if cursor is not None and offset:
        raise InvalidInput("Invalid query parameter 'cursor': use either cursor or offset, not both.")
    conditions, params = filter_clause(date_from, date_to, category_id)
    column, direction = SORT_COLUMNS[sort], ORDERS[order]
    if cursor is not None:
        value, last_id = decode_cursor(cursor, sort, order)
    search = plan_search(conn, q, offset + limit + 1, lambda: count_expenses(conn, date_from, date_to, category_id))
    conditions += search.conditions
    params += search.params
    if cursor is not None:
        compare = "<" if order == "desc" else ">"
        conditions.append(f"({column}, e.id) {compare} (?, ?)")
        params += [value, last_id]
    where = f"where {' and '.join(conditions)}" if conditions else ""
    ordering = f"order by {column} {direction}, e.id {direction}"
    # The page's ids come from an index alone; only those rows are then read and joined.
    rows = conn.execute(
        f"""{EXPENSE_SELECT} where e.id in (
            select e.id from expenses e {where} {ordering} limit ? offset ?
        ) {ordering}""",
        [*params, limit + 1, offset],
    ).fetchall()
    page = [dict(row) for row in rows[:limit]]
    next_cursor = None
    if len(rows) > limit:
        last = page[-1]
        next_cursor = encode_cursor(sort, order, last[sort], last["id"])
    return page, next_cursor


OVERALL_BUDGET_KEY = "overall_budget_cents"
# (A value another program stored that is not a positive number of cents counts as no budget.)
OVERALL_BUDGET_SELECT = """select null, null, null, null, cast(value as integer) from settings
        where key = ? and cast(value as integer) > 0"""


def to_cents(amount: float) -> int:
    return round(amount * 100)


def budget_status(limit_cents: int, spent_cents: int) -> dict:
    return {
        "limit": cents_to_amount(limit_cents),
        "spent": cents_to_amount(spent_cents),
        "remaining": cents_to_amount(limit_cents - spent_cents),
        # Tenths of a percent in integers, rounded half up: 60.15 is 60.2, as a person rounds it.
        "percent": (spent_cents * 2000 + limit_cents) // (2 * limit_cents) / 10,
    }


def month_summary(conn: sqlite3.Connection, month: str) -> dict:
    """A month's total, count and totals by category; with `budgets` (each category that has
    one, spending or not) and `overall_budget` only when such budgets are set."""
    # One statement: on the new connection every request has, each statement costs a parse.
    rows = conn.execute(
        f"""select c.id as category_id, c.name, coalesce(t.total_cents, 0) as total_cents,
            coalesce(t.count, 0) as count, b.amount_cents
        from categories c
        left join monthly_totals t on t.month = ? and t.category_id = c.id
        left join budgets b on b.category_id = c.id
        where t.count > 0 or b.amount_cents is not null
        union all
        {OVERALL_BUDGET_SELECT}""",
        (month, OVERALL_BUDGET_KEY),
    ).fetchall()
    spent = sorted((r for r in rows if r["count"]), key=lambda r: (-r["total_cents"], r["name"]))
    total_cents = sum(r["total_cents"] for r in spent)
    summary: dict[str, Any] = {
        "month": month,
        "total": cents_to_amount(total_cents),
        "count": sum(r["count"] for r in spent),
        "by_category": [
            {"category_name": r["name"], "total": cents_to_amount(r["total_cents"]), "count": r["count"]} for r in spent
        ],
    }
    # By name as SQLite's "collate nocase, name" orders them: ASCII letters folded, then exact.
    budgeted = sorted(
        (r for r in rows if r["category_id"] is not None and r["amount_cents"] is not None),
        key=lambda r: (r["name"].encode("utf-8", "surrogatepass").lower(), r["name"]),
    )
    if budgeted:
        summary["budgets"] = [
            {"category_id": r["category_id"], "category_name": r["name"],
             **budget_status(r["amount_cents"], r["total_cents"])}
            for r in budgeted
        ]
    for r in rows:
        if r["category_id"] is None:
            summary["overall_budget"] = budget_status(r["amount_cents"], total_cents)
    return summary


# ---------------------------------------------------------------------------
# Budgets: a monthly limit per category, and one for all spending together
# ---------------------------------------------------------------------------


def overall_budget_cents(conn: sqlite3.Connection) -> int | None:
    row = conn.execute(OVERALL_BUDGET_SELECT, (OVERALL_BUDGET_KEY,)).fetchone()
    return row[4] if row else None


def list_budgets(conn: sqlite3.Connection) -> dict:
    overall = overall_budget_cents(conn)
    rows = conn.execute(
        """select b.category_id, c.name as category_name, b.amount_cents
        from budgets b join categories c on c.id = b.category_id
        order by c.name collate nocase, c.name"""
    )
    return {
        "overall": cents_to_amount(overall) if overall is not None else None,
        "categories": [
            {"category_id": r["category_id"], "category_name": r["category_name"], "amount": cents_to_amount(r["amount_cents"])}
            for r in rows
        ],
    }


def set_budget(
    conn: sqlite3.Connection, category_id: int | None, budget: BudgetSet, lock: AbstractContextManager | None = None
) -> dict:
    """Set or change the monthly budget of a category, or the overall one (category_id None)."""
    cents = to_cents(budget.amount)
    with write_transaction(conn, lock):
        if category_id is None:
            conn.execute(
                "insert into settings (key, value) values (?, ?) on conflict (key) do update set value = excluded.value",
                (OVERALL_BUDGET_KEY, str(cents)),
            )
            return {"amount": cents_to_amount(cents)}
        row = conn.execute("select name from categories where id = ?", (category_id,)).fetchone()
        if row is None:
            raise NotFound(f"Category {category_id} not found.")
        conn.execute(
            "insert into budgets (category_id, amount_cents) values (?, ?) "
            "on conflict (category_id) do update set amount_cents = excluded.amount_cents",
            (category_id, cents),
        )
        return {"category_id": category_id, "category_name": row["name"], "amount": cents_to_amount(cents)}


def delete_budget(conn: sqlite3.Connection, category_id: int | None, lock: AbstractContextManager | None = None) -> None:
    """Clear the budget of a category, or the overall one (category_id None)."""
    with write_transaction(conn, lock):
        if category_id is None:
            if not conn.execute("delete from settings where key = ?", (OVERALL_BUDGET_KEY,)).rowcount:
                raise NotFound("No overall budget is set.")
            return
        if conn.execute("select 1 from categories where id = ?", (category_id,)).fetchone() is None:
            raise NotFound(f"Category {category_id} not found.")
        if not conn.execute("delete from budgets where category_id = ?", (category_id,)).rowcount:
            raise NotFound(f"Category {category_id} has no budget.")


# ---------------------------------------------------------------------------
# Recurring expenses: templates, their schedules, and posting what is due
# ---------------------------------------------------------------------------

# How many past dates a new or changed template may post at once: a start date typed with the
# wrong year should be a clear refusal, not thousands of expenses.
MAX_CATCH_UP = 1000
UPCOMING_DAYS_MAX = 366
SCHEDULE_FIELDS = ("frequency", "interval", "day_of_month", "start_date", "end_date")
RECURRING_SELECT = """select r.id, r.amount, r.description, r.category_id, coalesce(c.name, '') as category_name,
    r.frequency, r.interval, r.day_of_month, r.start_date, r.end_date, r.posted_through, r.created_at
from recurring r left join categories c on c.id = r.category_id"""


def schedule_dates(rule: Any, first: date, last: date) -> Iterator[date]:
    """The dates of a template's schedule from `first` to `last` (inclusive), within its start
    and end dates, in order. A monthly day past the month's end is its last day; so is Feb 29
    of a yearly schedule in a year that has none."""
    start = date.fromisoformat(rule["start_date"])
    first = max(first, start)
    if rule["end_date"]:
        last = min(last, date.fromisoformat(rule["end_date"]))
    if first > last:
        return
    interval = rule["interval"]
    if rule["frequency"] in ("daily", "weekly"):
        step = interval * (7 if rule["frequency"] == "weekly" else 1)
        day = start + timedelta(days=-(-(first - start).days // step) * step)
        while day <= last:
            yield day
            if (date.max - day).days < step:
                return
            day += timedelta(days=step)
        return
    months = interval * (1 if rule["frequency"] == "monthly" else 12)
    day_of_month = rule["day_of_month"] if rule["frequency"] == "monthly" else start.day
    base = start.year * 12 + start.month - 1
    number = max(0, (first.year * 12 + first.month - 1 - base) // months)
    while True:
        year, month = divmod(base + number * months, 12)
        if year > 9999:
            return
        day = date(year, month + 1, min(day_of_month, calendar.monthrange(year, month + 1)[1]))
        if day > last:
            return
        if day >= first:
            yield day
        number += 1


def is_scheduled(rule: Any, day: date) -> bool:
    return next(schedule_dates(rule, day, day), None) == day


def recorded_dates(conn: sqlite3.Connection, recurring_id: int, since: str) -> dict[str, str]:
    return {
        row["date"]: row["status"]
        for row in conn.execute(
            "select date, status from recurring_occurrences where recurring_id = ? and date >= ?", (recurring_id, since)
        )
    }


def recurring_response(conn: sqlite3.Connection, row: Any, today: date) -> dict:
    recorded = recorded_dates(conn, row["id"], today.isoformat())
    next_date = next(
        (d.isoformat() for d in schedule_dates(row, today, date.max) if d.isoformat() not in recorded), None
    )
    result = {key: row[key] for key in row.keys() if key != "posted_through"}
    return {**result, "next_date": next_date}


def list_recurring(conn: sqlite3.Connection, today: date | None = None) -> list[dict]:
    today = today or date.today()
    rows = conn.execute(f"{RECURRING_SELECT} order by r.description collate nocase, r.id").fetchall()
    return [recurring_response(conn, row, today) for row in rows]


def fetch_recurring(conn: sqlite3.Connection, recurring_id: int) -> Any:
    row = conn.execute(f"{RECURRING_SELECT} where r.id = ?", (recurring_id,)).fetchone()
    if row is None:
        raise NotFound(f"Recurring expense {recurring_id} not found.")
    return row


def get_recurring(conn: sqlite3.Connection, recurring_id: int, today: date | None = None) -> dict:
    return recurring_response(conn, fetch_recurring(conn, recurring_id), today or date.today())


def check_schedule(rule: dict, today: date, posted_through: str | None) -> None:
    """Refuse, in one sentence, a schedule whose fields do not fit together."""
    if rule["day_of_month"] is not None and rule["frequency"] != "monthly":
        raise InvalidInput("Invalid field 'day_of_month': only a monthly schedule has a day of the month.")
    if rule["end_date"] is not None and rule["end_date"] < rule["start_date"]:
        raise InvalidInput(
            f"Invalid field 'end_date': {rule['end_date']} is before start_date {rule['start_date']}."
        )
    since = date.fromisoformat(posted_through) + timedelta(days=1) if posted_through else date.min
    backlog = sum(1 for _ in zip(range(MAX_CATCH_UP + 1), schedule_dates(rule, since, today)))
    if backlog > MAX_CATCH_UP:
        raise InvalidInput(
            f"Invalid field 'start_date': {rule['start_date']} would post more than {MAX_CATCH_UP} past "
            "expenses at once; choose a later start date."
        )


def create_recurring(
    conn: sqlite3.Connection, rule: RecurringCreate, lock: AbstractContextManager | None = None,
    today: date | None = None,
) -> dict:
    """A new template. Dates already due are posted by the next post_due (the API runs it at once)."""
    today = today or date.today()
    fields = rule.model_dump()
    if fields["frequency"] == "monthly" and fields["day_of_month"] is None:
        fields["day_of_month"] = int(fields["start_date"][8:])
    check_schedule(fields, today, None)
    with write_transaction(conn, lock):
        require_category(conn, rule.category_id)
        # Column names come from the model's fixed field list, never from the request.
        recurring_id = conn.execute(
            f"insert into recurring ({', '.join(fields)}) values ({', '.join('?' for _ in fields)})",
            list(fields.values()),
        ).lastrowid
        return recurring_response(conn, fetch_recurring(conn, recurring_id), today)


def update_recurring(
    conn: sqlite3.Connection, recurring_id: int, changes: RecurringUpdate,
    lock: AbstractContextManager | None = None, today: date | None = None,
) -> dict:
    """Change a template; expenses it already posted stay as they are. A changed schedule
    applies from today on: earlier dates are not posted afterwards."""
    today = today or date.today()
    sent = {name: getattr(changes, name) for name in RecurringUpdate.model_fields if name in changes.model_fields_set}
    with write_transaction(conn, lock):
        current = fetch_recurring(conn, recurring_id)
        merged = {name: current[name] for name in RecurringUpdate.model_fields} | sent
        if merged["frequency"] != "monthly" and "day_of_month" not in sent:
            merged["day_of_month"] = None
        elif merged["frequency"] == "monthly" and merged["day_of_month"] is None:
            merged["day_of_month"] = int(merged["start_date"][8:])
        posted_through = current["posted_through"]
        if posted_through and any(merged[name] != current[name] for name in SCHEDULE_FIELDS):
            posted_through = min(posted_through, (today - timedelta(days=1)).isoformat())
        check_schedule(merged, today, posted_through)
        if "category_id" in sent:
            require_category(conn, merged["category_id"])
        assignments = ", ".join(f"{name} = ?" for name in merged)
        conn.execute(
            f"update recurring set {assignments}, posted_through = ? where id = ?",
            [*merged.values(), posted_through, recurring_id],
        )
        return recurring_response(conn, fetch_recurring(conn, recurring_id), today)


def delete_recurring(conn: sqlite3.Connection, recurring_id: int, lock: AbstractContextManager | None = None) -> None:
    """Delete a template and its bookkeeping; the expenses it posted stay."""
    with write_transaction(conn, lock):
        conn.execute("delete from recurring_occurrences where recurring_id = ?", (recurring_id,))
        if not conn.execute("delete from recurring where id = ?", (recurring_id,)).rowcount:
            raise NotFound(f"Recurring expense {recurring_id} not found.")


def record_posting(conn: sqlite3.Connection, rule: Any, day: str) -> int:
    """Insert the expense of `rule` on `day` and the record that it was posted. The caller's
    transaction holds both, so a crash leaves either both or neither."""
    expense_id = conn.execute(
        "insert into expenses (amount, description, category_id, date) values (?, ?, ?, ?)",
        (rule["amount"], rule["description"], rule["category_id"], day),
    ).lastrowid
    conn.execute(
        "insert into recurring_occurrences (recurring_id, date, status, expense_id) values (?, ?, 'posted', ?) "
        "on conflict (recurring_id, date) do update set status = 'posted', expense_id = excluded.expense_id, "
        "recorded_at = datetime('now')",
        (rule["id"], day, expense_id),
    )
    return expense_id


DUE_TEMPLATES = f"""{RECURRING_SELECT}
where c.id is not null and r.start_date <= ? and (r.posted_through is null
    or (r.posted_through < ? and (r.end_date is null or r.posted_through < r.end_date)))
order by r.id"""


def post_due(conn: sqlite3.Connection, today: date, lock: AbstractContextManager | None = None) -> int:
    """Post every date of every template that is due up to and including `today`; return how
    many expenses were posted.

    Idempotent: a date that was posted or skipped is never posted again (the primary key of
    recurring_occurrences, checked in the same transaction as the insert), whatever the number
    of processes, crashes, or a clock that goes back (templates remember how far they were
    posted, and a date before that is never looked at again).
    """
    day = today.isoformat()
    if conn.execute(f"select exists ({DUE_TEMPLATES})", (day, day)).fetchone()[0] == 0:
        return 0  # nothing due: no write transaction, so the minutely check costs no disk write
    posted = 0
    with write_transaction(conn, lock):
        # Read again inside the write lock: another process may have posted meanwhile.
        for rule in conn.execute(DUE_TEMPLATES, (day, day)).fetchall():
            since = date.fromisoformat(rule["posted_through"]) + timedelta(days=1) if rule["posted_through"] else date.min
            recorded = recorded_dates(conn, rule["id"], since.isoformat())
            for due in schedule_dates(rule, since, today):
                if due.isoformat() not in recorded:
                    record_posting(conn, rule, due.isoformat())
                    posted += 1
            conn.execute("update recurring set posted_through = ? where id = ?", (day, rule["id"]))
    if posted:
        log.info("Posted %d recurring expense%s due by %s", posted, "" if posted == 1 else "s", day)
    return posted


def scheduled_rule(conn: sqlite3.Connection, recurring_id: int, day: str) -> Any:
    rule = fetch_recurring(conn, recurring_id)
    if not is_scheduled(rule, date.fromisoformat(day)):
        raise InvalidInput(f"Invalid field 'date': {day} is not a date of recurring expense {recurring_id}'s schedule.")
    return rule


def occurrence(conn: sqlite3.Connection, recurring_id: int, day: str) -> Any:
    return conn.execute(
        "select recurring_id, date, status, expense_id from recurring_occurrences where recurring_id = ? and date = ?",
        (recurring_id, day),
    ).fetchone()


def skip_occurrence(
    conn: sqlite3.Connection, recurring_id: int, day: str, lock: AbstractContextManager | None = None
) -> dict:
    """Mark one date of a template as skipped, so that it is never posted (skipping twice is fine)."""
    with write_transaction(conn, lock):
        scheduled_rule(conn, recurring_id, day)
        found = occurrence(conn, recurring_id, day)
        if found is not None and found["status"] == "posted":
            raise Conflict(f"Recurring expense {recurring_id} was already posted for {day}; delete that expense instead.")
        if found is None:
            conn.execute(
                "insert into recurring_occurrences (recurring_id, date, status) values (?, ?, 'skipped')",
                (recurring_id, day),
            )
        return dict(occurrence(conn, recurring_id, day))


def post_occurrence(
    conn: sqlite3.Connection, recurring_id: int, day: str, lock: AbstractContextManager | None = None
) -> dict:
    """Post one date of a template now, dated that date; once: a second time is refused. A
    skipped date can be posted this way after all."""
    with write_transaction(conn, lock):
        rule = scheduled_rule(conn, recurring_id, day)
        found = occurrence(conn, recurring_id, day)
        if found is not None and found["status"] == "posted":
            raise Conflict(f"Recurring expense {recurring_id} was already posted for {day}.")
        require_category(conn, rule["category_id"])
        return fetch_expense(conn, record_posting(conn, rule, day))


def upcoming(conn: sqlite3.Connection, today: date, days: int = 30) -> list[dict]:
    """Every template's dates from today to `days` days on that are not posted yet, in date
    order; skipped ones are included with status "skipped"."""
    last = today + timedelta(days=min(days, (date.max - today).days))
    found = []
    for rule in conn.execute(f"{RECURRING_SELECT} order by r.id").fetchall():
        recorded = recorded_dates(conn, rule["id"], today.isoformat())
        for day in schedule_dates(rule, today, last):
            status = recorded.get(day.isoformat(), "scheduled")
            if status != "posted":
                found.append({
                    "recurring_id": rule["id"], "date": day.isoformat(), "amount": rule["amount"],
                    "description": rule["description"], "category_id": rule["category_id"],
                    "category_name": rule["category_name"], "status": status,
                })
    found.sort(key=lambda item: (item["date"], item["recurring_id"]))
    return found


class RecurringPoster:
    """Posts due recurring expenses while the server runs: every `period` seconds and just
    after midnight, on its own thread and connection; stopped by `stop()`."""

    def __init__(self, database: "Database", today: Any = date.today, period: float = 60.0):
        self.database = database
        self.today = today
        self.period = period
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_once(self) -> int:
        try:
            conn = self.database.open()
            try:
                return post_due(conn, self.today(), self.database.write_lock)
            finally:
                conn.close()
        except (DatabaseUnavailable, sqlite3.Error) as exc:
            log.warning("Could not post recurring expenses: %s", exc)
            return 0

    def seconds_to_wait(self) -> float:
        now = datetime.now()
        midnight = datetime.combine(now.date() + timedelta(days=1), datetime.min.time())
        return max(0.5, min(self.period, (midnight - now).total_seconds() + 0.5))

    def _run(self) -> None:
        while not self._stop.wait(self.seconds_to_wait()):
            self.run_once()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="recurring-poster", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)


DEFAULT_SETTINGS = {"currency": "USD", "week_start": 1}
MAX_TREND_MONTHS = 240
SUGGESTION_WINDOW = 5000


def get_settings(conn: sqlite3.Connection) -> dict:
    stored = {row["key"]: row["value"] for row in conn.execute("select key, value from settings")}
    settings = dict(DEFAULT_SETTINGS)
    if stored.get("currency"):
        settings["currency"] = stored["currency"]
    if str(stored.get("week_start", "")).isdigit():
        settings["week_start"] = int(stored["week_start"])
    return settings


def update_settings(conn: sqlite3.Connection, changes: SettingsUpdate, lock: AbstractContextManager | None = None) -> dict:
    with write_transaction(conn, lock):
        for name in changes.model_fields_set:
            conn.execute(
                "insert into settings (key, value) values (?, ?) on conflict (key) do update set value = excluded.value",
                (name, str(getattr(changes, name))),
            )
        return get_settings(conn)


def month_range(first: str, last: str) -> list[str]:
    if first > last:
        raise InvalidInput(f"Invalid query parameter 'from': {first} is after 'to' {last}.")
    year, month = int(first[:4]), int(first[5:])
    months = []
    while True:
        current = f"{year:04d}-{month:02d}"
        months.append(current)
        if current == last:
            return months
        if len(months) >= MAX_TREND_MONTHS:
            raise InvalidInput(f"Invalid query parameter 'to': at most {MAX_TREND_MONTHS} months at once.")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def month_totals(conn: sqlite3.Connection, first: str, last: str, category_id: int | None = None) -> list[dict]:
    """Total and count of every month from `first` to `last`, months without expenses included."""
    months = month_range(first, last)
    where, params = "month >= ? and month <= ?", [first, last]
    if category_id is not None:
        where += " and category_id = ?"
        params.append(category_id)
    found = {
        row["month"]: row
        for row in conn.execute(
            f"select month, sum(total_cents) as cents, sum(count) as count from monthly_totals where {where} group by month",
            params,
        )
    }
    return [
        {"month": m, "total": cents_to_amount(found[m]["cents"]) if m in found else 0.0,
         "count": found[m]["count"] if m in found else 0}
        for m in months
    ]


def count_expenses(
    conn: sqlite3.Connection,
    date_from: str | None = None,
    date_to: str | None = None,
    category_id: int | None = None,
    q: str | None = None,
) -> int:
    """How many expenses match: whole months from monthly_totals, and only the partial months at
    the edges of the date range through the date index, so it stays fast at a million rows.
    With a search q, the rows that match it (see search_filter)."""
    conditions, params = filter_clause(date_from, date_to, category_id)
    search = plan_search(conn, q, None, lambda: count_expenses(conn, date_from, date_to, category_id))
    if search.conditions and not conditions:
        return conn.execute(search.count_sql, search.count_params).fetchone()[0]
    if search.conditions:
        where = " and ".join([*conditions, *search.conditions])
        return conn.execute(f"select count(*) from expenses e where {where}", [*params, *search.params]).fetchone()[0]
    if date_from and date_to and date_from[:7] == date_to[:7]:
        return count_rows(conn, date_from, date_to, category_id)
    conditions, params = ["count > 0"], []
    edges: list[tuple[str, str]] = []
    if category_id is not None:
        conditions.append("category_id = ?")
        params.append(category_id)
    if date_from is not None:
        first = date_from[:7]
        if date_from[8:] != "01":
            edges.append((date_from, last_day(first)))
            first = next_month(first)
        conditions.append("month >= ?")
        params.append(first)
    if date_to is not None:
        last = date_to[:7]
        if date_to != last_day(last):
            edges.append((f"{last}-01", date_to))
            last = previous_month(last)
        conditions.append("month <= ?")
        params.append(last)
    total = conn.execute(
        f"select coalesce(sum(count), 0) from monthly_totals where {' and '.join(conditions)}", params
    ).fetchone()[0]
    return total + sum(count_rows(conn, low, high, category_id) for low, high in edges)


def count_rows(conn: sqlite3.Connection, date_from: str, date_to: str, category_id: int | None) -> int:
    conditions, params = filter_clause(date_from, date_to, category_id)
    return conn.execute(f"select count(*) from expenses e where {' and '.join(conditions)}", params).fetchone()[0]


def next_month(month: str) -> str:
    if month == "9999-12":
        return "9999-13"  # after every real month, so a range starting there is empty
    year, number = int(month[:4]), int(month[5:7])
    return f"{year + 1:04d}-01" if number == 12 else f"{year:04d}-{number + 1:02d}"


def previous_month(month: str) -> str:
    year, number = int(month[:4]), int(month[5:7])
    return f"{year - 1:04d}-12" if number == 1 else f"{year:04d}-{number - 1:02d}"


def last_day(month: str) -> str:
    year, number = int(month[:4]), int(month[5:7])
    return f"{month}-{calendar.monthrange(year, number)[1]:02d}"


def suggestions(conn: sqlite3.Connection, prefix: str, limit: int = 8) -> list[dict]:
    """Descriptions used recently that start with `prefix` (any case), with their last category."""
    escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    rows = conn.execute(
        """select description, category_id, amount from (
            select description, category_id, amount, id from expenses order by id desc limit ?
        ) where description like ? escape '\\' order by id desc""",
        (SUGGESTION_WINDOW, f"{escaped}%"),
    )
    seen: dict[str, dict] = {}
    for row in rows:
        key = row["description"].casefold()
        if key not in seen:
            seen[key] = dict(row)
            if len(seen) == limit:
                break
    return list(seen.values())


def export_csv(
    conn: sqlite3.Connection,
    date_from: str | None = None,
    date_to: str | None = None,
    category_id: int | None = None,
    q: str | None = None,
) -> Iterator[bytes]:
    """The CSV export in chunks of rows as they are read; closes the connection when done.

    The query starts before this returns, so a database error surfaces here, not mid-stream.
    q: search text, as for list_expenses.
    """
    conditions, params = filter_clause(date_from, date_to, category_id)
    search = plan_search(conn, q, None, lambda: count_expenses(conn, date_from, date_to, category_id))
    conditions += search.conditions
    params += search.params
    where = f"where {' and '.join(conditions)}" if conditions else ""
    conn.row_factory = None
    # Reading the file through a memory map instead of one read() call per page cuts a full
    # export's time by about a fifth when rows are stored out of date order.
    conn.execute(f"pragma mmap_size = {EXPORT_MMAP_BYTES}")
    cursor = conn.execute(f"{EXPORT_SELECT} {where} order by e.date desc, e.id desc", params)
    return csv_chunks(conn, cursor)


def csv_chunks(conn: sqlite3.Connection, cursor: sqlite3.Cursor) -> Iterator[bytes]:
    try:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        yield EXPORT_HEADER.encode()
        while rows := cursor.fetchmany(EXPORT_BATCH_ROWS):
            writer.writerows(rows)
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    finally:
        conn.close()


# ---------------------------------------------------------------------------
# Importing bank files: a plan (preview and duplicates), then one transaction per batch
# ---------------------------------------------------------------------------

DUPLICATE_DAYS = 3
PREVIEW_ROWS = 20
MAX_LISTED_ROWS = 5000
IMPORT_CHUNK_ROWS = 5000
Progress = Callable[[str, int, int], None]
# One bank file is read at a time in this process: reading one takes up to a few hundred MB, and
# three 60 MB uploads at once took 7.3 GB before. Another one waits this long, then is refused.
IMPORT_WAIT_S = 2.0
IMPORT_SLOT = threading.Lock()


class ImportBusy(AppError):
    status = 429


def take_import_slot() -> None:
    if not IMPORT_SLOT.acquire(timeout=IMPORT_WAIT_S):
        raise ImportBusy("Another import is in progress; try again when it has finished.")


@contextmanager
def import_slot() -> Iterator[None]:
    take_import_slot()
    try:
        yield
    finally:
        IMPORT_SLOT.release()


@dataclass(slots=True)  # one per row of the file: slots save about 100 bytes each
class PlannedRow:
    row: "bank_files.ParsedRow"
    status: str  # ready, duplicate, income or problem
    reason: str | None = None
    match: dict | None = None
    category_id: int | None = None
    selected: bool = False


@dataclass
class ImportPlan:
    file_name: str
    table: "bank_files.Table"
    mapping: "bank_files.Mapping"
    date_formats: list[str]
    profile: str | None
    rows: list[PlannedRow]
    unknown_categories: list[str]
    needs_default_category: bool


def no_progress(phase: str, done: int, total: int) -> None:
    pass


NOT_LETTERS = re.compile(r"[\W\d_]+")


def similar_text(text: str) -> str:
    """A description reduced to what identifies the payee: no case, accents, digits or punctuation."""
    text = text.casefold()
    if not text.isascii():
        text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return NOT_LETTERS.sub(" ", text).strip()


def descriptions_match(a: str, b: str) -> bool:
    if a == b:
        return True
    if min(len(a), len(b)) >= 3 and (a in b or b in a):
        return True
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    return matcher.real_quick_ratio() >= 0.6 and matcher.quick_ratio() >= 0.6 and matcher.ratio() >= 0.6


def read_bank_file(data: bytes, file_name: str) -> "bank_files.Table":
    # Imported when first needed: the parsers and the encoding detector would slow every start.
    import bank_files

    try:
        return bank_files.read_file(data, file_name)
    except bank_files.BankFileError as exc:
        raise AppError(f"{file_name or 'The file'} cannot be imported: {exc}") from None


def load_profile(conn: sqlite3.Connection, name: str) -> dict:
    row = conn.execute("select name, mapping from import_profiles where name = ?", (name,)).fetchone()
    if row is None:
        raise NotFound(f"There is no import profile named {name!r}.")
    return {"name": row["name"], "mapping": json.loads(row["mapping"])}


def choose_mapping(
    conn: sqlite3.Connection, table: "bank_files.Table", options: "ImportOptions"
) -> tuple["bank_files.Mapping", list[str], str | None]:
    """The mapping sent, else the named profile, else the profile saved for this header, else a guess."""
    import bank_files

    guess = bank_files.guess_mapping(table)
    profile = None
    if options.mapping is not None:
        raw = options.mapping
    elif options.profile is not None:
        saved = load_profile(conn, options.profile)
        profile, raw = saved["name"], saved["mapping"]
    else:
        row = conn.execute(
            "select name, mapping from import_profiles where signature = ? order by updated_at desc limit 1",
            (bank_files.header_signature(table),),
        ).fetchone()
        if row is None:
            return guess.mapping, guess.date_formats, None
        profile, raw = row["name"], json.loads(row["mapping"])
    try:
        return bank_files.Mapping.from_json(raw), guess.date_formats, profile
    except bank_files.BankFileError as exc:
        raise InvalidInput(f"Invalid field 'mapping': {exc}") from None


def resolve_categories(conn: sqlite3.Connection, planned: list[PlannedRow], options: "ImportOptions") -> list[str]:
    """Give rows their category id; returns the file's category names that need a choice."""
    by_name = {row["name"].casefold(): row["id"] for row in conn.execute("select id, name from categories")}
    chosen = {name.casefold(): choice for name, choice in options.category_map.items()}
    unknown: dict[str, None] = {}
    for item in planned:
        name = item.row.category
        if name:
            key = name.casefold()
            if key in by_name:
                item.category_id = by_name[key]
                continue
            choice = chosen.get(key)
            if choice is None:
                unknown[name] = None
            elif choice.id is not None:
                item.category_id = choice.id
                continue
            else:
                item.category_id = 0  # made when the batch is written
                continue
        if options.default_category_id is not None:
            item.category_id = options.default_category_id
    return list(unknown)


def is_same_row(item: PlannedRow, cents: int, day: str, key: str) -> bool:
    """False for a row whose (cents, date, text) merely has the same hash."""
    return (round(item.row.amount * 100), item.row.date, similar_text(item.row.description)) == (cents, day, key)


def find_duplicates(conn: sqlite3.Connection, planned: list[PlannedRow], progress: Progress) -> None:
    """Flag rows that match an expense (same amount, date within a few days, similar description)
    or an earlier row of the same file. Each expense explains at most one row, so that two real
    identical purchases are not both hidden behind one old expense."""
    candidates = [p for p in planned if p.status in ("ready", "income") and p.row.date]
    if not candidates:
        return
    first = (date.fromisoformat(min(p.row.date for p in candidates)) - timedelta(days=DUPLICATE_DAYS)).isoformat()
    last = (date.fromisoformat(max(p.row.date for p in candidates)) + timedelta(days=DUPLICATE_DAYS)).isoformat()
    # Only amounts that occur in the file matter. The scan reads the (date, amount) index alone;
    # an expense's text is read only when its amount and day fit a row of the file.
    wanted = {round(p.row.amount * 100) for p in candidates}
    day_numbers: dict[str, int] = {}
    existing: dict[tuple[int, int], list[int]] = {}
    for expense_id, day, cents in conn.execute(
        "select id, date, cast(round(amount * 100) as integer) from expenses where date between ? and ?",
        (first, last),
    ):
        if cents in wanted:
            number = day_numbers.get(day)
            if number is None:
                try:
                    number = day_numbers[day] = date.fromisoformat(day).toordinal()
                except ValueError:  # written by another program; it cannot match a real date
                    continue
            existing.setdefault((cents, number), []).append(expense_id)
    details: dict[int, tuple] = {}

    def detail(expense_id: int) -> tuple:
        if expense_id not in details:
            row = conn.execute("select date, amount, description from expenses where id = ?", (expense_id,)).fetchone()
            details[expense_id] = (row[0], row[1], row[2], similar_text(row[2]))
        return details[expense_id]

    nearest_first = sorted(range(-DUPLICATE_DAYS, DUPLICATE_DAYS + 1), key=abs)
    # Keyed by a hash of (cents, date, text), not the tuple: 200,000 rows' texts again took 50 MB.
    seen_in_file: dict[int, PlannedRow] = {}
    for number, item in enumerate(candidates):
        if number % IMPORT_CHUNK_ROWS == 0:
            progress("Looking for duplicates", number, len(candidates))
        if item.status != "ready":
            continue
        cents, key = round(item.row.amount * 100), similar_text(item.row.description)
        day = date.fromisoformat(item.row.date).toordinal()
        twin = seen_in_file.setdefault(hash((cents, item.row.date, key)), item)
        if twin is not item and is_same_row(twin, cents, item.row.date, key):
            item.status, item.reason = "duplicate", f"Same date, amount and description as line {twin.row.line} of this file."
            item.match = {"id": None, "line": twin.row.line, "date": twin.row.date,
                          "amount": float(twin.row.amount), "description": twin.row.description}
            continue
        for offset in nearest_first:
            pool = existing.get((cents, day + offset))
            if not pool:
                continue
            found = next((i for i, other in enumerate(pool) if descriptions_match(key, detail(other)[3])), None)
            if found is None:
                continue
            other_id = pool.pop(found)
            other_date, other_amount, other_description, _ = detail(other_id)
            gap = abs(offset)
            when = "the same day" if gap == 0 else f"{gap} day{'s' if gap > 1 else ''} apart"
            item.status = "duplicate"
            item.reason = f"Looks like expense {other_id}: same amount, {when}, similar description."
            item.match = {"id": other_id, "line": None, "date": other_date,
                          "amount": other_amount, "description": other_description}
            break
    progress("Looking for duplicates", len(candidates), len(candidates))


def plan_import(
    conn: sqlite3.Connection,
    data: bytes,
    file_name: str,
    options: "ImportOptions",
    progress: Progress = no_progress,
    reuse: ImportPlan | None = None,
) -> ImportPlan:
    """What importing `data` would do. `reuse`, an earlier plan of the same bytes, saves reading
    the file again (and parsing it, when the mapping is the same)."""
    import bank_files

    progress("Reading the file", 0, 1)
    table = reuse.table if reuse is not None else read_bank_file(data, file_name)
    mapping, date_formats, profile = choose_mapping(conn, table, options)
    try:
        if reuse is not None and reuse.mapping == mapping:
            parsed = [item.row for item in reuse.rows]
        else:
            parsed = bank_files.parse_rows(table, mapping)
    except bank_files.BankFileError as exc:
        raise InvalidInput(f"Invalid field 'mapping': {exc}") from None
    progress("Reading the file", 1, 1)
    plan = ImportPlan(file_name, table, mapping, date_formats, profile, [], [], False)
    return decide_rows(conn, plan, parsed, options, progress)


def decide_rows(
    conn: sqlite3.Connection, plan: ImportPlan, parsed: list, options: "ImportOptions", progress: Progress
) -> ImportPlan:
    """What becomes of each parsed row, given the expenses and categories there are now."""
    planned = []
    for row in parsed:
        if row.problem:
            planned.append(PlannedRow(row, "problem", row.problem[:1].upper() + row.problem[1:]))
        elif row.is_income:
            planned.append(PlannedRow(row, "income", "Money in: this app tracks expenses, so it is skipped unless you include it."))
        elif row.amount > MAX_AMOUNT:  # bank_files already refuses more than two decimals
            planned.append(PlannedRow(row, "problem", "The amount is too large."))
        else:
            planned.append(PlannedRow(row, "ready"))
    find_duplicates(conn, planned, progress)
    unknown = resolve_categories(conn, planned, options)
    include, skip = set(options.include_lines), set(options.skip_lines)
    needs_default = False
    for item in planned:
        if item.status == "problem":
            continue
        wanted = (item.status == "ready" or item.row.line in include) and item.row.line not in skip
        if wanted and item.category_id is None and not item.row.category:
            needs_default = True
        item.selected = wanted and item.category_id is not None
    plan.rows, plan.unknown_categories, plan.needs_default_category = planned, unknown, needs_default
    return plan


def preview_of(plan: ImportPlan) -> dict:
    """What the user reviews: the first rows as they would be stored, and every row that needs a decision."""
    counts = {"rows": len(plan.rows), "ready": 0, "duplicate": 0, "income": 0, "problem": 0}
    for item in plan.rows:
        counts[item.status] += 1
    counts["selected"] = sum(item.selected for item in plan.rows)
    listed = [item for number, item in enumerate(plan.rows) if number < PREVIEW_ROWS or item.status != "ready"]
    return {
        "file_name": plan.file_name,
        "kind": plan.table.kind,
        "encoding": plan.table.encoding,
        "delimiter": plan.table.delimiter,
        "has_header": plan.table.has_header,
        "columns": plan.table.columns,
        "mapping": plan.mapping.to_json(),
        "date_formats": plan.date_formats,
        "profile": plan.profile,
        "unknown_categories": plan.unknown_categories,
        "needs_default_category": plan.needs_default_category,
        "counts": counts,
        "rows": [row_view(item) for item in listed[:MAX_LISTED_ROWS]],
        "all_rows_listed": len(listed) == len(plan.rows) and len(listed) <= MAX_LISTED_ROWS,
    }


def row_view(item: PlannedRow) -> dict:
    row = item.row
    return {
        "line": row.line, "date": row.date, "amount": float(row.amount) if row.amount is not None else None,
        "description": row.description, "category": row.category, "category_id": item.category_id or None,
        "status": item.status, "reason": item.reason, "match": item.match, "selected": item.selected,
    }


BATCH_SELECT = """select id, file_name, imported_at, profile, rows_in_file, imported, skipped, status, reverted_at
from import_batches"""


def run_import(
    conn: sqlite3.Connection,
    data: bytes,
    file_name: str,
    options: "ImportOptions",
    lock: AbstractContextManager | None = None,
    progress: Progress = no_progress,
    reuse: ImportPlan | None = None,
) -> dict:
    """Import the rows the plan selects as one batch, in one transaction: all of them or none.

    The file is read and planned before the transaction, so that other writers wait only for the
    writing: a 60 MB file read inside it blocked `expense-tracker add` for 40 s."""
    # Seven indexes take the new rows; a bigger page cache for this short-lived connection
    # saves about a quarter of the writing time on a large file.
    conn.execute("pragma cache_size = -65536")
    seen = data_version(conn)
    plan = plan_import(conn, data, file_name, options, progress, reuse)
    require_complete_choices(plan)
    with write_transaction(conn, lock):
        if data_version(conn) != seen:
            # Another connection wrote since the plan: decide the rows again against what is
            # there now (duplicates, categories), without reading the file again.
            plan = decide_rows(conn, plan, [item.row for item in plan.rows], options, progress)
            require_complete_choices(plan)
        for category_id in {item.category_id for item in plan.rows if item.selected and item.category_id}:
            require_category(conn, category_id)
        made = create_mapped_categories(conn, options)
        selected = [item for item in plan.rows if item.selected]
        batch_id = conn.execute(
            "insert into import_batches (file_name, profile, rows_in_file, imported, skipped) values (?, ?, ?, ?, ?)",
            (file_name, None, len(plan.rows), len(selected), len(plan.rows) - len(selected)),
        ).lastrowid
        conn.execute("insert into import_in_progress (batch_id) values (?)", (batch_id,))
        for start in range(0, len(selected), IMPORT_CHUNK_ROWS):
            progress("Importing", start, len(selected))
            conn.executemany(
                "insert into expenses (amount, description, category_id, date, import_batch_id) values (?, ?, ?, ?, ?)",
                [
                    (float(item.row.amount), item.row.description[:200],
                     item.category_id or made[item.row.category.casefold()], item.row.date, batch_id)
                    for item in selected[start:start + IMPORT_CHUNK_ROWS]
                ],
            )
        conn.execute(
            """insert into monthly_totals (month, category_id, total_cents, count)
            select substr(date, 1, 7), category_id, sum(cast(round(amount * 100) as integer)), count(*)
            from expenses where import_batch_id = ? group by 1, 2
            on conflict (month, category_id) do update
                set total_cents = total_cents + excluded.total_cents, count = count + excluded.count""",
            (batch_id,),
        )
        index_batch_for_search(conn, batch_id)
        conn.execute("delete from import_in_progress where batch_id = ?", (batch_id,))
        progress("Importing", len(selected), len(selected))
        profile = save_profile(conn, plan, options)
        conn.execute("update import_batches set profile = ? where id = ?", (profile, batch_id))
        return get_batch(conn, batch_id)


def data_version(conn: sqlite3.Connection) -> int:
    """A number that changes when another connection commits to the file."""
    return conn.execute("pragma data_version").fetchone()[0]


def require_complete_choices(plan: ImportPlan) -> None:
    if plan.needs_default_category:
        raise InvalidInput(
            "Invalid field 'default_category_id': some rows have no category; choose the category they go in."
        )
    if plan.unknown_categories:
        names = ", ".join(plan.unknown_categories[:5])
        raise InvalidInput(
            f"Invalid field 'category_map': the file has categories that don't exist yet ({names}); "
            "map each to an existing category or a new one."
        )


def index_batch_for_search(conn: sqlite3.Connection, batch_id: int) -> None:
    """What the search triggers do for each new row, for a whole batch: folded in Python, the
    same fold as fold_sql, about ten times faster than the SQL on many rows."""
    table = str.maketrans(search_fold_map())
    rows = conn.execute("select id, description from expenses where import_batch_id = ?", (batch_id,))
    while batch := rows.fetchmany(IMPORT_CHUNK_ROWS):  # all 200,000 at once took 130 MB more
        conn.executemany(
            "insert into expense_search_text (id, text) values (?, ?)",
            [(row[0], fold_in_python(row[1], table)) for row in batch],
        )
    conn.execute(
        """insert into expense_search (rowid, text) select t.id, t.text
        from expense_search_text t join expenses e on e.id = t.id where e.import_batch_id = ?""",
        (batch_id,),
    )


def create_mapped_categories(conn: sqlite3.Connection, options: "ImportOptions") -> dict[str, int]:
    made = {}
    for name, choice in options.category_map.items():
        if choice.new is None:
            continue
        row = conn.execute("select id from categories where name = ? collate nocase", (choice.new,)).fetchone()
        made[name.casefold()] = row[0] if row else conn.execute(
            "insert into categories (name, color) values (?, ?)", (choice.new, "#6c757d")
        ).lastrowid
    return made


def save_profile(conn: sqlite3.Connection, plan: ImportPlan, options: "ImportOptions") -> str:
    """Remember this mapping, so the next file with the same header is read the same way."""
    import bank_files

    name = options.save_profile or plan.profile or Path(plan.file_name).stem[:100] or "Imported file"
    conn.execute(
        """insert into import_profiles (name, signature, mapping, updated_at) values (?, ?, ?, datetime('now'))
        on conflict (name) do update set signature = excluded.signature, mapping = excluded.mapping,
            updated_at = excluded.updated_at""",
        (name, bank_files.header_signature(plan.table), json.dumps(plan.mapping.to_json())),
    )
    return name


def get_batch(conn: sqlite3.Connection, batch_id: int) -> dict:
    row = conn.execute(f"{BATCH_SELECT} where id = ?", (batch_id,)).fetchone()
    if row is None:
        raise NotFound(f"Import batch {batch_id} not found.")
    return dict(row)


def list_batches(conn: sqlite3.Connection) -> list[dict]:
    return [dict(row) for row in conn.execute(f"{BATCH_SELECT} order by id desc")]


def revert_batch(conn: sqlite3.Connection, batch_id: int, lock: AbstractContextManager | None = None) -> dict:
    """Move exactly the expenses this batch added to the trash; `restore_batch` undoes it."""
    with write_transaction(conn, lock):
        batch = get_batch(conn, batch_id)
        if batch["status"] == "reverted":
            raise Conflict(f"Import batch {batch_id} is already reverted.")
        conn.execute(f"{MOVE_TO_TRASH} where e.import_batch_id = ?", (batch_id, batch_id))
        conn.execute("delete from expenses where import_batch_id = ?", (batch_id,))
        conn.execute(
            "update import_batches set status = 'reverted', reverted_at = datetime('now') where id = ?", (batch_id,)
        )
        return get_batch(conn, batch_id)


def restore_batch(conn: sqlite3.Connection, batch_id: int, lock: AbstractContextManager | None = None) -> dict:
    with write_transaction(conn, lock):
        batch = get_batch(conn, batch_id)
        if batch["status"] != "reverted":
            raise Conflict(f"Import batch {batch_id} is not reverted, so there is nothing to undo.")
        restore_rows(conn, "reverted_batch_id = ?", (batch_id,))
        conn.execute("update import_batches set status = 'imported', reverted_at = null where id = ?", (batch_id,))
        return get_batch(conn, batch_id)


def list_profiles(conn: sqlite3.Connection) -> list[dict]:
    rows = conn.execute("select name, mapping, updated_at from import_profiles order by name")
    return [{"name": r["name"], "mapping": json.loads(r["mapping"]), "updated_at": r["updated_at"]} for r in rows]


def delete_profile(conn: sqlite3.Connection, name: str, lock: AbstractContextManager | None = None) -> None:
    with write_transaction(conn, lock):
        if not conn.execute("delete from import_profiles where name = ?", (name,)).rowcount:
            raise NotFound(f"There is no import profile named {name!r}.")


# ---------------------------------------------------------------------------
# Backups: copies made with SQLite's online backup API, each checked before it counts
# ---------------------------------------------------------------------------

KEEP_DAILY = 7
BACKUP_LOCK = threading.Lock()
KEEP_WEEKLY = 4
BACKUP_NAME = re.compile(r"(?P<stem>.+)-(?P<day>[0-9]{4}-[0-9]{2}-[0-9]{2})(?:-(?P<time>[0-9]{6})-(?P<kind>manual|before-restore|damaged)(?:-[0-9]+)?)?\.db")


def backup_dir(db_path: Path) -> Path:
    """Backups live in a `backups` folder beside the database: the app-data folder by default."""
    return db_path.parent / "backups"


def check_database_file(path: Path) -> None:
    """Raise AppError unless `path` is an intact Expense Tracker database this version can open."""
    if not path.is_file():
        raise NotFound(f"There is no file {path}.")
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise AppError(f"The file {path} cannot be opened ({exc}).") from exc
    try:
        verdict = conn.execute("pragma integrity_check").fetchone()[0]
        if verdict != "ok":
            raise AppError(f"The file {path} is damaged (SQLite's check says: {verdict[:200]}).")
        is_empty, _ = check_is_ours(conn, path)
        if is_empty:
            raise AppError(f"The file {path} is empty, so it is not a backup.")
    except DatabaseUnavailable as exc:
        raise AppError(str(exc)) from exc
    except sqlite3.Error as exc:
        raise AppError(f"The file {path} is not a usable database ({exc}).") from exc
    finally:
        conn.close()


def write_backup(db_path: Path, target: Path) -> Path:
    """A checked copy of the live database at `target`; a copy that fails the check is removed."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.{os.getpid()}.{threading.get_ident()}.partial")
    try:
        source = connect(db_path)
        try:
            copy = sqlite3.connect(partial)
            try:
                source.backup(copy)
                # A backup is one self-contained file, whatever the live database's journal mode.
                copy.execute("pragma journal_mode = delete")
            finally:
                copy.close()
        finally:
            source.close()
        check_database_file(partial)
        os.replace(partial, target)
    except sqlite3.Error as exc:
        raise AppError(describe_database_error(exc, db_path)) from exc
    finally:
        partial.unlink(missing_ok=True)
    return target


def backup_name(db_path: Path, day: date, kind: str | None = None) -> str:
    if kind is None:
        return f"{db_path.stem}-{day.isoformat()}.db"
    stem = f"{db_path.stem}-{day.isoformat()}-{datetime.now().strftime('%H%M%S')}-{kind}"
    name, number = f"{stem}.db", 1
    while (backup_dir(db_path) / name).exists():  # two in the same second
        number += 1
        name = f"{stem}-{number}.db"
    return name


def list_backups(db_path: Path) -> list[dict]:
    """The backups of this database, newest first."""
    found = []
    folder = backup_dir(db_path)
    for path in folder.glob(f"{glob_escape(db_path.stem)}-*.db") if folder.is_dir() else []:
        match = BACKUP_NAME.fullmatch(path.name)
        if not match or match["stem"] != db_path.stem:
            continue
        stat = path.stat()
        found.append({
            "name": path.name,
            "kind": match["kind"] or "daily",
            "day": match["day"],
            "created_at": datetime.fromtimestamp(stat.st_mtime).isoformat(timespec="seconds"),
            "size": stat.st_size,
        })
    return sorted(found, key=lambda b: (b["created_at"], b["name"]), reverse=True)


def glob_escape(text: str) -> str:
    return re.sub(r"([*?[])", r"[\1]", text)


def backups_to_keep(days: list[date]) -> set[date]:
    """The last KEEP_DAILY days, and the newest backup of each of the KEEP_WEEKLY weeks before them."""
    newest_first = sorted(set(days), reverse=True)
    keep = set(newest_first[:KEEP_DAILY])
    weeks: dict[tuple[int, int], date] = {}
    for day in newest_first[KEEP_DAILY:]:
        week = tuple(day.isocalendar())[:2]
        if week not in weeks and len(weeks) < KEEP_WEEKLY:
            weeks[week] = day
    return keep | set(weeks.values())


def rotate_backups(db_path: Path) -> list[str]:
    """Remove daily backups that the rotation no longer keeps; other kinds are kept."""
    daily = {date.fromisoformat(b["day"]): b["name"] for b in list_backups(db_path) if b["kind"] == "daily"}
    keep = backups_to_keep(list(daily))
    removed = []
    for day, name in daily.items():
        if day not in keep:
            (backup_dir(db_path) / name).unlink(missing_ok=True)
            removed.append(name)
    return removed


def daily_backup(db_path: Path, today: date | None = None) -> Path | None:
    """Today's automatic backup, unless there is one already; then the rotation."""
    today = today or date.today()
    target = backup_dir(db_path) / backup_name(db_path, today)
    with BACKUP_LOCK:
        if target.exists():
            return None
        write_backup(db_path, target)
        rotate_backups(db_path)
    log.info("Backed up %s to %s", db_path, target)
    return target


def manual_backup(db_path: Path, target: Path | None = None) -> Path:
    if target is None:
        target = backup_dir(db_path) / backup_name(db_path, date.today(), "manual")
    return write_backup(db_path, target)


def restore_backup(db_path: Path, source: Path) -> dict:
    """Replace the database's contents with `source`, after a backup of the current contents.

    `source` must pass the integrity check first. The copy goes through SQLite's backup API
    into the live file, so a running server and its readers simply see the restored data.
    """
    check_database_file(source)
    if source.resolve() == db_path.resolve():
        raise AppError("That file is the database itself; choose a backup to restore.")
    folder = backup_dir(db_path)
    safety = folder / backup_name(db_path, date.today(), "before-restore")
    damaged = False
    if db_path.exists():
        try:
            check_database_file(db_path)
        except AppError:
            damaged = True
        if damaged:
            # Kept byte for byte: whatever is left of it may still matter to someone.
            safety = folder / backup_name(db_path, date.today(), "damaged")
            folder.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(db_path, safety)
            for suffix in ("-wal", "-shm"):
                Path(f"{db_path}{suffix}").unlink(missing_ok=True)
            db_path.unlink()
        else:
            write_backup(db_path, safety)
    else:
        safety = None
    try:
        with closing(sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)) as origin:
            with closing(connect(db_path, create=True)) as live:
                live.execute("pragma busy_timeout = 30000")
                origin.backup(live)
    except sqlite3.Error as exc:
        raise AppError(describe_database_error(exc, db_path)) from exc
    init_database(db_path)  # an older backup is upgraded to this version's schema
    return {"restored": source.name, "safety_backup": safety.name if safety else None}


# ---------------------------------------------------------------------------
# The app
# ---------------------------------------------------------------------------

ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "A Host header that is not this computer, or a body that is not JSON."},
    413: {"model": ErrorBody, "description": "The request body is over 1 MB."},
    422: {"model": ErrorBody, "description": "A parameter or field is invalid."},
    503: {"model": ErrorBody, "description": "The database cannot be used."},
}


def create_app(
    db_path: Path | str | None = None,
    *,
    cors_origins: list[str] | None = None,
    allowed_hosts: list[str] | None = None,
    auto_backup: bool = False,
    today: Callable[[], date] = date.today,
) -> FastAPI:
    """The API over the database at `db_path` (default: DB_PATH, read when the app starts).

    CORS origins default to $EXPENSE_TRACKER_CORS_ORIGINS, else `*`. Hosts allowed in the Host
    header are the loopback names plus $EXPENSE_TRACKER_ALLOWED_HOSTS plus `allowed_hosts`.
    With `auto_backup`, the database is backed up once a day when the app starts or stops.
    `today` gives the date recurring expenses are posted up to (tests pass a make-believe one).
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        app.state.today = today
        database = app.state.database = Database(Path(db_path) if db_path is not None else DB_PATH)
        poster = RecurringPoster(database, today)
        try:
            database.ensure_ready()
            poster.run_once()  # what fell due while the app was closed, before the first request
        except DatabaseUnavailable as exc:
            # Keep serving: every request then says what is wrong, in words, until it is fixed.
            log.error("%s", exc)
        if database.ready:
            await run_in_threadpool(start_maintenance, database)
        if database.ready and auto_backup:
            # In the background: a large database takes seconds to copy, and the window should not wait.
            threading.Thread(target=safe_daily_backup, args=(database.path,), daemon=True, name="backup").start()
        poster.start()
        try:
            yield
        finally:
            poster.stop()
            if database.ready and auto_backup:
                # Waits for the start's backup if it is still running, then makes today's if the
                # app has been open since yesterday.
                await run_in_threadpool(safe_daily_backup, database.path)
            database.close()

    app = FastAPI(
        # /docs is served below from vendored files, so that it works offline; ReDoc is off
        # because it would load its script from a CDN.
        docs_url=None,
        redoc_url=None,
        title="Expense Tracker",
        version=__version__,
        description="A personal expense tracker's local API. Every error is "
        '`{"detail": "<one sentence>"}`.',
        lifespan=lifespan,
        responses=ERROR_RESPONSES,
    )
    install_error_handlers(app)
    origins = cors_origins if cors_origins is not None else (env_list(CORS_ENV) or ["*"])
    app.add_middleware(
        JsonCORSMiddleware,
        allow_origins=origins,
        allow_methods=["GET", "POST", "PUT", "DELETE"],
        allow_headers=["Content-Type"],
        expose_headers=["X-Next-Cursor", "Content-Disposition"],
    )
    app.add_middleware(BodyLimit, limit=MAX_BODY_BYTES, upload_limit=MAX_UPLOAD_BYTES, upload_paths=UPLOAD_PATHS)
    hosts = [*LOOPBACK_HOSTS, *env_list(HOSTS_ENV), *(allowed_hosts or [])]
    app.add_middleware(LoopbackHostOnly, allowed_hosts=hosts)
    add_routes(app)
    if WEB_DIR.is_dir():
        # Last, so that the API's routes win; StaticFiles refuses paths outside WEB_DIR.
        app.mount("/", StaticFiles(directory=WEB_DIR, html=True), name="web")
    return app


def import_progress(
    database: Database, data: bytes, file_name: str, options: ImportOptions, finished: Callable[[], None] = lambda: None
) -> Iterator[bytes]:
    """Start the import on its own thread, which calls `finished` when it ends (even if nobody
    reads the stream), and stream its progress as JSON lines."""
    events: queue.Queue = queue.Queue()

    def report(phase: str, done: int, total: int) -> None:
        events.put({"phase": phase, "done": done, "total": total})

    def work() -> None:
        try:
            with closing(database.open()) as conn:
                events.put({"batch": run_import(conn, data, file_name, options, database.write_lock, report)})
        except AppError as exc:
            events.put({"error": str(exc), "status": exc.status})
        except (DatabaseUnavailable, sqlite3.Error) as exc:
            events.put({"error": describe_database_error(exc, database.path), "status": 503})
        except Exception:
            log.exception("Import of %s failed", file_name)
            events.put({"error": "The import failed unexpectedly; nothing was imported.", "status": 500})
        finally:
            finished()
            events.put(None)

    threading.Thread(target=work, daemon=True, name="import").start()
    return progress_lines(events)


def progress_lines(events: queue.Queue) -> Iterator[bytes]:
    while (event := events.get()) is not None:
        yield (json.dumps(event) + "\n").encode()


def start_maintenance(database: Database) -> None:
    try:
        with closing(database.open()) as conn:
            purged = purge_trash(conn, database.write_lock)
        if purged:
            log.info("Emptied %d expenses deleted more than %d days ago from the trash", purged, TRASH_DAYS)
    except (sqlite3.Error, DatabaseUnavailable) as exc:
        log.warning("Could not empty old items from the trash: %s", exc)


def safe_daily_backup(db_path: Path) -> None:
    try:
        daily_backup(db_path)
    except (AppError, OSError, sqlite3.Error) as exc:
        log.error("The automatic backup of %s failed: %s", db_path, exc)


SWAGGER_UI = "vendor/swagger-ui-5.35.0"


def add_routes(app: FastAPI) -> None:
    @app.get("/docs", include_in_schema=False)
    def docs():
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="Expense Tracker API",
            swagger_js_url=f"/{SWAGGER_UI}.js",
            swagger_css_url=f"/{SWAGGER_UI}.css",
            swagger_favicon_url="data:,",
        )

    @app.get("/health", response_model=Health, responses={503: {"model": Health}})
    def health(request: Request):
        database: Database = request.app.state.database
        try:
            conn = database.open()
            try:
                conn.execute("select 1").fetchone()
            finally:
                conn.close()
        except (DatabaseUnavailable, sqlite3.Error) as exc:
            detail = str(exc) if isinstance(exc, DatabaseUnavailable) else describe_database_error(exc, database.path)
            return JSONResponse(
                {"status": "error", "database": "disconnected", "detail": detail}, status_code=503
            )
        return {"status": "ok", "database": "connected"}

    @app.get("/categories", response_model=list[CategoryResponse])
    def get_categories(conn: DB):
        return list_categories(conn)

    @app.post(
        "/categories",
        status_code=201,
        response_model=CategoryResponse,
        responses={409: {"model": ErrorBody, "description": "Category already exists"}},
    )
    def post_category(category: CategoryCreate, conn: DB, request: Request):
        return create_category(conn, category, request.app.state.database.write_lock)

    @app.delete(
        "/categories/{category_id}",
        status_code=204,
        responses={
            400: {"model": ErrorBody, "description": "Cannot delete category with existing expenses (or a foreign Host)"},
            404: {"model": ErrorBody, "description": "No such category"},
        },
    )
    def remove_category(category_id: CategoryId, conn: DB, request: Request):
        delete_category(conn, category_id, request.app.state.database.write_lock)
        return Response(status_code=204)

    @app.get(
        "/expenses",
        response_model=list[ExpenseResponse],
        responses={200: {"headers": {"X-Next-Cursor": {
            "description": "Present when more rows follow: pass it as `cursor` to get the next page.",
            "schema": {"type": "string"},
        }}}},
    )
    def get_expenses(
        conn: DB,
        response: Response,
        date_from: Annotated[IsoDate | None, Query(description="First date included (YYYY-MM-DD).")] = None,
        date_to: Annotated[IsoDate | None, Query(description="Last date included (YYYY-MM-DD).")] = None,
        category_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
        sort: Literal["date", "amount", "created_at"] = "date",
        order: Literal["asc", "desc"] = "desc",
        limit: Annotated[int, Query(ge=1, le=PAGE_LIMIT_MAX)] = 50,
        offset: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
        cursor: Annotated[str | None, Query(
            max_length=500,
            description="Keyset cursor from the previous page's X-Next-Cursor header; "
            "fast at any depth. Use instead of offset.",
        )] = None,
        q: SearchQuery = None,
    ):
        page, next_cursor = list_expenses(
            conn, date_from=date_from, date_to=date_to, category_id=category_id,
            sort=sort, order=order, limit=limit, offset=offset, cursor=cursor, q=q,
        )
        if next_cursor is not None:
            response.headers["X-Next-Cursor"] = next_cursor
        return page

    @app.get(
        "/expenses/export",
        response_class=StreamingResponse,
        responses={200: {"content": {"text/csv": {}}, "description": "CSV of the expenses."}},
    )
    def get_export(
        request: Request,
        date_from: Annotated[IsoDate | None, Query()] = None,
        date_to: Annotated[IsoDate | None, Query()] = None,
        category_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
        q: SearchQuery = None,
    ):
        # The connection belongs to the stream: it closes when the last row is sent.
        conn = request.app.state.database.open()
        try:
            chunks = export_csv(conn, date_from, date_to, category_id, q)
        except BaseException:
            conn.close()
            raise
        return StreamingResponse(
            chunks,
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="expenses.csv"'},
        )

    @app.get("/expenses/count", response_model=Count)
    def get_count(
        conn: DB,
        date_from: Annotated[IsoDate | None, Query()] = None,
        date_to: Annotated[IsoDate | None, Query()] = None,
        category_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
        q: SearchQuery = None,
    ):
        return {"count": count_expenses(conn, date_from, date_to, category_id, q)}

    @app.get("/expenses/suggestions", response_model=list[Suggestion])
    def get_suggestions(conn: DB, q: Annotated[str, Query(min_length=1, max_length=200)]):
        return suggestions(conn, q)

    not_found = {404: {"model": ErrorBody, "description": "No such expense"}}
    bad_category = {400: {"model": ErrorBody, "description": "Unknown category_id, a foreign Host, or a body that is not JSON"}}

    @app.get("/expenses/{expense_id}", response_model=ExpenseResponse, responses=not_found)
    def get_one_expense(expense_id: ExpenseId, conn: DB):
        return get_expense(conn, expense_id)

    @app.post("/expenses", status_code=201, response_model=ExpenseResponse, responses=bad_category)
    def post_expense(expense: ExpenseCreate, conn: DB, request: Request):
        return create_expense(conn, expense, request.app.state.database.write_lock)

    @app.put(
        "/expenses/{expense_id}",
        response_model=ExpenseResponse,
        responses={**not_found, **bad_category},
    )
    def put_expense(expense_id: ExpenseId, changes: ExpenseUpdate, conn: DB, request: Request):
        return update_expense(conn, expense_id, changes, request.app.state.database.write_lock)

    @app.delete("/expenses/{expense_id}", status_code=204, responses=not_found)
    def remove_expense(expense_id: ExpenseId, conn: DB, request: Request):
        delete_expense(conn, expense_id, request.app.state.database.write_lock)
        return Response(status_code=204)

    @app.get("/trash", response_model=list[TrashItem])
    def get_trash(
        conn: DB,
        limit: Annotated[int, Query(ge=1, le=PAGE_LIMIT_MAX)] = 50,
        offset: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
    ):
        return list_trash(conn, limit, offset)

    @app.get("/trash/count", response_model=Count)
    def get_trash_count(conn: DB):
        return {"count": count_trash(conn)}

    not_in_trash = {404: {"model": ErrorBody, "description": "Not in the trash"}}

    @app.post(
        "/trash/{expense_id}/restore",
        response_model=ExpenseResponse,
        responses={**not_in_trash, 409: {"model": ErrorBody, "description": "An expense with that id exists"}},
    )
    def post_restore(expense_id: ExpenseId, conn: DB, request: Request):
        return restore_expense(conn, expense_id, request.app.state.database.write_lock)

    @app.delete("/trash/{expense_id}", status_code=204, responses=not_in_trash)
    def remove_from_trash(expense_id: ExpenseId, conn: DB, request: Request):
        delete_from_trash(conn, expense_id, request.app.state.database.write_lock)
        return Response(status_code=204)

    @app.delete("/trash", status_code=204)
    def empty_trash(conn: DB, request: Request):
        purge_trash(conn, request.app.state.database.write_lock, everything=True)
        return Response(status_code=204)

    def upload(file: UploadFile, options: str | None) -> tuple[bytes, str, ImportOptions]:
        try:
            chosen = ImportOptions.model_validate_json(options) if options else ImportOptions()
        except ValidationError as exc:
            errors = exc.errors()
            if errors and errors[0]["type"] == "json_invalid":
                reason = (errors[0].get("ctx") or {}).get("error", "syntax error")
                raise InvalidInput(f"Invalid field 'options': it must be a JSON object ({reason}).") from None
            located = [{**error, "loc": ("body", "options", *error.get("loc", ()))} for error in errors]
            raise InvalidInput(describe_validation_error(located)) from None
        return file.file.read(), (file.filename or "file")[:255], chosen

    upload_form = "A bank file (CSV, OFX/QFX or QIF) as `file`, and optionally `options`: an ImportOptions object as JSON text."
    import_errors = {
        400: {"model": ErrorBody, "description": "The file is not a bank file this app can read (the sentence says which line and why)."},
        404: {"model": ErrorBody, "description": "No saved profile of that name"},
        429: {"model": ErrorBody, "description": "Another import is in progress (one file is read at a time)"},
    }

    @app.post("/imports/preview", response_model=ImportPreview, description=upload_form, responses=import_errors)
    def post_import_preview(
        conn: DB, file: UploadFile, options: Annotated[str | None, Form(max_length=MAX_UPLOAD_BYTES)] = None
    ):
        with import_slot():
            data, name, chosen = upload(file, options)
            return preview_of(plan_import(conn, data, name, chosen))

    @app.post(
        "/imports",
        status_code=201,
        response_model=ImportBatch,
        description=f"{upload_form} Imports the selected rows as one batch, all or nothing. "
        "With `Accept: application/x-ndjson` the answer is a stream of progress lines "
        '(`{"phase", "done", "total"}`) ending with `{"batch": …}` or `{"error": …, "status": …}`.',
        responses={200: {"content": {"application/x-ndjson": {}}, "description": "Progress, then the batch."}, **import_errors},
    )
    def post_import(
        conn: DB, request: Request, file: UploadFile, options: Annotated[str | None, Form(max_length=MAX_UPLOAD_BYTES)] = None
    ):
        database: Database = request.app.state.database
        if "application/x-ndjson" not in request.headers.get("accept", ""):
            with import_slot():
                data, name, chosen = upload(file, options)
                return run_import(conn, data, name, chosen, database.write_lock)
        take_import_slot()  # given back by the import's thread when it ends
        try:
            data, name, chosen = upload(file, options)
            lines = import_progress(database, data, name, chosen, finished=IMPORT_SLOT.release)
        except BaseException:
            IMPORT_SLOT.release()
            raise
        return StreamingResponse(lines, media_type="application/x-ndjson")

    @app.get("/imports", response_model=list[ImportBatch])
    def get_imports(conn: DB):
        return list_batches(conn)

    @app.get("/imports/profiles", response_model=list[ImportProfile])
    def get_profiles(conn: DB):
        return list_profiles(conn)

    @app.delete("/imports/profiles/{name}", status_code=204, responses={404: {"model": ErrorBody, "description": "No such profile"}})
    def remove_profile(name: Annotated[str, PathParam(max_length=100)], conn: DB, request: Request):
        delete_profile(conn, name, request.app.state.database.write_lock)
        return Response(status_code=204)

    batch_errors = {404: {"model": ErrorBody, "description": "No such batch"}, 409: {"model": ErrorBody, "description": "Already in that state"}}

    @app.get("/imports/{batch_id}", response_model=ImportBatch, responses=batch_errors)
    def get_import(batch_id: ExpenseId, conn: DB):
        return get_batch(conn, batch_id)

    @app.post("/imports/{batch_id}/revert", response_model=ImportBatch, responses=batch_errors)
    def post_revert(batch_id: ExpenseId, conn: DB, request: Request):
        return revert_batch(conn, batch_id, request.app.state.database.write_lock)

    @app.post("/imports/{batch_id}/restore", response_model=ImportBatch, responses=batch_errors)
    def post_unrevert(batch_id: ExpenseId, conn: DB, request: Request):
        return restore_batch(conn, batch_id, request.app.state.database.write_lock)

    @app.get("/backups", response_model=BackupList)
    def get_backups(request: Request):
        path = request.app.state.database.path
        return {"folder": str(backup_dir(path)), "backups": list_backups(path)}

    @app.post("/backups", status_code=201, response_model=Backup, responses={400: {"model": ErrorBody, "description": "The backup could not be made or failed its check"}})
    def post_backup(request: Request):
        database: Database = request.app.state.database
        database.ensure_ready()
        made = manual_backup(database.path)
        return next(b for b in list_backups(database.path) if b["name"] == made.name)

    @app.post(
        "/backups/restore",
        response_model=RestoreResult,
        responses={
            400: {"model": ErrorBody, "description": "The backup failed its integrity check, so nothing was restored"},
            404: {"model": ErrorBody, "description": "No such backup"},
        },
    )
    def post_backup_restore(choice: RestoreRequest, request: Request):
        database: Database = request.app.state.database
        known = {b["name"] for b in list_backups(database.path)}
        if choice.name not in known:
            raise NotFound(f"There is no backup named {choice.name!r}; GET /backups lists them.")
        with database.write_lock:
            result = restore_backup(database.path, backup_dir(database.path) / choice.name)
        database.close()
        database.ready = False  # opened again by the next request
        return result

    # -- Budgets ---------------------------------------------------------------------------

    no_budget = {404: {"model": ErrorBody, "description": "No such category, or no budget to clear"}}

    @app.get("/budgets", response_model=Budgets)
    def get_budgets(conn: DB):
        return list_budgets(conn)

    # Before /budgets/{category_id}, which would otherwise refuse "overall" as an id.
    @app.put("/budgets/overall", response_model=OverallBudget)
    def put_overall_budget(budget: BudgetSet, conn: DB, request: Request):
        """Set or change the monthly limit of all spending together."""
        return set_budget(conn, None, budget, request.app.state.database.write_lock)

    @app.delete("/budgets/overall", status_code=204, responses=no_budget)
    def remove_overall_budget(conn: DB, request: Request):
        delete_budget(conn, None, request.app.state.database.write_lock)
        return Response(status_code=204)

    @app.put("/budgets/{category_id}", response_model=CategoryBudget, responses=no_budget)
    def put_budget(category_id: CategoryId, budget: BudgetSet, conn: DB, request: Request):
        """Set or change a category's monthly limit."""
        return set_budget(conn, category_id, budget, request.app.state.database.write_lock)

    @app.delete("/budgets/{category_id}", status_code=204, responses=no_budget)
    def remove_budget(category_id: CategoryId, conn: DB, request: Request):
        delete_budget(conn, category_id, request.app.state.database.write_lock)
        return Response(status_code=204)

    # -- Recurring expenses ------------------------------------------------------------------

    no_recurring = {404: {"model": ErrorBody, "description": "No such recurring expense"}}

    @app.get("/recurring", response_model=list[RecurringResponse])
    def get_recurring_list(conn: DB, request: Request):
        return list_recurring(conn, request.app.state.today())

    @app.post("/recurring", status_code=201, response_model=RecurringResponse, responses=bad_category)
    def post_recurring(rule: RecurringCreate, conn: DB, request: Request):
        """Create a template; dates already due (from start_date to today) are posted at once."""
        database: Database = request.app.state.database
        today = request.app.state.today()
        created = create_recurring(conn, rule, database.write_lock, today)
        post_due(conn, today, database.write_lock)
        return get_recurring(conn, created["id"], today)

    # Before /recurring/{recurring_id}.
    @app.get("/recurring/upcoming", response_model=list[UpcomingOccurrence])
    def get_upcoming(
        conn: DB,
        request: Request,
        days: Annotated[int, Query(ge=0, le=UPCOMING_DAYS_MAX, description="How many days ahead of today.")] = 30,
    ):
        """The dates of the next `days` days (today included) not posted yet; skipped ones are marked."""
        return upcoming(conn, request.app.state.today(), days)

    @app.get("/recurring/{recurring_id}", response_model=RecurringResponse, responses=no_recurring)
    def get_one_recurring(recurring_id: RecurringId, conn: DB, request: Request):
        return get_recurring(conn, recurring_id, request.app.state.today())

    @app.put("/recurring/{recurring_id}", response_model=RecurringResponse, responses={**no_recurring, **bad_category})
    def put_recurring(recurring_id: RecurringId, changes: RecurringUpdate, conn: DB, request: Request):
        """Change a template. Expenses it posted stay as they were; a changed schedule applies from today on."""
        database: Database = request.app.state.database
        today = request.app.state.today()
        update_recurring(conn, recurring_id, changes, database.write_lock, today)
        post_due(conn, today, database.write_lock)
        return get_recurring(conn, recurring_id, today)

    @app.delete("/recurring/{recurring_id}", status_code=204, responses=no_recurring)
    def remove_recurring(recurring_id: RecurringId, conn: DB, request: Request):
        """Delete a template; the expenses it posted stay."""
        delete_recurring(conn, recurring_id, request.app.state.database.write_lock)
        return Response(status_code=204)

    occurrence_errors = {
        **no_recurring,
        409: {"model": ErrorBody, "description": "That date was already posted"},
    }

    @app.post("/recurring/{recurring_id}/skip", response_model=Occurrence, responses=occurrence_errors)
    def skip_recurring(recurring_id: RecurringId, body: OccurrenceDate, conn: DB, request: Request):
        """Skip one date of the schedule: it will never be posted (unless posted by hand)."""
        return skip_occurrence(conn, recurring_id, body.date, request.app.state.database.write_lock)

    @app.post(
        "/recurring/{recurring_id}/post", status_code=201, response_model=ExpenseResponse,
        responses={**occurrence_errors, **bad_category},
    )
    def post_recurring_now(recurring_id: RecurringId, body: OccurrenceDate, conn: DB, request: Request):
        """Post one date of the schedule now (the expense is dated that date); only once."""
        return post_occurrence(conn, recurring_id, body.date, request.app.state.database.write_lock)

    @app.get("/settings", response_model=Settings)
    def read_settings(conn: DB):
        return get_settings(conn)

    @app.put("/settings", response_model=Settings)
    def write_settings(changes: SettingsUpdate, conn: DB, request: Request):
        return update_settings(conn, changes, request.app.state.database.write_lock)

    @app.get("/summary/months", response_model=list[MonthTotal])
    async def get_month_totals(
        conn: DB,
        first: Annotated[Month, Query(alias="from", description="First month, YYYY-MM.")],
        last: Annotated[Month, Query(alias="to", description="Last month, YYYY-MM (at most 240 months on).")],
        category_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    ):
        return month_totals(conn, first, last, category_id)

    # Async on purpose: it reads at most one row per category from monthly_totals, which
    # costs less than the hop to a worker thread would.
    @app.get("/summary", response_model=MonthlySummary, response_model_exclude_none=True)
    async def get_summary(conn: DB, month: Annotated[Month, Query(description="The month, YYYY-MM.")]):
        return month_summary(conn, month)


app = create_app(auto_backup=True)

# ---------------------------------------------------------------------------
# Command line: serve the API
# ---------------------------------------------------------------------------


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def bind_socket(host: str, port: int) -> socket.socket:
    """Bind the listening socket ourselves, so a taken port is a clear message, not a traceback."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP explicitly: asyncio turns on TCP_NODELAY only for sockets that say so, and
    # without it every response waits ~40 ms for a delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host.strip("[]"), port))
        sock.listen(2048)
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Serve the Expense Tracker API (default http://127.0.0.1:8000, docs at /docs).",
        epilog="example: python expense_tracker.py --db ~/expenses.db --port 8001",
    )
    parser.add_argument("--host", default=DEFAULT_HOST, help="address to bind (default 127.0.0.1; others are reachable from the network)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="port (default 8000)")
    parser.add_argument("--db", type=Path, help=f"database file (default ${DB_ENV} or the user data dir)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s: %(message)s")

    global DB_PATH
    if args.db is not None:
        DB_PATH = args.db.expanduser()
    served = app
    if not is_loopback(args.host):
        extra = [] if args.host in ("0.0.0.0", "::") else [args.host]
        print(
            f"WARNING: binding to {args.host} makes your expenses reachable from other computers. "
            f"Requests must name an allowed host; set {HOSTS_ENV} to the names clients use.",
            file=sys.stderr,
        )
        served = create_app(allowed_hosts=extra, auto_backup=True)
    try:
        sock = bind_socket(args.host, args.port)
    except OSError as exc:
        print(f"error: cannot listen on {args.host}:{args.port} ({exc.strerror}); is another program "
              "(or Expense Tracker) using it? Choose another with --port.", file=sys.stderr)
        return 2
    import uvicorn

    port = sock.getsockname()[1]
    shown_host = f"[{args.host.strip('[]')}]" if ":" in args.host else args.host
    print(f"Expense Tracker API on http://{shown_host}:{port} (database {DB_PATH})", file=sys.stderr, flush=True)
    server = uvicorn.Server(uvicorn.Config(served, log_level="info", access_log=False))
    server.run(sockets=[sock])
    return 0


if __name__ == "__main__":
    sys.exit(main())
