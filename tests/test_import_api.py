"""Importing a bank file through the API: preview, duplicates, batches, revert, profiles."""

import json
import os
import sqlite3
from pathlib import Path

import pytest

# A German bank's export: Latin-1, semicolons, decimal commas, DD.MM.YYYY, one income row.
GIRO = (
    "Buchungstag;Verwendungszweck;Betrag;Kategorie\n"
    "03.03.2025;REWE Markt München;-23,45;Food\n"
    "04.03.2025;Gehalt März;2.500,00;\n"
    "05.03.2025;DB Fahrkarte;-1.234,50;Transport\n"
    "06.03.2025;Bäckerei Müller;-3,20;Food\n"
).encode("latin-1")

CARD = (
    b"Date,Description,Debit,Credit\n"
    b"03/14/2025,COFFEE SHOP,4.50,\n"
    b"03/14/2025,COFFEE SHOP,4.50,\n"
    b"03/15/2025,REFUND,,10.00\n"
)


def preview(client, data, name="giro.csv", **options):
    response = client.post(
        "/imports/preview",
        files={"file": (name, data, "text/csv")},
        data={"options": json.dumps(options)} if options else {},
    )
    assert response.status_code == 200, response.text
    return response.json()


def run_import(client, data, name="giro.csv", status=201, **options):
    response = client.post(
        "/imports",
        files={"file": (name, data, "text/csv")},
        data={"options": json.dumps(options)} if options else {},
    )
    assert response.status_code == status, response.text
    return response.json()


def stored(client):
    return [(e["date"], e["amount"], e["description"], e["category_name"])
            for e in client.get("/expenses", params={"sort": "date", "order": "asc"}).json()]


def test_preview_shows_rows_as_stored_and_skips_income(client):
    result = preview(client, GIRO)
    assert (result["kind"], result["encoding"] in ("latin-1", "iso8859-1", "cp1252"), result["delimiter"]) == ("csv", True, ";")
    assert result["counts"] == {"rows": 4, "ready": 3, "duplicate": 0, "income": 1, "problem": 0, "selected": 3}
    rows = [(r["line"], r["date"], r["amount"], r["description"], r["category_id"], r["status"], r["selected"])
            for r in result["rows"]]
    assert rows == [
        (2, "2025-03-03", 23.45, "REWE Markt München", 1, "ready", True),
        (3, "2025-03-04", 2500.0, "Gehalt März", None, "income", False),
        (4, "2025-03-05", 1234.5, "DB Fahrkarte", 2, "ready", True),
        (5, "2025-03-06", 3.2, "Bäckerei Müller", 1, "ready", True),
    ]
    assert client.get("/expenses").json() == []  # a preview writes nothing


def test_import_stores_rows_and_lists_batch(client):
    batch = run_import(client, GIRO)
    assert {k: batch[k] for k in ("file_name", "rows_in_file", "imported", "skipped", "status")} == {
        "file_name": "giro.csv", "rows_in_file": 4, "imported": 3, "skipped": 1, "status": "imported"}
    assert stored(client) == [
        ("2025-03-03", 23.45, "REWE Markt München", "Food"),
        ("2025-03-05", 1234.5, "DB Fahrkarte", "Transport"),
        ("2025-03-06", 3.2, "Bäckerei Müller", "Food"),
    ]
    assert client.get("/summary", params={"month": "2025-03"}).json()["total"] == 1261.15
    assert [b["id"] for b in client.get("/imports").json()] == [batch["id"]]


def test_reimport_flags_every_row_as_duplicate_with_its_match(client):
    run_import(client, GIRO)
    ids = {e["description"]: e["id"] for e in client.get("/expenses").json()}
    result = preview(client, GIRO)
    assert result["counts"]["duplicate"] == 3 and result["counts"]["selected"] == 0
    flagged = {r["description"]: r for r in result["rows"] if r["status"] == "duplicate"}
    assert flagged["DB Fahrkarte"]["match"]["id"] == ids["DB Fahrkarte"]
    assert "same amount, the same day" in flagged["DB Fahrkarte"]["reason"]
    batch = run_import(client, GIRO)
    assert (batch["imported"], batch["skipped"]) == (0, 4)
    assert len(stored(client)) == 3


def test_duplicate_found_a_few_days_apart_with_different_wording(client, add):
    existing = add(amount=23.45, description="Rewe Markt Muenchen 4711", date="2025-03-01")
    result = preview(client, GIRO)
    row = next(r for r in result["rows"] if r["line"] == 2)
    assert (row["status"], row["match"]["id"]) == ("duplicate", existing["id"])
    assert "2 days apart" in row["reason"]


