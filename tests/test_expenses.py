"""Expenses: create, read, partial update, delete, filters, sorting and paging."""

import sqlite3

import pytest

from conftest import expense


def test_create_expense_returns_full_expense(client):
    response = client.post("/expenses", json=expense())
    assert response.status_code == 201
    body = response.json()
    assert body == {
        "id": body["id"],
        "amount": 12.5,
        "description": "Lunch",
        "category_id": 1,
        "category_name": "Food",
        "date": "2025-03-14",
        "created_at": body["created_at"],
        "tags": [],  # new with tags (issue 18): added, nothing renamed
        # Added by the currencies (issue 18): a script that sends none is in the home currency.
        "currency": "USD",
        "home_amount": 12.5,
        "rate": None,
        "rate_source": None,
        "parts": [],  # new with splits (issue 18): empty when not split
    }
    assert client.get(f"/expenses/{body['id']}").json() == body


def test_create_expense_unknown_category_is_400(client):
    response = client.post("/expenses", json=expense(category_id=999))
    assert response.status_code == 400
    assert response.json() == {"detail": "Unknown category_id 999: no such category."}
    assert client.get("/expenses").json() == []


STORED_VERBATIM = [
    ("sql_quote", "Robert'); drop table expenses;--"),
    ("sql_wildcards", "100% _off_ \\ %"),
    ("unicode", "Café crème, 日本のラーメン 🍜"),
    ("rtl_and_combining", "مطعم e\u0301"),
    ("csv_specials", 'a,"b"\nc\rd'),
    ("html", "<script>alert(1)</script>"),
]


@pytest.mark.parametrize("case, text", STORED_VERBATIM, ids=[c[0] for c in STORED_VERBATIM])
def test_create_expense_description_stored_verbatim(client, add, case, text):
    created = add(description=text)
    assert created["description"] == text
    assert client.get(f"/expenses/{created['id']}").json()["description"] == text
    assert client.get("/expenses").json()[0]["description"] == text
    assert client.get("/categories").status_code == 200


@pytest.mark.parametrize(
    "method, url, body",
    [
        ("get", "/expenses/42", None),
        ("put", "/expenses/42", {"amount": 1}),
        ("delete", "/expenses/42", None),
    ],
)
def test_expense_missing_is_404(client, method, url, body):
    response = client.request(method, url, json=body)
    assert response.status_code == 404
    assert response.json() == {"detail": "Expense 42 not found."}


@pytest.mark.parametrize(
    "changes",
    [
        {"amount": 99.99},
        {"description": "Dinner"},
        {"category_id": 2},
        {"date": "2024-12-31"},
        {"amount": 1, "description": "Both", "category_id": 3, "date": "2020-01-01"},
        {},
    ],
    ids=["amount", "description", "category", "date", "all", "nothing"],
)
def test_update_expense_changes_only_sent_fields(client, add, changes):
    created = add()
    response = client.put(f"/expenses/{created['id']}", json=changes)
    assert response.status_code == 200
    expected = {**created, **changes}
    expected["home_amount"] = expected["amount"]
    if "category_id" in changes:
        names = {c["id"]: c["name"] for c in client.get("/categories").json()}
        expected["category_name"] = names[changes["category_id"]]
    assert response.json() == expected
    assert client.get(f"/expenses/{created['id']}").json() == expected


# The seed: "only update fields that are provided (not None)": null is the same as not sent.
NULL_UPDATES = [
    ("amount", {"amount": None}, {}),
    ("description", {"description": None}, {}),
    ("category_id", {"category_id": None}, {}),
    ("date", {"date": None}, {}),
    ("all", {"amount": None, "description": None, "category_id": None, "date": None}, {}),
    ("mixed", {"amount": 7.25, "description": None, "category_id": 2, "date": None},
     {"amount": 7.25, "home_amount": 7.25, "category_id": 2, "category_name": "Transport"}),
]


@pytest.mark.parametrize("case, body, changed", NULL_UPDATES, ids=[c[0] for c in NULL_UPDATES])
def test_update_expense_null_field_is_left_unchanged(client, add, case, body, changed):
    created = add()
    response = client.put(f"/expenses/{created['id']}", json=body)
    assert response.status_code == 200, response.text
    assert response.json() == {**created, **changed}
    assert client.get(f"/expenses/{created['id']}").json() == {**created, **changed}


def test_update_expense_unknown_category_is_400_and_changes_nothing(client, add):
    created = add()
    response = client.put(f"/expenses/{created['id']}", json={"category_id": 77, "amount": 3})
    assert response.status_code == 400
    assert "77" in response.json()["detail"]
    assert client.get(f"/expenses/{created['id']}").json() == created


