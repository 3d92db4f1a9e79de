"""Benchmark the expense tracker API over HTTP against a large seed-schema database.

Usage: python bench/run.py [--db PATH] [--rows N] [--port P] [--seconds S]
"""

import argparse
import csv
import http.client
import os
import platform
import random
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import httpx
import make_db

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
DATA_DIR = BENCH_DIR / ".data"

HOST = "127.0.0.1"
READY_TIMEOUT_S = 120.0
STOP_TIMEOUT_S = 10.0
WARMUPS = 5
REPEATS = 50
TIMED_ITEM_BUDGET_S = 30.0
EXPORT_RUNS = 3
FLOOR_RUNS = 3
EXPORT_TIMEOUT_S = 600.0
CLIENTS = 8
MAX_REQUESTS_PER_CLIENT = 200_000
VERIFY_SAMPLE = 500
PAGE = 50
DEPTH = 0.9
STDERR_TAIL_LINES = 40

BENCH_DESCRIPTION = 'bench, "quoted" é'
POST_BODY = {"amount": 12.34, "description": BENCH_DESCRIPTION, "category_id": 1, "date": "2024-05-06"}
SUMMARY_PARAMS = {"month": "2023-06"}
REPORT_PARAMS = {"from": "2023-07", "to": "2024-06"}
FILTER_PARAMS = {
    "date_from": "2023-04-01", "date_to": "2023-06-30", "category_id": 3,
    "sort": "amount", "order": "desc", "limit": PAGE,
}
FLOOR_QUERY = (
    "select e.id, printf('%.2f', e.amount), e.description, c.name, e.date from expenses e"
    " join categories c on c.id = e.category_id order by e.date desc, e.id desc;"
)


class ServerError(Exception):
    """The server did not start, or stopped answering."""


@dataclass
class Row:
    measure: str
    result: str
    target: str = "—"
    met: bool | None = None


@dataclass
class Report:
    rows: list[Row] = field(default_factory=list)

    def add(self, measure, result, target="—", met=None):
        self.rows.append(Row(measure, result, target, met))
        print(f"  {measure}: {result}" + (f"   (target {target})" if target != "—" else ""), flush=True)

    def markdown(self):
        lines = ["| measure | result | target | met |", "| --- | --- | --- | --- |"]
        for row in self.rows:
            met = "—" if row.met is None else ("yes" if row.met else "**no**")
            lines.append(f"| {row.measure} | {row.result} | {row.target} | {met} |")
        return "\n".join(lines)


# ---------------------------------------------------------------------------
# Arguments, database preparation, machine facts
# ---------------------------------------------------------------------------


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="seed-schema database to copy (default: cached bench/.data/bench-N.db)")
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows when making the database (default 1000000)")
    parser.add_argument("--port", type=int, help="port for the API (default: a free one)")
    parser.add_argument("--seconds", type=float, default=10.0, help="seconds per throughput test (default 10)")
    parser.add_argument("--app", default="expense_tracker:app", help=argparse.SUPPRESS)
    parser.add_argument("--app-dir", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.rows < 1:
        parser.error("--rows must be >= 1")
    if not 0 < args.seconds <= 600:
        parser.error("--seconds must be in (0, 600]")
    return args


def cached_seed_db(rows):
    path = DATA_DIR / f"bench-{rows}.db"
    if path.exists():
        print(f"seed database: {path} (cached)")
        return path
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f"{path.name}.partial-{os.getpid()}")
    try:
        seconds = make_db.build_database(str(partial), rows, seed=42)
        os.replace(partial, path)
    finally:
        for leftover in (partial, Path(f"{partial}-journal")):
            leftover.unlink(missing_ok=True)
    print(f"seed database: {path} (made: {rows} rows in {seconds:.1f} s)")
    return path


def copy_database(source, directory):
    target = Path(directory) / "bench.db"
    shutil.copyfile(source, target)
    wal = Path(f"{source}-wal")
    if wal.exists():
        shutil.copyfile(wal, Path(f"{target}-wal"))
    return target


