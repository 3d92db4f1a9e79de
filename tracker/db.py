"""The database file: connecting, creating and upgrading it, and one writer at a time."""

import logging
import os
import sqlite3
import sys
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path

from tracker.config import BUSY_TIMEOUT_S, DB_ENV, MIGRATION_BUSY_TIMEOUT_S
from tracker.errors import DatabaseUnavailable, DatabaseUpgrading
from tracker.migrations import APPLICATION_ID, MIGRATION_WEIGHTS, MIGRATIONS
from tracker.progress import Progress, Report

log = logging.getLogger("expense_tracker")


class Session(sqlite3.Connection):
    """A connection that knows how this process serialises its writers: `with conn.write():` is one
    transaction that holds SQLite's write lock from its start, after this process's other writers."""

    # One writer at a time inside the process (a threading.Lock shared by its sessions); None for
    # a command-line process, whose writers are other processes that SQLite's busy timeout queues.
    write_lock: AbstractContextManager | None = None
    # The server's writers share their fsyncs (see GroupCommit); None: each commit syncs itself.
    group_commit: "GroupCommit | None" = None

    def prepare(self, sql: str) -> None:
        """Compile `sql` into this connection's statement cache without running it, so that a
        write compiles its triggers' programs (~0.3 ms for an insert into expenses) before it
        takes the write lock, not while other writers wait. Python's sqlite3 has no prepare(): a
        call without the statement's parameters compiles and caches it, then stops at binding."""
        if "?" not in sql:
            raise ValueError("only a statement with parameters can be prepared without running it")
        try:
            self.execute(sql, ())
        except sqlite3.ProgrammingError:
            pass  # "Incorrect number of bindings": compiled, not run

    @contextmanager
    def write(self) -> Iterator[None]:
        """A commit is on disk before this returns (and the client hears 201), even if the power
        fails: SQLite's FULL syncs the WAL in the commit; with a group commit, the commit is made
        at NORMAL inside the lock and the WAL's fsync after it, shared with the writers that
        committed meanwhile."""
        group = self.group_commit
        # Set before the lock: on a new connection it is the first statement, which parses the
        # whole schema (~0.9 ms), and other writers need not wait for that.
        self.execute("pragma synchronous = normal" if group else "pragma synchronous = full")
        with self.write_lock or nullcontext():
            self.execute("begin immediate")
            try:
                yield
            except BaseException:
                self.execute("rollback")
                raise
            self.execute("commit")
        if group is not None:
            group.flush()


def connect(path: Path, *, create: bool = False, write_lock: AbstractContextManager | None = None) -> Session:
    """A new connection in autocommit mode; transactions are explicit (see `Session.write`)."""
    mode = "rwc" if create else "rw"
    uri = f"{Path(os.path.abspath(path)).as_uri()}?mode={mode}"
    conn = sqlite3.connect(
        uri, uri=True, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False, factory=Session
    )
    conn.write_lock = write_lock
    try:
        conn.row_factory = sqlite3.Row
        conn.execute("pragma foreign_keys = on")
    except BaseException:
        conn.close()
        raise
    return conn


SQLITE_CONFIG_MEMSTATUS = 9  # sqlite3.h


def stop_sqlite_memory_statistics() -> bool:
    """Switch off SQLite's running count of the memory it holds (SQLITE_CONFIG_MEMSTATUS), as
    SQLite's own list of recommended options does for speed. With it on, every allocation of every
    connection takes one process-wide mutex; a server's request threads, each parsing the schema of
    its new connection, queued on it: at 8 concurrent clients 35% of the server's CPU went to futex
    waits and wake-ups, and GET /expenses?limit=50 went from 478 to 650 req/s without it.

    The option can only be set while SQLite is not initialised, so the library is shut down and
    started again, which is safe only while no SQLite object is alive in the process: that is
    checked first (the memory in use is 0), and nothing happens otherwise (the next server start
    tries again). Linux only (the library Python's sqlite3 uses, found by its soname). True once
    the count is off."""
    global _memory_statistics_off
    if _memory_statistics_off or not sys.platform.startswith("linux"):
        return _memory_statistics_off
    try:
        import ctypes

        library = ctypes.CDLL("libsqlite3.so.0")
        library.sqlite3_memory_used.restype = ctypes.c_int64
        if library.sqlite3_memory_used() != 0:
            return False  # a connection is open somewhere in the process: leave the library alone
        probe = sqlite3.connect(":memory:")
        same_library = library.sqlite3_memory_used() > 0  # the count is on, and of Python's sqlite3
        probe.close()
        if not same_library or library.sqlite3_memory_used() != 0 or library.sqlite3_shutdown() != 0:
            return False
        library.sqlite3_config(SQLITE_CONFIG_MEMSTATUS, ctypes.c_int(0))
        _memory_statistics_off = library.sqlite3_initialize() == 0
    except (OSError, AttributeError, sqlite3.Error) as exc:
        log.debug("SQLite's memory statistics stay on: %s", exc)
    return _memory_statistics_off


