"""Soak test: a realistic read/write mix from many clients for a sustained time against a real server.

Usage: python bench/soak.py [--rows 100000] [--seconds 60] [--clients 16] [--warmup 5] [--seed 1]

The server runs on a copy of the cached seed database (bench/.data/bench-N.db, made by
bench/make_db.py through bench/run.py). Each client is a thread with its own keep-alive
connection: 70% reads (pages of /expenses with filters, sorts and cursors, /summary,
/summary/months, /expenses/count, /categories, single expenses) and 30% writes (POST, and PUT
and DELETE of the client's own expenses). Prints a markdown table at the end.
"""

import argparse
import http.client
import json
import os
import platform
import random
import sqlite3
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import run as api_bench

REQUEST_TIMEOUT_S = 30.0
MAX_REQUESTS_PER_CLIENT = 2_000_000
RSS_SAMPLE_S = 1.0
RSS_GROWTH_TARGET_MB = 20.0
JOIN_GRACE_S = 60.0
FIRST_YEAR, LAST_YEAR = 2019, 2024
MONTHS = [f"{year}-{month:02d}" for year in range(FIRST_YEAR, LAST_YEAR + 1) for month in range(1, 13)]
STORED = ("id", "amount", "description", "category_id", "date")
SENT = ("amount", "description", "category_id", "date")

# (kind, weight): reads add up to 70, writes to 30.
MIX = [
    ("list", 35), ("summary", 10), ("count", 10), ("categories", 5), ("months", 5), ("one", 5),
    ("create", 14), ("update", 10), ("delete", 6),
]
WRITES = {"create", "update", "delete"}
EXPECTED_STATUS = {"create": 201, "delete": 204}


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000, help="expenses in the seed database (default 100000)")
    parser.add_argument("--seconds", type=float, default=60.0, help="measured seconds of load (default 60)")
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients (default 16)")
    parser.add_argument("--warmup", type=float, default=5.0,
                        help="seconds of the same load before measuring starts (default 5)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the clients' choices (default 1)")
    parser.add_argument("--port", type=int, help="port for the API (default: a free one)")
    args = parser.parse_args(argv)
    if args.rows < 1:
        parser.error("--rows must be >= 1")
    if not 0 < args.seconds <= 3600:
        parser.error("--seconds must be in (0, 3600]")
    if not 1 <= args.clients <= 256:
        parser.error("--clients must be in [1, 256]")
    if not 0 <= args.warmup <= 600:
        parser.error("--warmup must be in [0, 600]")
    return args


# ---------------------------------------------------------------------------
# One client
# ---------------------------------------------------------------------------