def test_identical_purchases_in_one_file_are_flagged_and_both_importable(client):
    result = preview(client, CARD, "card.csv", default_category_id=1)
    statuses = [(r["line"], r["status"], r["match"] and r["match"]["line"]) for r in result["rows"]]
    assert statuses == [(2, "ready", None), (3, "duplicate", 2), (4, "income", None)]
    assert "line 2 of this file" in result["rows"][1]["reason"]
    batch = run_import(client, CARD, "card.csv", default_category_id=1, include_lines=[3])
    assert batch["imported"] == 2
    assert stored(client) == [("2025-03-14", 4.5, "COFFEE SHOP", "Food")] * 2


def test_rows_without_category_need_a_choice(client):
    assert preview(client, CARD, "card.csv")["needs_default_category"] is True
    response = client.post("/imports", files={"file": ("card.csv", CARD)})
    assert response.status_code == 422
    assert response.json() == {"detail": "Invalid field 'default_category_id': some rows have no category; "
                                          "choose the category they go in."}


def test_unknown_category_mapped_to_new_or_existing(client):
    data = b"Date,Description,Amount,Category\n2025-03-01,Gym,-30.00,Sport\n2025-03-02,Pizza,-12.00,Eating out\n"
    result = preview(client, data, "x.csv")
    assert result["unknown_categories"] == ["Sport", "Eating out"]
    refused = client.post("/imports", files={"file": ("x.csv", data)})
    assert refused.status_code == 422 and "category_map" in refused.json()["detail"]
    run_import(client, data, "x.csv", category_map={"Sport": {"new": "Sport"}, "Eating out": {"id": 1}})
    assert stored(client) == [("2025-03-01", 30.0, "Gym", "Sport"), ("2025-03-02", 12.0, "Pizza", "Food")]


def test_revert_removes_exactly_the_batch_and_can_be_undone(client, add):
    mine = add(description="Typed by hand", amount=23.45, date="2025-03-03")
    batch = run_import(client, GIRO, include_lines=[2])
    before = stored(client)
    reverted = client.post(f"/imports/{batch['id']}/revert")
    assert reverted.status_code == 200 and reverted.json()["status"] == "reverted"
    assert stored(client) == [("2025-03-03", 23.45, "Typed by hand", "Food")]
    assert client.get(f"/expenses/{mine['id']}").status_code == 200
    assert client.post(f"/imports/{batch['id']}/revert").status_code == 409
    undone = client.post(f"/imports/{batch['id']}/restore")
    assert undone.json()["status"] == "imported"
    assert stored(client) == before


def test_damaged_file_says_which_line_and_imports_nothing(client):
    data = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4
    response = client.post("/imports", files={"file": ("statement.csv", data)})
    assert response.status_code == 400
    assert response.json()["detail"].startswith("statement.csv cannot be imported")
    assert client.get("/imports").json() == []


def test_failure_midway_leaves_nothing_half_imported(client, db_path):
    with sqlite3.connect(db_path) as conn:
        conn.execute("""create trigger boom before insert on expenses when new.description = 'DB Fahrkarte'
            begin select raise(abort, 'disk trouble'); end""")
    response = client.post("/imports", files={"file": ("giro.csv", GIRO)})
    assert response.status_code >= 400
    assert stored(client) == [] and client.get("/imports").json() == []


def test_mapping_is_saved_as_profile_and_chosen_next_time(client):
    mapping = preview(client, GIRO)["mapping"]
    mapping["description"] = [1, 3]  # the user adds the category column to the description
    run_import(client, GIRO, mapping=mapping, save_profile="Giro account")
    later = GIRO.replace(b"03.2025", b"04.2025")
    result = preview(client, later, "april.csv")
    assert result["profile"] == "Giro account"
    assert result["rows"][0]["description"] == "REWE Markt München · Food"
    assert [p["name"] for p in client.get("/imports/profiles").json()] == ["Giro account"]
    assert client.delete("/imports/profiles/Giro account").status_code == 204
    assert preview(client, later, "april.csv")["profile"] is None


def test_ambiguous_dates_offer_both_formats_and_follow_the_choice(client):
    data = b"Date,Description,Amount\n01/02/2025,Tea,-2.00\n03/04/2025,Cake,-3.00\n"
    result = preview(client, data, "a.csv", default_category_id=1)
    assert {"DD/MM/YYYY", "MM/DD/YYYY"} <= set(result["date_formats"])
    mapping = dict(result["mapping"], date_format="DD/MM/YYYY")
    chosen = preview(client, data, "a.csv", default_category_id=1, mapping=mapping)
    assert [r["date"] for r in chosen["rows"]] == ["2025-02-01", "2025-04-03"]
    mapping["date_format"] = "MM/DD/YYYY"
    chosen = preview(client, data, "a.csv", default_category_id=1, mapping=mapping)
    assert [r["date"] for r in chosen["rows"]] == ["2025-01-02", "2025-03-04"]


