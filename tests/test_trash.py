"""Deleting an expense sends it to the trash; it comes back with the same id."""

import sqlite3

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from conftest import BASE_URL


def test_delete_keeps_seed_behaviour_and_fills_trash(client, add):
    kept = add(description="Bread", amount=3)
    gone = add(description="Cinema", amount=12.5, date="2025-03-20")
    assert client.delete(f"/expenses/{gone['id']}").status_code == 204
    assert client.get(f"/expenses/{gone['id']}").status_code == 404
    assert [e["id"] for e in client.get("/expenses").json()] == [kept["id"]]
    assert client.get("/summary", params={"month": "2025-03"}).json()["total"] == 3.0
    assert "Cinema" not in client.get("/expenses/export").text
    trash = client.get("/trash").json()
    assert [(t["id"], t["description"], t["amount"], t["days_left"]) for t in trash] == [
        (gone["id"], "Cinema", 12.5, 30)
    ]
    assert client.get("/trash/count").json() == {"count": 1}


def test_restore_brings_back_same_id_and_totals(client, add):
    gone = add(description="Cinema", amount=12.5)
    client.delete(f"/expenses/{gone['id']}")
    response = client.post(f"/trash/{gone['id']}/restore")
    assert response.status_code == 200
    assert response.json() == gone
    assert client.get(f"/expenses/{gone['id']}").json() == gone
    assert client.get("/summary", params={"month": "2025-03"}).json()["total"] == 12.5
    assert client.get("/trash").json() == []


def test_restore_twice_is_404(client, add):
    gone = add()
    client.delete(f"/expenses/{gone['id']}")
    client.post(f"/trash/{gone['id']}/restore")
    response = client.post(f"/trash/{gone['id']}/restore")
    assert response.status_code == 404
    assert response.json() == {"detail": f"Expense {gone['id']} is not in the trash."}


def test_category_with_only_trashed_expenses_can_be_deleted_and_comes_back(client):
    category = client.post("/categories", json={"name": "Hobby", "color": "#123456"}).json()
    gone = client.post("/expenses", json={
        "amount": 40, "description": "Paint", "category_id": category["id"], "date": "2025-03-01"}).json()
    client.delete(f"/expenses/{gone['id']}")
    assert client.delete(f"/categories/{category['id']}").status_code == 204
    restored = client.post(f"/trash/{gone['id']}/restore").json()
    assert restored["category_name"] == "Hobby"
    assert restored["id"] == gone["id"]
    again = [c for c in client.get("/categories").json() if c["name"] == "Hobby"]
    assert [c["color"] for c in again] == ["#123456"]


def test_trash_survives_restart(db_path, add, client):
    gone = add(description="Kept in trash")
    client.delete(f"/expenses/{gone['id']}")
    with TestClient(create_app(db_path), base_url=BASE_URL) as restarted:
        assert [t["id"] for t in restarted.get("/trash").json()] == [gone["id"]]
        assert restarted.post(f"/trash/{gone['id']}/restore").json()["description"] == "Kept in trash"


def test_trash_older_than_30_days_is_emptied_at_start(db_path, add, client):
    old, recent = add(description="Old"), add(description="Recent")
    client.delete(f"/expenses/{old['id']}")
    client.delete(f"/expenses/{recent['id']}")
    with sqlite3.connect(db_path) as conn:
        conn.execute("update deleted_expenses set deleted_at = datetime('now', '-31 days') where id = ?", (old["id"],))
    assert [t["id"] for t in client.get("/trash").json()] == [recent["id"]]
    assert client.post(f"/trash/{old['id']}/restore").status_code == 404
    with TestClient(create_app(db_path), base_url=BASE_URL):
        pass
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("select id from deleted_expenses").fetchall() == [(recent["id"],)]


def test_delete_forever_and_empty(client, add):
    first, second = add(), add()
    client.delete(f"/expenses/{first['id']}")
    client.delete(f"/expenses/{second['id']}")
    assert client.delete(f"/trash/{first['id']}").status_code == 204
    assert [t["id"] for t in client.get("/trash").json()] == [second["id"]]
    assert client.delete("/trash").status_code == 204
    assert client.get("/trash").json() == []
    assert client.delete(f"/trash/{first['id']}").status_code == 404


@pytest.mark.parametrize("path", ["/trash/0/restore", "/trash/abc/restore", f"/trash/{2**63}/restore"])
def test_restore_bad_id_is_422(client, path):
    response = client.post(path)
    assert response.status_code == 422
    assert set(response.json()) == {"detail"}


def test_trash_paging(client, add):
    ids = [add(description=f"n{i}")["id"] for i in range(5)]
    for expense_id in ids:
        client.delete(f"/expenses/{expense_id}")
    first = client.get("/trash", params={"limit": 2}).json()
    rest = client.get("/trash", params={"limit": 10, "offset": 2}).json()
    assert sorted(t["id"] for t in first + rest) == ids
