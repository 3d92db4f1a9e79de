"""Importing a bank file in the page (web/import.js, web/batches.js), in a real browser.

Same set-up as tests/test_web.py (its fixtures are used here): Debian's Chromium through
Playwright, a real server on a fresh database for each test, the page's clock pinned to
Thursday 2025-03-20, en-US, UTC. Files are given to the page as bytes written here, the way a
person picks them in the file dialog (or drops them on the window).
"""

import re

import pytest
from playwright.sync_api import expect

from browser import (
    AXE_SCRIPT,
    FOOD,
    TRANSPORT,
    descriptions,
    month_total,
    serious_violations,
    shown_rows,
    table,
)

# A German bank's export: Latin-1, semicolons, decimal commas, DD.MM.YYYY, one income row.
GIRO = (
    "Buchungstag;Verwendungszweck;Betrag;Kategorie\n"
    "03.03.2025;REWE Markt München;-23,45;Food\n"
    "04.03.2025;Gehalt März;2.500,00;\n"
    "05.03.2025;DB Fahrkarte;-1.234,50;Transport\n"
    "06.03.2025;Bäckerei Müller;-3,20;Food\n"
).encode("latin-1")

GIRO_ROWS = [  # as the preview shows them: Import, line, date, description, category, amount, status
    ["yes", "2", "Mar 3, 2025", "REWE Markt München", "Food", "$23.45", "Ready"],
    ["no", "3", "Mar 4, 2025", "Gehalt März", "–", "$2,500.00", "Money in"],
    ["yes", "4", "Mar 5, 2025", "DB Fahrkarte", "Transport", "$1,234.50", "Ready"],
    ["yes", "5", "Mar 6, 2025", "Bäckerei Müller", "Food", "$3.20", "Ready"],
]

# 01/02 and 03/04 read as DD/MM or as MM/DD: only the user knows.
AMBIGUOUS = b"Date,Description,Amount\n01/02/2025,Tea,-2.00\n03/04/2025,Cake,-3.00\n"


def import_dialog(page):
    return page.get_by_role("dialog", name="Import a bank file")


def open_import(page):
    page.get_by_role("button", name="Import", exact=True).click()
    dialog = import_dialog(page)
    expect(dialog).to_be_visible()
    return dialog


def choose_file(page, data, name="giro.csv", mime="text/csv"):
    """Open the Import dialog (if needed) and pick a file in it, as the file dialog would."""
    dialog = import_dialog(page)
    if not dialog.is_visible():
        open_import(page)
    dialog.get_by_label("Bank file").set_input_files(files=[{"name": name, "mimeType": mime, "buffer": data}])
    return dialog


def check_form(dialog):
    return dialog.get_by_role("form", name="Check the import")


def counts(dialog):
    return dialog.locator("#import-counts")


def import_button(dialog):
    return dialog.get_by_role("button", name=re.compile(r"^Import \d"))


def preview_rows(dialog):
    return dialog.get_by_role("table", name="Rows in the file").locator("tbody tr").evaluate_all("""rows => rows.map(row => {
        const box = row.cells[0].querySelector("input");
        return [box ? (box.checked ? "yes" : "no") : "–",
                ...[...row.cells].slice(1, 6).map(cell => {  // a category is the choice in its select
                    const select = cell.querySelector("select");
                    return select ? select.selectedOptions[0].text : cell.innerText.trim();
                }),
                row.cells[6].querySelector("strong").innerText];
    })""")


def status_of(dialog, description):
    """The words in the Status cell of the row with this description."""
    row = dialog.get_by_role("table", name="Rows in the file").locator("tbody tr").filter(has_text=description)
    return row.locator("td").nth(6)


def import_now(page, dialog, expected_count):
    button = import_button(dialog)
    expect(button).to_have_text(f"Import {expected_count} expense{'' if expected_count == 1 else 's'}")
    expect(button).to_be_enabled()
    button.click()
    expect(dialog).to_be_hidden()


def stored(api):
    return [(e["date"], e["amount"], e["description"], e["category_name"])
            for e in api.expenses("sort=date&order=asc&limit=200")]


GIRO_STORED = [
    ("2025-03-03", 23.45, "REWE Markt München", "Food"),
    ("2025-03-05", 1234.5, "DB Fahrkarte", "Transport"),
    ("2025-03-06", 3.2, "Bäckerei Müller", "Food"),
]


# ---------------------------------------------------------------------------
# Preview, then import
# ---------------------------------------------------------------------------

