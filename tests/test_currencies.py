"""Currencies as a person meets them: a holiday abroad, amounts in each currency's decimals, the
ECB's rate of the date (a weekend takes Friday's), a typed rate, and a seed script unaffected."""

import json
from decimal import Decimal

import pytest

from tests.conftest import expense
from tracker.currencies import ecb_rate


def test_holiday_abroad_month_total_in_home_currency_is_exact(client, add):
    # Home USD; a week in Japan and a day in Paris, and a coffee at home.
    add(amount=1200, description="Ramen", currency="JPY", date="2026-10-20")
    add(amount=35000, description="Ryokan", currency="JPY", date="2026-10-21")
    add(amount=7.5, description="Croissants", currency="EUR", date="2026-10-23")
    add(amount=3.25, description="Coffee", date="2026-10-02")
    expected = Decimal(0)
    for amount, code, day in ((1200, "JPY", "2026-10-20"), (35000, "JPY", "2026-10-21"), (Decimal("7.5"), "EUR", "2026-10-23")):
        expected += (Decimal(amount) * ecb_rate(code, "USD", day).rate).quantize(Decimal("0.01"))
    expected += Decimal("3.25")
    summary = client.get("/summary", params={"month": "2026-10"}).json()
    assert Decimal(str(summary["total"])) == expected
    assert summary["count"] == 4
    listed = client.get("/expenses/totals", params={"date_from": "2026-10-01", "date_to": "2026-10-31"}).json()
    assert Decimal(str(listed["total"])) == expected


def test_expense_foreign_response_fields(client, add):
    ramen = add(amount=1200, description="Ramen", currency="jpy", date="2026-10-20")
    rate = ecb_rate("JPY", "USD", "2026-10-20")
    assert ramen["amount"] == 1200
    assert ramen["currency"] == "JPY"
    assert ramen["home_amount"] == float((1200 * rate.rate).quantize(Decimal("0.01")))
    assert ramen["rate_source"] == "ECB 2026-10-20"
    assert client.get(f"/expenses/{ramen['id']}").json() == ramen


@pytest.mark.parametrize(("currency", "amount", "words"), [
    ("JPY", 100.5, "JPY has no decimals (no cents), so 100.5 is not an amount in JPY"),
    ("BHD", 1.2345, "BHD has 3 decimal places, so 1.2345 is not an amount in BHD"),
    ("EUR", 1.234, "EUR has 2 decimal places, so 1.234 is not an amount in EUR"),
])
def test_amount_decimals_refused_in_words(client, currency, amount, words):
    response = client.post("/expenses", json=expense(amount=amount, currency=currency))
    assert response.status_code == 422
    assert words in response.json()["detail"]


def test_amount_bhd_three_decimals_accepted(client, add):
    # The ECB publishes no BHD rate: a person types one, or is told so in words.
    response = client.post("/expenses", json=expense(amount=12.345, currency="BHD", date="2026-10-20"))
    assert response.json()["detail"] == "The European Central Bank publishes no rate for BHD on 2026-10-20; type the rate."
    dinner = add(amount=12.345, currency="BHD", rate=2.65, description="Dinner", date="2026-10-20")
    assert (dinner["amount"], dinner["currency"], dinner["home_amount"]) == (12.345, "BHD", 32.71)


def test_currency_unknown_refused_in_one_sentence(client):
    response = client.post("/expenses", json=expense(currency="XYZ"))
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert "ISO 4217" in detail and detail.count(". ") == 0


def test_rate_weekend_takes_fridays_rate(client, add):
    # 2026-10-24 and 25 are a Saturday and a Sunday: Friday the 23rd's rate.
    sunday = add(amount=1000, currency="JPY", date="2026-10-25")
    friday = ecb_rate("JPY", "USD", "2026-10-23")
    assert sunday["rate_source"] == "ECB 2026-10-23"
    assert Decimal(str(sunday["rate"])) == friday.rate
    assert sunday["home_amount"] == float((1000 * friday.rate).quantize(Decimal("0.01")))


