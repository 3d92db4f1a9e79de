"""Categories and the monthly summary."""

import pytest


def test_categories_seeded_and_ordered_by_name(client):
    names = [c["name"] for c in client.get("/categories").json()]
    assert names == ["Food", "Transport", "Utilities"]


def test_create_category_returns_201_and_lists_it_in_order(client):
    response = client.post("/categories", json={"name": "books", "color": "#2A9D8F"})
    assert response.status_code == 201
    body = response.json()
    assert (body["name"], body["color"]) == ("books", "#2A9D8F")
    assert set(body) == {"id", "name", "color", "created_at"}
    names = [c["name"] for c in client.get("/categories").json()]
    assert names == ["books", "Food", "Transport", "Utilities"]


def test_create_category_default_color(client):
    assert client.post("/categories", json={"name": "Gifts"}).json()["color"] == "#6c757d"


def test_create_category_unicode_and_sql_verbatim(client):
    name = "Café'; drop table categories;-- 🎁"
    assert client.post("/categories", json={"name": name}).status_code == 201
    assert name in [c["name"] for c in client.get("/categories").json()]


def test_delete_category_unused_is_204_then_404(client):
    new_id = client.post("/categories", json={"name": "Temp"}).json()["id"]
    assert client.delete(f"/categories/{new_id}").status_code == 204
    assert "Temp" not in [c["name"] for c in client.get("/categories").json()]
    response = client.delete(f"/categories/{new_id}")
    assert response.status_code == 404
    assert response.json() == {"detail": f"Category {new_id} not found."}


def test_delete_category_with_expenses_is_400(client, add):
    add(category_id=2)
    response = client.delete("/categories/2")
    assert response.status_code == 400
    assert response.json() == {"detail": "Cannot delete category with existing expenses"}
    assert "Transport" in [c["name"] for c in client.get("/categories").json()]


def test_delete_category_after_its_expenses_are_gone(client, add):
    created = add(category_id=2)
    client.delete(f"/expenses/{created['id']}")
    assert client.delete("/categories/2").status_code == 204


def test_summary_empty_month(client):
    assert client.get("/summary?month=2025-03").json() == {
        "month": "2025-03", "total": 0.0, "count": 0, "by_category": []
    }


def test_summary_groups_by_category_without_float_noise(client, add):
    add(amount=0.1, category_id=1, date="2025-03-01")
    add(amount=0.2, category_id=1, date="2025-03-31")
    add(amount=0.7, category_id=2, date="2025-03-15")
    add(amount=100, category_id=2, date="2025-02-28")
    add(amount=100, category_id=2, date="2025-04-01")
    assert client.get("/summary?month=2025-03").json() == {
        "month": "2025-03",
        "total": 1.0,
        "count": 3,
        "by_category": [
            {"category_name": "Transport", "total": 0.7, "count": 1},
            {"category_name": "Food", "total": 0.3, "count": 2},
        ],
    }


@pytest.mark.parametrize(
    "change, march_total, april_total",
    [
        ({"amount": 5}, 5.0, 0.0),
        ({"date": "2025-04-02"}, 0.0, 0.1),
        ({"category_id": 3}, 0.1, 0.0),
    ],
    ids=["amount", "month", "category"],
)
def test_summary_follows_updates(client, add, change, march_total, april_total):
    created = add(amount=0.1, date="2025-03-05")
    client.put(f"/expenses/{created['id']}", json=change)
    assert client.get("/summary?month=2025-03").json()["total"] == march_total
    assert client.get("/summary?month=2025-04").json()["total"] == april_total


def test_summary_follows_deletes(client, add):
    keep = add(amount=0.3, date="2025-03-05")
    gone = add(amount=0.4, date="2025-03-06", category_id=2)
    client.delete(f"/expenses/{gone['id']}")
    summary = client.get("/summary?month=2025-03").json()
    assert summary["total"] == keep["amount"]
    assert [c["category_name"] for c in summary["by_category"]] == ["Food"]


def test_summary_of_huge_amounts_does_not_overflow(client, add):
    for _ in range(3):
        add(amount=1e12, date="2025-05-05")
    summary = client.get("/summary?month=2025-05").json()
    assert summary["total"] == 3e12
    assert summary["count"] == 3


def test_summary_total_past_int64_cents_is_still_a_number(client, db_path, add):
    import sqlite3

    with sqlite3.connect(db_path) as conn:
        conn.executemany(
            "insert into expenses (amount, description, category_id, date) values (1e17, 'old build', 1, '2025-06-01')",
            [()] * 2,
        )
    response = client.get("/summary?month=2025-06")
    assert response.status_code == 200
    assert response.json()["total"] > 1e17
