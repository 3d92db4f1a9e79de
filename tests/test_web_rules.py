"""Categories on import, rules and tidying in the page (web/import.js, web/rules.js), in a real browser.

Same set-up as tests/test_web_import.py: Debian's Chromium through Playwright, a real server on a
fresh database for each test, keys pressed as a person presses them. The bank files are the German
giro statements of tests/test_import_categories.py (November, then December 2026).
"""

import re

import pytest
from playwright.sync_api import expect
from test_import_categories import DECEMBER, NOVEMBER
from test_web_import import choose_file, counts, import_now

from browser import AXE_SCRIPT, FOOD, TRANSPORT, serious_violations

ALL_DATES = "/?dates=all"


def rows_table(dialog):
    return dialog.get_by_role("table", name="Rows in the file")


def preview_row(dialog, text):
    return rows_table(dialog).locator("tbody tr").filter(has_text=text)


def choose_by_typing(page, select, text):
    """Focus a select and type the start of an option's name, as a person picks one by keyboard."""
    select.focus()
    page.keyboard.type(text)


def stored_categories(api, month):
    last = {"2026-11": "30", "2026-12": "31"}[month]
    return {e["description"].split(" · ")[0]: e["category_name"]
            for e in api.expenses(f"date_from={month}-01&date_to={month}-{last}&limit=200")}


def edit_category(page, description, category):
    """Open an expense's edit dialog, pick another category by keyboard, save with Enter."""
    page.get_by_role("table", name="Expenses").get_by_role("button", name=f"Edit {description}").click()
    dialog = page.get_by_role("dialog", name="Edit expense")
    expect(dialog).to_be_visible()
    choose_by_typing(page, dialog.get_by_label("Category"), category)
    page.keyboard.press("Tab")  # to the date
    page.keyboard.press("Enter")
    expect(dialog).to_be_hidden()


def test_rules_import_correct_accept_offer_import_again(open_page, api):
    api.add_category("Groceries")
    page = open_page(ALL_DATES, viewport={"width": 1280, "height": 800})
    # November arrives in the default category: nothing is known yet.
    dialog = choose_file(page, NOVEMBER.encode("latin-1"), "november.csv")
    expect(dialog.get_by_label("Category for rows without one")).to_be_focused()
    page.keyboard.type("Food")
    expect(dialog.locator("#import-sources")).to_have_text("5 default")
    expect(preview_row(dialog, "REWE SAGT DANKE").locator(".because")).to_have_text("default")
    import_now(page, dialog, 5)
    assert set(stored_categories(api, "2026-11").values()) == {"Food"}

    # The person corrects one REWE row and the train ticket; the page offers a rule for REWE.
    full = next(e["description"] for e in api.expenses() if e["description"].startswith("REWE SAGT"))
    edit_category(page, full, "Groceries")
    toast = page.locator("#toast")
    expect(toast).to_contain_text("Moved to Groceries. (1 other expense would move too)")
    offer = toast.get_by_role("button", name="Always put REWE in Groceries")
    offer.focus()
    page.keyboard.press("Enter")
    expect(toast).to_contain_text("Added rule 1: “REWE” goes in Groceries. 1 other expense with “REWE” is in another category.")
    expect(toast.get_by_role("button", name="Tidy them…")).to_be_visible()
    assert [(r["pattern"], r["category_name"]) for r in api.get("/rules")] == [("REWE", "Groceries")]
    # The other REWE row moved by hand too: that rule is there already, so it is not offered again.
    other = next(e["description"] for e in api.expenses() if e["description"].startswith("REWE Markt"))
    with page.expect_response(lambda response: "/rules/suggestion" in response.url):
        edit_category(page, other, "Groceries")
    page.wait_for_load_state("networkidle")
    expect(toast).not_to_contain_text("Always put")
    ticket = next(e["description"] for e in api.expenses() if e["description"].startswith("DB Vertrieb"))
    edit_category(page, ticket, "Transport")

    # December: REWE by the rule, the ticket learned; the person moves Netto before importing.
    dialog = choose_file(page, DECEMBER.encode("latin-1"), "december.csv")
    expect(dialog.get_by_label("Category for rows without one")).to_be_focused()
    page.keyboard.type("Food")
    expect(preview_row(dialog, "REWE SAGT DANKE").locator(".because")).to_have_text("rule: REWE")
    expect(preview_row(dialog, "REWE SAGT DANKE").locator(".because")).to_have_attribute("title", "rule 1: contains REWE")
    expect(preview_row(dialog, "REWE SAGT DANKE").locator("option:checked")).to_have_text("Groceries")
    expect(preview_row(dialog, "DB Vertrieb").locator(".because")).to_have_text("like 1 earlier")
    expect(preview_row(dialog, "DB Vertrieb").locator("option:checked")).to_have_text("Transport")
    expect(dialog.locator("#import-sources")).to_contain_text("1 by your rules")
    expect(dialog.locator("#import-sources")).to_contain_text("learned")
    netto = preview_row(dialog, "Netto").get_by_role("combobox")
    expect(netto.locator("option:checked")).to_have_text("Food")
    choose_by_typing(page, netto, "Gro")
    expect(preview_row(dialog, "Netto").locator(".because")).to_have_text("your choice")
    expect(netto).to_be_focused()  # the preview came back; the focus stayed on the row
    expect(dialog.locator("#import-sources")).to_contain_text("1 by you")
    expect(counts(dialog)).to_contain_text("4 rows: 4 to import")
    expect(dialog.get_by_role("button", name="Import 4 expenses")).to_be_enabled()
    import_now(page, dialog, 4)
    december = stored_categories(api, "2026-12")
    assert december["REWE SAGT DANKE 99120047"] == "Groceries"
    assert december["DB Vertrieb GmbH"] == "Transport"
    assert december["Netto Marken-Discount"] == "Groceries"


