"""How long a command of the command line takes from start to exit, beside a bare `python -c pass`.

    .venv/bin/python bench/cli_start.py [--runs 15]

Each command runs --runs times in turn with the others (so that a busy moment hits all alike) on a
small database of its own; the table gives the median wall time and its ratio to the bare Python.
Target (issue 13): every command but `serve` and the window within 4x a bare `python -c pass`.

Python's bytecode cache is on, as in an installed app: a PYTHONDONTWRITEBYTECODE in the
environment is dropped, and one warm-up round writes the cache (without it every start also
compiles the app's modules: ~30 ms more for a command here).
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = Path(sys.executable).parent / "expense-tracker"


def commands(db: Path, bank_file: Path) -> dict[str, list[str]]:
    tool = [str(SCRIPT)] if SCRIPT.exists() else [sys.executable, "-m", "desktop"]
    where = ["--db", str(db)]
    return {
        "python -c pass": [sys.executable, "-c", "pass"],
        "--version": [*tool, "--version"],
        "--help": [*tool, "--help"],
        "list --limit 5": [*tool, "list", *where, "--limit", "5"],
        "add": [*tool, "add", *where, "--amount", "3.20", "--description", "Coffee", "--category", "Food"],
        "export": [*tool, "export", *where],
        "summary": [*tool, "summary", *where, "--month", "2025-03"],
        "report": [*tool, "report", *where],
        "status": [*tool, "status", *where],
        "trash list": [*tool, "trash", "list", *where],
        "backups": [*tool, "backups", *where],
        "backup": [*tool, "backup", *where],
        "imports list": [*tool, "imports", "list", *where],
        "import --dry-run": [*tool, "import", str(bank_file), "--dry-run", "--category", "Food", *where],
        "budget set": [*tool, "budget", "set", "Food", "500", *where],
        "budget list": [*tool, "budget", "list", *where],
        "recurring add": [*tool, "recurring", "add", *where, "--amount", "40", "--description", "Internet",
                          "--category", "Food", "--every", "monthly", "--start", "2099-01-31"],
        "recurring upcoming": [*tool, "recurring", "upcoming", *where],
    }


def timed(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, cwd=ROOT,
                   stdin=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "expenses.db"
        bank_file = Path(folder) / "statement.csv"
        bank_file.write_text("Date,Description,Amount\n2025-03-01,Bakery,-4.20\n2025-03-02,Cinema,-12.00\n")
        os.environ["EXPENSE_TRACKER_DB"] = str(db)
        os.environ["HOME"] = folder  # the app-data folder (backups, instance notes) in the temporary folder too
        os.environ.pop("XDG_DATA_HOME", None)
        os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
        table = commands(db, bank_file)
        subprocess.run(table["add"], check=True, stdout=subprocess.DEVNULL, cwd=ROOT)  # creates the file
        for command in table.values():  # warm-up: bytecode written, files and caches as on a second start
            timed(command)
        times: dict[str, list[float]] = {name: [] for name in table}
        for _ in range(args.runs):
            for name, command in table.items():
                times[name].append(timed(command))
    bare = statistics.median(times["python -c pass"])
    print("| command | median ms | × bare python |\n|---|---:|---:|")
    for name, values in times.items():
        median = statistics.median(values)
        print(f"| `{name}` | {median * 1000:.0f} | {median / bare:.1f}× |")


if __name__ == "__main__":
    main()
