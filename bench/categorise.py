"""How often an import lands in the right category: a person imports one month of a statement
into the default category, corrects the categories, then imports the next month.

Statements are made here to look like real German and UK ones: the same merchant written several
ways, with card numbers, dates, times, references, store numbers and cities around it; some
merchants appear only in the second month. Every run uses a fresh database through the app's own
schema and triggers (the corrections are plain UPDATEs, as any program could make them).

    .venv/bin/python bench/categorise.py [--rows 300] [--seed 1] [--trials 5]

Prints, per statement style: rows of month two, accuracy on merchants seen in month one (target
>= 95%), accuracy on all rows (target >= 80%), and the time to count and guess.
"""

import argparse
import random
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tracker.db import init_database
from tracker.learning import Learner, catch_up, create_learning

CITIES_DE = ["BERLIN", "Hamburg", "MUENCHEN", "Koeln", "Frankfurt", "Leipzig", "STUTTGART", "Dresden"]
CITIES_UK = ["LONDON", "MANCHESTER", "Leeds", "BRISTOL", "GLASGOW", "Cardiff", "OXFORD"]

# (category, ways the bank writes the merchant); {n} digits, {city}, {date}, {time}, {ref} filled per row.
MERCHANTS_DE = [
    ("Groceries", ["REWE SAGT DANKE {n8} // {city}", "REWE Markt GmbH {city} {n4}", "Kartenzahlung REWE {n4} {date}"]),
    ("Groceries", ["EDEKA {city} {n6}", "EDEKA Center {n4} {city}", "E-Center Edeka {date} {time}"]),
    ("Groceries", ["ALDI SUED {n4} {city}", "ALDI SAGT DANKE {n8}", "Aldi GmbH + Co. KG {city}"]),
    ("Groceries", ["LIDL DIENSTL. {n4} {city}", "Lidl sagt Danke {date}", "LIDL {n6} {city}"]),
    ("Household", ["DM-Drogerie Markt {n4} {city}", "DM FIL.{n4} {city}", "dm-drogerie markt GmbH + Co. KG"]),
    ("Household", ["ROSSMANN {n4} {city}", "Dirk Rossmann GmbH {n6}"]),
    ("Transport", ["DB Vertrieb GmbH {ref}", "DB BAHN A-NR {ref} {date}", "Deutsche Bahn Fahrkarte {n8}"]),
    ("Transport", ["BVG Ticket {n6}", "BVG App {date} {time}", "Berliner Verkehrsbetriebe {ref}"]),
    ("Transport", ["SHELL {n4} {city}", "Shell Deutschland Oil {n8}", "SHELL TANKSTELLE {city}"]),
    ("Transport", ["ARAL STATION {n6} {city}", "Aral AG {n4}"]),
    ("Utilities", ["Vodafone GmbH {ref} Kd-Nr {n8}", "VODAFONE DEUTSCHLAND {ref}"]),
    ("Utilities", ["Telekom Deutschland GmbH Rechnung {n8} {ref}", "TELEKOM {ref}"]),
    ("Utilities", ["Stadtwerke {city} Abschlag {n6}", "STADTWERKE {city} GmbH {ref}"]),
    ("Rent", ["Miete {date} Whg {n4} Hausverwaltung Schmidt", "HAUSVERWALTUNG SCHMIDT Miete {n4}"]),
    ("Subscriptions", ["NETFLIX.COM {n8}", "Netflix International B.V. {ref}"]),
    ("Subscriptions", ["Spotify AB {ref}", "SPOTIFY P{n8}", "PayPal Europe S.a.r.l. SPOTIFY {ref}"]),
    ("Shopping", ["AMAZON EU S.A R.L. {ref}", "AMZN Mktp DE {ref}", "Amazon.de {n8} {date}"]),
    ("Shopping", ["ZALANDO SE {ref}", "Zalando Payments GmbH {n8}"]),
    ("Eating out", ["LIEFERANDO.DE {n8}", "Lieferando {ref} {date}"]),
    ("Eating out", ["MCDONALDS {n4} {city}", "McDonald's Deutschland {n6}"]),
    ("Health", ["APOTHEKE AM MARKT {city}", "Apotheke am Markt {n4}"]),
    ("Insurance", ["ALLIANZ VERSICHERUNGS-AG {ref}", "Allianz Beitrag {n8}"]),
    ("Insurance", ["HUK-COBURG {ref} Beitrag", "HUK COBURG Versicherung {n8}"]),
    ("Fitness", ["FITNESS FIRST GERMANY {ref}", "Fitness First {city} {n4}"]),
]
NEW_DE = [
    ("Groceries", ["NETTO MARKEN-DISCOUNT {n4} {city}", "Netto Marken-Discount {date}"]),
    ("Household", ["IKEA DEUTSCHLAND {city} {n6}", "IKEA {city} {n4}"]),
    ("Eating out", ["Burger King {n4} {city}", "BURGER KING {city}"]),
    ("Shopping", ["MediaMarkt {city} {n4}", "MEDIA MARKT {n6}"]),
]
MERCHANTS_UK = [
    ("Groceries", ["TESCO STORES {n4} {city}", "CARD PAYMENT TO TESCO STORES {n4} ON {date}", "TESCO PFS {n4}"]),
    ("Groceries", ["SAINSBURYS S/MKTS {city}", "CARD PAYMENT TO SAINSBURYS S/MKT ON {date}", "SAINSBURY'S {n4}"]),
    ("Groceries", ["ASDA STORES {city}", "ASDA SUPERSTORE {n4} {city}"]),
    ("Groceries", ["WAITROSE {n4} {city}", "WAITROSE & PARTNERS {city}"]),
    ("Transport", ["TFL TRAVEL CH", "TFL.GOV.UK/CP {date}", "TFL TRAVEL CHARGE TFL.GOV.UK/CP"]),
    ("Transport", ["UBER *TRIP {ref} HELP.UBER.COM", "UBER * TRIP {n8}"]),
    ("Transport", ["TRAINLINE.COM {ref}", "TRAINLINE {n8} {city}"]),
    ("Utilities", ["DIRECT DEBIT PAYMENT TO BRITISH GAS REF {ref}", "BRITISH GAS {n8}"]),
    ("Utilities", ["THAMES WATER UTILITIE {ref}", "DD THAMES WATER {n6}"]),
    ("Utilities", ["BT GROUP PLC {ref}", "BT.COM {n8}"]),
    ("Rent", ["STANDING ORDER TO J SMITH LETTINGS RENT {n4}", "J SMITH LETTINGS {ref}"]),
    ("Eating out", ["PRET A MANGER {n4} {city}", "PRET A MANGER {city}"]),
    ("Eating out", ["COSTA COFFEE {n6} {city}", "COSTA {n4} {city}"]),
    ("Eating out", ["DELIVEROO {ref}", "DELIVEROO.CO.UK {n8}"]),
    ("Subscriptions", ["NETFLIX.COM {n8}", "Netflix.com {ref}"]),
    ("Subscriptions", ["PAYPAL *SPOTIFY {n8}", "SPOTIFY UK {ref}"]),
    ("Shopping", ["AMZNMKTPLACE*{ref}", "AMAZON.CO.UK*{ref}", "AMZN Mktp UK*{ref}"]),
    ("Shopping", ["ARGOS LTD {n4} {city}", "ARGOS {city}"]),
    ("Health", ["BOOTS {n4} {city}", "BOOTS THE CHEMIST {city}"]),
    ("Fitness", ["PUREGYM {ref}", "PURE GYM LTD {n8}"]),
]
NEW_UK = [
    ("Groceries", ["LIDL GB {city}", "LIDL GB {n4} {city}"]),
    ("Eating out", ["NANDOS {city} {n4}", "NANDO'S {city}"]),
    ("Shopping", ["JOHN LEWIS {n4} {city}", "JOHN LEWIS PLC {city}"]),
]


