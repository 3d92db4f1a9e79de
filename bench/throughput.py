"""Requests per second of this app against the seed implemented literally and the framework's floor.

Usage: .venv/bin/python bench/throughput.py [--rows 10000] [--seconds 10] [--threads 2] [--connections 8]
       [--repeat 1]

Starts three uvicorn servers side by side (one worker each, the same options), each on its own copy
of the same database of `rows` expenses:
  seed   bench/seed_app.py, the seed as it is written (the file in the seed's schema);
  app    this app (api.app:create_app, as `serve` makes it, on the file upgraded to this version);
  floor  a bare FastAPI route that returns the same 50 rows with one query (and a bare insert).
Checks that the three answer GET /expenses?limit=50 with the same rows, then runs wrk against each in
turn, for GET /expenses?limit=50 and POST /expenses (a valid JSON body, no Origin, as a script sends),
and prints req/s, p50, p99 and errors (non-2xx and socket errors) with the ratios to the seed and
to the floor. Runs by hand (needs `wrk`), never in the tests.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import run
from export_start import current_db

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
HOST = "127.0.0.1"
LIST_PATH = "/expenses?limit=50"
BODY = '{"amount": 12.5, "description": "bench coffee", "category_id": 1, "date": "2024-06-15"}'
POST_LUA = f"""wrk.method = "POST"
wrk.body = '{BODY}'
wrk.headers["Content-Type"] = "application/json"
"""
FIELDS = ("id", "amount", "description", "category_id", "category_name", "date", "created_at")

FLOOR_APP = '''"""The framework's floor: a bare FastAPI route returning the same 50 rows from the same file."""
import json
import os
import sqlite3

from fastapi import FastAPI, Response

DB = os.environ["SEED_DB"]
app = FastAPI()
SELECT = ("select e.id, e.amount, e.description, e.category_id, c.name as category_name, e.date, e.created_at "
          "from expenses e join categories c on c.id = e.category_id")


@app.get("/expenses")
def expenses(limit: int = 50):
    conn = sqlite3.connect(DB)
    conn.row_factory = sqlite3.Row
    try:
        rows = [dict(r) for r in conn.execute(SELECT + " order by e.date desc limit ?", (limit,))]
        return Response(json.dumps(rows), media_type="application/json")
    finally:
        conn.close()


@app.post("/expenses")
def create(body: dict):
    conn = sqlite3.connect(DB)
    conn.row_factory = sqlite3.Row
    try:
        row_id = conn.execute("insert into expenses (amount, description, category_id, date) values (?, ?, ?, ?)",
                              (body["amount"], body["description"], body["category_id"], body["date"])).lastrowid
        conn.commit()
        row = dict(conn.execute(SELECT + " where e.id = ?", (row_id,)).fetchone())
        return Response(json.dumps(row), status_code=201, media_type="application/json")
    finally:
        conn.close()


@app.get("/health")
def health():
    return {"status": "ok"}
