"""Backups: checked copies made with SQLite's online backup API, their rotation, and a restore that
checks a copy before it touches the live file."""

import functools
import logging
import os
import re
import shutil
import sqlite3
import sys
import threading
import time
from contextlib import AbstractContextManager, closing, nullcontext
from datetime import date, datetime
from pathlib import Path

from tracker.db import check_is_ours, connect, describe_database_error, init_database
from tracker.errors import AppError, DatabaseUnavailable, NotFound
from tracker.migrations import APPLICATION_ID, MIGRATIONS

log = logging.getLogger("expense_tracker")


KEEP_DAILY = 7
BACKUP_LOCK = threading.Lock()
KEEP_WEEKLY = 4
# Each manual backup is a full copy of the database, and a button or a script can make many:
# only the newest ten stay, so that the folder cannot fill the disk (copies to a path the user
# chose are never removed).
KEEP_MANUAL = 10
BACKUP_NAME = re.compile(
    r"(?P<stem>.+)-(?P<day>[0-9]{4}-[0-9]{2}-[0-9]{2})"
    r"(?:-(?P<time>[0-9]{6})-(?P<kind>manual|before-restore|damaged)(?:-[0-9]+)?)?\.db"
)


def backup_dir(db_path: Path) -> Path:
    """Backups live in a `backups` folder beside the database: the app-data folder by default."""
    return db_path.parent / "backups"


def check_database_file(path: Path, pace: "Pace | None" = None) -> None:
    """Raise AppError unless `path` is an intact Expense Tracker database this version can open.

    With `pace`, the check pauses now and then (and stops if the pace is cancelled)."""
    if not path.is_file():
        raise NotFound(f"There is no file {path}.")
    try:
        with open(path, "rb") as file:
            check_declared_size(path, os.fstat(file.fileno()), file.read(SQLITE_HEADER_BYTES))
    except OSError as exc:
        raise AppError(f"The file {path} cannot be read ({exc.strerror or exc}).") from exc
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise AppError(f"The file {path} cannot be opened ({exc}).") from exc
    try:
        if pace is not None:
            conn.set_progress_handler(pace.query_tick, Pace.QUERY_INSTRUCTIONS)
            pace.checking = conn
        check_contents(conn, path)
    except AppError:
        if pace is not None and pace.cancel.is_set():
            raise BackupCancelled() from None
        raise
    finally:
        if pace is not None:
            pace.checking = None
        conn.close()


def check_contents(conn: sqlite3.Connection, path: Path) -> int:
    """Raise AppError unless the open file is intact, ours, not empty and not from a newer version; its version."""
    try:
        verdict = conn.execute("pragma integrity_check").fetchone()[0]
        if verdict != "ok":
            raise AppError(f"The file {path} is damaged (SQLite's check says: {verdict[:200]}).")
        is_empty, version = check_is_ours(conn, path)
        if is_empty:
            raise AppError(f"The file {path} is empty, so it is not a backup.")
        encoding = conn.execute("pragma encoding").fetchone()[0]
        if encoding != "UTF-8":
            raise AppError(f"The file {path} stores its text as {encoding}, which this app never writes.")
    except DatabaseUnavailable as exc:
        raise AppError(str(exc)) from exc
    except sqlite3.Error as exc:
        raise AppError(f"The file {path} is not a usable database ({exc}).") from exc
    return version


# The first 100 bytes of every SQLite file: https://www.sqlite.org/fileformat.html#the_database_header
SQLITE_HEADER_BYTES = 100
SQLITE_MAGIC = b"SQLite format 3\x00"
# A file may claim more than it has on disk only within reason: filesystems that compress
# (ZFS, btrfs) allocate less than a file's size, but a few times less, not thousands. Below the
# slack a file costs little to read whatever it claims.
SPARSE_FACTOR = 8
SPARSE_SLACK_BYTES = 64 << 20


def check_declared_size(path: Path, info: os.stat_result, header: bytes) -> None:
    """Refuse a file that claims far more pages than it holds, before anything reads it all.

    A sparse file of 20 GiB takes a few blocks on disk and a read of no time; copying it into the
    database would write 20 GiB of zeros. Only the header and the file system's figures are read.
    """
    if len(header) < SQLITE_HEADER_BYTES or not header.startswith(SQLITE_MAGIC):
        return  # SQLite itself says what is wrong with it
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    declared = int.from_bytes(header[28:32], "big") * page_size
    # The header's page count counts only if its change counter matches (older SQLite left it stale).
    if header[24:28] == header[92:96] and declared > info.st_size:
        raise AppError(
            f"The file {path} claims {declared:,} bytes of pages but holds only {info.st_size:,}; "
            "it is damaged or made up."
        )
    # st_blocks counts 512-byte units actually allocated; a sparse file has few (no st_blocks on Windows).
    allocated = getattr(info, "st_blocks", None)
    on_disk = info.st_size if allocated is None else allocated * 512
    if info.st_size > SPARSE_FACTOR * on_disk + SPARSE_SLACK_BYTES:
        raise AppError(
            f"The file {path} claims {info.st_size:,} bytes but only {on_disk:,} are on disk (a sparse "
            "file); it is not a backup this app made."
        )


