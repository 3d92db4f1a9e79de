"""Replication with Litestream on a database of 1M expenses (issue 17's targets).

Usage: python bench/replication.py [--rows 1000000] [--seconds 20] [--requests 300] [--data DIR]

On a copy of the current-schema database (bench/export_start.py's current_db, kept in bench/.data/ or
--data), with Litestream's production intervals (1 s) and a folder replica:

1. lag under 8 writers: each of 8 threads POSTs expenses for --seconds; every 0.25 s a probe notes
   the newest LTX transaction in Litestream's local folder right after a write was acknowledged and
   times until the replica holds a later one (an upper bound: that file covers the write). Target:
   median ≤ 2 s.
2. restore of the 1M-expense replica: tracker.replica.restore_from_replica into an empty folder
   (Litestream's restore, then the app's checks: integrity, exact schema, then the copy in). Target ≤ 30 s.
3. request latency, replication on vs off: --requests sequential GET /expenses?limit=50 and POST
   /expenses on the same file, off then on then off then on; medians and p95. Target: on within 10%.
   (A start after writes made without Litestream sends a whole snapshot first; the runs with it on
   wait until that is done, as they measure the steady state.)
"""

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH_DIR))

import export_start  # noqa: E402
import run  # noqa: E402

from tracker import replica  # noqa: E402

BODY = {"amount": 12.5, "description": "Bench lunch", "category_id": 1, "date": "2026-12-01"}


def start_server(db_path: Path, env: dict | None = None) -> tuple[subprocess.Popen, str, list[str]]:
    process = subprocess.Popen([sys.executable, str(ROOT / "expense_tracker.py"), "--port", "0", "--db", str(db_path)],
                               cwd=ROOT, env={**os.environ, **(env or {})}, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True)
    lines: list[str] = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        line = process.stderr.readline()
        if not line:
            break
        lines.append(line)
        match = re.search(r"Expense Tracker API on (http://\S+)", line)
        if match:
            threading.Thread(target=lambda: lines.extend(process.stderr), daemon=True).start()
            url = match.group(1)
            while time.monotonic() < deadline:
                try:
                    if httpx.get(f"{url}/health", timeout=5).status_code == 200:
                        return process, url, lines
                except httpx.HTTPError:
                    pass
                time.sleep(0.1)
    process.kill()
    raise RuntimeError("server did not start:\n" + "".join(lines))


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def max_txid(folder: Path) -> int:
    names = os.listdir(folder) if folder.is_dir() else []
    return max((int(m[1], 16) for n in names if (m := re.fullmatch(r"[0-9a-f]{16}-([0-9a-f]{16})\.ltx", n))),
               default=0)


def wait_current(url: str, timeout: float = 600) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        status = httpx.get(f"{url}/replica", timeout=10).json()
        if status["state"] == "replicating" and status["last_replicated_at"]:
            return time.monotonic() - started
        time.sleep(0.2)
    raise RuntimeError(f"the replica did not become current: {status}")


