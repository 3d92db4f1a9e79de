"""Benchmark importing a 100,000-row bank CSV: through the real server (with its progress
stream) and from the command line, into an empty database and into a 1M-expense one.

Usage: python bench/import_bench.py [--rows 100000] [--big-rows 1000000]
Target (issue 7): 100k rows imported in <= 10 s, with progress shown.
"""

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import httpx
import run as api_bench

TARGET_S = 10.0
PAYEES = ["REWE Markt", "Aldi Süd", "DB Fahrkarte", "Stadtwerke Strom", "Bäckerei Müller", "Shell Tankstelle",
          "Amazon Marketplace", "Apotheke am Markt", "Kino Royal", "Café Zentral"]
CATEGORIES = ["Food", "Transport", "Utilities"]


def bank_csv(rows: int, seed: int = 7) -> bytes:
    """A German giro export: Latin-1, semicolons, decimal commas, DD.MM.YYYY, some income rows."""
    rng = random.Random(seed)
    start = date(2021, 1, 1)
    lines = ["Buchungstag;Valuta;Verwendungszweck;Betrag;Kategorie"]
    for number in range(rows):
        day = start + timedelta(days=number * 1460 // rows)
        income = rng.random() < 0.03
        cents = rng.randint(100, 300_000) if income else rng.randint(50, 50_000)
        euros, rest = divmod(cents, 100)
        amount = f"{'' if income else '-'}{euros:,}".replace(",", ".") + f",{rest:02d}"
        text = f"{rng.choice(PAYEES)} {rng.randint(1000, 9999)}"
        lines.append(f"{day:%d.%m.%Y};{day:%d.%m.%Y};{text};{amount};{rng.choice(CATEGORIES)}")
    return ("\n".join(lines) + "\n").encode("latin-1")


def http_import(base_url: str, data: bytes) -> tuple[float, int, dict]:
    started = time.perf_counter()
    events, last = 0, {}
    with httpx.stream(
        "POST", f"{base_url}/imports", files={"file": ("giro.csv", data, "text/csv")},
        headers={"accept": "application/x-ndjson"}, timeout=600,
    ) as response:
        response.raise_for_status()
        for line in response.iter_lines():
            if line:
                last = json.loads(line)
                events += 1
    if "batch" not in last:
        raise SystemExit(f"import failed: {last}")
    return time.perf_counter() - started, events, last["batch"]


def cli_import(db_path: Path, csv_path: Path) -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "desktop", "import", str(csv_path), "--db", str(db_path)],
        check=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        cwd=api_bench.REPO_ROOT,
    )
    return time.perf_counter() - started


def server_for(db_path: Path, workdir: Path) -> api_bench.Server:
    server = api_bench.Server("expense_tracker:app", None, db_path, api_bench.free_port(), workdir / "server.log")
    server.wait_ready()
    # The server makes its daily backup at start, in the background; timing an import while it
    # copies and checks a large file would measure both.
    backup = db_path.parent / "backups" / f"{db_path.stem}-{date.today().isoformat()}.db"
    deadline = time.monotonic() + 300
    while not backup.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    return server


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--big-rows", type=int, default=1_000_000, help="expenses already in the big database")
    args = parser.parse_args(argv)
    data = bank_csv(args.rows)
    print(f"bank file: {args.rows:,} rows, {len(data) / 1e6:.1f} MB (Latin-1, ';', decimal comma)")
    results = []
    with tempfile.TemporaryDirectory() as workdir:
        work = Path(workdir)
        csv_path = work / "giro.csv"
        csv_path.write_bytes(data)
        for label, source in (("empty database", None), (f"{args.big_rows:,}-expense database", args.big_rows)):
            db_path = work / f"{'big' if source else 'empty'}.db"
            if source:
                db_path = api_bench.copy_database(api_bench.cached_seed_db(source), work)
            server = server_for(db_path, work)
            try:
                seconds, events, batch = http_import(server.base_url, data)
                results.append((f"HTTP import, {label}", seconds, f"{batch['imported']:,} imported, {events} progress lines"))
                seconds, events, batch = http_import(server.base_url, data)
                results.append((f"HTTP re-import (all duplicates), {label}", seconds, f"{batch['imported']:,} imported"))
            finally:
                server.stop()
        cli_db = work / "cli.db"
        seconds = cli_import(cli_db, csv_path)
        results.append(("command line import, empty database", seconds, ""))
    print()
    print("| measure | seconds | target | met | notes |")
    print("| --- | --- | --- | --- | --- |")
    for measure, seconds, notes in results:
        print(f"| {measure} | {seconds:.2f} | ≤ {TARGET_S:.0f} | {'yes' if seconds <= TARGET_S else '**no**'} | {notes} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
