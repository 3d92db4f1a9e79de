"""Opening a file of an older version: the server answers at once and the upgrade shows its progress."""

import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import expect

from api.app import create_app
from browser import NOW, TIMEOUT_MS, descriptions, wait_until_loaded
from conftest import BASE_URL
from desktop.server import ServerThread, bind, url_of
from tracker import migrations
from tracker.db import init_database
from tracker.migrations import MIGRATIONS, migrate_budgets_recurring_search
from tracker.search_index import BUILDING

ROOT = Path(__file__).resolve().parent.parent

# The schema exactly as the first builds created it (user_version 0).
SEED_DDL = """
CREATE TABLE categories (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    color TEXT NOT NULL DEFAULT '#6c757d',
    created_at TEXT NOT NULL DEFAULT (datetime('now'))
);
CREATE TABLE expenses (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    amount REAL NOT NULL CHECK(amount > 0),
    description TEXT NOT NULL,
    category_id INTEGER NOT NULL REFERENCES categories(id),
    date TEXT NOT NULL,
    created_at TEXT NOT NULL DEFAULT (datetime('now'))
);
CREATE INDEX idx_expenses_date ON expenses(date);
CREATE INDEX idx_expenses_category ON expenses(category_id);
"""


def make_first_build_file(path: Path, rows: int, year: int = 2024) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.executescript(SEED_DDL)
    conn.execute("begin")
    conn.execute("insert into categories (name) values ('Food'), ('Café')")
    conn.executemany(
        "insert into expenses (amount, description, category_id, date) values (?, ?, ?, ?)",
        ((1 + n % 50 / 4, f"Crème brûlée #{n}", 1 + n % 2, f"{year}-{1 + n % 12:02d}-{1 + n % 28:02d}")
         for n in range(rows)),
    )
    conn.execute("commit")
    conn.close()


