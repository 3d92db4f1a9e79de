"""Split expenses as a person meets them: a supermarket receipt split three ways (groceries,
household, drinks) counted in each category's totals, budgets, report and filter, kept through the
trash, unsplit again; parts that do not add up refused; a foreign receipt's home amounts exact."""

import csv
import io
import json
import sqlite3
from decimal import Decimal

import pytest

from tests.conftest import expense
from tracker.currencies import ecb_rate

MONTH = "2026-11"


@pytest.fixture
def shop(client, add):
    """Categories Groceries, Household, Drinks; a 54.50 receipt split 30 / 12.50 / 12; a 10.00 bus ride."""
    ids = {}
    for name in ("Groceries", "Household", "Drinks"):
        ids[name] = client.post("/categories", json={"name": name}).json()["id"]
    receipt = add(amount=54.5, description="Supermarket", category_id=ids["Groceries"], date=f"{MONTH}-05")
    add(amount=10, description="Bus", category_id=2, date=f"{MONTH}-06")
    response = client.put(f"/expenses/{receipt['id']}/parts", json=[
        {"category_id": ids["Groceries"], "amount": 30},
        {"category_id": ids["Household"], "amount": 12.5, "note": "soap and sponges"},
        {"category_id": ids["Drinks"], "amount": 12},
    ])
    assert response.status_code == 200, response.text
    return ids, response.json()


def by_category(client, month=MONTH):
    summary = client.get("/summary", params={"month": month}).json()
    return summary, {row["category_name"]: (row["total"], row["count"]) for row in summary["by_category"]}


def test_split_response_shows_parts_and_largest_category(client, shop):
    ids, receipt = shop
    assert receipt["category_id"] == ids["Groceries"] and receipt["category_name"] == "Groceries"
    assert receipt["amount"] == 54.5
    assert [(p["category_name"], p["amount"], p["note"]) for p in receipt["parts"]] == [
        ("Groceries", 30, ""), ("Household", 12.5, "soap and sponges"), ("Drinks", 12, "")]
    assert client.get(f"/expenses/{receipt['id']}").json() == receipt
    listed = client.get("/expenses").json()
    assert [row["description"] for row in listed] == ["Bus", "Supermarket"]  # the receipt once
    assert listed[0]["parts"] == []


def test_split_largest_part_category_becomes_expense_category(client, add, shop):
    ids, receipt = shop
    response = client.put(f"/expenses/{receipt['id']}/parts", json=[
        {"category_id": ids["Groceries"], "amount": 4.5}, {"category_id": ids["Drinks"], "amount": 50}])
    assert response.json()["category_name"] == "Drinks"


def test_split_month_summary_counts_parts_in_their_categories(client, shop):
    summary, rows = by_category(client)
    assert rows == {"Groceries": (30, 1), "Household": (12.5, 1), "Drinks": (12, 1), "Transport": (10, 1)}
    assert summary["total"] == 64.5
    assert summary["count"] == 2  # two expenses, the receipt once


def test_split_budgets_follow_parts(client, shop):
    ids, _ = shop
    client.put(f"/budgets/{ids['Household']}", json={"amount": 50})
    client.put(f"/budgets/{ids['Groceries']}", json={"amount": 100})
    budgets = {b["category_name"]: b["spent"] for b in client.get("/summary", params={"month": MONTH}).json()["budgets"]}
    assert budgets == {"Groceries": 30, "Household": 12.5}


def test_split_report_by_category_and_trend(client, shop):
    report = client.get("/report", params={"from": MONTH, "to": MONTH}).json()
    assert {row["name"]: row["total"] for row in report["rows"]} == {
        "Groceries": 30, "Household": 12.5, "Drinks": 12, "Transport": 10}
    assert report["total"] == 64.5
    ids, _ = shop
    trend = client.get("/summary/months", params={"from": MONTH, "to": MONTH}).json()
    assert trend == [{"month": MONTH, "total": 64.5, "count": 2}]
    drinks = client.get("/summary/months", params={"from": MONTH, "to": MONTH, "category_id": ids["Drinks"]}).json()
    assert drinks == [{"month": MONTH, "total": 12, "count": 1}]


