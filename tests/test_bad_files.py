"""Bad database files: each gets a clear answer naming the file, in seconds, and stays as it was."""

import hashlib
import os
import sqlite3
import subprocess
import sys
import time

import pytest
from fastapi.testclient import TestClient
from test_database import SEED_DDL

import tracker.db
from api.app import create_app
from conftest import BASE_URL, expense
from tracker.db import init_database


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def open_client(path):
    return TestClient(create_app(path), base_url=BASE_URL)


def seed_database(path, rows=3000):
    conn = sqlite3.connect(path)
    conn.executescript(SEED_DDL)
    conn.execute("insert into categories (name) values ('Food')")
    conn.executemany(
        "insert into expenses (amount, description, category_id, date) values (?, ?, 1, ?)",
        [(1.25, f"row {i} " + "x" * 80, f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}") for i in range(rows)],
    )
    conn.commit()
    conn.close()


def test_bad_file_zero_bytes_becomes_a_new_database(db_path):
    # An empty file is a valid, empty SQLite database (`touch expenses.db` picks the place).
    db_path.write_bytes(b"")
    with open_client(db_path) as client:
        assert client.get("/health").status_code == 200
        assert [c["name"] for c in client.get("/categories").json()] == ["Food", "Transport", "Utilities"]


def test_bad_file_truncated_old_database_is_not_upgraded(db_path):
    seed_database(db_path)
    data = db_path.read_bytes()
    db_path.write_bytes(data[: len(data) // 2])
    before = digest(db_path)
    with open_client(db_path) as client:
        response = client.get("/expenses")
        assert response.status_code == 503
        assert str(db_path) in response.json()["detail"] and "damaged" in response.json()["detail"]
    assert digest(db_path) == before


def test_bad_file_truncated_current_database_is_reported(db_path, tmp_path):
    seed_database(db_path)
    init_database(db_path)
    conn = sqlite3.connect(db_path)
    conn.execute("pragma wal_checkpoint(truncate)")
    conn.close()
    data = db_path.read_bytes()
    db_path.write_bytes(data[: len(data) // 3])
    before = digest(db_path)
    with open_client(db_path) as client:
        for url in ("/expenses?sort=amount", "/expenses/export", "/expenses/count?date_from=2024-03-05"):
            started = time.monotonic()
            response = client.get(url)
            assert time.monotonic() - started < 5
            assert response.status_code == 503, (url, response.text)
            assert str(db_path) in response.json()["detail"]
    assert digest(db_path) == before


def test_bad_file_locked_by_another_process(db_path, monkeypatch):
    monkeypatch.setattr(tracker.db, "BUSY_TIMEOUT_S", 1.0)
    init_database(db_path)
    holder = subprocess.Popen(
        [sys.executable, "-c", (
            "import sqlite3, sys, time\n"
            f"c = sqlite3.connect({str(db_path)!r}, isolation_level=None)\n"
            "c.execute('begin immediate'); print('locked', flush=True); time.sleep(30)\n"
        )],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        with open_client(db_path) as client:
            assert client.get("/expenses").status_code == 200  # readers are not blocked in WAL mode
            started = time.monotonic()
            response = client.post("/expenses", json=expense())
            assert time.monotonic() - started < 5
            assert response.status_code == 503
            assert "locked" in response.json()["detail"] and str(db_path) in response.json()["detail"]
    finally:
        holder.kill()
        holder.wait()


@pytest.fixture
def tiny_filesystem(tmp_path):
    """A real, small filesystem of our own (tmpfs, 1 MB: a new database and its WAL take ~0.6 MB), for full-disk
    and read-only tests."""
    if os.geteuid() != 0:
        pytest.skip("mounting a test filesystem needs root (CI runs as root)")
    mount_point = tmp_path / "mnt"
    mount_point.mkdir()
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount_point)], capture_output=True, text=True)
    if result.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {result.stderr.strip()}")
    yield mount_point
    subprocess.run(["umount", "-l", str(mount_point)], check=False)


def test_bad_file_disk_full_is_503_and_keeps_acknowledged_rows(tiny_filesystem):
    db_path = tiny_filesystem / "expenses.db"
    acknowledged = []
    with open_client(db_path) as client:
        for number in range(5000):
            response = client.post("/expenses", json=expense(description=f"expense {number} " + "y" * 150))
            if response.status_code != 201:
                break
            acknowledged.append(response.json()["id"])
        assert response.status_code == 503, "the disk never filled up"
        assert "full" in response.json()["detail"] and str(db_path) in response.json()["detail"]
        assert client.get("/health").status_code == 200
    conn = sqlite3.connect(db_path)
    assert conn.execute("pragma integrity_check").fetchone()[0] == "ok"
    stored = {row[0] for row in conn.execute("select id from expenses")}
    assert set(acknowledged) <= stored


def test_bad_file_read_only_filesystem(tiny_filesystem):
    db_path = tiny_filesystem / "expenses.db"
    with open_client(db_path) as client:
        client.post("/expenses", json=expense(description="written before"))
    conn = sqlite3.connect(db_path)
    conn.execute("pragma journal_mode = delete")  # no WAL files left beside it
    conn.close()
    subprocess.run(["mount", "-o", "remount,ro", str(tiny_filesystem)], check=True)
    before = digest(db_path)
    with open_client(db_path) as client:
        response = client.post("/expenses", json=expense(description="refused"))
        assert response.status_code == 503
        detail = response.json()["detail"]
        assert str(db_path) in detail and ("read-only" in detail or "cannot be opened" in detail)
        listed = client.get("/expenses")
        assert listed.status_code in (200, 503)
    assert digest(db_path) == before
