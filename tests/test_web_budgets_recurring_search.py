"""Search, budgets and recurring expenses in the page (web/search.js, web/budgets.js,
web/recurring.js), in a real browser.

Same set-up as tests/test_web.py (its fixtures are used here): Debian's Chromium through
Playwright, a real server on a fresh database for each test, the page's clock pinned to
Thursday 2025-03-20, en-US, UTC. The server's own clock is the real one: recurring dates are
counted from the real today.
"""

import calendar
import csv
from datetime import date

import pytest
from playwright.sync_api import expect

from browser import (
    AXE_SCRIPT,
    FOOD,
    TRANSPORT,
    UTILITIES,
    descriptions,
    filters,
    reload,
    serious_violations,
    shown_rows,
    table,
    url_params,
)
from conftest import SaveDialog


def search_box(page):
    return filters(page).get_by_label("Search descriptions")


def budgets_dialog(page):
    return page.get_by_role("dialog", name="Monthly budgets")


def recurring_dialog(page):
    return page.get_by_role("dialog", name="Recurring expenses")


def budget_list(page):
    return page.get_by_role("list", name="Budgets")


def shown(day_):
    return f"{calendar.month_abbr[day_.month]} {day_.day}, {day_.year}"


def month_end(day_):
    return day_.replace(day=calendar.monthrange(day_.year, day_.month)[1])


# ---------------------------------------------------------------------------
# Search
# ---------------------------------------------------------------------------

def test_search_export_in_the_window_saves_only_what_is_listed(open_page, api, web_server, tmp_path):
    from desktop.native import NativeApi

    for number in range(14):
        api.add(3, f"Groceries {number}", FOOD, "2025-03-10")
    api.add(4.5, "Café au lait", FOOD, "2025-03-11")
    api.add(2, "cafe filter", TRANSPORT, "2025-03-12")
    page = open_page()
    saved = tmp_path / "saved.csv"
    native = NativeApi(web_server.db_path)
    native._attach(SaveDialog(saved))
    # What pywebview gives the page in the app window (window.pywebview.api), bridged to the same NativeApi.
    page.expose_function("saveExport", native.save_export)
    page.evaluate("window.pywebview = {api: {save_export: (query) => window.saveExport(query)}}")
    search_box(page).fill("cafe")
    expect(descriptions(page)).to_have_text(["cafe filter", "Café au lait"])
    page.get_by_role("button", name="Export CSV").click()
    expect(page.get_by_text(f"Saved 2 expenses to {saved}")).to_be_visible()
    with open(saved, newline="", encoding="utf-8") as file:
        assert [row[2] for row in csv.reader(file)] == ["description", "cafe filter", "Café au lait"]


def test_search_finds_accents_highlights_with_category_and_survives_reload(open_page, api):
    api.add(4.5, "Café au lait", FOOD, "2025-03-10")
    api.add(3, "CAFE bus stop", TRANSPORT, "2025-03-11")
    api.add(12.5, "Lunch", FOOD, "2025-03-12")
    page = open_page()
    with page.expect_request(lambda r: "/expenses/totals" in r.url and "q=cafe" in r.url):
        search_box(page).fill("cafe")
    expect(descriptions(page)).to_have_text(["CAFE bus stop", "Café au lait"])
    marks = table(page).locator("tbody td.description mark")
    expect(marks).to_have_text(["CAFE", "Café"])  # accents and case kept as written
    expect(page.locator("#page-info")).to_have_text("1–2 of 2")
    assert url_params(page)["q"] == "cafe"

    filters(page).get_by_label("Show category").select_option(label="Food")
    expect(descriptions(page)).to_have_text(["Café au lait"])
    assert url_params(page) == {"q": "cafe", "category": str(FOOD)}

    reload(page)
    expect(search_box(page)).to_have_value("cafe")
    expect(descriptions(page)).to_have_text(["Café au lait"])
    expect(table(page).locator("tbody mark")).to_have_text(["Café"])
    with page.expect_download() as download:
        page.get_by_role("button", name="Export CSV").click()
    assert "q=cafe" in download.value.url

    search_box(page).fill("lait caf")  # every word, anywhere
    expect(table(page).locator("tbody mark")).to_have_text(["Caf", "lait"])
    search_box(page).press("Escape")
    expect(search_box(page)).to_have_value("")
    expect(descriptions(page)).to_have_text(["Lunch", "Café au lait"])
    assert "q" not in url_params(page)
    expect(table(page).locator("tbody mark")).to_have_count(0)


# ---------------------------------------------------------------------------
# Budgets
# ---------------------------------------------------------------------------

