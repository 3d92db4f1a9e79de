"""Budgets: a monthly limit per category and an overall one, and how /summary reports them."""

import shutil
import sqlite3
import subprocess

import pytest

from tracker.budgets import delete_budget, list_budgets, set_budget
from tracker.db import connect
from tracker.errors import NotFound
from tracker.models import BudgetSet
from tracker.summary import month_summary

SQLITE_CLI = shutil.which("sqlite3")


def test_budgets_empty(client):
    assert client.get("/budgets").json() == {"overall": None, "categories": []}


def test_budget_set_change_and_clear(client):
    response = client.put("/budgets/2", json={"amount": 300})
    assert response.status_code == 200
    assert response.json() == {"category_id": 2, "category_name": "Transport", "amount": 300.0}
    assert client.put("/budgets/1", json={"amount": 0.3}).status_code == 200
    assert client.put("/budgets/2", json={"amount": 250.55}).json()["amount"] == 250.55
    assert client.put("/budgets/overall", json={"amount": 1000}).json() == {"amount": 1000.0}
    assert client.get("/budgets").json() == {
        "overall": 1000.0,
        "categories": [
            {"category_id": 1, "category_name": "Food", "amount": 0.3},
            {"category_id": 2, "category_name": "Transport", "amount": 250.55},
        ],
    }
    assert client.delete("/budgets/2").status_code == 204
    assert client.delete("/budgets/overall").status_code == 204
    assert client.get("/budgets").json() == {
        "overall": None, "categories": [{"category_id": 1, "category_name": "Food", "amount": 0.3}]
    }


@pytest.mark.parametrize(
    "method, path, body, status, detail",
    [
        ("put", "/budgets/99", {"amount": 1}, 404, "Category 99 not found."),
        ("delete", "/budgets/99", None, 404, "Category 99 not found."),
        ("delete", "/budgets/1", None, 404, "Category 1 has no budget."),
        ("delete", "/budgets/overall", None, 404, "No overall budget is set."),
        ("put", "/budgets/0", {"amount": 1}, 422, "Invalid path parameter 'category_id': input should be greater than or equal to 1."),
        ("put", "/budgets/food", {"amount": 1}, 422, "Invalid path parameter 'category_id': input should be a valid integer, unable to parse string as an integer."),
    ],
    ids=["put_unknown_category", "delete_unknown_category", "delete_none_set", "delete_overall_none_set", "id_zero", "id_text"],
)
def test_budget_errors(client, method, path, body, status, detail):
    response = client.request(method, path, json=body)
    assert response.status_code == status
    assert response.json() == {"detail": detail}


BAD_AMOUNTS = [
    ("zero", 0, "Invalid field 'amount': input should be greater than 0."),
    ("negative", -5, "Invalid field 'amount': input should be greater than 0."),
    ("three_decimals", 1.005, "Invalid field 'amount': must have at most 2 decimal places, got 1.005."),
    ("too_big", 1e13, "Invalid field 'amount': input should be less than or equal to 1000000000000."),
    ("string", "300", "Invalid field 'amount': input should be a valid number."),
    ("null", None, "Invalid field 'amount': input should be a valid number."),
    ("bool", True, "Invalid field 'amount': input should be a valid number."),
]


@pytest.mark.parametrize("target", ["1", "overall"])
@pytest.mark.parametrize("case, amount, detail", BAD_AMOUNTS, ids=[b[0] for b in BAD_AMOUNTS])
def test_budget_amount_validated_like_expenses(client, target, case, amount, detail):
    response = client.put(f"/budgets/{target}", json={"amount": amount})
    assert response.status_code == 422
    assert response.json() == {"detail": detail}
    assert client.get("/budgets").json() == {"overall": None, "categories": []}


@pytest.mark.parametrize(
    "body, detail",
    [
        ({}, "The field 'amount' is required."),
        ({"amount": 1, "month": "2025-01"}, "The field 'month' is not allowed: unknown field."),
        ([1], "The request body must be a JSON object (input should be a valid dictionary or object to extract fields from)."),
    ],
    ids=["missing", "extra_field", "not_an_object"],
)
def test_budget_body_errors(client, body, detail):
    response = client.put("/budgets/1", json=body)
    assert response.status_code == 422
    assert response.json() == {"detail": detail}


def test_budget_nan_and_infinity_refused(client):
    for raw in ("NaN", "Infinity", "-Infinity"):
        response = client.put("/budgets/1", content=f'{{"amount": {raw}}}', headers={"Content-Type": "application/json"})
        assert response.status_code == 422, raw
        assert list(response.json()) == ["detail"]


def test_summary_without_budgets_is_unchanged(client, add):
    add(amount=2, date="2025-03-01")
    assert client.get("/summary?month=2025-03").json() == {
        "month": "2025-03", "total": 2.0, "count": 1,
        "by_category": [{"category_name": "Food", "total": 2.0, "count": 1}],
    }


