"""A year at a glance in the page (web/report.js), in a real browser, by keyboard.

Same set-up as tests/test_web.py: Debian's Chromium through Playwright, a real server on a fresh
database for each test, the page's clock pinned to Thursday 2025-03-20, en-US, UTC.
"""

import os

import pytest
from playwright.sync_api import expect

from browser import AXE_SCRIPT, FOOD, TRANSPORT, leave_fields, serious_violations
from conftest import SaveDialog

LAST_12 = ["Apr 2024", "May 2024", "Jun 2024", "Jul 2024", "Aug 2024", "Sep 2024", "Oct 2024", "Nov 2024",
           "Dec 2024", "Jan 2025", "Feb 2025", "Mar 2025"]


def year_dialog(page):
    return page.get_by_role("dialog", name="A year at a glance")


def year_table(page):
    return year_dialog(page).get_by_role("table")


def table_text(page):
    """Each row of the table as the person reads it, header and Total row included."""
    return year_table(page).locator("tr").evaluate_all(
        "rows => rows.map(row => [...row.cells].map(cell => cell.innerText.replace(/\\s+/g, ' ').trim()))"
    )


def spend(api):
    api.add(12.5, "Lunch", FOOD, "2025-01-05")
    api.add(0.1, "Mint", FOOD, "2025-01-20")
    api.add(0.2, "Gum", FOOD, "2025-01-21")
    api.add(40, "Groceries", FOOD, "2025-03-14")
    api.add(2.75, "Bus", TRANSPORT, "2025-03-01")
    api.add(100, "Train", TRANSPORT, "2024-06-30")
    api.add(55, "Old", TRANSPORT, "2024-03-31")  # before the last 12 months


def type_month(page, month):
    page.keyboard.press("Control+A")
    page.keyboard.type(month)


def test_year_opens_with_y_shows_the_last_12_months_and_changes_period_by_keys(open_page, api):
    spend(api)
    page = open_page()
    leave_fields(page)
    page.keyboard.press("y")
    dialog = year_dialog(page)
    expect(dialog).to_be_visible()
    expect(dialog.get_by_label("From month")).to_have_value("2024-04")
    expect(dialog.get_by_label("To month")).to_have_value("2025-03")
    expect(year_table(page).locator("tfoot td").last).to_have_text("155.55")
    zero = "0.00"
    assert table_text(page) == [
        ["Category", *LAST_12, "Total"],
        ["Transport", zero, zero, "100.00", *[zero] * 8, "2.75", "102.75"],
        ["Food", *[zero] * 9, "12.80", zero, "40.00", "52.80"],
        ["Total", zero, zero, "100.00", *[zero] * 6, "12.80", zero, "42.75", "155.55"],
    ]
    expect(dialog.locator("#report-summary")).to_have_text(
        "$155.55 from April 2024 to March 2025 (12 months); amounts in USD")
    # One stacked bar part per category and month with spending, in the category's colour.
    chart = dialog.get_by_role("img", name="Spending by month and category, Apr 2024 to Mar 2025; the table below has the numbers.")
    expect(chart.locator("rect")).to_have_count(4)
    expect(chart.locator("rect[fill='#3498db']")).to_have_count(2)

    # The From field has the focus; a new period typed, Tab, typed, Enter.
    expect(dialog.get_by_label("From month")).to_be_focused()
    type_month(page, "2024-03")
    page.keyboard.press("Tab")
    expect(dialog.get_by_label("To month")).to_be_focused()
    type_month(page, "2024-06")
    page.keyboard.press("Enter")
    expect(year_table(page).get_by_role("columnheader")).to_have_text(
        ["Category", "Mar 2024", "Apr 2024", "May 2024", "Jun 2024", "Total"])
    assert table_text(page)[1:] == [
        ["Transport", "55.00", zero, zero, "100.00", "155.00"],
        ["Total", "55.00", zero, zero, "100.00", "155.00"],
    ]

    # Later: the next 4 months, all empty.
    dialog.get_by_role("button", name="Later period").focus()
    page.keyboard.press("Enter")
    expect(dialog.get_by_label("From month")).to_have_value("2024-07")
    expect(dialog.get_by_label("To month")).to_have_value("2024-10")
    expect(dialog.get_by_text("Nothing was spent in these months.")).to_be_visible()
    assert table_text(page)[1:] == [["Total", zero, zero, zero, zero, zero]]

    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()


