"""Crash safety: SIGKILL the server, and the command line, in the middle of writes.

Whatever was acknowledged (a 2xx from the API, exit status 0 from `expense-tracker add`) must be
in the file afterwards exactly as acknowledged; whatever was in flight when the process died may
be there or not, but never half; the file passes `PRAGMA integrity_check`; and the monthly totals
that triggers keep beside the expenses still equal the sums of the rows.
"""

import http.client
import json
import os
import queue
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest

from conftest import ROOT, start_server, stop_server
from tracker.config import CORS_ENV, DB_ENV, HOSTS_ENV
from tracker.migrations import MIGRATIONS

# What a stored expense is made of, and what a client sends.
STORED = ("id", "amount", "description", "category_id", "date")
SENT = ("amount", "description", "category_id", "date")
DEFAULT_CATEGORIES = {1: "Food", 2: "Transport", 3: "Utilities"}
MONTHS = ("2025-01", "2025-02", "2025-03", "2025-04")

WRITERS = 8
ROUNDS = 3
OPS_PER_WRITER = 60  # per round: at most 480 requests
KILL_AFTER_S = (0.3, 1.5)
REQUEST_TIMEOUT_S = 10.0
JOIN_TIMEOUT_S = 30.0

CLI_PROCESSES = 20
CLI_TIMEOUT_S = 90.0
CLI_POLL_S = 0.0005


# ---------------------------------------------------------------------------
# Reading the file, and what the rows must add up to
# ---------------------------------------------------------------------------


class Snapshot:
    """Everything the checks need from the database file, read in one read transaction."""

    def __init__(self, db_path: Path):
        conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=30, isolation_level=None)
        try:
            conn.execute("begin")
            self.integrity = [row[0] for row in conn.execute("pragma integrity_check")]
            self.foreign_keys = conn.execute("pragma foreign_key_check").fetchall()
            self.user_version = conn.execute("pragma user_version").fetchone()[0]
            self.categories = dict(conn.execute("select id, name from categories"))
            self.rows = {
                row[0]: dict(zip(STORED, row))
                for row in conn.execute("select id, amount, description, category_id, date from expenses")
            }
            self.totals = {
                (month, category_id): (cents, count)
                for month, category_id, cents, count in conn.execute(
                    "select month, category_id, total_cents, count from monthly_totals"
                )
            }
            conn.execute("commit")
        finally:
            conn.close()

    def expected_totals(self) -> dict:
        totals: dict = defaultdict(lambda: (0, 0))
        for row in self.rows.values():
            key = (row["date"][:7], row["category_id"])
            cents, count = totals[key]
            totals[key] = (cents + round(row["amount"] * 100), count + 1)
        return dict(totals)

    def check_consistent(self) -> list[str]:
        """Integrity and the monthly totals, as a list of problems (empty when all is well)."""
        problems = []
        if self.integrity != ["ok"]:
            problems.append(f"integrity_check: {self.integrity[:5]}")
        if self.foreign_keys:
            problems.append(f"foreign_key_check: {self.foreign_keys[:5]}")
        if self.user_version != len(MIGRATIONS):
            problems.append(f"user_version {self.user_version}, expected {len(MIGRATIONS)}")
        kept = {key: value for key, value in self.totals.items() if value != (0, 0)}
        expected = self.expected_totals()
        if kept != expected:
            wrong = sorted(set(kept.items()) ^ set(expected.items()))[:6]
            problems.append(f"monthly_totals differ from the rows (month, category): (cents, count): {wrong}")
        return problems


def fields(row: dict, names=STORED) -> dict:
    return {name: row[name] for name in names}


# ---------------------------------------------------------------------------
# The server: 8 writers, SIGKILL at a random moment, three rounds on one file
# ---------------------------------------------------------------------------


