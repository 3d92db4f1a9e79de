"""Many expenses at once through the API: a category, the trash and back, tidying; one undo each."""

import sqlite3

import pytest


@pytest.fixture
def groceries(client):
    return client.post("/categories", json={"name": "Groceries"}).json()["id"]


def rows(client, **params):
    return client.get("/expenses", params={"limit": 100, **params}).json()


def test_bulk_category_by_ids_then_undo(client, add, groceries):
    kept = add(description="Rent", category_id=3)
    moved = [add(description=f"REWE {n}")["id"] for n in range(3)]
    result = client.post("/expenses/bulk", json={"action": "category", "ids": moved, "category_id": groceries})
    assert result.status_code == 200, result.text
    assert result.json() == {"edit_id": 1, "action": "category", "rows": 3,
                             "summary": "3 expenses moved to Groceries", "dry_run": False,
                             "skipped_split": 0, "note": None}
    assert {e["id"]: e["category_name"] for e in rows(client)} == {
        kept["id"]: "Utilities", **dict.fromkeys(moved, "Groceries")}
    assert client.get("/summary?month=2025-03").json()["by_category"][0]["category_name"] == "Groceries"
    undo = client.post("/edits/1/undo")
    assert undo.status_code == 200 and undo.json()["rows"] == 3
    assert {e["category_name"] for e in rows(client) if e["id"] in moved} == {"Food"}
    assert client.post("/edits/1/undo").status_code == 409


def test_bulk_category_by_search_filter_dry_run_changes_nothing(client, add, groceries):
    for description in ["REWE SAGT DANKE 1", "rewe markt", "Café Müller", "Rewe Berlin"]:
        add(description=description)
    dry = client.post("/expenses/bulk", json={
        "action": "category", "filter": {"q": "rewe"}, "category_id": groceries, "dry_run": True})
    assert dry.json()["rows"] == 3 and dry.json()["edit_id"] is None
    assert {e["category_name"] for e in rows(client)} == {"Food"}
    done = client.post("/expenses/bulk", json={"action": "category", "filter": {"q": "rewe"}, "category_id": groceries})
    assert done.json()["rows"] == 3
    assert sorted(e["description"] for e in rows(client, category_id=groceries)) == [
        "REWE SAGT DANKE 1", "Rewe Berlin", "rewe markt"]


def test_bulk_delete_all_matching_then_undo_restores_ids(client, add):
    ids = [add(date=f"2025-03-{day:02d}")["id"] for day in range(1, 6)]
    add(date="2025-04-01")
    result = client.post("/expenses/bulk", json={
        "action": "delete", "filter": {"date_from": "2025-03-01", "date_to": "2025-03-31"}})
    assert result.json()["rows"] == 5
    assert len(rows(client)) == 1 and client.get("/trash/count").json()["count"] == 5
    assert client.post(f"/edits/{result.json()['edit_id']}/undo").json()["rows"] == 5
    assert sorted(e["id"] for e in rows(client)) == sorted([*ids, ids[-1] + 1])
    assert client.get("/summary?month=2025-03").json()["count"] == 5


def test_bulk_restore_from_trash_by_ids(client, add):
    ids = [add()["id"] for _ in range(3)]
    for expense_id in ids:
        client.delete(f"/expenses/{expense_id}")
    result = client.post("/expenses/bulk", json={"action": "restore", "ids": ids[:2]})
    assert result.json()["rows"] == 2
    assert sorted(e["id"] for e in rows(client)) == ids[:2]
    client.post(f"/edits/{result.json()['edit_id']}/undo")
    assert rows(client) == []


@pytest.mark.parametrize(
    "body, status, words",
    [
        ({"action": "category", "category_id": 1}, 422, "either ids or filter"),
        ({"action": "category", "ids": [1], "filter": {}, "category_id": 1}, 422, "either ids or filter"),
        ({"action": "category", "ids": [1]}, 422, "needs category_id"),
        ({"action": "category", "ids": [999], "category_id": 1}, 404, "No expense 999"),
        ({"action": "category", "ids": [1], "category_id": 99}, 400, "Unknown category_id 99"),
        ({"action": "restore", "filter": {}}, 422, "Restore takes ids"),
        ({"action": "paint", "ids": [1]}, 422, "action"),
        ({"action": "delete", "filter": {"date_from": "2025-03-10", "date_to": "2025-03-01"}}, 422, "is after the To date"),
    ],
)
def test_bulk_edit_refusals_say_why_and_change_nothing(client, add, body, status, words):
    add()
    response = client.post("/expenses/bulk", json=body)
    assert response.status_code == status, response.text
    assert words in response.json()["detail"]
    assert [e["category_name"] for e in rows(client)] == ["Food"]
    assert client.get("/edits").json() == []


def test_bulk_edit_from_a_foreign_page_is_refused(client, add):
    add()
    response = client.post("/expenses/bulk", json={"action": "delete", "filter": {}},
                           headers={"Origin": "https://evil.example"})
    assert response.status_code == 403
    assert len(rows(client)) == 1


