"""The one-step answers to GET /expenses, POST /expenses and GET /summary (api/fast.py) are the FastAPI routes' answers."""

import json
import re

import pytest
from fastapi.exceptions import ResponseValidationError
from fastapi.testclient import TestClient

from api.app import create_app
from api.fast import FastRoute
from tests.conftest import BASE_URL, expense


@pytest.fixture
def clients(db_path):
    """(with the fast path, without it) over the same file."""
    fast_app, plain_app = create_app(db_path), create_app(db_path)
    plain_app.router.routes[:] = [r for r in plain_app.router.routes if not isinstance(r, FastRoute)]
    with TestClient(fast_app, base_url=BASE_URL) as fast, TestClient(plain_app, base_url=BASE_URL) as plain:
        for day in range(1, 29):
            response = fast.post("/expenses", json=expense(date=f"2025-02-{day:02d}", amount=day + 0.25,
                                                           description=f"Café n°{day}", category_id=1 + day % 3))
            assert response.status_code == 201
        fast.put("/expenses/3", json={"tags": ["trip", "work"]})
        fast.put("/expenses/4", json={"tags": ["trip"]})
        fast.put("/expenses/5/parts", json=[{"category_id": 1, "amount": 3}, {"category_id": 2, "amount": 2.25}])
        fast.post("/expenses", json=expense(date="2025-02-11", amount=500, currency="EUR", rate=1.25))
        fast.put("/budgets/1", json={"amount": 40})
        yield fast, plain


@pytest.mark.parametrize("query", [
    "", "limit=50", "limit=1", "limit=200", "sort=amount&order=asc", "sort=created_at", "order=asc",
    "date_from=2025-02-03&date_to=2025-02-10", "date_from=2025-02-10", "category_id=2", "offset=3&limit=4",
    "offset=100", "category_id=99", "q=caf", "q=caf&limit=3", "tag=trip", "tag=trip&tag=work", "date_from=",
    # Handed to the FastAPI route:
    "limit=0", "limit=201", "limit=050", "limit=-1", "limit=1.0", "sort=bogus", "order=up", "date_from=2025-02-30",
    "date_from=2025-2-3", "date_from=2025-03-01&date_to=2025-01-01", "limit=5&limit=6", "cursor=abc", "tag=no%20spaces",
    "category_id=", "category_id=0", "unknown=1", "offset=99999999999999999999", "limit=%35",
])
def test_list_fast_path_same_answer(clients, query):
    assert_same_get(clients, f"/expenses?{query}")


def assert_same_get(clients, url):
    """The fast path's answer to GET `url` is the FastAPI route's: status, bytes and headers."""
    fast, plain = clients
    got, expected = fast.get(url), plain.get(url)
    assert got.status_code == expected.status_code
    assert got.content == expected.content
    for name in ("content-type", "content-length", "x-next-cursor"):
        assert got.headers.get(name) == expected.headers.get(name)


@pytest.mark.parametrize(("body", "content_type"), [
    (json.dumps(expense()), "application/json"),
    (json.dumps(expense(description="Crème brûlée ☕", amount=1 + 14 / 100)), "application/json"),
    (json.dumps(expense(amount="12.5")), "application/json"),
    (json.dumps(expense(category_id=99)), "application/json"),
    (json.dumps(expense(date="2025-02-30")), "application/json"),
    (json.dumps(expense(amount=12.345)), "application/json"),
    (json.dumps(expense(extra=1)), "application/json"),
    (json.dumps([expense()]), "application/json"),
    ("{", "application/json"),
    (json.dumps(expense()), "text/plain"),
    (json.dumps(expense()), "application/json; charset=utf-8"),
    ("[" * 100_000, "application/json"),
])
def test_create_fast_path_same_answer(clients, body, content_type):
    fast, plain = clients
    got = fast.post("/expenses", content=body, headers={"Content-Type": content_type})
    expected = plain.post("/expenses", content=body, headers={"Content-Type": content_type})
    assert got.status_code == expected.status_code
    if got.status_code == 201:
        mine, theirs = got.json(), expected.json()
        assert mine["id"] != theirs["id"]
        assert same_but_id_and_time(got.content) == same_but_id_and_time(expected.content)
        assert got.headers["content-type"] == expected.headers["content-type"]
    else:
        assert got.content == expected.content