class Connection:
    """One keep-alive connection; JSON in, (status, parsed body) out."""

    def __init__(self, url: str):
        parts = urlsplit(url)
        assert parts.hostname == "127.0.0.1"
        self.conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=REQUEST_TIMEOUT_S)

    def call(self, method: str, path: str, body: dict | None = None):
        payload = json.dumps(body).encode() if body is not None else None
        headers = {"Content-Type": "application/json"} if payload is not None else {}
        self.conn.request(method, path, body=payload, headers=headers)
        response = self.conn.getresponse()
        data = response.read()
        return response.status, (json.loads(data) if data else None)

    def close(self) -> None:
        self.conn.close()


class Writer:
    """One client thread's own rows, as acknowledged, and the one request it may have in flight.

    `rows` is what each of its expenses must look like (the full body of the last 2xx);
    `deleted` the ids whose DELETE was acknowledged; `pending` the request that got no answer.
    """

    def __init__(self, number: int, seed: int):
        self.number = number
        self.rng = random.Random(seed * 1000 + number)
        self.rows: dict[int, dict] = {}
        self.deleted: set[int] = set()
        self.pending: tuple | None = None
        self.sequence = 0
        self.sent_this_round = 0
        # Every acknowledged operation, and every in-flight one found done: (kind, id, row after or None).
        self.journal: list[tuple] = []
        self.acknowledged = {"create": 0, "update": 0, "delete": 0}
        self.unexpected: list[str] = []
        self.failed_at: float | None = None
        self.failure = ""

    def new_values(self) -> dict:
        self.sequence += 1
        return {
            "amount": self.rng.randint(1, 2_000_000) / 100,
            # Unique across rounds: an in-flight create is recognised by its description.
            "description": f"writer {self.number} #{self.sequence}, \"quoted\" é 🍕",
            "category_id": self.rng.choice(list(DEFAULT_CATEGORIES)),
            "date": f"{self.rng.choice(MONTHS)}-{self.rng.randint(1, 28):02d}",
        }

    def history(self, expense_id: int) -> str:
        steps = [f"{kind} -> {body}" for kind, journal_id, body in self.journal if journal_id == expense_id]
        return f"acknowledged by writer {self.number}: " + "; ".join(steps or ["(nothing)"])

    def next_operation(self) -> tuple:
        roll = self.rng.random()
        if not self.rows or roll < 0.45:
            return ("create", self.new_values())
        expense_id = self.rng.choice(sorted(self.rows))
        if roll < 0.8:
            values = self.new_values()
            chosen = self.rng.sample(SENT, self.rng.randint(1, len(SENT)))
            return ("update", expense_id, {name: values[name] for name in chosen})
        return ("delete", expense_id)

    def run(self, url: str, stop: threading.Event) -> None:
        connection = Connection(url)
        try:
            for _ in range(OPS_PER_WRITER):
                if stop.is_set():
                    return
                operation = self.next_operation()
                self.pending = operation
                self.sent_this_round += 1
                try:
                    status, body = self.send(connection, operation)
                except (OSError, http.client.HTTPException, ValueError) as exc:
                    # The server is gone (or going): this request may or may not have been done.
                    self.failed_at = time.monotonic()
                    self.failure = f"{type(exc).__name__}: {exc}"
                    return
                self.pending = None
                self.settle(operation, status, body)
        finally:
            connection.close()

    @staticmethod
    def send(connection: Connection, operation: tuple):
        kind = operation[0]
        if kind == "create":
            return connection.call("POST", "/expenses", operation[1])
        if kind == "update":
            return connection.call("PUT", f"/expenses/{operation[1]}", operation[2])
        return connection.call("DELETE", f"/expenses/{operation[1]}")

    def settle(self, operation: tuple, status: int, body) -> None:
        """Record an answered request; anything but the expected 2xx is a failure (and undone)."""
        kind = operation[0]
        if kind == "create" and status == 201:
            if fields(body, SENT) != operation[1]:
                self.unexpected.append(f"POST answered {body}, sent {operation[1]}")
            self.rows[body["id"]] = body
        elif kind == "update" and status == 200:
            expected = {**fields(self.rows[operation[1]]), **operation[2]}
            if fields(body) != expected:
                self.unexpected.append(f"PUT answered {body}, expected {expected}")
            self.rows[operation[1]] = body
        elif kind == "delete" and status == 204:
            del self.rows[operation[1]]
            self.deleted.add(operation[1])
        else:
            self.unexpected.append(f"{kind} {operation[1:]} answered {status} {body}")
            return
        self.acknowledged[kind] += 1
        expense_id = body["id"] if kind == "create" else operation[1]
        self.journal.append((kind, expense_id, body))


