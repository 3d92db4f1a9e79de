"""Every error of every status is {"detail": "<one sentence>"}."""

import pytest

ERRORS = [
    ("unknown_route", "get", "/nope", None, 404, "Not found: no such resource at /nope."),
    ("wrong_method", "delete", "/summary", None, 405, "Method DELETE is not allowed on /summary."),
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
