"""Every validation rule: a clear 422 sentence naming the field, and nothing stored."""

import json

import pytest

from conftest import expense

INVALID_EXPENSES = [
    # (case, body or raw JSON text, words the detail must contain)
    ("amount_zero", expense(amount=0), ["amount", "greater than 0"]),
    ("amount_negative", expense(amount=-5), ["amount", "greater than 0"]),
    ("amount_string", expense(amount="12.5"), ["amount", "number"]),
    ("amount_bool", expense(amount=True), ["amount", "number"]),
    ("amount_null", expense(amount=None), ["amount"]),
    ("amount_three_decimals", expense(amount=1.234), ["amount", "2 decimal places"]),
    ("amount_sub_cent", expense(amount=12.345), ["amount", "2 decimal places", "12.345"]),
    ("amount_half_cent_as_float", expense(amount=1.005), ["amount", "2 decimal places"]),
    ("amount_tenth_of_cent_near_max", expense(amount=999_999_999_999.999), ["amount", "2 decimal places"]),
    ("amount_huge", expense(amount=1e13), ["amount", "less than or equal to"]),
    ("amount_2_pow_64", expense(amount=2**64), ["amount", "less than or equal to"]),
    ("amount_nan", '{"amount": NaN, "description": "x", "category_id": 1, "date": "2025-01-01"}', ["amount", "finite"]),
    ("amount_infinity", '{"amount": Infinity, "description": "x", "category_id": 1, "date": "2025-01-01"}', ["amount", "finite"]),
    ("amount_1e309", '{"amount": 1e309, "description": "x", "category_id": 1, "date": "2025-01-01"}', ["amount", "finite"]),
    ("amount_missing", {k: v for k, v in expense().items() if k != "amount"}, ["amount", "required"]),
    ("description_empty", expense(description=""), ["description", "must not be empty"]),
    ("description_blank", expense(description="   "), ["description", "must not be empty"]),
    ("description_too_long", expense(description="x" * 201), ["description", "at most 200"]),
    ("description_number", expense(description=5), ["description", "string"]),
    ("description_nul", expense(description="a\x00b"), ["description", "NUL"]),
    ("description_lone_surrogate", '{"amount": 1, "description": "\\ud800", "category_id": 1, "date": "2025-01-01"}', ["description", "surrogate"]),
    ("category_id_string", expense(category_id="1"), ["category_id", "integer"]),
    ("category_id_float", expense(category_id=1.5), ["category_id", "integer"]),
    ("category_id_zero", expense(category_id=0), ["category_id", "greater than or equal to 1"]),
    ("category_id_2_pow_64", expense(category_id=2**64), ["category_id", "less than or equal to"]),
    ("date_unreal_feb_30", expense(date="2025-02-30"), ["date", "real calendar date", "2025-02-30"]),
    ("date_not_leap", expense(date="2023-02-29"), ["date", "real calendar date"]),
    ("date_month_13", expense(date="2025-13-01"), ["date", "real calendar date"]),
    ("date_year_zero", expense(date="0000-01-01"), ["date", "real calendar date"]),
    ("date_us_format", expense(date="03/14/2025"), ["date", "YYYY-MM-DD", "03/14/2025"]),
    ("date_with_time", expense(date="2025-03-14T10:00:00"), ["date", "YYYY-MM-DD"]),
    ("date_compact", expense(date="20250314"), ["date", "YYYY-MM-DD"]),
    ("date_unicode_digits", expense(date="٢٠٢٥-03-14"), ["date", "YYYY-MM-DD"]),
    ("unknown_field", expense(note="hi"), ["note", "not allowed"]),
    ("body_list", [expense()], ["JSON object"]),
    ("body_not_json", "{amount: 1", ["not valid JSON"]),
    ("body_empty", "", ["JSON object body"]),
]


@pytest.mark.parametrize("case, body, words", INVALID_EXPENSES, ids=[c[0] for c in INVALID_EXPENSES])
def test_create_expense_invalid_is_422_with_sentence(client, case, body, words):
    raw = body if isinstance(body, str) else json.dumps(body)
    response = client.post("/expenses", content=raw, headers={"content-type": "application/json"})
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert isinstance(detail, str) and detail.endswith(".")
    for word in words:
        assert word in detail
    assert client.get("/expenses").json() == []


VALID_EDGES = [
    ("amount_one_cent", {"amount": 0.01}, {"amount": 0.01}),
    ("amount_max", {"amount": 1e12}, {"amount": 1e12}),
    ("amount_integer", {"amount": 7}, {"amount": 7.0}),
    ("description_200", {"description": "é" * 200}, {"description": "é" * 200}),
    ("description_trimmed", {"description": "  Lunch  "}, {"description": "Lunch"}),
    ("date_leap_day", {"date": "2024-02-29"}, {"date": "2024-02-29"}),
    ("date_far_past", {"date": "0001-01-01"}, {"date": "0001-01-01"}),
    ("date_far_future", {"date": "9999-12-31"}, {"date": "9999-12-31"}),
]


