"""Rules through the API: made, listed in order, changed, moved, deleted with their category, offered."""

import pytest


@pytest.fixture
def groceries(client):
    return client.post("/categories", json={"name": "Groceries"}).json()["id"]


def test_rules_made_listed_in_order_and_moved(client, groceries):
    first = client.post("/rules", json={"pattern": "REWE", "category_id": groceries}).json()
    second = client.post("/rules", json={"kind": "matches", "pattern": r"^miete\b", "category_id": 3,
                                         "amount_min": 500}).json()
    assert [(r["id"], r["position"], r["category_name"]) for r in client.get("/rules").json()] == [
        (first["id"], 1, "Groceries"), (second["id"], 2, "Utilities")]
    moved = client.put(f"/rules/{second['id']}", json={"position": 1})
    assert moved.status_code == 200, moved.text
    assert [r["id"] for r in client.get("/rules").json()] == [second["id"], first["id"]]


def test_rule_update_null_clears_a_bound_and_absent_keeps_it(client, groceries):
    rule = client.post("/rules", json={"pattern": "Shell", "category_id": groceries, "amount_min": 5,
                                       "amount_max": 200, "description": "Fuel"}).json()
    changed = client.put(f"/rules/{rule['id']}", json={"amount_max": None, "pattern": "SHELL"}).json()
    assert (changed["pattern"], changed["amount_min"], changed["amount_max"], changed["description"]) == (
        "SHELL", 5, None, "Fuel")


@pytest.mark.parametrize(
    "body, status, words",
    [
        ({"pattern": "(unclosed", "kind": "matches", "category_id": 1}, 422, "not a regular expression"),
        ({"pattern": "x", "category_id": 1, "amount_min": 10, "amount_max": 5}, 422, "more than the largest"),
        ({"pattern": "x", "category_id": 99}, 400, "Unknown category_id 99"),
        ({"pattern": "", "category_id": 1}, 422, "pattern"),
        ({"pattern": "x", "category_id": 1, "kind": "like"}, 422, "kind"),
        ({"pattern": "x", "category_id": 1, "amount_min": "5"}, 422, "amount_min"),
    ],
)
def test_rule_refusals_say_why(client, body, status, words):
    response = client.post("/rules", json=body)
    assert response.status_code == status, response.text
    assert words in response.json()["detail"]
    assert client.get("/rules").json() == []


def test_rule_goes_with_its_category(client):
    category = client.post("/categories", json={"name": "Coffee"}).json()["id"]
    client.post("/rules", json={"pattern": "Costa", "category_id": category})
    assert client.delete(f"/categories/{category}").status_code == 204
    assert client.get("/rules").json() == []


def test_rule_missing_is_404(client):
    assert client.put("/rules/7", json={"pattern": "x"}).status_code == 404
    assert client.delete("/rules/7").status_code == 404


def test_rule_suggestion_names_the_merchant_and_what_it_would_take(client, add, groceries):
    add(description="REWE SAGT DANKE 12345678 // BERLIN")
    moved = add(description="REWE Markt GmbH Hamburg 4711", category_id=groceries)
    add(description="Bus")
    suggestion = client.get(f"/rules/suggestion?expense_id={moved['id']}")
    assert suggestion.json() == {"kind": "contains", "pattern": "REWE", "category_id": groceries,
                                 "matching": 2, "elsewhere": 1}
