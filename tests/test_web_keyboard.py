"""Entering expenses with the keyboard alone, as a person does: real key presses, no fill().

The page's clock is pinned to Thursday 2025-03-20 (tests/browser.py NOW), en-US, UTC.
"""

import pytest
from playwright.sync_api import expect

from browser import FOOD, TODAY, TRANSPORT, UTILITIES, descriptions, entry, filters, url_params

# Tab presses from Amount to reach each field of the entry row.
FIELDS = [("Amount", 0), ("Description", 1), ("Category", 2), ("Date", 3)]


def amount(page):
    return entry(page).get_by_label("Amount")


def suggestion_list(page):
    return page.get_by_role("listbox", name="Suggestions")


@pytest.mark.parametrize(("field", "tabs"), FIELDS, ids=[f for f, _ in FIELDS])
def test_entry_enter_saves_from_every_field(open_page, api, field, tabs):
    page = open_page()
    expect(amount(page)).to_be_focused()
    page.keyboard.type("7.25")
    page.keyboard.press("Tab")
    page.keyboard.type("Lunch")
    page.keyboard.press("Shift+Tab")  # back to Amount, then forward by Tab as a person would
    for _ in range(tabs):
        page.keyboard.press("Tab")
    expect(entry(page).get_by_label(field)).to_be_focused()
    page.keyboard.press("Enter")

    expect(descriptions(page)).to_have_text(["Lunch"])
    assert [(e["amount"], e["description"], e["category_id"], e["date"]) for e in api.expenses()] == [
        (7.25, "Lunch", FOOD, str(TODAY))]
    expect(amount(page)).to_be_focused()
    expect(amount(page)).to_have_value("")
    expect(entry(page).get_by_label("Description")).to_have_value("")
    # What is typed next goes into Amount, not into a list or a date.
    page.keyboard.type("3")
    expect(amount(page)).to_have_value("3")
    expect(entry(page).get_by_label("Date")).to_have_value(str(TODAY))
    assert len(api.expenses()) == 1


def test_entry_category_enter_twice_saves_once_and_typing_goes_to_amount(open_page, api):
    page = open_page()
    page.keyboard.type("4")
    page.keyboard.press("Tab")
    page.keyboard.type("Bus")
    page.keyboard.press("Tab")
    page.keyboard.type("t")
    expect(entry(page).get_by_label("Category")).to_have_value(str(TRANSPORT))
    page.keyboard.press("Enter")
    expect(descriptions(page)).to_have_text(["Bus"])
    page.keyboard.press("Enter")  # Enter again, now in an empty Amount: an error, nothing saved
    expect(amount(page)).to_have_accessible_description("Enter an amount, like 12.50.")
    assert [(e["description"], e["category_id"]) for e in api.expenses()] == [("Bus", TRANSPORT)]


def type_description(page, text):
    page.keyboard.type("30")
    page.keyboard.press("Tab")
    page.keyboard.type(text, delay=20)


def test_entry_suggestion_enter_saves_what_is_typed(open_page, api):
    api.add(30, "Gym", UTILITIES, "2025-03-01")
    page = open_page()
    type_description(page, "Gym")
    expect(suggestion_list(page).get_by_role("option")).to_have_text(["Gym"])
    page.keyboard.press("Enter")
    expect(descriptions(page).first).to_have_text("Gym")
    assert [(e["description"], e["category_id"]) for e in api.expenses()][0] == ("Gym", UTILITIES)
    expect(suggestion_list(page)).to_be_hidden()
    expect(amount(page)).to_be_focused()


def test_entry_suggestion_tab_moves_on(open_page, api):
    api.add(30, "Gym membership", UTILITIES, "2025-03-01")
    page = open_page()
    type_description(page, "Gym")
    expect(suggestion_list(page).get_by_role("option")).to_have_text(["Gym membership"])
    page.keyboard.press("Tab")
    expect(entry(page).get_by_label("Category")).to_be_focused()
    expect(suggestion_list(page)).to_be_hidden()
    expect(entry(page).get_by_label("Description")).to_have_value("Gym")
    page.keyboard.press("Enter")
    expect(descriptions(page).first).to_have_text("Gym")
    assert len(api.expenses()) == 2


def test_entry_suggestion_arrows_then_enter_picks_it(open_page, api):
    api.add(30, "Gym membership", UTILITIES, "2025-03-01")
    api.add(9, "Gift for Ann", FOOD, "2025-03-02")
    page = open_page()
    type_description(page, "G")
    options = suggestion_list(page).get_by_role("option")
    expect(options).to_have_count(2)
    page.keyboard.press("ArrowDown")
    picked = options.first.text_content()
    expect(options.first).to_have_attribute("aria-selected", "true")
    page.keyboard.press("Enter")  # picks, does not save
    description = entry(page).get_by_label("Description")
    expect(description).to_have_value(picked)
    expect(description).to_be_focused()
    expect(suggestion_list(page)).to_be_hidden()
    assert len(api.expenses()) == 2
    page.keyboard.press("Enter")  # saves
    # (The picked one may already be the first row: wait for the third row, not only the text.)
    expect(descriptions(page)).to_have_count(3)
    expect(descriptions(page).first).to_have_text(picked)
    assert len(api.expenses()) == 3


def test_entry_suggestion_escape_closes_then_leaves_field(open_page, api):
    api.add(30, "Gym", UTILITIES, "2025-03-01")
    page = open_page()
    type_description(page, "Gy")
    expect(suggestion_list(page)).to_be_visible()
    page.keyboard.press("Escape")
    expect(suggestion_list(page)).to_be_hidden()
    description = entry(page).get_by_label("Description")
    expect(description).to_be_focused()
    expect(description).to_have_value("Gy")
    page.keyboard.press("Escape")
    expect(page.locator("body")).to_be_focused()
    expect(description).to_have_value("Gy")


