"""Open, show, close: the app's window against bare pywebview windows, side by side under one Xvfb.

Usage: python bench/open_close.py [--runs 7] [--rows 200] [--db PATH] [--root TREE]

Each run starts, in turn, (a) a bare pywebview Qt window (QtWebEngine) that loads a small page,
waits until its script says it is loaded and closes: issue 16's yardstick; (b) the same bare
window on GTK (WebKitGTK, the app's engine on Linux); (c) that GTK window with its page served over
HTTP from a thread of the same process (as the app's is); and (d) the app (`python -m desktop
--smoke-test`) on a fresh copy of a database in a fresh data folder (so the day's first start-up
backup is made each time), which waits for the page to show the expenses, prints what it shows and
closes. Each prints a line the moment the page is ready and closes the window at once; from
outside we time launch → that line ("shown"), that line → the process ended ("close"), and
launch → ended ("total").
Targets: the app's total ≤ 2× the bare Qt window's, and its close ≤ 0.5 s.
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
import sys, time
import webview

PAGE = "<!doctype html><title>bare</title><body><p>Hello</p><script>document.body.dataset.loaded = 'true'</script>"

def drive(window):
    while window.evaluate_js("document.body ? (document.body.dataset.loaded || '') : ''") != "true":
        time.sleep(0.02)
    print("shown", flush=True)
    window.destroy()

window = webview.create_window("bare", html=PAGE, width=1100, height=760)
webview.start(drive, window, gui=sys.argv[1], private_mode=True)
"""


# The same bare window, its page served over HTTP by a server on a thread of the same process (as
# the app's page is), to tell what loading a page over HTTP costs a bare window from what the app adds.
BARE_HTTP = r"""
import sys, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
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
webview.start(drive, window, gui=sys.argv[1], private_mode=True)
"""

# Who is timed, in each run's order: (key, column heading, the command after the Python executable).
BARES = (
    ("bare_qt", "bare Qt window", ["-c", BARE, "qt"]),
    ("bare_gtk", "bare GTK window", ["-c", BARE, "gtk"]),
    ("bare_gtk_http", "bare GTK, page over HTTP", ["-c", BARE_HTTP, "gtk"]),
)


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
        raise SystemExit(f"{command[-1]} failed ({process.returncode}):\n{err[-3000:]}")
    return {"shown": shown, "close": ended - shown, "total": ended}


def env_for(home: Path) -> dict:
    env = {**os.environ, "HOME": str(home), "XDG_DATA_HOME": str(home / "data"),
           "XDG_STATE_HOME": str(home / "state"), "XDG_CONFIG_HOME": str(home / "config"),
           "XDG_CACHE_HOME": str(home / "cache"), "QT_QPA_PLATFORM": "xcb",
           # GTK keeps its settings in dconf, which needs a D-Bus session that Xvfb alone lacks.
           "GSETTINGS_BACKEND": "memory"}
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
        results = {key: [] for key, _, _ in BARES} | {"app": []}
        for run in range(1, args.runs + 1):
            home = scratch / f"run{run}"
            for key, _, command in BARES:
                results[key].append(timed([sys.executable, *command], root, env_for(home / key)))
            db = home / "app" / "expenses.db"
            db.parent.mkdir(parents=True)
            shutil.copyfile(source, db)
            results["app"].append(timed([sys.executable, "-m", "desktop", "--db", str(db), "--port", "0",
                                         "--smoke-test"], root, env_for(home / "app")))
            print(f"run {run}: " + "; ".join(f"{key} {runs[-1]['shown']:.2f} + {runs[-1]['close']:.2f} s close"
                                              for key, runs in results.items()), flush=True)
            shutil.rmtree(home, ignore_errors=True)
    load = os.getloadavg()
    med = {who: {key: statistics.median(r[key] for r in runs) for key in ("shown", "close", "total")}
           for who, runs in results.items()}
    app = med["app"]
    print(f"\nOpen, show, close ({root}; medians of {args.runs}; load {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}):")
    print("| measure | " + " | ".join(heading for _, heading, _ in BARES) + " | the app | target |")
    print("|---|" + "---|" * len(BARES) + "---|---|")
    bares = " | ".join(f"{med[key]['shown']:.2f}" for key, _, _ in BARES)
    print(f"| launch → page shows data (s) | {bares} | {app['shown']:.2f} | |")
    bares = " | ".join(f"{med[key]['close']:.2f}" for key, _, _ in BARES)
    print(f"| close → process ended (s) | {bares} | {app['close']:.2f} | ≤ 0.5 |")
    bares = " | ".join(f"{med[key]['total']:.2f}" for key, _, _ in BARES)
    ratios = ", ".join(f"{app['total'] / med[key]['total']:.2f}× the {heading}" for key, heading, _ in BARES)
    print(f"| launch → ended (s) | {bares} | {app['total']:.2f} ({ratios}) | ≤ 2× the bare Qt window |")

if __name__ == "__main__":
    main()
