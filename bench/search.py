"""Benchmark search (GET /expenses?q=…) over HTTP against a large seed-schema database.

Usage: python bench/search.py [--db PATH] [--rows N] [--port P] [--seconds S]

Like bench/run.py: copies the cached seed database (bench/.data/bench-N.db, made by make_db.py
in the old schema), starts the API as a real uvicorn server on it and times the first open
(the one-time migration, which builds the search index of every row). Then times searches
(median and p95 of 50 requests after 5 warm-ups, target median ≤ 20 ms) alone and combined
with filters, sorting, offset and cursor paging; /expenses/count and the CSV export with q;
and how much slower POST /expenses is because of the search triggers: the same POSTs with the
triggers in place and after dropping them from the copy (one client, then 8 at once).
Prints a markdown table at the end.
"""

import argparse
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

import httpx
import run

TARGET_MS = 20
POSTS = 200
POST_ASCII = {"amount": 12.34, "description": "bench search post", "category_id": 1, "date": "2024-05-06"}
POST_ACCENTED = {**POST_ASCII, "description": "bench, Crème brûlée à la Café Müller"}
FILTERS = {"date_from": "2023-04-01", "date_to": "2023-06-30", "category_id": 3, "sort": "amount", "order": "desc"}

# (name, query parameters, target in ms or None). The seed data's descriptions are items, merchants
# (many with accents), notes and order numbers: see make_db.py.
SEARCHES = [
    ("q=cafe (common; finds Café, accents ignored)", {"q": "cafe"}, TARGET_MS),
    ("q=MÜLLER (upper case, accent)", {"q": "MÜLLER"}, TARGET_MS),
    ("q=lunch", {"q": "lunch"}, TARGET_MS),
    ("q=4242 (about 1% of rows)", {"q": "4242"}, TARGET_MS),
    ("q=train lyon (two words)", {"q": "train lyon"}, TARGET_MS),
    ("q=order #1234 (rare: 15 rows)", {"q": "order #1234"}, TARGET_MS),
    ("q=zzzq (no match)", {"q": "zzzq"}, TARGET_MS),
    ('q=" AND NEAR( * (FTS syntax, literal)', {"q": '" AND NEAR( *'}, TARGET_MS),
    ("q=ラーメン (Japanese)", {"q": "ラーメン"}, TARGET_MS),
    ("q=é (1 character: no trigram, instr fallback)", {"q": "é"}, TARGET_MS),
    ("q=zq (2 characters, no match: full read)", {"q": "zq"}, None),
    ("q=cafe + 3 months + category, sort=amount", {"q": "cafe", **FILTERS}, TARGET_MS),
    ("q=order #1234 + 3 months + category", {"q": "order #1234", **FILTERS}, TARGET_MS),
    ("q=lunch sort=amount asc", {"q": "lunch", "sort": "amount", "order": "asc"}, TARGET_MS),
    ("q=lunch offset=1000", {"q": "lunch", "offset": 1000}, None),
]
COUNTS = [
    ("GET /expenses/count?q=cafe", {"q": "cafe"}, None),
    ("GET /expenses/count?q=cafe + 3 months", {"q": "cafe", "date_from": "2023-04-01", "date_to": "2023-06-30"}, None),
    ("GET /expenses/count?q=order #1234", {"q": "order #1234"}, None),
]
SEARCH_TRIGGERS = ["expenses_search_insert", "expenses_search_update", "expenses_search_delete"]


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="seed-schema database to copy (default: cached bench/.data/bench-N.db)")
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows when making the database (default 1000000)")
    parser.add_argument("--port", type=int, help="port for the API (default: a free one)")
    parser.add_argument("--seconds", type=float, default=5.0, help="seconds per concurrent POST test (default 5)")
    return parser.parse_args(argv)


def report_cursor_walk(report, lean, params, pages=5):
    """Time following X-Next-Cursor through `pages` pages of a search."""
    times = []
    for _ in range(run.WARMUPS):
        lean.get("/expenses", params=params)
    for _ in range(10):
        token, started = None, time.perf_counter()
        for _ in range(pages):
            query = {**params, **({"cursor": token} if token else {})}
            lean.conn.request("GET", f"/expenses?{urlencode(query)}")
            response = lean.conn.getresponse()
            response.read()
            token = response.getheader("X-Next-Cursor")
            if response.status != 200 or token is None:
                report.add(f"cursor walk {params}", f"error: HTTP {response.status}", "—", False)
                return
        times.append((time.perf_counter() - started) / pages)
    median = statistics.median(times)
    report.add(f"q={params['q']}: {pages} pages by cursor, per page", f"median {run.ms(median)}",
               f"median ≤ {TARGET_MS} ms", median * 1000 <= TARGET_MS)