@pytest.mark.parametrize(("dates", "label"), [
    ({}, "all time"),
    ({"date_from": f"{MONTH}-01", "date_to": f"{MONTH}-30"}, "whole month"),
    ({"date_from": f"{MONTH}-02", "date_to": f"{MONTH}-20"}, "part of a month"),
])
def test_split_category_filter_finds_expense_with_part(client, shop, dates, label):
    ids, receipt = shop
    params = {"category_id": ids["Household"], **dates}
    assert [row["id"] for row in client.get("/expenses", params=params).json()] == [receipt["id"]]
    assert client.get("/expenses/count", params=params).json()["count"] == 1
    assert client.get("/expenses/totals", params=params).json() == {"count": 1, "total": 12.5}
    everything = {k: v for k, v in params.items() if k != "category_id"}
    assert client.get("/expenses/totals", params=everything).json() == {"count": 2, "total": 64.5}


@pytest.mark.parametrize("order", ["desc", "asc"])
def test_split_category_list_pages_in_date_order(client, add, shop, order):
    """A category's plain expenses and its split ones (a part in it, or its largest part) come in one
    date order, page after page by offset and by cursor, and with a date range; each once."""
    ids, receipt = shop
    drinks = ids["Drinks"]
    made = {receipt["id"]: f"{MONTH}-05"}
    for day in (1, 5, 5, 9, 12, 20, 28):
        made[add(amount=3, description="Juice", category_id=drinks, date=f"{MONTH}-{day:02d}")["id"]] = f"{MONTH}-{day:02d}"
    for day in (5, 14, 30):
        other = add(amount=20, description="Shop", category_id=ids["Groceries"], date=f"{MONTH}-{day:02d}")
        assert client.put(f"/expenses/{other['id']}/parts", json=[
            {"category_id": drinks, "amount": 15}, {"category_id": ids["Household"], "amount": 5}]).status_code == 200
        made[other["id"]] = f"{MONTH}-{day:02d}"
    add(amount=1, description="Bus", category_id=2, date=f"{MONTH}-15")
    expected = [i for i, _ in sorted(made.items(), key=lambda item: (item[1], item[0]), reverse=order == "desc")]

    def ids_of(response):
        assert response.status_code == 200, response.text
        return [row["id"] for row in response.json()]

    query = {"category_id": drinks, "order": order, "limit": 4}
    by_offset = [i for offset in (0, 4, 8, 12) for i in ids_of(client.get("/expenses", params={**query, "offset": offset}))]
    assert by_offset == expected
    by_cursor, cursor = [], None
    while True:
        response = client.get("/expenses", params={**query, **({"cursor": cursor} if cursor else {})})
        by_cursor += ids_of(response)
        cursor = response.headers.get("X-Next-Cursor")
        if not cursor:
            break
    assert by_cursor == expected
    ranged = ids_of(client.get("/expenses", params={**query, "limit": 50, "date_from": f"{MONTH}-05",
                                                    "date_to": f"{MONTH}-14"}))
    assert ranged == [i for i in expected if f"{MONTH}-05" <= made[i] <= f"{MONTH}-14"]
    assert client.get("/expenses/count", params={"category_id": drinks}).json()["count"] == len(expected)


def test_split_export_keeps_one_line_per_expense(client, shop):
    rows = list(csv.reader(io.StringIO(client.get("/expenses/export").text)))
    assert rows[0] == ["id", "amount", "description", "category", "date"]
    assert sorted(row[2] for row in rows[1:]) == ["Bus", "Supermarket"]
    assert [row for row in rows if row[2] == "Supermarket"][0][1:4] == ["54.50", "Supermarket", "Groceries"]


def test_split_trash_and_restore_keep_parts(client, shop):
    _, receipt = shop
    assert client.delete(f"/expenses/{receipt['id']}").status_code == 204
    summary, rows = by_category(client)
    assert rows == {"Transport": (10, 1)} and summary["count"] == 1
    restored = client.post(f"/trash/{receipt['id']}/restore")
    assert restored.status_code == 200
    assert restored.json()["parts"] == receipt["parts"]
    summary, rows = by_category(client)
    assert rows == {"Groceries": (30, 1), "Household": (12.5, 1), "Drinks": (12, 1), "Transport": (10, 1)}
    assert summary["count"] == 2


def test_split_trash_emptied_takes_parts_away(client, shop, db_path):
    _, receipt = shop
    client.delete(f"/expenses/{receipt['id']}")
    client.delete(f"/trash/{receipt['id']}")
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("select count(*) from expense_parts").fetchone()[0] == 0