def test_rate_typed_wins(client, add):
    ramen = add(amount=1200, currency="JPY", rate=0.0061, date="2026-10-20")
    assert ramen["rate"] == 0.0061
    assert ramen["rate_source"] == "typed"
    assert ramen["home_amount"] == 7.32
    # Editing the amount keeps the typed rate.
    edited = client.put(f"/expenses/{ramen['id']}", json={"amount": 2400}).json()
    assert (edited["home_amount"], edited["rate_source"]) == (14.64, "typed")
    assert client.get("/summary", params={"month": "2026-10"}).json()["total"] == 14.64


def test_update_currency_recomputes_totals(client, add):
    item = add(amount=100, date="2026-10-20")
    assert client.get("/summary", params={"month": "2026-10"}).json()["total"] == 100
    changed = client.put(f"/expenses/{item['id']}", json={"currency": "EUR", "rate": 1.25}).json()
    assert (changed["currency"], changed["home_amount"]) == ("EUR", 125)
    assert client.get("/summary", params={"month": "2026-10"}).json()["total"] == 125
    # Back to the home currency.
    back = client.put(f"/expenses/{item['id']}", json={"currency": "USD"}).json()
    assert (back["currency"], back["home_amount"], back["rate"], back["rate_source"]) == ("USD", 100, None, None)
    assert client.get("/summary", params={"month": "2026-10"}).json()["total"] == 100


def test_update_amount_checked_against_stored_currency(client, add):
    item = add(amount=1200, currency="JPY", date="2026-10-20")
    response = client.put(f"/expenses/{item['id']}", json={"amount": 100.5})
    assert response.status_code == 422
    assert "JPY has no decimals" in response.json()["detail"]


def test_seed_client_sees_seed_fields_unchanged(client, add):
    lunch = add()
    assert {k: lunch[k] for k in ("amount", "description", "category_id", "date")} == {
        "amount": 12.5, "description": "Lunch", "category_id": 1, "date": "2025-03-14"}
    assert (lunch["currency"], lunch["home_amount"], lunch["rate"], lunch["rate_source"]) == ("USD", 12.5, None, None)
    response = client.post("/expenses", json=expense(amount=12.345))
    assert response.status_code == 422
    assert "must have at most 2 decimal places" in response.json()["detail"]
    assert client.get("/expenses/export").text.splitlines()[0] == "id,amount,description,category,date"


def test_trash_restore_keeps_currency(client, add):
    ramen = add(amount=1200, currency="JPY", rate=0.0061, date="2026-10-20")
    client.delete(f"/expenses/{ramen['id']}")
    assert client.get("/summary", params={"month": "2026-10"}).json()["total"] == 0
    restored = client.post(f"/trash/{ramen['id']}/restore").json()
    assert restored == ramen
    assert client.get("/summary", params={"month": "2026-10"}).json()["total"] == 7.32


def test_monthly_totals_another_program_writes_home_amounts(client, add, db_path):
    # A program that writes the file itself (the sqlite3 tool) keeps the month's total right.
    import sqlite3

    add(amount=10, date="2026-10-01")
    with sqlite3.connect(db_path, isolation_level=None) as conn:
        conn.execute("""insert into expenses (amount, description, category_id, date, currency, home_amount, rate, rate_source)
            values (1000, 'Sushi', 1, '2026-10-02', 'JPY', 6.5, 0.0065, 'typed')""")
        assert client.get("/summary", params={"month": "2026-10"}).json()["total"] == 16.5
        conn.execute("update expenses set home_amount = 7 where description = 'Sushi'")
        assert client.get("/summary", params={"month": "2026-10"}).json()["total"] == 17
        conn.execute("delete from expenses where description = 'Sushi'")
    assert client.get("/summary", params={"month": "2026-10"}).json()["total"] == 10