class Client:
    """A keep-alive connection and a seeded stream of requests; knows what its own rows hold."""

    def __init__(self, number, base_url, seed, categories, seed_rows, measure_from, stop_at):
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname, parts.port
        self.conn = None
        self.number = number
        self.rng = random.Random(seed * 7919 + number)
        self.categories = categories
        self.seed_rows = seed_rows
        self.measure_from = measure_from
        self.stop_at = stop_at
        self.kinds = [kind for kind, _ in MIX]
        self.weights = [weight for _, weight in MIX]
        self.own: dict[int, dict] = {}
        self.deleted: set[int] = set()
        self.cursor: tuple[dict, str] | None = None
        self.sequence = 0
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.errors = 0
        self.error_samples: list[str] = []

    # --- transport ---

    def connect(self):
        if self.conn is None:
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=REQUEST_TIMEOUT_S)
        return self.conn

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def call(self, method, path, params=None, body=None):
        """(status, headers, parsed JSON or None); raises on transport errors."""
        url = path + (f"?{urlencode(params)}" if params else "")
        payload = json.dumps(body).encode() if body is not None else None
        headers = {"Content-Type": "application/json"} if payload is not None else {}
        conn = self.connect()
        try:
            conn.request(method, url, body=payload, headers=headers)
            response = conn.getresponse()
            data = response.read()
        except BaseException:
            self.close()
            raise
        return response.status, response, (json.loads(data) if data else None)

    # --- what to send ---

    def new_values(self):
        self.sequence += 1
        return {
            "amount": self.rng.randint(1, 500_000) / 100,
            "description": f"soak {self.number}-{self.sequence} «café», \"quoted\"",
            "category_id": self.rng.choice(self.categories),
            "date": f"{self.rng.choice(MONTHS)}-{self.rng.randint(1, 28):02d}",
        }

    def filters(self):
        params = {}
        if self.rng.random() < 0.6:
            first = self.rng.randrange(len(MONTHS))
            last = min(len(MONTHS) - 1, first + self.rng.choice([0, 2, 11]))
            params["date_from"] = f"{MONTHS[first]}-{self.rng.randint(1, 28):02d}"
            params["date_to"] = f"{MONTHS[last]}-28"
        if self.rng.random() < 0.4:
            params["category_id"] = self.rng.choice(self.categories)
        return params

    def request_for(self, kind):
        """(method, path, params, body, check) for one request of this kind."""
        rng = self.rng
        if kind == "list":
            if self.cursor is not None and rng.random() < 0.5:
                params, token = self.cursor
                return "GET", "/expenses", {**params, "cursor": token}, None, ("page", params)
            params = {**self.filters(), "sort": rng.choice(["date", "amount", "created_at"]),
                      "order": rng.choice(["asc", "desc"]), "limit": rng.choice([20, 50, 100])}
            return "GET", "/expenses", params, None, ("page", params)
        if kind == "summary":
            return "GET", "/summary", {"month": rng.choice(MONTHS)}, None, None
        if kind == "count":
            return "GET", "/expenses/count", self.filters(), None, None
        if kind == "categories":
            return "GET", "/categories", None, None, None
        if kind == "months":
            first = rng.randrange(len(MONTHS) - 11)
            return "GET", "/summary/months", {"from": MONTHS[first], "to": MONTHS[first + 11]}, None, None
        if kind == "one":
            if self.own and rng.random() < 0.5:
                expense_id = rng.choice(list(self.own))
                return "GET", f"/expenses/{expense_id}", None, None, ("same", expense_id)
            return "GET", f"/expenses/{rng.randint(1, self.seed_rows)}", None, None, None
        if kind == "create" or not self.own:
            values = self.new_values()
            return "POST", "/expenses", None, values, ("created", values)
        expense_id = rng.choice(list(self.own))
        if kind == "update":
            values = self.new_values()
            changes = {name: values[name] for name in rng.sample(SENT, rng.randint(1, len(SENT)))}
            expected = {**{name: self.own[expense_id][name] for name in STORED}, **changes}
            return "PUT", f"/expenses/{expense_id}", None, changes, ("updated", expense_id, expected)
        return "DELETE", f"/expenses/{expense_id}", None, None, ("deleted", expense_id)

    # --- checking answers ---

    def settle(self, kind, status, response, body, check):
        """None if the answer is right (and the client's books updated), else what is wrong."""
        expected_status = EXPECTED_STATUS.get(kind, 200)
        if status != expected_status:
            return f"{kind}: HTTP {status} (expected {expected_status}) {str(body)[:160]}"
        if check is None:
            return None
        what = check[0]
        if what == "page":
            token = response.getheader("X-Next-Cursor")
            self.cursor = (check[1], token) if token else None
            if not isinstance(body, list):
                return f"{kind}: a page that is not a list: {str(body)[:160]}"
        elif what == "same":
            expected = self.own[check[1]]
            if body != expected:
                return f"GET own expense {check[1]}: {body}, expected {expected}"
        elif what == "created":
            if {name: body.get(name) for name in SENT} != check[1]:
                return f"POST answered {body}, sent {check[1]}"
            self.own[body["id"]] = body
        elif what == "updated":
            if {name: body.get(name) for name in STORED} != check[2]:
                return f"PUT answered {body}, expected {check[2]}"
            self.own[check[1]] = body
        elif what == "deleted":
            del self.own[check[1]]
            self.deleted.add(check[1])
        return None

    def run(self):
        try:
            for _ in range(MAX_REQUESTS_PER_CLIENT):
                if time.perf_counter() >= self.stop_at:
                    break
                kind = self.rng.choices(self.kinds, self.weights)[0]
                method, path, params, body, check = self.request_for(kind)
                if check is not None and check[0] in ("created", "updated", "deleted"):
                    kind = {"created": "create", "updated": "update", "deleted": "delete"}[check[0]]
                began = time.perf_counter()
                try:
                    status, response, answer = self.call(method, path, params, body)
                except (OSError, http.client.HTTPException, ValueError) as exc:
                    problem = f"{kind}: {type(exc).__name__}: {exc}"
                else:
                    elapsed = time.perf_counter() - began
                    problem = self.settle(kind, status, response, answer, check)
                    if began >= self.measure_from:
                        self.latencies[kind].append(elapsed)
                if problem is not None:
                    # Wrong during the warm-up is wrong too: it counts.
                    self.errors += 1
                    if len(self.error_samples) < 3:
                        self.error_samples.append(("" if began >= self.measure_from else "(warm-up) ") + problem)
        finally:
            self.close()