def run_round(url: str, writers: list[Writer], kill, rng: random.Random) -> dict:
    """Let the writers run, then SIGKILL the server at a random moment while they are writing."""
    stop = threading.Event()
    threads = [threading.Thread(target=writer.run, args=(url, stop), daemon=True) for writer in writers]
    before = sum(sum(writer.acknowledged.values()) for writer in writers)
    for writer in writers:
        writer.sent_this_round = 0
    for thread in threads:
        thread.start()
    # At a random moment, but while they are still writing even on a fast machine.
    kill_at = time.monotonic() + rng.uniform(*KILL_AFTER_S)
    while time.monotonic() < kill_at and max(w.sent_this_round for w in writers) < OPS_PER_WRITER * 0.8:
        time.sleep(0.005)
    still_writing = sum(thread.is_alive() for thread in threads)
    killed_at = time.monotonic()
    kill()
    stop.set()
    for thread in threads:
        thread.join(JOIN_TIMEOUT_S)
    assert not any(thread.is_alive() for thread in threads), "a writer did not stop after the kill"
    early = [f"writer {w.number}: {w.failure}" for w in writers if w.failed_at is not None and w.failed_at < killed_at]
    assert not early, f"requests failed before the server was killed: {early}"
    unexpected = [message for writer in writers for message in writer.unexpected]
    assert not unexpected, f"unexpected answers while the server ran: {unexpected[:5]}"
    return {
        "acknowledged": sum(sum(writer.acknowledged.values()) for writer in writers) - before,
        "unanswered": sum(writer.pending is not None for writer in writers),
        "writing_at_kill": still_writing,
    }


