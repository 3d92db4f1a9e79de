"""A restore is checked and upgraded on a copy first: a file that is not exactly this app's never
reaches the live database, which then stays byte-identical. /health says when the file is unusable."""

import hashlib
import os
import sqlite3
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_database import SEED_DDL

from tracker.backups import (
    backup_dir,
    check_database_file,
    expected_schema,
    manual_backup,
    restore_backup,
)
from tracker.db import APP_TABLES, init_database
from tracker.errors import AppError
from tracker.migrations import APPLICATION_ID, MIGRATIONS

GIB = 1 << 30


def live_digest(db_path: Path) -> dict[str, str]:
    """The bytes of the live file and its WAL, as they are on disk now, once every committed page
    is in the file: the app copies the WAL into it on a thread of its own (tracker.db.Checkpointer),
    which changes the file's bytes but not what it holds."""
    if Path(f"{db_path}-wal").exists():
        conn = sqlite3.connect(db_path)
        try:
            for _ in range(200):
                busy, logged, copied = conn.execute("pragma wal_checkpoint(passive)").fetchone()
                if not busy and logged == copied:
                    break
                time.sleep(0.01)
        finally:
            conn.close()
    return {
        suffix: hashlib.sha256(Path(f"{db_path}{suffix}").read_bytes()).hexdigest()
        for suffix in ("", "-wal") if Path(f"{db_path}{suffix}").exists()
    }


def edited(good: Path, bad: Path, *statements: str) -> None:
    bad.write_bytes(good.read_bytes())
    conn = sqlite3.connect(bad, isolation_level=None)
    try:
        for statement in statements:
            conn.execute(statement)
    finally:
        conn.close()


def foreign_expenses(good: Path, bad: Path) -> None:
    conn = sqlite3.connect(bad)
    conn.execute("create table expenses (id integer primary key, title text, price real)")
    conn.execute("insert into expenses (title, price) values ('Not ours', 3)")
    conn.commit()
    conn.close()