def rules_dialog(page):
    return page.get_by_role("dialog", name="Rules")


def open_rules(page):
    page.get_by_role("button", name="Rules", exact=True).click()
    dialog = rules_dialog(page)
    expect(dialog).to_be_visible()
    expect(dialog.get_by_label("Words")).to_be_focused()
    return dialog


def rule_rows(dialog):
    return dialog.get_by_role("table", name="Rules").locator("tbody tr").evaluate_all(
        "rows => rows.map(row => [...row.cells].slice(0, 5).map(cell => cell.innerText.trim()))")


def add_rule_by_keyboard(page, words, category, *, low="", high="", described=""):
    """From the Words field: type the rule's fields, Tab between them, Enter saves."""
    page.keyboard.type(words)
    page.keyboard.press("Tab")
    page.keyboard.type(low)
    page.keyboard.press("Tab")
    page.keyboard.type(high)
    page.keyboard.press("Tab")
    page.keyboard.type(category)
    page.keyboard.press("Tab")
    page.keyboard.type(described)
    page.keyboard.press("Enter")


def test_rules_dialog_add_edit_move_delete_by_keyboard(open_page, api):
    api.add_category("Groceries")
    page = open_page(viewport={"width": 1280, "height": 800})
    dialog = open_rules(page)
    expect(dialog.locator("#rules-empty")).to_have_text("No rules yet: add one below.")
    add_rule_by_keyboard(page, "REWE", "Groceries", described="REWE")
    expect(dialog.locator("#rules-status")).to_have_text("Added rule 1: contains “REWE” → Groceries.")
    expect(dialog.get_by_label("Words")).to_be_focused()
    add_rule_by_keyboard(page, "Fahrkarte", "Transport", low="5", high="100")
    expect(dialog.locator("#rules-status")).to_have_text("Added rule 2: contains “Fahrkarte” → Transport.")
    # A rule without words is refused in words, next to the field.
    page.keyboard.press("Enter")
    expect(dialog.locator("#rule-pattern-error")).to_have_text("Write the words the description should contain.")
    # A regular expression that cannot be read is refused in words, next to the field, and not added.
    page.keyboard.press("Shift+Tab")
    page.keyboard.type("m")  # matches
    page.keyboard.press("Tab")
    page.keyboard.type("(")
    page.keyboard.press("Enter")
    expect(dialog.locator("#rule-pattern-error")).to_contain_text("The pattern '(' is not a regular expression Python can read")
    expect(dialog.get_by_label("Words")).to_be_focused()
    page.keyboard.press("Backspace")
    page.keyboard.press("Shift+Tab")
    page.keyboard.type("c")  # contains
    page.keyboard.press("Tab")
    assert rule_rows(dialog) == [
        ["1", "contains REWE", "any", "Groceries", "REWE"],
        ["2", "contains Fahrkarte", "$5.00 to $100.00", "Transport", "–"],
    ]

    # Edit the second: Esc cancels an edit, Enter saves one.
    dialog.get_by_role("button", name="Edit rule 2, Fahrkarte").focus()
    page.keyboard.press("Enter")
    expect(dialog.get_by_role("form", name="Edit rule 2")).to_be_visible()
    expect(dialog.get_by_label("Words")).to_have_value("Fahrkarte")
    page.keyboard.press("Escape")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("form", name="New rule")).to_be_visible()
    expect(dialog.get_by_role("button", name="Edit rule 2, Fahrkarte")).to_be_focused()
    page.keyboard.press("Enter")
    page.keyboard.press("Control+a")
    page.keyboard.type("DB Fahrkarte")
    page.keyboard.press("Tab")
    page.keyboard.press("Control+a")
    page.keyboard.press("Backspace")  # no lower bound any more
    page.keyboard.press("Enter")
    expect(dialog.locator("#rules-status")).to_have_text("Saved rule 2: contains “DB Fahrkarte” → Transport.")
    expect(dialog.get_by_role("button", name="Edit rule 2, DB Fahrkarte")).to_be_focused()
    assert rule_rows(dialog)[1] == ["2", "contains DB Fahrkarte", "up to $100.00", "Transport", "–"]

    # Move it up: it is tried first now; the focus stays on its button.
    dialog.get_by_role("button", name="Move rule 2, DB Fahrkarte up").focus()
    page.keyboard.press("Enter")
    expect(dialog.locator("#rules-status")).to_have_text("Moved “DB Fahrkarte” up: now rule 1.")
    assert [row[1] for row in rule_rows(dialog)] == ["contains DB Fahrkarte", "contains REWE"]
    assert [r["pattern"] for r in api.get("/rules")] == ["DB Fahrkarte", "REWE"]

    # Delete REWE: asked first (Cancel has the focus), then gone.
    dialog.get_by_role("button", name="Delete rule 2, REWE").focus()
    page.keyboard.press("Enter")
    confirm = page.get_by_role("alertdialog", name="Delete this rule?")
    expect(confirm).to_be_visible()
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(confirm).to_be_hidden()
    expect(dialog.locator("#rules-status")).to_have_text("Deleted the rule for “REWE”.")
    assert [r["pattern"] for r in api.get("/rules")] == ["DB Fahrkarte"]
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()