# ---------------------------------------------------------------------------
# The run
# ---------------------------------------------------------------------------


class RssSampler(threading.Thread):
    def __init__(self, pid, stop_at):
        super().__init__(daemon=True)
        self.pid = pid
        self.stop_at = stop_at
        self.samples: list[tuple[float, int]] = []
        self.stop_event = threading.Event()

    def run(self):
        while not self.stop_event.is_set() and time.perf_counter() < self.stop_at:
            try:
                self.samples.append((time.perf_counter(), api_bench.proc_status_kb(self.pid, "VmRSS")))
            except (OSError, KeyError):
                return
            self.stop_event.wait(RSS_SAMPLE_S)


def memory_parts(pid, db_path):
    """Where the server's resident memory is (heap, mapped files, shared memory such as the
    WAL index) and how big the WAL file is, in kB."""
    parts = {key: api_bench.proc_status_kb(pid, key) for key in ("RssAnon", "RssFile", "RssShmem")}
    for suffix in ("-wal", "-shm"):
        try:
            parts[f"db{suffix}"] = os.path.getsize(f"{db_path}{suffix}") // 1024
        except OSError:
            parts[f"db{suffix}"] = 0
    return parts


def categories_of(base_url):
    client = api_bench.LeanClient(base_url)
    try:
        response = client.get("/categories")
        if response.status_code != 200:
            raise api_bench.ServerError(f"GET /categories: HTTP {response.status_code}")
        return [category["id"] for category in json.loads(response.text)]
    finally:
        client.close()