def same_but_id_and_time(body: bytes) -> bytes:
    return re.sub(rb'"created_at":"[^"]*"', b'"created_at":""', re.sub(rb'^\{"id":\d+,', b'{"id":0,', body))


@pytest.mark.parametrize("query", [
    "month=2025-02", "month=2025-03", "month=1999-12",
    # Handed to the FastAPI route:
    "", "month=", "month=2025-13", "month=2025-2", "month=2025-02&month=2025-03", "month=2025-02&x=1", "x=1",
    "month=2025-02&", "&month=2025-02", "month=%32025-02", "month=２０２５-02", "month=2025-02-01",
])
def test_summary_fast_path_same_answer(clients, query):
    assert_same_get(clients, f"/summary?{query}")


def test_summary_fast_path_shows_budgets_splits_and_currencies(clients):
    summary = clients[0].get("/summary?month=2025-02").json()
    assert summary["budgets"] and summary["by_currency"]
    assert summary["count"] == 29


def test_list_fast_path_taken(clients, monkeypatch):
    """The common requests do not reach FastAPI's routes (which is what makes them cheap)."""
    import api.routes.expenses as routes

    def unreachable(*args, **kwargs):
        raise AssertionError("the FastAPI route was used")

    monkeypatch.setattr(routes, "list_expenses", unreachable)
    monkeypatch.setattr(routes, "create_expense", unreachable)
    import api.routes.summary as summary_routes

    monkeypatch.setattr(summary_routes, "month_summary", unreachable)
    fast, _ = clients
    assert len(fast.get("/expenses?limit=50").json()) == 29
    assert fast.post("/expenses", json=expense()).status_code == 201
    assert fast.get("/summary?month=2025-02").json()["month"] == "2025-02"


# Rows as another program (the sqlite3 CLI) may write them, each on top of the fixture's 29.
ODD_ROWS = {
    "control characters and quotes": "insert into expenses (amount, description, category_id, date) "
                                     "values (1.5, 'a' || char(1, 9, 10, 13, 31, 127) || '\"\\/ é 😀', 1, '2025-02-12')",
    "float that needs 17 digits": "insert into expenses (amount, description, category_id, date) "
                                  "values (0.1 + 0.2, 'x', 1, '2025-02-12')",
    "tiny amount (exponent)": "insert into expenses (amount, description, category_id, date) values (0.00005, 'x', 1, '2025-02-12')",
    "huge amount (exponent)": "insert into expenses (amount, description, category_id, date) values (1e16, 'x', 1, '2025-02-12')",
    "whole amount": "insert into expenses (amount, description, category_id, date) values (7, 'x', 1, '2025-02-12')",
    "number as text column": "insert into expenses (amount, description, category_id, date) values (2.5, 42, 1, '2025-02-12')",
    "blob description": "insert into expenses (amount, description, category_id, date) values (2.5, x'41', 1, '2025-02-12')",
    "rate of 17 digits": "insert into expenses (amount, description, category_id, date, currency, home_amount, rate, rate_source) "
                         "values (3, 'x', 1, '2025-02-12', 'EUR', 2.76, 0.9195402298850575, 'ECB 2025-02-12')",
    "text in the amount column": "insert into expenses (amount, description, category_id, date) values ('12,50', 'x', 1, '2025-02-12')",
    "text in the category column": "insert into expenses (amount, description, category_id, date) values (2.5, 'x', 'one', '2025-02-12')",
    "category gone": "insert into expenses (amount, description, category_id, date) values (2.5, 'x', 77, '2025-02-12')",
    "tag names sorted": "insert into tags (name) values ('Zoo'), ('äpfel'), ('apple'); insert into expense_tags "
                        "select 7, id from tags where name in ('Zoo', 'äpfel', 'apple')",
    "part of 17 digits": "update expense_parts set home_amount = 0.30000000000000004 where id = (select min(id) from expense_parts)",
    "part note with quotes": "update expense_parts set note = 'say \"hi\"' || char(10)",
}


