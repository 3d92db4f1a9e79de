"""CSV export: exact text, filters, formula neutralisation and round-trips."""

import csv
import io

import pytest

from conftest import SaveDialog


def test_export_exact_csv_and_headers(client, add):
    add(amount=12.5, description="Lunch", category_id=1, date="2025-03-14")
    add(amount=0.1, description='Taxi, "night" ride', category_id=2, date="2025-03-15")
    add(amount=3, description="line one\nline two", category_id=3, date="2025-03-13")
    response = client.get("/expenses/export")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == 'attachment; filename="expenses.csv"'
    assert response.text == (
        "id,amount,description,category,date\r\n"
        '2,0.10,"Taxi, ""night"" ride",Transport,2025-03-15\r\n'
        "1,12.50,Lunch,Food,2025-03-14\r\n"
        '3,3.00,"line one\nline two",Utilities,2025-03-13\r\n'
    )


def test_export_empty_is_header_only(client):
    assert client.get("/expenses/export").text == "id,amount,description,category,date\r\n"


@pytest.mark.parametrize(
    "query, ids",
    [
        ("date_from=2025-03-14", [2, 1]),
        ("date_to=2025-03-14", [1, 3]),
        ("date_from=2025-03-14&date_to=2025-03-14", [1]),
        ("category_id=2", [2]),
        ("category_id=3&date_from=2025-03-14", []),
    ],
)
def test_export_filters(client, add, query, ids):
    add(category_id=1, date="2025-03-14")
    add(category_id=2, date="2025-03-15")
    add(category_id=3, date="2025-03-13")
    rows = list(csv.reader(io.StringIO(client.get(f"/expenses/export?{query}").text)))
    assert [int(r[0]) for r in rows[1:]] == ids


@pytest.mark.parametrize(
    "description, cell",
    [
        ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
        ("+1+2", "'+1+2"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tTab first", "'\tTab first"),
        ("Plain = fine", "Plain = fine"),
        ("a-b", "a-b"),
    ],
    ids=["equals", "plus", "minus", "at", "tab", "inner_equals", "inner_minus"],
)
def test_export_neutralises_formula_cells(client, db_path, description, cell):
    import sqlite3

    # Written straight to the file: the API trims leading whitespace, older data may not.
    with sqlite3.connect(db_path) as conn:
        conn.execute(
            "insert into expenses (amount, description, category_id, date) values (4.2, ?, 1, '2025-01-01')",
            (description,),
        )
    rows = list(csv.reader(io.StringIO(client.get("/expenses/export").text)))
    assert rows[1] == ["1", "4.20", cell, "Food", "2025-01-01"]


def test_export_neutralises_category_names(client):
    category = client.post("/categories", json={"name": "=cmd|' /C calc'!A0"}).json()
    client.post("/expenses", json={"amount": 1, "description": "x", "category_id": category["id"], "date": "2025-01-01"})
    rows = list(csv.reader(io.StringIO(client.get("/expenses/export").text)))
    assert rows[1][3] == "'=cmd|' /C calc'!A0"


@pytest.mark.parametrize(
    "description, cell",
    [
        ("plain", "plain"),
        ("a,b", '"a,b"'),
        ('say "hi"', '"say ""hi"""'),
        ("multi\nline", '"multi\nline"'),
        ("=1,2", "\"'=1,2\""),
        ('-"x"', "\"'-\"\"x\"\"\""),
        ("\r=x", "\"'\r=x\""),
        ("a-b,c", '"a-b,c"'),
    ],
    ids=["plain", "comma", "quotes", "newline", "formula_comma", "formula_quotes", "cr_first", "inner_minus_comma"],
)
def test_export_cells_exact_text(client, db_path, description, cell):
    import sqlite3

    with sqlite3.connect(db_path) as conn:
        conn.execute("update categories set name = 'Food, drink' where id = 1")
        conn.execute(
            "insert into expenses (amount, description, category_id, date) values (4.2, ?, 1, '2025-01-01')",
            (description,),
        )
    text = client.get("/expenses/export").text
    assert text == f'id,amount,description,category,date\r\n1,4.20,{cell},"Food, drink",2025-01-01\r\n'


def test_export_round_trips_commas_quotes_newlines_unicode(client, add):
    texts = ['a,b', 'say "hi"', "multi\nline", "crlf\r\nline", "Café 日本 🍜", "'quoted'", "back\\slash"]
    for text in texts:
        add(description=text)
    rows = list(csv.reader(io.StringIO(client.get("/expenses/export").text, newline="")))
    assert sorted(r[2] for r in rows[1:]) == sorted(texts)


@pytest.fixture
def window_export(db_path, tmp_path):
    from desktop.native import NativeApi

    def save(query):
        native = NativeApi(db_path)
        native._attach(SaveDialog(tmp_path / "saved.csv"))
        return native.save_export(query), tmp_path / "saved.csv"

    return save


WINDOW_QUERIES = [
    ("search", "?q=coffee"),
    ("search_accents_and_case", "?q=CAFE"),
    ("search_and_category", "?q=coffee&category_id=2"),
    ("search_and_dates", "?q=coffee&date_from=2025-03-15&date_to=2025-03-31"),
    ("category", "?category_id=1"),
    ("nothing", ""),
]


@pytest.mark.parametrize("case, query", WINDOW_QUERIES, ids=[c[0] for c in WINDOW_QUERIES])
def test_window_export_writes_what_the_api_exports(client, add, window_export, case, query):
    add(description="Coffee beans", category_id=1, date="2025-03-14")
    add(description="Café au lait", category_id=1, date="2025-03-16")
    add(description="Coffee on the train", category_id=2, date="2025-03-20")
    add(description="Lunch", category_id=1, date="2025-03-21")
    expected = client.get(f"/expenses/export{query}").text
    result, saved = window_export(query)
    assert result == {"path": str(saved), "rows": len(expected.splitlines()) - 1}
    assert saved.read_bytes().decode() == expected


def test_window_export_of_a_search_has_only_its_rows(client, add, window_export):
    for number in range(14):
        add(description=f"Groceries {number}")
    add(description="Coffee beans")
    add(description="coffee filter")
    result, saved = window_export("?q=coffee")
    assert result["rows"] == 2
    assert [row[2] for row in csv.reader(io.StringIO(saved.read_text()))][1:] == ["coffee filter", "Coffee beans"]


@pytest.mark.parametrize("query", ["?date_from=2025-02-30", "?category_id=food", "?q=" + "x" * 201,
                                   "?date_from=2025-03-02&date_to=2025-03-01"])
def test_window_export_refuses_what_the_api_refuses_in_the_same_words(client, window_export, query):
    refusal = client.get(f"/expenses/export{query}")
    assert refusal.status_code == 422
    result, saved = window_export(query)
    assert refusal.json()["detail"] in result["error"]
    assert not saved.exists()