def test_import_latin1_csv_preview_shows_rows_as_stored(open_page, api):
    page = open_page()
    dialog = choose_file(page, GIRO)
    expect(check_form(dialog)).to_be_visible()
    expect(dialog.locator("#import-about")).to_have_text(
        "giro.csv: a CSV file in latin-1, columns separated by semicolons, with a header row. "
        "The columns were guessed from the file; check them below.")
    expect(counts(dialog)).to_have_text("4 rows: 3 to import, 0 duplicates, 1 money in, 0 with a problem")
    assert preview_rows(dialog) == GIRO_ROWS
    expect(status_of(dialog, "Gehalt")).to_contain_text("This app tracks expenses, so it is skipped unless you include it.")
    # The columns and formats it found, shown so they can be put right.
    expect(dialog.get_by_label("Date", exact=True).locator("option:checked")).to_have_text("Buchungstag")
    expect(dialog.get_by_label("Amount", exact=True).locator("option:checked")).to_have_text("Betrag")
    expect(dialog.get_by_label("Category", exact=True).locator("option:checked")).to_have_text("Kategorie")
    expect(dialog.get_by_role("group", name="Description, from").get_by_label("Verwendungszweck")).to_be_checked()
    expect(dialog.get_by_label("Date format")).to_have_value("DD.MM.YYYY")
    expect(dialog.get_by_label("Amounts are written")).to_have_value(",")
    expect(dialog.locator("#import-date-warning")).to_be_hidden()
    expect(import_button(dialog)).to_have_text("Import 3 expenses")
    assert api.expenses() == []  # looking writes nothing
    assert api.get("/imports") == []


def test_import_latin1_csv_rows_appear_in_table(open_page, api):
    page = open_page()
    dialog = choose_file(page, GIRO)
    seen = []
    page.on("request", lambda r: r.method == "POST" and r.url.endswith("/imports") and seen.append(r.headers))
    import_now(page, dialog, 3)
    expect(page.get_by_role("status")).to_contain_text("Imported 3 expenses from giro.csv; 1 skipped.")
    expect(descriptions(page)).to_have_text(["Bäckerei Müller", "DB Fahrkarte", "REWE Markt München"])
    assert shown_rows(page)[0] == ["Mar 6, 2025", "Bäckerei Müller", "Food", "$3.20"]
    assert seen[0]["accept"] == "application/x-ndjson"  # read as a stream of progress lines
    assert stored(api) == GIRO_STORED
    [batch] = api.get("/imports")
    assert (batch["file_name"], batch["imported"], batch["skipped"], batch["status"]) == ("giro.csv", 3, 1, "imported")


def test_import_progress_shows_phase_and_numbers(open_page, api):
    rows = "".join(f"2025-01-{1 + n % 28:02d},Shop {n},-{1 + n / 100:.2f},Food\n" for n in range(12_000))
    data = ("Date,Description,Amount,Category\n" + rows).encode()
    page = open_page()
    dialog = choose_file(page, data, "big.csv")
    expect(counts(dialog)).to_have_text("12,000 rows: 12,000 to import, 0 duplicates, 0 money in, 0 with a problem")
    expect(dialog.locator("#import-unlisted")).to_contain_text("The other 11,980 rows are imported as they are.")
    # Every text the progress line shows, as it shows it.
    page.evaluate("""() => {
        window.progressTexts = [];
        new MutationObserver((records) => records.forEach((r) => r.addedNodes.forEach((n) => progressTexts.push(n.textContent))))
            .observe(document.querySelector("#import-progress-text"), { childList: true });
    }""")
    import_now(page, dialog, "12,000")
    expect(page.get_by_role("status")).to_contain_text("Imported 12,000 expenses from big.csv.")
    texts = page.evaluate("progressTexts")
    assert "Reading the file…" in texts
    assert "Looking for duplicates 5,000 of 12,000" in texts
    assert "Importing 5,000 of 12,000" in texts
    assert texts[-1] == "Importing 12,000 of 12,000"
    assert api.get("/expenses/count")["count"] == 12_000