def test_budgets_set_shows_bar_left_then_over_in_danger(open_page, api):
    api.add(60, "Groceries", FOOD, "2025-03-10")
    api.add(5, "Bus", TRANSPORT, "2025-03-11")
    page = open_page()
    expect(budget_list(page)).to_be_hidden()
    page.get_by_role("button", name="Set budgets").click()
    dialog = budgets_dialog(page)
    dialog.get_by_label("Food").fill("100")
    dialog.get_by_label("Transport").fill("abc")
    dialog.get_by_label("All spending (overall)").fill("1000")
    dialog.get_by_role("button", name="Save budgets").click()
    expect(dialog.get_by_label("Transport")).to_have_accessible_description("Enter an amount, like 12.50.")
    dialog.get_by_label("Transport").fill("")
    dialog.get_by_role("button", name="Save budgets").click()
    expect(dialog.get_by_role("status")).to_have_text("Nothing changed.")
    assert api.get("/budgets") == {
        "overall": 1000.0, "categories": [{"category_id": FOOD, "category_name": "Food", "amount": 100.0}]}
    dialog.get_by_role("button", name="Close").click()

    food = budget_list(page).get_by_role("listitem").filter(has_text="Food")
    expect(food).to_contain_text("$40.00 left")
    expect(food).to_contain_text("$60.00 of $100.00 (60%)")
    expect(food).to_have_class("budget budget-ok")
    expect(page.locator("#overall-budget")).to_contain_text("All spending$935.00 left")
    assert food.locator(".budget-bar").evaluate("bar => bar.style.width") == "60%"

    page.get_by_role("button", name="Change budgets").click()
    expect(dialog.get_by_label("Food")).to_have_value("100")  # the fields are filled in once loaded
    dialog.get_by_label("Food").fill("70")
    dialog.get_by_role("button", name="Save budgets").click()
    expect(dialog.get_by_role("status")).to_have_text("Budgets saved.")
    dialog.get_by_role("button", name="Close").click()
    expect(food).to_contain_text("$10.00 left")
    expect(food).to_have_class("budget budget-warning")  # 86%

    page.get_by_role("form", name="New expense").get_by_label("Amount").fill("22")
    page.get_by_role("form", name="New expense").get_by_label("Description").fill("Dinner")
    page.get_by_role("form", name="New expense").get_by_label("Description").press("Enter")
    expect(food).to_contain_text("⚠ $12.00 over")
    expect(food).to_have_class("budget budget-danger over")
    assert food.locator(".budget-bar").evaluate("bar => bar.style.width") == "100%"

    page.get_by_role("button", name="Change budgets").click()  # clearing: an empty field
    expect(dialog.get_by_label("Food")).to_have_value("70")
    dialog.get_by_label("Food").fill("")
    dialog.get_by_label("All spending (overall)").fill("")
    dialog.get_by_role("button", name="Save budgets").click()
    expect(dialog.get_by_role("status")).to_have_text("Budgets saved.")
    assert api.get("/budgets") == {"overall": None, "categories": []}
    dialog.get_by_role("button", name="Close").click()
    expect(budget_list(page)).to_be_hidden()
    expect(page.locator("#overall-budget")).to_be_empty()


# ---------------------------------------------------------------------------
# Recurring
# ---------------------------------------------------------------------------

def add_monthly_on_31st(page, today):
    page.get_by_role("button", name="Recurring", exact=True).click()
    dialog = recurring_dialog(page)
    form = dialog.get_by_role("form", name="New recurring expense")
    form.get_by_label("Amount").fill("900")
    form.get_by_label("Description").fill("Rent")
    form.get_by_label("Category").select_option(label="Utilities")
    form.get_by_label("Repeats").select_option("monthly")
    form.get_by_label("Day of the month").fill("31")
    form.get_by_label("Starts").fill(today.isoformat())
    form.get_by_role("button", name="Add recurring expense").click()
    return dialog


def test_recurring_monthly_on_31st_schedule_in_words_and_upcoming(open_page, api):
    today = date.today()  # the server's today
    page = open_page()
    dialog = add_monthly_on_31st(page, today)
    rows = dialog.get_by_role("table", name="Recurring expenses").locator("tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first.locator("td")).to_have_text([
        "Rent", "$900.00", "Utilities", "Monthly on the 31st (last day in shorter months)",
        shown(month_end(today)), "EditPauseDelete"])
    expect(dialog.get_by_role("status")).to_contain_text("Added “Rent”: monthly on the 31st")
    upcoming = dialog.get_by_role("table", name="Upcoming (30 days)").locator("tbody tr")
    expect(upcoming.first.locator("td").first).to_have_text(shown(month_end(today)))
    expect(upcoming.first).to_contain_text("Scheduled")
    [rule] = api.get("/recurring")
    assert (rule["frequency"], rule["day_of_month"], rule["interval"]) == ("monthly", 31, 1)

    form = dialog.get_by_role("form", name="New recurring expense")
    form.get_by_label("Amount").fill("3")
    form.get_by_label("Description").fill("Coffee beans")
    form.get_by_label("Repeats").select_option("weekly")
    form.get_by_label("Every").fill("2")
    expect(form.get_by_label("Day of the month")).to_be_hidden()
    form.get_by_label("Starts").fill("2030-01-07")  # a Monday
    form.get_by_role("button", name="Add recurring expense").click()
    expect(rows.filter(has_text="Coffee beans").locator("td").nth(3)).to_have_text("Every 2 weeks on Monday")

    rows.filter(has_text="Coffee beans").get_by_role("button", name="Delete recurring Coffee beans").click()
    confirm = page.get_by_role("alertdialog", name="Delete this recurring expense?")
    confirm.get_by_role("button", name="Delete").click()
    expect(rows).to_have_count(1)
    assert [r["description"] for r in api.get("/recurring")] == ["Rent"]


