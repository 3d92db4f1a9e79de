"""Benchmark the page in real headless Chromium against a large database.

Usage: python bench/ui.py [--db PATH] [--rows N] [--runs K]

Measures, with the page's own clock (performance.now(), from navigation start): when the first
row of expenses is on screen, when the month view (total, chart, 12-month trend) is complete,
and how long a filter change takes from the change event to the new rows; plus the size of the
page's JS and CSS as shipped.
"""

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

import run as api_bench
from playwright.sync_api import sync_playwright

WEB_DIR = api_bench.REPO_ROOT / "web"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]

# Records, in the page, when the first expense row and the complete month view appear.
MARKERS = """
new MutationObserver(() => {
  if (!window.__firstRow && document.querySelector('#expenses tbody tr')) window.__firstRow = performance.now();
  if (!window.__monthReady && document.querySelectorAll('#trend li').length === 12
      && document.querySelector('#month-chart li')) window.__monthReady = performance.now();
}).observe(document, { subtree: true, childList: true, characterData: true });
"""

# Changes the category filter and resolves with the ms until the table body changed.
FILTER_CHANGE = """async (categoryId) => {
  const body = document.querySelector('#expenses tbody');
  const select = document.getElementById('filter-category');
  const changed = new Promise((resolve) => {
    new MutationObserver((_, observer) => { observer.disconnect(); resolve(performance.now()); })
      .observe(body, { childList: true });
  });
  const started = performance.now();
  select.value = String(categoryId);
  select.dispatchEvent(new Event('change', { bubbles: true }));
  return (await changed) - started;
}"""


def shipped_bytes() -> int:
    """The app page's own JS and CSS; web/vendor/ holds only the /docs page's Swagger UI."""
    return sum(path.stat().st_size for path in WEB_DIR.glob("*") if path.suffix in (".js", ".css"))


def measure(url: str, runs: int) -> dict:
    first_rows, months, filters = [], [], []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        context.add_init_script(MARKERS)
        page = context.new_page()
        for attempt in range(runs + 1):
            page.goto(f"{url}/?month=2023-06")
            page.wait_for_function("window.__firstRow && window.__monthReady", timeout=30000)
            if attempt:  # the first load warms the server's and the browser's caches
                first_rows.append(page.evaluate("window.__firstRow"))
                months.append(page.evaluate("window.__monthReady"))
        for attempt in range(runs + 1):
            elapsed = page.evaluate(FILTER_CHANGE, 1 + attempt % 12)
            if attempt:
                filters.append(elapsed)
        browser.close()
    return {"first": first_rows, "month": months, "filter": filters}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="a seed-schema database (default: the cached bench one)")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args(argv)
    seed = args.db or api_bench.cached_seed_db(args.rows)
    rows = api_bench.count_rows(seed, immutable=True)
    with tempfile.TemporaryDirectory(prefix="expense-ui-bench-") as workdir:
        db_path = api_bench.copy_database(seed, workdir)
        server = api_bench.Server("expense_tracker:app", None, db_path, api_bench.free_port(), Path(workdir) / "server.log")
        try:
            print(f"first open (migration): {server.wait_ready():.2f} s", flush=True)
            times = measure(server.base_url, args.runs)
        finally:
            server.stop()
    size = shipped_bytes()
    table = [
        ("first page of expenses visible after navigation", statistics.median(times["first"]), 300),
        ("month view complete (total, chart, trend) after navigation", statistics.median(times["month"]), 300),
        ("filter change to new rows on screen", statistics.median(times["filter"]), 150),
    ]
    print(f"\nN = {rows} expenses; Chromium headless; median of {args.runs} runs\n")
    print("| measure | result | target | met |\n| --- | --- | --- | --- |")
    for name, value, target in table:
        print(f"| {name} | {value:.0f} ms | ≤ {target} ms | {'yes' if value <= target else '**no**'} |")
    print(f"| page JS + CSS as shipped | {size / 1024:.1f} KB | ≤ 150 KB | {'yes' if size <= 150 * 1024 else '**no**'} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
