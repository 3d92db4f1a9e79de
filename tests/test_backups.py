"""Automatic rotating backups, checked copies, and restores that never lose the current data."""

import sqlite3
import time
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from conftest import BASE_URL, expense
from tracker.backups import (
    backup_dir,
    backups_to_keep,
    daily_backup,
    manual_backup,
    restore_backup,
)
from tracker.errors import AppError


def names(db_path):
    return sorted(p.name for p in backup_dir(db_path).iterdir())


def test_app_start_makes_one_checked_backup_a_day(db_path):
    for _ in range(2):
        with TestClient(create_app(db_path, auto_backup=True), base_url=BASE_URL) as client:
            client.post("/expenses", json=expense())
    today = date.today().isoformat()
    assert names(db_path) == [f"expenses-{today}.db"]
    with sqlite3.connect(backup_dir(db_path) / f"expenses-{today}.db") as copy:
        assert copy.execute("pragma integrity_check").fetchone() == ("ok",)
        assert copy.execute("pragma journal_mode").fetchone() == ("delete",)


def test_app_without_auto_backup_makes_none(db_path, client):
    assert not backup_dir(db_path).exists()


def days(*offsets):
    start = date(2026, 11, 25)
    return [start - timedelta(days=n) for n in offsets]


@pytest.mark.parametrize(
    ("present", "kept"),
    [
        (days(0, 1, 2), days(0, 1, 2)),
        (days(*range(8)), days(*range(7), 7)),  # the 8th is the newest of its week
        # 60 daily backups: the last 7 days, then the newest of each of the 4 weeks before.
        (days(*range(60)), days(*range(7), 7, 10, 17, 24)),
        # 2026-11-25 is a Wednesday; 30 and 31 days before are a Monday and the Sunday before it.
        (days(0, 1, 2, 3, 4, 5, 6, 30, 31, 60, 90, 120, 150), days(0, 1, 2, 3, 4, 5, 6, 30, 31, 60, 90)),
    ],
)
def test_rotation_keeps_7_daily_and_4_weekly(present, kept):
    assert backups_to_keep(present) == set(kept)


def test_rotation_removes_only_daily_backups(db_path, client, add):
    add()
    folder = backup_dir(db_path)
    for day in days(*range(20)):
        daily_backup(db_path, day)
    manual = manual_backup(db_path)
    kept = {date.fromisoformat(n[9:19]) for n in names(db_path) if n != manual.name}
    assert kept == backups_to_keep(days(*range(20)))
    assert manual.exists() and len(list(folder.iterdir())) == 7 + 3 + 1


def test_backup_now_and_list_through_api(client, add, db_path):
    add()
    made = client.post("/backups")
    assert made.status_code == 201
    body = made.json()
    assert body["kind"] == "manual" and body["size"] > 0
    listing = client.get("/backups").json()
    assert listing["folder"] == str(backup_dir(db_path))
    assert [b["name"] for b in listing["backups"]] == [body["name"]]


def test_manual_backups_keep_the_newest_ten(client, add, db_path, tmp_path):
    add()
    chosen = manual_backup(db_path, tmp_path / "my-copy.db")  # a path the user chose: never removed
    daily_backup(db_path, date(2026, 11, 20))
    folder = backup_dir(db_path)
    other_database = folder / "expenses-old-2026-11-20-120000-manual.db"
    other_database.write_bytes((folder / "expenses-2026-11-20.db").read_bytes())
    made = []
    for _ in range(50):
        response = client.post("/backups")
        assert response.status_code == 201
        made.append(response.json()["name"])
    manual = [b["name"] for b in client.get("/backups").json()["backups"] if b["kind"] == "manual"]
    assert len(manual) == 10  # not 50 full copies
    assert sorted(manual) == sorted(made[-10:])
    assert names(db_path) == sorted([*made[-10:], "expenses-2026-11-20.db", other_database.name])
    assert chosen.exists()


def test_restore_brings_back_the_backup_and_keeps_the_present(client, add, db_path):
    before = add(description="Before the backup")
    yesterday = date.today() - timedelta(days=1)
    daily_backup(db_path, yesterday)
    add(description="After the backup")
    response = client.post("/backups/restore", json={"name": f"expenses-{yesterday}.db"})
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["restored"] == f"expenses-{yesterday}.db"
    assert result["safety_backup"].endswith("-before-restore.db")
    assert [e["description"] for e in client.get("/expenses").json()] == ["Before the backup"]
    assert client.get(f"/expenses/{before['id']}").status_code == 200
    # The state before the restore is itself restorable: nothing is lost.
    client.post("/backups/restore", json={"name": result["safety_backup"]})
    assert sorted(e["description"] for e in client.get("/expenses").json()) == ["After the backup", "Before the backup"]


