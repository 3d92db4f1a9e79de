"""Benchmark the year at a glance (GET /report, /report/export) over HTTP against a large database.

Usage: python bench/report.py [--db PATH] [--rows N] [--port P]

Like bench/run.py: copies the database (default: the cached seed database bench/.data/bench-N.db,
or --db, e.g. bench/.data/current-1000000.db) to a temporary folder, starts the API as a real
uvicorn server on it, and times the median and p95 of 50 requests after 5 warm-ups: the 12-month
report (target median ≤ 20 ms), its CSV, the default period and the longest (120 months). Then the
library's report() alone, on a new connection each time as a request has. Prints a markdown table.
"""

import argparse
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

import run

TARGET_MS = 20
YEAR = {"from": "2023-07", "to": "2024-06"}


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="database to copy (default: cached bench/.data/bench-N.db)")
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows when making the database (default 1000000)")
    parser.add_argument("--port", type=int, help="port for the API (default: a free one)")
    return parser.parse_args(argv)


def library_report(report, db_path):
    sys.path.insert(0, str(run.REPO_ROOT))
    from tracker.db import connect
    from tracker.report import report as year_report

    samples = []
    for attempt in range(run.WARMUPS + run.REPEATS):
        started = time.perf_counter()
        conn = connect(db_path)
        try:
            year_report(conn, YEAR["from"], YEAR["to"])
        finally:
            conn.close()
        if attempt >= run.WARMUPS:
            samples.append(time.perf_counter() - started)
    median = statistics.median(samples)
    report.add("tracker.report.report(), 12 months, new connection", f"median {run.ms(median)}, "
               f"p95 {run.ms(run.percentile(samples, 0.95))}", f"median ≤ {TARGET_MS} ms", median * 1000 <= TARGET_MS)


def main(argv=None):
    args = parse_args(argv)
    seed_db = args.db or run.cached_seed_db(args.rows)
    rows = run.count_rows(seed_db, immutable=True)
    report = run.Report()
    with tempfile.TemporaryDirectory(prefix="expense-bench-report-") as workdir:
        db_path = run.copy_database(seed_db, workdir)
        server = run.Server("expense_tracker:app", None, db_path, args.port or run.free_port(),
                            Path(workdir) / "server.log")
        try:
            report.add("first open", f"{server.wait_ready():.2f} s")
            lean = run.LeanClient(server.base_url)
            run.report_latency(report, "GET /report?from=2023-07&to=2024-06 (12 months by category)",
                               lean, "/report", YEAR, TARGET_MS)
            run.report_latency(report, "GET /report/export?from=2023-07&to=2024-06 (CSV)",
                               lean, "/report/export", YEAR, TARGET_MS)
            run.report_latency(report, "GET /report (default: the last 12 months)", lean, "/report", None, TARGET_MS)
            run.report_latency(report, "GET /report?from=2015-01&to=2024-12 (120 months)",
                               lean, "/report", {"from": "2015-01", "to": "2024-12"})
            lean.close()
        finally:
            server.stop()
        library_report(report, db_path)
    print()
    print(f"Machine: nproc={run.os.cpu_count()}, SQLite {sqlite3.sqlite_version}; N = {rows} expenses.")
    print()
    print(report.markdown())
    return 0


if __name__ == "__main__":
    sys.exit(main())