_memory_statistics_off = False


ANOTHER_FILE = f"--db PATH or {DB_ENV}"  # how a person chooses another database file


def describe_database_error(exc: BaseException, path: Path, another_file: str = ANOTHER_FILE) -> str:
    """One sentence for the user: what is wrong with the file at `path` and what to do;
    `another_file` says how they choose another file (the command line names --db when they used it)."""
    text = str(exc)
    lowered = text.lower()
    if path.is_dir():
        return f"The database path {path} is a folder; give a file path ({another_file})."
    if "locked" in lowered or "busy" in lowered:
        return (
            f"The database {path} is locked by another program; "
            "try again in a moment or close the program that holds it."
        )
    if "not a database" in lowered or "malformed" in lowered or "corrupt" in lowered:
        return (
            f"The file {path} is damaged or is not an Expense Tracker database ({text}); "
            f"it was left untouched: restore a backup or choose another file ({another_file})."
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


class UnusableFile(DatabaseUnavailable):
    """A file left untouched (another program's, or damaged); the sentence ends by saying how this
    person chooses another file, which `worded` changes (the command line names --db when they used it)."""

    def __init__(self, reason: str, remedy: str = "choose another file", another_file: str = ANOTHER_FILE):
        self.reason, self.remedy = reason, remedy
        super().__init__(f"{reason}; it was left untouched: {remedy} ({another_file}).")

    def worded(self, another_file: str) -> "UnusableFile":
        return UnusableFile(self.reason, self.remedy, another_file)


def check_is_ours(conn: sqlite3.Connection, path: Path) -> tuple[bool, int]:
    """Refuse files that belong to another program or a newer version; report whether it is empty."""
    tables = {row[0] for row in conn.execute("select name from sqlite_master where type = 'table'")}
    app_id = conn.execute("pragma application_id").fetchone()[0]
    version = conn.execute("pragma user_version").fetchone()[0]
    if app_id not in (0, APPLICATION_ID) or (tables and "expenses" not in tables):
        raise UnusableFile(f"The file {path} is a SQLite database of another program (it has no expenses table)")
    if version > len(MIGRATIONS):
        raise DatabaseUnavailable(
            f"The database {path} was written by a newer version of Expense Tracker "
            f"(schema {version}, this version knows {len(MIGRATIONS)}); please upgrade."
        )
    return not tables, version


def init_database(path: Path, report: Report | None = None, cancel: threading.Event | None = None) -> None:
    """Create or upgrade the database at `path`; never writes to a file that is not ours.

    An upgrade is one transaction: stopped at any point (a kill, a power cut, `cancel` set), it
    leaves the file as it was, and the next start does it again. `report(fraction, step)` hears
    how far it is.
    """
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
                raise UnusableFile(
                    f"The file {path} is damaged (SQLite's check says: {verdict[:200]})",
                    "restore a backup or choose another file",
                )
        # Another process may be upgrading the same file right now, which takes seconds on a
        # large file: wait for it rather than report a lock.
        conn.execute(f"pragma busy_timeout = {MIGRATION_BUSY_TIMEOUT_S * 1000}")
        if conn.execute("pragma journal_mode").fetchone()[0] != "wal":
            conn.execute("pragma journal_mode = wal")
        if cancel is not None:
            # Checked every few thousand steps of SQLite's engine: the statement stops at once.
            conn.set_progress_handler(lambda: 1 if cancel.is_set() else 0, 10_000)
        conn.execute("begin immediate")
        try:
            # Another process may have migrated while we waited for the write lock.
            is_new, version = check_is_ours(conn, path)
            if is_new:
                log.info("Creating database %s", path)
            elif version < len(MIGRATIONS):
                log.info("Upgrading database %s from schema %d to %d (once; may take a few "
                         "seconds for a large file)", path, version, len(MIGRATIONS))
            progress = Progress(report, sum(MIGRATION_WEIGHTS[version:]))
            for number in range(version, len(MIGRATIONS)):
                MIGRATIONS[number](conn, is_new, progress)
                progress.done = sum(MIGRATION_WEIGHTS[version:number + 1])
            progress.step("Saving")
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


# Every table and view the routes use, for /health: a file swapped or changed underneath a
# running app must not be reported as connected (tests check this against the migrations).
APP_TABLES = (
    "budgets", "categories", "deleted_expenses", "edit_rows", "edit_tags", "edits", "expense_search", "expense_search_config",
    "expense_search_data", "expense_search_idx", "expense_search_input", "expense_search_text",
    "expense_tags", "expenses", "import_batches", "import_in_progress", "import_profiles", "learned_words", "learning_changes",
    "monthly_totals", "recurring", "recurring_occurrences", "rules", "search_fold_map", "search_positions",
    "settings", "sqlite_sequence", "tag_monthly_totals", "tags",
    "currency_totals", "home_currency_changes", "home_currency_rows",
    "expense_parts", "expense_month_shares", "expense_part_home_amounts",
)


def check_usable(conn: sqlite3.Connection, path: Path) -> None:
    """Raise DatabaseUnavailable unless the open file is this app's, at this version, with its tables.

    Cheap enough for a polled /health: the header's two numbers and the schema a new connection
    reads anyway.
    """
    app_id = conn.execute("pragma application_id").fetchone()[0]
    version = conn.execute("pragma user_version").fetchone()[0]
    marks = ", ".join("?" * len(APP_TABLES))
    present = conn.execute(
        f"select count(*) from sqlite_master where type in ('table', 'view') and name in ({marks})", APP_TABLES
    ).fetchone()[0]
    if app_id not in (0, APPLICATION_ID) or version != len(MIGRATIONS) or present != len(APP_TABLES):
        raise DatabaseUnavailable(
            f"The database {path} is not the Expense Tracker database this app opened (another program "
            "replaced or changed it); restore a backup or restart the app."
        )


def upgrading_message(fraction: float) -> str:
    return f"The database is being upgraded ({fraction:.0%}); try again in a moment."


class Checkpointer:
    """Copies the WAL's pages into the database file on a thread of its own, a few times a second.

    SQLite does it by default in the commit that takes the WAL past 1000 pages: that commit then
    writes and fsyncs pages of the whole file, and at 1M expenses the writers queued behind it
    waited (8 scripts adding expenses: p99 140 ms; with the checkpoint here, 37 ms). A passive
    checkpoint never waits for a reader or a writer; the one that ends the app's last connection
    is SQLite's own, as before.
    """

    INTERVAL_S = 0.25

    def __init__(self, path: Path):
        self._path = path
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="checkpointer", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            conn = connect(self._path)
        except sqlite3.Error:
            return
        try:
            while not self._stopped.wait(self.INTERVAL_S) and self._path.exists():
                try:
                    conn.execute("pragma wal_checkpoint(passive)").fetchall()
                except sqlite3.Error as exc:  # a locked or replaced file: the next turn tries again
                    log.debug("Checkpoint of %s skipped: %s", self._path, exc)
        finally:
            conn.close()

    def stop(self) -> None:
        self._stopped.set()
        self._thread.join(timeout=5)


class GroupCommit:
    """Makes each writer's commit durable with one fsync of the WAL shared by every writer that
    committed while the previous fsync ran, outside the process's write lock.

    With `synchronous = FULL` SQLite fsyncs the WAL inside each commit, so writers queued behind
    the fsync (~0.8 ms here, and tens of ms on a busy disk) one after the other. Here a commit is
    made at NORMAL (its pages written to the WAL, not yet synced; NORMAL still syncs the WAL's
    header when the WAL starts over and around checkpoints), then `flush` returns once an fsync
    that began after the commit has finished: the same promise as FULL for the writer, who hears
    201 only then. A reader may see a commit a few hundred µs before it is on disk, which matters
    only if the power fails in between.
    """

    def __init__(self, path: Path):
        self._files = (Path(f"{path}-wal"), path)
        self._changed = threading.Condition()
        self._committed = 0  # commits made, counted after each one
        self._durable = 0  # commits known to be on disk
        self._syncing = False

    def flush(self) -> None:
        """Returns once this thread's last commit is on disk."""
        with self._changed:
            self._committed += 1
            mine = self._committed
            while self._durable < mine:
                if self._syncing:
                    self._changed.wait()
                    continue
                self._syncing, covered = True, self._committed
                try:
                    self._changed.release()
                    try:
                        self._fsync()
                    finally:
                        self._changed.acquire()
                    self._durable = max(self._durable, covered)
                finally:
                    self._syncing = False
                    self._changed.notify_all()

    def _fsync(self) -> None:
        # By name, each time: the WAL this process writes to now. If it is gone, the last
        # connection's checkpoint copied it into the database file, which is synced instead.
        flags = os.O_RDWR | getattr(os, "O_BINARY", 0) if os.name == "nt" else os.O_RDONLY
        for file in self._files:
            try:
                fd = os.open(file, flags)
            except FileNotFoundError:
                continue
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
            return


class Database:
    """Where the data lives, and whether it has been opened successfully yet."""

    def __init__(self, path: Path):
        self.path = path
        self.ready = False
        # While an upgrade runs in the background: (fraction done, step under way); else None.
        self.upgrading: tuple[float, str] | None = None
        self.stop_upgrade = threading.Event()
        self._anchor: sqlite3.Connection | None = None
        self._checkpointer: Checkpointer | None = None
        self._init_lock = threading.Lock()
        # One writer at a time inside this process: writers queue here instead of
        # sleeping in SQLite's busy handler, which keeps write latency even.
        self.write_lock = threading.Lock()
        self.group_commit = GroupCommit(path)

    def needs_upgrade(self) -> bool:
        """Whether the file exists in an older schema (cheap: reads the file's header only)."""
        if not self.path.is_file():
            return False
        try:
            conn = sqlite3.connect(f"{Path(os.path.abspath(self.path)).as_uri()}?mode=ro", uri=True)
            try:
                return conn.execute("pragma user_version").fetchone()[0] < len(MIGRATIONS)
            finally:
                conn.close()
        except sqlite3.Error:
            return False  # ensure_ready says what is wrong with it

    def upgrade(self) -> None:
        """ensure_ready, telling `upgrading` how far it is; `stop_upgrade` ends it, changing nothing."""
        self.upgrading = (0.0, "Checking the file")

        def report(fraction: float, step: str) -> None:
            if self.upgrading is None or step != self.upgrading[1]:
                log.info("Upgrading %s: %s (%.0f%%)", self.path, step.lower(), fraction * 100)
            self.upgrading = (fraction, step)

        try:
            self._init(report, self.stop_upgrade)
        finally:
            self.upgrading = None

    def ensure_ready(self) -> None:
        if self.ready:
            return
        upgrading = self.upgrading
        if upgrading is not None:
            raise DatabaseUpgrading(upgrading_message(upgrading[0]))
        self._init()

    def _init(self, report: Report | None = None, cancel: threading.Event | None = None) -> None:
        with self._init_lock:
            if not self.ready:
                init_database(self.path, report, cancel)
                self._keep_wal_open()
                self._checkpointer = Checkpointer(self.path)
                self.ready = True

    def _keep_wal_open(self) -> None:
        # An idle connection that no request uses. While it is open, SQLite keeps the WAL and
        # its index between requests; otherwise every request's close would be the last one,
        # checkpoint, delete the WAL, and the next request would build it again.
        self._anchor = connect(self.path)
        self._anchor.execute("select 1 from sqlite_master limit 1").fetchall()

    def close(self) -> None:
        checkpointer, self._checkpointer = self._checkpointer, None
        if checkpointer is not None:
            checkpointer.stop()
        anchor, self._anchor = self._anchor, None
        if anchor is not None:
            anchor.close()

    def open(self) -> Session:
        """A connection of its own for one request or task; its writes queue behind this process's others."""
        self.ensure_ready()
        try:
            conn = connect(self.path, write_lock=self.write_lock)
            conn.group_commit = self.group_commit
            # The Checkpointer moves the WAL into the file, not the commit that passes 1000 pages.
            conn.execute("pragma wal_autocheckpoint = 0")
            return conn
        except sqlite3.Error as exc:
            raise DatabaseUnavailable(describe_database_error(exc, self.path)) from exc
