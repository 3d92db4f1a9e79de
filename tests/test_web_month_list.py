"""The month drives the list: the month keys, arrows and trend bars show that month's expenses; "All
dates" shows everything; the list states the count and total of all it holds; the page opens on the
latest month with expenses; paging and toasts; nothing on the page jumps."""

import pytest
from playwright.sync_api import expect

from browser import (
    FOOD,
    TRANSPORT,
    UTILITIES,
    descriptions,
    entry,
    filters,
    insert_expenses,
    page_info,
    reload,
    url_params,
)


def seed(api):
    """Four expenses in March 2025 (the page's current month), one in February, one in January."""
    api.add(900, "Rent", UTILITIES, "2025-03-01")
    api.add(12.5, "Lunch", FOOD, "2025-03-14")
    api.add(2.5, "Bus", TRANSPORT, "2025-03-15")
    api.add(40, "Groceries", FOOD, "2025-03-18")
    api.add(20, "Train", TRANSPORT, "2025-02-20")
    api.add(7, "Tea", FOOD, "2025-01-05")


MARCH = ["Groceries", "Bus", "Lunch", "Rent"]


def summary(page):
    return page.locator("#list-summary")


def month_label(page):
    return page.locator("#month-label")


def leave_field(page):
    """Esc: the focus leaves a field (Amount has it at the start), so that the next key is a shortcut."""
    if page.evaluate("!!document.activeElement.closest('input, select')"):
        page.keyboard.press("Escape")
        expect(page.locator("body")).to_be_focused()


def go(page, how, direction):
    if how == "keys":
        leave_field(page)
        page.keyboard.press("[" if direction < 0 else "]")
    else:
        name = "Previous month" if direction < 0 else "Next month"
        page.get_by_role("navigation", name="Month").get_by_role("button", name=name).click()


@pytest.mark.parametrize("how", ["keys", "arrows"])
def test_month_list_follows_the_month(open_page, api, how):
    seed(api)
    page = open_page()
    expect(descriptions(page)).to_have_text(MARCH)
    expect(summary(page)).to_have_text("March 2025: 4 expenses, $955.00")

    go(page, how, -1)
    expect(month_label(page)).to_have_text("February 2025")
    expect(descriptions(page)).to_have_text(["Train"])
    expect(summary(page)).to_have_text("February 2025: 1 expense, $20.00")
    expect(filters(page).get_by_label("From")).to_have_value("2025-02-01")
    expect(filters(page).get_by_label("To", exact=True)).to_have_value("2025-02-28")
    assert url_params(page) == {"month": "2025-02"}

    go(page, how, -1)
    expect(descriptions(page)).to_have_text(["Tea"])
    reload(page)  # the address keeps the month, and the list with it
    expect(month_label(page)).to_have_text("January 2025")
    expect(descriptions(page)).to_have_text(["Tea"])

    go(page, how, 1)
    go(page, how, 1)
    expect(month_label(page)).to_have_text("March 2025")
    expect(descriptions(page)).to_have_text(MARCH)
    assert url_params(page) == {}


def test_month_list_trend_bar_shows_that_month(open_page, api):
    seed(api)
    page = open_page()
    trend = page.get_by_role("list", name="Spending in the last 12 months")
    trend.get_by_role("button", name="Feb 2025: $20.00").click()
    expect(month_label(page)).to_have_text("February 2025")
    expect(descriptions(page)).to_have_text(["Train"])
    expect(summary(page)).to_have_text("February 2025: 1 expense, $20.00")


def test_month_list_category_bar_keeps_the_month(open_page, api):
    seed(api)
    page = open_page()
    page.get_by_role("list", name="Spending by category").get_by_role("button", name="Food: $52.50", exact=False).click()
    expect(descriptions(page)).to_have_text(["Groceries", "Lunch"])
    expect(summary(page)).to_have_text("Food · March 2025: 2 expenses, $52.50")
    assert url_params(page) == {"category": "1"}
    go(page, "keys", -1)  # the category stays chosen; the month changes
    expect(descriptions(page)).to_have_text([])
    expect(page.locator("#empty")).to_have_text("No expenses match these filters.")
    expect(summary(page)).to_have_text("Food · February 2025: 0 expenses, $0.00")


def test_month_list_all_dates_shows_everything(open_page, api):
    seed(api)
    page = open_page()
    all_dates = filters(page).get_by_role("button", name="All dates")
    all_dates.click()
    expect(all_dates).to_have_attribute("aria-pressed", "true")
    expect(descriptions(page)).to_have_text([*MARCH, "Train", "Tea"])
    expect(summary(page)).to_have_text("All dates: 6 expenses, $982.00")
    expect(filters(page).get_by_label("From")).to_have_value("")
    assert url_params(page) == {"dates": "all"}
    reload(page)
    expect(summary(page)).to_have_text("All dates: 6 expenses, $982.00")
    # A month chosen again shows that month alone.
    go(page, "keys", -1)
    expect(descriptions(page)).to_have_text(["Train"])
    expect(all_dates).to_have_attribute("aria-pressed", "false")


