"""Hostile web pages in real headless Chromium against the API, as the desktop app serves it and
as the standalone server (`python expense_tracker.py`) does."""

import http.server
import json
import re
import subprocess
import sys
import threading
import urllib.request
import uuid

import pytest
from fastapi.routing import APIRoute
from playwright.sync_api import sync_playwright

from api.app import create_app
from api.errors import api_routes
from conftest import ROOT, start_server, stop_server

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


# ---------------------------------------------------------------------------
# Every state-changing route, every way a page can send it without asking first
# ---------------------------------------------------------------------------

CSV = "Date,Description,Amount\n2025-02-01,Injected by a page,-13.37\n"

# A body for the routes that read one; other routes are tried with these too, and without a body.
BODIES = {
    "/categories": {"name": "Hacked"},
    "/expenses": {"amount": 66.6, "description": "stolen", "category_id": 1, "date": "2025-01-01"},
    "/expenses/{expense_id}": {"description": "defaced"},
    "/budgets/overall": {"amount": 1},
    "/budgets/{category_id}": {"amount": 1},
    "/recurring": {"amount": 1, "description": "drain", "category_id": 1, "frequency": "daily", "start_date": "2025-01-01"},
    "/recurring/{recurring_id}": {"amount": 1},
    "/recurring/{recurring_id}/skip": {"date": "2099-01-01"},
    "/recurring/{recurring_id}/post": {"date": "2099-01-01"},
    "/settings": {"currency": "XXX"},
    "/rules": {"pattern": "kept", "category_id": 2},
    "/rules/{rule_id}": {"pattern": "hijacked"},
    "/expenses/bulk": {"action": "delete", "filter": {}},
    "/expenses/tidy/preview": {"filter": {}},
}

ATTACK_EVERY_ROUTE = """async ({api, routes, csv}) => {
  const outcome = async (send) => {
    try { const r = await send(); return r.type === 'opaque' ? 'opaque' : 'read ' + r.status; }
    catch (e) { return 'blocked'; }
  };
  const asText = (body) => Object.entries(body).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]);
  const multipart = (body) => {
    const form = new FormData();
    for (const [k, v] of asText(body)) form.append(k, v);
    form.append('file', new File([csv], 'bank.csv', {type: 'text/csv'}));
    form.append('options', JSON.stringify({default_category_id: 1}));
    return form;
  };
  const results = {};
  for (const {method, path, body} of routes) {
    const url = api + path, json = JSON.stringify(body);
    const tries = method === 'POST' ? {
      untyped_json: () => fetch(url, {method, mode: 'no-cors', body: new Blob([json])}),
      text_plain: () => fetch(url, {method, mode: 'no-cors', headers: {'Content-Type': 'text/plain'}, body: json}),
      urlencoded: () => fetch(url, {method, mode: 'no-cors', body: new URLSearchParams(asText(body))}),
      multipart: () => fetch(url, {method, mode: 'no-cors', body: multipart(body)}),
      no_body: () => fetch(url, {method, mode: 'no-cors'}),
      cors_json: () => fetch(url, {method, headers: {'Content-Type': 'application/json'}, body: json}),
    } : {
      cors_json: () => fetch(url, {method, headers: {'Content-Type': 'application/json'}, body: json}),
      cors_no_body: () => fetch(url, {method}),
    };
    for (const [name, send] of Object.entries(tries)) results[`${method} ${path} ${name}`] = await outcome(send);
  }
  return results;
}"""

# Real <form method=post> submissions into frames, in each encoding a form has, with a CSV file.
SUBMIT_FORMS = """async ({api, routes, csv}) => {
  const loads = [];
  routes.filter((route) => route.method === 'POST').forEach(({path, body}, number) => {
    for (const enctype of ['multipart/form-data', 'application/x-www-form-urlencoded', 'text/plain']) {
      const frame = document.createElement('iframe');
      frame.name = `frame-${number}-${loads.length}`;
      document.body.append(frame);
      loads.push(new Promise((resolve) => frame.addEventListener('load', resolve, {once: true})));
      const form = document.createElement('form');
      Object.assign(form, {method: 'post', action: api + path, enctype, target: frame.name});
      for (const [name, value] of Object.entries(body)) {
        form.append(Object.assign(document.createElement('input'), {name, value: String(value)}));
      }
      const file = Object.assign(document.createElement('input'), {type: 'file', name: 'file'});
      const chosen = new DataTransfer();
      chosen.items.add(new File([csv], 'bank.csv', {type: 'text/csv'}));
      file.files = chosen.files;
      form.append(file, Object.assign(document.createElement('input'), {name: 'options', value: '{"default_category_id": 1}'}));
      document.body.append(form);
      form.submit();
    }
  });
  await Promise.all(loads);
  return loads.length;
}"""


def api_call(url, method, path, body=None, files=None):
    """A request as a script makes it: no Origin."""
    headers, data = {}, None
    if files is not None:
        boundary = uuid.uuid4().hex
        parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"'
                 + (f'; filename="{value[0]}"\r\nContent-Type: text/csv' if isinstance(value, tuple) else "")
                 + f"\r\n\r\n{value[1] if isinstance(value, tuple) else value}\r\n" for name, value in files.items()]
        data = ("".join(parts) + f"--{boundary}--\r\n").encode()
        headers["Content-Type"] = f"multipart/form-data; boundary={boundary}"
    elif body is not None:
        data, headers["Content-Type"] = json.dumps(body).encode(), "application/json"
    request = urllib.request.Request(url + path, data, headers, method=method)
    with urllib.request.urlopen(request, timeout=30) as response:
        payload = response.read()
    return json.loads(payload) if payload else None