@pytest.mark.parametrize(
    ("options", "detail"),
    [
        ("{not json", "Invalid field 'options'"),
        ('{"include_lines": ["x"]}', "Invalid field 'options.include_lines.0'"),
        ('{"surprise": 1}', "'options.surprise' is not allowed"),
        ('{"default_category_id": 0}', "Invalid field 'options.default_category_id'"),
    ],
)
def test_bad_options_are_one_sentence(client, options, detail):
    response = client.post("/imports/preview", files={"file": ("giro.csv", GIRO)}, data={"options": options})
    assert response.status_code == 422
    assert detail in response.json()["detail"]


def test_upload_over_limit_is_413_json(client):
    response = client.post("/imports/preview", content=b"x", headers={"content-length": str(65 * 1024 * 1024), "content-type": "multipart/form-data; boundary=x"})
    assert response.status_code == 413
    assert response.json() == {"detail": "The request body is too large: at most 64 MB is accepted."}


def test_import_streams_progress_then_the_batch(client):
    response = client.post("/imports", files={"file": ("giro.csv", GIRO)}, headers={"accept": "application/x-ndjson"})
    events = [json.loads(line) for line in response.text.splitlines()]
    assert {e["phase"] for e in events if "phase" in e} >= {"Reading the file", "Importing"}
    assert events[-1]["batch"]["imported"] == 3


def test_import_stream_reports_errors(client):
    response = client.post("/imports", files={"file": ("card.csv", CARD)}, headers={"accept": "application/x-ndjson"})
    last = json.loads(response.text.splitlines()[-1])
    assert last["status"] == 422 and "default_category_id" in last["error"]


def test_monthly_totals_stay_exact_through_import_revert_and_restore(client, db_path, add):
    add(amount=1.1, date="2025-03-10")
    batch = run_import(client, GIRO)
    recount = """select substr(date, 1, 7), category_id, sum(cast(round(amount * 100) as integer)), count(*)
                 from expenses group by 1, 2 order by 1, 2"""
    kept = "select month, category_id, total_cents, count from monthly_totals where count > 0 order by 1, 2"
    for step in (None, "revert", "restore"):
        if step:
            client.post(f"/imports/{batch['id']}/{step}")
        with sqlite3.connect(db_path) as conn:
            assert conn.execute(kept).fetchall() == conn.execute(recount).fetchall(), step
            assert conn.execute("select count(*) from import_in_progress").fetchone() == (0,)


SAMPLES = Path(os.environ.get("EXPENSE_TRACKER_IMPORT_SAMPLES", Path(__file__).resolve().parents[2] / "shared" / "import-samples"))


@pytest.mark.parametrize("name", sorted(p.name for p in SAMPLES.glob("*") if p.suffix.lower() != ".md") or ["(none)"])
def test_real_bank_export_imports_end_to_end(client, name):
    if not SAMPLES.is_dir():
        pytest.skip(f"the real bank export samples are not at {SAMPLES} (set EXPENSE_TRACKER_IMPORT_SAMPLES)")
    data = (SAMPLES / name).read_bytes()
    first = preview(client, data, name, default_category_id=1)
    options = {"default_category_id": 1,
               "category_map": {category: {"new": category[:50].strip() or "Imported"} for category in first["unknown_categories"]}}
    batch = run_import(client, data, name, **options)
    counts = first["counts"]
    assert batch["imported"] == counts["ready"] > 0
    assert batch["imported"] + batch["skipped"] == counts["rows"]
    again = preview(client, data, name, **options)
    assert again["counts"]["selected"] == 0, "importing the same file twice must find every row already there"


def test_imported_rows_are_found_by_search_and_leave_with_a_revert(client, db_path):
    from test_search import index_is_sound

    batch = run_import(client, GIRO)
    found = [e["description"] for e in client.get("/expenses", params={"q": "backerei"}).json()]
    assert found == ["Bäckerei Müller"]
    assert client.get("/expenses/count", params={"q": "MUNCHEN"}).json() == {"count": 1}
    client.post(f"/imports/{batch['id']}/revert")
    assert client.get("/expenses", params={"q": "backerei"}).json() == []
    client.post(f"/imports/{batch['id']}/restore")
    assert [e["description"] for e in client.get("/expenses", params={"q": "müller"}).json()] == ["Bäckerei Müller"]
    assert index_is_sound(db_path)


