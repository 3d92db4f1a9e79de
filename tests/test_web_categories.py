"""Renaming and recolouring categories in the window (web/categories.js), in a real browser.

Same set-up as tests/test_web.py (its fixtures are used here). Keyboard stories press real keys.
"""

import pytest
from playwright.sync_api import expect

from browser import FOOD, category_names, chart, entry, filters, shown_rows, table


def open_categories(page):
    page.get_by_role("button", name="Categories").click()
    dialog = page.get_by_role("dialog", name="Categories")
    expect(dialog).to_be_visible()
    return dialog


def tab_to(page, name, limit=30):
    """Press Tab until the focused element's accessible name is `name`."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.getAttribute('aria-label')") == name:
            return
    pytest.fail(f"Tab never reached {name!r}")


def test_web_categories_rename_by_keyboard_list_and_summary_follow(open_page, api):
    api.add(12.5, "Lunch", FOOD, "2025-03-14")
    page = open_page()
    dialog = open_categories(page)
    tab_to(page, "Rename category Food")
    page.keyboard.press("Enter")
    field = dialog.get_by_role("textbox", name="New name for Food")
    expect(field).to_be_focused()
    expect(field).to_have_value("Food")
    page.keyboard.type("Groceries")  # the old name is selected: typing replaces it
    page.keyboard.press("Enter")

    expect(category_names(dialog)).to_have_text(["Groceries", "Transport", "Utilities"])
    expect(dialog.get_by_role("button", name="Rename category Groceries")).to_be_focused()
    expect(dialog).to_be_visible()
    assert [c["name"] for c in api.get("/categories")] == ["Groceries", "Transport", "Utilities"]
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    # The list, the summary, the entry row and the filters show the new name.
    expect(table(page).locator("tbody tr")).to_have_count(1)
    assert shown_rows(page) == [["Mar 14, 2025", "Lunch", "Groceries", "$12.50"]]
    expect(chart(page)).to_contain_text("Groceries")
    expect(entry(page).get_by_label("Category").locator("option")).to_have_text(["Groceries", "Transport", "Utilities"])
    expect(filters(page).get_by_label("Show category").locator("option")).to_have_text(
        ["All categories", "Groceries", "Transport", "Utilities"])


def test_web_categories_rename_escape_cancels_and_keeps_dialog(open_page, api):
    page = open_page()
    dialog = open_categories(page)
    writes = []
    page.on("request", lambda request: request.method != "GET" and writes.append(request.url))
    tab_to(page, "Rename category Transport")
    page.keyboard.press("Enter")
    page.keyboard.type("Travel")
    page.keyboard.press("Escape")
    expect(dialog).to_be_visible()
    expect(category_names(dialog)).to_have_text(["Food", "Transport", "Utilities"])
    expect(dialog.get_by_role("button", name="Rename category Transport")).to_be_focused()
    page.keyboard.press("Escape")  # now Esc closes the dialog
    expect(dialog).to_be_hidden()
    assert writes == []
    assert [c["name"] for c in api.get("/categories")] == ["Food", "Transport", "Utilities"]


@pytest.mark.parametrize(("typed", "said"), [
    ("utilities", "There is already a category called “utilities”; choose another name."),
    ("", "A category needs a name."),
], ids=["duplicate", "empty"])
def test_web_categories_rename_refused_says_why(open_page, api, typed, said):
    page = open_page()
    dialog = open_categories(page)
    tab_to(page, "Rename category Food")
    page.keyboard.press("Enter")
    page.keyboard.press("Backspace")  # the selected old name goes
    if typed:
        page.keyboard.type(typed)
    page.keyboard.press("Enter")
    field = dialog.get_by_role("textbox", name="New name for Food")
    expect(dialog.get_by_role("alert")).to_have_text(said)
    expect(field).to_be_focused()
    expect(field).to_have_accessible_description(said)
    expect(field).to_have_attribute("aria-invalid", "true")
    assert [c["name"] for c in api.get("/categories")] == ["Food", "Transport", "Utilities"]
    # Fixed in place, it saves.
    page.keyboard.press("Control+a")
    page.keyboard.type("Meals")
    page.keyboard.press("Enter")
    expect(category_names(dialog)).to_have_text(["Meals", "Transport", "Utilities"])
    expect(dialog.locator("#category-error")).to_have_text("")


def test_web_categories_recolour_list_and_summary_follow(open_page, api):
    api.add(12.5, "Lunch", FOOD, "2025-03-14")
    page = open_page()
    dialog = open_categories(page)
    colour = dialog.get_by_label("Colour of Food")
    # A colour picker's own window is not part of the page: pick a colour as the picker would set it.
    colour.evaluate("""(input) => { input.value = "#c0392b";
        input.dispatchEvent(new Event("input", { bubbles: true }));
        input.dispatchEvent(new Event("change", { bubbles: true })); }""")
    expect(dialog.locator('#category-list li[data-id="1"] .swatch')).to_have_css("background-color", "rgb(192, 57, 43)")
    expect(dialog.get_by_label("Colour of Food")).to_be_focused()
    assert next(c for c in api.get("/categories") if c["id"] == FOOD)["color"] == "#c0392b"
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(table(page).locator("tbody tr .swatch")).to_have_css("background-color", "rgb(192, 57, 43)")
    expect(chart(page).locator(".bar")).to_have_css("background-color", "rgb(192, 57, 43)")