def verify_after_restart(url: str, db_path: Path, writers: list[Writer]) -> tuple[Snapshot, dict]:
    """Check the file and the API against the writers' books; settle in-flight requests.

    An in-flight create may be present (exactly as sent) or absent; an in-flight update leaves
    the row as before or as sent; an in-flight delete leaves it as before or gone. Whatever was
    found becomes the writer's truth for the next round.
    """
    snapshot = Snapshot(db_path)
    problems = snapshot.check_consistent()
    rows = snapshot.rows
    explained: set[int] = set()
    in_flight = {"applied": 0, "not applied": 0}
    api = Connection(url)
    try:
        for writer in writers:
            pending = writer.pending
            pending_id = pending[1] if pending and pending[0] != "create" else None
            for expense_id, acknowledged in writer.rows.items():
                explained.add(expense_id)
                if expense_id == pending_id:
                    continue
                actual = rows.get(expense_id)
                if actual is None:
                    problems.append(f"acknowledged expense {expense_id} is missing; {writer.history(expense_id)}")
                elif actual != fields(acknowledged):
                    problems.append(f"expense {expense_id} is {actual}; {writer.history(expense_id)}")
                status, body = api.call("GET", f"/expenses/{expense_id}")
                if (status, body) != (200, acknowledged):
                    problems.append(f"GET /expenses/{expense_id}: {status} {body}, acknowledged {acknowledged}")
            for expense_id in writer.deleted:
                if expense_id in rows:
                    problems.append(f"expense {expense_id} is back: {rows[expense_id]}; {writer.history(expense_id)}")
                status, _ = api.call("GET", f"/expenses/{expense_id}")
                if status != 404:
                    problems.append(f"GET /expenses/{expense_id} after acknowledged DELETE: {status}")
            if pending_id is not None:
                before = fields(writer.rows[pending_id])
                actual = rows.get(pending_id)
                if pending[0] == "update":
                    after = {**before, **pending[2]}
                    if actual not in (before, after):
                        problems.append(f"expense {pending_id} after an in-flight PUT {pending[2]}: {actual}, "
                                        f"expected {before} or {after}")
                    elif actual == after and after != before:
                        writer.rows[pending_id] = api.call("GET", f"/expenses/{pending_id}")[1]
                        writer.journal.append(("update (in flight, applied)", pending_id, writer.rows[pending_id]))
                        in_flight["applied"] += 1
                    else:
                        in_flight["not applied"] += 1
                else:
                    if actual is None:
                        del writer.rows[pending_id]
                        writer.deleted.add(pending_id)
                        writer.journal.append(("delete (in flight, applied)", pending_id, None))
                        in_flight["applied"] += 1
                    elif actual != before:
                        problems.append(f"expense {pending_id} after an in-flight DELETE: {actual}, expected {before} or gone")
                    else:
                        in_flight["not applied"] += 1
        creates = {w.pending[1]["description"]: w for w in writers if w.pending and w.pending[0] == "create"}
        found: set[str] = set()
        for expense_id in sorted(set(rows) - explained):
            row = rows[expense_id]
            writer = creates.get(row["description"])
            if writer is None or row["description"] in found:
                problems.append(f"expense {expense_id} is explained by no create: {row}")
            elif fields(row, SENT) != writer.pending[1]:
                problems.append(f"expense {expense_id} is {row}, but its in-flight POST sent {writer.pending[1]}")
            else:
                found.add(row["description"])
                writer.rows[expense_id] = api.call("GET", f"/expenses/{expense_id}")[1]
                writer.journal.append(("create (in flight, applied)", expense_id, writer.rows[expense_id]))
                in_flight["applied"] += 1
        in_flight["not applied"] += len(creates) - len(found)
        problems += check_api_totals(api, snapshot)
    finally:
        api.close()
    for writer in writers:
        writer.pending = None
        writer.failed_at = None
    assert not problems, "\n".join(problems[:20])
    return snapshot, in_flight


def check_api_totals(api: Connection, snapshot: Snapshot) -> list[str]:
    """/summary of every month and /expenses/count against the rows in the file."""
    problems = []
    expected = snapshot.expected_totals()
    months = sorted({month for month, _ in expected} | set(MONTHS))
    for month in months:
        by_category = {
            snapshot.categories[category_id]: {"total": cents / 100, "count": count}
            for (row_month, category_id), (cents, count) in expected.items() if row_month == month
        }
        total_cents = sum(round(value["total"] * 100) for value in by_category.values())
        count = sum(value["count"] for value in by_category.values())
        status, body = api.call("GET", f"/summary?{urlencode({'month': month})}")
        got = {row["category_name"]: {"total": row["total"], "count": row["count"]} for row in body["by_category"]}
        if status != 200 or (body["total"], body["count"], got) != (total_cents / 100, count, by_category):
            problems.append(f"/summary?month={month}: {status} {body}; rows give total {total_cents / 100}, "
                            f"count {count}, {by_category}")
    status, body = api.call("GET", "/expenses/count")
    if (status, body) != (200, {"count": len(snapshot.rows)}):
        problems.append(f"/expenses/count: {status} {body}; the file has {len(snapshot.rows)} rows")
    return problems