def test_summary_by_currency_lists_each_currency(client, add):
    add(amount=1200, currency="JPY", rate=0.0061, date="2026-10-20")
    add(amount=800, currency="JPY", rate=0.0061, date="2026-10-21")
    add(amount=7.5, currency="EUR", rate=1.2, date="2026-10-23")
    add(amount=3.25, date="2026-10-02")
    add(amount=99, currency="EUR", rate=1.2, date="2026-11-01")  # another month
    summary = client.get("/summary", params={"month": "2026-10"}).json()
    assert summary["by_currency"] == [
        {"currency": "JPY", "amount": 2000, "home_amount": 12.2, "count": 2},
        {"currency": "EUR", "amount": 7.5, "home_amount": 9, "count": 1},
        {"currency": "USD", "amount": 3.25, "home_amount": 3.25, "count": 1},
    ]
    assert summary["total"] == 24.45
    assert "by_currency" not in client.get("/summary", params={"month": "2026-09"}).json()
    add(amount=5, currency="EUR", rate=1.2, date="2026-11-02")  # a month of foreign spending only
    assert client.get("/summary", params={"month": "2026-11"}).json()["by_currency"] == [
        {"currency": "EUR", "amount": 104, "home_amount": 124.8, "count": 2}]
    add(amount=5, date="2026-09-02")  # the home currency alone: the seed's summary
    assert "by_currency" not in client.get("/summary", params={"month": "2026-09"}).json()


def test_export_currency_columns_on_request(client, add):
    add(amount=1200, currency="JPY", rate=0.0061, description="Ramen", date="2026-10-20")
    add(amount=12.345, currency="BHD", rate=2.65, description="Dinner", date="2026-10-19")
    add(amount=3.5, description="Coffee", date="2026-10-18")
    plain = client.get("/expenses/export").text.splitlines()
    assert plain == ["id,amount,description,category,date", "1,1200,Ramen,Food,2026-10-20",
                     "2,12.345,Dinner,Food,2026-10-19", "3,3.50,Coffee,Food,2026-10-18"]
    wide = client.get("/expenses/export", params={"columns": "currency"}).text.splitlines()
    assert wide == ["id,amount,description,category,date,currency,home_amount,rate",
                    "1,1200,Ramen,Food,2026-10-20,JPY,7.32,0.0061",
                    "2,12.345,Dinner,Food,2026-10-19,BHD,32.71,2.65",
                    "3,3.50,Coffee,Food,2026-10-18,USD,3.50,"]


def test_home_currency_change_and_undo(client, add):
    coffee = add(amount=3.5, description="Coffee", date="2026-10-20")
    ramen = add(amount=1200, currency="JPY", rate=0.0061, description="Ramen", date="2026-10-20")
    croissant = add(amount=7.5, currency="EUR", description="Croissant", date="2026-10-24")  # a Saturday
    before = {e["id"]: e for e in client.get("/expenses").json()}
    summary_before = client.get("/summary", params={"month": "2026-10"}).json()

    response = client.post("/settings/home-currency", json={"currency": "EUR"})
    assert response.status_code == 200, response.text
    assert response.json() == {"old_currency": "USD", "currency": "EUR", "expenses": 3, "change_id": 1}
    assert client.get("/settings").json()["currency"] == "EUR"
    after = {e["id"]: e for e in client.get("/expenses").json()}
    usd_eur = ecb_rate("USD", "EUR", "2026-10-20")
    assert after[coffee["id"]]["currency"] == "USD"
    assert after[coffee["id"]]["home_amount"] == float((Decimal("3.5") * usd_eur.rate).quantize(Decimal("0.01")))
    assert after[ramen["id"]]["rate_source"] == "ECB 2026-10-20"  # the typed rate was to USD
    assert (after[croissant["id"]]["currency"], after[croissant["id"]]["home_amount"]) == ("EUR", 7.5)
    total = client.get("/summary", params={"month": "2026-10"}).json()["total"]
    assert Decimal(str(total)) == sum(Decimal(str(e["home_amount"])) for e in after.values())

    undone = client.post("/settings/home-currency/undo")
    assert undone.json()["currency"] == "USD"
    assert client.get("/settings").json()["currency"] == "USD"
    assert {e["id"]: e for e in client.get("/expenses").json()} == before
    assert client.get("/summary", params={"month": "2026-10"}).json() == summary_before
    assert client.post("/settings/home-currency/undo").json() == {
        "detail": "There is no change of home currency to undo."}