def test_month_list_typed_dates_leave_month_mode(open_page, api):
    seed(api)
    page = open_page()
    from_field = filters(page).get_by_label("From")
    from_field.focus()
    page.keyboard.type("02152025")  # the en-US date field: month, day, year
    page.keyboard.press("Tab")
    expect(descriptions(page)).to_have_text([*MARCH, "Train"])
    expect(summary(page)).to_have_text("Feb 15, 2025 – Mar 31, 2025: 5 expenses, $975.00")
    assert url_params(page) == {"from": "2025-02-15", "to": "2025-03-31"}
    expect(month_label(page)).to_have_text("March 2025")  # the month panel stays on its month


def test_month_list_search_states_count_and_total(open_page, api):
    seed(api)
    api.add(3.5, "Bus", TRANSPORT, "2025-03-19")
    page = open_page()
    page.keyboard.press("Escape")
    page.keyboard.press("/")
    page.keyboard.type("bus")
    expect(descriptions(page)).to_have_text(["Bus", "Bus"])
    expect(summary(page)).to_have_text("“bus” · March 2025: 2 expenses, $6.00")


def test_month_list_totals_cover_every_page(open_page, api, web_server):
    insert_expenses(web_server.db_path, [(1.25, f"Item {i:03d}", FOOD, f"2025-03-{1 + i % 20:02d}") for i in range(120)])
    insert_expenses(web_server.db_path, [(100, "February", FOOD, "2025-02-10")])
    page = open_page()
    expect(page_info(page)).to_have_text("1–50 of 120")
    expect(summary(page)).to_have_text("March 2025: 120 expenses, $150.00")


def test_month_list_opens_on_latest_month_with_expenses(open_page, api):
    api.add(20, "Train", TRANSPORT, "2024-11-20")
    api.add(7, "Tea", FOOD, "2025-01-05")
    page = open_page()
    expect(month_label(page)).to_have_text("January 2025")
    expect(descriptions(page)).to_have_text(["Tea"])
    expect(summary(page)).to_have_text("January 2025: 1 expense, $7.00")
    # The current month is one key away, empty.
    page.keyboard.press("Escape")
    page.keyboard.press("]")
    page.keyboard.press("]")
    expect(month_label(page)).to_have_text("March 2025")
    expect(page.locator("#empty")).to_have_text("No expenses in March 2025.")


def test_month_list_empty_file_opens_on_this_month_with_welcome(open_page):
    page = open_page()
    expect(month_label(page)).to_have_text("March 2025")
    expect(page.locator("#empty")).to_contain_text("Welcome!")
    expect(summary(page)).to_have_text("")


def test_month_list_next_page_scrolls_to_the_list_top(open_page, web_server):
    insert_expenses(web_server.db_path, [(1, f"Item {i:03d}", FOOD, "2025-03-10") for i in range(120)])
    page = open_page(viewport={"width": 1280, "height": 800})
    next_page = page.get_by_role("button", name="Next page")
    next_page.scroll_into_view_if_needed()
    assert page.evaluate("scrollY") > 500
    next_page.click()
    expect(page_info(page)).to_have_text("51–100 of 120")
    top = page.get_by_role("table", name="Expenses").locator("thead").bounding_box()
    assert 0 <= top["y"] <= 800 - top["height"], top
    first_row = page.locator("#expenses tbody tr").first.bounding_box()
    assert 0 <= first_row["y"] < 800, first_row


def overlap(a, b):
    return not (a["x"] + a["width"] <= b["x"] or b["x"] + b["width"] <= a["x"]
                or a["y"] + a["height"] <= b["y"] or b["y"] + b["height"] <= a["y"])


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 800}, {"width": 800, "height": 600}],
                         ids=["1280x800", "800x600"])
def test_month_list_toast_does_not_cover_the_pager(open_page, web_server, viewport):
    insert_expenses(web_server.db_path, [(1, f"Item {i:03d}", FOOD, "2025-03-10") for i in range(60)])
    page = open_page(viewport=viewport)
    pager = page.get_by_role("navigation", name="Pages")
    pager.scroll_into_view_if_needed()
    page.get_by_role("button", name="Delete Item 059").click()
    toast = page.get_by_role("status")
    expect(toast).to_contain_text("Deleted “Item 059”.")
    pager.scroll_into_view_if_needed()
    assert not overlap(toast.bounding_box(), pager.bounding_box()), (toast.bounding_box(), pager.bounding_box())


LONG_NAME = "Household repairs and garden maintenance"  # 40 characters


def positions(page):
    add = entry(page).get_by_role("button", name="Add").bounding_box()
    table_top = page.get_by_role("table", name="Expenses").bounding_box()["y"]
    return add["x"], add["y"], table_top


def test_month_list_nothing_jumps(open_page, api, web_server):
    assert len(LONG_NAME) == 40
    api.add(5, "Bread", FOOD, "2025-03-19")
    page = open_page(viewport={"width": 1280, "height": 800})
    assert page.evaluate("document.documentElement.scrollHeight <= innerHeight"), "no scrollbar yet"
    before = positions(page)

    api.add_category(LONG_NAME)
    reload(page)
    entry(page).get_by_label("Category").select_option(label=LONG_NAME)
    filters(page).get_by_label("Show category").select_option(label="All categories")
    assert positions(page) == before

    insert_expenses(web_server.db_path, [(1, f"Item {i:02d}", FOOD, "2025-03-10") for i in range(40)])
    reload(page)
    entry(page).get_by_label("Category").select_option(label=LONG_NAME)
    assert page.evaluate("document.documentElement.scrollHeight > innerHeight"), "a scrollbar now"
    assert positions(page) == before