def test_split_unsplit_puts_expense_whole_in_its_category(client, shop):
    ids, receipt = shop
    response = client.delete(f"/expenses/{receipt['id']}/parts")
    assert response.status_code == 200
    assert response.json()["parts"] == [] and response.json()["category_name"] == "Groceries"
    summary, rows = by_category(client)
    assert rows == {"Groceries": (54.5, 1), "Transport": (10, 1)} and summary["count"] == 2
    again = client.delete(f"/expenses/{receipt['id']}/parts")
    assert again.status_code == 409
    assert again.json()["detail"] == f"Expense {receipt['id']} is not split."


@pytest.mark.parametrize(("parts", "status", "words"), [
    ([(0, 30), (1, 20)], 422,
     "The parts add up to 50.00 USD but the expense is 54.50 USD; add 4.50 so that they add up exactly."),
    ([(0, 30), (1, 30)], 422,
     "The parts add up to 60.00 USD but the expense is 54.50 USD; take away 5.50 so that they add up exactly."),
    ([(0, 54.5)], 422, "A split has at least 2 parts, not 1; to put it in one category, unsplit it."),
    ([(0, 30), (0, 24.5)], 422,
     "Each part of a split is in a different category; put the amounts of one category together."),
    ([(0, 30), (1, 24.505)], 422, "Part 2's amount: USD has 2 decimal places, so 24.505 is not an amount in USD."),
])
def test_split_parts_that_do_not_add_up_refused(client, shop, parts, status, words):
    ids, receipt = shop
    names = list(ids.values())
    response = client.put(f"/expenses/{receipt['id']}/parts",
                          json=[{"category_id": names[i], "amount": amount} for i, amount in parts])
    assert response.status_code == status
    assert response.json()["detail"] == words
    assert client.get(f"/expenses/{receipt['id']}").json() == receipt  # unchanged


def test_split_unknown_expense_and_category(client, shop):
    ids, receipt = shop
    missing = client.put("/expenses/999/parts", json=[{"category_id": 1, "amount": 1}, {"category_id": 2, "amount": 1}])
    assert missing.status_code == 404 and missing.json()["detail"] == "Expense 999 not found."
    bad = client.put(f"/expenses/{receipt['id']}/parts",
                     json=[{"category_id": ids["Drinks"], "amount": 30}, {"category_id": 999, "amount": 24.5}])
    assert bad.status_code == 400


def test_split_seed_edits_of_amount_or_category_refused_in_words(client, shop):
    ids, receipt = shop
    same = client.put(f"/expenses/{receipt['id']}", json={**expense(), "amount": 54.5,
                                                            "category_id": ids["Groceries"], "description": "Shop"})
    assert same.status_code == 200 and same.json()["description"] == "Shop"
    amount = client.put(f"/expenses/{receipt['id']}", json={"amount": 60})
    assert amount.status_code == 409
    assert "is split among categories, so its amount is the sum of its parts" in amount.json()["detail"]
    category = client.put(f"/expenses/{receipt['id']}", json={"category_id": 1})
    assert category.status_code == 409


def test_split_date_change_moves_parts_to_new_month(client, shop):
    _, receipt = shop
    client.put(f"/expenses/{receipt['id']}", json={"date": "2026-12-01"})
    assert by_category(client)[1] == {"Transport": (10, 1)}
    summary, rows = by_category(client, "2026-12")
    assert rows == {"Groceries": (30, 1), "Household": (12.5, 1), "Drinks": (12, 1)} and summary["count"] == 1


def test_split_foreign_currency_home_amounts_exact(client, add):
    household = client.post("/categories", json={"name": "Household"}).json()["id"]
    receipt = add(amount=47.33, description="Carrefour", currency="EUR", date=f"{MONTH}-05", category_id=1)
    split = client.put(f"/expenses/{receipt['id']}/parts", json=[
        {"category_id": 1, "amount": 20.11}, {"category_id": household, "amount": 27.22}]).json()
    rate = ecb_rate("EUR", "USD", f"{MONTH}-05").rate
    home = (Decimal("47.33") * rate).quantize(Decimal("0.01"))
    assert Decimal(str(split["home_amount"])) == home
    shares = [Decimal(str(part["home_amount"])) for part in split["parts"]]
    assert sum(shares) == home
    # In proportion, the remainder to the largest part.
    small = (Decimal("20.11") * home * 100 / Decimal("47.33")).quantize(Decimal(1)) / 100
    assert shares == [small, home - small]
    assert Decimal(str(client.get("/summary", params={"month": MONTH}).json()["total"])) == home