def wait_for(condition, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError("timed out")


@pytest.fixture
def held_upgrade():
    """The migration that builds the search index stops there until the test lets it go."""
    go_on = threading.Event()
    number = MIGRATIONS.index(migrate_budgets_recurring_search)
    last = MIGRATIONS[number]

    def held(conn, is_new, progress=None):
        progress.step(BUILDING)
        # Waits in SQLite's progress handler's reach: a closing app can still stop it.
        while not go_on.wait(0.01):
            conn.execute("select 1").fetchone()
        last(conn, is_new, progress)

    MIGRATIONS[number] = held
    yield go_on
    MIGRATIONS[number] = last


def test_upgrade_health_reports_progress_and_other_routes_wait(tmp_path, held_upgrade):
    path = tmp_path / "old.db"
    make_first_build_file(path, 300)
    app = create_app(path, upgrade_in_background=True)
    with TestClient(app, base_url=BASE_URL) as client:
        health = wait_for(lambda: (h := client.get("/health").json())["step"] == BUILDING and h)
        assert health["status"] == "upgrading"
        assert 0.3 < health["progress"] < 1
        for method, url in [("GET", "/expenses"), ("GET", "/summary"), ("POST", "/expenses"), ("GET", "/backups")]:
            answer = client.request(method, url)
            assert answer.status_code == 503
            assert answer.headers["retry-after"] == "1"
            percent = round(health["progress"] * 100)
            assert answer.json() == {
                "detail": f"The database is being upgraded ({percent}%); try again in a moment."}
        page = client.get("/")
        assert page.status_code == 200 and "Expense Tracker" in page.text
        held_upgrade.set()
        wait_for(lambda: client.get("/health").json()["status"] == "ok")
        assert client.get("/health").json() == {"status": "ok", "database": "connected", "file": "old.db", "folder": tmp_path.name}
        assert client.get("/expenses/count").json()["count"] == 300
        found = client.get("/expenses", params={"q": "creme brulee #299"}).json()
        assert [e["description"] for e in found] == ["Crème brûlée #299"]


def test_upgrade_of_current_file_is_done_before_the_first_request(tmp_path):
    path = tmp_path / "new.db"
    init_database(path)
    with TestClient(create_app(path, upgrade_in_background=True), base_url=BASE_URL) as client:
        assert client.get("/health").json() == {"status": "ok", "database": "connected", "file": "new.db", "folder": tmp_path.name}
        assert client.get("/expenses").status_code == 200


def test_upgrade_failing_in_background_says_what_is_wrong(tmp_path):
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("create table notes (text)")
    conn.close()
    with TestClient(create_app(path, upgrade_in_background=True), base_url=BASE_URL) as client:
        health = wait_for(lambda: (h := client.get("/health")).json()["status"] != "upgrading" and h)
        assert health.status_code == 503
        assert "another program" in health.json()["detail"]
        answer = client.get("/expenses")
        assert answer.status_code == 503 and "another program" in answer.json()["detail"]


def test_upgrade_stopped_by_closing_the_app_changes_nothing(tmp_path, held_upgrade):
    path = tmp_path / "old.db"
    make_first_build_file(path, 100)
    with TestClient(create_app(path, upgrade_in_background=True), base_url=BASE_URL) as client:
        wait_for(lambda: client.get("/health").json().get("step") == BUILDING)
    conn = sqlite3.connect(path)
    assert conn.execute("pragma user_version").fetchone()[0] == 0
    assert conn.execute("select count(*) from sqlite_master where name = 'monthly_totals'").fetchone()[0] == 0
    conn.close()
    held_upgrade.set()
    with TestClient(create_app(path, upgrade_in_background=True), base_url=BASE_URL) as client:
        wait_for(lambda: client.get("/health").json()["status"] == "ok")
        assert client.get("/expenses/count").json()["count"] == 100


KILLED_UPGRADE = """
import sys
from pathlib import Path
from tracker.db import init_database

def report(fraction, step):
    print(f"{fraction:.3f} {step}", flush=True)

init_database(Path(sys.argv[1]), report)
print("done", flush=True)
"""


def test_upgrade_killed_halfway_loses_nothing_and_the_next_start_finishes_it(tmp_path):
    path = tmp_path / "old.db"
    make_first_build_file(path, 200_000)
    process = subprocess.Popen(
        [sys.executable, "-c", KILLED_UPGRADE, str(path)], cwd=ROOT, stdout=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    seen = []
    for line in process.stdout:
        seen.append(line.strip())
        if line.endswith(f"{BUILDING}\n") and float(line.split()[0]) > 0.5:
            process.send_signal(signal.SIGKILL)
            break
    process.wait()
    process.stdout.close()
    assert "done" not in seen and process.returncode == -signal.SIGKILL
    conn = sqlite3.connect(path)
    assert conn.execute("pragma user_version").fetchone()[0] == 0
    assert conn.execute("select count(*) from expenses").fetchone()[0] == 200_000
    assert conn.execute("pragma integrity_check").fetchone()[0] == "ok"
    conn.close()

    with TestClient(create_app(path, upgrade_in_background=True), base_url=BASE_URL) as client:
        wait_for(lambda: client.get("/health").json()["status"] == "ok", timeout=120)
        assert client.get("/expenses/count").json()["count"] == 200_000
        months = client.get("/summary/months", params={"from": "2024-01", "to": "2024-12"}).json()
        assert sum(m["count"] for m in months) == 200_000
        assert client.get("/expenses/count", params={"q": "brulee #199999"}).json()["count"] == 1
    conn = sqlite3.connect(path)
    assert conn.execute("pragma user_version").fetchone()[0] == len(migrations.MIGRATIONS)
    expected = dict(conn.execute(
        "select substr(date, 1, 7), sum(cast(round(amount * 100) as integer)) from expenses group by 1"))
    totals = dict(conn.execute("select month, sum(total_cents) from monthly_totals group by 1"))
    assert totals == expected
    conn.close()


def test_upgrade_page_shows_progress_then_the_expenses(tmp_path, held_upgrade, chromium):
    path = tmp_path / "old.db"
    make_first_build_file(path, 3, year=2025)
    sock = bind("127.0.0.1", 0)
    server = ServerThread(create_app(path, upgrade_in_background=True), sock)
    server.start()
    context = chromium.new_context(locale="en-US", timezone_id="UTC")
    try:
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        page.clock.set_fixed_time(NOW)
        page.goto(url_of(sock) + "/?dates=all", wait_until="commit")
        notice = page.get_by_role("status").filter(has_text="Upgrading")
        expect(notice.locator("p")).to_have_text([
            re.compile(r"^Upgrading your expenses to this version: \d+% — building the search index$"),
            "This happens once; nothing is lost if the window is closed meanwhile.",
        ])
        expect(notice.get_by_role("progressbar", name="Upgrade progress")).to_be_visible()
        assert page.evaluate("document.body.dataset.loaded") == "upgrading"
        held_upgrade.set()
        page.wait_for_function("document.body.dataset.loaded !== 'upgrading'")
        wait_until_loaded(page)
        expect(page.locator("#upgrade")).to_be_hidden()
        expect(descriptions(page)).to_have_text(["Crème brûlée #2", "Crème brûlée #1", "Crème brûlée #0"])
    finally:
        context.close()
        server.stop()
