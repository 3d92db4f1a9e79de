"""Helpers for tests/test_web.py: the browser to launch, the API as a script sees it, fast seeding.

The page is driven with Playwright (sync API) in the Debian Chromium; nothing is downloaded.
"""

import itertools
import json
import sqlite3
import urllib.error
import urllib.request
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

from playwright.sync_api import expect

from conftest import start_server, stop_server

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
# Generous for a busy machine; a passing test does not wait for them.
TIMEOUT_MS = 10_000
expect.set_options(timeout=TIMEOUT_MS)
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AXE_SCRIPT = ROOT / "tests" / "js" / "node_modules" / "axe-core" / "axe.min.js"

# The page's clock is pinned to this moment, so "today", "this week" and "this month" are known.
NOW = "2025-03-20T10:00:00Z"  # a Thursday
TODAY = date(2025, 3, 20)
FOOD, TRANSPORT, UTILITIES = 1, 2, 3  # the categories a new database starts with


class ServerPool:
    """Real servers (conftest's start_server: `python expense_tracker.py --port 0 --db PATH`), each
    on a fresh database, the next one starting in the background while the current test runs."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.numbers = itertools.count()
        self.executor = ThreadPoolExecutor(max_workers=1)
        self.stopper = ThreadPoolExecutor(max_workers=1)
        self.stopping: list[Future] = []
        self.upcoming: Future | None = None

    def _start(self):
        folder = self.folder / f"server-{next(self.numbers)}"
        home = folder / "home"
        home.mkdir(parents=True)
        # Its own home and data folders, whatever the test process's environment is at that moment.
        env = {"HOME": str(home), "XDG_DATA_HOME": str(home / "data"), "XDG_STATE_HOME": str(home / "state"),
               "XDG_CONFIG_HOME": str(home / "config"), "XDG_CACHE_HOME": str(home / "cache"),
               "EXPENSE_TRACKER_DB": "", "EXPENSE_TRACKER_CORS_ORIGINS": "", "EXPENSE_TRACKER_ALLOWED_HOSTS": ""}
        return start_server(folder / "expenses.db", env=env)

    def take(self):
        upcoming = self.upcoming or self.executor.submit(self._start)
        self.upcoming = self.executor.submit(self._start)
        return upcoming.result()

    def release(self, server):
        """Stop a server in the background (conftest's stop_server: SIGTERM, then wait)."""
        self.stopping.append(self.stopper.submit(stop_server, server))

    def close(self):
        if self.upcoming is not None:
            try:
                self.release(self.upcoming.result())
            except RuntimeError:
                pass
        for stopping in self.stopping:
            stopping.result()
        self.executor.shutdown()
        self.stopper.shutdown()


def launch_chromium(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


class ApiError(Exception):
    def __init__(self, status: int, body: dict | None):
        super().__init__(f"{status}: {body}")
        self.status = status
        self.body = body


class Api:
    """The same server the page talks to, as a script would call it (urllib, one request each)."""

    def __init__(self, url: str):
        self.url = url

    def raw(self, method: str, path: str, body=None) -> tuple[int, dict, bytes]:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            self.url + path, data=data, method=method,
            headers={"Content-Type": "application/json"} if data is not None else {},
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
        except urllib.error.HTTPError as error:
            return error.code, {k.lower(): v for k, v in error.headers.items()}, error.read()

    def call(self, method: str, path: str, body=None):
        status, _, payload = self.raw(method, path, body)
        parsed = json.loads(payload) if payload else None
        if status >= 400:
            raise ApiError(status, parsed)
        return parsed

    def get(self, path: str):
        return self.call("GET", path)

    def post(self, path: str, body):
        return self.call("POST", path, body)

    def put(self, path: str, body):
        return self.call("PUT", path, body)

    def delete(self, path: str):
        return self.call("DELETE", path)

    def add(self, amount, description, category_id=FOOD, day=TODAY) -> dict:
        return self.post("/expenses", {
            "amount": amount, "description": description, "category_id": category_id, "date": str(day),
        })

    def add_category(self, name: str, color: str = "#2a9d8f") -> dict:
        return self.post("/categories", {"name": name, "color": color})

    def expenses(self, query: str = "limit=200") -> list[dict]:
        return self.get(f"/expenses?{query}")

    def descriptions(self, query: str = "limit=200") -> list[str]:
        return [e["description"] for e in self.expenses(query)]


def insert_expenses(db_path: Path, rows: list[tuple[float, str, int, str]]) -> None:
    """Write (amount, description, category_id, date) rows straight into the file: much faster than
    one request each. The database's triggers keep the monthly totals right."""
    conn = sqlite3.connect(db_path, timeout=10)
    try:
        with conn:
            conn.executemany(
                "insert into expenses (amount, description, category_id, date) values (?, ?, ?, ?)", rows
            )
    finally:
        conn.close()


def days_before(day: date, count: int) -> date:
    return day - timedelta(days=count)


def shown_day(iso_day: str) -> str:
    """A date as the page shows it in en-US: "Mar 14, 2025"."""
    day = date.fromisoformat(iso_day)
    return f"{day:%b} {day.day}, {day.year}"


def usd(amount: float) -> str:
    return f"${amount:,.2f}"


def expense_count(count: int) -> str:
    return f"{count:,} expense{'' if count == 1 else 's'}"


# ---------------------------------------------------------------------------
# What a person sees and does on the page
# ---------------------------------------------------------------------------

def entry(page):
    return page.get_by_role("form", name="New expense")


def filters(page):
    return page.get_by_role("region", name="Filters")


def table(page):
    return page.get_by_role("table", name="Expenses")


def descriptions(page):
    return table(page).locator("tbody td.description")


def shown_rows(page):
    """Date, description, category and amount of each row on the screen."""
    return table(page).locator("tbody tr").evaluate_all(
        "rows => rows.map(row => [...row.cells].slice(0, 4).map(cell => cell.innerText.trim()))"
    )


def page_info(page):
    return page.locator("#page-info")


def month_total(page):
    return page.locator("#month-total")


def chart(page):
    return page.get_by_role("list", name="Spending by category")


def category_names(dialog):
    return dialog.locator("#category-list li .grow")


def url_params(page):
    return dict(parse_qsl(urlsplit(page.url).query))


def wait_until_loaded(page):
    """Until the page says its first data is shown (checked every frame: quicker than expect())."""
    loaded = page.wait_for_function("document.body && document.body.dataset.loaded").json_value()
    assert loaded == "true", f"the page did not load its data: {page.locator('#banner').text_content()}"


def reload(page):
    page.reload(wait_until="commit")
    wait_until_loaded(page)


def leave_fields(page):
    """Click on the title: no field has the focus afterwards, so single keys are shortcuts."""
    page.get_by_role("heading", name="Expense Tracker").click()
    expect(page.locator("body")).to_be_focused()


def add_through_form(page, amount, description, category=None):
    form = entry(page)
    form.get_by_label("Amount").fill(amount)
    if category:
        form.get_by_label("Category").select_option(label=category)
    form.get_by_label("Description").fill(description)
    form.get_by_label("Description").press("Enter")


RUN_AXE = """async (selector) => {
  const result = await axe.run(selector ? document.querySelector(selector) : document,
                               { resultTypes: ["violations"] });
  return result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => n.target.join(" ")),
  }));
}"""


def serious_violations(page, state, within=None):
    found = [v for v in page.evaluate(RUN_AXE, within) if v["impact"] in ("serious", "critical")]
    return [f"{state}: {v['id']} ({v['impact']}): {v['help']} — {', '.join(v['targets'])}" for v in found]