def import_csv(url, text, **options):
    return api_call(url, "POST", "/imports", files={"file": ("bank.csv", text), "options": json.dumps(options)})


def seed(url):
    """Something for every state-changing route to change; returns the ids its paths take."""
    live = api_call(url, "POST", "/expenses", {"amount": 7, "description": "kept", "category_id": 1, "date": "2025-01-03"})
    trashed = api_call(url, "POST", "/expenses", {"amount": 8, "description": "binned", "category_id": 2, "date": "2025-01-04"})
    api_call(url, "DELETE", f"/expenses/{trashed['id']}")
    category = api_call(url, "POST", "/categories", {"name": "Hobby"})
    batch = import_csv(url, "Date,Description,Amount\n2025-01-05,Imported,-5.00\n", default_category_id=1, save_profile="Bank")
    reverted = import_csv(url, "Day,Text,Sum\n2025-01-06,Reverted,-6.00\n", default_category_id=1)
    api_call(url, "POST", f"/imports/{reverted['id']}/revert")
    backup = api_call(url, "POST", "/backups")
    api_call(url, "PUT", "/budgets/overall", {"amount": 500})
    api_call(url, "PUT", f"/budgets/{category['id']}", {"amount": 50})
    rule = api_call(url, "POST", "/recurring", {"amount": 9.99, "description": "Gym", "category_id": 1,
                                                "frequency": "monthly", "start_date": "2099-01-01"})
    sorting = api_call(url, "POST", "/rules", {"pattern": "Imported", "category_id": category["id"]})
    edit = api_call(url, "POST", "/expenses/bulk", {"action": "category", "ids": [live["id"]], "category_id": category["id"]})
    BODIES["/expenses/tidy"] = {"changes": [{"id": live["id"], "category_id": 2, "description": "tidied"}]}
    ids = {"category_id": category["id"], "expense_id": live["id"], "batch_id": batch["id"],
           "recurring_id": rule["id"], "name": "Bank", "rule_id": sorting["id"], "edit_id": edit["edit_id"]}
    special = {"/trash/": {"expense_id": trashed["id"]}, "/imports/{batch_id}/restore": {"batch_id": reverted["id"]}}
    return ids, special, backup["name"]


def state_changing_routes(ids, special, backup_name):
    """Every route of the app but GET/HEAD, with real ids in its path: a new route is covered too."""
    app = create_app(ROOT / "never-opened.db")
    routes = []
    for route in api_routes(app.routes):
        if not isinstance(route, APIRoute):
            continue
        for method in sorted(route.methods - {"GET", "HEAD"}):
            values = dict(ids)
            for part, override in special.items():
                if part in route.path:
                    values.update(override)
            body = {"name": backup_name} if route.path == "/backups/restore" else BODIES.get(route.path, {})
            routes.append({"method": method, "path": route.path.format(**values), "body": body})
    assert len(routes) >= 25
    return routes


def everything(url):
    """All the data the API shows, as a script reads it."""
    paths = ["/expenses?limit=200", "/categories", "/trash", "/imports", "/imports/profiles", "/backups",
             "/settings", "/budgets", "/recurring", "/rules", "/edits"]
    return {path: api_call(url, "GET", path) for path in paths}


@pytest.fixture
def standalone_api(tmp_path):
    running = start_server(tmp_path / "standalone" / "expenses.db")
    yield running.url
    stop_server(running)


@pytest.fixture(params=["window app", "standalone server"])
def attacked_api(request):
    return request.getfixturevalue("desktop_api" if request.param == "window app" else "standalone_api")


def test_hostile_page_cannot_change_anything_through_any_route(browser, attacked_api, attacker_site):
    routes = state_changing_routes(*seed(attacked_api))
    before = everything(attacked_api)
    page = browser.new_page()
    page.goto(attacker_site)
    outcome = page.evaluate(ATTACK_EVERY_ROUTE, {"api": attacked_api, "routes": routes, "csv": CSV})
    posts = sum(route["method"] == "POST" for route in routes)
    assert page.evaluate(SUBMIT_FORMS, {"api": attacked_api, "routes": routes, "csv": CSV}) == 3 * posts
    page.close()
    # The simple requests did reach the server (an opaque answer came back): it refused them.
    simple = {attempt: result for attempt, result in outcome.items() if attempt.startswith("POST") and "cors" not in attempt}
    assert set(simple.values()) == {"opaque"}, simple
    assert {result for attempt, result in outcome.items() if "cors" in attempt} == {"blocked"}
    assert everything(attacked_api) == before


def test_hostile_page_cannot_read_the_standalone_server(browser, standalone_api, attacker_site):
    page = browser.new_page()
    page.goto(attacker_site)
    outcome = page.evaluate(ATTACKS, standalone_api)
    assert outcome["read"] == "blocked" and outcome["read_export"] == "blocked"
    backups = page.evaluate("""async (api) => {
      try { return await (await fetch(api + '/backups')).text(); } catch (e) { return 'blocked'; }
    }""", standalone_api)
    assert backups == "blocked"
    page.close()


def test_hostile_page_own_origin_still_writes(browser, attacked_api):
    page = browser.new_page()
    page.goto(f"{attacked_api}/docs")
    made = page.evaluate("""async () => {
      const body = JSON.stringify({amount: 3, description: 'from the app', category_id: 1, date: '2025-01-07'});
      const added = await fetch('/expenses', {method: 'POST', headers: {'Content-Type': 'application/json'}, body});
      const backup = await fetch('/backups', {method: 'POST'});
      return [added.status, backup.status];
    }""")
    page.close()
    assert made == [201, 201]
    assert "from the app" in [e["description"] for e in api_call(attacked_api, "GET", "/expenses")]
