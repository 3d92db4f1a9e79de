"""The endpoints the page needs: settings, month totals, counts and description suggestions."""

import sqlite3

import pytest


@pytest.fixture
def spread(client, db_path):
    """Expenses on every third day of 2024-12 … 2025-03 in categories 1 and 2."""
    rows = []
    for month, days in (("2024-12", 31), ("2025-01", 31), ("2025-02", 28), ("2025-03", 31)):
        for day in range(1, days + 1, 3):
            rows.append((1.5, f"on {month}-{day:02d}", 1 + day % 2, f"{month}-{day:02d}"))
    rows.append((2.0, "last day", 1, "2025-01-31"))
    with sqlite3.connect(db_path) as conn:
        conn.executemany("insert into expenses (amount, description, category_id, date) values (?, ?, ?, ?)", rows)
    return db_path


COUNT_CASES = [
    ("everything", {}),
    ("from_month_start", {"date_from": "2025-01-01"}),
    ("from_mid_month", {"date_from": "2025-01-14"}),
    ("to_month_end", {"date_to": "2025-01-31"}),
    ("to_mid_month", {"date_to": "2025-02-10"}),
    ("inside_one_month", {"date_from": "2025-01-04", "date_to": "2025-01-28"}),
    ("across_months", {"date_from": "2024-12-30", "date_to": "2025-03-02"}),
    ("adjacent_partial_months", {"date_from": "2025-01-20", "date_to": "2025-02-05"}),
    ("whole_months", {"date_from": "2025-01-01", "date_to": "2025-02-28"}),
    ("single_day", {"date_from": "2025-01-31", "date_to": "2025-01-31"}),
    ("category", {"category_id": 2}),
    ("category_and_edges", {"category_id": 1, "date_from": "2024-12-15", "date_to": "2025-03-15"}),
    ("nothing_matches", {"date_from": "2030-01-01"}),
]


@pytest.mark.parametrize("case, params", COUNT_CASES, ids=[c[0] for c in COUNT_CASES])
def test_count_matches_counting_rows(client, spread, case, params):
    conditions, values = [], []
    if "date_from" in params:
        conditions.append("date >= ?")
        values.append(params["date_from"])
    if "date_to" in params:
        conditions.append("date <= ?")
        values.append(params["date_to"])
    if "category_id" in params:
        conditions.append("category_id = ?")
        values.append(params["category_id"])
    where = f"where {' and '.join(conditions)}" if conditions else ""
    expected = sqlite3.connect(spread).execute(f"select count(*) from expenses {where}", values).fetchone()[0]
    response = client.get("/expenses/count", params=params)
    assert response.status_code == 200
    assert response.json() == {"count": expected}


def test_count_reversed_dates_is_422(client):
    response = client.get("/expenses/count?date_from=2025-02-01&date_to=2025-01-01")
    assert response.status_code == 422


def test_month_totals_fill_empty_months(client, add):
    add(amount=0.1, date="2025-01-05")
    add(amount=0.2, date="2025-01-25", category_id=2)
    add(amount=3, date="2025-03-01")
    assert client.get("/summary/months?from=2024-12&to=2025-03").json() == [
        {"month": "2024-12", "total": 0.0, "count": 0},
        {"month": "2025-01", "total": 0.3, "count": 2},
        {"month": "2025-02", "total": 0.0, "count": 0},
        {"month": "2025-03", "total": 3.0, "count": 1},
    ]
    assert client.get("/summary/months?from=2025-01&to=2025-01&category_id=2").json() == [
        {"month": "2025-01", "total": 0.2, "count": 1}
    ]


@pytest.mark.parametrize(
    "query, word",
    [
        ("from=2025-03&to=2025-01", "The first month 2025-03 is after the last month 2025-01"),
        ("from=2000-01&to=2025-01", "is more than 240 months"),
        ("from=2025-13&to=2026-01", "from"),
        ("to=2025-01", "from"),
    ],
)
def test_month_totals_invalid(client, query, word):
    response = client.get(f"/summary/months?{query}")
    assert response.status_code == 422
    assert word in response.json()["detail"]


def test_month_totals_across_year_end(client):
    months = [m["month"] for m in client.get("/summary/months?from=2024-11&to=2025-02").json()]
    assert months == ["2024-11", "2024-12", "2025-01", "2025-02"]


def test_settings_defaults_and_partial_update(client, db_path):
    assert client.get("/settings").json() == {"currency": "USD", "week_start": 1}
    assert client.put("/settings", json={"currency": "EUR"}).json() == {"currency": "EUR", "week_start": 1}
    assert client.put("/settings", json={"week_start": 7}).json() == {"currency": "EUR", "week_start": 7}
    assert client.get("/settings").json() == {"currency": "EUR", "week_start": 7}
    # null is "unchanged", as in every partial update
    assert client.put("/settings", json={"currency": None}).json() == {"currency": "EUR", "week_start": 7}
    assert client.put("/settings", json={"currency": None, "week_start": 2}).json() == {"currency": "EUR", "week_start": 2}


@pytest.mark.parametrize(
    "body, field",
    [
        ({"currency": "eur"}, "currency"),
        ({"currency": "EURO"}, "currency"),
        ({"week_start": 0}, "week_start"),
        ({"week_start": 8}, "week_start"),
        ({"week_start": "1"}, "week_start"),
        ({"theme": "dark"}, "theme"),
    ],
)
def test_settings_invalid_is_422(client, body, field):
    response = client.put("/settings", json=body)
    assert response.status_code == 422
    assert field in response.json()["detail"]
    assert client.get("/settings").json() == {"currency": "USD", "week_start": 1}


def test_suggestions_most_recent_category_first(client, add):
    add(description="Lunch at Mario's", category_id=1)
    add(description="Lunch box", category_id=3)
    add(description="lunch at mario's", category_id=2, amount=9.9)
    add(description="Dinner", category_id=1)
    got = client.get("/expenses/suggestions", params={"q": "lun"}).json()
    assert got == [
        {"description": "lunch at mario's", "category_id": 2, "amount": 9.9},
        {"description": "Lunch box", "category_id": 3, "amount": 12.5},
    ]


@pytest.mark.parametrize("q", ["%", "_", "\\", "'; drop table expenses; --"])
def test_suggestions_treat_wildcards_literally(client, add, q):
    add(description="Plain")
    add(description=f"{q} literal")
    got = client.get("/expenses/suggestions", params={"q": q}).json()
    assert [s["description"] for s in got] == [f"{q} literal"]
