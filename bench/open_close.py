"""Open, show, close: the app's window against a bare pywebview Qt window, side by side under one Xvfb.

Usage: python bench/open_close.py [--runs 7] [--rows 200] [--db PATH] [--root TREE]

Each run starts, in turn, (a) a bare pywebview Qt window that loads a small page, waits until its
script says it is loaded and closes, (a') the same window with its page served over HTTP from a
thread of the same process (as the app's is), and (b) the app (`python -m desktop --smoke-test`) on a fresh
copy of a database in a fresh data folder (so the day's first start-up backup is made each time),
which waits for the page to show the expenses, prints what it shows and closes. Both print a line
the moment the page is ready and close the window at once; from outside we time launch → that line
("shown"), that line → the process ended ("close"), and launch → ended ("total").
Targets: the app's total ≤ 2× the bare window's, and its close ≤ 0.5 s.
`--root` runs another checkout's code the same way (e.g. an older commit, for a before/after).
"""

import argparse
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent

BARE = r"""
import os, sys, time
os.environ.setdefault("PYWEBVIEW_GUI", "qt")
import webview

PAGE = "<!doctype html><title>bare</title><body><p>Hello</p><script>document.body.dataset.loaded = 'true'</script>"

def drive(window):
    while window.evaluate_js("document.body ? (document.body.dataset.loaded || '') : ''") != "true":
        time.sleep(0.02)
    print("shown", flush=True)
    window.destroy()

window = webview.create_window("bare", html=PAGE, width=1100, height=760)
webview.start(drive, window, gui="qt", private_mode=True)
"""


# The same bare window, its page served over HTTP by a server on a thread of the same process (as
# the app's page is), to tell what loading a page over HTTP costs a bare window from what the app adds.
BARE_HTTP = r"""
import os, sys, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
os.environ.setdefault("PYWEBVIEW_GUI", "qt")
import webview

PAGE = b"<!doctype html><title>bare</title><body><p>Hello</p><script>document.body.dataset.loaded = 'true'</script>"

class Page(BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(PAGE)))
        self.end_headers()
        self.wfile.write(PAGE)

    def log_message(self, *args):
        pass

server = ThreadingHTTPServer(("127.0.0.1", 0), Page)
threading.Thread(target=server.serve_forever, daemon=True).start()

def drive(window):
    while window.evaluate_js("document.body ? (document.body.dataset.loaded || '') : ''") != "true":
        time.sleep(0.02)
    print("shown", flush=True)
    window.destroy()

window = webview.create_window("bare", f"http://127.0.0.1:{server.server_address[1]}/", width=1100, height=760)
webview.start(drive, window, gui="qt", private_mode=True)
"""


def make_database(path: Path, rows: int, root: Path, env: dict) -> None:
    """A small database of the current schema with `rows` expenses, made by the app's own command."""
    subprocess.run([sys.executable, "-m", "desktop", "--db", str(path), "add", "--amount", "12.50",
                    "--description", "Lunch", "--category", "Food", "--date", "2025-03-14"],
                   cwd=root, env=env, check=True, capture_output=True)
    with sqlite3.connect(path) as conn:
        conn.executemany(
            "insert into expenses (amount, description, category_id, date) select 9.99, ?, category_id, date "
            "from expenses where id = 1", [(f"Coffee {n}",) for n in range(rows - 1)])
    conn.close()


def timed(command: list[str], cwd: Path, env: dict) -> dict:
    """Launch → the "shown" line, that line → exit, and launch → exit, in seconds."""
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    shown = None
    for line in process.stdout:
        if shown is None and (line.startswith("shown") or line.startswith("{")):
            shown = time.perf_counter() - started
    process.wait(120)
    ended = time.perf_counter() - started
    err = process.stderr.read()
    if process.returncode != 0 or shown is None:
        raise SystemExit(f"{command[2:4]} failed ({process.returncode}):\n{err[-3000:]}")
    return {"shown": shown, "close": ended - shown, "total": ended}


def env_for(home: Path) -> dict:
    env = {**os.environ, "HOME": str(home), "XDG_DATA_HOME": str(home / "data"),
           "XDG_STATE_HOME": str(home / "state"), "XDG_CONFIG_HOME": str(home / "config"),
           "XDG_CACHE_HOME": str(home / "cache"), "QT_QPA_PLATFORM": "xcb", "PYWEBVIEW_GUI": "qt"}
    if os.geteuid() == 0:
        env["QTWEBENGINE_CHROMIUM_FLAGS"] = "--no-sandbox"
    return env


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--rows", type=int, default=200, help="expenses in the database made for the app")
    parser.add_argument("--db", type=Path, help="copy this database instead (e.g. bench/.data/bench-1000000.db)")
    parser.add_argument("--root", type=Path, default=BENCH_DIR.parent)
    args = parser.parse_args(argv)
    if not os.environ.get("DISPLAY"):
        # One X server for every run of both, so that neither pays for starting it.
        os.execvp("xvfb-run", ["xvfb-run", "-a", "-s", "-screen 0 1280x800x24", sys.executable, *sys.argv])
    root = args.root.resolve()
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        source = scratch / "source.db"
        if args.db:
            shutil.copyfile(args.db, source)
        else:
            make_database(source, args.rows, root, env_for(scratch / "make"))
        results = {"bare": [], "bare_http": [], "app": []}
        for run in range(1, args.runs + 1):
            home = scratch / f"run{run}"
            bare = timed([sys.executable, "-c", BARE], root, env_for(home / "bare"))
            bare_http = timed([sys.executable, "-c", BARE_HTTP], root, env_for(home / "bare_http"))
            db = home / "app" / "expenses.db"
            db.parent.mkdir(parents=True)
            shutil.copyfile(source, db)
            app = timed([sys.executable, "-m", "desktop", "--db", str(db), "--port", "0", "--smoke-test"], root,
                        env_for(home / "app"))
            results["bare"].append(bare)
            results["bare_http"].append(bare_http)
            results["app"].append(app)
            print(f"run {run}: bare {bare['shown']:.2f} + {bare['close']:.2f} s close; "
                  f"bare over HTTP {bare_http['shown']:.2f} + {bare_http['close']:.2f} s close; "
                  f"app {app['shown']:.2f} + {app['close']:.2f} s close", flush=True)
            shutil.rmtree(home, ignore_errors=True)
    load = os.getloadavg()
    med = {who: {key: statistics.median(r[key] for r in runs) for key in ("shown", "close", "total")}
           for who, runs in results.items()}
    ratio = med["app"]["total"] / med["bare"]["total"]
    print(f"\nOpen, show, close ({root}; medians of {args.runs}; load {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}):")
    over_http = med["app"]["total"] / med["bare_http"]["total"]
    print("| measure | bare pywebview Qt window | the same, its page over HTTP | the app | target |")
    print("|---|---|---|---|---|")
    print(f"| launch → page shows data (s) | {med['bare']['shown']:.2f} | {med['bare_http']['shown']:.2f} | "
          f"{med['app']['shown']:.2f} | |")
    print(f"| close → process ended (s) | {med['bare']['close']:.2f} | {med['bare_http']['close']:.2f} | "
          f"{med['app']['close']:.2f} | ≤ 0.5 |")
    print(f"| launch → ended (s) | {med['bare']['total']:.2f} | {med['bare_http']['total']:.2f} | "
          f"{med['app']['total']:.2f} ({ratio:.2f}× the bare window, {over_http:.2f}× over HTTP) | ≤ 2× |")


if __name__ == "__main__":
    main()
