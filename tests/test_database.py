"""Where the data lives, how files are created and upgraded, and what happens to bad files."""

import hashlib
import os
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

import tracker.db
from api.app import create_app
from conftest import BASE_URL, expense
from tracker.config import resolve_db_path
from tracker.db import init_database
from tracker.migrations import APPLICATION_ID, MIGRATIONS

# The schema exactly as the first builds created it.
SEED_DDL = """
CREATE TABLE IF NOT EXISTS categories (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    color TEXT NOT NULL DEFAULT '#6c757d',
    created_at TEXT NOT NULL DEFAULT (datetime('now'))
);
CREATE TABLE IF NOT EXISTS expenses (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    amount REAL NOT NULL CHECK(amount > 0),
    description TEXT NOT NULL,
    category_id INTEGER NOT NULL REFERENCES categories(id),
    date TEXT NOT NULL,
    created_at TEXT NOT NULL DEFAULT (datetime('now'))
);
CREATE INDEX IF NOT EXISTS idx_expenses_date ON expenses(date);
CREATE INDEX IF NOT EXISTS idx_expenses_category ON expenses(category_id);
"""


def open_client(path):
    return TestClient(create_app(path), base_url=BASE_URL)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_db_path_from_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("EXPENSE_TRACKER_DB", str(tmp_path / "mine.db"))
    assert resolve_db_path() == tmp_path / "mine.db"


