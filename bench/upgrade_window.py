"""First open of an old, big file in the window: time to a window showing a page, and to the data.

Usage: python bench/upgrade_window.py [--rows 1000000] [--runs 2] [--root TREE]

Copies the first build's 1M-expense file (made once by bench/make_db.py, cached in bench/.data/),
then starts the desktop app on the copy under Xvfb (xvfb-run) and reads the window's page every
20 ms: when the window is up, when its page first shows something (the upgrade's progress, or the
data when there was no progress to show), and when the data is shown. `--root` runs another
checkout's code the same way (e.g. an older commit, for a before/after).
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
DATA_DIR = BENCH_DIR / ".data"

CHILD = r"""
import json, logging, sys, time
sys.path.insert(0, sys.argv[1])
from pathlib import Path
from desktop import launcher

started = float(sys.argv[3])

class Since(logging.Formatter):
    def format(self, record):
        return f"{record.created - started:6.2f} {record.getMessage()}"

handler = logging.StreamHandler()
handler.setFormatter(Since())
logging.getLogger().addHandler(handler)
logging.getLogger().setLevel(logging.INFO)
seen = {}

def drive(window):
    seen["window"] = time.time() - started
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        state = window.evaluate_js(
            "document.body ? [document.body.dataset.loaded || '', document.body.innerText.length] : ['', 0]")
        now = time.time() - started
        if state and state[1] and "page" not in seen:
            seen["page"] = now
        if state and state[0] == "upgrading" and "progress" not in seen:
            seen["progress"] = now
        if state and state[0] != "upgrading" and "progress" in seen and "upgraded" not in seen:
            seen["upgraded"] = now
        if state and state[0] == "true":
            seen["data"] = time.time() - started
            break
        time.sleep(0.02)
    return 0

code = launcher.run_window(Path(sys.argv[2]), port=0, driver=drive)
print(json.dumps(seen), flush=True)
sys.exit(code)
"""


def seed_file(rows: int) -> Path:
    DATA_DIR.mkdir(exist_ok=True)
    path = DATA_DIR / f"seed-{rows}.db"
    if not path.exists():
        subprocess.run([sys.executable, str(BENCH_DIR / "make_db.py"), str(path), "--rows", str(rows)], check=True)
    return path


def run_once(root: Path, seed: Path, log: bool = False) -> dict:
    with tempfile.TemporaryDirectory() as scratch:
        home = Path(scratch)
        db = home / "expenses.db"
        shutil.copyfile(seed, db)
        env = {**os.environ, "HOME": str(home), "XDG_DATA_HOME": str(home / "data"),
               "XDG_STATE_HOME": str(home / "state"), "XDG_CONFIG_HOME": str(home / "config"),
               "XDG_CACHE_HOME": str(home / "cache"),
               # GTK keeps its settings in dconf, which needs a D-Bus session that Xvfb alone lacks.
               "GSETTINGS_BACKEND": "memory"}
        started = time.time()
        result = subprocess.run(
            ["xvfb-run", "-a", "-s", "-screen 0 1280x800x24", sys.executable, "-c", CHILD, str(root), str(db),
             repr(started)],
            cwd=root, env=env, capture_output=True, text=True, timeout=300,
        )
        lines = [line for line in result.stdout.splitlines() if line.startswith("{")]
        if result.returncode != 0 or not lines:
            raise SystemExit(f"the app failed ({result.returncode}):\n{result.stdout}\n{result.stderr[-3000:]}")
        if log:
            print(result.stderr, end="")
        return json.loads(lines[-1])


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--root", type=Path, default=BENCH_DIR.parent)
    parser.add_argument("--log", action="store_true", help="print the app's log, with seconds since launch")
    args = parser.parse_args(argv)
    seed = seed_file(args.rows)
    print(f"First open of a {args.rows:,}-expense file of the first build ({args.root}):")
    print("| run | window up (s) | page shows (s) | progress shows (s) | upgrade done (s) | data shown (s) |")
    print("|---|---|---|---|---|---|")

    def seconds(value):
        return "–" if value is None else f"{value:.2f}"

    for run in range(1, args.runs + 1):
        seen = run_once(args.root.resolve(), seed, args.log)
        times = [seen.get(key) for key in ("window", "page", "progress", "upgraded", "data")]
        print(f"| {run} | " + " | ".join(seconds(t) for t in times) + " |", flush=True)


if __name__ == "__main__":
    main()