def test_split_monthly_totals_right_after_plain_sql_writes(client, shop, db_path):
    ids, receipt = shop

    def totals(conn):
        return {row[0]: (row[1], row[2]) for row in conn.execute(
            "select category_id, total_cents, count from monthly_totals where month = ? and count <> 0", (MONTH,))}

    conn = sqlite3.connect(db_path)
    try:
        # Another program moves the drinks to Utilities, adds a part and takes one away.
        conn.execute("update expense_parts set category_id = 3 where category_id = ?", (ids["Drinks"],))
        conn.commit()
        assert totals(conn) == {0: (0, -2), ids["Groceries"]: (3000, 1), ids["Household"]: (1250, 1), 3: (1200, 1),
                                2: (1000, 1)}
        conn.execute("delete from expense_parts where category_id = ?", (ids["Household"],))
        conn.execute("update expense_parts set amount = 42.5 where category_id = ?", (ids["Groceries"],))
        conn.commit()
        assert totals(conn) == {0: (0, -1), ids["Groceries"]: (4250, 1), 3: (1200, 1), 2: (1000, 1)}
        conn.execute("delete from expense_parts")
        conn.commit()
        assert totals(conn) == {ids["Groceries"]: (5450, 1), 2: (1000, 1)}
        conn.execute("insert into expense_parts (expense_id, category_id, amount) values (?, 3, 50), (?, 2, 4.5)",
                     (receipt["id"], receipt["id"]))
        conn.execute("update expenses set date = '2026-10-31' where id = ?", (receipt["id"],))
        conn.commit()
        assert totals(conn) == {2: (1000, 1)}
        october = {row[0]: (row[1], row[2]) for row in conn.execute(
            "select category_id, total_cents, count from monthly_totals where month = '2026-10' and count <> 0")}
        assert october == {0: (0, -1), 3: (5000, 1), 2: (450, 1)}
        conn.execute("delete from expenses where id = ?", (receipt["id"],))
        conn.commit()
        assert conn.execute("select count(*) from monthly_totals where month = '2026-10' and "
                            "(count <> 0 or total_cents <> 0)").fetchone()[0] == 0
    finally:
        conn.close()
    assert client.get("/summary", params={"month": MONTH}).json()["count"] == 1