def test_year_export_downloads_the_csv_of_the_period(open_page, api):
    spend(api)
    page = open_page()
    leave_fields(page)
    page.keyboard.press("y")
    dialog = year_dialog(page)
    expect(dialog.get_by_label("From month")).to_be_focused()
    type_month(page, "2025-01")
    page.keyboard.press("Enter")
    expect(year_table(page).locator("thead th")).to_have_count(5)
    dialog.get_by_role("button", name="Export CSV").focus()
    with page.expect_download() as download:
        page.keyboard.press("Enter")
    assert download.value.suggested_filename == "report-2025-01-to-2025-03.csv"
    with open(download.value.path(), encoding="utf-8", newline="") as file:
        assert file.read() == (
            "Category,2025-01,2025-02,2025-03,Total\r\n"
            "Food,12.80,0.00,40.00,52.80\r\n"
            "Transport,0.00,0.00,2.75,2.75\r\n"
            "Total,12.80,0.00,42.75,55.55\r\n"
        )


def test_year_export_in_the_window_saves_through_the_app(open_page, api, web_server, tmp_path):
    from desktop.native import NativeApi

    spend(api)
    page = open_page()
    saved = tmp_path / "year.csv"
    native = NativeApi(web_server.db_path)
    native._attach(SaveDialog(saved))
    page.expose_function("saveReport", native.save_report)
    page.evaluate("window.pywebview = {api: {save_report: (query) => window.saveReport(query)}}")
    page.get_by_role("button", name="Year").click()
    year_dialog(page).get_by_role("button", name="Export CSV").click()
    expect(page.get_by_text(f"Saved the report to {saved}")).to_be_visible()
    assert saved.read_text(encoding="utf-8").splitlines()[0] == "Category," + ",".join(
        f"{year}-{month:02d}" for year, month in [(2024, m) for m in range(4, 13)] + [(2025, m) for m in range(1, 4)]
    ) + ",Total"


@pytest.mark.parametrize(("first", "last", "error"), [
    ("2025-03", "2025-01", "The first month 2025-03 is after the last month 2025-01; 'from' must not be after 'to'."),
    ("2010-01", "2025-01", "From 2010-01 to 2025-01 is 181 months; a report covers at most 120 months."),
    ("2025-3", "2025-04", "From must be a month written as YYYY-MM, for example 2025-03."),
])
def test_year_bad_period_is_said_in_words(open_page, api, first, last, error):
    page = open_page()
    leave_fields(page)
    page.keyboard.press("y")
    dialog = year_dialog(page)
    expect(dialog.get_by_label("From month")).to_have_value("2024-04")
    type_month(page, first)
    page.keyboard.press("Tab")
    type_month(page, last)
    page.keyboard.press("Enter")
    expect(dialog.get_by_role("alert")).to_have_text(error)
    # The table still shows the period before.
    expect(year_table(page).get_by_role("columnheader").nth(1)).to_have_text("Apr 2024")


def test_year_is_listed_in_the_shortcuts_and_has_no_axe_problems(open_page, api):
    if not AXE_SCRIPT.exists():
        pytest.fail(f"{AXE_SCRIPT} is missing: run `npm install --prefix tests/js` once")
    spend(api)
    page = open_page()
    page.get_by_role("button", name="Keyboard shortcuts").click()
    expect(page.get_by_role("dialog", name="Keyboard shortcuts")).to_contain_text("A year at a glance")
    page.keyboard.press("Escape")
    page.add_script_tag(path=str(AXE_SCRIPT))
    problems = []
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        page.get_by_role("button", name="Year").click()
        expect(year_table(page).locator("tbody tr")).to_have_count(2)
        if os.environ.get("REPORT_SCREENSHOTS"):
            page.screenshot(path=f"{os.environ['REPORT_SCREENSHOTS']}/year-{scheme}.png")
        problems += serious_violations(page, f"{scheme}: A year at a glance", "#report-dialog")
        page.keyboard.press("Escape")
    assert problems == []


def test_year_by_tag_chosen_by_keyboard_shows_each_trip(open_page, api):
    spend(api)
    hotel = api.add(240, "Hotel", TRANSPORT, "2025-01-10")
    api.put(f"/expenses/{hotel['id']}", {"tags": ["holiday", "lisbon"]})
    train = api.add(30, "Train", TRANSPORT, "2025-03-02")
    api.put(f"/expenses/{train['id']}", {"tags": ["holiday"]})
    page = open_page()
    leave_fields(page)
    page.keyboard.press("y")
    dialog = year_dialog(page)
    expect(year_table(page).locator("tbody tr")).to_have_count(2)  # by category, as it opens
    dialog.get_by_label("By", exact=True).focus()
    page.keyboard.press("ArrowDown")  # Category → Tag
    expect(dialog.get_by_label("By", exact=True)).to_have_value("tag")
    expect(year_table(page).locator("thead th").first).to_have_text("Tag")
    rows = table_text(page)
    assert rows[1][0] == "#holiday" and rows[1][-1] == "270.00"
    assert rows[2][0] == "#lisbon" and rows[2][-1] == "240.00"
    expect(dialog.locator("#report-summary")).to_contain_text("an expense with two tags is in both rows")