def lag_under_writers(db_path: Path, replica_dir: Path, seconds: float) -> dict:
    replica.add_destination(db_path, {"kind": "folder", "name": "bench", "path": str(replica_dir)})
    process, url, _lines = start_server(db_path)
    try:
        snapshot_s = wait_current(url)
        local = db_path.with_name(f".{db_path.name}-litestream") / "ltx" / "0"
        remote = replica_dir / "ltx" / "0"
        stop_at = time.monotonic() + seconds
        lags: list[float] = []
        writes = [0]

        def writer() -> None:
            with httpx.Client(timeout=30) as client:
                while time.monotonic() < stop_at:
                    client.post(f"{url}/expenses", json=BODY).raise_for_status()
                    writes[0] += 1

        def probe() -> None:
            with httpx.Client(timeout=30) as client:
                while time.monotonic() < stop_at - 3:
                    client.post(f"{url}/expenses", json=BODY).raise_for_status()
                    acked = time.monotonic()
                    wanted = max_txid(local) + 1
                    while max_txid(remote) < wanted and time.monotonic() - acked < 30:
                        time.sleep(0.01)
                    lags.append(time.monotonic() - acked)
                    time.sleep(0.25)

        threads = [threading.Thread(target=writer) for _ in range(8)] + [threading.Thread(target=probe)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        status = httpx.get(f"{url}/replica", timeout=10).json()
    finally:
        stop(process)
    return {"initial_snapshot_s": round(snapshot_s, 1), "writes": writes[0], "probes": len(lags),
            "lag_median_s": round(statistics.median(lags), 2), "lag_p95_s": round(sorted(lags)[int(len(lags) * .95)], 2),
            "lag_max_s": round(max(lags), 2), "status_after": status["message"]}


def restore_time(replica_dir: Path, root: Path) -> dict:
    target = root / "second-machine" / "expenses.db"
    dest = {"kind": "folder", "name": "bench", "path": str(replica_dir)}
    started = time.perf_counter()
    replica.restore_from_replica(dest, target)
    seconds = time.perf_counter() - started
    out = root / "plain.db"
    started = time.perf_counter()
    config = replica.write_litestream_config(target, dest, replica.Intervals(), root / "plain.yml")
    subprocess.run([str(replica.find_binary()), "restore", "-config", str(config), "-o", str(out), str(target)],
                   check=True, capture_output=True)
    plain = time.perf_counter() - started
    rows = run.count_rows(target)
    return {"restore_checked_s": round(seconds, 1), "litestream_restore_only_s": round(plain, 1), "rows": rows}


def wait_idle(replica_dir: Path, quiet_s: float = 3.0, timeout: float = 300) -> None:
    """Until nothing new reached the replica for `quiet_s`: a start after writes made without
    Litestream sends a whole snapshot first (see README), which is not the steady state measured."""
    started = last_change = time.monotonic()
    seen = None
    while time.monotonic() - started < timeout:
        now = sorted(os.listdir(replica_dir / "ltx" / "0")) if (replica_dir / "ltx" / "0").is_dir() else []
        if now != seen:
            seen, last_change = now, time.monotonic()
        elif time.monotonic() - last_change > quiet_s:
            return
        time.sleep(0.2)


def latencies(db_path: Path, replicate: bool, requests: int, replica_dir: Path) -> dict:
    config = replica.config_path(db_path)
    if not replicate:
        config.rename(config.with_suffix(".off"))
    try:
        process, url, _lines = start_server(db_path)
        try:
            if replicate:
                wait_current(url)
                wait_idle(replica_dir)
            times: dict[str, list[float]] = {"get": [], "post": []}
            with httpx.Client(timeout=30) as client:
                for _ in range(20):  # warm up
                    client.get(f"{url}/expenses", params={"limit": 50})
                for _ in range(requests):
                    started = time.perf_counter()
                    client.get(f"{url}/expenses", params={"limit": 50}).raise_for_status()
                    times["get"].append(time.perf_counter() - started)
                    started = time.perf_counter()
                    client.post(f"{url}/expenses", json=BODY).raise_for_status()
                    times["post"].append(time.perf_counter() - started)
        finally:
            stop(process)
    finally:
        if not replicate:
            config.with_suffix(".off").rename(config)
    return {kind: {"median_ms": round(statistics.median(v) * 1000, 2),
                   "p95_ms": round(sorted(v)[int(len(v) * .95)] * 1000, 2)} for kind, v in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--data", type=Path, help="where the cached databases are (default bench/.data)")
    args = parser.parse_args()
    if args.data:
        run.DATA_DIR = args.data
    source = export_start.current_db(args.rows, ROOT)
    with tempfile.TemporaryDirectory(prefix="bench-replication-") as folder:
        root = Path(folder)
        db_path = root / "laptop" / "expenses.db"
        db_path.parent.mkdir()
        shutil.copyfile(source, db_path)
        replica_dir = root / "replica"
        results = {"rows": args.rows, "lag": lag_under_writers(db_path, replica_dir, args.seconds)}
        print(json.dumps(results["lag"]), flush=True)
        results["restore"] = restore_time(replica_dir, root)
        print(json.dumps(results["restore"]), flush=True)
        runs = {"off": [], "on": []}
        for replicate in (False, True, False, True):
            runs["on" if replicate else "off"].append(latencies(db_path, replicate, args.requests, replica_dir))
        results["latency"] = {
            side: {kind: {"median_ms": statistics.median(r[kind]["median_ms"] for r in runs[side]),
                          "p95_ms": statistics.median(r[kind]["p95_ms"] for r in runs[side])} for kind in ("get", "post")}
            for side in runs}
        print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