@pytest.mark.parametrize("seed", [20251125])
def test_crash_server_sigkill_mid_writes(tmp_path, seed):
    db_path = tmp_path / "crash.db"
    rng = random.Random(seed)
    writers = [Writer(number, seed) for number in range(WRITERS)]
    log = []
    server = start_server(db_path)
    try:
        for round_number in range(1, ROUNDS + 1):
            # Write, SIGKILL mid-stream, restart on the same file, check; the next round writes
            # to the restarted server.
            stats = run_round(server.url, writers, server.process.kill, rng)
            server.process.wait(timeout=10)
            assert server.process.returncode == -signal.SIGKILL
            server = start_server(db_path)
            snapshot, in_flight = verify_after_restart(server.url, db_path, writers)
            log.append(f"round {round_number}: {stats}, in flight {in_flight}, rows now {len(snapshot.rows)}")
            assert stats["acknowledged"] >= WRITERS, f"too few writes before the kill: {log}"
            assert stats["writing_at_kill"] > 0, f"the kill came after the writers finished: {log}"
    finally:
        if server.process.poll() is None:
            stop_server(server)
    print("\n".join(log))
    # After a clean stop as well.
    assert Snapshot(db_path).check_consistent() == []


# ---------------------------------------------------------------------------
# The server killed while it migrates an old file on first open
# ---------------------------------------------------------------------------


OLD_ROWS = 20_000
MIGRATION_KILLS = 2


def old_schema_database(path: Path, journal_mode: str) -> None:
    """A database as the first build made it: no monthly_totals, no user_version."""
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        import make_db
    finally:
        sys.path.remove(str(ROOT / "bench"))
    make_db.build_database(str(path), OLD_ROWS, seed=7)
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute(f"pragma journal_mode = {journal_mode}")
    finally:
        conn.close()


def integrity(db_path: Path) -> list[str]:
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=30)
    try:
        return [row[0] for row in conn.execute("pragma integrity_check")]
    finally:
        conn.close()


def all_expenses(db_path: Path) -> list[tuple]:
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=30)
    try:
        return conn.execute("select id, amount, description, category_id, date, created_at from expenses order by id").fetchall()
    finally:
        conn.close()


def kill_during_migration(db_path: Path, rng: random.Random) -> bool:
    """Start the server and SIGKILL it 0–30 ms after it says it is upgrading the file.

    Returns whether the kill came before the migration committed (the file still at schema 0).
    """
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "expense_tracker.py"), "--port", "0", "--db", str(db_path)],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    lines: queue.Queue = queue.Queue()

    def read_log() -> None:
        for line in process.stderr:
            lines.put(line)
        lines.put(None)

    reader = threading.Thread(target=read_log, daemon=True)
    reader.start()
    seen = []
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                line = lines.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                break
            if line is None:
                break
            seen.append(line)
            if "Upgrading database" in line:
                time.sleep(rng.uniform(0.0, 0.03))
                process.kill()
                process.wait(timeout=10)
                break
        else:
            raise AssertionError("the server never said it was upgrading:\n" + "".join(seen))
        assert process.returncode == -signal.SIGKILL, "".join(seen)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
        reader.join(10)
        process.stderr.close()
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=30)
    try:
        return conn.execute("pragma user_version").fetchone()[0] == 0
    finally:
        conn.close()


@pytest.mark.parametrize("journal_mode", ["delete", "wal"])
def test_crash_server_sigkill_during_migration(tmp_path, journal_mode):
    db_path = tmp_path / "old.db"
    old_schema_database(db_path, journal_mode)
    original = all_expenses(db_path)
    rng = random.Random(journal_mode)
    interrupted = 0
    for _ in range(MIGRATION_KILLS):
        interrupted += kill_during_migration(db_path, rng)
        assert all_expenses(db_path) == original
        assert integrity(db_path) == ["ok"]
    assert interrupted > 0, "every kill came after the migration had committed"
    server = start_server(db_path)
    try:
        api = Connection(server.url)
        try:
            snapshot = Snapshot(db_path)
            assert snapshot.check_consistent() == []
            assert check_api_totals(api, snapshot) == []
            status, created = api.call("POST", "/expenses", {"amount": 1.25, "description": "after", "category_id": 1, "date": "2024-06-01"})
            assert status == 201, created
        finally:
            api.close()
    finally:
        stop_server(server)
    assert all_expenses(db_path)[:-1] == original
    assert Snapshot(db_path).check_consistent() == []


