"""Recurring expenses in the window, by keyboard (web/recurring.js): edit, pause and resume a
template, and what saving one with a start in the past posted.

As in tests/test_web_budgets_recurring_search.py the page's clock is pinned (2025-03-20) but the
server's is the real one: posted dates are counted from the real today. Keys are pressed, never
filled in.
"""

import calendar
from datetime import date

from playwright.sync_api import expect

from browser import AXE_SCRIPT, UTILITIES, serious_violations


def recurring_dialog(page):
    return page.get_by_role("dialog", name="Recurring expenses")


def open_recurring(page):
    page.get_by_role("button", name="Recurring", exact=True).click()
    dialog = recurring_dialog(page)
    expect(dialog).to_be_visible()
    return dialog


def months_back(day_: date, months: int) -> date:
    number = day_.year * 12 + day_.month - 1 - months
    return date(number // 12, number % 12 + 1, 1)


def type_date(page, day_: date) -> None:
    """A date field takes its digits in the order it shows them (en-US: month, day, year)."""
    page.keyboard.type(f"{day_.month:02d}{day_.day:02d}{day_.year}")


def future_gym(api):
    start = date(date.today().year + 1, 1, 15)
    return api.post("/recurring", {"amount": 30, "description": "Gym", "category_id": UTILITIES,
                                   "frequency": "monthly", "start_date": start.isoformat()})


def test_recurring_add_in_the_past_by_keyboard_says_what_it_posted(open_page, api):
    today = date.today()
    start = months_back(today, 3)  # the 1st, three months ago: four dates are due, today's month's 1st included
    page = open_page()
    dialog = open_recurring(page)
    form = dialog.get_by_role("form", name="New recurring expense")
    form.get_by_label("Amount").focus()
    page.keyboard.type("10")
    page.keyboard.press("Tab")
    page.keyboard.type("Gym")
    page.keyboard.press("Tab")
    page.keyboard.press("u")  # Utilities
    for _ in range(4):  # Repeats (monthly), Every (1), Day of the month (the start's), Starts
        page.keyboard.press("Tab")
    expect(form.get_by_label("Starts")).to_be_focused()
    type_date(page, start)
    page.keyboard.press("Enter")
    dates = [months_back(today, back) for back in (3, 2, 1, 0)]
    if len({d.year for d in dates}) == 1:
        listed = ", ".join(f"{calendar.month_abbr[d.month]} 1" for d in dates) + f", {today.year}"
    else:
        listed = "; ".join(f"{calendar.month_abbr[d.month]} 1, {d.year}" for d in dates)
    expect(dialog.get_by_role("status")).to_have_text(
        f"Added “Gym”: monthly on the 1st. Posted 4 past expenses ({listed}), $40.00 in all.")
    assert sorted(e["date"] for e in api.expenses()) == [d.isoformat() for d in dates]
    assert [e["category_id"] for e in api.expenses()] == [UTILITIES] * 4


def test_recurring_edit_by_keyboard_enter_saves_from_the_category_select(open_page, api):
    rule = future_gym(api)
    page = open_page()
    dialog = open_recurring(page)
    edit = dialog.get_by_role("button", name="Edit recurring Gym")
    edit.focus()
    page.keyboard.press("Enter")
    form = dialog.get_by_role("form", name="Edit recurring expense")
    expect(form.get_by_label("Amount")).to_be_focused()
    expect(form.get_by_label("Amount")).to_have_value("30.00")
    expect(form.get_by_role("heading")).to_have_text("Edit “Gym”")
    page.keyboard.type("45.50")  # the amount is selected: typing replaces it
    page.keyboard.press("Tab")
    page.keyboard.press("Control+a")
    page.keyboard.type("Gym membership")
    page.keyboard.press("Tab")
    page.keyboard.press("f")  # Food
    page.keyboard.press("Enter")  # saves, even from the select
    expect(dialog.get_by_role("status")).to_have_text("Saved “Gym membership”: monthly on the 15th.")
    changed = api.get(f"/recurring/{rule['id']}")
    assert (changed["amount"], changed["description"], changed["category_id"]) == (45.5, "Gym membership", 1)
    assert changed["start_date"] == rule["start_date"] and changed["frequency"] == "monthly"
    expect(dialog.get_by_role("form", name="New recurring expense")).to_be_visible()
    expect(dialog.get_by_role("button", name="Edit recurring Gym membership")).to_be_focused()
    row = dialog.get_by_role("table", name="Recurring expenses").locator("tbody tr")
    expect(row.locator("td").nth(1)).to_have_text("$45.50")


def test_recurring_edit_schedule_and_end_by_keyboard(open_page, api):
    rule = future_gym(api)
    page = open_page()
    dialog = open_recurring(page)
    dialog.get_by_role("button", name="Edit recurring Gym").focus()
    page.keyboard.press("Enter")
    form = dialog.get_by_role("form", name="Edit recurring expense")
    form.get_by_label("Repeats").focus()
    page.keyboard.press("w")  # Weekly
    expect(form.get_by_label("Day of the month")).to_be_hidden()
    page.keyboard.press("Tab")
    page.keyboard.press("Control+a")
    page.keyboard.type("2")
    for _ in range(2):  # Starts, Ends
        page.keyboard.press("Tab")
    expect(form.get_by_label("Ends (optional)")).to_be_focused()
    end = date(date.today().year + 1, 6, 30)
    type_date(page, end)
    page.keyboard.press("Enter")
    expect(dialog.get_by_role("status")).to_contain_text("Saved “Gym”: every 2 weeks on")
    changed = api.get(f"/recurring/{rule['id']}")
    assert (changed["frequency"], changed["interval"], changed["day_of_month"], changed["end_date"]) == (
        "weekly", 2, None, end.isoformat())


def test_recurring_edit_esc_cancels_then_esc_closes(open_page, api):
    rule = future_gym(api)
    page = open_page()
    dialog = open_recurring(page)
    dialog.get_by_role("button", name="Edit recurring Gym").focus()
    page.keyboard.press("Enter")
    page.keyboard.type("99")
    page.keyboard.press("Escape")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("form", name="New recurring expense")).to_be_visible()
    expect(dialog.get_by_role("form", name="New recurring expense").get_by_label("Amount")).to_have_value("")
    expect(dialog.get_by_role("button", name="Edit recurring Gym")).to_be_focused()
    assert api.get(f"/recurring/{rule['id']}")["amount"] == 30
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()