def sparse(good: Path, bad: Path, claimed: int = 20 * GIB) -> None:
    """A valid backup whose header and size claim 20 GiB, nearly all of it a hole in the file."""
    data = bytearray(good.read_bytes())
    page_size = int.from_bytes(data[16:18], "big")
    data[28:32] = (claimed // page_size).to_bytes(4, "big")
    bad.write_bytes(bytes(data))
    os.truncate(bad, claimed)


def truncated(good: Path, bad: Path) -> None:
    bad.write_bytes(good.read_bytes()[: 4096 * 5])


def newer_version(good: Path, bad: Path) -> None:
    edited(good, bad, f"pragma user_version = {len(MIGRATIONS) + 1}")


HOSTILE = [
    ("foreign-expenses-table", foreign_expenses, "has a table 'expenses' that differs from the one this app makes"),
    (
        "extra-trigger-that-deletes",
        lambda good, bad: edited(good, bad, "create trigger vanish after insert on expenses begin "
                                            "delete from expenses where id = new.id; end"),
        "has a trigger 'vanish' that this app does not make",
    ),
    (
        "extra-view",
        lambda good, bad: edited(good, bad, "create view everything as select * from expenses"),
        "has a view 'everything' that this app does not make",
    ),
    (
        "changed-trigger",
        lambda good, bad: edited(
            good, bad, "drop trigger expenses_totals_delete",
            "create trigger expenses_totals_delete after delete on expenses begin delete from categories; end"),
        "has a trigger 'expenses_totals_delete' that differs from the one this app makes",
    ),
    (
        "dropped-index",
        lambda good, bad: edited(good, bad, "drop index idx_expenses_date"),
        "lacks the index 'idx_expenses_date' that this app makes",
    ),
    (
        "search-index-garbled",
        lambda good, bad: edited(good, bad, "update expense_search_data set block = zeroblob(length(block)) where id > 10"),
        "not a usable database",
    ),
    ("sparse-20-gib", sparse, "only"),
    ("truncated", truncated, "claims"),
    ("not-sqlite", lambda good, bad: bad.write_bytes(b"PK\x03\x04 a zip, not a database " * 400), "not a usable database"),
    ("newer-schema", newer_version, "newer version"),
]


@pytest.fixture
def good_backup(client, add, db_path, tmp_path):
    add(description="Kept")
    return manual_backup(db_path, tmp_path / "good.db")


@pytest.mark.parametrize(("case", "spoil", "words"), HOSTILE, ids=[case[0] for case in HOSTILE])
def test_restore_hostile_file_is_refused_and_live_file_unchanged(client, add, db_path, good_backup, case, spoil, words):
    name = "expenses-2020-01-01.db"
    bad = backup_dir(db_path) / name
    bad.parent.mkdir(exist_ok=True)
    spoil(good_backup, bad)
    add(description="Since the backup")
    listed = client.get("/expenses").json()
    before = live_digest(db_path)
    started = time.perf_counter()
    response = client.post("/backups/restore", json={"name": name})
    took = time.perf_counter() - started
    assert response.status_code == 400, response.text
    detail = response.json()["detail"]
    assert words in detail and str(bad) in detail and detail.endswith("Nothing was restored; your data is unchanged.")
    assert live_digest(db_path) == before
    # No safety copy was needed, and no temporary copy is left behind.
    assert sorted(p.name for p in backup_dir(db_path).iterdir()) == [name]
    assert sorted(p.name for p in db_path.parent.iterdir() if p.name.startswith(".")) == []
    assert client.get("/expenses").json() == listed
    made = add(description="After the refusal")
    assert client.get(f"/expenses/{made['id']}").status_code == 200
    assert client.get("/health").status_code == 200
    print(f"{case}: refused in {took * 1000:.0f} ms")


def test_restore_sparse_file_is_refused_before_reading_it(db_path, good_backup, tmp_path):
    bad = tmp_path / "sparse.db"
    sparse(good_backup, bad)
    with pytest.raises(AppError, match="sparse"):
        restore_backup(db_path, bad)
    with pytest.raises(AppError, match="sparse"):
        check_database_file(bad)


def test_cli_restore_of_a_file_with_an_extra_trigger_is_one_line(db_path, good_backup, tmp_path):
    from desktop.cli import main

    bad = tmp_path / "bad.db"
    edited(good_backup, bad, "create trigger vanish after insert on expenses begin delete from expenses; end")
    before = live_digest(db_path)
    result = CliRunner().invoke(main, ["--db", str(db_path), "restore", str(bad), "--yes"])
    assert result.exit_code != 0
    assert result.stderr.count("\n") == 1
    assert "has a trigger 'vanish' that this app does not make" in result.stderr
    assert result.stderr.rstrip().endswith("Nothing was restored; your data is unchanged.")
    assert live_digest(db_path) == before


def file_at_version(path: Path, version: int, page_size: int = 4096) -> None:
    """A file as the build that stopped at `version` left it: the seed's (no id) for 0."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute(f"pragma page_size = {page_size}")
    if version == 0:
        conn.executescript(SEED_DDL)
    else:
        for migrate in MIGRATIONS[:version]:
            migrate(conn, True)
        conn.execute(f"pragma user_version = {version}")
        conn.execute(f"pragma application_id = {APPLICATION_ID}")
    conn.execute("insert or ignore into categories (name) values ('Food')")
    conn.execute("insert into expenses (amount, description, category_id, date) "
                 "values (9.5, 'Old café', 1, '2024-01-02')")
    conn.close()


@pytest.mark.parametrize("version", range(len(MIGRATIONS)))
def test_restore_older_schema_is_upgraded(client, add, db_path, version):
    add(description="Replaced")
    name = "expenses-2020-01-01.db"
    backup_dir(db_path).mkdir()
    file_at_version(backup_dir(db_path) / name, version)
    response = client.post("/backups/restore", json={"name": name})
    assert response.status_code == 200, response.text
    assert [e["description"] for e in client.get("/expenses").json()] == ["Old café"]
    assert client.get("/summary", params={"month": "2024-01"}).json()["total"] == 9.5
    assert [e["description"] for e in client.get("/expenses", params={"q": "cafe"}).json()] == ["Old café"]
    conn = sqlite3.connect(db_path)
    assert conn.execute("pragma user_version").fetchone()[0] == len(MIGRATIONS)
    assert conn.execute("pragma application_id").fetchone()[0] == APPLICATION_ID
    conn.close()
    assert client.get("/health").status_code == 200


def test_restore_upgraded_seed_file_without_application_id(client, add, db_path, tmp_path):
    seed = tmp_path / "seed" / "expenses.db"
    seed.parent.mkdir()
    file_at_version(seed, 0)
    init_database(seed)  # the app upgraded it in place: no application id, all migrations
    assert sqlite3.connect(seed).execute("pragma application_id").fetchone()[0] == 0
    add(description="Replaced")
    restore_backup(db_path, seed)
    assert [e["description"] for e in client.get("/expenses").json()] == ["Old café"]


def test_restore_normal_backup_shows_at_once_in_a_running_app(client, add, db_path, good_backup):
    add(description="Since the backup")
    name = "expenses-2020-01-01.db"
    backup_dir(db_path).mkdir()
    (backup_dir(db_path) / name).write_bytes(good_backup.read_bytes())
    response = client.post("/backups/restore", json={"name": name})
    assert response.status_code == 200, response.text
    assert [e["description"] for e in client.get("/expenses").json()] == ["Kept"]
    assert sorted(p.name for p in db_path.parent.iterdir() if p.name.startswith(".")) == []


def test_expected_schema_names_every_table_health_checks():
    objects = expected_schema(len(MIGRATIONS))
    assert set(APP_TABLES) == {name for kind, name in objects if kind in ("table", "view")}


def replace_with_foreign_file(db_path: Path) -> None:
    with sqlite3.connect(db_path) as conn:
        conn.execute("pragma wal_checkpoint(truncate)")
    conn.close()
    other = db_path.with_name("other.db")
    foreign_expenses(other, other)
    os.replace(other, db_path)


def drop_expenses(db_path: Path) -> None:
    with sqlite3.connect(db_path) as conn:
        conn.execute("drop table expenses")
    conn.close()


@pytest.mark.parametrize("spoil", [drop_expenses, replace_with_foreign_file], ids=["expenses-dropped", "foreign-file"])
def test_health_is_503_when_the_schema_is_unusable(client, add, db_path, spoil):
    add()
    assert client.get("/health").json() == {"status": "ok", "database": "connected", "file": db_path.name, "folder": db_path.parent.name}
    spoil(db_path)
    response = client.get("/health")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error" and body["database"] == "disconnected"
    assert str(db_path) in body["detail"]
    assert client.get("/expenses").status_code == 503  # as the data routes say


def test_restore_backup_with_another_page_size(client, add, db_path, tmp_path):
    other = tmp_path / "other.db"
    file_at_version(other, len(MIGRATIONS), page_size=8192)
    assert sqlite3.connect(other).execute("pragma page_size").fetchone()[0] == 8192
    add(description="Replaced")
    result = restore_backup(db_path, other)
    assert result["safety_backup"].endswith("-before-restore.db")
    assert [e["description"] for e in client.get("/expenses").json()] == ["Old café"]
