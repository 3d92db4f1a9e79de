"""Imports that land in the right category: rules first, then what the person's own expenses
taught, then the default; every row says why, and the person can change it before importing."""

import json

import pytest

# A German giro account's export, as Sparkasse-style banks write it: Latin-1, semicolons,
# decimal commas, payee and purpose in separate columns, no category column.
HEADER = "Buchungstag;Valutadatum;Auftraggeber/Empfänger;Verwendungszweck;Betrag;Saldo\n"
NOVEMBER = HEADER + (
    "03.11.2026;04.11.2026;REWE SAGT DANKE 48211934;Kartenzahlung // BERLIN;-23,45;1.976,55\n"
    "05.11.2026;05.11.2026;Hausverwaltung Schmidt;Miete 11/2026 Whg 4;-850,00;1.126,55\n"
    "07.11.2026;08.11.2026;DB Vertrieb GmbH;Fahrkarte 8841XK2;-39,90;1.086,65\n"
    "12.11.2026;12.11.2026;REWE Markt GmbH;Hamburg 4711 Kartenzahlung;-61,20;1.025,45\n"
    "20.11.2026;21.11.2026;Stadtwerke Berlin;Abschlag 2208841;-74,00;951,45\n"
)
DECEMBER = HEADER + (
    "02.12.2026;03.12.2026;REWE SAGT DANKE 99120047;Kartenzahlung // POTSDAM;-18,70;932,75\n"
    "05.12.2026;05.12.2026;Hausverwaltung Schmidt;Miete 12/2026 Whg 4;-850,00;82,75\n"
    "09.12.2026;09.12.2026;DB Vertrieb GmbH;Fahrkarte 1177QP9;-29,90;52,85\n"
    "15.12.2026;16.12.2026;Netto Marken-Discount;Filiale 3321;-12,35;40,50\n"
)


def send(client, path, data, name, **options):
    return client.post(path, files={"file": (name, data.encode("latin-1"), "text/csv")},
                       data={"options": json.dumps(options)})


@pytest.fixture
def categories(client):
    ids = {c["name"]: c["id"] for c in client.get("/categories").json()}
    for name in ("Groceries", "Rent"):
        ids[name] = client.post("/categories", json={"name": name}).json()["id"]
    return ids


def categories_of(client, month):
    last = {"2026-11": "30", "2026-12": "31"}[month]
    listed = client.get("/expenses", params={"date_from": f"{month}-01", "date_to": f"{month}-{last}", "sort": "date",
                                             "order": "asc"}).json()
    return [(e["description"].split(" · ")[0], e["category_name"]) for e in listed]


def test_import_correct_then_import_again_lands_in_the_right_categories(client, categories):
    first = send(client, "/imports", NOVEMBER, "november.csv", default_category_id=categories["Food"])
    assert first.status_code == 201, first.text
    assert {c for _, c in categories_of(client, "2026-11")} == {"Food"}  # nothing learned yet: the default
    # The person corrects November in the window's bulk edit, by search.
    for q, name in [("rewe", "Groceries"), ("hausverwaltung", "Rent"), ("fahrkarte", "Transport"),
                    ("stadtwerke", "Utilities")]:
        moved = client.post("/expenses/bulk", json={"action": "category", "filter": {"q": q},
                                                    "category_id": categories[name]})
        assert moved.status_code == 200, moved.text
    preview = send(client, "/imports/preview", DECEMBER, "december.csv", default_category_id=categories["Food"]).json()
    because = [(r["description"].split(" · ")[0], r["category_source"], r["category_reason"]) for r in preview["rows"]]
    assert because == [
        ("REWE SAGT DANKE 99120047", "learned", "like 2 earlier expenses with REWE"),
        ("Hausverwaltung Schmidt", "learned", "like 1 earlier expense with Hausverwaltung"),
        ("DB Vertrieb GmbH", "learned", "like 1 earlier expense with DB"),
        ("Netto Marken-Discount", "default", "default"),
    ]
    assert preview["category_sources"] == {"learned": 3, "default": 1}
    assert send(client, "/imports", DECEMBER, "december.csv", default_category_id=categories["Food"]).status_code == 201
    assert categories_of(client, "2026-12") == [
        ("REWE SAGT DANKE 99120047", "Groceries"), ("Hausverwaltung Schmidt", "Rent"),
        ("DB Vertrieb GmbH", "Transport"), ("Netto Marken-Discount", "Food"),
    ]


def test_import_rule_wins_over_learning_and_cleans_the_description(client, categories):
    send(client, "/imports", NOVEMBER, "november.csv", default_category_id=categories["Food"])
    rule = client.post("/rules", json={"pattern": "netto", "category_id": categories["Groceries"],
                                       "description": "Netto"})
    assert rule.status_code == 201
    preview = send(client, "/imports/preview", DECEMBER, "december.csv", default_category_id=categories["Food"]).json()
    netto = preview["rows"][3]
    assert (netto["description"], netto["category_id"], netto["category_source"], netto["category_reason"]) == (
        "Netto", categories["Groceries"], "rule", f"rule {rule.json()['id']}: contains netto")
    assert netto["file_description"].startswith("Netto Marken-Discount")


def test_import_a_row_the_person_moved_in_the_preview_goes_there(client, categories):
    response = send(client, "/imports", NOVEMBER, "november.csv", default_category_id=categories["Food"],
                    row_categories={"3": categories["Rent"]})
    assert response.status_code == 201, response.text
    assert categories_of(client, "2026-11")[1] == ("Hausverwaltung Schmidt", "Rent")


def test_import_without_default_needs_one_only_for_rows_nothing_placed(client, categories):
    client.post("/rules", json={"pattern": "", "category_id": categories["Groceries"]})  # refused: empty
    for pattern in ("REWE", "Hausverwaltung", "DB Vertrieb", "Stadtwerke"):
        client.post("/rules", json={"pattern": pattern, "category_id": categories["Groceries"]})
    preview = send(client, "/imports/preview", NOVEMBER, "november.csv").json()
    assert preview["needs_default_category"] is False
    assert preview["counts"]["selected"] == 5
    december = send(client, "/imports/preview", DECEMBER, "december.csv").json()
    assert december["needs_default_category"] is True  # the Netto row: nothing places it