def test_settings_currency_relabels_as_the_seed(client, add):
    add(amount=3.5, date="2026-10-20")
    client.put("/settings", json={"currency": "EUR"})
    [coffee] = client.get("/expenses").json()
    assert (coffee["currency"], coffee["amount"], coffee["home_amount"]) == ("EUR", 3.5, 3.5)


OFX_EUR = b"""OFXHEADER:100
DATA:OFXSGML
VERSION:102

<OFX><BANKMSGSRSV1><STMTTRNRS><STMTRS><CURDEF>EUR
<BANKTRANLIST>
<STMTTRN><TRNTYPE>DEBIT<DTPOSTED>20261020<TRNAMT>-12.50<FITID>1<NAME>Boulangerie</STMTTRN>
<STMTTRN><TRNTYPE>DEBIT<DTPOSTED>20261021<TRNAMT>-1200<FITID>2<NAME>Ramen Tokyo
<CURRENCY><CURRATE>0.0058<CURSYM>JPY</CURRENCY></STMTTRN>
</BANKTRANLIST></STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>
"""


def test_import_ofx_curdef_and_transaction_currency(client):
    response = client.post("/imports", files={"file": ("statement.ofx", OFX_EUR)},
                           data={"options": '{"default_category_id": 1}'})
    assert response.status_code == 201, response.text
    rows = {e["description"]: e for e in client.get("/expenses").json()}
    bread, ramen = rows["Boulangerie"], rows["Ramen Tokyo"]
    assert (bread["amount"], bread["currency"], bread["rate_source"]) == (12.5, "EUR", "ECB 2026-10-20")
    assert (ramen["amount"], ramen["currency"], ramen["rate_source"]) == (1200, "JPY", "ECB 2026-10-21")
    total = client.get("/summary", params={"month": "2026-10"}).json()["total"]
    assert Decimal(str(total)) == Decimal(str(bread["home_amount"])) + Decimal(str(ramen["home_amount"]))


def test_import_csv_currency_column(client):
    data = b"Date,Amount,Description,Currency\n2026-10-20,-1200,Ramen,JPY\n2026-10-21,-4.50,Coffee,USD\n"
    response = client.post("/imports", files={"file": ("card.csv", data)}, data={"options": '{"default_category_id": 1}'})
    assert response.status_code == 201, response.text
    rows = {e["description"]: e for e in client.get("/expenses").json()}
    assert (rows["Ramen"]["currency"], rows["Ramen"]["amount"], rows["Ramen"]["rate_source"]) == ("JPY", 1200, "ECB 2026-10-20")
    assert (rows["Coffee"]["currency"], rows["Coffee"]["rate"]) == ("USD", None)


def test_rates_refresh_downloads_newer_rates_and_fails_silently(tmp_path):
    import http.server
    import io
    import threading
    import zipfile

    from tracker import currencies

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("eurofxref-hist.csv", "Date,USD,JPY,\n2026-12-04,1.25,200,\n2026-12-03,1.2,190,\n")
    content = buffer.getvalue()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.end_headers()
            self.wfile.write(content)

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/eurofxref-hist.zip"
        assert currencies.refresh_rates(url) is True
        assert currencies.downloaded_file().read_bytes() == content
        assert currencies.ecb_rate("EUR", "USD", "2026-12-06") == currencies.Rate(Decimal("1.25"), "ECB 2026-12-04")
        assert currencies.refresh_rates(url) is False  # less than a day old: not again
    finally:
        server.shutdown()
    currencies.downloaded_file().unlink()
    # Offline: nothing raised, the shipped rates in use.
    assert currencies.refresh_rates("http://127.0.0.1:9/none.zip", timeout=2) is False
    assert currencies.ecb_rate("EUR", "USD", "2026-10-23").source == "ECB 2026-10-23"


