"""Split expenses in the window, as a person splits a supermarket receipt with the keyboard: the
edit dialog's Split…, part rows added and filled with real keys, the remaining amount live, parts
that do not add up refused in words; the list shows the receipt once, marked split, its parts on
demand (a toggle button); the category filter finds it; Unsplit makes it whole again."""

from playwright.sync_api import expect

from browser import AXE_SCRIPT, FOOD, descriptions, filters, serious_violations, table


def row(page, description):
    return table(page).locator("tbody tr[data-id]", has_text=description)


def test_split_receipt_three_ways_with_keys(open_page, api):
    household = api.post("/categories", {"name": "Household"})["id"]
    api.post("/categories", {"name": "Drinks"})
    receipt = api.add(54.5, "Supermarket", FOOD, "2025-03-10")
    api.add(3.2, "Bus", 2, "2025-03-11")
    page = open_page(viewport={"width": 1400, "height": 900})
    expect(descriptions(page)).to_have_count(2)

    row(page, "Supermarket").get_by_role("button", name="Edit Supermarket").focus()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="Edit expense")
    expect(dialog.get_by_label("Amount", exact=True)).to_be_focused()
    dialog.get_by_role("button", name="Split…").focus()
    page.keyboard.press("Enter")
    # Two parts to start: the whole amount in Food, and an empty second part, where the focus is.
    expect(dialog.get_by_label("Part 1 amount")).to_have_value("54.50")
    expect(dialog.get_by_label("Part 2 amount")).to_be_focused()
    expect(dialog.get_by_label("Category", exact=True)).to_be_disabled()
    remaining = dialog.locator("#edit-split-remaining")
    expect(remaining).to_have_text("The parts add up to $54.50.")
    page.keyboard.press("Shift+Tab")
    expect(dialog.get_by_label("Part 2 category")).to_be_focused()
    page.keyboard.type("Hou")
    page.keyboard.press("Tab")
    page.keyboard.type("12.50")
    expect(remaining).to_have_text("The parts are $12.50 more than the amount.")
    page.keyboard.press("Tab")
    page.keyboard.type("soap and sponges")
    for _ in range(5):  # back to Part 1 amount: amount 2, category 2, Remove 1, note 1, amount 1
        page.keyboard.press("Shift+Tab")
    expect(dialog.get_by_label("Part 1 amount")).to_be_focused()
    page.keyboard.press("Control+A")
    page.keyboard.type("30")
    expect(remaining).to_have_text("Remaining to split: $12.00.")
    # Enter now: refused in words, the dialog stays open.
    page.keyboard.press("Enter")
    expect(dialog.locator("#edit-split-error")).to_have_text(
        "The parts must add up exactly to the amount: Remaining to split: $12.00.")
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Add part").focus()
    page.keyboard.press("Enter")
    expect(dialog.get_by_label("Part 3 category")).to_be_focused()
    page.keyboard.type("Dri")
    page.keyboard.press("Tab")
    page.keyboard.type("12")
    expect(remaining).to_have_text("The parts add up to $54.50.")
    page.add_script_tag(path=str(AXE_SCRIPT))
    assert serious_violations(page, "edit dialog with parts", "#edit-dialog") == []
    page.keyboard.press("Enter")
    expect(dialog).to_be_hidden()
    saved = api.get(f"/expenses/{receipt['id']}")
    assert [(p["category_name"], p["amount"], p["note"]) for p in saved["parts"]] == [
        ("Food", 30, ""), ("Household", 12.5, "soap and sponges"), ("Drinks", 12, "")]

    # The list: the receipt once, marked split; its parts on demand, with the keyboard.
    expect(descriptions(page)).to_have_count(2)
    toggle = row(page, "Supermarket").get_by_role("button", name="Split: show the parts of Supermarket")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    toggle.focus()
    page.keyboard.press("Enter")
    parts = table(page).get_by_role("list", name="Parts of Supermarket")
    expect(parts.get_by_role("listitem")).to_have_text(
        ["Food $30.00", "Household $12.50 — soap and sponges", "Drinks $12.00"])
    expect(toggle).to_be_focused()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    page.keyboard.press("Enter")
    expect(parts).to_be_hidden()

    # The category filter finds it by a part, with that part's money in the total.
    filters(page).get_by_label("Show category").select_option(str(household))
    expect(descriptions(page)).to_have_text(["Supermarketsplit ▸"])
    expect(page.locator("#list-summary")).to_have_text("Household · March 2025: 1 expense, $12.50")