def test_db_path_default_is_user_data_dir(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert resolve_db_path() == tmp_path / "xdg" / "ExpenseTracker" / "expenses.db"


def test_new_database_is_wal_seeded_and_versioned(tmp_path):
    path = tmp_path / "nested" / "dir" / "expenses.db"
    with open_client(path) as client:
        assert client.get("/health").json() == {"status": "ok", "database": "connected", "file": "expenses.db", "folder": "dir"}
    conn = sqlite3.connect(path)
    assert conn.execute("pragma journal_mode").fetchone()[0] == "wal"
    assert conn.execute("pragma user_version").fetchone()[0] == len(MIGRATIONS)
    assert conn.execute("pragma application_id").fetchone()[0] == APPLICATION_ID
    assert [r[0] for r in conn.execute("select name from categories order by id")] == ["Food", "Transport", "Utilities"]


def test_deleted_default_category_stays_deleted_after_restart(db_path):
    with open_client(db_path) as client:
        assert client.delete("/categories/1").status_code == 204
    with open_client(db_path) as client:
        assert [c["name"] for c in client.get("/categories").json()] == ["Transport", "Utilities"]


def test_restart_keeps_everything(db_path):
    with open_client(db_path) as client:
        created = client.post("/expenses", json=expense()).json()
    with open_client(db_path) as client:
        assert client.get(f"/expenses/{created['id']}").json() == created
        assert [c["name"] for c in client.get("/categories").json()] == ["Food", "Transport", "Utilities"]


def test_seed_schema_database_opens_keeps_rows_and_upgrades(db_path):
    conn = sqlite3.connect(db_path)
    conn.executescript(SEED_DDL)
    conn.executemany("insert into categories (name, color) values (?, ?)", [("Food", "#111111"), ("Rent", "#222222")])
    conn.executemany(
        "insert into expenses (amount, description, category_id, date) values (?, ?, ?, ?)",
        [(0.1, "old, \"one\"", 1, "2024-01-05"), (0.2, "old two", 1, "2024-01-20"), (950, "rent", 2, "2024-02-01")],
    )
    conn.commit()
    conn.close()
    with open_client(db_path) as client:
        assert [c["name"] for c in client.get("/categories").json()] == ["Food", "Rent"]
        assert [e["description"] for e in client.get("/expenses?sort=date&order=asc").json()] == [
            'old, "one"', "old two", "rent"
        ]
        assert client.get("/summary?month=2024-01").json() == {
            "month": "2024-01", "total": 0.3, "count": 2,
            "by_category": [{"category_name": "Food", "total": 0.3, "count": 2}],
        }
        assert client.post("/expenses", json=expense(category_id=2, date="2024-02-03", amount=50)).status_code == 201
        assert client.get("/summary?month=2024-02").json()["total"] == 1000.0
    conn = sqlite3.connect(db_path)
    assert conn.execute("pragma user_version").fetchone()[0] == len(MIGRATIONS)
    assert conn.execute("pragma integrity_check").fetchone()[0] == "ok"


def test_empty_seed_schema_database_is_not_seeded_again(db_path):
    conn = sqlite3.connect(db_path)
    conn.executescript(SEED_DDL)
    conn.close()
    with open_client(db_path) as client:
        assert client.get("/categories").json() == []


def assert_unavailable(client, words):
    for method, url, body in [
        ("get", "/health", None),
        ("get", "/expenses", None),
        ("post", "/expenses", expense()),
        ("get", "/summary?month=2025-01", None),
        ("get", "/expenses/export", None),
        ("get", "/categories", None),
    ]:
        response = client.request(method, url, json=body)
        assert response.status_code == 503, (url, response.text)
        detail = response.json()["detail"]
        for word in words:
            assert word in detail, (url, detail)


def test_damaged_file_is_reported_and_left_byte_identical(db_path):
    db_path.write_bytes(os.urandom(64 * 1024))
    before = digest(db_path)
    with open_client(db_path) as client:
        health = client.get("/health").json()
        assert (health["database"], health["file"], health["folder"]) == ("disconnected", "expenses.db", db_path.parent.name)
        assert_unavailable(client, [str(db_path), "damaged", "left untouched"])
    assert digest(db_path) == before
    assert sorted(p.name for p in db_path.parent.iterdir()) == ["expenses.db"]


def test_other_programs_database_is_refused_and_left_identical(db_path):
    conn = sqlite3.connect(db_path)
    conn.execute("create table moz_places (id integer primary key, url text)")
    conn.execute("insert into moz_places (url) values ('https://example.org')")
    conn.commit()
    conn.close()
    before = digest(db_path)
    with open_client(db_path) as client:
        assert_unavailable(client, [str(db_path), "another program"])
    assert digest(db_path) == before


def test_newer_schema_is_refused(db_path):
    with open_client(db_path):
        pass
    conn = sqlite3.connect(db_path)
    conn.execute("pragma user_version = 99")
    conn.close()
    with open_client(db_path) as client:
        assert_unavailable(client, [str(db_path), "newer version"])


def test_directory_in_place_of_file(db_path):
    db_path.mkdir()
    with open_client(db_path) as client:
        assert_unavailable(client, [str(db_path), "directory"])
    assert db_path.is_dir() and not any(db_path.iterdir())


def test_vanished_file_is_503_and_not_recreated(db_path):
    with open_client(db_path) as client:
        assert client.get("/health").status_code == 200
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db_path}{suffix}").unlink(missing_ok=True)
        assert_unavailable(client, [str(db_path), "cannot be opened"])
    assert not db_path.exists()


def test_repaired_file_is_used_without_restart(db_path, tmp_path):
    good = tmp_path / "good.db"
    with open_client(good) as client:
        client.post("/expenses", json=expense(description="from the backup"))
    db_path.write_bytes(b"not a database at all" * 100)
    with open_client(db_path) as client:
        assert client.get("/health").status_code == 503
        db_path.write_bytes(good.read_bytes())
        assert client.get("/health").status_code == 200
        assert [e["description"] for e in client.get("/expenses").json()] == ["from the backup"]


def test_locked_database_write_is_503_and_loses_nothing(db_path, monkeypatch):
    monkeypatch.setattr(tracker.db, "BUSY_TIMEOUT_S", 0.3)
    with open_client(db_path) as client:
        created = client.post("/expenses", json=expense()).json()
        holder = sqlite3.connect(db_path, isolation_level=None)
        holder.execute("begin immediate")
        try:
            response = client.post("/expenses", json=expense(description="blocked"))
            assert response.status_code == 503
            assert "locked" in response.json()["detail"] and str(db_path) in response.json()["detail"]
            assert client.get("/expenses").json() == [created]
        finally:
            holder.execute("rollback")
            holder.close()
        assert client.post("/expenses", json=expense(description="after")).status_code == 201