def test_summary_by_currency_follows_every_change(client, add):
    ramen = add(amount=1200, currency="JPY", rate=0.0061, date="2026-10-20")
    add(amount=7.5, currency="EUR", rate=1.2, date="2026-10-23")

    def spent():
        return {item["currency"]: (item["amount"], item["home_amount"], item["count"])
                for item in client.get("/summary", params={"month": "2026-10"}).json().get("by_currency", [])}

    assert spent() == {"JPY": (1200, 7.32, 1), "EUR": (7.5, 9, 1)}
    client.put(f"/expenses/{ramen['id']}", json={"amount": 2400})
    assert spent() == {"JPY": (2400, 14.64, 1), "EUR": (7.5, 9, 1)}
    client.put(f"/expenses/{ramen['id']}", json={"currency": "EUR", "amount": 10, "rate": 1})
    assert spent() == {"EUR": (17.5, 19, 2)}
    client.put(f"/expenses/{ramen['id']}", json={"date": "2026-11-01"})
    assert spent() == {"EUR": (7.5, 9, 1)}
    client.delete(f"/expenses/{ramen['id']}")
    client.put("/expenses/2", json={"currency": "USD"})
    assert spent() == {}


def test_rates_ecb_rate_of_a_date_to_the_home_currency(client):
    sunday = client.get("/rates", params={"currency": "JPY", "date": "2026-10-25"}).json()
    assert sunday == {"currency": "JPY", "home_currency": "USD", "rate": float(ecb_rate("JPY", "USD", "2026-10-23").rate),
                      "rate_source": "ECB 2026-10-23"}
    none = client.get("/rates", params={"currency": "BHD", "date": "2026-10-25"})
    assert (none.status_code, none.json()["detail"]) == (
        422, "The European Central Bank publishes no rate for BHD on 2026-10-25; type the rate.")


def stream_lines(response):
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/x-ndjson"
    return [json.loads(line) for line in response.text.splitlines()]


def test_home_currency_change_streams_progress_in_steps(client, add, monkeypatch):
    monkeypatch.setattr("tracker.home_currency.CHUNK_ROWS", 2)
    for day in range(20, 25):
        add(amount=3.5, description="Coffee", date=f"2026-10-{day}")
    add(amount=1200, currency="JPY", description="Ramen", date="2026-10-20")
    response = client.post("/settings/home-currency", json={"currency": "EUR"},
                           headers={"Accept": "application/x-ndjson"})
    lines = stream_lines(response)
    assert lines[:-1] == [
        {"phase": "Recomputing the home amounts", "done": 0, "total": 0},
        {"phase": "Recomputing the home amounts", "done": 2, "total": 6},
        {"phase": "Recomputing the home amounts", "done": 4, "total": 6},
        {"phase": "Adding up the totals", "done": 6, "total": 6},
    ]
    assert lines[-1] == {"result": {"old_currency": "USD", "currency": "EUR", "expenses": 6, "change_id": 1}}
    assert client.get("/settings").json()["currency"] == "EUR"
    # Still one step that one undo takes back.
    assert client.post("/settings/home-currency/undo").json()["currency"] == "USD"
    assert {e["currency"] for e in client.get("/expenses").json()} == {"USD", "JPY"}


def test_home_currency_change_stream_refusal_changes_nothing(client, add):
    add(amount=3.5, description="Coffee", date="2026-10-20")
    plain = client.post("/settings/home-currency", json={"currency": "BHD"})
    assert plain.status_code == 422
    lines = stream_lines(client.post("/settings/home-currency", json={"currency": "BHD"},
                                     headers={"Accept": "application/x-ndjson"}))
    assert lines[-1] == {"error": plain.json()["detail"], "status": 422}
    assert client.get("/settings").json()["currency"] == "USD"
    assert client.get("/expenses").json()[0]["home_amount"] == 3.5