def expected_totals(conn) -> dict:
    """monthly_totals worked out in Python from the expenses and their parts (see tracker.splits)."""
    want: dict = {}

    def add(month, category_id, cents, count):
        total, number = want.get((month, category_id), (0, 0))
        want[(month, category_id)] = (total + cents, number + count)

    parts: dict = {}
    for expense_id, category_id, amount, home in conn.execute(
            "select expense_id, category_id, amount, home_amount from expense_parts"):
        parts.setdefault(expense_id, []).append((category_id, amount if home is None else home))
    for expense_id, month, category_id, amount, home in conn.execute(
            "select id, substr(date, 1, 7), category_id, amount, home_amount from expenses"):
        if expense_id not in parts:
            add(month, category_id, round((amount if home is None else home) * 100), 1)
            continue
        for part_category, money in parts[expense_id]:
            add(month, part_category, round(money * 100), 1)
        add(month, 0, 0, 1 - len(parts[expense_id]))
    return {key: value for key, value in want.items() if value != (0, 0)}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_split_monthly_totals_right_after_random_plain_sql_writes(client, db_path, seed):
    """Another program (plain SQL, as the sqlite3 CLI writes) splits, unsplits, edits, moves and trashes
    expenses in random order; monthly_totals stays the sum of the rows and the parts' home amounts
    add up to their expense's."""
    import random

    rnd = random.Random(seed)
    conn = sqlite3.connect(db_path, isolation_level=None)
    try:
        categories = [row[0] for row in conn.execute("select id from categories")]
        columns = "id, amount, description, category_id, date, created_at, currency, home_amount"
        for step in range(400):
            choice = rnd.random()
            row = conn.execute("select id, amount from expenses order by random() limit 1").fetchone()
            if choice < 0.25 or row is None:
                foreign = rnd.random() < 0.5
                amount = rnd.randint(1, 100_000) / 100
                conn.execute(
                    "insert into expenses (amount, description, category_id, date, currency, home_amount)"
                    " values (?, 'x', ?, ?, ?, ?)",
                    (amount, rnd.choice(categories), f"2026-0{rnd.randint(1, 3)}-1{rnd.randint(0, 9)}",
                     "EUR" if foreign else None, round(amount * 1.1, 2) if foreign else None))
                continue
            expense_id, amount = row
            if choice < 0.45:
                cents, count = round(amount * 100), rnd.randint(2, 3)
                if cents < count:
                    continue
                cuts = sorted(rnd.sample(range(1, cents), count - 1)) + [cents]
                conn.execute("begin")
                conn.execute("delete from expense_parts where expense_id = ?", (expense_id,))
                for category_id, start, end in zip(rnd.sample(categories, count), [0] + cuts, cuts):
                    conn.execute("insert into expense_parts (expense_id, category_id, amount) values (?, ?, ?)",
                                 (expense_id, category_id, (end - start) / 100))
                conn.execute("commit")
            elif choice < 0.6:
                column, value = rnd.choice([("date", f"2026-0{rnd.randint(1, 3)}-05"),
                                            ("category_id", rnd.choice(categories)),
                                            ("home_amount", rnd.randint(1, 9999) / 100)])
                conn.execute(f"update expenses set {column} = ? where id = ?", (value, expense_id))
            elif choice < 0.8:
                part = conn.execute("select id from expense_parts where expense_id = ? limit 1", (expense_id,)).fetchone()
                if part and choice < 0.7:
                    conn.execute("update expense_parts set category_id = ? where id = ?", (rnd.choice(categories), part[0]))
                elif part:
                    conn.execute("delete from expense_parts where id = ?", (part[0],))
            elif choice < 0.9:
                conn.execute("begin")
                conn.execute(f"insert into deleted_expenses ({columns}, category_name, category_color, deleted_at)"
                             f" select {columns}, '', '', '' from expenses where id = ?", (expense_id,))
                conn.execute("delete from expenses where id = ?", (expense_id,))
                conn.execute("commit")
            else:
                trashed = conn.execute("select id from deleted_expenses order by random() limit 1").fetchone()
                if trashed:
                    conn.execute("begin")
                    conn.execute(f"insert into expenses ({columns}) select {columns} from deleted_expenses where id = ?",
                                 trashed)
                    conn.execute("delete from deleted_expenses where id = ?", trashed)
                    conn.execute("commit")
            if step % 40 == 39:
                got = {(month, category_id): (total, count) for month, category_id, total, count in conn.execute(
                    "select month, category_id, total_cents, count from monthly_totals") if (total, count) != (0, 0)}
                assert got == expected_totals(conn), step
                assert conn.execute(
                    "select e.id from expenses e join expense_parts p on p.expense_id = e.id where e.home_amount is not null"
                    " group by e.id having round(sum(p.home_amount) * 100) <> round(max(e.home_amount) * 100)").fetchall() == []
    finally:
        conn.close()


def test_split_bulk_category_change_leaves_split_expense(client, shop):
    ids, receipt = shop
    bus = client.get("/expenses", params={"q": "bus"}).json()[0]
    result = client.post("/expenses/bulk", json={"action": "category", "ids": [receipt["id"], bus["id"]],
                                                 "category_id": 3})
    assert result.json()["rows"] == 1
    assert client.get(f"/expenses/{receipt['id']}").json() == receipt
    assert by_category(client)[1]["Groceries"] == (30, 1)


def test_split_home_currency_change_and_undo_moves_shares(client, shop):
    ids, receipt = shop
    before = client.get(f"/expenses/{receipt['id']}").json()
    _, rows_before = by_category(client)
    assert client.post("/settings/home-currency", json={"currency": "EUR"}).status_code == 200
    after = client.get(f"/expenses/{receipt['id']}").json()
    home = Decimal(str(after["home_amount"]))
    assert home != Decimal("54.5")
    assert sum(Decimal(str(part["home_amount"])) for part in after["parts"]) == home
    summary, rows = by_category(client)
    assert Decimal(str(rows["Household"][0])) == Decimal(str(after["parts"][1]["home_amount"]))
    assert summary["count"] == 2
    client.post("/settings/home-currency/undo")
    assert client.get(f"/expenses/{receipt['id']}").json() == before
    assert by_category(client)[1] == rows_before