@pytest.mark.parametrize("name", ["../expenses.db", "/etc/passwd", "expenses.db", "nope.db"])
def test_restore_unknown_name_is_404(client, name):
    response = client.post("/backups/restore", json={"name": name})
    assert response.status_code == 404
    assert "no backup named" in response.json()["detail"]


def test_damaged_backup_is_never_restored(client, add, db_path):
    add(description="Precious")
    made = manual_backup(db_path)
    data = bytearray(made.read_bytes())
    data[4096 * 2:4096 * 3] = b"\xff" * 4096  # a page of the tables becomes garbage
    made.write_bytes(bytes(data))
    response = client.post("/backups/restore", json={"name": made.name})
    assert response.status_code == 400
    assert "damaged" in response.json()["detail"] or "not a usable database" in response.json()["detail"]
    assert [e["description"] for e in client.get("/expenses").json()] == ["Precious"]


def test_restore_other_programs_file_is_refused(tmp_path, db_path, client, add):
    add()
    foreign = tmp_path / "other.db"
    with sqlite3.connect(foreign) as conn:
        conn.execute("create table notes (t text)")
    with pytest.raises(AppError, match="another program"):
        restore_backup(db_path, foreign)


def test_restore_over_damaged_database_keeps_the_damaged_bytes(tmp_path):
    db_path = tmp_path / "data" / "expenses.db"
    with TestClient(create_app(db_path), base_url=BASE_URL) as client:
        client.post("/expenses", json=expense(description="Saved"))
    good = manual_backup(db_path, tmp_path / "good.db")
    db_path.write_bytes(b"this is not a database at all" * 100)
    result = restore_backup(db_path, good)
    assert result["safety_backup"].endswith("-damaged.db")
    assert (backup_dir(db_path) / result["safety_backup"]).read_bytes().startswith(b"this is not")
    with TestClient(create_app(db_path), base_url=BASE_URL) as client:
        assert [e["description"] for e in client.get("/expenses").json()] == ["Saved"]


def test_restore_old_schema_backup_is_upgraded(tmp_path, db_path, client):
    from test_database import SEED_DDL

    old = tmp_path / "old.db"
    with sqlite3.connect(old) as conn:
        conn.executescript(SEED_DDL)
        conn.execute("insert into categories (name) values ('Food')")
        conn.execute("insert into expenses (amount, description, category_id, date) values (9.5, 'Old', 1, '2024-01-02')")
    restore_backup(db_path, old)
    assert [e["description"] for e in client.get("/expenses").json()] == ["Old"]
    assert client.get("/summary", params={"month": "2024-01"}).json()["total"] == 9.5


def test_app_close_during_start_backup_leaves_it_for_next_start(db_path, monkeypatch):
    """Closing does not wait for the start-up backup: it stops, leaves nothing, and the next start makes it."""
    from tracker import backups

    with TestClient(create_app(db_path), base_url=BASE_URL) as client:
        for _ in range(50):
            client.post("/expenses", json=expense())
    monkeypatch.setattr(backups.Pace, "PAGES", 1)
    monkeypatch.setattr(backups.Pace, "STEP_PAUSE_S", 0.2)  # a copy of many seconds
    with TestClient(create_app(db_path, auto_backup=True), base_url=BASE_URL) as client:
        client.get("/expenses")
        closing = time.monotonic()
    assert time.monotonic() - closing < 2
    assert not backup_dir(db_path).exists() or names(db_path) == []  # no daily backup, no partial copy
    monkeypatch.setattr(backups.Pace, "STEP_PAUSE_S", 0.0)
    with TestClient(create_app(db_path, auto_backup=True), base_url=BASE_URL) as client:
        deadline = time.monotonic() + 30
        while not (backup_dir(db_path) / f"expenses-{date.today().isoformat()}.db").exists() \
                and time.monotonic() < deadline:
            time.sleep(0.05)
    assert names(db_path) == [f"expenses-{date.today().isoformat()}.db"]


def test_start_backup_copies_in_small_steps_and_is_intact(db_path, monkeypatch):
    from tracker import backups

    with TestClient(create_app(db_path), base_url=BASE_URL) as client:
        for _ in range(50):
            client.post("/expenses", json=expense())
    steps = []
    pace = backups.Pace()
    monkeypatch.setattr(backups.Pace, "PAGES", 4)
    monkeypatch.setattr(pace, "backup_step", lambda status, remaining, total: steps.append(remaining))
    made = daily_backup(db_path, pace=pace)
    assert len(steps) > 5 and steps[-1] == 0  # many steps, with the reader free between them
    with sqlite3.connect(made) as copy:
        assert copy.execute("pragma integrity_check").fetchone() == ("ok",)
        assert copy.execute("select count(*) from expenses").fetchone() == (50,)
