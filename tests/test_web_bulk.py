"""Bulk edit in the window: tick rows (Space on a focused box, a click, shift-click for a range) or
every expense that matches the list; move them to a category or delete them; one Undo takes the
whole action back; the trash restores many at once; the bar that appears moves nothing."""

import re

from playwright.sync_api import expect

from browser import (
    AXE_SCRIPT,
    FOOD,
    TRANSPORT,
    descriptions,
    filters,
    insert_expenses,
    leave_fields,
    month_total,
    page_info,
    serious_violations,
    table,
)


def seed(api):
    """Five March 2025 expenses (the page's month), newest first in the list: E, D, C, B, A."""
    for amount, name, day in [(1, "Apple", "2025-03-01"), (2, "Bread", "2025-03-02"), (4, "Cheese", "2025-03-03"),
                              (8, "Dates", "2025-03-04"), (16, "Eggs", "2025-03-05")]:
        api.add(amount, name, FOOD, day)


def box(page, name):
    return table(page).get_by_role("checkbox", name=f"Select {name}")


def bar(page):
    return page.get_by_role("region", name="Selected expenses")


def category_of(page, name):
    return table(page).locator("tbody tr", has_text=name).locator("td").nth(2)


def tab_to(page, target, most=12):
    for _ in range(most):
        page.keyboard.press("Tab")
        if target.evaluate("node => node === document.activeElement"):
            return
    raise AssertionError(f"Tab did not reach {target}")


def test_bulk_move_three_then_undo(open_page, api):
    seed(api)
    page = open_page(viewport={"width": 1280, "height": 800})
    expect(descriptions(page)).to_have_text(["Eggs", "Dates", "Cheese", "Bread", "Apple"])
    expect(bar(page)).to_be_hidden()
    # Space on a focused box: Tab reaches it from the filters.
    page.get_by_role("button", name="Clear filters").focus()
    tab_to(page, box(page, "Eggs"))
    page.keyboard.press("Space")
    expect(box(page, "Eggs")).to_be_checked()
    expect(bar(page)).to_be_visible()
    expect(bar(page)).to_contain_text("1 selected")
    # A click, then shift-click: the range between.
    box(page, "Cheese").click()
    box(page, "Apple").click(modifiers=["Shift"])
    expect(bar(page)).to_contain_text("4 selected")
    box(page, "Bread").click()  # untick one
    expect(bar(page)).to_contain_text("3 selected")
    for name, ticked in [("Eggs", True), ("Dates", False), ("Cheese", True), ("Bread", False), ("Apple", True)]:
        (expect(box(page, name)).to_be_checked if ticked else expect(box(page, name)).not_to_be_checked)()

    bar(page).get_by_label("Move to category").select_option(label="Transport")
    bar(page).get_by_role("button", name="Move").click()
    toast = page.get_by_role("status").filter(has_text="moved")
    expect(page.locator("#toast-text")).to_have_text("3 expenses moved to Transport.")
    expect(toast.get_by_role("button", name="Undo")).to_be_visible()
    expect(bar(page)).to_be_hidden()
    for name in ["Eggs", "Cheese", "Apple"]:
        expect(category_of(page, name)).to_have_text("Transport")
    expect(category_of(page, "Dates")).to_have_text("Food")
    chart = page.get_by_role("list", name="Spending by category")
    expect(chart).to_contain_text("Transport")
    expect(box(page, "Eggs")).not_to_be_checked()

    leave_fields(page)
    page.keyboard.press("u")  # the Undo shortcut, as for a single delete
    expect(page.locator("#toast-text")).to_have_text("Undone: 3 expenses moved to Transport.")
    for name in ["Eggs", "Cheese", "Apple"]:
        expect(category_of(page, name)).to_have_text("Food")
    expect(chart).not_to_contain_text("Transport")


def trash(page):
    return page.get_by_role("dialog", name="Trash")


def test_bulk_select_all_that_match_a_search_then_delete_and_undo(open_page, api, web_server):
    insert_expenses(web_server.db_path, [(1, f"Coffee {i:02d}", FOOD, "2025-03-10") for i in range(60)])
    api.add(100, "Rent", TRANSPORT, "2025-03-01")
    page = open_page(viewport={"width": 1280, "height": 800})
    expect(month_total(page)).to_have_text("$160.00")
    filters(page).get_by_label("Search descriptions").click()
    page.keyboard.type("coffee")
    expect(page_info(page)).to_have_text("1–50 of 60")
    table(page).get_by_role("checkbox", name="Select all on this page").click()
    expect(bar(page)).to_contain_text("50 selected")
    bar(page).get_by_role("button", name="Select all 60 that match").click()
    expect(bar(page)).to_contain_text("All 60 expenses that match selected")
    bar(page).get_by_role("button", name="Delete").click()
    confirm = page.get_by_role("alertdialog", name="Delete 60 expenses?")
    expect(confirm).to_contain_text("Move the 60 selected expenses to the trash?")
    confirm.get_by_role("button", name="Delete 60 expenses").click()
    expect(page.locator("#toast-text")).to_have_text("60 expenses moved to the trash.")
    expect(page.locator("#empty")).to_have_text("No expenses match these filters.")
    expect(month_total(page)).to_have_text("$100.00")
    assert api.descriptions() == ["Rent"]

    page.get_by_role("button", name="Trash").click()
    expect(trash(page).get_by_role("table", name="In the trash").locator("tbody tr")).to_have_count(60)
    trash(page).get_by_role("button", name="Close").click()

    page.keyboard.press("Control+z")  # as in any program: the last change, taken back
    expect(page.locator("#toast-text")).to_have_text("Undone: 60 expenses moved to the trash.")
    expect(page_info(page)).to_have_text("1–50 of 60")
    expect(month_total(page)).to_have_text("$160.00")
    assert len(api.descriptions()) == 61