@pytest.mark.parametrize("change", ODD_ROWS.values(), ids=ODD_ROWS.keys())
def test_list_fast_path_same_answer_for_rows_written_by_plain_sql(clients, db_path, change):
    import sqlite3

    conn = sqlite3.connect(db_path)
    conn.executescript(f"pragma foreign_keys = off; {change};")
    conn.close()
    for query in ("limit=50", "limit=5", "sort=amount&order=asc", "date_from=2025-02-12&date_to=2025-02-12"):
        url = f"/expenses?{query}"
        try:
            clients[1].get(url)
        except ResponseValidationError:  # a row the model cannot take: the fast path fails alike
            with pytest.raises(ResponseValidationError):
                clients[0].get(url)
        else:
            assert_same_get(clients, url)


def test_list_page_made_by_sqlite_for_ordinary_rows(clients, monkeypatch):
    """An ordinary page (tags, a split expense, another currency) is written by SQLite, not the model."""
    import api.fast

    def unreachable(*args, **kwargs):
        raise AssertionError("the page was made by the response model")

    monkeypatch.setattr(api.fast, "list_expenses", unreachable)
    fast, _ = clients
    for query in ("limit=50", "limit=3", "sort=amount", "tag=trip", "category_id=2"):
        assert fast.get(f"/expenses?{query}").status_code == 200


def test_list_json_same_bytes_as_model_for_random_rows(tmp_path):
    """SQLite's JSON of random pages (odd floats, other currencies, tags, splits, removed categories,
    control characters) is the response model's, byte for byte, or is left to the model."""
    import random
    import sqlite3

    from api.routes.expenses import EXPENSE_LIST
    from tracker.db import connect, init_database
    from tracker.expenses import list_expenses, list_expenses_json

    path = tmp_path / "random.db"
    init_database(path)
    rng = random.Random(19)
    raw = sqlite3.connect(path)
    raw.execute("pragma foreign_keys = off")
    amounts = [lambda: round(rng.uniform(0.01, 500), 2), lambda: rng.uniform(0.01, 500), lambda: rng.randint(1, 9) / 1000,
               lambda: round(rng.uniform(1e10, 9e12), 2), lambda: float(rng.randint(1, 99))]
    texts = ["Café", "a\tb", "\x01\x1f", 'say "hi"', "\\", "😀", "", "x" * 300, "Ω≈ç√", "\u2028"]
    for n in range(400):
        amount = rng.choices(amounts, weights=[30, 1, 1, 1, 3])[0]()
        foreign = rng.random() < 0.2
        raw.execute(
            "insert into expenses (amount, description, category_id, date, currency, home_amount, rate, rate_source) "
            "values (?, ?, ?, ?, ?, ?, ?, ?)",
            (amount, rng.choice(texts) + str(n), rng.choice([1, 2, 3, 99]), f"2025-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
             "EUR" if foreign else None, rng.choice(amounts)() if foreign else None,
             rng.choice([1.0873, 0.9195402298850575, 2.0, 1e-05]) if foreign else None, "typed" if foreign else None))
    raw.execute("insert into tags (name) values ('trip'), ('Work'), ('äpfel')")
    raw.executemany("insert or ignore into expense_tags values (?, ?)",
                    [(rng.randint(1, 400), rng.randint(1, 3)) for _ in range(150)])
    for expense_id in rng.sample(range(1, 401), 30):
        for _ in range(rng.randint(2, 3)):
            raw.execute("insert into expense_parts (expense_id, category_id, amount, home_amount, note) values (?, ?, ?, ?, ?)",
                        (expense_id, rng.choice([1, 2, 3]), rng.choice(amounts)(), rng.choice([None, 1.5, 0.1 + 0.2]),
                         rng.choice(texts)))
    raw.commit()
    raw.close()
    conn = connect(path)
    made_by_sqlite = 0
    for query in [{"limit": 50}, {"limit": 200, "offset": 37}, {"sort": "amount", "order": "asc", "limit": 100},
                  {"category_id": 2, "limit": 200}, {"date_from": "2025-03-01", "date_to": "2025-05-31", "limit": 200},
                  {"tag": ["trip"], "limit": 200}, {"sort": "created_at", "limit": 7}] + [
                      {"limit": 5, "offset": offset} for offset in range(0, 400, 5)]:
        page, cursor = list_expenses(conn, **query)
        made = list_expenses_json(conn, **query)
        if made is not None:
            made_by_sqlite += 1
            assert made == (EXPENSE_LIST.dump_json(EXPENSE_LIST.validate_python(page)), cursor), query
    conn.close()
    assert made_by_sqlite >= 20  # the model writes only the pages with a value SQLite cannot