# ---------------------------------------------------------------------------
# The command line: `expense-tracker add` processes killed mid-run
# ---------------------------------------------------------------------------


def cli_env(tmp_path: Path) -> dict:
    """The CLI's environment: its own home, data, state and config folders; no display needed."""
    home = tmp_path / "home"
    env = {
        **os.environ,
        "HOME": str(home),
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_STATE_HOME": str(home / "state"),
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_CACHE_HOME": str(home / "cache"),
    }
    for name in (DB_ENV, CORS_ENV, HOSTS_ENV, "DISPLAY", "WAYLAND_DISPLAY"):
        env.pop(name, None)
    return env


def add_command(db_path: Path, values: dict) -> list[str]:
    category = DEFAULT_CATEGORIES[values["category_id"]]
    return [sys.executable, "-m", "desktop", "--db", str(db_path), "add", "--amount", str(values["amount"]),
            "--description", values["description"], "--category", category, "--date", values["date"], "--json"]


def has_open(pid: int, path: Path) -> bool:
    """Whether process `pid` has the file `path` open (it has reached the database)."""
    try:
        fds = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return False
    target = str(path)
    for fd in fds:
        try:
            if os.readlink(f"/proc/{pid}/fd/{fd}") == target:
                return True
        except OSError:
            continue
    return False


class Victim:
    """A process to kill: at a moment after its start, or a moment after it opened the database."""

    def __init__(self, process: subprocess.Popen, when: str, delay: float):
        self.process = process
        self.started = time.monotonic()
        self.when = when
        self.delay = delay
        self.opened_at: float | None = None
        self.killed = False

    def due(self, now: float, db_path: Path) -> bool:
        if self.when == "after_start":
            return now >= self.started + self.delay
        if self.opened_at is None and has_open(self.process.pid, db_path):
            self.opened_at = now
        return self.opened_at is not None and now >= self.opened_at + self.delay


class Killer(threading.Thread):
    """Kills its victims on schedule while the test is still starting the other processes."""

    def __init__(self, db_path: Path):
        super().__init__(daemon=True)
        self.db_path = db_path
        self.victims: list[Victim] = []
        self.all_added = threading.Event()

    def run(self) -> None:
        deadline = time.monotonic() + CLI_TIMEOUT_S
        done: set[int] = set()
        while time.monotonic() < deadline:
            waiting = [victim for victim in list(self.victims) if id(victim) not in done]
            if not waiting and self.all_added.is_set():
                return
            now = time.monotonic()
            for victim in waiting:
                if victim.process.poll() is not None:
                    done.add(id(victim))
                elif victim.due(now, self.db_path):
                    victim.process.send_signal(signal.SIGKILL)
                    victim.killed = True
                    done.add(id(victim))
            time.sleep(CLI_POLL_S)


