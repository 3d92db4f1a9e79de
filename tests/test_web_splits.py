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