def test_delete_expense_then_404(client, add):
    created = add()
    assert client.delete(f"/expenses/{created['id']}").status_code == 204
    assert client.get(f"/expenses/{created['id']}").status_code == 404
    assert client.delete(f"/expenses/{created['id']}").status_code == 404
    assert client.get("/expenses").json() == []


@pytest.fixture
def dated(add):
    """Five expenses on known dates in two categories."""
    rows = [
        ("2025-01-31", 1, 10.0),
        ("2025-02-01", 2, 5.5),
        ("2025-02-15", 1, 30.0),
        ("2025-02-28", 2, 0.99),
        ("2025-03-01", 1, 12.0),
    ]
    return [add(date=d, category_id=c, amount=a, description=f"on {d}") for d, c, a in rows]


FILTERS = [
    ("inclusive_from", "date_from=2025-02-01", ["2025-03-01", "2025-02-28", "2025-02-15", "2025-02-01"]),
    ("inclusive_to", "date_to=2025-02-01", ["2025-02-01", "2025-01-31"]),
    ("inclusive_both", "date_from=2025-02-01&date_to=2025-02-28", ["2025-02-28", "2025-02-15", "2025-02-01"]),
    ("single_day", "date_from=2025-02-15&date_to=2025-02-15", ["2025-02-15"]),
    ("category", "category_id=2", ["2025-02-28", "2025-02-01"]),
    ("category_and_dates", "category_id=1&date_from=2025-02-01", ["2025-03-01", "2025-02-15"]),
    ("unknown_category", "category_id=999", []),
    ("empty_window", "date_from=2026-01-01", []),
]


@pytest.mark.parametrize("case, query, dates", FILTERS, ids=[c[0] for c in FILTERS])
def test_list_expenses_filters(client, dated, case, query, dates):
    response = client.get(f"/expenses?{query}")
    assert response.status_code == 200
    assert [e["date"] for e in response.json()] == dates


SORTS = [
    ("default_date_desc", "", [5, 4, 3, 2, 1]),
    ("date_asc", "sort=date&order=asc", [1, 2, 3, 4, 5]),
    ("amount_desc", "sort=amount", [3, 5, 1, 2, 4]),
    ("amount_asc", "sort=amount&order=asc", [4, 2, 1, 5, 3]),
    ("created_desc", "sort=created_at", [5, 4, 3, 2, 1]),
    ("created_asc", "sort=created_at&order=asc", [1, 2, 3, 4, 5]),
]


@pytest.mark.parametrize("case, query, positions", SORTS, ids=[c[0] for c in SORTS])
def test_list_expenses_sorted(client, dated, case, query, positions):
    ids = [e["id"] for e in client.get(f"/expenses?{query}").json()]
    assert ids == [dated[p - 1]["id"] for p in positions]


def test_list_expenses_includes_category_name(client, dated):
    names = {e["date"]: e["category_name"] for e in client.get("/expenses").json()}
    assert names["2025-02-01"] == "Transport"
    assert names["2025-01-31"] == "Food"


@pytest.fixture
def many(client, db_path):
    """205 expenses with many equal dates and amounts, written straight to the file for speed."""
    rows = []
    for day in range(1, 206):
        month, dom = divmod(day % 60, 28)
        rows.append((float(day % 7 + 1), f"#{day}", f"2024-{month + 1:02d}-{dom + 1:02d}"))
    with sqlite3.connect(db_path) as conn:
        conn.executemany(
            "insert into expenses (amount, description, category_id, date) values (?, ?, 1, ?)", rows
        )


@pytest.mark.parametrize("limit, count", [(1, 1), (50, 50), (200, 200)])
def test_list_expenses_limit(client, many, limit, count):
    assert len(client.get(f"/expenses?limit={limit}").json()) == count


def test_list_expenses_default_limit_is_50(client, many):
    assert len(client.get("/expenses").json()) == 50


@pytest.mark.parametrize("offset, count", [(0, 50), (200, 5), (205, 0), (2**63 - 1, 0)])
def test_list_expenses_offset(client, many, offset, count):
    assert len(client.get(f"/expenses?offset={offset}").json()) == count


@pytest.mark.parametrize(
    "query",
    ["", "sort=amount", "sort=amount&order=asc", "sort=created_at&order=asc", "date_from=2024-03-01&sort=amount"],
    ids=["date_desc", "amount_desc", "amount_asc", "created_asc", "filtered_amount"],
)
def test_list_expenses_cursor_pages_equal_offset_pages(client, many, query):
    everything = []
    offset = 0
    while page := client.get(f"/expenses?{query}&limit=200&offset={offset}").json():
        everything += page
        offset += 200
    walked = []
    response = client.get(f"/expenses?{query}&limit=37")
    while True:
        walked += response.json()
        token = response.headers.get("x-next-cursor")
        if token is None:
            break
        response = client.get(f"/expenses?{query}&limit=37&cursor={token}")
    assert [e["id"] for e in walked] == [e["id"] for e in everything]
    assert len({e["id"] for e in walked}) == len(walked)