def count_rows(db_path, where="", params=(), immutable=False):
    """Rows of expenses; immutable=True for files no process is writing (leaves no -wal/-shm)."""
    flags = "mode=ro&immutable=1" if immutable else "mode=ro"
    conn = sqlite3.connect(f"file:{db_path}?{flags}", uri=True, timeout=30)
    try:
        return conn.execute(f"select count(*) from expenses {where}", params).fetchone()[0]
    finally:
        conn.close()


def sqlite_cli():
    if Path("/usr/bin/sqlite3").exists():
        return "/usr/bin/sqlite3"
    return shutil.which("sqlite3")


def sqlite_cli_version(cli):
    if not cli:
        return "not installed"
    try:
        out = subprocess.run([cli, "--version"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return out.split()[0] if out.split() else "unknown"


def print_machine(rows):
    cli = sqlite_cli()
    print(f"machine: nproc={os.cpu_count()}  python {platform.python_version()}  "
          f"sqlite {sqlite3.sqlite_version} (python module), {sqlite_cli_version(cli)} (cli)  "
          f"{platform.system()} {platform.machine()}")
    print(f"N = {rows} expenses")


# ---------------------------------------------------------------------------
# The server process
# ---------------------------------------------------------------------------


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


class Server:
    def __init__(self, app, app_dir, db_path, port, log_path):
        self.base_url = f"http://{HOST}:{port}"
        self.log_path = log_path
        command = [sys.executable, "-m", "uvicorn", app, "--host", HOST, "--port", str(port),
                   "--log-level", "warning"]
        if app_dir:
            command += ["--app-dir", app_dir]
        env = dict(os.environ, EXPENSE_TRACKER_DB=str(db_path))
        with open(log_path, "wb") as log_file:
            self.process = subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdin=subprocess.DEVNULL,
                                            stdout=log_file, stderr=subprocess.STDOUT)
        self.started = time.perf_counter()

    @property
    def pid(self):
        return self.process.pid

    def exited(self):
        return self.process.poll() is not None

    def describe_state(self):
        try:
            self.process.wait(timeout=2.0)
        except subprocess.TimeoutExpired:
            return "server still running"
        return f"server exited with code {self.process.returncode}"

    def wait_ready(self):
        deadline = self.started + READY_TIMEOUT_S
        last = "no answer"
        while time.perf_counter() < deadline:
            if self.exited():
                raise ServerError(f"server exited with code {self.process.returncode} before /health answered")
            try:
                response = httpx.get(f"{self.base_url}/health", timeout=2.0)
                if response.status_code == 200:
                    return time.perf_counter() - self.started
                last = f"HTTP {response.status_code}: {response.text[:200]}"
            except httpx.TransportError as exc:
                last = type(exc).__name__
            time.sleep(0.1)
        raise ServerError(f"GET /health did not return 200 within {READY_TIMEOUT_S:.0f} s (last: {last})")

    def stop(self):
        if self.exited():
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=STOP_TIMEOUT_S)

    def output_tail(self, lines=STDERR_TAIL_LINES):
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])


def proc_status_kb(pid, key):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    raise KeyError(key)


def reset_peak_rss(pid):
    """Make VmHWM start again from the current RSS; False if the kernel refuses."""
    try:
        with open(f"/proc/{pid}/clear_refs", "w") as clear_refs:
            clear_refs.write("5")
        return True
    except OSError:
        return False


# ---------------------------------------------------------------------------
# Small statistics helpers
# ---------------------------------------------------------------------------


def percentile(values, fraction):
    ordered = sorted(values)
    rank = max(1, round(fraction * len(ordered) + 0.5))
    return ordered[min(rank, len(ordered)) - 1]


def ms(seconds):
    return f"{seconds * 1000:.2f} ms"


def http_problem(response):
    return f"HTTP {response.status_code} {response.text[:160]!r}"


# ---------------------------------------------------------------------------
# Latency of single requests
# ---------------------------------------------------------------------------


class LeanResponse:
    def __init__(self, status, body):
        self.status_code = status
        self.text = body.decode("utf-8", errors="replace")


class LeanClient:
    """A keep-alive HTTP/1.1 client from the standard library, for latencies.

    httpx spends about a millisecond of its own per request on this machine; the latency
    targets are about the server, so they are timed with a client that adds almost nothing.
    """

    def __init__(self, base_url):
        parts = urlsplit(base_url)
        self.conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)

    def get(self, path, params=None):
        self.conn.request("GET", path + (f"?{urlencode(params)}" if params else ""))
        response = self.conn.getresponse()
        return LeanResponse(response.status, response.read())

    def close(self):
        self.conn.close()