def run_load(server, args, seed_rows, db_path):
    categories = categories_of(server.base_url)
    now = time.perf_counter()
    measure_from = now + args.warmup
    stop_at = measure_from + args.seconds
    clients = [Client(number, server.base_url, args.seed, categories, seed_rows, measure_from, stop_at)
               for number in range(args.clients)]
    threads = [threading.Thread(target=client.run, daemon=True) for client in clients]
    sampler = RssSampler(server.pid, stop_at + JOIN_GRACE_S)
    rss = {"ready": api_bench.proc_status_kb(server.pid, "VmRSS")}
    sampler.start()
    for thread in threads:
        thread.start()
    time.sleep(max(0.0, measure_from - time.perf_counter()))
    rss["start"] = api_bench.proc_status_kb(server.pid, "VmRSS")
    rss["start parts"] = memory_parts(server.pid, db_path)
    server_cpu, client_cpu = api_bench.process_cpu_seconds(server.pid), time.process_time()
    began = time.perf_counter()
    print(f"  measuring for {args.seconds:g} s with {args.clients} clients "
          f"(after {args.warmup:g} s of warm-up)...", flush=True)
    for thread in threads:
        thread.join(timeout=max(0.0, stop_at - time.perf_counter()) + JOIN_GRACE_S)
    elapsed = min(time.perf_counter(), stop_at) - began
    stragglers = sum(thread.is_alive() for thread in threads)
    rss["end"] = api_bench.proc_status_kb(server.pid, "VmRSS")
    rss["end parts"] = memory_parts(server.pid, db_path)
    cpu = {
        "server": (api_bench.process_cpu_seconds(server.pid) - server_cpu) / elapsed,
        "clients": (time.process_time() - client_cpu) / elapsed,
    }
    sampler.stop_event.set()
    sampler.join(5)
    rss["peak"] = max([kb for _, kb in sampler.samples] + [rss["end"]])
    during = [kb for at, kb in sampler.samples if began <= at <= stop_at]
    if during:
        step = max(1, len(during) // 10)
        print("  server RSS every ~{:.0f} s of the measured run: {}".format(
            step * RSS_SAMPLE_S, " ".join(mb(kb) for kb in during[::step] + [rss["end"]])), flush=True)
    return clients, elapsed, rss, cpu, stragglers


def verify_file(db_path, clients, seed_rows):
    """After the server stopped: integrity, every client's books against the rows, the totals."""
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=30)
    try:
        integrity = [row[0] for row in conn.execute("pragma integrity_check")]
        rows = {row[0]: dict(zip(STORED, row)) for row in conn.execute(
            "select id, amount, description, category_id, date from expenses where id > ?", (seed_rows,))}
        seed_left = conn.execute("select count(*) from expenses where id <= ?", (seed_rows,)).fetchone()[0]
        kept = {(m, c): (cents, count) for m, c, cents, count in conn.execute(
            "select month, category_id, total_cents, count from monthly_totals where count != 0 or total_cents != 0")}
        summed = {(m, c): (cents, count) for m, c, cents, count in conn.execute(
            "select substr(date, 1, 7), category_id, sum(cast(round(amount * 100) as integer)), count(*)"
            " from expenses group by 1, 2")}
    finally:
        conn.close()
    wrong = 0
    checked = 0
    owned = set()
    for client in clients:
        for expense_id, body in client.own.items():
            checked += 1
            owned.add(expense_id)
            if rows.get(expense_id) != {name: body[name] for name in STORED}:
                wrong += 1
        for expense_id in client.deleted:
            checked += 1
            wrong += expense_id in rows
    unexplained = len(set(rows) - owned)
    return {
        "integrity": integrity,
        "checked": checked,
        "wrong": wrong,
        "unexplained": unexplained,
        "seed_intact": seed_left == seed_rows,
        "totals_match": kept == summed,
    }


def mb(kb):
    return f"{kb / 1024:.1f} MB"


def latency_text(values):
    if not values:
        return "no requests"
    return (f"p50 {api_bench.ms(api_bench.percentile(values, 0.50))}, "
            f"p99 {api_bench.ms(api_bench.percentile(values, 0.99))} (n = {len(values)})")