def test_recurring_skip_marks_it_skipped(open_page, api):
    today = date.today()
    page = open_page()
    dialog = add_monthly_on_31st(page, today)
    upcoming = dialog.get_by_role("table", name="Upcoming (30 days)").locator("tbody tr")
    name = f"Rent on {shown(month_end(today))}"
    dialog.get_by_role("button", name=f"Skip {name}").click()
    expect(dialog.get_by_role("status")).to_have_text(f"Skipped “Rent” on {shown(month_end(today))}.")
    expect(upcoming.first.locator("td").nth(3)).to_have_text("Skipped")
    expect(dialog.get_by_role("button", name=f"Skip {name}")).to_have_count(0)
    assert api.get("/recurring/upcoming?days=30")[0]["status"] == "skipped"
    assert api.expenses() == []


def test_recurring_post_now_adds_to_the_table(open_page, api):
    today = date.today()
    api.add(5, "Bus", TRANSPORT, "2025-03-11")
    page = open_page("/?dates=all")  # the page's clock is in March 2025, the posted rent in this month
    dialog = add_monthly_on_31st(page, today)
    end = month_end(today)
    dialog.get_by_role("button", name=f"Post now: Rent on {shown(end)}").click()
    expect(dialog.get_by_role("status")).to_have_text(f"Posted “Rent” ($900.00) for {shown(end)}.")
    expect(dialog.get_by_role("button", name=f"Post now: Rent on {shown(end)}")).to_have_count(0)
    dialog.get_by_role("button", name="Close").click()
    assert shown_rows(page)[0] == [shown(end), "Rent", "Utilities", "$900.00"]
    expect(descriptions(page)).to_have_text(["Rent", "Bus"])
    assert [(e["description"], e["date"], e["category_id"]) for e in api.expenses()][0] == ("Rent", end.isoformat(), UTILITIES)


# ---------------------------------------------------------------------------
# Accessibility (axe-core), as in tests/test_web.py
# ---------------------------------------------------------------------------

def test_budgets_and_recurring_accessibility_axe_light_and_dark(open_page, api):
    if not AXE_SCRIPT.exists():
        pytest.fail(f"{AXE_SCRIPT} is missing: run `npm install --prefix tests/js` once")
    api.add(95, "Groceries", FOOD, "2025-03-10")
    api.add(30, "Taxi", TRANSPORT, "2025-03-11")
    api.put(f"/budgets/{FOOD}", {"amount": 100})
    api.put(f"/budgets/{TRANSPORT}", {"amount": 20})
    api.put("/budgets/overall", {"amount": 500})
    page = open_page("/?q=groc")
    expect(table(page).locator("tbody mark")).to_have_text(["Groc"])
    page.add_script_tag(path=str(AXE_SCRIPT))
    problems = []
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        expect(budget_list(page).get_by_role("listitem")).to_have_count(2)
        problems += serious_violations(page, f"{scheme}: main view with budgets and search")
        page.get_by_role("button", name="Change budgets").click()
        dialog = budgets_dialog(page)
        dialog.get_by_label("Food").fill("-1")
        dialog.get_by_role("button", name="Save budgets").click()
        expect(dialog.get_by_label("Food")).to_have_accessible_description("The amount must be more than zero.")
        problems += serious_violations(page, f"{scheme}: Budgets, with an error", "#budgets-dialog")
        dialog.get_by_role("button", name="Close").click()

        dialog = add_monthly_on_31st(page, date.today())
        expect(dialog.get_by_role("status")).to_contain_text("Added")
        form = dialog.get_by_role("form", name="New recurring expense")
        form.get_by_role("button", name="Add recurring expense").click()  # empty: an error
        expect(form.get_by_label("Amount")).to_have_accessible_description("Enter an amount, like 12.50.")
        problems += serious_violations(page, f"{scheme}: Recurring", "#recurring-dialog")
        dialog.get_by_role("button", name="Close").click()
    assert not problems, "axe found serious problems:\n" + "\n".join(problems)
