"""Schemathesis over the app's own OpenAPI schema, in process (ASGI), against a fresh database.

Every operation of /openapi.json gets a bounded, deterministic set of generated requests (valid
and invalid ones). Each response must:

- not be a server error (no 5xx: the only 5xx the app may give is 503 for an unusable
  database, and the database here is always usable);
- conform to the schema: a documented status code, the documented content type, a body that
  matches the documented schema, and the documented headers;
- if it is an error (4xx/5xx), be exactly `{"detail": "<one sentence>"}`.

The requests go to the app object itself (no socket), with Host 127.0.0.1, which the app accepts.
Two Hypothesis tests at the end fuzz what the schema cannot describe: the inside of a paging
cursor, and CORS preflight requests.
"""

import atexit
import base64
import json
import os
import shutil
import string
import tempfile
from pathlib import Path

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.app import create_app

BASE_URL = "http://127.0.0.1"
MAX_EXAMPLES = 40

# A RAM-backed folder where there is one: every write commits with synchronous=FULL, and on a busy
# disk those fsyncs, not the requests, would set the run time.
RAM_DIR = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None

# One database for the whole module: the operations then also meet rows and categories that
# earlier operations created (and deleted), as a user's database would have them.
DB_DIR = Path(tempfile.mkdtemp(prefix="expense-tracker-fuzz-", dir=RAM_DIR))
# Registered before the schema is loaded, so it runs after Schemathesis has stopped the app.
atexit.register(shutil.rmtree, DB_DIR, ignore_errors=True)
APP = create_app(DB_DIR / "expenses.db", cors_origins=["*"], allowed_hosts=[])

CONFIG = schemathesis.Config.from_dict(
    {
        "base-url": BASE_URL,
        "seed": 20250314,
        "generation": {
            "mode": "all",  # valid and invalid requests
            "max-examples": MAX_EXAMPLES,
            "deterministic": True,
            "database": "none",
        },
    }
)
schema = schemathesis.openapi.from_asgi(
    "/openapi.json", APP, config=CONFIG, headers={"Host": "127.0.0.1"}
)


def assert_one_sentence_error(status: int, content_type: str, content: bytes, extra_keys=()) -> None:
    """The API's error shape: a JSON object whose only key is "detail", a one-line sentence."""
    assert content_type.split(";")[0].strip() == "application/json", (
        f"error {status} is {content_type!r}, not JSON: {content[:200]!r}"
    )
    body = json.loads(content)
    assert isinstance(body, dict), f"error body is not an object: {body!r}"
    assert "detail" in body and set(body) <= {"detail", *extra_keys}, f"error body has keys {sorted(body)}: {body!r}"
    detail = body["detail"]
    assert isinstance(detail, str), f"detail is not a string: {detail!r}"
    assert detail.strip(), "detail is empty"
    assert "\n" not in detail and "\r" not in detail, f"detail spans lines: {detail!r}"
    assert detail == detail.strip(), f"detail has surrounding whitespace: {detail!r}"


def error_body_is_one_sentence(ctx, response, case):
    """Every 4xx/5xx body is exactly {"detail": "<one sentence>"} (plus status/database on /health's 503)."""
    if response.status_code < 400:
        return None
    extra = ("status", "database") if response.status_code == 503 and case.operation.path == "/health" else ()
    content_type = (response.headers.get("content-type") or [""])[0]
    assert_one_sentence_error(response.status_code, content_type, response.content, extra)
    return None


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
    error_body_is_one_sentence,
]


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    # Generation and explicit examples only: a failure is reported as found, not shrunk first.
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,  # conftest's autouse fixture; nothing here depends on it
    ],
)
def test_api_conforms_to_its_schema(case):
    case.call_and_validate(checks=CHECKS)


# ---------------------------------------------------------------------------
# What a schema cannot describe: the inside of a cursor, and CORS preflights
# ---------------------------------------------------------------------------

OWN_ORIGIN = "http://127.0.0.1:8000"