@pytest.mark.parametrize(
    "new_file, count", [(False, CLI_PROCESSES), (True, CLI_PROCESSES // 2)], ids=["existing_file", "new_file"]
)
def test_crash_cli_add_sigkill(tmp_path, new_file, count):
    """`count` `add` processes at once; half of them are killed: a third of those 10–300 ms after
    they start (still importing, as a rule), the others 0–150 ms after they open the database
    (creating the file, writing, committing, or exiting: all of these take longer when 20
    processes share two cores)."""
    db_path = tmp_path / "cli.db"
    env = cli_env(tmp_path)
    rng = random.Random(f"cli-{new_file}")
    if not new_file:
        first = {"amount": 3.5, "description": "before the crash", "category_id": 2, "date": "2025-02-03"}
        done = subprocess.run(add_command(db_path, first), cwd=ROOT, env=env, capture_output=True, text=True, timeout=CLI_TIMEOUT_S)
        assert done.returncode == 0, done.stderr
    before = Snapshot(db_path).rows if db_path.exists() else {}

    sent = []
    for number in range(count):
        sent.append({
            "amount": rng.randint(1, 1_000_000) / 100,
            "description": f"cli {number}: \"quoted\", é",
            "category_id": rng.choice(list(DEFAULT_CATEGORIES)),
            "date": f"{rng.choice(MONTHS)}-{rng.randint(1, 28):02d}",
        })
    doomed = set(rng.sample(range(count), count // 2))
    processes, victims = [], {}
    killer = Killer(db_path)
    killer.start()
    try:
        for number, values in enumerate(sent):
            process = subprocess.Popen(add_command(db_path, values), cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
                                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            processes.append(process)
            if number in doomed:
                if len(victims) % 3 == 0:
                    victim = Victim(process, "after_start", rng.uniform(0.01, 0.3))
                else:
                    victim = Victim(process, "after_open", rng.uniform(0.0, 0.15))
                victims[number] = victim
                killer.victims.append(victim)
        killer.all_added.set()
        killer.join(CLI_TIMEOUT_S)
        outputs = [process.communicate(timeout=CLI_TIMEOUT_S) for process in processes]
    finally:
        killer.all_added.set()
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=10)

    snapshot = Snapshot(db_path)
    problems = snapshot.check_consistent()
    if snapshot.categories != DEFAULT_CATEGORIES:
        problems.append(f"categories are {snapshot.categories}")
    by_description = {values["description"]: number for number, values in enumerate(sent)}
    rows = snapshot.rows
    seen = set()
    for expense_id, row in rows.items():
        if expense_id in before:
            if row != before[expense_id]:
                problems.append(f"expense {expense_id} changed: {row}, was {before[expense_id]}")
            continue
        number = by_description.get(row["description"])
        if number is None or number in seen:
            problems.append(f"expense {expense_id} was added by no process: {row}")
            continue
        seen.add(number)
        if fields(row, SENT) != sent[number]:
            problems.append(f"expense {expense_id} is {row}, process {number} sent {sent[number]}")
    for expense_id in before.keys() - rows.keys():
        problems.append(f"expense {expense_id} from before the crash is gone")
    kills = {"killed": 0, "killed after its row was written": 0, "finished before its kill": 0}
    for number, (process, (stdout, stderr)) in enumerate(zip(processes, outputs)):
        victim = victims.get(number)
        if process.returncode == 0:
            created = json.loads(stdout)
            if fields(created, SENT) != sent[number] or rows.get(created["id"]) != fields(created):
                problems.append(f"process {number} exited 0 with {created}; the file has {rows.get(created['id'])}")
            if victim is not None:
                kills["finished before its kill"] += 1
        elif victim is not None and victim.killed and process.returncode == -signal.SIGKILL:
            kills["killed"] += 1
            kills["killed after its row was written"] += number in seen
        else:
            problems.append(f"process {number} exited {process.returncode}: {stderr.strip()[-500:]}")
    assert not problems, "\n".join(problems[:20])
    assert kills["killed"] >= count // 6, kills
    reached = sum(victim.opened_at is not None for victim in victims.values())
    print(f"{count} processes: {kills}; {reached} killed after they had opened the database")

    # The file still takes writes, and the totals still add up.
    after = {"amount": 0.3, "description": "after the crash", "category_id": 1, "date": "2025-01-31"}
    done = subprocess.run(add_command(db_path, after), cwd=ROOT, env=env, capture_output=True, text=True, timeout=CLI_TIMEOUT_S)
    assert done.returncode == 0, done.stderr
    snapshot = Snapshot(db_path)
    assert snapshot.check_consistent() == []
    assert len(snapshot.rows) == len(rows) + 1
