"""Currencies and splits at a million expenses, 10% of them in other currencies and 10% split: the
upgrade keeps every row, and the month summary, a filtered list, a 12-month report and the export
stay within their targets (issue 18).

Usage: python bench/currencies.py [--db bench/.data/bench-1000000.db]
Copies the seed-schema file, upgrades it (timed, rows counted), moves every 10th expense into EUR,
JPY or GBP (with home amounts, the triggers keeping the totals), splits another 10th in two parts
(60% in its category, the rest in the next one; plain SQL, the triggers sharing the home amounts and
keeping the totals), then times the API over HTTP (median of 200 requests) and the export against
the sqlite3 CLI.
"""

import argparse
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import LeanClient, Server, free_port, sqlite_cli

from tracker.db import init_database

CENTS_TOTAL = "select count(*), sum(cast(round(amount * 100) as integer)) from expenses"
FOREIGN = [("EUR", 0.92), ("JPY", 150.0), ("GBP", 0.79)]


def median_ms(client: LeanClient, path: str, params: dict, n: int = 200) -> float:
    """Median ms over HTTP with run.py's lean client, as its latency targets are timed (httpx adds
    about a millisecond of its own per request)."""
    times = []
    for _ in range(n):
        start = time.perf_counter()
        response = client.get(path, params=params)
        times.append(time.perf_counter() - start)
        assert response.status_code == 200, response.text
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", type=Path, default=Path(__file__).parent / ".data" / "bench-1000000.db")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "bench.db"
        shutil.copyfile(args.db, path)
        before = sqlite3.connect(path).execute(CENTS_TOTAL).fetchone()
        start = time.perf_counter()
        init_database(path)
        upgrade_s = time.perf_counter() - start
        conn = sqlite3.connect(path, isolation_level=None)
        after = conn.execute(CENTS_TOTAL).fetchone()
        print(f"upgrade: {upgrade_s:.1f} s; rows before {before[0]:,}, after {after[0]:,} "
              f"(totals in cents equal: {before == after})")
        start = time.perf_counter()
        conn.execute("begin")
        for index, (code, per_usd) in enumerate(FOREIGN):
            # Every 10th expense: its amount becomes the foreign one, its home amount what it was.
            places = 0 if code == "JPY" else 2
            conn.execute(
                f"""update expenses set currency = ?, home_amount = amount,
                    amount = max(round(amount * ?, {places}), 1), rate = 1.0 / ?, rate_source = 'typed'
                where id % 30 = ?""", (code, per_usd, per_usd, index * 10))
        conn.execute("commit")
        foreign = conn.execute("select count(*) from expenses where currency is not null").fetchone()[0]
        print(f"made {foreign:,} expenses foreign in {time.perf_counter() - start:.1f} s")
        start = time.perf_counter()
        conn.execute("begin")
        categories = conn.execute("select max(id) from categories").fetchone()[0]
        conn.execute(
            """insert into expense_parts (expense_id, category_id, amount)
            select id, category_id, round(amount * 0.6, 2) from expenses
            where id % 10 = 5 and currency is null and amount >= 0.1""")
        conn.execute(
            f"""insert into expense_parts (expense_id, category_id, amount)
            select e.id, e.category_id % {categories} + 1, round(e.amount - p.amount, 2)
            from expenses e join expense_parts p on p.expense_id = e.id""")
        conn.execute("commit")
        split = conn.execute("select count(distinct expense_id) from expense_parts").fetchone()[0]
        print(f"split {split:,} expenses in two in {time.perf_counter() - start:.1f} s")
        month = conn.execute("select substr(max(date), 1, 7) from expenses").fetchone()[0]
        conn.close()

        port = free_port()
        server = Server("expense_tracker:app", None, path, port, Path(directory) / "server.log")
        try:
            server.wait_ready()
            # The server makes its daily backup at start, in the background (a few seconds of one core
            # at 1M): latency measured alongside it is the backup's, not the request's.
            backup = path.parent / "backups" / f"{path.stem}-{date.today().isoformat()}.db"
            deadline = time.monotonic() + 300
            while not backup.exists() and time.monotonic() < deadline:
                time.sleep(0.1)
            lean = LeanClient(server.base_url)
            try:
                summary = median_ms(lean, "/summary", {"month": month})
                listing = median_ms(lean, "/expenses", {"category_id": 3, "date_from": f"{month}-01", "limit": 50})
                first = f"{int(month[:4]) - 1}-{int(month[5:]) % 12 + 1:02d}" if month[5:] != "12" else f"{month[:4]}-01"
                report = median_ms(lean, "/report", {"from": first, "to": month}, n=100)
            finally:
                lean.close()
            with httpx.Client(base_url=server.base_url, timeout=30) as client:
                assert client.get("/summary", params={"month": month}).json().get("by_currency")
                start = time.perf_counter()
                size = len(client.get("/expenses/export").content)
                export_s = time.perf_counter() - start
        finally:
            server.stop()
        start = time.perf_counter()
        cli = subprocess.run([sqlite_cli(), "-csv", str(path),
                              "select e.id, printf('%.2f', e.amount), e.description, c.name, e.date from expenses e "
                              "left join categories c on c.id = e.category_id order by e.date desc, e.id desc"],
                             capture_output=True, check=True)
        cli_s = time.perf_counter() - start
        print(f"month summary {summary:.2f} ms (target 2); filtered list {listing:.2f} ms (target 5); "
              f"12-month report {report:.2f} ms (target 20)")
        print(f"export {export_s:.2f} s ({size / 1e6:.0f} MB) vs sqlite3 CLI {cli_s:.2f} s ({len(cli.stdout) / 1e6:.0f} MB): "
              f"{export_s / cli_s:.2f}x (target 1.5x)")


if __name__ == "__main__":
    main()