def test_tidy_preview_then_apply_then_undo(client, add, groceries):
    rule = client.post("/rules", json={"pattern": "rewe", "category_id": groceries, "description": "REWE"})
    assert rule.status_code == 201, rule.text
    first = add(description="REWE SAGT DANKE 1234 // BERLIN")
    add(description="Bus ticket", category_id=2)
    preview = client.post("/expenses/tidy/preview", json={"filter": {}})
    assert preview.status_code == 200, preview.text
    body = preview.json()
    assert body["examined"] == 2 and body["changes"] == 1
    (row,) = body["rows"]
    assert row["id"] == first["id"] and row["category_name"] == "Food" and row["new_category_name"] == "Groceries"
    assert row["new_description"] == "REWE" and row["source"] == "rule" and "contains rewe" in row["reason"]
    assert client.get(f"/expenses/{first['id']}").json()["category_name"] == "Food"  # a preview changes nothing
    applied = client.post("/expenses/tidy", json={"changes": [
        {"id": row["id"], "category_id": row["new_category_id"], "description": row["new_description"]}]})
    assert applied.json()["rows"] == 1
    assert client.get(f"/expenses/{first['id']}").json()["description"] == "REWE"
    client.post(f"/edits/{applied.json()['edit_id']}/undo")
    after = client.get(f"/expenses/{first['id']}").json()
    assert (after["description"], after["category_name"]) == ("REWE SAGT DANKE 1234 // BERLIN", "Food")


def test_tidy_learns_from_corrections_made_by_another_program(client, add, db_path, groceries):
    ids = [add(description=f"EDEKA {n}{n}{n} HAMBURG")["id"] for n in range(4)]
    with sqlite3.connect(db_path) as conn:  # the person fixed three of them in another program
        conn.execute(f"update expenses set category_id = ? where id in ({ids[0]}, {ids[1]}, {ids[2]})", (groceries,))
    preview = client.post("/expenses/tidy/preview", json={"ids": ids}).json()
    assert [(r["id"], r["new_category_name"], r["source"]) for r in preview["rows"]] == [(ids[3], "Groceries", "learned")]
    assert preview["rows"][0]["reason"] == "like 3 earlier expenses with EDEKA"


@pytest.fixture
def split_receipt(client, add, groceries):
    """A REWE receipt split between Food and Household, and a whole REWE expense in Food."""
    household = client.post("/categories", json={"name": "Household"}).json()["id"]
    receipt = add(amount=54.5, description="REWE SAGT DANKE 1")
    parts = [{"category_id": 1, "amount": 30, "note": None}, {"category_id": household, "amount": 24.5, "note": None}]
    assert client.put(f"/expenses/{receipt['id']}/parts", json=parts).status_code == 200
    whole = add(amount=10, description="REWE SAGT DANKE 2")
    return receipt["id"], whole["id"]


def parts_of(client, expense_id):
    expense = client.get(f"/expenses/{expense_id}").json()
    return expense["category_name"], [(p["category_name"], p["amount"]) for p in expense["parts"]]


SPLIT_KEPT = ("1 split expense was left as it is: a split expense's category is its parts', "
              "so change its parts instead.")


@pytest.mark.parametrize("dry_run", [True, False], ids=["dry-run", "done"])
def test_bulk_category_split_expense_skipped_and_said(client, split_receipt, groceries, dry_run):
    receipt, whole = split_receipt
    before = client.get("/summary?month=2025-03").json()["by_category"]
    result = client.post("/expenses/bulk", json={"action": "category", "filter": {"q": "rewe"},
                                                 "category_id": groceries, "dry_run": dry_run})
    assert result.status_code == 200, result.text
    body = result.json()
    assert (body["rows"], body["summary"], body["skipped_split"], body["note"]) == (
        1, "1 expense moved to Groceries", 1, SPLIT_KEPT)
    assert parts_of(client, receipt) == ("Food", [("Food", 30), ("Household", 24.5)])
    assert client.get(f"/expenses/{whole}").json()["category_name"] == ("Food" if dry_run else "Groceries")
    if dry_run:
        assert client.get("/summary?month=2025-03").json()["by_category"] == before


def test_tidy_split_expense_keeps_its_parts_and_category(client, split_receipt, groceries):
    receipt, whole = split_receipt
    client.post("/rules", json={"pattern": "rewe", "category_id": groceries})
    preview = client.post("/expenses/tidy/preview", json={"filter": {}}).json()
    assert [row["id"] for row in preview["rows"]] == [whole]
    assert (preview["skipped_split"], preview["note"]) == (1, SPLIT_KEPT)
    # A client that sends the split expense's move anyway: it is left as it is, and said.
    applied = client.post("/expenses/tidy", json={"changes": [
        {"id": receipt, "category_id": groceries}, {"id": whole, "category_id": groceries}]})
    assert applied.status_code == 200, applied.text
    assert (applied.json()["rows"], applied.json()["skipped_split"], applied.json()["note"]) == (1, 1, SPLIT_KEPT)
    assert parts_of(client, receipt) == ("Food", [("Food", 30), ("Household", 24.5)])
    assert client.get(f"/expenses/{whole}").json()["category_name"] == "Groceries"
    by_category = {c["category_name"]: c["total"] for c in client.get("/summary?month=2025-03").json()["by_category"]}
    assert by_category == {"Food": 30, "Household": 24.5, "Groceries": 10}


def test_bulk_category_undo_leaves_expense_split_since(client, add, groceries):
    household = client.post("/categories", json={"name": "Household"}).json()["id"]
    receipt = add(amount=54.5, description="REWE SAGT DANKE 1")
    edit = client.post("/expenses/bulk", json={"action": "category", "ids": [receipt["id"]], "category_id": groceries})
    assert edit.json()["rows"] == 1
    client.put(f"/expenses/{receipt['id']}/parts", json=[
        {"category_id": household, "amount": 30}, {"category_id": groceries, "amount": 24.5}])
    assert client.post(f"/edits/{edit.json()['edit_id']}/undo").status_code == 200
    assert parts_of(client, receipt["id"]) == ("Household", [("Household", 30), ("Groceries", 24.5)])
    by_category = {c["category_name"]: c["total"] for c in client.get("/summary?month=2025-03").json()["by_category"]}
    assert by_category == {"Household": 30, "Groceries": 24.5}