def test_data_directory_that_cannot_be_made_is_reported(tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the data folder should be")
    path = blocker / "expenses.db"
    with open_client(path) as client:
        assert_unavailable(client, [str(path), "cannot be opened"])
    assert blocker.read_text() == "a file where the data folder should be"


def test_concurrent_first_start_migrates_once(db_path):
    errors = []

    def start():
        try:
            init_database(db_path)
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=start) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    conn = sqlite3.connect(db_path)
    assert conn.execute("select count(*) from categories").fetchone()[0] == 3


MEMORY_STATISTICS = """
import ctypes, sqlite3, sys, tempfile
from pathlib import Path
sys.path.insert(0, {root!r})
import pytest
from fastapi.testclient import TestClient
from api.app import create_app
library = ctypes.CDLL("libsqlite3.so.0")
library.sqlite3_memory_used.restype = ctypes.c_int64
held = sqlite3.connect(":memory:") if {open_first} else None
with TestClient(create_app(Path(tempfile.mkdtemp()) / "expenses.db"), base_url="http://127.0.0.1") as client:
    added = client.post("/expenses", json={{"amount": 4.5, "description": "Tea", "category_id": 1, "date": "2026-11-05"}})
    assert added.status_code == 201, added.text
    listed = client.get("/expenses").json()
    assert [e["description"] for e in listed] == ["Tea"], listed
    counted = library.sqlite3_memory_used()  # with connections open: 0 only when the count is off
print("counted" if counted else "not counted")
if held is not None:
    print(held.execute("select 41 + 1").fetchone()[0])
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the count is switched off on Linux only")
@pytest.mark.parametrize(("open_first", "expected"), [
    (False, ["not counted"]),
    (True, ["counted", "42"]),  # a connection was open: the library is left as it is, and it still works
])
def test_server_start_switches_off_sqlite_memory_count_only_when_nothing_is_open(open_first, expected):
    script = MEMORY_STATISTICS.format(root=str(Path(__file__).resolve().parents[1]), open_first=open_first)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == expected


def test_group_commit_answers_each_writer_after_an_fsync_that_began_after_its_commit(tmp_path, monkeypatch):
    from tracker.db import GroupCommit

    group = GroupCommit(tmp_path / "expenses.db")
    clock = iter(range(1_000_000))
    clock_lock = threading.Lock()

    def tick():
        with clock_lock:
            return next(clock)

    fsyncs = []  # (began, ended)

    def slow_fsync():
        began = tick()
        threading.Event().wait(0.01)
        fsyncs.append((began, tick()))

    monkeypatch.setattr(group, "_fsync", slow_fsync)
    answered = []  # (committed, flushed)

    def writer():
        for _ in range(10):
            committed = tick()
            group.flush()
            answered.append((committed, tick()))

    threads = [threading.Thread(target=writer) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(answered) == 80
    for committed, flushed in answered:
        assert any(committed < began and ended < flushed for began, ended in fsyncs), (committed, flushed)
    assert len(fsyncs) < 40  # shared: 8 writers, far fewer fsyncs than commits


def test_group_commit_fsync_error_reaches_the_writer_and_the_next_one_syncs_again(tmp_path, monkeypatch):
    from tracker.db import GroupCommit

    group = GroupCommit(tmp_path / "expenses.db")
    calls = []

    def failing_once():
        calls.append(1)
        if len(calls) == 1:
            raise OSError(5, "Input/output error")

    monkeypatch.setattr(group, "_fsync", failing_once)
    with pytest.raises(OSError):
        group.flush()
    group.flush()
    assert len(calls) == 2


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/fd")
def test_added_expense_is_answered_after_its_wal_is_fsynced(db_path, monkeypatch):
    synced = []
    real_fsync = os.fsync

    def recording_fsync(fd):
        synced.append(os.readlink(f"/proc/self/fd/{fd}"))
        real_fsync(fd)

    with TestClient(create_app(db_path), base_url=BASE_URL) as client:
        monkeypatch.setattr(os, "fsync", recording_fsync)
        assert client.post("/expenses", json=expense()).status_code == 201
    assert str(db_path.resolve()) + "-wal" in synced