SchemaObjects = dict[tuple[str, str], tuple[str, str]]


def schema_objects(conn: sqlite3.Connection) -> SchemaObjects:
    """Every schema object, by (type, name): its table and its SQL, with spacing and case normalised.

    Files made by the seed spell the same tables in capitals; SQLite keeps the text as written.
    """
    rows = conn.execute("select type, name, tbl_name, sql from sqlite_master order by rowid")
    return {(row[0], row[1]): (row[2], normalised_sql(row[3])) for row in rows}


def normalised_sql(sql: str | None) -> str:
    text = re.sub(r"\s+", " ", (sql or "").lower()).strip()
    return re.sub(r" ?([(),;=<>]) ?", r"\1", text)


@functools.cache
def expected_schema(version: int) -> SchemaObjects:
    """What the first `version` migrations make on an empty database (built once per version, ~0.15 s)."""
    conn = sqlite3.connect(":memory:", isolation_level=None)
    try:
        # Version 0 is a file of the seed, which had the first migration's tables but no version.
        for migrate in MIGRATIONS[:max(version, 1)]:
            migrate(conn, True)
        return schema_objects(conn)
    finally:
        conn.close()


def check_schema(conn: sqlite3.Connection, path: Path, version: int) -> None:
    """Raise AppError naming the first object that differs from what this app makes at `version`."""
    found, expected = schema_objects(conn), expected_schema(version)
    for (kind, name), definition in found.items():
        if (kind, name) not in expected:
            raise AppError(f"The file {path} has a {kind} {name!r} that this app does not make.")
        if expected[(kind, name)] != definition:
            raise AppError(f"The file {path} has a {kind} {name!r} that differs from the one this app makes.")
    for kind, name in expected:
        if (kind, name) not in found:
            raise AppError(f"The file {path} lacks the {kind} {name!r} that this app makes.")


class BackupCancelled(Exception):
    """A paced backup was cancelled (the app is closing); its partial copy is removed."""


class Pace:
    """Makes a backup yield to the person: it copies in small steps with pauses, checks the copy
    with pauses, runs at the lowest CPU priority (on Linux, for its own thread only), and stops
    when `cancel` is set.

    Measured on 1M expenses (330 MB): an export right after start took 4.96 s beside an
    unpaced backup and its integrity_check, 2.45 s without (see README, performance).
    """

    PAGES = 256  # per step of the backup API: 1 MB of 4 KiB pages
    STEP_PAUSE_S = 0.002
    QUERY_INSTRUCTIONS = 200_000  # SQLite VM instructions between pauses of the integrity check
    QUERY_PAUSE_S = 0.001

    def __init__(self):
        self.cancel = threading.Event()
        self.checking: sqlite3.Connection | None = None

    def stop(self) -> None:
        """Cancel from another thread; a check under way is interrupted at once."""
        self.cancel.set()
        checking = self.checking
        if checking is not None:
            try:
                checking.interrupt()
            except sqlite3.Error:
                pass  # it closed meanwhile

    def lower_priority(self) -> None:
        """Lowest CPU priority for the calling thread (Linux: a thread id is a process id for nice)."""
        if sys.platform.startswith("linux"):
            try:
                os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)
            except OSError:
                pass

    def backup_step(self, status: int, remaining: int, total: int) -> None:
        if self.cancel.is_set():
            raise BackupCancelled()
        time.sleep(self.STEP_PAUSE_S)

    def query_tick(self) -> int:
        if self.cancel.is_set():
            return 1  # SQLite stops the query ("interrupted")
        time.sleep(self.QUERY_PAUSE_S)
        return 0