def time_requests(client, path, params, expected_status=200):
    """Median and p95 seconds of REPEATS requests after WARMUPS; raises on an unexpected status."""
    samples = []
    deadline = time.perf_counter() + TIMED_ITEM_BUDGET_S
    for attempt in range(WARMUPS + REPEATS):
        started = time.perf_counter()
        response = client.get(path, params=params)
        elapsed = time.perf_counter() - started
        if response.status_code != expected_status:
            raise ValueError(http_problem(response))
        if attempt >= WARMUPS:
            samples.append(elapsed)
        if time.perf_counter() > deadline and len(samples) >= 5:
            break
    return statistics.median(samples), percentile(samples, 0.95), len(samples)


def report_latency(report, name, client, path, params, target_ms=None, expected_status=200):
    target = f"median ≤ {target_ms:g} ms" if target_ms else "—"
    try:
        median, p95, count = time_requests(client, path, params, expected_status)
    except ValueError as exc:
        report.add(name, f"error: {exc}", target, False if target_ms else None)
        return
    note = "" if count == REPEATS else f" (n={count}, time budget hit)"
    met = median * 1000 <= target_ms if target_ms else None
    report.add(name, f"median {ms(median)}, p95 {ms(p95)}{note}", target, met)


def page_ids(response):
    page = response.json()
    if not isinstance(page, list):
        return None
    return [item.get("id") if isinstance(item, dict) else None for item in page]


def deep_cursor(client, rows):
    offset = max(0, int(DEPTH * rows) - PAGE)
    response = client.get("/expenses", params={"limit": PAGE, "offset": offset})
    if response.status_code != 200:
        raise ValueError(http_problem(response))
    return response.headers.get("X-Next-Cursor")


def report_cursor(report, client, lean, rows):
    name = f"GET /expenses?cursor=… (~{DEPTH:.0%} deep)"
    target = "median ≤ 2 ms"
    try:
        token = deep_cursor(client, rows)
    except ValueError as exc:
        report.add(name, f"error getting cursor: {exc}", target, False)
        return
    if token is None:
        report.add(name, "n/a (no X-Next-Cursor)", target, False)
        return
    report_latency(report, name, lean, "/expenses", {"cursor": token, "limit": PAGE}, 2)
    check_cursor_page(report, client, rows, token)


def check_cursor_page(report, client, rows, token):
    by_cursor = client.get("/expenses", params={"cursor": token, "limit": PAGE})
    by_offset = client.get("/expenses", params={"offset": int(DEPTH * rows), "limit": PAGE})
    if by_cursor.status_code != 200 or by_offset.status_code != 200:
        problem = by_cursor if by_cursor.status_code != 200 else by_offset
        report.add("cursor page = offset page", f"error: {http_problem(problem)}", "same rows", False)
        return
    same = page_ids(by_cursor) == page_ids(by_offset)
    report.add("cursor page = offset page", "same rows" if same else "different rows", "same rows", same)


# ---------------------------------------------------------------------------
# Export and the sqlite3 command-line floor
# ---------------------------------------------------------------------------


@dataclass
class ExportRun:
    seconds: float
    first_byte: float
    nbytes: int
    rss_growth_mb: float
    status: int
    anon_growth_mb: float


def export_once(client, pid, save_to=None):
    reset_peak_rss(pid)
    rss_before = proc_status_kb(pid, "VmRSS")
    anon_before = anon_peak = proc_status_kb(pid, "RssAnon")
    nbytes = 0
    first_byte = None
    started = time.perf_counter()
    with client.stream("GET", "/expenses/export", timeout=EXPORT_TIMEOUT_S) as response:
        status = response.status_code
        for number, chunk in enumerate(response.iter_raw()):
            if first_byte is None:
                first_byte = time.perf_counter() - started
            if number % 64 == 0:
                anon_peak = max(anon_peak, proc_status_kb(pid, "RssAnon"))
            nbytes += len(chunk)
            if save_to is not None:
                save_to.write(chunk)
    seconds = time.perf_counter() - started
    peak_after = proc_status_kb(pid, "VmHWM")
    growth_mb = (peak_after - rss_before) / 1024
    anon_growth_mb = (anon_peak - anon_before) / 1024
    return ExportRun(seconds, first_byte if first_byte is not None else seconds, nbytes, growth_mb,
                     status, anon_growth_mb)