@pytest.fixture(scope="module")
def api():
    """A second app on its own database, with the window app's CORS setting (its own origin only)."""
    app = create_app(DB_DIR / "api.db", cors_origins=[OWN_ORIGIN], allowed_hosts=[])
    with TestClient(app, base_url=BASE_URL, raise_server_exceptions=False) as client:
        for amount, day in ((12.5, "2025-03-14"), (0.1, "2025-03-15"), (0.2, "2025-03-15")):
            body = {"amount": amount, "description": "x", "category_id": 1, "date": day}
            assert client.post("/expenses", json=body).status_code == 201
        yield client


def assert_answered_or_refused_in_words(response, request: str) -> None:
    status, content_type = response.status_code, response.headers.get("content-type", "")
    assert status < 500, f"{request}: {status} {response.text[:300]}"
    if status >= 400:
        try:
            assert_one_sentence_error(status, content_type, response.content)
        except AssertionError as exc:
            raise AssertionError(f"{request}: {exc}") from None


json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    # Around and beyond SQLite's 64-bit integers, and beyond a float's range (2**1024).
    st.integers(min_value=2**63 - 2, max_value=2**1100),
    st.integers(min_value=-(2**1100), max_value=-(2**63) + 1),
    st.floats(),
    st.text(max_size=12),
    # Strings with lone surrogates (JSON can spell them as \udXXX escapes).
    st.lists(st.one_of(st.characters(), st.characters(categories=["Cs"])), max_size=6).map("".join),
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=2),
    max_leaves=4,
)
SHORT_SETTINGS = settings(
    max_examples=60,
    derandomize=True,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@SHORT_SETTINGS
@example(sort="amount", order="desc", value=10**30, row_id=1)  # beyond SQLite's 64-bit integers
@example(sort="date", order="desc", value="\ud800", row_id=1)  # a lone surrogate: not encodable
@given(
    sort=st.sampled_from(["date", "amount", "created_at"]),
    order=st.sampled_from(["asc", "desc"]),
    value=st.one_of(json_scalars, json_values),
    # Mostly a valid id, so that the value is what the app has to judge.
    row_id=st.one_of(
        st.integers(min_value=0, max_value=9), st.integers(min_value=-(2**70), max_value=2**70), json_values
    ),
)
def test_any_decodable_cursor_is_answered_or_refused_in_words(api, sort, order, value, row_id):
    """A cursor is base64url JSON [sort, order, value, id]; whatever is inside, no 500."""
    raw = json.dumps([sort, order, value, row_id]).encode()
    token = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    response = api.get("/expenses", params={"sort": sort, "order": order, "limit": 2, "cursor": token})
    request = f"GET /expenses with a cursor holding {[sort, order, value, row_id]!r}"
    assert_answered_or_refused_in_words(response, request)
    assert response.status_code in (200, 422), f"{request}: {response.status_code}"


@SHORT_SETTINGS
@example(origin=OWN_ORIGIN, method="PATCH", request_headers=None, path="/expenses")
@given(
    origin=st.sampled_from([OWN_ORIGIN, "http://localhost:8000", "https://evil.example", "null"]),
    method=st.one_of(
        st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "TRACE"]),
        st.text(alphabet=string.ascii_uppercase, min_size=1, max_size=8),
    ),
    request_headers=st.one_of(
        st.none(), st.sampled_from(["content-type", "Content-Type", "x-api-key", "content-type, authorization"])
    ),
    path=st.sampled_from(["/expenses", "/expenses/1", "/categories", "/summary", "/settings", "/nope"]),
)
def test_cors_preflights_are_answered_or_refused_in_words(api, origin, method, request_headers, path):
    """A browser's preflight (OPTIONS with Origin and Access-Control-Request-Method) is an API request too."""
    headers = {"Origin": origin, "Access-Control-Request-Method": method}
    if request_headers is not None:
        headers["Access-Control-Request-Headers"] = request_headers
    response = api.options(path, headers=headers)
    assert_answered_or_refused_in_words(response, f"OPTIONS {path} with {headers!r}")
