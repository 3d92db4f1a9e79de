"""Where one request's time goes: GET /expenses?limit=50 and POST /expenses, in microseconds.

Usage: .venv/bin/python bench/request_profile.py [--rows 10000] [--requests 2000] [--cprofile]

In one process, on a copy of the current-schema database of `rows` expenses (bench/export_start.py's
cache): the whole ASGI app called as uvicorn calls it (one request at a time), each middleware layer's
own time (its time minus the layer inside it), and the route's steps timed alone with the same calls:
connection open, the first statement (SQLite parses the whole schema, triggers included), the query,
turning rows into JSON (the response model), and for a POST each statement of the write and its commit.
uvicorn's own share (HTTP parsing, the socket) is the rest of a request's time under wrk -c1; see
bench/README.md. --cprofile prints the top functions of the whole-app calls.
"""

import argparse
import asyncio
import cProfile
import json
import pstats
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR.parent))

import run  # noqa: E402
from export_start import current_db  # noqa: E402

from api.app import create_app  # noqa: E402
from tracker.db import connect  # noqa: E402

BODY = json.dumps({"amount": 12.5, "description": "bench coffee", "category_id": 1, "date": "2024-06-15"}).encode()


def scope_for(method, path, query=b"", body=b""):
    headers = [(b"host", b"127.0.0.1:8000"), (b"user-agent", b"wrk"), (b"accept", b"*/*")]
    if body:
        headers += [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    return {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method, "scheme": "http",
            "path": path, "raw_path": path.encode(), "query_string": query, "root_path": "", "headers": headers,
            "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8000)}


async def call(app, scope, body=b""):
    sent = []

    async def receive():
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message):
        sent.append(message)

    await app(dict(scope), receive, send)
    status = sent[0]["status"]
    if status >= 300:
        raise SystemExit(f"{scope['method']} {scope['path']} answered {status}: {sent[1]['body'][:200]}")


class Timed:
    """Wraps one ASGI layer and adds up the time spent inside it (and the layers inside it)."""

    def __init__(self, app, name, totals):
        self.app, self.name, self.totals = app, name, totals

    async def __call__(self, scope, receive, send):
        start = time.perf_counter()
        try:
            await self.app(scope, receive, send)
        finally:
            self.totals[self.name] = self.totals.get(self.name, 0.0) + time.perf_counter() - start


def instrument(app, totals):
    """Wrap each layer of the built middleware stack; returns the layer names, outermost first."""
    names = []
    layer = app.middleware_stack
    while hasattr(layer, "app"):
        inner = layer.app
        name = type(inner).__name__
        if name == "APIRouter" or name == "Router":
            layer.app = Timed(inner, "router (routing, dependency, route, response)", totals)
            names.append(layer.app.name)
            break
        layer.app = Timed(inner, name, totals)
        names.append(name)
        layer = inner
    return names


async def whole_app(app, n, method, path, query=b"", body=b"", profile=None):
    scope = scope_for(method, path, query, body)
    for _ in range(50):
        await call(app, scope, body)
    totals: dict[str, float] = {}
    names = instrument(app, totals)
    if profile:
        profile.enable()
    start, cpu = time.perf_counter(), time.process_time()
    for _ in range(n):
        await call(app, scope, body)
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    if profile:
        profile.disable()
    # Undo the wrapping for the next measurement.
    layer = app.middleware_stack
    while hasattr(layer, "app"):
        if isinstance(layer.app, Timed):
            layer.app = layer.app.app
        layer = layer.app
    rows = [("whole app (ServerErrorMiddleware down), CPU time of all threads", cpu / n),
            ("whole app, wall time", wall / n)]
    for outer, inner in zip(names, [*names[1:], None]):
        own = totals[outer] - (totals[inner] if inner else 0.0)
        rows.append((f"  {outer}" + ("" if inner is None else " (own)"), own / n))
    return rows


def per_call(fn, n):
    times = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def route_steps(db_path, n):
    import threading

    from pydantic import TypeAdapter

    from api.models import ExpenseResponse
    from tracker.expenses import create_expense, list_expenses
    from tracker.models import ExpenseCreate
    lock = threading.Lock()
    rows = []
    rows.append(("connect (sqlite3.connect + pragma foreign_keys)",
                 per_call(lambda: connect(db_path, write_lock=lock).close(), n)))

    def open_and_parse():
        conn = connect(db_path, write_lock=lock)
        conn.execute("select 1 from categories limit 0").fetchall()
        conn.close()
    rows.append(("  + first statement (schema parse)", per_call(open_and_parse, n) - rows[0][1]))

    conn = connect(db_path, write_lock=lock)
    page, _ = list_expenses(conn, limit=50)
    rows.append(("list_expenses (query, 50 rows to dicts)", per_call(lambda: list_expenses(conn, limit=50), n)))
    adapter = TypeAdapter(list[ExpenseResponse])
    rows.append(("response model: validate + dump_json (50 rows)",
                 per_call(lambda: adapter.dump_json(adapter.validate_python(page)), n)))
    rows.append(("json.dumps of the 50 dicts", per_call(lambda: json.dumps(page).encode(), n)))
    expense = ExpenseCreate.model_validate_json(BODY)
    rows.append(("ExpenseCreate.model_validate_json", per_call(lambda: ExpenseCreate.model_validate_json(BODY), n)))
    writes = min(n, 300)
    rows.append(("create_expense on a reused connection (whole write, commit incl.)",
                 per_call(lambda: create_expense(conn, expense), writes)))
    steps = {}

    def timed_write():
        marks = [time.perf_counter()]
        with conn.write():
            marks.append(time.perf_counter())
            conn.execute("select 1 from categories where id = ?", (1,)).fetchone()
            marks.append(time.perf_counter())
            row_id = conn.execute("insert into expenses (amount, description, category_id, date) values (?, ?, ?, ?)",
                                  (12.5, "bench coffee", 1, "2024-06-15")).lastrowid
            marks.append(time.perf_counter())
            conn.execute("select 1 from monthly_totals where month = ? and typeof(total_cents) <> 'integer'",
                         ("2024-06",)).fetchone()
            marks.append(time.perf_counter())
            from tracker.expenses import fetch_expense
            fetch_expense(conn, row_id)
            marks.append(time.perf_counter())
        marks.append(time.perf_counter())
        for name, a, b in zip(("  lock + pragma + begin immediate", "  category check", "  insert (+ triggers)",
                               "  check_totals", "  read back", "  commit (fsync)"), marks, marks[1:]):
            steps.setdefault(name, []).append(b - a)
    for _ in range(writes):
        timed_write()
    rows += [(name, statistics.median(values)) for name, values in steps.items()]
    conn.close()
    first = []
    for _ in range(writes):
        fresh = connect(db_path, write_lock=lock)
        fresh.execute("pragma synchronous = full")  # the schema is parsed here
        fresh.execute("begin immediate")
        start = time.perf_counter()
        fresh.execute("insert into expenses (amount, description, category_id, date) values (?, ?, ?, ?)",
                      (12.5, "bench coffee", 1, "2024-06-15"))
        first.append(time.perf_counter() - start)
        fresh.execute("rollback")
        fresh.close()
    rows.append(("  insert, the first on a new connection (compiles the triggers' programs)", statistics.median(first)))
    return rows


async def other_app_cpu(module_name, source, n, workdir):
    """CPU µs per request of the seed's app or the floor's in-process, one at a time (GET, POST)."""
    import importlib
    import os
    db_path = Path(workdir) / module_name / "bench.db"
    db_path.parent.mkdir()
    shutil.copyfile(source, db_path)
    os.environ["SEED_DB"] = str(db_path)
    if module_name == "floor_app":
        from throughput import FLOOR_APP
        (Path(workdir) / "floor_app.py").write_text(FLOOR_APP)
        sys.path.insert(0, str(workdir))
    app = importlib.import_module(module_name).app
    anchor = connect(db_path)  # as our app's: the WAL stays between requests
    results = []
    try:
        for method, query, body in (("GET", b"limit=50", b""), ("POST", b"", BODY)):
            scope = scope_for(method, "/expenses", query, body)
            for _ in range(50):
                await call(app, scope, body)
            cpu = time.process_time()
            for _ in range(n):
                await call(app, scope, body)
            results.append((time.process_time() - cpu) / n)
    finally:
        anchor.close()
    return results


def print_rows(title, rows):
    print(f"\n{title}")
    print("| step | µs |")
    print("| --- | ---: |")
    for name, seconds in rows:
        print(f"| {name} | {seconds * 1e6:,.0f} |")


async def main_async(args, db_path):
    app = create_app(db_path)
    async with app.router.lifespan_context(app):
        await call(app, scope_for("GET", "/health"))
        profile = cProfile.Profile() if args.cprofile else None
        get_rows = await whole_app(app, args.requests, "GET", "/expenses", b"limit=50", profile=profile)
        post_rows = await whole_app(app, min(args.requests, 1000), "POST", "/expenses", body=BODY, profile=profile)
    print_rows("GET /expenses?limit=50, one at a time, in-process", get_rows)
    print_rows("POST /expenses, one at a time, in-process", post_rows)
    if profile:
        pstats.Stats(profile).sort_stats("tottime").print_stats(25)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--cprofile", action="store_true")
    args = parser.parse_args(argv)
    source = current_db(args.rows, BENCH_DIR.parent)
    with tempfile.TemporaryDirectory(prefix="profile-") as tmp:
        db_path = run.copy_database(source, tmp)
        asyncio.run(main_async(args, db_path))
        anchor = connect(db_path)  # as the app's anchor: the WAL stays between connections
        print_rows("The route's steps alone (median)", route_steps(db_path, args.requests))
        anchor.close()
        seed_source = run.cached_seed_db(args.rows)
        rows = []
        for name in ("seed_app", "floor_app"):
            get_cpu, post_cpu = asyncio.run(other_app_cpu(name, seed_source, min(args.requests, 1000), tmp))
            rows += [(f"{name}: GET, CPU", get_cpu), (f"{name}: POST, CPU", post_cpu)]
        print_rows("The seed and the floor in-process, the same way (CPU µs per request)", rows)
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