def exported_records(path):
    with open(path, newline="", encoding="utf-8") as exported:
        return sum(1 for _ in csv.reader(exported)) - 1


def measure_export(client, pid, workdir):
    """EXPORT_RUNS exports; the first is also saved and parsed to count its CSV records."""
    saved = Path(workdir) / "export.csv"
    runs = []
    for attempt in range(EXPORT_RUNS):
        if attempt == 0:
            with open(saved, "wb") as save_to:
                runs.append(export_once(client, pid, save_to))
        else:
            runs.append(export_once(client, pid))
        print(f"    export run {attempt + 1}: {runs[-1].seconds:.2f} s, {runs[-1].nbytes} bytes, "
              f"first byte {ms(runs[-1].first_byte)}, RSS growth {runs[-1].rss_growth_mb:.1f} MB, "
              f"HTTP {runs[-1].status}", flush=True)
        if runs[-1].status != 200:
            break
    records = exported_records(saved) if runs[0].status == 200 else None
    saved.unlink(missing_ok=True)
    return runs, records


def run_floor(cli, db_path):
    command = [cli, "-csv", "-header", str(db_path), FLOOR_QUERY]
    times = []
    for _ in range(FLOOR_RUNS):
        started = time.perf_counter()
        done = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                              timeout=EXPORT_TIMEOUT_S)
        times.append(time.perf_counter() - started)
        if done.returncode != 0:
            raise ValueError(done.stderr.decode(errors="replace").strip()[:200])
    return statistics.median(times)


def report_export(report, client, server, db_path, workdir, rows):
    print("  exporting (3 runs)...", flush=True)
    runs, records = measure_export(client, server.pid, workdir)
    if runs[-1].status != 200:
        report.add("GET /expenses/export", f"error: HTTP {runs[-1].status}", "≤ 2× floor", False)
        return
    wall = statistics.median(run.seconds for run in runs)
    first_byte = statistics.median(run.first_byte for run in runs)
    growth = max(run.rss_growth_mb for run in runs)
    sizes = {run.nbytes for run in runs}
    size_note = "" if len(sizes) == 1 else " (sizes differ between runs!)"
    report.add("export wall time (median of 3)", f"{wall:.2f} s, {runs[-1].nbytes / 1e6:.1f} MB{size_note}")
    report.add("export rows", f"{records} CSV records", f"{rows}", records == rows)
    report.add("export time to first byte (median)", ms(first_byte), "≤ 50 ms", first_byte <= 0.050)
    anon = max(run.anon_growth_mb for run in runs)
    report.add("export server RSS growth (max of 3)", f"{growth:.1f} MB", "≤ 30 MB", growth <= 30)
    report.add("  of which heap (RssAnon, sampled; the rest is the database file mapped read-only)",
               f"{anon:.1f} MB", "≤ 30 MB", anon <= 30)
    report_floor(report, db_path, wall)


def report_floor(report, db_path, export_wall):
    cli = sqlite_cli()
    if not cli:
        report.add("sqlite3 CLI floor", "skipped: sqlite3 command not found")
        return
    try:
        floor = run_floor(cli, db_path)
    except (ValueError, subprocess.SubprocessError, OSError) as exc:
        report.add("sqlite3 CLI floor", f"error: {exc}")
        return
    ratio = export_wall / floor
    report.add("sqlite3 CLI floor (median of 3)", f"{floor:.2f} s")
    report.add("export / floor", f"{ratio:.2f}×", "≤ 2× (aim 1.5×)", ratio <= 2.0)


# ---------------------------------------------------------------------------
# Throughput with concurrent clients
# ---------------------------------------------------------------------------


@dataclass
class LoadResult:
    latencies: list = field(default_factory=list)
    succeeded: int = 0
    errors: int = 0
    first_error: str = ""
    created_ids: list = field(default_factory=list)
    acknowledged: int = 0
    elapsed: float = 0.0
    server_cpu: float = 0.0
    client_cpu: float = 0.0