def build_report(args, clients, elapsed, rss, cpu, stragglers, checks):
    report = api_bench.Report()
    by_kind: dict[str, list[float]] = defaultdict(list)
    for client in clients:
        for kind, values in client.latencies.items():
            by_kind[kind] += values
    reads = [value for kind, values in by_kind.items() if kind not in WRITES for value in values]
    writes = [value for kind, values in by_kind.items() if kind in WRITES for value in values]
    total = len(reads) + len(writes)
    errors = sum(client.errors for client in clients) + stragglers
    samples = [sample for client in clients for sample in client.error_samples][:3]
    growth = rss["end"] - rss["start"]

    print("\n  latency by request kind:")
    for kind, _ in MIX:
        print(f"    {kind:<10} {latency_text(by_kind.get(kind, []))}")
    if samples:
        print("  first errors:\n    " + "\n    ".join(samples))

    report.add("load", f"{args.clients} clients × {elapsed:.1f} s (after {args.warmup:g} s warm-up), "
               f"{len(reads) / max(total, 1):.0%} reads / {len(writes) / max(total, 1):.0%} writes")
    report.add("requests", f"{total} ({len(reads)} reads, {len(writes)} writes)")
    report.add("throughput", f"{total / elapsed:.0f} req/s (CPU: server {cpu['server']:.0%}, "
               f"load generator {cpu['clients']:.0%})")
    report.add("latency, all", latency_text(reads + writes))
    report.add("latency, reads", latency_text(reads))
    report.add("latency, writes", latency_text(writes))
    report.add("errors (non-2xx, wrong answer or exception)",
               f"{errors}" + (f" (first: {samples[0]})" if samples else ""), "0", errors == 0)
    report.add("server RSS when ready / after warm-up (start)", f"{mb(rss['ready'])} / {mb(rss['start'])}")
    report.add("server RSS at end (peak)", f"{mb(rss['end'])} ({mb(rss['peak'])})")
    start, end = rss["start parts"], rss["end parts"]
    print("  memory, start → end: " + ", ".join(
        f"{key} {mb(start[key])} → {mb(end[key])}" for key in start))
    report.add("server RSS growth, start → end", f"{growth / 1024:+.1f} MB",
               f"< {RSS_GROWTH_TARGET_MB:g} MB", growth / 1024 < RSS_GROWTH_TARGET_MB)
    integrity = ", ".join(checks["integrity"][:3])
    report.add("PRAGMA integrity_check after the run", integrity, "ok", checks["integrity"] == ["ok"])
    intact = checks["wrong"] == 0 and checks["unexplained"] == 0 and checks["seed_intact"]
    report.add("acknowledged writes in the file", f"{checks['checked']} checked, {checks['wrong']} wrong, "
               f"{checks['unexplained']} unexplained rows, seed rows "
               f"{'intact' if checks['seed_intact'] else 'CHANGED'}", "0 wrong", intact)
    report.add("monthly totals = sums of the rows", "yes" if checks["totals_match"] else "no", "yes",
               checks["totals_match"])
    return report, errors == 0 and growth / 1024 < RSS_GROWTH_TARGET_MB and intact and checks["totals_match"] \
        and checks["integrity"] == ["ok"]


def soak(args, seed_db, seed_rows, workdir):
    db_path = api_bench.copy_database(seed_db, workdir)
    port = args.port or api_bench.free_port()
    server = api_bench.Server("expense_tracker:app", None, db_path, port, Path(workdir) / "server.log")
    try:
        first_open = server.wait_ready()
        print(f"  server ready in {first_open:.1f} s (includes the one-time migration)", flush=True)
        clients, elapsed, rss, cpu, stragglers = run_load(server, args, seed_rows, db_path)
        if server.exited():
            raise api_bench.ServerError(f"server exited with code {server.process.returncode}")
    finally:
        server.stop()
    api_bench.print_server_output(server, only_if_any=True)
    checks = verify_file(db_path, clients, seed_rows)
    return build_report(args, clients, elapsed, rss, cpu, stragglers, checks)


def main(argv=None):
    args = parse_args(argv)
    seed_db = api_bench.cached_seed_db(args.rows)
    seed_rows = api_bench.count_rows(seed_db, immutable=True)
    api_bench.print_machine(seed_rows)
    try:
        load = os.getloadavg()
        print(f"load average before the run: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    except OSError:
        pass
    with tempfile.TemporaryDirectory(prefix="expense-soak-") as workdir:
        try:
            report, passed = soak(args, seed_db, seed_rows, workdir)
        except (api_bench.ServerError, OSError) as exc:
            print(f"error: soak stopped: {type(exc).__name__}: {exc}", file=sys.stderr)
            return 1
    print()
    print(f"Machine: nproc={os.cpu_count()}, Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}; "
          f"N = {seed_rows} expenses; {args.clients} clients × {args.seconds:g} s.")
    print()
    print(report.markdown())
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
