"""Every error of every status is {"detail": "<one sentence>"}."""

import re

import pytest
from starlette.routing import Mount

from api.app import create_app
from api.errors import api_routes
from conftest import ROOT

ERRORS = [
    ("unknown_route", "get", "/nope", None, 404, "Not found: no such resource at /nope."),
    ("wrong_method", "delete", "/summary", None, 405, "Method DELETE is not allowed on /summary; it takes GET."),
    ("missing_expense", "get", "/expenses/9", None, 404, "Expense 9 not found."),
    ("missing_category", "delete", "/categories/9", None, 404, "Category 9 not found."),
    ("bad_category", "post", "/expenses", {"amount": 1, "description": "x", "category_id": 9, "date": "2025-01-01"}, 400, "Unknown category_id 9: no such category."),
    ("duplicate_category", "post", "/categories", {"name": "Food"}, 409, "Category already exists"),
    ("invalid_limit", "get", "/expenses?limit=201", None, 422, "Invalid query parameter 'limit': input should be less than or equal to 200."),
    ("invalid_body", "post", "/expenses", {"amount": -1, "description": "x", "category_id": 1, "date": "2025-01-01"}, 422, "Invalid field 'amount': input should be greater than 0."),
]


@pytest.mark.parametrize("case, method, url, body, status, detail", ERRORS, ids=[e[0] for e in ERRORS])
def test_error_shape(client, case, method, url, body, status, detail):
    response = client.request(method, url, json=body)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"detail": detail}


# Every path of the API with the methods it takes, read from the app itself so that a route
# added later is covered too; a parameter is given the value 1.
API_PATHS: dict[str, set[str]] = {}
for route in api_routes(create_app(ROOT / "never-opened.db").routes):
    if not isinstance(route, Mount) and getattr(route, "methods", None):
        API_PATHS.setdefault(re.sub(r"{[^}]+}", "1", route.path), set()).update(route.methods)
METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"]


@pytest.mark.parametrize("path", sorted(API_PATHS))
def test_wrong_method_is_405_with_allow(client, path):
    allowed = API_PATHS[path]
    for method in METHODS:
        if method in allowed:
            continue
        response = client.request(method, path)
        assert response.status_code == 405, f"{method} {path}: {response.status_code} {response.text}"
        assert set(response.headers["allow"].split(", ")) == allowed, f"{method} {path}"
        assert response.json() == {"detail": f"Method {method} is not allowed on {path}; it takes {response.headers['allow']}."}


WRONG_METHODS = [
    # (method, path, Allow): before, the web page's mount answered the first two (Allow: GET, HEAD;
    # 404) and PUT /expenses/{expense_id} the third (422 for the id "count").
    ("PATCH", "/expenses", "GET, POST"),
    ("GET", "/backups/restore", "POST"),
    ("PUT", "/expenses/count", "GET"),
    ("DELETE", "/expenses/export", "GET"),
    ("GET", "/budgets/overall", "DELETE, PUT"),
    ("POST", "/recurring/upcoming", "GET"),
    ("DELETE", "/imports/profiles", "GET"),
    ("PATCH", "/expenses/7", "DELETE, GET, PUT"),
    ("POST", "/trash/7", "DELETE"),
]


@pytest.mark.parametrize("method, path, allow", WRONG_METHODS, ids=[f"{m} {p}" for m, p, _ in WRONG_METHODS])
def test_wrong_method_named_in_the_issue_is_405(client, method, path, allow):
    response = client.request(method, path)
    assert response.status_code == 405
    assert response.headers["allow"] == allow
    assert response.json() == {"detail": f"Method {method} is not allowed on {path}; it takes {allow}."}


@pytest.mark.parametrize(
    "method, path, status",
    [("GET", "/nope", 404), ("GET", "/expenses/1/nope", 404), ("GET", "/backups/nope.db", 404),
     ("PUT", "/expenses/abc", 422), ("GET", "/", 200), ("GET", "/app.js", 200), ("GET", "/style.css", 200)],
)
def test_paths_that_are_not_api_routes_are_unchanged(client, method, path, status):
    assert client.request(method, path).status_code == status


def test_error_foreign_host_is_json(client):
    response = client.get("/health", headers={"host": "attacker.example"})
    assert response.status_code == 400
    assert response.json()["detail"].startswith("Invalid Host header 'attacker.example'")


def test_openapi_documents_error_shape(client):
    schema = client.get("/openapi.json").json()
    responses = schema["paths"]["/expenses"]["post"]["responses"]
    assert responses["422"]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorBody")


def test_docs_page_uses_only_local_files(client):
    page = client.get("/docs")
    assert page.status_code == 200
    html = page.text
    assert "http://" not in html and "https://" not in html.replace("https://swagger.io", "")
    for asset in ("/vendor/swagger-ui-5.35.0.js", "/vendor/swagger-ui-5.35.0.css"):
        assert asset in html
        response = client.get(asset)
        assert response.status_code == 200 and len(response.content) > 10_000
    assert client.get("/redoc").status_code == 404


@pytest.mark.parametrize("path", ["/expenses", "/expenses/export", "/expenses/count"])
def test_from_after_to_says_so_in_words(client, path):
    response = client.get(f"{path}?date_from=2025-03-10&date_to=2025-03-01")
    assert response.status_code == 422
    assert response.json() == {
        "detail": "The From date 2025-03-10 is after the To date 2025-03-01 (date_from must not be after date_to)."}