def test_import_same_file_again_flags_duplicates_and_imports_a_ticked_one(open_page, api):
    page = open_page()
    import_now(page, choose_file(page, GIRO), 3)
    expect(descriptions(page)).to_have_count(3)
    ids = {e["description"]: e["id"] for e in api.expenses()}

    dialog = choose_file(page, GIRO)
    expect(counts(dialog)).to_have_text("4 rows: 0 to import, 3 duplicates, 1 money in, 0 with a problem")
    assert [(row[0], row[3], row[6]) for row in preview_rows(dialog)] == [
        ("no", "REWE Markt München", "Duplicate"),
        ("no", "Gehalt März", "Money in"),
        ("no", "DB Fahrkarte", "Duplicate"),
        ("no", "Bäckerei Müller", "Duplicate"),
    ]
    expect(status_of(dialog, "DB Fahrkarte")).to_contain_text("Looks like: Mar 5, 2025, DB Fahrkarte, $1,234.50")
    expect(status_of(dialog, "DB Fahrkarte")).to_contain_text("Same amount, the same day, similar description.")
    expect(import_button(dialog)).to_be_disabled()
    expect(dialog.locator("#import-hint")).to_have_text("Nothing to import: tick the rows you want.")

    dialog.get_by_role("checkbox", name="Import line 4: DB Fahrkarte").check()
    expect(counts(dialog)).to_have_text("4 rows: 1 to import, 3 duplicates, 1 money in, 0 with a problem")
    import_now(page, dialog, 1)
    expect(page.get_by_role("status")).to_contain_text("Imported 1 expense from giro.csv; 3 skipped.")
    expect(descriptions(page)).to_have_count(4)
    fahrkarten = [e for e in api.expenses() if e["description"] == "DB Fahrkarte"]
    assert len(fahrkarten) == 2 and ids["DB Fahrkarte"] in {e["id"] for e in fahrkarten}
    assert len(api.expenses()) == 4


def test_import_ready_row_unticked_is_skipped_and_income_ticked_is_imported(open_page, api):
    page = open_page()
    dialog = choose_file(page, GIRO)
    dialog.get_by_role("checkbox", name="Import line 5: Bäckerei Müller").uncheck()
    expect(status_of(dialog, "Bäckerei")).to_contain_text("Skipped by you")
    dialog.get_by_role("checkbox", name="Import line 3: Gehalt März").check()
    # Money in has no category in this file: the page asks where it goes.
    default = dialog.get_by_label("Category for rows without one")
    expect(default).to_be_visible()
    expect(dialog.locator("#import-hint")).to_have_text("Choose a category for the rows without one.")
    expect(import_button(dialog)).to_be_disabled()
    default.select_option(label="Transport")
    expect(status_of(dialog, "Gehalt")).to_contain_text("Money in")
    expect(dialog.get_by_role("table", name="Rows in the file").locator("tbody tr").nth(1).locator("td").nth(4).locator("option:checked")).to_have_text("Transport")
    import_now(page, dialog, 3)
    assert stored(api) == [
        ("2025-03-03", 23.45, "REWE Markt München", "Food"),
        ("2025-03-04", 2500.0, "Gehalt März", "Transport"),
        ("2025-03-05", 1234.5, "DB Fahrkarte", "Transport"),
    ]


def test_import_ambiguous_dates_user_must_pick_format(open_page, api):
    page = open_page()
    dialog = choose_file(page, AMBIGUOUS, "tea.csv")
    date_format = dialog.get_by_label("Date format")
    expect(date_format).to_have_value("")
    expect(date_format).to_be_focused()
    expect(dialog.locator("#import-date-warning")).to_contain_text(
        "The dates fit more than one format (MM/DD/YYYY or DD/MM/YYYY)")
    expect(date_format).to_have_accessible_description(re.compile("^The dates fit more than one format"))
    expect(import_button(dialog)).to_be_disabled()
    expect(dialog.locator("#import-hint")).to_have_text("Choose the date format first.")
    # The formats that fit come first.
    assert date_format.locator("option").all_inner_texts()[:3] == ["Choose the date format…", "MM/DD/YYYY", "DD/MM/YYYY"]

    date_format.select_option("DD/MM/YYYY")
    expect(dialog.locator("#import-date-warning")).to_be_hidden()
    expect(dialog.get_by_role("table", name="Rows in the file").locator("tbody tr td:nth-child(3)")).to_have_text(
        ["Feb 1, 2025", "Apr 3, 2025"])
    date_format.select_option("MM/DD/YYYY")
    expect(dialog.get_by_role("table", name="Rows in the file").locator("tbody tr td:nth-child(3)")).to_have_text(
        ["Jan 2, 2025", "Mar 4, 2025"])
    date_format.select_option("DD/MM/YYYY")
    expect(dialog.get_by_role("table", name="Rows in the file").locator("tbody tr td:nth-child(3)")).to_have_text(
        ["Feb 1, 2025", "Apr 3, 2025"])

    # No category column: the user says where the rows go.
    expect(dialog.locator("#import-hint")).to_have_text("Choose a category for the rows without one.")
    dialog.get_by_label("Category for rows without one").select_option(label="Food")
    import_now(page, dialog, 2)
    assert stored(api) == [("2025-02-01", 2.0, "Tea", "Food"), ("2025-04-03", 3.0, "Cake", "Food")]


