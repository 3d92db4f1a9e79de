"""Tags in the window, as a person keeps track of a trip: typed with the expenses in the entry row
(real keys), shown as chips, a chip filters the list (kept in the URL, with the month), the
count/total line says the trip's total; tags changed in the edit dialog; the bulk bar's Tag…."""

from playwright.sync_api import expect

from browser import AXE_SCRIPT, FOOD, descriptions, entry, filters, reload, serious_violations, table, url_params


def summary(page):
    return page.locator("#list-summary")


def type_expense(page, amount, description, day, tags=None):
    """Amount, Tab, description, Tab (category stays), Tab, date, Tab (currency stays), Tab, tags (when
    given), Enter."""
    form = entry(page)
    expect(form.get_by_label("Amount")).to_be_focused()
    page.keyboard.type(amount)
    page.keyboard.press("Tab")
    page.keyboard.type(description)
    page.keyboard.press("Escape")  # no suggestion
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.type(day, delay=20)
    page.keyboard.press("Tab")
    expect(form.get_by_label("Currency")).to_be_focused()
    page.keyboard.press("Tab")
    expect(form.get_by_label("Tags")).to_be_focused()
    if tags is not None:
        page.keyboard.press("Control+A")
        page.keyboard.press("Backspace")
        page.keyboard.type(tags)
    page.keyboard.press("Enter")


def row(page, description):
    return table(page).locator("tbody tr", has_text=description)


def test_tags_typed_filtered_by_chip_url_and_total(open_page, api):
    api.add(9.5, "Lunch at work", FOOD, "2025-03-10")
    page = open_page(viewport={"width": 1400, "height": 900})
    entry(page).get_by_label("Amount").focus()
    type_expense(page, "180", "Flight to Lisbon", "03/14/2025", "#holiday #Lisbon")
    expect(row(page, "Flight to Lisbon")).to_be_visible()
    type_expense(page, "240.50", "Hotel", "03/15/2025")  # the tags stay for the next expense of the trip
    expect(row(page, "Hotel")).to_be_visible()
    type_expense(page, "42.25", "Dinner", "03/16/2025", "holiday")
    expect(row(page, "Dinner")).to_be_visible()
    type_expense(page, "55", "Groceries", "03/16/2025", "")
    expect(row(page, "Groceries")).to_be_visible()
    assert {e["description"]: e["tags"] for e in api.expenses()} == {
        "Lunch at work": [], "Flight to Lisbon": ["holiday", "lisbon"], "Hotel": ["holiday", "lisbon"],
        "Dinner": ["holiday"], "Groceries": []}
    expect(row(page, "Hotel").get_by_role("button", name="Show only #lisbon")).to_be_visible()
    expect(summary(page)).to_have_text("March 2025: 5 expenses, $527.25")

    # A chip, reached with Tab and pressed with Enter, filters the list: the URL keeps it, with the month.
    chip = row(page, "Dinner").get_by_role("button", name="Show only #holiday")
    chip.focus()
    page.keyboard.press("Enter")
    expect(descriptions(page)).to_have_count(3)
    expect(summary(page)).to_have_text("#holiday · March 2025: 3 expenses, $462.75")
    assert url_params(page).get("tag") == "holiday"
    # Another tag on top: both must be there.
    row(page, "Hotel").get_by_role("button", name="Show only #lisbon").click()
    expect(summary(page)).to_have_text("#holiday #lisbon · March 2025: 2 expenses, $420.50")
    assert "tag=holiday&tag=lisbon" in page.url
    reload(page)
    expect(summary(page)).to_have_text("#holiday #lisbon · March 2025: 2 expenses, $420.50")
    # Taking one away again, with the keyboard.
    filters(page).get_by_role("button", name="Stop filtering by #lisbon").focus()
    page.keyboard.press("Enter")
    expect(summary(page)).to_have_text("#holiday · March 2025: 3 expenses, $462.75")
    # Combined with the category filter and the dates.
    filters(page).get_by_label("Show category").select_option(label="Food")
    expect(summary(page)).to_have_text("#holiday · Food · March 2025: 3 expenses, $462.75")
    page.get_by_role("button", name="Clear filters").click()
    expect(summary(page)).to_have_text("March 2025: 5 expenses, $527.25")
    assert "tag" not in url_params(page)
    # The Show tag menu, with the keyboard.
    menu = filters(page).get_by_label("Show tag")
    menu.focus()
    menu.select_option(label="#lisbon")
    expect(summary(page)).to_have_text("#lisbon · March 2025: 2 expenses, $420.50")