def fill(template: str, rng: random.Random, cities: list[str]) -> str:
    def digits(n: int) -> str:
        return "".join(rng.choice("0123456789") for _ in range(n))

    ref = "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789") for _ in range(10))
    return template.format(
        n4=digits(4), n6=digits(6), n8=digits(8), city=rng.choice(cities), ref=ref,
        date=f"{rng.randint(1, 28):02d}.{rng.randint(1, 12):02d}", time=f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}",
    )


def statement(rng, merchants, cities, rows):
    # Real statements are skewed: a few merchants make most rows.
    weights = [1 / (rank + 1) ** 0.7 for rank in range(len(merchants))]
    picks = rng.choices(range(len(merchants)), weights=weights, k=rows)
    return [(merchants[i][0], fill(rng.choice(merchants[i][1]), rng, cities), i) for i in picks]


def baseline_guesses(first, second):
    """What simpler methods would say, for comparison: the category of the latest earlier expense
    with the same description (as payee matching does), or with the same first word."""
    exact, first_word = {}, {}
    for category, description, _ in first:
        exact[description.casefold()] = category
        first_word[description.split()[0].casefold()] = category
    return ([exact.get(d.casefold(), "Food") for _, d, _ in second],
            [first_word.get(d.split()[0].casefold(), "Food") for _, d, _ in second])