def test_import_unknown_categories_go_to_new_or_existing(open_page, api):
    data = b"Date,Description,Amount,Category\n2025-03-01,Gym,-30.00,Sport\n2025-03-02,Pizza,-12.00,Eating out\n"
    page = open_page()
    dialog = choose_file(page, data, "x.csv")
    sport = dialog.get_by_label("“Sport” in the file goes in")
    expect(sport.locator("option:checked")).to_have_text("New category “Sport”")
    dialog.get_by_label("“Eating out” in the file goes in").select_option(label="Food")
    expect(dialog.get_by_role("table", name="Rows in the file").locator("tbody tr td:nth-child(5) option:checked")).to_have_text(
        ["Sport (new)", "Food"])
    expect(counts(dialog)).to_have_text("2 rows: 2 to import, 0 duplicates, 0 money in, 0 with a problem")
    import_now(page, dialog, 2)
    assert stored(api) == [("2025-03-01", 30.0, "Gym", "Sport"), ("2025-03-02", 12.0, "Pizza", "Food")]
    # The new category is offered at once, in the page's own lists.
    expect(page.get_by_role("form", name="New expense").get_by_label("Category").locator("option")).to_contain_text(["Sport"])


def test_import_mapping_change_repreviews_and_is_saved_for_next_time(open_page, api):
    page = open_page()
    dialog = choose_file(page, GIRO)
    expect(counts(dialog)).to_contain_text("4 rows")
    dialog.get_by_role("group", name="Description, from").get_by_label("Kategorie").check()
    expect(dialog.get_by_role("table", name="Rows in the file").locator("tbody td.description").first).to_have_text(
        "REWE Markt München · Food")
    dialog.get_by_label("Save these settings").fill("Giro account")
    import_now(page, dialog, 3)
    assert [p["name"] for p in api.get("/imports/profiles")] == ["Giro account"]

    april = GIRO.replace(b"03.2025", b"04.2025")
    dialog = choose_file(page, april, "april.csv")
    expect(dialog.locator("#import-about")).to_contain_text("Read with your saved settings “Giro account”.")
    expect(dialog.get_by_label("Save these settings")).to_have_value("Giro account")
    expect(dialog.get_by_role("table", name="Rows in the file").locator("tbody td.description").first).to_have_text(
        "REWE Markt München · Food")


def test_import_drop_file_on_window_opens_preview(open_page):
    page = open_page()
    page.evaluate("""(bytes) => {
        const transfer = new DataTransfer();
        transfer.items.add(new File([new Uint8Array(bytes)], "dropped.csv", { type: "text/csv" }));
        for (const type of ["dragenter", "dragover", "drop"]) {
            document.querySelector("main").dispatchEvent(new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: transfer }));
        }
    }""", list(GIRO))
    dialog = import_dialog(page)
    expect(dialog).to_be_visible()
    expect(dialog.locator("#import-about")).to_contain_text("dropped.csv: a CSV file")
    expect(counts(dialog)).to_have_text("4 rows: 3 to import, 0 duplicates, 1 money in, 0 with a problem")


# ---------------------------------------------------------------------------
# Undo, revert
# ---------------------------------------------------------------------------

def test_import_undo_in_toast_reverts_the_batch(open_page, api):
    page = open_page()
    import_now(page, choose_file(page, GIRO), 3)
    toast = page.get_by_role("status")
    expect(toast).to_contain_text("Imported 3 expenses from giro.csv; 1 skipped.")
    toast.get_by_role("button", name="Undo").click()
    expect(toast).to_contain_text("Reverted the import of giro.csv: 3 expenses moved to the trash.")
    expect(table(page)).to_be_hidden()
    assert api.expenses() == []
    assert api.get("/imports")[0]["status"] == "reverted"


