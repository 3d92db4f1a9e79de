"""Hostile web pages in real headless Chromium against the API as the desktop app serves it."""

import http.server
import json
import re
import subprocess
import sys
import threading
import urllib.request

import pytest
from playwright.sync_api import sync_playwright

from conftest import ROOT

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--host-resolver-rules=MAP rebind.test 127.0.0.1"]

# The API exactly as the desktop launcher configures it (CORS: its own origin only), without a window.
DESKTOP_API = """
import sys, uvicorn
from pathlib import Path
from desktop.launcher import desktop_app
from desktop.server import bind, url_of
sock = bind("127.0.0.1", 0)
url = url_of(sock)
print(url, flush=True)
uvicorn.Server(uvicorn.Config(desktop_app(Path(sys.argv[1]), url), log_config=None)).run(sockets=[sock])
"""

ATTACKS = """async (api) => {
  const outcome = async (promise) => {
    try { const r = await promise; return r.type === 'opaque' ? 'opaque' : 'read ' + r.status + ' ' + (await r.text()); }
    catch (e) { return 'blocked'; }
  };
  const body = JSON.stringify({amount: 66.6, description: 'stolen', category_id: 1, date: '2025-01-01'});
  return {
    read: await outcome(fetch(api + '/expenses')),
    read_export: await outcome(fetch(api + '/expenses/export')),
    write_json: await outcome(fetch(api + '/expenses', {method: 'POST', headers: {'Content-Type': 'application/json'}, body})),
    write_simple: await outcome(fetch(api + '/expenses', {method: 'POST', mode: 'no-cors', headers: {'Content-Type': 'text/plain'}, body})),
    write_form: await outcome(fetch(api + '/expenses', {method: 'POST', mode: 'no-cors', body: new URLSearchParams({amount: '66.6'})})),
    delete: await outcome(fetch(api + '/expenses/1', {method: 'DELETE'})),
    settings: await outcome(fetch(api + '/settings', {method: 'PUT', headers: {'Content-Type': 'application/json'}, body: '{"currency": "XXX"}'})),
  };
}"""


@pytest.fixture
def desktop_api(tmp_path):
    db = tmp_path / "expenses.db"
    process = subprocess.Popen([sys.executable, "-c", DESKTOP_API, str(db)], cwd=ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    url = process.stdout.readline().strip()
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", url), url
    for _ in range(100):
        try:
            urllib.request.urlopen(f"{url}/health", timeout=1)
            break
        except OSError:
            threading.Event().wait(0.05)
    body = json.dumps({"amount": 5, "description": "mine", "category_id": 1, "date": "2025-01-02"}).encode()
    urllib.request.urlopen(urllib.request.Request(f"{url}/expenses", body, {"Content-Type": "application/json"}))
    yield url
    process.terminate()
    process.wait(10)


@pytest.fixture
def attacker_site():
    """Another origin on another loopback port: a page that tries to use the API."""
    class Page(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(b"<!doctype html><title>Totally harmless</title><p>hello</p>")

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def expenses(api):
    with urllib.request.urlopen(f"{api}/expenses") as response:
        return json.load(response)


def test_hostile_page_cannot_read_or_write_the_api(browser, desktop_api, attacker_site):
    page = browser.new_page()
    page.goto(attacker_site)
    outcome = page.evaluate(ATTACKS, desktop_api)
    assert outcome["read"] == "blocked"
    assert outcome["read_export"] == "blocked"
    assert outcome["write_json"] == "blocked"
    assert outcome["delete"] == "blocked"
    assert outcome["settings"] == "blocked"
    # Simple requests are sent without asking, but the API refuses bodies that are not JSON.
    assert outcome["write_simple"] == "opaque" and outcome["write_form"] == "opaque"
    assert [e["description"] for e in expenses(desktop_api)] == ["mine"]
    with urllib.request.urlopen(f"{desktop_api}/settings") as response:
        assert json.load(response)["currency"] == "USD"
    page.close()


def test_hostile_page_same_origin_page_works(browser, desktop_api):
    page = browser.new_page()
    page.goto(desktop_api)
    page.wait_for_selector("body[data-loaded=true]")
    assert "mine" in page.inner_text("#expenses")
    page.close()


def test_hostile_dns_rebinding_is_refused(browser, desktop_api):
    port = desktop_api.rsplit(":", 1)[1]
    page = browser.new_page()
    response = page.goto(f"http://rebind.test:{port}/expenses")
    assert response.status == 400
    assert "Invalid Host header 'rebind.test:" in json.loads(page.inner_text("body"))["detail"]
    page.close()


def test_hostile_docs_page_works_offline(browser, desktop_api):
    page = browser.new_page()
    outside = []
    page.route(re.compile(r"^https?://(?!127\.0\.0\.1).*"), lambda route: (outside.append(route.request.url), route.abort()))
    page.goto(f"{desktop_api}/docs")
    page.wait_for_selector(".swagger-ui .info .title", timeout=15000)
    assert "Expense Tracker" in page.inner_text(".swagger-ui .info .title")
    assert page.locator(".opblock").count() >= 10
    assert outside == []
    page.close()
