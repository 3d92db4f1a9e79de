"""A year at a glance: the report by category × month, from the library and the API."""

from datetime import date

import pytest

from tracker.db import connect
from tracker.report import report

FOOD, TRANSPORT, UTILITIES = 1, 2, 3
YEAR = [f"2025-{month:02d}" for month in range(1, 13)]


@pytest.fixture
def year(add):
    """A year of known expenses, and some just outside it."""
    for amount, category, day in [
        (12.5, FOOD, "2025-01-05"), (0.1, FOOD, "2025-01-20"), (0.2, FOOD, "2025-01-21"),
        (40, FOOD, "2025-03-14"), (7.25, FOOD, "2025-12-31"),
        (2.75, TRANSPORT, "2025-03-01"), (100, TRANSPORT, "2025-06-30"),
        (60, UTILITIES, "2024-12-31"), (9, UTILITIES, "2026-01-01"),
    ]:
        add(amount=amount, category_id=category, date=day)


def zeros(**months):
    return [months.get(f"m{month:02d}", 0.0) for month in range(1, 13)]


def test_report_year_by_category_is_exact(client, year):
    response = client.get("/report", params={"from": "2025-01", "to": "2025-12"})
    assert response.status_code == 200
    assert response.json() == {
        "from": "2025-01",
        "to": "2025-12",
        "by": "category",
        "months": YEAR,
        "rows": [
            {"id": TRANSPORT, "name": "Transport", "color": "#3498db", "totals": zeros(m03=2.75, m06=100.0), "total": 102.75},
            {"id": FOOD, "name": "Food", "color": "#e67e22", "totals": zeros(m01=12.8, m03=40.0, m12=7.25), "total": 60.05},
        ],
        "month_totals": zeros(m01=12.8, m03=42.75, m06=100.0, m12=7.25),
        "total": 162.8,
    }


def test_report_by_tag_counts_an_expense_under_each_of_its_tags(client, add):
    add(amount=240, category_id=UTILITIES, date="2025-07-02", tags=["holiday", "lisbon"])
    add(amount=12.5, category_id=FOOD, date="2025-07-03", tags=["holiday"])
    add(amount=30, category_id=TRANSPORT, date="2025-08-01", tags=["#Holiday"])
    add(amount=99, category_id=FOOD, date="2025-07-04")
    body = client.get("/report", params={"from": "2025-07", "to": "2025-08", "by": "tag"}).json()
    assert [(row["name"], row["totals"], row["total"]) for row in body["rows"]] == [
        ("#holiday", [252.5, 30.0], 282.5), ("#lisbon", [240.0, 0.0], 240.0)]
    assert body["by"] == "tag" and body["month_totals"] == [492.5, 30.0]
    csv_text = client.get("/report/export", params={"from": "2025-07", "to": "2025-08", "by": "tag"}).text
    assert csv_text == ("Tag,2025-07,2025-08,Total\r\n#holiday,252.50,30.00,282.50\r\n"
                        "#lisbon,240.00,0.00,240.00\r\nTotal,492.50,30.00,522.50\r\n")


def test_report_empty_period_is_all_zeros(client, year):
    body = client.get("/report", params={"from": "2023-01", "to": "2023-03"}).json()
    assert body["months"] == ["2023-01", "2023-02", "2023-03"]
    assert body["rows"] == []
    assert body["month_totals"] == [0.0, 0.0, 0.0]
    assert body["total"] == 0.0


def test_report_follows_edits_and_deletes(client, add):
    lunch = add(amount=10, category_id=FOOD, date="2025-02-03")
    add(amount=5, category_id=FOOD, date="2025-02-04")
    client.put(f"/expenses/{lunch['id']}", json={"category_id": TRANSPORT, "date": "2025-03-01"})
    body = client.get("/report", params={"from": "2025-02", "to": "2025-03"}).json()
    assert [(row["name"], row["totals"]) for row in body["rows"]] == [("Transport", [0.0, 10.0]), ("Food", [5.0, 0.0])]
    client.delete(f"/expenses/{lunch['id']}")
    body = client.get("/report", params={"from": "2025-02", "to": "2025-03"}).json()
    assert [(row["name"], row["totals"]) for row in body["rows"]] == [("Food", [5.0, 0.0])]
    assert body["total"] == 5.0


def test_report_csv_is_the_table_as_text(client, year):
    response = client.get("/report/export", params={"from": "2025-01", "to": "2025-03"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == 'attachment; filename="report-2025-01-to-2025-03.csv"'
    assert response.text == (
        "Category,2025-01,2025-02,2025-03,Total\r\n"
        "Food,12.80,0.00,40.00,52.80\r\n"
        "Transport,0.00,0.00,2.75,2.75\r\n"
        "Total,12.80,0.00,42.75,55.55\r\n"
    )


def test_report_csv_neutralises_formula_names(client, add):
    category = client.post("/categories", json={"name": "=SUM(A1)"}).json()
    add(amount=1, category_id=category["id"], date="2025-05-05")
    text = client.get("/report/export", params={"from": "2025-05", "to": "2025-05"}).text
    assert text.splitlines()[1] == "'=SUM(A1),1.00,1.00"


def test_report_default_is_the_last_12_months(client):
    body = client.get("/report").json()
    this_month = date.today().isoformat()[:7]
    assert len(body["months"]) == 12
    assert body["months"][-1] == body["to"] == this_month


@pytest.mark.parametrize(("first", "last", "today", "months"), [
    (None, None, date(2026, 3, 15), ("2025-04", "2026-03")),
    (None, "2025-12", date(2026, 3, 15), ("2025-01", "2025-12")),
    ("2025-06", None, date(2026, 3, 15), ("2025-06", "2026-03")),
    ("2025-06", "2025-06", date(2026, 3, 15), ("2025-06", "2025-06")),
    (None, "0001-05", date(2026, 3, 15), ("0001-01", "0001-05")),
])
def test_report_period_defaults(db_path, client, first, last, today, months):
    conn = connect(db_path)
    try:
        result = report(conn, first, last, today=today)
    finally:
        conn.close()
    assert (result["from"], result["to"]) == months


@pytest.mark.parametrize(("params", "detail"), [
    ({"from": "2025-06", "to": "2025-01"},
     "The first month 2025-06 is after the last month 2025-01; 'from' must not be after 'to'."),
    ({"from": "2015-01", "to": "2025-01"},
     "From 2015-01 to 2025-01 is 121 months; a report covers at most 120 months."),
    ({"from": "2025-13"}, "Invalid query parameter 'from': must be a month in the form YYYY-MM, got '2025-13'."),
    ({"to": "2025-1"}, "Invalid query parameter 'to': must be a month in the form YYYY-MM, got '2025-1'."),
    ({"by": "colour"}, "Invalid query parameter 'by': input should be 'category' or 'tag'."),
])
@pytest.mark.parametrize("path", ["/report", "/report/export"])
def test_report_bad_period_is_refused_in_words(client, path, params, detail):
    response = client.get(path, params=params)
    assert response.status_code == 422
    assert response.json() == {"detail": detail}


def test_report_120_months_is_allowed(client):
    response = client.get("/report", params={"from": "2015-02", "to": "2025-01"})
    assert response.status_code == 200
    assert len(response.json()["months"]) == 120