def test_summary_reports_budgets_exactly(client, add):
    add(amount=0.1, category_id=1, date="2025-03-01")
    add(amount=0.2, category_id=1, date="2025-03-31")
    add(amount=120, category_id=2, date="2025-03-15")
    add(amount=999, category_id=2, date="2025-04-01")
    client.put("/budgets/1", json={"amount": 0.3})
    client.put("/budgets/2", json={"amount": 100})
    client.put("/budgets/3", json={"amount": 50})
    client.put("/budgets/overall", json={"amount": 200})
    assert client.get("/summary?month=2025-03").json() == {
        "month": "2025-03",
        "total": 120.3,
        "count": 3,
        "by_category": [
            {"category_name": "Transport", "total": 120.0, "count": 1},
            {"category_name": "Food", "total": 0.3, "count": 2},
        ],
        "budgets": [
            {"category_id": 1, "category_name": "Food", "limit": 0.3, "spent": 0.3, "remaining": 0.0, "percent": 100.0},
            {"category_id": 2, "category_name": "Transport", "limit": 100.0, "spent": 120.0, "remaining": -20.0, "percent": 120.0},
            # A budget with no spending in the month still appears.
            {"category_id": 3, "category_name": "Utilities", "limit": 50.0, "spent": 0.0, "remaining": 50.0, "percent": 0.0},
        ],
        "overall_budget": {"limit": 200.0, "spent": 120.3, "remaining": 79.7, "percent": 60.2},
    }


@pytest.mark.parametrize(
    "budgets, keys",
    [
        ({"overall": 10}, {"overall_budget"}),
        ({"1": 10}, {"budgets"}),
        ({"1": 10, "overall": 10}, {"budgets", "overall_budget"}),
    ],
    ids=["overall_only", "category_only", "both"],
)
def test_summary_budget_fields_present_only_when_set(client, budgets, keys):
    for target, amount in budgets.items():
        client.put(f"/budgets/{target}", json={"amount": amount})
    summary = client.get("/summary?month=2025-01").json()
    assert set(summary) == {"month", "total", "count", "by_category"} | keys


def test_summary_budget_over_with_many_cents(client, add):
    for _ in range(3):
        add(amount=33.33, category_id=3, date="2025-05-05")
    client.put("/budgets/3", json={"amount": 99.98})
    status = client.get("/summary?month=2025-05").json()["budgets"][0]
    assert status == {"category_id": 3, "category_name": "Utilities", "limit": 99.98, "spent": 99.99,
                      "remaining": -0.01, "percent": 100.0}


def test_budget_library_functions(client, db_path):
    conn = connect(db_path)
    try:
        assert set_budget(conn, 1, BudgetSet(amount=12.5)) == {"category_id": 1, "category_name": "Food", "amount": 12.5}
        assert set_budget(conn, None, BudgetSet(amount=40)) == {"amount": 40.0}
        assert list_budgets(conn)["overall"] == 40.0
        assert month_summary(conn, "2025-01")["budgets"][0]["remaining"] == 12.5
        delete_budget(conn, None)
        delete_budget(conn, 1)
        assert list_budgets(conn) == {"overall": None, "categories": []}
        with pytest.raises(NotFound):
            delete_budget(conn, 1)
    finally:
        conn.close()


def test_deleting_a_category_with_a_budget_takes_the_budget(client, add):
    new_id = client.post("/categories", json={"name": "Gifts"}).json()["id"]
    client.put(f"/budgets/{new_id}", json={"amount": 80})
    assert client.delete(f"/categories/{new_id}").status_code == 204
    assert client.get("/budgets").json()["categories"] == []
    assert "budgets" not in client.get("/summary?month=2025-01").json()
    # A new category never inherits an old budget.
    again = client.post("/categories", json={"name": "Gifts"}).json()["id"]
    assert client.get("/budgets").json()["categories"] == []
    assert client.put(f"/budgets/{again}", json={"amount": 5}).status_code == 200


def test_category_with_a_budget_and_expenses_is_still_refused(client, add):
    add(category_id=2)
    client.put("/budgets/2", json={"amount": 80})
    assert client.delete("/categories/2").json() == {"detail": "Cannot delete category with existing expenses"}
    assert client.get("/budgets").json()["categories"][0]["category_id"] == 2


@pytest.mark.skipif(SQLITE_CLI is None, reason="the sqlite3 command-line tool is not installed")
def test_category_deleted_by_another_program_takes_its_budget(client, db_path):
    """The sqlite3 tool runs with foreign keys off: a trigger removes the budget anyway."""
    client.put("/budgets/3", json={"amount": 80})
    subprocess.run([SQLITE_CLI, str(db_path), "delete from categories where id = 3;"], check=True, timeout=30)
    assert client.get("/budgets").json()["categories"] == []
    conn = sqlite3.connect(db_path)
    assert conn.execute("select count(*) from budgets").fetchone()[0] == 0
    conn.close()


@pytest.mark.parametrize("stored", ["abc", "0", "-5", ""], ids=["text", "zero", "negative", "empty"])
def test_overall_budget_damaged_by_another_program_counts_as_none(client, db_path, stored):
    conn = sqlite3.connect(db_path)
    with conn:
        conn.execute("insert into settings (key, value) values ('overall_budget_cents', ?)", (stored,))
    conn.close()
    assert client.get("/budgets").json()["overall"] is None
    assert "overall_budget" not in client.get("/summary?month=2025-01").json()
    assert client.put("/budgets/overall", json={"amount": 5}).json() == {"amount": 5.0}
    assert client.get("/summary?month=2025-01").json()["overall_budget"]["limit"] == 5.0