def created_id(response):
    try:
        return response.json().get("id")
    except (ValueError, AttributeError):
        return None


def load_worker(base_url, send, ready, go, stop_at, result, lock):
    latencies, created, errors, first_error, acknowledged, succeeded = [], [], 0, "", 0, 0
    with httpx.Client(base_url=base_url, timeout=30.0) as client:
        ready.wait()
        go.wait()
        deadline = stop_at[0]
        for _ in range(MAX_REQUESTS_PER_CLIENT):
            if time.perf_counter() >= deadline:
                break
            began = time.perf_counter()
            try:
                response = send(client)
            except httpx.HTTPError as exc:
                errors += 1
                first_error = first_error or f"{type(exc).__name__}: {exc}"
                continue
            latencies.append(time.perf_counter() - began)
            if not response.is_success:
                errors += 1
                first_error = first_error or http_problem(response)
                continue
            succeeded += 1
            if response.status_code == 201:
                acknowledged += 1
                created.append(created_id(response))
    with lock:
        result.latencies += latencies
        result.created_ids += created
        result.errors += errors
        result.succeeded += succeeded
        result.acknowledged += acknowledged
        result.first_error = result.first_error or first_error


def process_cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_load(server, send, seconds):
    """CLIENTS threads, each with its own keep-alive client, sending for SECONDS."""
    base_url = server.base_url
    result = LoadResult()
    lock = threading.Lock()
    ready = threading.Barrier(CLIENTS + 1, timeout=30)
    go = threading.Event()
    stop_at = [0.0]
    workers = [threading.Thread(target=load_worker, args=(base_url, send, ready, go, stop_at, result, lock),
                                daemon=True)
               for _ in range(CLIENTS)]
    for worker in workers:
        worker.start()
    ready.wait()
    server_cpu, client_cpu = process_cpu_seconds(server.pid), time.process_time()
    began = time.perf_counter()
    stop_at[0] = began + seconds
    go.set()
    for worker in workers:
        worker.join(timeout=seconds + 120)
    result.elapsed = time.perf_counter() - began
    result.server_cpu = (process_cpu_seconds(server.pid) - server_cpu) / result.elapsed
    result.client_cpu = (time.process_time() - client_cpu) / result.elapsed
    return result


def report_load(report, name, result, p99_target_ms=None):
    if result.latencies:
        p50, p99 = percentile(result.latencies, 0.50), percentile(result.latencies, 0.99)
        summary = (f"{result.succeeded / result.elapsed:.0f} req/s, p50 {ms(p50)}, p99 {ms(p99)} "
                   f"(CPU: server {result.server_cpu:.0%}, load generator {result.client_cpu:.0%})")
    else:
        p99 = float("inf")
        summary = "no responses"
    target = f"p99 ≤ {p99_target_ms:g} ms" if p99_target_ms else "—"
    met = p99 * 1000 <= p99_target_ms if p99_target_ms else None
    report.add(f"{name}, {CLIENTS} clients", summary, target, met)
    errors = f"{result.errors}" + (f" (first: {result.first_error})" if result.errors else "")
    report.add(f"{name} errors", errors, "0", result.errors == 0)


def send_list(client):
    return client.get("/expenses", params={"limit": PAGE})


def send_create(client):
    return client.post("/expenses", json=POST_BODY)


def lost_writes(client, db_path, result, bench_rows_before):
    """Acknowledged writes missing afterwards, by sampled GET and by counting rows in the file."""
    ids = [expense_id for expense_id in result.created_ids if isinstance(expense_id, int)]
    sample = random.Random(0).sample(ids, min(VERIFY_SAMPLE, len(ids)))
    missing = sum(1 for expense_id in sample if client.get(f"/expenses/{expense_id}").status_code != 200)
    stored = count_rows(db_path, "where description = ?", (BENCH_DESCRIPTION,)) - bench_rows_before
    print(f"    201 responses: {result.acknowledged}, ids returned: {len(ids)}, rows in file: {stored}, "
          f"sampled ids missing: {missing}/{len(sample)}")
    return max(missing, result.acknowledged - stored, result.acknowledged - len(ids), 0)