def write_backup(db_path: Path, target: Path, pace: Pace | None = None) -> Path:
    """A checked copy of the live database at `target`; a copy that fails the check is removed.

    With `pace`, the copy and its check yield to other work (see Pace) and may be cancelled."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.{os.getpid()}.{threading.get_ident()}.partial")
    try:
        source = connect(db_path)
        try:
            copy = sqlite3.connect(partial)
            try:
                if pace is None:
                    source.backup(copy)
                else:
                    # One read transaction over every step: the copy is one snapshot, and writes
                    # meanwhile (WAL) do not make it start over.
                    source.execute("begin")
                    source.execute("select count(*) from sqlite_master").fetchone()
                    source.backup(copy, pages=Pace.PAGES, progress=pace.backup_step)
                    source.execute("commit")
                # A backup is one self-contained file, whatever the live database's journal mode.
                copy.execute("pragma journal_mode = delete")
            finally:
                copy.close()
        finally:
            source.close()
        check_database_file(partial, pace)
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
    # Two in the same second are numbered; after the highest number, never a freed one, so that
    # the name still tells which is newer once older manual backups were removed.
    folder = backup_dir(db_path)
    numbers = [int(match[1] or 1) for path in folder.glob(f"{glob_escape(stem)}*.db")
               if (match := re.fullmatch(r"(?:-([0-9]+))?\.db", path.name[len(stem):]))]
    number = max(numbers, default=0) + 1
    return f"{stem}.db" if number == 1 else f"{stem}-{number}.db"


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


def daily_backup(db_path: Path, today: date | None = None, pace: Pace | None = None) -> Path | None:
    """Today's automatic backup, unless there is one already; then the rotation."""
    today = today or date.today()
    target = backup_dir(db_path) / backup_name(db_path, today)
    with BACKUP_LOCK:
        if target.exists():
            return None
        write_backup(db_path, target, pace)
        rotate_backups(db_path)
    log.info("Backed up %s to %s", db_path, target)
    return target


def manual_backup(db_path: Path, target: Path | None = None) -> Path:
    """A checked copy at `target`, or without one a manual backup in the backups folder (capped)."""
    if target is not None:
        return write_backup(db_path, target)
    with BACKUP_LOCK:  # two at the same second would otherwise pick the same name
        made = write_backup(db_path, backup_dir(db_path) / backup_name(db_path, date.today(), "manual"))
        remove_old_manual_backups(db_path)
    return made


def manual_backup_order(name: str) -> tuple[str, str, int]:
    """Day, time and same-second number of a manual backup's name: the order they were made in."""
    match = BACKUP_NAME.fullmatch(name)
    number = re.search(r"-manual(?:-([0-9]+))?\.db$", name)
    return match["day"], match["time"], int(number[1] or 1)


def remove_old_manual_backups(db_path: Path) -> list[str]:
    """Keep the newest KEEP_MANUAL manual backups of this database; other kinds are not touched."""
    manual = [b["name"] for b in list_backups(db_path) if b["kind"] == "manual"]
    removed = sorted(manual, key=manual_backup_order, reverse=True)[KEEP_MANUAL:]
    for name in removed:
        (backup_dir(db_path) / name).unlink(missing_ok=True)
    return removed


def copy_checked_size(source: Path, target: Path) -> None:
    """Copy `source` to `target` after `check_declared_size`, reading the file that was checked."""
    with open(source, "rb") as file:
        info = os.fstat(file.fileno())
        check_declared_size(source, info, file.read(SQLITE_HEADER_BYTES))
        file.seek(0)
        with open(target, "wb") as copy:
            remaining = info.st_size  # no more than was checked, even if the file grows meanwhile
            while remaining > 0 and (chunk := file.read(min(remaining, 1 << 20))):
                copy.write(chunk)
                remaining -= len(chunk)


# Litestream (replication, tracker.replica) keeps two tables of its own in the live file; a copy of a
# replicated file has them. They are dropped from the copy when exactly as Litestream makes them
# (it makes them again in the live file when it next runs); any other extra table is still refused.
LITESTREAM_TABLES = {
    "_litestream_seq": "create table _litestream_seq(id integer primary key,seq integer)",
    "_litestream_lock": "create table _litestream_lock(id integer)",
}


def drop_litestream_tables(conn: sqlite3.Connection) -> None:
    found = schema_objects(conn)
    for name, sql in LITESTREAM_TABLES.items():
        if found.get(("table", name)) == (name, sql):
            conn.execute(f"drop table {name}")


def check_and_upgrade_copy(copy: Path, source: Path) -> None:
    """Raise AppError unless the copy is exactly this app's file; upgrade it to this version's schema.

    It must be intact and this app's (or the seed's, which had no application id, but only with
    exactly the schema the migrations make for its version), then the same after the upgrade.
    """
    conn = connect(copy)
    try:
        version = check_contents(conn, source)
        drop_litestream_tables(conn)
        check_schema(conn, source, version)
    except sqlite3.Error as exc:
        raise AppError(f"The file {source} is not a usable database ({exc}).") from exc
    finally:
        conn.close()
    try:
        init_database(copy)
    except DatabaseUnavailable as exc:
        raise AppError(f"The file {source} could not be upgraded to this version ({exc}).") from exc
    conn = connect(copy)
    try:
        check_schema(conn, source, len(MIGRATIONS))
        # integrity_check leaves out the search index (before SQLite 3.44); this checks it against
        # its table (1.2 s for 200k expenses, a tenth of integrity_check).
        conn.execute("insert into expense_search (expense_search) values ('integrity-check')")
        conn.execute(f"pragma application_id = {APPLICATION_ID}")  # checked: it is ours now
    finally:
        conn.close()