def test_import_revert_batch_then_undo_revert(open_page, api):
    page = open_page()
    import_now(page, choose_file(page, GIRO), 3)
    expect(descriptions(page)).to_have_count(3)
    mine = api.add(23.45, "Typed by hand", FOOD, "2025-03-03")
    before = sorted((e["id"], e["description"]) for e in api.expenses())

    dialog = open_import(page)
    batches = dialog.get_by_role("table", name="Past imports").locator("tbody tr")
    expect(batches).to_have_count(1)
    expect(batches.first.locator("td")).to_have_text(
        ["giro.csv", re.compile(r"^\w{3} \d+, \d{4}, \d+:\d\d\s[AP]M$"), "3", "1", "Imported", "Revert"])
    batches.first.get_by_role("button", name=re.compile("^Revert giro.csv")).click()
    confirm = page.get_by_role("alertdialog", name="Revert this import?")
    expect(confirm).to_contain_text("Take out the 3 expenses imported from giro.csv on ")
    confirm.get_by_role("button", name="Revert import").click()
    expect(dialog.get_by_role("status").filter(has_text="Reverted")).to_have_text(
        "Reverted the import of giro.csv: 3 expenses moved to the trash.")
    expect(batches.first.locator("td").nth(4)).to_have_text(re.compile("^Reverted "))
    expect(descriptions(page)).to_have_text(["Typed by hand"])  # behind the dialog, refreshed
    expect(month_total(page)).to_have_text("$23.45")
    assert api.expenses() == [mine]

    batches.first.get_by_role("button", name=re.compile("^Undo revert of giro.csv")).click()
    expect(dialog.get_by_role("status").filter(has_text="back")).to_have_text("The 3 expenses from giro.csv are back.")
    expect(batches.first.locator("td").nth(4)).to_have_text("Imported")
    expect(descriptions(page)).to_have_count(4)
    assert sorted((e["id"], e["description"]) for e in api.expenses()) == before  # the same ids
    expect(month_total(page)).to_have_text("$1,284.60")  # March's total follows
    assert api.get("/summary?month=2025-03")["total"] == 1284.6


# ---------------------------------------------------------------------------
# Errors, in words
# ---------------------------------------------------------------------------

def test_import_not_a_bank_file_says_why(open_page, api):
    picture = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4
    page = open_page()
    dialog = choose_file(page, picture, "holiday.png", "image/png")
    # The API's own sentence (bank_files.py words the reason).
    expect(dialog.get_by_role("alert").filter(has_text="cannot be imported")).to_have_text(
        re.compile(r"^holiday\.png cannot be imported: .*picture.*\.$"))
    expect(check_form(dialog)).to_be_hidden()
    expect(dialog.get_by_label("Bank file")).to_be_focused()  # to choose another one

    dialog = choose_file(page, GIRO)  # and another one works
    expect(counts(dialog)).to_contain_text("4 rows")
    expect(dialog.get_by_role("alert").filter(has_text="cannot be imported")).to_have_count(0)
    assert api.get("/imports") == []


def test_import_error_during_import_shown_in_dialog(open_page, api):
    page = open_page()
    dialog = choose_file(page, AMBIGUOUS, "tea.csv")
    dialog.get_by_label("Date format").select_option("DD/MM/YYYY")
    dialog.get_by_label("Category for rows without one").select_option(label="Transport")
    expect(import_button(dialog)).to_be_enabled()
    api.delete(f"/categories/{TRANSPORT}")  # behind the page's back

    import_button(dialog).click()
    error = dialog.locator("#import-error")
    expect(error).to_have_text(f"Unknown category_id {TRANSPORT}: no such category.")  # the API's words
    expect(error).to_have_attribute("role", "alert")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_label("Date format")).to_be_enabled()  # can be put right and tried again
    assert api.expenses() == [] and api.get("/imports") == []

    dialog.get_by_label("Category for rows without one").select_option(label="Food")
    import_now(page, dialog, 2)
    assert [e["category_name"] for e in api.expenses()] == ["Food", "Food"]


# ---------------------------------------------------------------------------
# Accessibility (axe-core), as in tests/test_web.py
# ---------------------------------------------------------------------------

def test_import_accessibility_axe_light_and_dark(open_page, api):
    if not AXE_SCRIPT.exists():
        pytest.fail(f"{AXE_SCRIPT} is missing: run `npm install --prefix tests/js` once")
    page = open_page()
    import_now(page, choose_file(page, GIRO), 3)
    page.add_script_tag(path=str(AXE_SCRIPT))
    problems = []
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        dialog = open_import(page)
        expect(dialog.get_by_role("table", name="Past imports").locator("tbody tr")).to_have_count(1)
        problems += serious_violations(page, f"{scheme}: Import, choose a file", "#import-dialog")
        dialog = choose_file(page, GIRO)  # duplicates flagged
        expect(counts(dialog)).to_contain_text("3 duplicates")
        problems += serious_violations(page, f"{scheme}: Import, duplicates", "#import-dialog")
        dialog.get_by_role("button", name="Choose another file").click()
        dialog = choose_file(page, AMBIGUOUS, "tea.csv")  # a warning and a category to choose
        expect(dialog.locator("#import-date-warning")).to_be_visible()
        problems += serious_violations(page, f"{scheme}: Import, ambiguous dates", "#import-dialog")
        dialog.get_by_role("button", name="Close").click()
        expect(dialog).to_be_hidden()
    assert not problems, "axe found serious problems:\n" + "\n".join(problems)