def report_throughput(report, server, db_path, seconds):
    print(f"  load: GET /expenses?limit=50 for {seconds:g} s...", flush=True)
    report_load(report, "GET /expenses?limit=50", run_load(server, send_list, seconds))
    bench_rows_before = count_rows(db_path, "where description = ?", (BENCH_DESCRIPTION,))
    print(f"  load: POST /expenses for {seconds:g} s...", flush=True)
    created = run_load(server, send_create, seconds)
    report_load(report, "POST /expenses", created, 50)
    with httpx.Client(base_url=server.base_url, timeout=30.0) as client:
        lost = lost_writes(client, db_path, created, bench_rows_before)
    report.add("acknowledged writes lost", str(lost), "0", lost == 0)


# ---------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------


def run_measurements(report, server, db_path, rows, seconds, workdir):
    lean = LeanClient(server.base_url)
    with httpx.Client(base_url=server.base_url, timeout=60.0) as client:
        report_latency(report, "baseline: GET of an unknown path (404, no database)",
                       lean, "/bench-no-such-path", None, expected_status=404)
        report_latency(report, "baseline: GET /health (opens the database)", lean, "/health", None)
        report_latency(report, "GET /summary?month=2023-06", lean, "/summary", SUMMARY_PARAMS, 2)
        report_latency(report, "GET /report?from=2023-07&to=2024-06 (12 months by category)",
                       lean, "/report", REPORT_PARAMS, 20)
        report_latency(report, "GET /expenses filtered (3 months, category, by amount)",
                       lean, "/expenses", FILTER_PARAMS, 5)
        deep_offset = int(DEPTH * rows)
        report_latency(report, f"GET /expenses?offset={deep_offset} (deep page by offset)",
                       lean, "/expenses", {"limit": PAGE, "offset": deep_offset})
        report_cursor(report, client, lean, rows)
        report_export(report, client, server, db_path, workdir, rows)
    report_throughput(report, server, db_path, seconds)


def benchmark(args, seed_db, rows, workdir):
    report = Report()
    db_path = copy_database(seed_db, workdir)
    port = args.port or free_port()
    server = Server(args.app, args.app_dir, db_path, port, Path(workdir) / "server.log")
    try:
        try:
            first_open = server.wait_ready()
        except ServerError as exc:
            print(f"error: {exc}", file=sys.stderr)
            print_server_output(server)
            return report, 1
        report.add("first open (migration)", f"{first_open:.2f} s")
        try:
            run_measurements(report, server, db_path, rows, args.seconds, workdir)
        except (httpx.HTTPError, OSError, ServerError) as exc:
            print(f"error: benchmark stopped: {type(exc).__name__}: {exc} ({server.describe_state()})",
                  file=sys.stderr)
            print_server_output(server)
            return report, 1
        if server.exited():
            print(f"error: server exited with code {server.process.returncode}", file=sys.stderr)
            print_server_output(server)
            return report, 1
    finally:
        server.stop()
    print_server_output(server, only_if_any=True)
    return report, 0


def print_server_output(server, only_if_any=False):
    tail = server.output_tail()
    if tail or not only_if_any:
        print(f"--- server output (last {STDERR_TAIL_LINES} lines) ---\n{tail or '(empty)'}\n---", file=sys.stderr)


def main(argv=None):
    args = parse_args(argv)
    if args.db is not None and not args.db.is_file():
        print(f"error: --db {args.db} is not a file", file=sys.stderr)
        return 2
    seed_db = args.db or cached_seed_db(args.rows)
    rows = count_rows(seed_db, immutable=True)
    print_machine(rows)
    with tempfile.TemporaryDirectory(prefix="expense-bench-") as workdir:
        report, status = benchmark(args, seed_db, rows, workdir)
    if not report.rows:
        return status
    print()
    print(f"Machine: nproc={os.cpu_count()}, Python {platform.python_version()}, "
          f"SQLite {sqlite3.sqlite_version}; N = {rows} expenses; {CLIENTS} clients × {args.seconds:g} s.")
    print()
    print(report.markdown())
    return status


if __name__ == "__main__":
    sys.exit(main())