@pytest.mark.parametrize("case, fields, expected", VALID_EDGES, ids=[c[0] for c in VALID_EDGES])
def test_create_expense_edge_values_are_stored(client, case, fields, expected):
    response = client.post("/expenses", json=expense(**fields))
    assert response.status_code == 201, response.text
    stored = client.get(f"/expenses/{response.json()['id']}").json()
    for key, value in expected.items():
        assert stored[key] == value


INVALID_UPDATES = [
    ("amount_negative", {"amount": -1}, ["amount", "greater than 0"]),
    ("amount_sub_cent", {"amount": 0.001}, ["amount", "2 decimal places"]),
    ("date_unreal", {"date": "2025-04-31"}, ["date", "real calendar date"]),
    ("description_empty", {"description": ""}, ["description"]),
    ("description_unreal_with_null", {"description": "", "amount": None}, ["description"]),
    ("unknown_field", {"amout": 3}, ["amout", "not allowed"]),
]


@pytest.mark.parametrize("case, body, words", INVALID_UPDATES, ids=[c[0] for c in INVALID_UPDATES])
def test_update_expense_invalid_is_422_and_changes_nothing(client, add, case, body, words):
    created = add()
    response = client.put(f"/expenses/{created['id']}", json=body)
    assert response.status_code == 422
    for word in words:
        assert word in response.json()["detail"]
    assert client.get(f"/expenses/{created['id']}").json() == created


INVALID_QUERIES = [
    ("limit_zero", "/expenses?limit=0", "limit"),
    ("limit_201", "/expenses?limit=201", "limit"),
    ("limit_text", "/expenses?limit=ten", "limit"),
    ("offset_negative", "/expenses?offset=-1", "offset"),
    ("offset_2_pow_64", f"/expenses?offset={2**64}", "offset"),
    ("sort_unknown", "/expenses?sort=description", "sort"),
    ("sort_injection", "/expenses?sort=date;drop table expenses", "sort"),
    ("order_unknown", "/expenses?order=up", "order"),
    ("date_from_unreal", "/expenses?date_from=2025-02-30", "date_from"),
    ("date_to_format", "/expenses?date_to=2025-1-1", "date_to"),
    ("dates_reversed", "/expenses?date_from=2025-02-01&date_to=2025-01-01", "date_from"),
    ("category_zero", "/expenses?category_id=0", "category_id"),
    ("cursor_garbage", "/expenses?cursor=abc", "cursor"),
    ("export_date_unreal", "/expenses/export?date_from=2025-02-30", "date_from"),
    ("export_category_text", "/expenses/export?category_id=food", "category_id"),
    ("summary_missing", "/summary", "month"),
    ("summary_month_13", "/summary?month=2025-13", "month"),
    ("summary_month_00", "/summary?month=2025-00", "month"),
    ("summary_day_given", "/summary?month=2025-01-01", "month"),
    ("summary_year_zero", "/summary?month=0000-01", "month"),
    ("expense_id_text", "/expenses/abc", "expense_id"),
    ("expense_id_zero", "/expenses/0", "expense_id"),
    ("expense_id_2_pow_64", f"/expenses/{2**64}", "expense_id"),
]


@pytest.mark.parametrize("case, url, name", INVALID_QUERIES, ids=[c[0] for c in INVALID_QUERIES])
def test_query_invalid_is_422_naming_parameter(client, case, url, name):
    response = client.get(url)
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert isinstance(detail, str)
    assert name in detail


CATEGORY_CASES = [
    ("name_empty", {"name": ""}, 422, "name"),
    ("name_blank", {"name": "  "}, 422, "name"),
    ("name_51", {"name": "x" * 51}, 422, "name"),
    ("name_number", {"name": 5}, 422, "name"),
    ("color_named", {"name": "A", "color": "red"}, 422, "color"),
    ("color_short", {"name": "A", "color": "#fff"}, 422, "color"),
    ("color_not_hex", {"name": "A", "color": "#gggggg"}, 422, "color"),
    ("duplicate", {"name": "Food"}, 409, "Category already exists"),
    ("duplicate_other_case", {"name": "fOOD"}, 409, "Category already exists"),
]


@pytest.mark.parametrize("case, body, status, words", CATEGORY_CASES, ids=[c[0] for c in CATEGORY_CASES])
def test_create_category_invalid(client, case, body, status, words):
    before = client.get("/categories").json()
    response = client.post("/categories", json=body)
    assert response.status_code == status
    assert words in response.json()["detail"]
    assert client.get("/categories").json() == before