def test_list_expenses_last_page_has_no_cursor(client, many):
    assert "x-next-cursor" in client.get("/expenses?limit=200&offset=4").headers
    assert "x-next-cursor" not in client.get("/expenses?limit=200&offset=5").headers


def test_list_expenses_cursor_from_other_sort_is_422(client, many):
    token = client.get("/expenses?limit=5").headers["x-next-cursor"]
    response = client.get(f"/expenses?sort=amount&cursor={token}")
    assert response.status_code == 422
    assert "cursor" in response.json()["detail"]


def test_list_expenses_cursor_with_offset_is_422(client, many):
    token = client.get("/expenses?limit=5").headers["x-next-cursor"]
    response = client.get(f"/expenses?offset=5&cursor={token}")
    assert response.status_code == 422


TOTALS_ROWS = [  # amount, description, category_id, date
    (12.5, "Café au lait", 1, "2025-01-31"),
    (3.1, "Bus ticket", 2, "2025-02-01"),
    (40.0, "Groceries", 1, "2025-02-14"),
    (7.25, "Cafe latte", 1, "2025-02-28"),
    (900.0, "Rent", 3, "2025-03-01"),
    (2.5, "Bus ticket", 2, "2025-03-15"),
    (0.01, "Gum", 1, "2025-04-30"),
]

TOTALS_FILTERS = [
    ("everything", {}),
    ("whole_month", {"date_from": "2025-02-01", "date_to": "2025-02-28"}),
    ("part_of_a_month", {"date_from": "2025-02-02", "date_to": "2025-02-27"}),
    ("months_with_edges", {"date_from": "2025-01-31", "date_to": "2025-03-14"}),
    ("from_only", {"date_from": "2025-02-15"}),
    ("to_only", {"date_to": "2025-03-01"}),
    ("category", {"category_id": 1}),
    ("category_and_months", {"category_id": 2, "date_from": "2025-02-01", "date_to": "2025-03-31"}),
    ("search_any_accents", {"q": "cafe"}),
    ("search_in_a_month", {"q": "bus", "date_from": "2025-03-01", "date_to": "2025-03-31"}),
    ("nothing_matches", {"q": "zebra"}),
]


@pytest.mark.parametrize("filters", [f for _, f in TOTALS_FILTERS], ids=[name for name, _ in TOTALS_FILTERS])
def test_expense_totals_match_every_row_of_the_list(client, add, filters):
    for amount, description, category_id, day in TOTALS_ROWS:
        add(amount=amount, description=description, category_id=category_id, date=day)
    listed = client.get("/expenses", params={**filters, "limit": 200}).json()
    response = client.get("/expenses/totals", params=filters)
    assert response.status_code == 200
    assert response.json() == {
        "count": len(listed),
        "total": round(sum(round(e["amount"] * 100) for e in listed)) / 100,
    }


def test_expense_totals_more_than_a_page(client, db_path):
    conn = sqlite3.connect(db_path)
    with conn:
        conn.executemany(
            "insert into expenses (amount, description, category_id, date) values (?, ?, ?, ?)",
            [(1.25, f"Row {n}", 1, f"2025-03-{1 + n % 28:02d}") for n in range(120)],
        )
    conn.close()
    assert client.get("/expenses/totals?date_from=2025-03-05&date_to=2025-03-31").json() == {
        "count": 120 - 4 * 5, "total": 125.0,
    }
    assert client.get("/expenses/totals").json() == {"count": 120, "total": 150.0}


def test_expense_totals_past_sqlite_64_bits(client, db_path):
    # Three months of huge totals in one category (as the triggers keep them): each fits in
    # SQLite's 64 bits, together they do not.
    conn = sqlite3.connect(db_path)
    with conn:
        conn.executemany(
            "insert into monthly_totals (month, category_id, total_cents, count) values (?, 1, ?, 1)",
            [("2025-01", 2**62), ("2025-02", 2**62), ("2025-03", 2**62)],
        )
    conn.close()
    assert client.get("/expenses/totals").json() == {"count": 3, "total": 3 * 2**62 / 100}


def test_expense_totals_from_after_to_says_so(client):
    response = client.get("/expenses/totals?date_from=2025-03-02&date_to=2025-03-01")
    assert response.status_code == 422
    assert response.json()["detail"].startswith("The From date 2025-03-02 is after the To date 2025-03-01")