def test_rules_tidy_shows_reasons_applies_and_undo_restores(open_page, api):
    groceries = api.add_category("Groceries")["id"]
    for description in ("REWE SAGT DANKE 1111", "REWE Markt GmbH 4711", "Bus"):
        api.add(5, description, FOOD)
    api.add(7, "DB Fahrkarte", TRANSPORT)
    api.post("/rules", {"pattern": "REWE", "category_id": groceries, "description": "REWE"})
    page = open_page(viewport={"width": 1280, "height": 800})
    dialog = open_rules(page)
    dialog.get_by_role("button", name="Tidy categories…").click()
    tidy = page.get_by_role("dialog", name="Tidy categories")
    expect(tidy).to_be_visible()
    expect(tidy.locator("#tidy-status")).to_have_text(
        "Of 4 expenses, the rules and what was learned would change 2. Untick any to leave as they are.")
    proposed = tidy.get_by_role("table", name="Proposed changes")
    expect(proposed.locator("tbody tr")).to_have_count(2)
    expect(proposed.locator("tbody td.reason")).to_have_text([re.compile("rule 1: contains REWE")] * 2)
    boxes = proposed.get_by_role("checkbox")
    expect(boxes.nth(0)).to_be_checked()
    boxes.nth(1).focus()
    page.keyboard.press("Space")  # leave one as it is
    expect(tidy.get_by_role("button", name="Change 1 expense")).to_be_enabled()
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    expect(tidy.get_by_role("button", name="Change 1 expense")).to_be_focused()
    page.keyboard.press("Enter")
    expect(tidy).to_be_hidden()
    toast = page.locator("#toast")
    expect(toast).to_contain_text("Tidied 1 expense.")
    # The ticked one moved (and took the rule's cleaner description); the unticked one stayed.
    assert sorted((e["description"], e["category_name"]) for e in api.expenses() if "REWE" in e["description"]) in (
        [("REWE", "Groceries"), ("REWE Markt GmbH 4711", "Food")], [("REWE", "Groceries"), ("REWE SAGT DANKE 1111", "Food")])
    toast.get_by_role("button", name="Undo").focus()
    page.keyboard.press("Enter")
    expect(toast).to_contain_text("Undone: 1 expense back as they were.")
    assert {e["description"]: e["category_name"] for e in api.expenses()} == {
        "REWE SAGT DANKE 1111": "Food", "REWE Markt GmbH 4711": "Food", "Bus": "Food", "DB Fahrkarte": "Transport"}