def test_split_unsplit_in_edit_dialog_with_keys(open_page, api):
    drinks = api.post("/categories", {"name": "Drinks"})["id"]
    receipt = api.add(20, "Corner shop", FOOD, "2025-03-10")
    api.put(f"/expenses/{receipt['id']}/parts", [{"category_id": FOOD, "amount": 15}, {"category_id": drinks, "amount": 5}])
    page = open_page(viewport={"width": 1400, "height": 900})
    row(page, "Corner shop").get_by_role("button", name="Edit Corner shop").focus()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="Edit expense")
    expect(dialog.get_by_label("Part 2 amount")).to_have_value("5")
    # Remove part 2 (then one part is not a split), Escape cancels: nothing changed.
    dialog.get_by_role("button", name="Remove part 2").focus()
    page.keyboard.press("Enter")
    expect(dialog.get_by_label("Part 2 amount")).to_have_count(0)
    page.keyboard.press("Enter")
    expect(dialog.locator("#edit-split-error")).to_have_text("A split has at least 2 parts; add one, or Unsplit.")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    assert len(api.get(f"/expenses/{receipt['id']}")["parts"]) == 2
    # Unsplit, Enter saves: whole again, in Food.
    row(page, "Corner shop").get_by_role("button", name="Edit Corner shop").focus()
    page.keyboard.press("Enter")
    dialog.get_by_role("button", name="Unsplit").focus()
    page.keyboard.press("Enter")
    expect(dialog.get_by_role("button", name="Split…")).to_be_focused()
    expect(dialog.get_by_label("Category", exact=True)).to_be_enabled()
    dialog.get_by_label("Description").focus()
    page.keyboard.press("Enter")
    expect(dialog).to_be_hidden()
    whole = api.get(f"/expenses/{receipt['id']}")
    assert whole["parts"] == [] and whole["category_name"] == "Food"
    expect(row(page, "Corner shop").locator(".split-toggle")).to_have_count(0)


STATEMENT = (b"Date,Description,Amount,Category\n"
             b"2025-03-10,SUPERMARKT Hauptstr,-54.50,Food\n"
             b"2025-03-11,Bus ticket,-3.20,Transport\n")


def test_split_import_row_three_ways_with_keys(open_page, api):
    api.post("/categories", {"name": "Household"})
    api.post("/categories", {"name": "Drinks"})
    page = open_page(viewport={"width": 1400, "height": 900})
    page.get_by_role("button", name="Import", exact=True).click()
    dialog = page.get_by_role("dialog", name="Import a bank file")
    dialog.get_by_label("Bank file").set_input_files(
        files=[{"name": "statement.csv", "mimeType": "text/csv", "buffer": STATEMENT}])
    rows = dialog.get_by_role("table", name="Rows in the file")
    split_button = rows.get_by_role("button", name="Split line 2: SUPERMARKT Hauptstr")
    split_button.focus()
    page.keyboard.press("Enter")
    editor = page.get_by_role("dialog", name="Split line 2")
    expect(editor.locator("#import-split-about")).to_have_text("SUPERMARKT Hauptstr, $54.50")
    # The same editor as an expense's: the whole amount in the row's category, the focus on part 2.
    expect(editor.get_by_label("Part 1 amount")).to_have_value("54.50")
    expect(editor.get_by_label("Part 2 amount")).to_be_focused()
    page.keyboard.press("Shift+Tab")
    page.keyboard.type("Hou")
    page.keyboard.press("Tab")
    page.keyboard.type("12.50")
    page.keyboard.press("Tab")
    page.keyboard.type("soap")
    editor.get_by_role("button", name="Add part").focus()
    page.keyboard.press("Enter")
    expect(editor.get_by_label("Part 3 category")).to_be_focused()
    page.keyboard.type("Dri")
    page.keyboard.press("Tab")
    page.keyboard.type("12")
    # One rule: the parts add up to the row's amount, or they are refused in words.
    page.keyboard.press("Enter")
    expect(editor.locator("#import-split-error")).to_have_text(
        "The parts must add up exactly to the amount: The parts are $24.50 more than the amount.")
    for _ in range(8):  # back to Part 1 amount
        page.keyboard.press("Shift+Tab")
    expect(editor.get_by_label("Part 1 amount")).to_be_focused()
    page.keyboard.press("Control+A")
    page.keyboard.type("30")
    expect(editor.locator("#import-split-remaining")).to_have_text("The parts add up to $54.50.")
    page.add_script_tag(path=str(AXE_SCRIPT))
    assert serious_violations(page, "import row's parts", "#import-split-dialog") == []
    page.keyboard.press("Enter")
    expect(editor).to_be_hidden()
    expect(dialog).to_be_visible()
    expect(split_button).to_be_focused()
    marker = rows.locator("tbody tr", has_text="SUPERMARKT").locator(".split-marker")
    expect(marker).to_have_text("Split: 3 parts")
    # Escape leaves the split as it was, and only the split's dialog closes.
    page.keyboard.press("Enter")
    expect(editor.get_by_label("Part 3 amount")).to_have_value("12")
    page.keyboard.press("Escape")
    expect(editor).to_be_hidden()
    expect(dialog).to_be_visible()
    expect(marker).to_have_text("Split: 3 parts")
    assert api.expenses() == []  # nothing imported before the person imports

    dialog.get_by_role("button", name="Import 2 expenses").focus()
    page.keyboard.press("Enter")
    expect(dialog).to_be_hidden()
    receipt = next(e for e in api.expenses() if e["description"] == "SUPERMARKT Hauptstr")
    assert [(p["category_name"], p["amount"], p["note"]) for p in receipt["parts"]] == [
        ("Food", 30, ""), ("Household", 12.5, "soap"), ("Drinks", 12, "")]
    # The list: the receipt once, marked split; the month panel counts the parts in their categories.
    expect(descriptions(page)).to_have_count(2)
    expect(row(page, "SUPERMARKT").get_by_role("button", name="Split: show the parts of SUPERMARKT Hauptstr")).to_be_visible()
    chart = page.get_by_role("list", name="Spending by category")
    for label in ["Food: $30.00, 1 expense", "Household: $12.50, 1 expense", "Drinks: $12.00, 1 expense",
                  "Transport: $3.20, 1 expense"]:
        expect(chart.get_by_role("button", name=label)).to_be_visible()
