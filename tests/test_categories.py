"""Renaming and recolouring a category: the API and the library rule behind the CLI."""

import pytest

from tracker.categories import check_category_name, check_color
from tracker.db import connect, init_database
from tracker.models import CategoryCreate


def test_rename_category_returns_the_new_row(client):
    response = client.put("/categories/1", json={"name": "Groceries"})
    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["name"], body["color"]) == (1, "Groceries", "#e67e22")
    assert [c["name"] for c in client.get("/categories").json()] == ["Groceries", "Transport", "Utilities"]


def test_recolour_category_keeps_its_name(client):
    body = client.put("/categories/2", json={"color": "#2A9D8F"}).json()
    assert (body["name"], body["color"]) == ("Transport", "#2A9D8F")


@pytest.mark.parametrize("body", [{}, {"name": None, "color": None}])
def test_update_category_nothing_given_leaves_it(client, body):
    response = client.put("/categories/1", json=body)
    assert response.status_code == 200
    assert (response.json()["name"], response.json()["color"]) == ("Food", "#e67e22")


def test_rename_category_shows_in_expenses_and_summary(client, add):
    add(category_id=1, amount=8.5, date="2025-03-14")
    client.put("/categories/1", json={"name": "Groceries", "color": "#112233"})
    [row] = client.get("/expenses").json()
    assert row["category_name"] == "Groceries"
    [group] = client.get("/summary?month=2025-03").json()["by_category"]
    assert group["category_name"] == "Groceries"


def test_rename_category_to_its_own_name_in_other_case(client):
    assert client.put("/categories/1", json={"name": "FOOD"}).json()["name"] == "FOOD"


def test_rename_category_to_a_taken_name_is_409(client):
    response = client.put("/categories/1", json={"name": "transport"})
    assert response.status_code == 409
    assert response.json() == {"detail": "Category already exists"}
    assert client.get("/categories").json()[0]["name"] == "Food"


def test_update_category_missing_is_404(client):
    response = client.put("/categories/999", json={"name": "Books"})
    assert response.status_code == 404
    assert response.json() == {"detail": "Category 999 not found."}


@pytest.mark.parametrize(("body", "detail"), [
    ({"name": "  "}, "Invalid field 'name': must not be empty."),
    ({"name": "x" * 51}, "Invalid field 'name': value should have at most 50 items after validation, not 51."),
    ({"color": "red"}, "Invalid field 'color': string should match pattern '^#[0-9a-fA-F]{6}$'."),
    ({"name": "a", "icon": "x"}, "The field 'icon' is not allowed: unknown field."),
])
def test_update_category_invalid_is_422_in_words(client, body, detail):
    response = client.put("/categories/1", json=body)
    assert response.status_code == 422
    assert response.json() == {"detail": detail}


@pytest.mark.parametrize("value", ["Books", "  Books  ", "", "  ", "x" * 50, "x" * 51, "a\x00b", "\ud800", "Café 🎁"])
def test_check_category_name_matches_the_model(value):
    try:
        expected = CategoryCreate(name=value).name
    except ValueError as exc:
        expected = str(exc.errors()[0]["msg"]).removeprefix("Value error, ")
        expected = expected[0].lower() + expected[1:]
    try:
        got = check_category_name(value)
    except ValueError as exc:
        got = str(exc)
    assert got == expected


@pytest.mark.parametrize("value", ["#2a9d8f", "#2A9D8F", "red", "#12345", "#1234567", "#12345g", "#123456\n"])
def test_check_color_matches_the_model(value):
    try:
        expected = CategoryCreate(name="a", color=value).color
    except ValueError as exc:
        expected = str(exc.errors()[0]["msg"])
        expected = expected[0].lower() + expected[1:]
    try:
        got = check_color(value)
    except ValueError as exc:
        got = str(exc)
    assert got == expected


def test_update_category_library_refuses_in_the_models_words(db_path):
    from tracker.categories import update_category
    from tracker.errors import InvalidInput

    init_database(db_path)
    conn = connect(db_path)
    try:
        with pytest.raises(InvalidInput, match=r"^Invalid field 'color': string should match pattern"):
            update_category(conn, 1, color="blue")
    finally:
        conn.close()