def trial(style: str, rows: int, seed: int) -> dict:
    rng = random.Random(seed)
    merchants, new, cities = {
        "German": (MERCHANTS_DE, NEW_DE, CITIES_DE), "UK": (MERCHANTS_UK, NEW_UK, CITIES_UK)}[style]
    first = statement(rng, merchants, cities, rows)
    second = statement(rng, merchants + new, cities, rows)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "expenses.db"
        init_database(path)
        conn = sqlite3.connect(path, isolation_level=None)
        create_learning(conn)
        categories = sorted({c for c, _ in merchants + new} | {"Food"})
        ids = {}
        for name in categories:
            ids[name] = conn.execute(
                "insert into categories (name) values (?) on conflict (name) do update set name = name returning id", (name,)
            ).fetchone()[0]
        conn.execute("begin")
        inserted = [
            conn.execute("insert into expenses (amount, description, category_id, date) values (?, ?, ?, '2026-10-05')",
                         (9.99, description, ids["Food"])).lastrowid
            for _, description, _ in first
        ]
        conn.execute("commit")
        conn.execute("begin")  # the person corrects every row, one by one
        for expense_id, (category, _, _) in zip(inserted, first, strict=True):
            conn.execute("update expenses set category_id = ? where id = ?", (ids[category], expense_id))
        conn.execute("commit")
        started = time.perf_counter()
        conn.execute("begin")
        catch_up(conn)
        conn.execute("commit")
        learner = Learner(conn)
        names = {number: name for name, number in ids.items()}
        guesses = []
        for _, description, _ in second:
            guess = learner.guess(description)
            guesses.append(names[guess.category_id] if guess else "Food")
        elapsed = time.perf_counter() - started
        conn.close()
    seen = {merchant for _, _, merchant in first}
    result = {"rows": len(second), "seen": sum(m in seen for _, _, m in second), "seconds": elapsed}
    exact, first_word = baseline_guesses(first, second)
    for method, chosen in (("learned", guesses), ("exact", exact), ("first word", first_word)):
        right = [c == category for c, (category, _, _) in zip(chosen, second, strict=True)]
        result[method] = (sum(ok for ok, (_, _, m) in zip(right, second, strict=True) if m in seen), sum(right))
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=300, help="rows per monthly statement")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--trials", type=int, default=5)
    args = parser.parse_args()
    print("| Statement | Rows (month two) | Method | Seen merchants right | All rows right | Count + guess |")
    print("|---|---|---|---|---|---|")
    for style in ("German", "UK"):
        results = [trial(style, args.rows, args.seed + number) for number in range(args.trials)]
        rows, seen = sum(r["rows"] for r in results), sum(r["seen"] for r in results)
        elapsed = sum(r["seconds"] for r in results) / args.trials
        for method, label in (("learned", "this app"), ("exact", "same description"), ("first word", "same first word")):
            right_seen = sum(r[method][0] for r in results)
            right = sum(r[method][1] for r in results)
            timing = f"{elapsed * 1000:.0f} ms" if method == "learned" else ""
            print(f"| {style} ({args.trials} × {args.rows}) | {rows:,} | {label} | {right_seen / seen:.1%} (target ≥ 95%) | "
                  f"{right / rows:.1%} (target ≥ 80%) | {timing} |")


if __name__ == "__main__":
    main()
