"""Which origins may change data: a web page of another origin may not, scripts and the app's own pages may.

The same promises in a real browser are in test_hostile_pages.py; these are the rules, request by request.
"""

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.middleware import cors_origin
from conftest import BASE_URL, expense
from tracker.config import CORS_ENV

REFUSAL = ("may not change your expenses; only this app's own pages and programs that send no Origin "
           "(scripts, the command line) can. To allow it, start the server with --cors ORIGIN or set "
           "EXPENSE_TRACKER_CORS_ORIGINS.")


def app_client(db_path, **options):
    return TestClient(create_app(db_path, **options), base_url=BASE_URL)


def manual_backups(client):
    return [b for b in client.get("/backups").json()["backups"] if b["kind"] == "manual"]


@pytest.mark.parametrize(
    "headers, page",
    [
        ({"Origin": "http://127.0.0.1:9999"}, "a web page from http://127.0.0.1:9999"),
        ({"Origin": "http://localhost"}, "a web page from http://localhost"),  # same host, another name
        ({"Origin": "https://127.0.0.1"}, "a web page from https://127.0.0.1"),  # another scheme
        ({"Origin": "http://evil.example"}, "a web page from http://evil.example"),
        ({"Origin": "null"}, "a page without an origin of its own (a sandboxed frame or a local file)"),
        ({"Sec-Fetch-Site": "cross-site"}, "a web page of another site"),
        ({"Origin": "http://evil.example", "Sec-Fetch-Site": "same-site"}, "a web page from http://evil.example"),
    ],
)
def test_foreign_page_write_refused_with_sentence(client, add, headers, page):
    response = client.post("/backups", headers=headers)
    assert response.status_code == 403
    assert response.json() == {"detail": f"Refused: {page} {REFUSAL}"}
    assert "access-control-allow-origin" not in response.headers
    assert manual_backups(client) == []


@pytest.mark.parametrize(
    "method, path, body",
    [
        ("POST", "/expenses", expense()),
        ("PUT", "/expenses/1", {"description": "defaced"}),
        ("DELETE", "/expenses/1", None),
        ("PUT", "/settings", {"currency": "XXX"}),
        ("POST", "/imports/1/revert", None),
        ("PATCH", "/expenses/1", {"description": "defaced"}),
    ],
)
def test_foreign_page_refused_on_every_method_but_get(client, add, method, path, body):
    add(description="mine")
    response = client.request(method, path, json=body, headers={"Origin": "http://127.0.0.1:9999"})
    assert response.status_code == 403
    assert [e["description"] for e in client.get("/expenses").json()] == ["mine"]
    assert client.get("/settings").json()["currency"] == "USD"


def test_foreign_upload_refused_before_its_size_or_contents(client):
    """Refused before the body is read: a declared 65 MB upload gets the 403, not the 413."""
    huge = {"Origin": "http://127.0.0.1:9999", "Content-Length": str(65 * 1024 * 1024),
            "Content-Type": "multipart/form-data; boundary=x"}
    assert client.post("/imports", content=b"x", headers=huge).status_code == 403
    csv = b"Date,Description,Amount\n2025-02-01,Injected,-13.37\n"
    response = client.post("/imports", files={"file": ("bank.csv", csv, "text/csv")},
                           data={"options": '{"default_category_id": 1}'}, headers={"Origin": "http://127.0.0.1:9999"})
    assert response.status_code == 403
    assert client.get("/imports").json() == [] and client.get("/expenses").json() == []


@pytest.mark.parametrize(
    "headers",
    [
        {},  # a script, the command line
        {"Origin": "http://127.0.0.1"},  # the app's own page (the test client's Host is 127.0.0.1)
        {"Origin": "http://127.0.0.1", "Sec-Fetch-Site": "same-origin"},
        {"Host": "localhost:8000", "Origin": "http://localhost:8000", "Sec-Fetch-Site": "same-origin"},
        {"Host": "[::1]:8000", "Origin": "http://[::1]:8000"},
        {"Sec-Fetch-Site": "same-site"},
        {"Sec-Fetch-Site": "none"},  # typed in the address bar
    ],
)
def test_own_pages_and_scripts_may_write(client, headers):
    assert client.post("/expenses", json=expense(), headers=headers).status_code == 201
    assert client.post("/backups", headers=headers).status_code == 201


@pytest.mark.parametrize(
    "allowed, origin",
    [
        (["http://localhost:5173"], "http://localhost:5173"),
        (["http://localhost:5173", "http://127.0.0.1:3000"], "http://127.0.0.1:3000"),
        (["*"], "http://evil.example"),
        (["*"], "null"),
        (["null"], "null"),
    ],
)
@pytest.mark.parametrize("sec_fetch_site", [None, "cross-site"])
def test_allowed_origin_may_write_when_configured(db_path, allowed, origin, sec_fetch_site):
    headers = {"Origin": origin, **({"Sec-Fetch-Site": sec_fetch_site} if sec_fetch_site else {})}
    with app_client(db_path, cors_origins=allowed) as client:
        response = client.post("/expenses", json=expense(), headers=headers)
        assert response.status_code == 201
        assert response.headers["access-control-allow-origin"] in ("*", origin)
        assert client.post("/expenses", json=expense(), headers={"Origin": "http://other.example"}).status_code == (
            201 if allowed == ["*"] else 403
        )


def test_allowed_origins_from_environment(db_path, monkeypatch):
    monkeypatch.setenv(CORS_ENV, "http://localhost:5173, http://127.0.0.1:3000")
    with app_client(db_path) as client:
        assert client.post("/backups", headers={"Origin": "http://127.0.0.1:3000"}).status_code == 201
        assert client.post("/backups", headers={"Origin": "http://127.0.0.1:9999"}).status_code == 403


def test_standalone_api_lets_no_other_origin_read_by_default(client, add):
    add()
    read = client.get("/expenses", headers={"Origin": "http://127.0.0.1:9999"})
    assert read.status_code == 200  # answered; without the header the browser hides it from the page
    assert "access-control-allow-origin" not in read.headers
    preflight = client.options("/expenses", headers={"Origin": "http://127.0.0.1:9999", "Access-Control-Request-Method": "POST"})
    assert preflight.status_code == 400
    assert preflight.json() == {"detail": "The CORS preflight was refused: its origin is not allowed."}


def test_window_app_allows_its_own_origin_only(db_path, monkeypatch):
    from desktop.launcher import desktop_app

    own = "http://127.0.0.1:8123"
    with TestClient(desktop_app(db_path, own), base_url=own) as client:
        assert client.get("/categories", headers={"Origin": own}).headers["access-control-allow-origin"] == own
        assert client.post("/backups", headers={"Origin": own}).status_code == 201
        assert client.post("/backups", headers={"Origin": "http://127.0.0.1:8124"}).status_code == 403


@pytest.mark.parametrize(
    "text, origin",
    [("*", "*"), ("null", "null"), ("http://localhost:5173/", "http://localhost:5173"), ("https://a.example", "https://a.example")],
)
def test_cors_origin_accepts_origins(text, origin):
    assert cors_origin(text) == origin


@pytest.mark.parametrize("text", ["localhost:5173", "http://localhost:5173/app", "ftp://x", "", "http://"])
def test_cors_origin_refuses_what_a_browser_never_sends(text):
    with pytest.raises(ValueError, match="is not a web origin"):
        cors_origin(text)