# Three €2.90 tickets on one day; the running balance (newest first) says they are three purchases.
TICKETS = (
    "Buchungstag;Valutadatum;Beguenstigter/Zahlungspflichtiger;Verwendungszweck;Betrag;Saldo\n"
    "07.03.2025;07.03.2025;BVG;Fahrschein AB;-2,90;319,9\n"
    "07.03.2025;07.03.2025;BVG;Fahrschein AB;-2,90;322,8\n"
    "07.03.2025;07.03.2025;BVG;Fahrschein AB;-2,90;325,7\n"
    "06.03.2025;06.03.2025;REWE;Einkauf;-12,40;328,6\n"
).encode("latin-1")

SAME_DAY_TWINS = [
    pytest.param(TICKETS, "tickets.csv", [2, 3, 4, 5], id="running_balance"),
    pytest.param(
        b"Date,Reference,Description,Amount\n"
        b"14/03/2025,REF0001,COFFEE SHOP,-4.50\n14/03/2025,REF0002,COFFEE SHOP,-4.50\n",
        "refs.csv", [2, 3], id="distinct_references"),
    pytest.param(
        b"OFXHEADER:100\nDATA:OFXSGML\nVERSION:102\n\n<OFX><BANKMSGSRSV1><STMTTRNRS><STMTRS><BANKTRANLIST>\n"
        b"<STMTTRN><TRNTYPE>POS<DTPOSTED>20250314<TRNAMT>-4.50<FITID>A1<NAME>COFFEE SHOP</STMTTRN>\n"
        b"<STMTTRN><TRNTYPE>POS<DTPOSTED>20250314<TRNAMT>-4.50<FITID>A2<NAME>COFFEE SHOP</STMTTRN>\n"
        b"</BANKTRANLIST></STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>\n",
        "card.ofx", [6, 7], id="distinct_ofx_ids"),
]


@pytest.mark.parametrize(("data", "name", "lines"), SAME_DAY_TWINS)
def test_same_day_twins_the_file_tells_apart_are_separate_purchases(client, data, name, lines):
    result = preview(client, data, name, default_category_id=1)
    assert [(r["line"], r["status"]) for r in result["rows"]] == [(line, "ready") for line in lines]
    batch = run_import(client, data, name, default_category_id=1)
    assert batch["imported"] == len(lines)
    again = preview(client, data, name, default_category_id=1)  # the same file again: every row is caught
    assert [r["status"] for r in again["rows"]] == ["duplicate"] * len(lines)
    assert len({r["match"]["id"] for r in again["rows"]}) == len(lines)


def test_same_day_twins_imported_as_three_tickets(client):
    run_import(client, TICKETS, "tickets.csv", default_category_id=1)
    assert stored(client) == [("2025-03-06", 12.4, "REWE · Einkauf", "Food")] + [
        ("2025-03-07", 2.9, "BVG · Fahrschein AB", "Food")] * 3


MARKS = (b"Date,Amount,Type,Description\n"
         b"14/03/2025,5.00,DR,SHOP\n15/03/2025,9.00,CR,REFUND\n16/03/2025,7.00,,CAFE\n")


def test_included_row_without_debit_credit_mark_is_imported_as_money_out(client):
    flagged = preview(client, MARKS, "marks.csv", default_category_id=1)["rows"][2]
    assert (flagged["status"], flagged["reason"], flagged["selected"]) == ("problem", "No debit/credit mark", False)
    included = preview(client, MARKS, "marks.csv", default_category_id=1, include_lines=[4])["rows"][2]
    assert (included["status"], included["selected"]) == ("ready", True)
    assert included["reason"] == "No debit/credit mark; included as money out."
    run_import(client, MARKS, "marks.csv", default_category_id=1, include_lines=[4])
    assert stored(client) == [("2025-03-14", 5.0, "SHOP", "Food"), ("2025-03-16", 7.0, "CAFE", "Food")]


BROKEN = (
    b"Date,Description,Amount\n"
    b"2025-03-03,Bakery,-3.20\n"
    b"2025-03-04,Ticket,-abc\n"
)


@pytest.mark.parametrize(
    "lines, words",
    [
        ([3], "Invalid field 'include_lines': the row asked for cannot be imported (line 3: "),
        ([9], "(line 9: the file has no row on that line)"),
    ],
)
def test_included_row_that_cannot_be_imported_is_refused_in_words(client, lines, words):
    response = client.post("/imports", files={"file": ("broken.csv", BROKEN, "text/csv")},
                           data={"options": json.dumps({"default_category_id": 1, "include_lines": lines})})
    assert response.status_code == 422, response.text
    assert words in response.json()["detail"]
    assert client.get("/expenses").json() == []
    # Without the request, the good row imports and the bad one is reported, as before.
    assert run_import(client, BROKEN, "broken.csv", default_category_id=1)["imported"] == 1