'''


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=1, help="rounds; each round measures the three in turn")
    return parser.parse_args(argv)


class Server:
    def __init__(self, name, app, db_path, workdir, factory=False):
        self.name = name
        self.port = run.free_port()
        self.base = f"http://{HOST}:{self.port}"
        command = [sys.executable, "-m", "uvicorn", app, "--host", HOST, "--port", str(self.port),
                   "--log-level", "warning", "--no-access-log", "--app-dir", str(workdir)]
        if factory:
            command.append("--factory")
        env = dict(os.environ, EXPENSE_TRACKER_DB=str(db_path), SEED_DB=str(db_path), HOME=str(workdir),
                   PYTHONPATH=str(REPO_ROOT))
        self.log = open(workdir / f"{name}.log", "wb")
        self.process = subprocess.Popen(command, cwd=workdir, env=env, stdin=subprocess.DEVNULL,
                                        stdout=self.log, stderr=subprocess.STDOUT)

    def wait_ready(self):
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                sys.exit(f"{self.name} exited with code {self.process.returncode}; see {self.log.name}")
            try:
                if httpx.get(f"{self.base}/health", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        sys.exit(f"{self.name} did not answer /health within 120 s")

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


def check_equivalent(servers):
    """The three answer the list with the same rows, and a POST with 201 and the expense."""
    pages = {}
    for server in servers:
        response = httpx.get(server.base + LIST_PATH, timeout=10)
        response.raise_for_status()
        pages[server.name] = [tuple(row[f] for f in FIELDS) for row in response.json()]
    reference = pages["seed"]
    for name, page in pages.items():
        if len(page) != 50:
            sys.exit(f"{name} answered {len(page)} rows, not 50")
        if page != reference:
            sys.exit(f"{name}'s first 50 rows differ from the seed's: {page[:2]} against {reference[:2]}")
    for server in servers:
        response = httpx.post(server.base + "/expenses", content=BODY, timeout=10,
                              headers={"Content-Type": "application/json"})
        created = response.json()
        if response.status_code != 201 or created.get("description") != "bench coffee" \
                or created.get("category_name") != "Food":
            sys.exit(f"{server.name}'s POST answered {response.status_code}: {response.text[:200]}")
    print("bodies: the three answer the same 50 rows; each POST answers 201 with the expense")


UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0}


def to_ms(text):
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()
    return float(number) * UNITS[unit]


def run_wrk(args, url, script=None):
    command = ["wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{args.seconds}s", "--latency"]
    if script:
        command += ["-s", str(script)]
    out = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = to_ms(re.search(r"\s50%\s+(\S+)", out).group(1))
    p99 = to_ms(re.search(r"\s99%\s+(\S+)", out).group(1))
    errors = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", out))
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if socket_errors:
        errors += sum(int(n) for n in socket_errors.groups())
    return {"rps": rps, "p50": p50, "p99": p99, "errors": errors}


def main(argv=None):
    args = parse_args(argv)
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: sudo apt-get install wrk (Debian/Ubuntu) or brew install wrk (macOS).")
    seed_source = run.cached_seed_db(args.rows)
    app_source = current_db(args.rows, REPO_ROOT)
    with tempfile.TemporaryDirectory(prefix="throughput-") as tmp:
        work = Path(tmp)
        shutil.copyfile(BENCH_DIR / "seed_app.py", work / "seed_app.py")
        (work / "floor_app.py").write_text(FLOOR_APP)
        (work / "post.lua").write_text(POST_LUA)
        layout = [("seed", "seed_app:app", seed_source, False),
                  ("app", "api.app:create_app", app_source, True),
                  ("floor", "floor_app:app", seed_source, False)]
        servers = []
        try:
            for name, app, source, factory in layout:
                folder = work / name
                folder.mkdir()
                db_path = run.copy_database(source, folder)
                servers.append(Server(name, app, db_path, work, factory))
            for server in servers:
                server.wait_ready()
            check_equivalent(servers)
            print(f"wrk -t{args.threads} -c{args.connections} -d{args.seconds}s, {args.rows} expenses, "
                  f"{args.repeat} round(s); machine: nproc={os.cpu_count()}")
            results = {}
            for _ in range(args.repeat):
                for label, path, script in (("GET /expenses?limit=50", LIST_PATH, None),
                                            ("POST /expenses", "/expenses", work / "post.lua")):
                    for server in servers:
                        results.setdefault((label, server.name), []).append(
                            run_wrk(args, server.base + path, script))
        finally:
            for server in servers:
                server.stop()
    print_table(results, args)


def print_table(results, args):
    print()
    print("| request | server | req/s | p50 ms | p99 ms | errors | × seed | × floor |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for label in ("GET /expenses?limit=50", "POST /expenses"):
        for name in ("seed", "app", "floor"):
            runs = results[(label, name)]
            rps = [r["rps"] for r in runs]
            ratio_seed = [r["rps"] / s["rps"] for r, s in zip(runs, results[(label, "seed")])]
            ratio_floor = [r["rps"] / f["rps"] for r, f in zip(runs, results[(label, "floor")])]
            print(f"| {label} | {name} | {spread(rps, '.0f')} | {spread([r['p50'] for r in runs], '.1f')} | "
                  f"{spread([r['p99'] for r in runs], '.1f')} | {sum(r['errors'] for r in runs)} | "
                  f"{spread(ratio_seed, '.2f')}× | {spread(ratio_floor, '.2f')}× |")
    print(f"\n{args.rows} expenses; `.venv/bin/python bench/throughput.py --rows {args.rows} "
          f"--seconds {args.seconds} --repeat {args.repeat}`")


def spread(values, fmt):
    low, high = min(values), max(values)
    return f"{low:{fmt}}" if f"{low:{fmt}}" == f"{high:{fmt}}" else f"{low:{fmt}}–{high:{fmt}}"


if __name__ == "__main__":
    main()