def match_page_size(copy: Path, db_path: Path) -> None:
    """Give the copy the live file's page size: SQLite cannot copy pages of another size into a WAL file."""
    try:
        with closing(sqlite3.connect(f"{db_path.resolve().as_uri()}?mode=ro", uri=True)) as live:
            wanted = live.execute("pragma page_size").fetchone()[0]
    except sqlite3.Error:
        return  # no usable live file: the copy replaces it whole
    with closing(connect(copy)) as conn:
        if conn.execute("pragma page_size").fetchone()[0] != wanted:
            conn.execute("pragma journal_mode = delete")
            conn.execute(f"pragma page_size = {int(wanted)}")
            conn.execute("vacuum")


def restore_backup(db_path: Path, source: Path, lock: AbstractContextManager | None = None) -> dict:
    """Replace the database's contents with `source`, after a backup of the current contents.

    `source` is checked and upgraded on a copy beside the database first; nothing touches the
    live file unless the copy passes. The copy then goes through SQLite's backup API into the
    live file, under `lock`, so a running server and its readers simply see the restored data.
    """
    if not source.is_file():
        raise NotFound(f"There is no file {source}.")
    if source.resolve() == db_path.resolve():
        raise AppError("That file is the database itself; choose a backup to restore.")
    db_path.parent.mkdir(parents=True, exist_ok=True)
    copy = db_path.with_name(f".{db_path.name}.restore-{os.getpid()}-{threading.get_ident()}.tmp")
    try:
        try:
            copy_checked_size(source, copy)
            check_and_upgrade_copy(copy, source)
            match_page_size(copy, db_path)
        except OSError as exc:
            raise AppError(f"The file {source} could not be copied beside the database ({exc.strerror or exc}). "
                           "Nothing was restored; your data is unchanged.") from exc
        except sqlite3.Error as exc:
            raise AppError(f"The file {source} is not a usable database ({exc}). "
                           "Nothing was restored; your data is unchanged.") from exc
        except AppError as exc:
            raise type(exc)(f"{exc} Nothing was restored; your data is unchanged.") from exc
        with lock or nullcontext():
            safety = keep_before_restore(db_path)
            try:
                with closing(connect(copy)) as origin, closing(connect(db_path, create=True)) as live:
                    live.execute("pragma busy_timeout = 30000")
                    origin.backup(live)
            except sqlite3.Error as exc:
                raise AppError(describe_database_error(exc, db_path)) from exc
            init_database(db_path)  # a no-op for the upgraded copy; sets up a file that was missing
    finally:
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{copy}{suffix}").unlink(missing_ok=True)
    return {"restored": source.name, "safety_backup": safety.name if safety else None}


def keep_before_restore(db_path: Path) -> Path | None:
    """A backup of what is there now; a damaged file is kept byte for byte and moved aside."""
    if not db_path.exists():
        return None
    folder = backup_dir(db_path)
    try:
        check_database_file(db_path)
    except AppError:
        # Kept byte for byte: whatever is left of it may still matter to someone.
        safety = folder / backup_name(db_path, date.today(), "damaged")
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(db_path, safety)
        for suffix in ("-wal", "-shm"):
            Path(f"{db_path}{suffix}").unlink(missing_ok=True)
        db_path.unlink()
        return safety
    return write_backup(db_path, folder / backup_name(db_path, date.today(), "before-restore"))


def has_daily_backup(db_path: Path, today: date | None = None) -> bool:
    return (backup_dir(db_path) / backup_name(db_path, today or date.today())).exists()


def safe_daily_backup(db_path: Path, pace: Pace | None = None) -> None:
    try:
        daily_backup(db_path, pace=pace)
    except BackupCancelled:
        log.info("The day's backup of %s was left for the next start, as the app closed first.", db_path)
    except (AppError, OSError, sqlite3.Error) as exc:
        log.error("The automatic backup of %s failed: %s", db_path, exc)


class StartBackup:
    """The day's backup at start, on its own thread, yielding to the person (see Pace).

    `finish()` at close: a backup still under way is cancelled and left for the next start (which
    makes it, as the day has none), so closing is not held up; if the app has been open since
    before today and no backup was made today, it is made then, at full speed.
    """

    def __init__(self, db_path: Path):
        self.db_path = db_path
        self.pace = Pace()
        self.thread = threading.Thread(target=self._run, daemon=True, name="backup")

    def _run(self) -> None:
        self.pace.lower_priority()
        safe_daily_backup(self.db_path, self.pace)

    def start(self) -> "StartBackup":
        self.thread.start()
        return self

    def finish(self) -> None:
        if self.thread.is_alive():
            self.pace.stop()
            self.thread.join()
            return
        if not has_daily_backup(self.db_path):
            safe_daily_backup(self.db_path)