def test_shortcuts_question_mark_right_after_start(open_page):
    page = open_page()
    expect(amount(page)).to_be_focused()
    page.keyboard.press("?")
    dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(dialog).to_be_visible()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(amount(page)).to_have_value("")


@pytest.mark.parametrize("field", ["Amount", "Description", "Category", "Date"])
def test_shortcuts_escape_leaves_field_then_slash_searches(open_page, field):
    page = open_page()
    entry(page).get_by_label(field).focus()
    page.keyboard.press("Escape")
    expect(page.locator("body")).to_be_focused()
    page.keyboard.press("/")
    search = filters(page).get_by_label("Search descriptions")
    expect(search).to_be_focused()
    expect(search).to_have_value("")
    page.keyboard.press("Escape")
    page.keyboard.press("f")
    expect(filters(page).get_by_label("From")).to_be_focused()


def test_filters_typed_from_tab_to_keeps_both(open_page, api):
    for day, name in [("2025-02-27", "Before"), ("2025-03-01", "First"), ("2025-03-15", "Middle"),
                      ("2025-03-16", "After")]:
        api.add(5, name, FOOD, day)
    page = open_page()
    filters(page).get_by_label("Search descriptions").focus()
    page.keyboard.press("Tab")
    expect(filters(page).get_by_label("From")).to_be_focused()
    page.keyboard.type("03/01/2025", delay=30)
    page.keyboard.press("Tab")
    expect(filters(page).get_by_label("To", exact=True)).to_be_focused()
    page.keyboard.type("03/15/2025", delay=30)
    page.keyboard.press("Tab")
    expect(filters(page).get_by_label("Show category")).to_be_focused()

    expect(descriptions(page)).to_have_text(["Middle", "First"])
    expect(filters(page).get_by_label("From")).to_have_value("2025-03-01")
    expect(filters(page).get_by_label("To", exact=True)).to_have_value("2025-03-15")
    assert url_params(page) == {"from": "2025-03-01", "to": "2025-03-15"}


def test_entry_date_error_in_the_persons_format(open_page, api):
    page = open_page()
    page.keyboard.type("5")
    page.keyboard.press("Tab")
    page.keyboard.type("Tea")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    date = entry(page).get_by_label("Date")
    expect(date).to_be_focused()
    page.keyboard.press("Backspace")  # the month cleared: the date is incomplete
    page.keyboard.press("Enter")
    expect(date).to_have_accessible_description("Enter a date like 03/20/2025.")
    expect(date).to_have_attribute("aria-invalid", "true")
    assert api.expenses() == []


TEN = [  # amount, description, category letter, category id
    ("3.50", "Coffee", "f", FOOD), ("2.40", "Bus", "t", TRANSPORT), ("60", "Electricity", "u", UTILITIES),
    ("12,80", "Lunch", "f", FOOD), ("35", "Taxi", "t", TRANSPORT), ("3.50", "Coffee", "f", FOOD),
    ("2.40", "Bus", "t", TRANSPORT), ("19.99", "Internet", "u", UTILITIES), ("7", "Sandwich", "f", FOOD),
    ("48.10", "Train", "t", TRANSPORT),
]


def test_entry_ten_expenses_by_keyboard_alone(open_page, api):
    page = open_page()
    for typed, description, letter, _ in TEN:
        page.keyboard.type(typed)
        page.keyboard.press("Tab")
        page.keyboard.type(description)
        page.keyboard.press("Tab")
        page.keyboard.type(letter)
        page.keyboard.press("Enter")
        expect(amount(page)).to_have_value("")
        expect(amount(page)).to_be_focused()
    expect(descriptions(page)).to_have_count(10)
    stored = sorted(api.expenses(), key=lambda e: e["id"])
    assert [(e["amount"], e["description"], e["category_id"], e["date"]) for e in stored] == [
        (float(typed.replace(",", ".")), description, category, str(TODAY))
        for typed, description, _, category in TEN
    ]


LAST_FIELD = """(() => {
  const all = [...document.querySelectorAll("a[href], button, input, select, textarea, [tabindex]")].filter(
    (node) => !node.disabled && node.tabIndex >= 0 && node.getClientRects().length && !node.closest("dialog"));
  return document.activeElement === all[all.length - 1];
})()"""


@pytest.mark.parametrize("in_window", [True, False], ids=["window", "browser"])
def test_tab_wraps_at_the_page_ends_only_in_the_window(open_page, in_window):
    page = open_page()
    if in_window:
        page.evaluate("window.pywebview = {}")  # what pywebview gives the window's page
    page.locator("#prev-month").focus()
    page.keyboard.press("Shift+Tab")
    if in_window:  # nothing outside the page: round to its last field, and on to the first
        assert page.evaluate(LAST_FIELD)
        page.keyboard.press("Tab")
        expect(page.locator("#prev-month")).to_be_focused()
    else:  # a browser's own bar comes before the page
        assert page.evaluate("document.activeElement === document.body")


def test_tab_after_a_dialog_opened_by_shortcut_starts_at_the_top_in_the_window(open_page):
    page = open_page()
    page.evaluate("window.pywebview = {}")
    page.keyboard.press("Escape")  # leave Amount: the focus is on the page itself
    page.keyboard.press("y")
    report = page.get_by_role("dialog", name="A year at a glance")
    expect(report).to_be_visible()
    page.keyboard.press("Escape")
    expect(report).to_be_hidden()
    page.keyboard.press("Tab")
    expect(page.locator("#prev-month")).to_be_focused()
