"""Make the pictures in docs/ from the running app: `.venv/bin/python docs/screenshots.py`.

Starts the API on a fresh database (a temporary folder), fills it with three months of a
believable person's expenses, opens the page in Debian's Chromium at 1280×800 with the clock at
20 March 2025, and writes each view as a PNG here. Look at them before committing.
"""

import random
import sys
import tempfile
from datetime import date, timedelta
from pathlib import Path

DOCS = Path(__file__).resolve().parent
sys.path.insert(0, str(DOCS.parent / "tests"))

from playwright.sync_api import sync_playwright  # noqa: E402

from browser import NOW, Api, launch_chromium, wait_until_loaded  # noqa: E402
from conftest import start_server, stop_server  # noqa: E402

VIEWPORT = {"width": 1280, "height": 800}
SHOPS = [
    ("REWE SAGT DANKE", "Groceries", 18, 70), ("Bäckerei Müller", "Food", 2.5, 9),
    ("Café Zentral", "Food", 3.2, 12), ("BVG Monatskarte", "Transport", 58, 58),
    ("DB Fahrkarte", "Transport", 19.9, 89), ("Stadtwerke Abschlag", "Utilities", 74, 74),
    ("Netflix", "Subscriptions", 13.99, 13.99), ("Apotheke am Markt", "Health", 4.5, 31),
    ("Buchhandlung Lehmkuhl", "Books", 9, 35),
]
CATEGORIES = {"Groceries": "#2a9d8f", "Subscriptions": "#e76f51", "Health": "#264653", "Books": "#f4a261", "Rent": "#6d597a"}


def seed(api: Api) -> dict[str, int]:
    ids = {c["name"]: c["id"] for c in api.get("/categories")}
    for name, color in CATEGORIES.items():
        ids[name] = api.add_category(name, color)["id"]
    rng = random.Random(7)
    day = date(2025, 1, 1)
    while day <= date(2025, 3, 20):
        if day.day == 1:
            api.add(950, "Miete Hausverwaltung Schmidt", ids["Rent"], day)
        for _ in range(rng.choice([0, 1, 1, 2])):
            shop, category, low, high = rng.choice(SHOPS)
            api.add(round(rng.uniform(low, high), 2), shop, ids[category], day)
        day += timedelta(days=1)
    # Imported before the rule existed: Tidy finds them.
    for day_number, amount in ((4, 23.45), (11, 61.2), (19, 17.9)):
        api.add(amount, f"REWE Markt GmbH Hamburg {4700 + day_number}", ids["Food"], date(2025, 2, day_number))
    api.put(f"/budgets/{ids['Groceries']}", {"amount": 250})
    api.put(f"/budgets/{ids['Food']}", {"amount": 120})
    api.put("/budgets/overall", {"amount": 1600})
    api.post("/recurring", {"amount": 13.99, "description": "Netflix", "category_id": ids["Subscriptions"],
                            "frequency": "monthly", "start_date": "2025-04-05"})
    api.post("/rules", {"pattern": "REWE", "category_id": ids["Groceries"]})
    return ids


def shoot(page, name: str) -> None:
    page.wait_for_timeout(300)  # let transitions end
    page.screenshot(path=str(DOCS / f"{name}.png"))
    print("wrote", DOCS / f"{name}.png")


def open_page(browser, url: str, path: str = "/", scheme: str = "light"):
    context = browser.new_context(locale="en-US", timezone_id="UTC", color_scheme=scheme, viewport=VIEWPORT)
    page = context.new_page()
    page.clock.set_fixed_time(NOW)
    page.goto(url + path, wait_until="commit")
    wait_until_loaded(page)
    return page


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        server = start_server(Path(folder) / "expenses.db")
        try:
            api = Api(server.url)
            ids = seed(api)
            with sync_playwright() as playwright:
                browser = launch_chromium(playwright)
                for scheme in ("light", "dark"):
                    page = open_page(browser, server.url, scheme=scheme)
                    shoot(page, f"main-{scheme}")
                    if scheme == "light":
                        shoot(page, "screenshot")
                    page.get_by_role("button", name="Groceries", exact=False).first.click()
                    shoot(page, f"month-{scheme}")
                    page.context.close()
                page = open_page(browser, server.url)
                page.keyboard.press("Escape")
                page.keyboard.press("/")
                page.keyboard.type("cafe")
                page.wait_for_timeout(600)
                shoot(page, "budgets")
                page.context.close()
                page = open_page(browser, server.url)
                page.locator("#open-recurring").click()
                shoot(page, "recurring")
                page.keyboard.press("Escape")
                page.locator("#open-backups").click()
                page.locator("#backup-now").click()
                page.wait_for_timeout(800)
                shoot(page, "backups")
                page.keyboard.press("Escape")
                page.context.close()
                page = open_page(browser, server.url)
                statement = Path(folder) / "konto.csv"
                statement.write_bytes((
                    "Buchungstag;Valutadatum;Auftraggeber/Empfänger;Verwendungszweck;Betrag;Saldo\n"
                    "21.03.2025;21.03.2025;REWE SAGT DANKE 99120047;Kartenzahlung // BERLIN;-18,70;932,75\n"
                    "22.03.2025;24.03.2025;Café Zentral;Kartenzahlung;-4,20;928,55\n"
                    "24.03.2025;24.03.2025;DB Vertrieb GmbH;Fahrkarte 1177QP9;-29,90;898,65\n"
                    "25.03.2025;25.03.2025;Netto Marken-Discount;Filiale 3321;-12,35;886,30\n"
                    "26.03.2025;26.03.2025;Arbeitgeber GmbH;Gehalt März;2.450,00;3.336,30\n"
                ).encode("latin-1"))
                page.locator("#open-import").click()
                page.locator("#import-dialog input[type=file]").set_input_files(str(statement))
                page.wait_for_selector("#import-go:not([hidden])")
                shoot(page, "import")
                # The first row split in two by keyboard: its Split… button, then the parts editor.
                page.get_by_role("button", name="Split line 2: REWE SAGT DANKE 99120047").focus()
                page.keyboard.press("Enter")
                page.wait_for_selector("#import-split-dialog[open]")
                page.keyboard.type("12.20")  # the empty part's amount has the focus
                for _ in range(4):  # back to the first part's amount: category, Remove, note, amount
                    page.keyboard.press("Shift+Tab")
                page.keyboard.press("Control+a")
                page.keyboard.type("6.50")
                page.wait_for_timeout(300)
                shoot(page, "import-split")
                page.keyboard.press("Escape")
                page.keyboard.press("Escape")
                page.locator("#open-rules").click()
                page.wait_for_selector("#rules-dialog[open]")
                shoot(page, "rules")
                page.get_by_role("button", name="Tidy categories…").click()
                page.wait_for_selector("#tidy-dialog[open]")
                page.wait_for_timeout(800)
                shoot(page, "tidy")
                page.context.close()
                page = open_page(browser, server.url)
                boxes = page.locator("input.select-row")
                boxes.nth(1).click()
                boxes.nth(4).click(modifiers=["Shift"])
                page.wait_for_selector("#bulk-bar:not([hidden])")
                shoot(page, "bulk")
                page.context.close()
                page = open_page(browser, server.url)
                page.keyboard.type("4.2")
                page.keyboard.press("Tab")
                page.keyboard.type("Caf")
                page.wait_for_timeout(500)
                shoot(page, "keyboard")
                page.context.close()
                browser.close()
            del ids
        finally:
            stop_server(server)


if __name__ == "__main__":
    main()