def report_export(report, client, params):
    started = time.perf_counter()
    rows = 0
    with client.stream("GET", "/expenses/export", params=params, timeout=600) as response:
        for _line in response.iter_lines():
            rows += 1
    seconds = time.perf_counter() - started
    report.add(f"GET /expenses/export?q={params['q']}", f"{seconds * 1000:.0f} ms, {rows - 1} rows (HTTP {response.status_code})")


def post_latency(client, body, count=POSTS):
    samples = []
    for _ in range(count):
        started = time.perf_counter()
        response = client.post("/expenses", json=body)
        samples.append(time.perf_counter() - started)
        if response.status_code != 201:
            raise ValueError(run.http_problem(response))
    return statistics.median(samples), run.percentile(samples, 0.95)


def measure_posts(report, server, label, seconds):
    with httpx.Client(base_url=server.base_url, timeout=30) as client:
        for name, body in (("ASCII description", POST_ASCII), ("accented description", POST_ACCENTED)):
            median, p95 = post_latency(client, body)
            report.add(f"POST /expenses, 1 client, {name}, {label}", f"median {run.ms(median)}, p95 {run.ms(p95)}")
    result = run.run_load(server, lambda client: client.post("/expenses", json=POST_ACCENTED), seconds)
    run.report_load(report, f"POST /expenses (accented), {label}", result)


def drop_search_triggers(db_path):
    conn = sqlite3.connect(db_path, timeout=30)
    try:
        for name in SEARCH_TRIGGERS:
            conn.execute(f"drop trigger if exists {name}")  # names from the fixed list above
        conn.commit()
    finally:
        conn.close()


def sizes(db_path):
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        page_size = conn.execute("pragma page_size").fetchone()[0]
        try:
            rows = conn.execute(
                "select sum(pgsize) from dbstat where name like 'expense_search%' or name like 'search_%'"
            ).fetchone()[0]
        except sqlite3.Error:
            rows = None
        total = conn.execute("pragma page_count").fetchone()[0] * page_size
        return total, rows
    finally:
        conn.close()


def benchmark(args, seed_db, rows, workdir):
    report = run.Report()
    db_path = run.copy_database(seed_db, workdir)
    before = db_path.stat().st_size
    port = args.port or run.free_port()
    server = run.Server("expense_tracker:app", None, db_path, port, Path(workdir) / "server.log")
    try:
        try:
            first_open = server.wait_ready()
        except run.ServerError as exc:
            print(f"error: {exc}", file=sys.stderr)
            run.print_server_output(server)
            return report, 1
        report.add("first open (migration: all migrations, search index of every row)", f"{first_open:.2f} s")
        total, index = sizes(db_path)
        report.add("file size before → after", f"{before / 1e6:.0f} MB → {total / 1e6:.0f} MB"
                   + (f" (search tables {index / 1e6:.0f} MB)" if index else ""))
        lean = run.LeanClient(server.base_url)
        with httpx.Client(base_url=server.base_url, timeout=60) as client:
            run.report_latency(report, "baseline: GET /expenses (no q)", lean, "/expenses", {"limit": 50})
            for name, params, target in SEARCHES:
                run.report_latency(report, f"GET /expenses?{name}", lean, "/expenses", {"limit": 50, **params}, target)
            report_cursor_walk(report, lean, {"q": "cafe", "limit": 50})
            report_cursor_walk(report, lean, {"q": "4242", "limit": 50})
            for name, params, target in COUNTS:
                run.report_latency(report, name, lean, "/expenses/count", params, target)
            report_export(report, client, {"q": "müller"})
            report_export(report, client, {"q": "order #1234"})
        measure_posts(report, server, "with search triggers", args.seconds)
        drop_search_triggers(db_path)
        measure_posts(report, server, "search triggers dropped", args.seconds)
        if server.exited():
            print(f"error: server exited with code {server.process.returncode}", file=sys.stderr)
            run.print_server_output(server)
            return report, 1
    finally:
        server.stop()
    run.print_server_output(server, only_if_any=True)
    return report, 0


def main(argv=None):
    args = parse_args(argv)
    if args.db is not None and not args.db.is_file():
        print(f"error: --db {args.db} is not a file", file=sys.stderr)
        return 2
    seed_db = args.db or run.cached_seed_db(args.rows)
    rows = run.count_rows(seed_db, immutable=True)
    run.print_machine(rows)
    with tempfile.TemporaryDirectory(prefix="expense-search-bench-") as workdir:
        report, status = benchmark(args, seed_db, rows, workdir)
    if report.rows:
        print()
        print(f"N = {rows} expenses; search latency is the median of {run.REPEATS} requests.")
        print()
        print(report.markdown())
    return status


if __name__ == "__main__":
    sys.exit(main())