def test_recurring_pause_and_resume_by_keyboard(open_page, api):
    rule = future_gym(api)
    page = open_page()
    dialog = open_recurring(page)
    row = dialog.get_by_role("table", name="Recurring expenses").locator("tbody tr")
    dialog.get_by_role("button", name="Pause recurring Gym").focus()
    page.keyboard.press("Enter")
    today = date.today()
    expect(row.locator("td").nth(4)).to_have_text(f"Paused since {calendar.month_abbr[today.month]} {today.day}, {today.year}")
    expect(dialog.get_by_role("status")).to_have_text("Paused “Gym”: nothing is posted until you resume it.")
    expect(dialog.get_by_role("button", name="Resume recurring Gym")).to_be_focused()
    assert api.get(f"/recurring/{rule['id']}")["paused"] is True
    expect(dialog.get_by_role("table", name="Upcoming (30 days)").locator("tbody tr")).to_have_count(0)
    page.add_script_tag(path=str(AXE_SCRIPT))
    problems = []
    for scheme in ("dark", "light"):  # the paused row is muted: still readable in both
        page.emulate_media(color_scheme=scheme)
        problems += serious_violations(page, f"{scheme}: a paused recurring expense", "#recurring-dialog")
    assert not problems, "axe found serious problems:\n" + "\n".join(problems)
    page.keyboard.press("Enter")
    start = date.fromisoformat(rule["start_date"])
    expect(dialog.get_by_role("status")).to_have_text(
        f"Resumed “Gym”; next on {calendar.month_abbr[start.month]} {start.day}, {start.year}.")
    expect(dialog.get_by_role("button", name="Pause recurring Gym")).to_be_focused()
    assert api.get(f"/recurring/{rule['id']}")["paused"] is False
