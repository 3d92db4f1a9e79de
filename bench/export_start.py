"""Export of every expense right after the app starts (its daily backup under way) and later, against
the sqlite3 CLI writing the same rows.

Usage: python bench/export_start.py [--rows 1000000] [--runs 3] [--root TREE]

Each run copies a current-schema database of `rows` expenses (made once from bench/run.py's cached
seed database, upgraded and learned, kept in bench/.data/), starts `expense-tracker serve` on it
(which makes the day's backup at start, as the window does), and as soon as /health answers
streams /expenses/export (the backup is then under way); once the log says the backup is done it
exports again. Then `expense-tracker export -o FILE` and `sqlite3 -csv` (bench/run.py's floor query)
on the same file. Prints the medians, the server's peak RSS, and the ratios (target ≤ 1.5×).
"""

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import run

BENCH_DIR = Path(__file__).resolve().parent


def current_db(rows: int, root: Path) -> Path:
    """The seed database upgraded to this version and its categories learned, made once and
    brought up to date when the schema has moved on (an upgrade at start would answer 503)."""
    path = run.DATA_DIR / f"current-{rows}.db"
    partial = path.with_name(path.name + ".partial")
    shutil.copyfile(path if path.exists() else run.cached_seed_db(rows), partial)
    code = ("import sys; from contextlib import closing; from pathlib import Path; from tracker.db import Database;"
            "from tracker.categorise import learn_latest; d = Database(Path(sys.argv[1])); d.ensure_ready();"
            "c = d.open(); learn_latest(c); c.execute('pragma wal_checkpoint(truncate)'); c.close(); d.close()")
    subprocess.run([sys.executable, "-c", code, str(partial)], cwd=root, check=True)
    os.replace(partial, path)
    return path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def export_http(base: str, pid: int, out: Path) -> tuple[float, float]:
    """Seconds to stream the whole export to a file, and the server's peak RSS (MB) after it."""
    started = time.perf_counter()
    with httpx.stream("GET", f"{base}/expenses/export", timeout=600) as response, open(out, "wb") as file:
        response.raise_for_status()
        for chunk in response.iter_raw():
            file.write(chunk)
    seconds = time.perf_counter() - started
    return seconds, run.proc_status_kb(pid, "VmHWM") / 1024


def timed(command: list[str], cwd: Path, out: Path | None = None) -> float:
    started = time.perf_counter()
    with open(out or os.devnull, "wb") as sink:
        subprocess.run(command, cwd=cwd, stdout=sink, stderr=subprocess.PIPE, check=True, timeout=600)
    return time.perf_counter() - started


def one_run(root: Path, source: Path, scratch: Path) -> dict:
    db = scratch / "expenses.db"
    shutil.copyfile(source, db)
    out = scratch / "export.csv"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = scratch / "server.log"
    with open(log, "wb") as log_file:
        server = subprocess.Popen([sys.executable, "-m", "desktop", "--db", str(db), "serve", "--port", str(port)],
                                  cwd=root, stdout=log_file, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                raise SystemExit(f"the server did not start:\n{log.read_text()[-2000:]}")
            time.sleep(0.05)
        first, _ = export_http(base, server.pid, out)
        backed_up_during = "Backed up" in log.read_text()
        while "Backed up" not in log.read_text():
            if time.monotonic() > deadline + 120:
                raise SystemExit(f"the backup did not finish:\n{log.read_text()[-2000:]}")
            time.sleep(0.1)
        later, peak = export_http(base, server.pid, out)
        size = out.stat().st_size
    finally:
        server.terminate()
        server.wait(30)
    cli = timed([sys.executable, "-m", "desktop", "--db", str(db), "export", "-o", str(out)], root)
    floor = timed([run.sqlite_cli(), "-csv", "-header", str(db), run.FLOOR_QUERY], root, out)
    return {"first": first, "later": later, "cli": cli, "floor": floor, "peak": peak, "size": size,
            "backup_done_before_first": backed_up_during}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--root", type=Path, default=BENCH_DIR.parent)
    args = parser.parse_args(argv)
    root = args.root.resolve()
    source = current_db(args.rows, root)
    results = []
    for number in range(1, args.runs + 1):
        with tempfile.TemporaryDirectory(prefix="export-start-") as scratch:
            result = one_run(root, source, Path(scratch))
        results.append(result)
        print(f"run {number}: right after start {result['first']:.2f} s (backup already done: "
              f"{result['backup_done_before_first']}), later {result['later']:.2f} s, CLI {result['cli']:.2f} s, "
              f"sqlite3 {result['floor']:.2f} s, server peak RSS {result['peak']:.0f} MB, "
              f"{result['size'] / 1e6:.1f} MB", flush=True)
    med = {key: statistics.median(r[key] for r in results) for key in ("first", "later", "cli", "floor", "peak")}
    load = os.getloadavg()
    print(f"\nExport of {args.rows:,} expenses ({root}; medians of {args.runs}; load {load[0]:.2f} {load[1]:.2f} "
          f"{load[2]:.2f}):")
    print("| export | seconds | × sqlite3 CLI (target ≤ 1.5×) |")
    print("|---|---|---|")
    print(f"| sqlite3 -csv (the floor) | {med['floor']:.2f} | 1.00× |")
    for key, name in (("first", "HTTP, right after start (backup under way)"), ("later", "HTTP, backup done"),
                      ("cli", "`expense-tracker export -o FILE`")):
        print(f"| {name} | {med[key]:.2f} | {med[key] / med['floor']:.2f}× |")
    print(f"| server peak RSS (VmHWM) | {med['peak']:.0f} MB | |")


if __name__ == "__main__":
    main()