def test_rules_tidy_looks_through_the_list_as_filtered(open_page, api):
    groceries = api.add_category("Groceries")["id"]
    for description in ("REWE SAGT DANKE 1111", "Bus"):
        api.add(5, description, FOOD)
    api.post("/rules", {"pattern": "REWE", "category_id": groceries})
    page = open_page("/?q=bus")
    open_rules(page).get_by_role("button", name="Tidy categories…").click()
    tidy = page.get_by_role("dialog", name="Tidy categories")
    expect(tidy.locator("#tidy-status")).to_contain_text("Of 2 expenses, the rules and what was learned would change 1.")
    expect(tidy.get_by_label("Look through")).to_be_focused()
    page.keyboard.type("The")  # the expenses the list shows now: only Bus
    expect(tidy.locator("#tidy-status")).to_have_text("Nothing to change in the 1 expense looked through.")
    expect(tidy.get_by_role("button", name="Change 0 expenses")).to_be_disabled()


def test_rules_accessibility_axe_light_and_dark(open_page, api):
    if not AXE_SCRIPT.exists():
        pytest.fail(f"{AXE_SCRIPT} is missing: run `npm install --prefix tests/js` once")
    groceries = api.add_category("Groceries")["id"]
    api.add(5, "REWE SAGT DANKE 1111", FOOD)
    api.post("/rules", {"pattern": "REWE", "category_id": groceries, "amount_max": 100})
    page = open_page()
    page.add_script_tag(path=str(AXE_SCRIPT))
    problems = []
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        dialog = open_rules(page)
        expect(dialog.get_by_role("table", name="Rules").locator("tbody tr")).to_have_count(1)
        problems += serious_violations(page, f"{scheme}: Rules", "#rules-dialog")
        dialog.get_by_role("button", name="Tidy categories…").click()
        tidy = page.get_by_role("dialog", name="Tidy categories")
        expect(tidy.get_by_role("table", name="Proposed changes").locator("tbody tr")).to_have_count(1)
        problems += serious_violations(page, f"{scheme}: Tidy categories", "#tidy-dialog")
        page.keyboard.press("Escape")
        page.keyboard.press("Escape")
        expect(dialog).to_be_hidden()
        import_dialog = choose_file(page, DECEMBER.encode("latin-1"), "december.csv")
        expect(preview_row(import_dialog, "REWE SAGT DANKE").locator(".because")).to_have_text("rule: REWE")
        problems += serious_violations(page, f"{scheme}: Import preview with categories", "#import-dialog")
        import_dialog.get_by_role("button", name="Close").click()
        expect(import_dialog).to_be_hidden()
    assert not problems, "axe found serious problems:\n" + "\n".join(problems)


def test_rules_offer_is_never_taken_by_the_undo_key(open_page, api):
    api.add_category("Groceries")
    for number in (1, 2):
        api.add(20, f"REWE SAGT DANKE {number}234")
    page = open_page(ALL_DATES)
    edit_category(page, "REWE SAGT DANKE 1234", "Groceries")
    toast = page.locator("#toast")
    expect(toast.get_by_role("button", name="Always put REWE in Groceries")).to_be_visible()
    page.keyboard.press("Escape")  # out of any field, so that the keys are shortcuts
    page.keyboard.press("u")
    page.keyboard.press("Control+z")
    expect(toast.get_by_role("button", name="Always put REWE in Groceries")).to_be_visible()
    assert api.get("/rules") == []


def test_rules_dialog_typing_on_while_the_list_reloads_keeps_the_caret(open_page, api):
    """A person who goes on typing after Enter types into the Words field, even when the list comes back late."""
    api.add_category("Groceries")
    page = open_page(viewport={"width": 1280, "height": 800})
    dialog = open_rules(page)

    # The rules list comes back 400 ms late, as on a busy machine.
    page.evaluate("""() => {
      const fetchNow = window.fetch;
      window.fetch = async (url, options = {}) => {
        if (String(url).endsWith("/rules") && (options.method || "GET") === "GET") await new Promise((done) => setTimeout(done, 400));
        return fetchNow(url, options);
      };
    }""")
    add_rule_by_keyboard(page, "REWE", "Groceries")
    expect(dialog.locator("#rules-status")).to_have_text("Added rule 1: contains “REWE” → Groceries.")
    page.keyboard.press("Shift+Tab")  # to "When the description", before the list is back
    page.keyboard.type("m")  # matches
    page.keyboard.press("Tab")
    page.keyboard.type("ALDI|LIDL")
    expect(dialog.get_by_role("table", name="Rules")).to_contain_text("REWE")
    expect(dialog.get_by_label("Words")).to_be_focused()
    expect(dialog.get_by_label("Words")).to_have_value("ALDI|LIDL")
    expect(dialog.get_by_label("When the description")).to_have_value("matches")