# ---------------------------------------------------------------------------
# The preview fits the window
# ---------------------------------------------------------------------------

def forty_rows():
    """A bank file of 40 rows with two category names the app does not know (so the dialog also
    asks where they go) and four rows of money in."""
    lines = ["Buchungstag;Verwendungszweck;Betrag;Kategorie"]
    for number in range(1, 41):
        sign = "" if number % 10 == 0 else "-"
        category = "Lebensmittel" if number % 2 else "Verkehr"
        lines.append(f"{number % 28 + 1:02d}.02.2025;Kartenzahlung Nummer {number} Filiale Nord;{sign}{number},50;{category}")
    return ("\n".join(lines) + "\n").encode("latin-1")


# The rows of the preview that lie wholly inside what the dialog shows: inside the dialog, inside
# the window, and inside the preview's own scroll area, below its header.
VISIBLE_ROWS = """dialog => {
    const inside = (box, area) => box.top >= area.top - 0.5 && box.bottom <= area.bottom + 0.5
        && box.left >= area.left - 0.5 && box.right <= area.right + 0.5;
    const table = dialog.querySelector("#import-rows");
    const scroller = table.parentElement;
    const header = table.tHead.getBoundingClientRect();
    const areas = [dialog.getBoundingClientRect(), scroller.getBoundingClientRect(),
        { top: 0, left: 0, bottom: window.innerHeight, right: window.innerWidth }];
    return [...table.tBodies[0].rows].filter((row) => {
        const box = row.getBoundingClientRect();
        return box.top >= header.bottom - 0.5 && areas.every((area) => inside(box, area));
    }).length;
}"""


@pytest.mark.parametrize(("width", "height", "at_least"), [
    (1280, 800, 10),
    (1280, 720, 8),
    (800, 600, 3),
], ids=["1280x800", "1280x720", "800x600"])
def test_import_preview_fits_the_window(open_page, api, width, height, at_least):
    page = open_page(viewport={"width": width, "height": height})
    dialog = choose_file(page, forty_rows())
    expect(counts(dialog)).to_contain_text("40 rows: 36 to import")
    expect(import_button(dialog)).to_be_enabled()
    page.screenshot(path=f"/tmp/import-{width}x{height}.png")
    assert dialog.evaluate(VISIBLE_ROWS) >= at_least
    # The Import button is in view without scrolling anything, and a click on it imports.
    button = import_button(dialog)
    box = button.bounding_box()
    assert box["y"] >= 0 and box["y"] + box["height"] <= height and box["x"] + box["width"] <= width
    assert page.evaluate("document.scrollingElement.scrollTop") == 0
    assert dialog.evaluate("d => d.scrollTop") == 0
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    expect(dialog).to_be_hidden()
    assert len(api.expenses()) == 36


def test_import_preview_scrolls_by_keyboard_with_header_in_view(open_page):
    page = open_page(viewport={"width": 1280, "height": 800})
    dialog = choose_file(page, forty_rows())
    expect(counts(dialog)).to_contain_text("40 rows: 36 to import")
    boxes = dialog.get_by_role("table", name="Rows in the file").get_by_role("checkbox")
    listed = boxes.count()
    assert listed >= 20
    boxes.first.focus()
    for _ in range(3 * (listed - 1)):  # Tab through every row's tick box, category and Split…, to the last row
        page.keyboard.press("Tab")
    last = boxes.last
    expect(last).to_be_focused()
    expect(last).to_be_in_viewport()
    header = dialog.get_by_role("columnheader", name="Description").bounding_box()
    scroller = dialog.locator("#import-rows").evaluate("t => t.parentElement.getBoundingClientRect().top")
    assert abs(header["y"] - scroller) < 2  # the header stays at the top of the scrolled list
    assert dialog.evaluate("d => d.scrollTop") == 0  # only the list scrolled
