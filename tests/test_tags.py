"""Tags through the library and the API: a trip tagged #holiday, its total, filters that combine,
the trash keeping tags, bulk tagging with undo, and bad tags refused in one sentence."""

import pytest

from conftest import expense
from tracker.db import Database
from tracker.tags import add_tags, parse_tags, remove_tags, replace_tags, tag_totals, tags_of_many


@pytest.fixture
def trip(client, add):
    """A holiday in Lisbon over three days, among everyday expenses."""
    return [
        add(description="Flight to Lisbon", amount=180.0, date="2025-07-01", category_id=2, tags=["#holiday"]),
        add(description="Hotel", amount=240.5, date="2025-07-01", category_id=3, tags=["holiday", "Lisbon"]),
        add(description="Dinner", amount=42.25, date="2025-07-02", tags=["#Holiday", "food-out"]),
        add(description="Tram", amount=3.0, date="2025-07-03", category_id=2, tags=["holiday"]),
        add(description="Groceries at home", amount=55.0, date="2025-07-02"),
        add(description="Lunch at work", amount=9.5, date="2025-07-03", tags=["work_trip"]),
    ]


def totals(client, **params):
    response = client.get("/expenses/totals", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def listed(client, **params):
    response = client.get("/expenses", params={"limit": 100, **params})
    assert response.status_code == 200, response.text
    return response.json()


def test_tags_trip_total_over_its_days(client, trip):
    assert trip[1]["tags"] == ["holiday", "lisbon"]
    assert trip[2]["tags"] == ["food-out", "holiday"]
    assert totals(client, tag="holiday") == {"count": 4, "total": 465.75}
    assert totals(client, tag="holiday", date_from="2025-07-02", date_to="2025-07-03") == {"count": 2, "total": 45.25}
    tags = client.get("/tags", params={"from": "2025-07-01", "to": "2025-07-31"}).json()
    assert tags[0] == {"name": "holiday", "count": 4, "total": 465.75}
    assert {tag["name"] for tag in tags} == {"holiday", "lisbon", "food-out", "work_trip"}
    assert client.get("/tags", params={"from": "2025-08-01"}).json() == []


def test_tags_seed_client_sees_empty_tags(client, add):
    created = add()
    assert created["tags"] == []
    seed = {"id", "amount", "description", "category_id", "category_name", "date", "created_at"}
    assert set(created) - seed == {"tags", "currency", "home_amount", "rate", "rate_source", "parts"}  # added, none renamed
    changed = client.put(f"/expenses/{created['id']}", json={"amount": 3.5}).json()
    assert changed["tags"] == [] and changed["amount"] == 3.5
    assert listed(client)[0]["tags"] == []


def test_tags_update_absent_keeps_empty_list_clears(client, add):
    created = add(tags=["holiday", "work-trip"])
    kept = client.put(f"/expenses/{created['id']}", json={"description": "Taxi"}).json()
    assert kept["tags"] == ["holiday", "work-trip"]
    kept = client.put(f"/expenses/{created['id']}", json={"tags": None}).json()
    assert kept["tags"] == ["holiday", "work-trip"]
    changed = client.put(f"/expenses/{created['id']}", json={"tags": ["#Work-Trip", "taxi"]}).json()
    assert changed["tags"] == ["taxi", "work-trip"]
    cleared = client.put(f"/expenses/{created['id']}", json={"tags": []}).json()
    assert cleared["tags"] == []
    assert client.get(f"/expenses/{created['id']}").json()["tags"] == []


@pytest.mark.parametrize(("params", "descriptions"), [
    ({"tag": "holiday"}, {"Flight to Lisbon", "Hotel", "Dinner", "Tram"}),
    ({"tag": ["holiday", "lisbon"]}, {"Hotel"}),
    ({"tag": "HOLIDAY", "category_id": 2}, {"Flight to Lisbon", "Tram"}),
    ({"tag": "holiday", "q": "dinner"}, {"Dinner"}),
    ({"tag": "#holiday", "date_from": "2025-07-02"}, {"Dinner", "Tram"}),
    ({"tag": "nosuchtag"}, set()),
])
def test_tags_filter_combines(client, trip, params, descriptions):
    assert {e["description"] for e in listed(client, **params)} == descriptions
    assert totals(client, **params)["count"] == len(descriptions)
    assert client.get("/expenses/count", params=params).json()["count"] == len(descriptions)
    csv = client.get("/expenses/export", params=params).text.splitlines()
    assert {line.split(",")[2] for line in csv[1:]} == descriptions


def test_tags_trash_and_restore_keep_them(client, trip):
    hotel = trip[1]
    assert client.delete(f"/expenses/{hotel['id']}").status_code == 204
    assert totals(client, tag="holiday")["count"] == 3
    restored = client.post(f"/trash/{hotel['id']}/restore")
    assert restored.status_code == 200, restored.text
    assert restored.json()["tags"] == ["holiday", "lisbon"]
    assert totals(client, tag="lisbon") == {"count": 1, "total": 240.5}


def test_tags_emptied_from_trash_go(client, trip, db_path):
    hotel = trip[1]
    client.delete(f"/expenses/{hotel['id']}")
    assert client.delete(f"/trash/{hotel['id']}").status_code == 204
    conn = Database(db_path).open()
    try:
        assert conn.execute("select count(*) from expense_tags where expense_id = ?", (hotel["id"],)).fetchone()[0] == 0
    finally:
        conn.close()


@pytest.mark.parametrize(("tags", "message"), [
    (["holi day"], "Invalid field 'tags.0': a tag has only letters, digits, '-' and '_', and 'holi day' has ' '."),
    (["#"], "Invalid field 'tags.0': a tag must not be empty."),
    (["  "], "Invalid field 'tags.0': a tag must not be empty."),
    (["a" * 41], "Invalid field 'tags.0': a tag has at most 40 characters, 'aaaaaaaaaaaaaaaaaaaa'… has 41."),
    (["tag!"], "Invalid field 'tags.0': a tag has only letters, digits, '-' and '_', and 'tag!' has '!'."),
    ("holiday", "Invalid field 'tags': input should be a valid list."),
])
def test_tags_bad_tag_one_sentence(client, tags, message):
    response = client.post("/expenses", json=expense(tags=tags))
    assert response.status_code == 422
    assert response.json()["detail"] == message
    assert listed(client) == []


def test_tags_bad_filter_tag_one_sentence(client):
    response = client.get("/expenses", params={"tag": "a b"})
    assert response.status_code == 422
    assert response.json()["detail"] == (
        "Invalid query parameter 'tag.0': a tag has only letters, digits, '-' and '_', and 'a b' has ' '.")


def test_tags_letters_of_any_alphabet(client, add):
    assert add(tags=["#Ärger", "café_2025", "поездка"])["tags"] == ["café_2025", "ärger", "поездка"]


def test_tags_bulk_add_and_remove_undo(client, trip):
    ids = [trip[4]["id"], trip[5]["id"]]
    done = client.post("/expenses/bulk", json={"action": "add_tags", "ids": ids, "tags": ["#holiday"]})
    assert done.status_code == 200, done.text
    assert done.json()["summary"] == "#holiday added to 2 expenses" and done.json()["rows"] == 2
    assert totals(client, tag="holiday")["count"] == 6
    client.post(f"/edits/{done.json()['edit_id']}/undo")
    assert totals(client, tag="holiday")["count"] == 4

    off = client.post("/expenses/bulk", json={
        "action": "remove_tags", "filter": {"tag": ["lisbon"]}, "tags": ["holiday", "lisbon"]}).json()
    assert off["summary"] == "#holiday, #lisbon taken off 1 expense"
    assert listed(client, tag="lisbon") == [] and totals(client, tag="holiday")["count"] == 3
    client.post(f"/edits/{off['edit_id']}/undo")
    assert [e["tags"] for e in listed(client, tag="lisbon")] == [["holiday", "lisbon"]]
    assert [edit["action"] for edit in client.get("/edits").json()] == ["remove_tags", "add_tags"]


def test_tags_bulk_needs_tags(client, trip):
    response = client.post("/expenses/bulk", json={"action": "add_tags", "ids": [trip[0]["id"]]})
    assert response.status_code == 422
    assert response.json()["detail"] == "Tagging needs tags: at least one."


def test_tags_library_add_remove_replace(db_path):
    database = Database(db_path)
    database.ensure_ready()
    conn = database.open()
    try:
        with conn.write():
            first = conn.execute("insert into expenses (amount, description, category_id, date) "
                                 "values (5, 'Taxi', 1, '2025-07-01')").lastrowid
            second = conn.execute("insert into expenses (amount, description, category_id, date) "
                                  "values (7, 'Bus', 1, '2025-07-02')").lastrowid
        assert add_tags(conn, first, parse_tags("#holiday #work-trip")) == ["holiday", "work-trip"]
        assert add_tags(conn, second, parse_tags("holiday, Taxi")) == ["holiday", "taxi"]
        assert remove_tags(conn, first, ["WORK-TRIP", "never"]) == ["holiday"]
        assert tags_of_many(conn, [first, second, 999]) == {first: ["holiday"], second: ["holiday", "taxi"]}
        assert replace_tags(conn, second, []) == []
        assert tag_totals(conn) == [{"name": "holiday", "count": 1, "total": 5.0}]
    finally:
        conn.close()


def recounted(db_path) -> tuple[dict, dict]:
    """tag_monthly_totals as kept, and as counted again from the expenses in the list."""
    conn = Database(db_path).open()
    try:
        kept = {(row[0], row[1]): (row[2], row[3]) for row in conn.execute(
            "select tag_id, month, count, total_cents from tag_monthly_totals where count != 0 or total_cents != 0")}
        again = {(row[0], row[1]): (row[2], row[3]) for row in conn.execute(
            """select et.tag_id, substr(e.date, 1, 7), count(*), sum(cast(round(e.amount * 100) as integer))
            from expense_tags et join expenses e on e.id = et.expense_id group by 1, 2""")}
        return kept, again
    finally:
        conn.close()


def test_tags_monthly_totals_stay_exact_through_every_change(client, trip, db_path):
    hotel, dinner, tram = trip[1], trip[2], trip[3]
    client.put(f"/expenses/{hotel['id']}", json={"amount": 250.75, "date": "2025-08-02"})
    client.put(f"/expenses/{dinner['id']}", json={"tags": ["holiday", "august"]})
    client.delete(f"/expenses/{tram['id']}")
    client.delete(f"/expenses/{trip[0]['id']}")
    client.post(f"/trash/{trip[0]['id']}/restore")
    edit = client.post("/expenses/bulk", json={"action": "add_tags", "filter": {}, "tags": ["all"]}).json()
    client.post("/expenses/bulk", json={"action": "remove_tags", "ids": [dinner["id"]], "tags": ["holiday"]})
    client.post(f"/edits/{edit['edit_id']}/undo")
    client.delete(f"/trash/{tram['id']}")
    client.post("/expenses/bulk", json={"action": "delete", "filter": {"tag": ["holiday"]}})
    kept, again = recounted(db_path)
    assert kept == again and again
    assert client.get("/tags", params={"from": "2025-07-01", "to": "2025-08-31"}).json() == [
        {"name": "august", "count": 1, "total": 42.25}, {"name": "work_trip", "count": 1, "total": 9.5}]


@pytest.mark.parametrize(("date_from", "date_to", "holiday"), [
    (None, None, {"count": 4, "total": 465.75}),
    ("2025-07-01", "2025-07-31", {"count": 4, "total": 465.75}),
    ("2025-07-02", "2025-07-02", {"count": 1, "total": 42.25}),
    ("2025-07-02", "2025-09-30", {"count": 2, "total": 45.25}),
    ("2025-06-15", "2025-07-01", {"count": 2, "total": 420.5}),
    ("2025-06-01", None, {"count": 4, "total": 465.75}),
    (None, "2025-07-02", {"count": 3, "total": 462.75}),
])
def test_tags_totals_over_periods(client, trip, date_from, date_to, holiday):
    params = {key: value for key, value in (("from", date_from), ("to", date_to)) if value}
    tags = {tag.pop("name"): tag for tag in client.get("/tags", params=params).json()}
    assert tags["holiday"] == holiday
    assert totals(client, tag="holiday", **{key.replace("from", "date_from").replace("to", "date_to"): value
                                            for key, value in params.items()}) == holiday


def test_tags_window_export_query_keeps_every_tag():
    from tracker.models import ExpenseFilters

    filters = ExpenseFilters.from_query("?tag=holiday&tag=%23Lisbon&date_from=2025-07-01&q=x&q=dinner")
    assert filters.tag == ["holiday", "lisbon"] and filters.q == "dinner"
    assert ExpenseFilters.from_query("?date_from=2025-07-01").tag == []


def test_tags_dry_run_makes_no_tag(client, trip, db_path):
    dry = client.post("/expenses/bulk", json={"action": "add_tags", "filter": {"tag": ["holiday"]}, "tags": ["new"],
                                              "dry_run": True}).json()
    assert dry == {"edit_id": None, "action": "add_tags", "rows": 4, "summary": "#new added to 4 expenses",
                   "dry_run": True, "skipped_split": 0, "note": None}
    again = client.post("/expenses/bulk", json={"action": "add_tags", "ids": [trip[0]["id"]], "tags": ["holiday"],
                                                "dry_run": True}).json()
    assert again["rows"] == 0
    assert "new" not in {tag["name"] for tag in client.get("/tags").json()}
    conn = Database(db_path).open()
    try:
        assert conn.execute("select count(*) from tags where name = 'new'").fetchone()[0] == 0
    finally:
        conn.close()


@pytest.mark.parametrize(("typed", "stored"), [
    ("Cafe\u0301", "café"), ("#CAFÉ", "café"), ("  # Lisbon ", "lisbon"), ("ÄRGER_2", "ärger_2"),
])
def test_tags_one_spelling(client, add, typed, stored):
    assert add(tags=[typed])["tags"] == [stored]


def test_tags_bulk_refuses_more_than_twenty_per_expense(client, add):
    crowded = add(tags=[f"t{n}" for n in range(19)])
    response = client.post("/expenses/bulk", json={"action": "add_tags", "ids": [crowded["id"]], "tags": ["a", "b"]})
    assert response.status_code == 422
    assert response.json()["detail"] == f"Expense {crowded['id']} would have 21 tags; an expense has at most 20."
    assert len(client.get(f"/expenses/{crowded['id']}").json()["tags"]) == 19
    assert client.get("/edits").json() == []


def test_tags_totals_are_in_the_home_currency(client, add):
    add(amount=1200, currency="JPY", rate=0.0065, date="2025-08-02", tags=["holiday"])  # $7.80
    add(amount=20, date="2025-08-03", tags=["holiday"])
    ramen = add(amount=800, currency="JPY", rate=0.0065, date="2025-08-04", tags=["holiday"])  # $5.20
    assert client.get("/tags", params={"from": "2025-08-01"}).json() == [{"name": "holiday", "count": 3, "total": 33.0}]
    client.put(f"/expenses/{ramen['id']}", json={"rate": 0.007})  # $5.60: the month's row follows
    assert client.get("/tags", params={"from": "2025-08-01", "to": "2025-08-31"}).json()[0]["total"] == 33.4
    assert client.get("/tags", params={"from": "2025-08-02", "to": "2025-08-03"}).json()[0]["total"] == 27.8
    body = client.get("/report", params={"from": "2025-08", "to": "2025-08", "by": "tag"}).json()
    assert body["rows"][0]["total"] == 33.4