def test_bulk_delete_one_asks_nothing(open_page, api):
    seed(api)
    page = open_page()
    box(page, "Dates").click()
    bar(page).get_by_role("button", name="Delete").click()
    expect(page.locator("#toast-text")).to_have_text("1 expense moved to the trash.")
    expect(descriptions(page)).to_have_text(["Eggs", "Cheese", "Bread", "Apple"])


def test_bulk_restore_two_from_the_trash_then_undo(open_page, api):
    seed(api)
    for expense in api.expenses():
        if expense["description"] in ("Apple", "Bread", "Cheese"):
            api.delete(f"/expenses/{expense['id']}")
    page = open_page()
    expect(descriptions(page)).to_have_text(["Eggs", "Dates"])
    page.get_by_role("button", name="Trash").click()
    dialog = trash(page)
    restore = dialog.get_by_role("button", name=re.compile("^Restore .*selected$"))
    expect(restore).to_be_disabled()
    dialog.get_by_role("checkbox", name="Select Apple").click()
    dialog.get_by_role("checkbox", name="Select Cheese").click()
    expect(restore).to_have_text("Restore 2 selected")
    restore.click()
    expect(dialog.get_by_role("status")).to_have_text("2 expenses restored from the trash.")
    expect(dialog.get_by_role("table", name="In the trash").locator("tbody td.description")).to_have_text(["Bread"])
    expect(descriptions(page)).to_have_text(["Eggs", "Dates", "Cheese", "Apple"])
    expect(restore).to_be_disabled()

    dialog.get_by_role("button", name="Undo").click()
    expect(dialog.get_by_role("status")).to_have_text("Undone: 2 expenses restored from the trash.")
    expect(dialog.get_by_role("table", name="In the trash").locator("tbody td.description")).to_have_count(3)
    expect(descriptions(page)).to_have_text(["Eggs", "Dates"])


def test_bulk_bar_moves_nothing(open_page, web_server):
    insert_expenses(web_server.db_path, [(1, f"Item {i:02d}", FOOD, "2025-03-10") for i in range(30)])
    page = open_page(viewport={"width": 1280, "height": 800})
    expenses = table(page)

    def boxes():
        return [expenses.bounding_box(), expenses.locator("tbody tr").first.bounding_box(),
                page.get_by_role("region", name="Filters").bounding_box()]

    before = boxes()
    box(page, "Item 29").click()
    box(page, "Item 26").click(modifiers=["Shift"])
    expect(bar(page)).to_contain_text("4 selected")
    assert boxes() == before
    # The bar lies between the filters and the table, over the list's summary line.
    shown = bar(page).bounding_box()
    assert before[2]["y"] + before[2]["height"] <= shown["y"] + 1, (shown, before[2])
    assert shown["y"] + shown["height"] <= before[0]["y"], (shown, before[0])
    page.add_script_tag(path=str(AXE_SCRIPT))
    assert serious_violations(page, "rows ticked") == []
    # Down the list, the bar stays in view at the window's top.
    box(page, "Item 00").scroll_into_view_if_needed()
    box(page, "Item 00").click()
    expect(bar(page)).to_contain_text("5 selected")
    shown = bar(page).bounding_box()
    assert 0 <= shown["y"] < 60, shown
    bar(page).get_by_role("button", name="Clear").click()
    expect(bar(page)).to_be_hidden()
    page.evaluate("scrollTo(0, 0)")
    assert boxes() == before


def test_bulk_shift_space_ticks_the_range_from_the_last_ticked(open_page, api):
    seed(api)
    page = open_page()
    page.get_by_role("button", name="Clear filters").focus()
    tab_to(page, box(page, "Eggs"))
    page.keyboard.press("Space")
    tab_to(page, box(page, "Cheese"))  # past Eggs' Edit and Delete, and Dates
    page.keyboard.press("Shift+Space")
    expect(bar(page)).to_contain_text("3 selected")
    for name, ticked in [("Eggs", True), ("Dates", True), ("Cheese", True), ("Bread", False)]:
        (expect(box(page, name)).to_be_checked if ticked else expect(box(page, name)).not_to_be_checked)()


def test_bulk_move_leaves_split_expense_and_toast_says_why(open_page, api):
    seed(api)
    household = api.post("/categories", {"name": "Household"})["id"]
    receipt = api.add(54.5, "Supermarket", FOOD, "2025-03-06")
    api.put(f"/expenses/{receipt['id']}/parts", [{"category_id": FOOD, "amount": 30},
                                                 {"category_id": household, "amount": 24.5}])
    page = open_page(viewport={"width": 1280, "height": 800})
    expect(descriptions(page)).to_have_count(6)
    box(page, "Supermarket").focus()
    page.keyboard.press("Space")
    box(page, "Eggs").focus()
    page.keyboard.press("Space")
    expect(bar(page)).to_contain_text("2 selected")
    bar(page).get_by_label("Move to category").select_option(label="Transport")
    bar(page).get_by_role("button", name="Move").click()
    expect(page.locator("#toast-text")).to_have_text(
        "1 expense moved to Transport. 1 split expense was left as it is: a split expense's category is its "
        "parts', so change its parts instead.")
    expect(category_of(page, "Eggs")).to_have_text("Transport")
    saved = api.get(f"/expenses/{receipt['id']}")
    assert saved["category_name"] == "Food"
    assert [(p["category_name"], p["amount"]) for p in saved["parts"]] == [("Food", 30), ("Household", 24.5)]