RECEIPT_CSV = (
    b"Date,Description,Amount,Category\n"
    b"2026-11-05,SUPERMARKET,54.50,Food\n"
    b"2026-11-06,BUS,10.00,Transport\n"
)


def import_file(client, status, **options):
    response = client.post("/imports", files={"file": ("card.csv", RECEIPT_CSV, "text/csv")},
                           data={"options": json.dumps(options)})
    assert response.status_code == status, response.text
    return response.json()


def test_split_import_row_split_before_importing(client):
    household = client.post("/categories", json={"name": "Household"}).json()["id"]
    import_file(client, 201, row_parts={"2": [{"category_id": 1, "amount": 42}, {"category_id": household,
                                                                                 "amount": 12.5, "note": "soap"}]})
    receipt = client.get("/expenses", params={"q": "supermarket"}).json()[0]
    assert [(p["category_name"], p["amount"], p["note"]) for p in receipt["parts"]] == [
        ("Food", 42, ""), ("Household", 12.5, "soap")]
    summary, rows = by_category(client)
    assert rows == {"Food": (42, 1), "Household": (12.5, 1), "Transport": (10, 1)} and summary["count"] == 2


@pytest.mark.parametrize(("row_parts", "words"), [
    ({"2": [{"category_id": 1, "amount": 40}, {"category_id": 2, "amount": 12.5}]},
     "Line 2: The parts add up to 52.50 USD but the expense is 54.50 USD; add 2.00 so that they add up exactly."),
    ({"9": [{"category_id": 1, "amount": 40}, {"category_id": 2, "amount": 14.5}]},
     "Line 9 is split but not imported; import it, or leave its parts out."),
])
def test_split_import_row_parts_refused_and_nothing_imported(client, row_parts, words):
    assert import_file(client, 422, row_parts=row_parts) == {"detail": words}
    assert client.get("/expenses").json() == []


def test_split_category_with_parts_cannot_be_deleted(client, shop):
    ids, receipt = shop
    response = client.delete(f"/categories/{ids['Drinks']}")
    assert response.status_code == 400
    assert response.json()["detail"] == "Cannot delete category with existing expenses"
    client.delete(f"/expenses/{receipt['id']}/parts")
    assert client.delete(f"/categories/{ids['Drinks']}").status_code == 204


def test_split_part_of_deleted_category_restored_in_expense_category(client, shop):
    ids, receipt = shop
    client.delete(f"/expenses/{receipt['id']}")
    assert client.delete(f"/categories/{ids['Drinks']}").status_code == 204
    restored = client.post(f"/trash/{receipt['id']}/restore").json()
    assert [(p["category_name"], p["amount"]) for p in restored["parts"]] == [("Groceries", 42), ("Household", 12.5)]
    summary, rows = by_category(client)
    assert rows == {"Groceries": (42, 1), "Household": (12.5, 1), "Transport": (10, 1)} and summary["count"] == 2


@pytest.mark.parametrize(("parts", "currency", "status", "words"), [
    ([30.5, 24.5], "JPY", 409,
     "Expense 1 is split and its part in Food, 30.5, is not an amount in JPY (JPY has no decimals); change the parts "
     "or unsplit it first (Split… in the edit dialog, `expense-tracker split 1`, or PUT /expenses/1/parts)."),
    ([30, 25], "JPY", 200, None),
    ([30.5, 24.5], "EUR", 200, None),
], ids=["cents-to-JPY-refused", "whole-to-JPY", "cents-to-EUR"])
def test_split_currency_change_rechecks_parts_decimals(client, add, parts, currency, status, words):
    receipt = add(amount=55, description="Corner shop", category_id=1, date=f"{MONTH}-05")
    client.put(f"/expenses/{receipt['id']}/parts", json=[
        {"category_id": 1, "amount": parts[0]}, {"category_id": 2, "amount": parts[1]}])
    before, totals = client.get(f"/expenses/{receipt['id']}").json(), by_category(client)[1]
    response = client.put(f"/expenses/{receipt['id']}", json={"currency": currency})
    assert response.status_code == status, response.text
    after = client.get(f"/expenses/{receipt['id']}").json()
    assert [p["amount"] for p in after["parts"]] == parts
    if words:
        assert response.json() == {"detail": words}
        assert after == before and by_category(client)[1] == totals  # nothing changed
    else:
        assert after["currency"] == currency