def test_tags_edit_dialog_and_bulk_tag(open_page, api):
    for amount, name, day in [(20, "Taxi", "2025-03-11"), (30, "Museum", "2025-03-12"), (5, "Coffee", "2025-03-13")]:
        api.add(amount, name, FOOD, day)
    page = open_page(viewport={"width": 1400, "height": 900})
    expect(descriptions(page)).to_have_count(3)
    # The edit dialog: Tags is typed like the entry row's.
    row(page, "Coffee").get_by_role("button", name="Edit Coffee").click()
    dialog = page.get_by_role("dialog", name="Edit expense")
    dialog.get_by_label("Tags").focus()
    page.keyboard.type("#work-trip")
    page.keyboard.press("Enter")
    expect(dialog).to_be_hidden()
    expect(row(page, "Coffee").get_by_role("button", name="Show only #work-trip")).to_be_visible()

    # Tick two rows with Space, Tag… them #holiday.
    for name in ("Taxi", "Museum"):
        table(page).get_by_role("checkbox", name=f"Select {name}").focus()
        page.keyboard.press("Space")
    bar = page.get_by_role("region", name="Selected expenses")
    expect(bar).to_contain_text("2 selected")
    bar.get_by_role("button", name="Tag…", exact=True).focus()
    page.keyboard.press("Enter")
    tagging = page.get_by_role("dialog", name="Tag 2 expenses")
    expect(tagging.get_by_label("Tags to put on them")).to_be_focused()
    page.add_script_tag(path=str(AXE_SCRIPT))
    assert serious_violations(page, "bulk tag dialog", "#bulk-tag-dialog") == []
    page.keyboard.type("#holiday")
    page.keyboard.press("Enter")
    expect(page.locator("#toast-text")).to_have_text("#holiday added to 2 expenses.")
    for name in ("Taxi", "Museum"):
        expect(row(page, name).get_by_role("button", name="Show only #holiday")).to_be_visible()
    row(page, "Taxi").get_by_role("button", name="Show only #holiday").click()
    expect(summary(page)).to_have_text("#holiday · March 2025: 2 expenses, $50.00")
    # Untag… one of them; Undo puts the tag back.
    page.get_by_role("checkbox", name="Select Taxi").check()
    bar.get_by_role("button", name="Untag…").click()
    page.keyboard.type("holiday")
    page.keyboard.press("Enter")
    expect(page.locator("#toast-text")).to_have_text("#holiday taken off 1 expense.")
    expect(summary(page)).to_have_text("#holiday · March 2025: 1 expense, $30.00")
    page.get_by_role("status").get_by_role("button", name="Undo").click()
    expect(summary(page)).to_have_text("#holiday · March 2025: 2 expenses, $50.00")


def test_tags_bad_tag_said_next_to_the_field(open_page, api):
    page = open_page()
    entry(page).get_by_label("Amount").focus()
    type_expense(page, "12", "Taxi", "03/14/2025", "#work trip!")
    error = page.locator("#entry-tags-error")
    expect(error).to_contain_text("a tag has only letters, digits, '-' and '_', and 'trip!' has '!'")
    expect(entry(page).get_by_label("Tags")).to_be_focused()
    assert api.expenses() == []
    # Put right, it saves.
    page.keyboard.press("Backspace")
    page.keyboard.press("Enter")
    expect(row(page, "Taxi")).to_be_visible()
    expect(error).to_have_text("")
    assert api.expenses()[0]["tags"] == ["trip", "work"]
