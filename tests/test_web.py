"""The page in web/ in a real browser (Chromium through Playwright), against a real server.

Each test acts like a person (types into labelled fields, presses Enter, clicks buttons by their
names) and then checks both what the screen shows and what the API holds. One browser serves the
whole module; every test gets its own server on a fresh database, and its own browser context and
page. The page's clock is pinned to Thursday 2025-03-20, its locale to en-US and its time zone to
UTC, so the text on the screen is known in advance. A JavaScript error in the page fails the test.

Needs the Python package playwright, Debian's chromium and, for the accessibility test, axe-core:
`npm install --prefix tests/js` (once).
"""

import re

import pytest
from playwright.sync_api import expect

from browser import (
    AXE_SCRIPT,
    FOOD,
    TODAY,
    TRANSPORT,
    UTILITIES,
    add_through_form,
    category_names,
    chart,
    days_before,
    descriptions,
    entry,
    expense_count,
    filters,
    insert_expenses,
    leave_fields,
    month_total,
    page_info,
    reload,
    serious_violations,
    shown_day,
    shown_rows,
    table,
    url_params,
    usd,
    wait_until_loaded,
)
from conftest import stop_server

WELCOME = "Welcome! Add your first expense above: type the amount, what it was, pick a category, and press Enter."
UNREACHABLE = "The Expense Tracker API cannot be reached. Is the app still running?"
NO_MATCH = "No expenses match these filters."


# ---------------------------------------------------------------------------
# What a person sees and does
# ---------------------------------------------------------------------------

def seed_march(api):
    """Four expenses in March 2025 and one in February, ids 1-5; newest date first:
    Groceries, Bus, Lunch, Rent, Train."""
    api.add(900, "Rent", UTILITIES, "2025-03-01")
    api.add(12.5, "Lunch", FOOD, "2025-03-14")
    api.add(2.5, "Bus", TRANSPORT, "2025-03-15")
    api.add(40, "Groceries", FOOD, "2025-03-18")
    api.add(20, "Train", TRANSPORT, "2025-02-20")


def check_month(page, api, month, label):
    """The month panel shows what /summary says for the month."""
    summary = api.get(f"/summary?month={month}")
    expect(page.locator("#month-label")).to_have_text(label)
    expect(page.locator("#month-heading")).to_have_text(label)
    expect(month_total(page)).to_have_text(usd(summary["total"]))
    expect(page.locator("#month-count")).to_have_text(expense_count(summary["count"]))
    if summary["by_category"]:
        names = [
            f"{c['category_name']}: {usd(c['total'])}, {expense_count(c['count'])}. Show only {c['category_name']}"
            for c in summary["by_category"]
        ]
        expect(chart(page).get_by_role("button")).to_have_count(len(names))
        for index, name in enumerate(names):
            expect(chart(page).get_by_role("button").nth(index)).to_have_accessible_name(name)
    else:
        expect(chart(page)).to_have_text("Nothing spent this month yet.")
    return summary


# ---------------------------------------------------------------------------
# Adding an expense
# ---------------------------------------------------------------------------

def test_web_add_enter_shows_row_and_saves(open_page, api):
    page = open_page()
    page.evaluate("window.sameDocument = true")
    form = entry(page)
    expect(form.get_by_label("Amount")).to_be_focused()
    expect(form.get_by_label("Date")).to_have_value(str(TODAY))

    form.get_by_label("Amount").fill("12.50")
    form.get_by_label("Description").fill("Coffee beans")
    form.get_by_label("Category").select_option(label="Transport")
    form.get_by_label("Description").press("Enter")

    expect(descriptions(page)).to_have_text(["Coffee beans"])
    assert shown_rows(page) == [["Mar 20, 2025", "Coffee beans", "Transport", "$12.50"]]
    assert page.evaluate("window.sameDocument") is True, "the page reloaded"
    expect(form.get_by_label("Amount")).to_be_focused()
    expect(form.get_by_label("Amount")).to_have_value("")
    expect(form.get_by_label("Description")).to_have_value("")
    expect(month_total(page)).to_have_text("$12.50")
    expect(page.locator("#month-count")).to_have_text("1 expense")
    expect(page_info(page)).to_have_text("1–1 of 1")
    expect(page.get_by_text(WELCOME)).to_be_hidden()
    [saved] = api.expenses()
    assert {k: saved[k] for k in ("amount", "description", "category_id", "date")} == {
        "amount": 12.5, "description": "Coffee beans", "category_id": TRANSPORT, "date": "2025-03-20",
    }


AMOUNTS_TYPED = [  # typed, kept by the API, shown
    ("3.20", 3.2, "$3.20"),
    ("12,5", 12.5, "$12.50"),
    ("1,234.56", 1234.56, "$1,234.56"),
    (" 7 ", 7.0, "$7.00"),
]


def test_web_add_several_by_keyboard_alone(open_page, api):
    page = open_page()
    for number, (typed, _, shown) in enumerate(AMOUNTS_TYPED):
        page.keyboard.type(typed)
        page.keyboard.press("Tab")
        page.keyboard.type(f"Thing {number}")
        page.keyboard.press("Enter")
        expect(descriptions(page).first).to_have_text(f"Thing {number}")
        expect(table(page).locator("tbody tr").first.locator("td.num")).to_have_text(shown)
        expect(entry(page).get_by_label("Amount")).to_be_focused()
    expect(month_total(page)).to_have_text("$1,257.26")
    stored = sorted(api.expenses(), key=lambda e: e["id"])
    assert [(e["description"], e["amount"]) for e in stored] == [
        (f"Thing {number}", kept) for number, (_, kept, _) in enumerate(AMOUNTS_TYPED)
    ]


@pytest.mark.parametrize(("amount", "description", "field", "message"), [
    # The page's own checks, before anything is sent:
    ("12.345", "Lunch", "Amount", "Use at most 2 decimals."),
    # The API's own words, next to the field they name:
    ("10000000000000", "Lunch", "Amount",
     "Invalid field 'amount': input should be less than or equal to 1000000000000."),
    ("5", "", "Description",
     "Invalid field 'description': must not be empty."),
], ids=["decimals", "api-too-large", "api-empty-description"])
def test_web_add_invalid_shows_error_next_to_field(open_page, api, amount, description, field, message):
    page = open_page()
    form = entry(page)
    add_through_form(page, amount, description)

    input_ = form.get_by_label(field)
    expect(input_).to_have_accessible_description(message)
    expect(input_).to_have_attribute("aria-invalid", "true")
    expect(input_).to_be_focused()
    assert api.expenses() == []
    expect(page.get_by_text(WELCOME)).to_be_visible()

    # Put right and sent again with Enter: added, and the message is gone.
    form.get_by_label("Amount").fill("5")
    form.get_by_label("Description").fill("Lunch")
    form.get_by_label("Description").press("Enter")
    expect(descriptions(page)).to_have_text(["Lunch"])
    expect(input_).to_have_accessible_description("")
    expect(input_).not_to_have_attribute("aria-invalid", "true")
    assert api.descriptions() == ["Lunch"]


def test_web_add_category_deleted_elsewhere_shows_api_message(open_page, api):
    books = api.add_category("Books")
    page = open_page()
    api.delete(f"/categories/{books['id']}")  # behind the page's back

    add_through_form(page, "15", "Novel", category="Books")

    category = entry(page).get_by_label("Category")
    expect(category).to_have_accessible_description(f"Unknown category_id {books['id']}: no such category.")
    expect(category).to_have_attribute("aria-invalid", "true")
    expect(entry(page).get_by_label("Description")).to_have_value("Novel")  # nothing typed is lost
    expect(entry(page).get_by_label("Amount")).to_have_value("15")
    assert api.expenses() == []


def test_web_add_description_suggests_its_last_category(open_page, api):
    health = api.add_category("Health")
    api.add(30, "Gym", FOOD, "2025-02-01")
    api.add(30, "Gym", health["id"], "2025-03-01")  # the last one counts
    page = open_page("/?dates=all")
    form = entry(page)
    category = form.get_by_label("Category")
    expect(category).to_have_value(str(FOOD))

    form.get_by_label("Amount").fill("30")
    form.get_by_label("Description").press_sequentially("gym", delay=20)
    expect(category).to_have_value(str(health["id"]))
    expect(page.get_by_role("listbox", name="Suggestions").get_by_role("option")).to_have_text(["Gym"])
    form.get_by_label("Description").press("Enter")
    expect(descriptions(page).first).to_have_text("gym")
    assert api.expenses()[0]["category_id"] == health["id"]

    # A category picked by hand is not overridden.
    form.get_by_label("Amount").fill("12")
    category.select_option(label="Transport")
    with page.expect_response(re.compile(r"/expenses/suggestions\?q=Gym$")):
        form.get_by_label("Description").press_sequentially("Gym", delay=20)
    expect(category).to_have_value(str(TRANSPORT))
    form.get_by_label("Description").press("Enter")
    expect(descriptions(page)).to_have_count(4)
    assert [(e["amount"], e["category_id"]) for e in api.expenses("sort=created_at&order=desc&limit=1")] == [
        (12, TRANSPORT)]


# ---------------------------------------------------------------------------
# Editing
# ---------------------------------------------------------------------------

@pytest.mark.parametrize(("field", "value", "sent", "elsewhere"), [
    ("Amount", "1,234.50", {"amount": 1234.5}, {"description": "Lunch with Ann"}),
    ("Description", "Dinner", {"description": "Dinner"}, {"amount": 13}),
    ("Category", "Transport", {"category_id": TRANSPORT}, {"description": "Lunch with Ann"}),
    ("Date", "2025-02-28", {"date": "2025-02-28"}, {"amount": 13}),
], ids=["amount", "description", "category", "date"])
def test_web_edit_sends_only_changed_field(open_page, api, field, value, sent, elsewhere):
    lunch = api.add(12.5, "Lunch", FOOD, "2025-03-14")
    api.add(2.5, "Bus", TRANSPORT, "2025-03-15")
    page = open_page("/?dates=all")  # a date changed to February stays in the list
    expect(month_total(page)).to_have_text("$15.00")
    api.put(f"/expenses/{lunch['id']}", elsewhere)  # another program changes another field meanwhile

    page.get_by_role("button", name="Edit Lunch").click()
    dialog = page.get_by_role("dialog", name="Edit expense")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_label("Amount")).to_be_focused()
    expect(dialog.get_by_label("Amount")).to_have_value("12.50")
    if field == "Category":
        dialog.get_by_label(field).select_option(label=value)
    else:
        dialog.get_by_label(field).fill(value)
    with page.expect_request(lambda request: request.method == "PUT") as put:
        dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_be_hidden()

    assert put.value.url.endswith(f"/expenses/{lunch['id']}")
    assert put.value.post_data_json == sent
    stored = api.get(f"/expenses/{lunch['id']}")
    category_name = "Transport" if stored["category_id"] == TRANSPORT else "Food"
    assert stored == {**lunch, **elsewhere, **sent, "category_name": category_name, "home_amount": stored["amount"]}
    # The month total follows at once; the row shows what the API has.
    expect(month_total(page)).to_have_text(usd(api.get("/summary?month=2025-03")["total"]))
    expect(descriptions(page)).to_have_text(["Bus", stored["description"]])
    # The row is drawn again once the API has answered: wait for its new date before reading it.
    expect(table(page).locator("tbody tr").nth(1).locator("td").first).to_have_text(shown_day(stored["date"]))
    assert shown_rows(page)[1] == [
        shown_day(stored["date"]), stored["description"], category_name, usd(stored["amount"])]


@pytest.mark.parametrize(("currency", "amount", "shown"), [
    ("USD", 8.5, "8.50"),
    ("USD", 80, "80.00"),
    ("EUR", 0.1, "0.10"),
    ("JPY", 850, "850"),
    ("JPY", 8.5, "8.50"),  # cents the currency lacks are still shown, not rounded away
], ids=["usd_cents", "usd_whole", "eur_dime", "jpy_whole", "jpy_with_cents"])
def test_web_edit_amount_shows_currency_decimals(open_page, api, currency, amount, shown):
    api.put("/settings", {"currency": currency})
    api.add(amount, "Lunch", FOOD, "2025-03-14")
    page = open_page()
    page.get_by_role("button", name="Edit Lunch").click()
    dialog = page.get_by_role("dialog", name="Edit expense")
    expect(dialog.get_by_label("Amount")).to_have_value(shown)
    page.keyboard.press("Enter")  # saving the shown text changes nothing
    expect(dialog).to_be_hidden()
    assert api.expenses()[0]["amount"] == amount


def test_web_edit_invalid_cancel_and_unchanged_send_nothing(open_page, api):
    lunch = api.add(12.5, "Lunch", FOOD, "2025-03-14")
    page = open_page()
    writes = []
    page.on("request", lambda request: request.method != "GET" and writes.append(request.url))
    dialog = page.get_by_role("dialog", name="Edit expense")

    page.get_by_role("button", name="Edit Lunch").click()
    dialog.get_by_label("Amount").fill("1.005")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog.get_by_label("Amount")).to_have_accessible_description("Use at most 2 decimals.")
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()

    page.get_by_role("button", name="Edit Lunch").click()
    expect(dialog.get_by_label("Amount")).to_have_value("12.50")  # the cancelled change is gone
    expect(dialog.get_by_label("Amount")).to_have_accessible_description("")
    dialog.get_by_role("button", name="Save").click()  # nothing changed
    expect(dialog).to_be_hidden()

    page.get_by_role("button", name="Edit Lunch").click()
    dialog.get_by_label("Amount").fill("99")
    dialog.get_by_label("Amount").press("Escape")
    expect(dialog).to_be_hidden()
    assert writes == []

    # The API refuses an empty description, and says so next to it.
    page.get_by_role("button", name="Edit Lunch").click()
    dialog.get_by_label("Description").fill("")
    dialog.get_by_label("Description").press("Enter")
    expect(dialog.get_by_label("Description")).to_have_accessible_description(
        "Invalid field 'description': must not be empty.")
    expect(dialog).to_be_visible()
    assert len(writes) == 1
    assert shown_rows(page) == [["Mar 14, 2025", "Lunch", "Food", "$12.50"]]
    assert api.get(f"/expenses/{lunch['id']}") == lunch


# ---------------------------------------------------------------------------
# Deleting, with and without Undo
# ---------------------------------------------------------------------------

def test_web_delete_then_undo_restores(open_page, api):
    api.add(12.5, "Lunch", FOOD, "2025-03-14")
    api.add(2.5, "Bus", TRANSPORT, "2025-03-15")
    page = open_page()
    expect(descriptions(page)).to_have_text(["Bus", "Lunch"])

    page.get_by_role("button", name="Delete Lunch").click()
    toast = page.get_by_role("status")
    expect(toast).to_contain_text("Deleted “Lunch”.")
    expect(descriptions(page)).to_have_text(["Bus"])
    expect(month_total(page)).to_have_text("$2.50")
    assert api.descriptions() == ["Bus"]

    toast.get_by_role("button", name="Undo").click()
    expect(toast).to_contain_text("Restored “Lunch”.")
    expect(toast.get_by_role("button", name="Undo")).to_be_hidden()
    expect(descriptions(page)).to_have_text(["Bus", "Lunch"])
    expect(month_total(page)).to_have_text("$15.00")
    restored = [e for e in api.expenses() if e["description"] == "Lunch"]
    assert [(e["amount"], e["category_id"], e["date"]) for e in restored] == [(12.5, FOOD, "2025-03-14")]


def test_web_delete_without_undo_is_gone(open_page, api):
    api.add(12.5, "Lunch", FOOD, "2025-03-14")
    api.add(2.5, "Bus", TRANSPORT, "2025-03-15")
    page = open_page()
    page.get_by_role("button", name="Delete Bus").click()
    expect(descriptions(page)).to_have_text(["Lunch"])
    assert api.descriptions() == ["Lunch"]
    page.get_by_role("button", name="Delete Lunch").click()
    expect(page.get_by_role("status")).to_contain_text("Deleted “Lunch”.")
    expect(page.get_by_text(WELCOME)).to_be_visible()
    expect(table(page)).to_be_hidden()
    expect(month_total(page)).to_have_text("$0.00")
    assert api.expenses() == []


# ---------------------------------------------------------------------------
# Filters, kept in the URL
# ---------------------------------------------------------------------------

@pytest.mark.parametrize(("date_from", "date_to", "category", "shown", "params", "api_query"), [
    ("2025-03-10", "2025-03-16", None, ["Bus", "Lunch"],
     {"from": "2025-03-10", "to": "2025-03-16"}, "date_from=2025-03-10&date_to=2025-03-16"),
    ("2025-03-01", "", "Food", ["Groceries", "Lunch"],
     {"from": "2025-03-01", "category": "1"}, "date_from=2025-03-01&category_id=1"),
], ids=["dates", "from-and-category"])
def test_web_filters_survive_reload_and_clear(open_page, api, date_from, date_to, category, shown, params, api_query):
    seed_march(api)
    page = open_page("/?dates=all")
    everything = ["Groceries", "Bus", "Lunch", "Rent", "Train"]
    expect(descriptions(page)).to_have_text(everything)

    if date_from:
        filters(page).get_by_label("From").fill(date_from)
    if date_to:
        filters(page).get_by_label("To", exact=True).fill(date_to)
    if category:
        filters(page).get_by_label("Show category").select_option(label=category)

    def check_filtered():
        expect(descriptions(page)).to_have_text(shown)
        expect(page_info(page)).to_have_text(f"1–{len(shown)} of {len(shown)}")
        assert url_params(page) == params
        assert api.descriptions(f"{api_query}&limit=50") == shown

    check_filtered()
    reload(page)
    check_filtered()
    expect(filters(page).get_by_label("From")).to_have_value(date_from)
    expect(filters(page).get_by_label("To", exact=True)).to_have_value(date_to)
    selected = filters(page).get_by_label("Show category").locator("option:checked")
    expect(selected).to_have_text(category or "All categories")

    # Clear: back to the list as it opens, the month shown (March 2025), every category.
    filters(page).get_by_role("button", name="Clear filters").click()
    expect(descriptions(page)).to_have_text(everything[:4])
    expect(page_info(page)).to_have_text("1–4 of 4")
    assert url_params(page) == {}
    expect(filters(page).get_by_label("From")).to_have_value("2025-03-01")
    expect(filters(page).get_by_label("To", exact=True)).to_have_value("2025-03-31")
    expect(selected).to_have_text("All categories")


def test_web_filters_category_alone_and_no_match(open_page, api):
    seed_march(api)
    page = open_page("/?dates=all")
    filters(page).get_by_label("Show category").select_option(label="Transport")
    expect(descriptions(page)).to_have_text(["Bus", "Train"])
    assert url_params(page) == {"category": str(TRANSPORT), "dates": "all"}
    assert api.descriptions(f"category_id={TRANSPORT}") == ["Bus", "Train"]

    filters(page).get_by_label("From").fill("2025-04-01")
    expect(page.get_by_text(NO_MATCH)).to_be_visible()
    expect(table(page)).to_be_hidden()
    expect(page_info(page)).to_have_text("")
    assert api.expenses(f"category_id={TRANSPORT}&date_from=2025-04-01") == []

    filters(page).get_by_label("From").fill("")
    filters(page).get_by_label("Show category").select_option(label="All categories")
    expect(descriptions(page)).to_have_count(5)
    assert url_params(page) == {"dates": "all"}


QUICK_FILTERS = [  # button, From, To, rows shown, URL (this month is the page's own: no parameters)
    ("This week", "2025-03-17", "2025-03-20", ["Groceries"], {"from": "2025-03-17", "to": "2025-03-20"}),
    ("This month", "2025-03-01", "2025-03-31", ["Groceries", "Bus", "Lunch", "Rent"], {}),
]


def test_web_filters_quick_buttons(open_page, api):
    seed_march(api)
    page = open_page("/?dates=all")
    for button, date_from, date_to, shown, params in QUICK_FILTERS:
        filters(page).get_by_role("button", name=button).click()
        expect(descriptions(page)).to_have_text(shown)
        expect(filters(page).get_by_label("From")).to_have_value(date_from)
        expect(filters(page).get_by_label("To", exact=True)).to_have_value(date_to)
        assert url_params(page) == params, button


# ---------------------------------------------------------------------------
# Sorting
# ---------------------------------------------------------------------------

SORT_STEPS = [  # header button clicked -> sort, order, URL parameters
    ("Amount", "amount", "desc", {"sort": "amount"}),
    ("Amount", "amount", "asc", {"sort": "amount", "order": "asc"}),
    ("Date", "date", "desc", {}),
    ("Date", "date", "asc", {"order": "asc"}),
    ("Added", "created_at", "desc", {"sort": "created_at"}),
]


def test_web_sort_by_header_matches_api_order(open_page, api):
    seed_march(api)
    api.add(0.99, "Gum", FOOD, "2025-03-02")
    page = open_page("/?dates=all")
    header = table(page).locator("thead")
    expect(descriptions(page)).to_have_text(api.descriptions("sort=date&order=desc"))
    names = {"date": "Date", "amount": "Amount", "created_at": "Added"}
    for button, sort, order, params in SORT_STEPS:
        header.get_by_role("button", name=button).click()
        expected = api.descriptions(f"sort={sort}&order={order}&limit=50")
        expect(descriptions(page)).to_have_text(expected)
        assert url_params(page) == {**params, "dates": "all"}, button
        expect(header.get_by_role("columnheader", name=names[sort])).to_have_attribute(
            "aria-sort", "ascending" if order == "asc" else "descending")
    assert api.descriptions("sort=amount&order=desc")[:2] == ["Rent", "Groceries"]

    header.get_by_role("button", name="Amount").click()
    header.get_by_role("button", name="Amount").click()
    expected = api.descriptions("sort=amount&order=asc")
    assert expected[0] == "Gum"
    expect(descriptions(page)).to_have_text(expected)
    reload(page)
    expect(descriptions(page)).to_have_text(expected)
    expect(header.get_by_role("columnheader", name="Amount")).to_have_attribute("aria-sort", "ascending")


# ---------------------------------------------------------------------------
# Paging
# ---------------------------------------------------------------------------

def test_web_paging_next_and_previous(open_page, api, web_server):
    insert_expenses(web_server.db_path, [
        (i, f"Item {i:03d}", FOOD, str(days_before(TODAY, i - 1))) for i in range(1, 121)
    ])
    page = open_page("/?dates=all")
    pager = page.get_by_role("navigation", name="Pages")
    previous, next_ = pager.get_by_role("button", name="Previous page"), pager.get_by_role("button", name="Next page")

    def check(first, last, total=120):
        expect(page_info(page)).to_have_text(f"{first}–{last} of {total}")
        expect(descriptions(page)).to_have_count(last - first + 1)
        expect(descriptions(page).first).to_have_text(f"Item {first:03d}")
        expect(descriptions(page).last).to_have_text(f"Item {last:03d}")

    check(1, 50)
    expect(previous).to_be_disabled()
    next_.click()
    check(51, 100)
    _, headers, _ = api.raw("GET", "/expenses?limit=50")
    expect(descriptions(page)).to_have_text(api.descriptions(f"limit=50&cursor={headers['x-next-cursor']}"))
    next_.click()
    check(101, 120)
    expect(next_).to_be_disabled()
    previous.click()
    check(51, 100)
    previous.click()
    check(1, 50)
    expect(previous).to_be_disabled()

    # A new filter starts again at the first page.
    next_.click()
    check(51, 100)
    filters(page).get_by_label("From").fill("2025-01-01")
    check(1, 50, total=79)


# ---------------------------------------------------------------------------
# Categories
# ---------------------------------------------------------------------------

def test_web_categories_add_with_colour(open_page, api):
    page = open_page()
    page.get_by_role("button", name="Categories").click()
    dialog = page.get_by_role("dialog", name="Categories")
    expect(dialog.get_by_label("New category")).to_be_focused()
    dialog.get_by_label("New category").fill("Books")
    dialog.get_by_label("Colour", exact=True).fill("#c0392b")
    dialog.get_by_role("button", name="Add category").click()

    names = ["Books", "Food", "Transport", "Utilities"]
    expect(category_names(dialog)).to_have_text(names)
    expect(dialog.get_by_label("New category")).to_have_value("")
    books = next(c for c in api.get("/categories") if c["name"] == "Books")
    assert books["color"] == "#c0392b"

    dialog.get_by_label("New category").fill("books")
    dialog.get_by_label("New category").press("Enter")
    expect(dialog.locator("#category-error")).to_have_text(
        "There is already a category called “books”; choose another name.")
    assert [c["name"] for c in api.get("/categories")] == names

    dialog.get_by_role("button", name="Close").click()
    expect(dialog).to_be_hidden()
    expect(entry(page).get_by_label("Category").locator("option")).to_have_text(names)
    expect(filters(page).get_by_label("Show category").locator("option")).to_have_text(["All categories", *names])

    add_through_form(page, "20", "Atlas", category="Books")
    expect(descriptions(page)).to_have_text(["Atlas"])
    expect(table(page).locator("tbody tr .swatch")).to_have_css("background-color", "rgb(192, 57, 43)")
    expect(chart(page).locator(".bar")).to_have_css("background-color", "rgb(192, 57, 43)")
    assert api.expenses()[0]["category_id"] == books["id"]


def test_web_categories_delete_used_is_refused_unused_works(open_page, api):
    api.add(12.5, "Lunch", FOOD, "2025-03-14")
    page = open_page()
    page.get_by_role("button", name="Categories").click()
    dialog = page.get_by_role("dialog", name="Categories")

    dialog.get_by_role("button", name="Delete category Food").click()
    expect(dialog.locator("#category-error")).to_have_text("Food: Cannot delete category with existing expenses.")
    expect(category_names(dialog)).to_have_text(["Food", "Transport", "Utilities"])
    assert [c["name"] for c in api.get("/categories")] == ["Food", "Transport", "Utilities"]

    dialog.get_by_role("button", name="Delete category Utilities").click()
    expect(category_names(dialog)).to_have_text(["Food", "Transport"])
    expect(dialog.locator("#category-error")).to_have_text("")
    assert [c["name"] for c in api.get("/categories")] == ["Food", "Transport"]
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(entry(page).get_by_label("Category").locator("option")).to_have_text(["Food", "Transport"])
    expect(filters(page).get_by_label("Show category").locator("option")).to_have_text(
        ["All categories", "Food", "Transport"])
    expect(descriptions(page)).to_have_text(["Lunch"])


# ---------------------------------------------------------------------------
# The month view
# ---------------------------------------------------------------------------

def test_web_month_totals_match_summary_and_chart_filters(open_page, api):
    seed_march(api)
    api.add(0.1, "Coffee", FOOD, "2025-03-15")
    page = open_page()
    summary = check_month(page, api, "2025-03", "March 2025")
    assert (summary["total"], summary["count"]) == (955.1, 5)
    expect(month_total(page)).to_have_text("$955.10")
    expect(page.locator("#month-count")).to_have_text("5 expenses")
    expect(chart(page).get_by_role("button")).to_have_text([
        re.compile(r"^Utilities\s*\$900\.00$"), re.compile(r"^Food\s*\$52\.60$"), re.compile(r"^Transport\s*\$2\.50$"),
    ])

    chart(page).get_by_role("button", name="Food: $52.60, 3 expenses. Show only Food").click()
    expect(descriptions(page)).to_have_text(["Groceries", "Coffee", "Lunch"])
    assert url_params(page) == {"category": "1"}  # March 2025, the page's own month: no dates needed
    expect(filters(page).get_by_label("Show category").locator("option:checked")).to_have_text("Food")
    expect(filters(page).get_by_label("From")).to_have_value("2025-03-01")
    expect(filters(page).get_by_label("To", exact=True)).to_have_value("2025-03-31")
    assert api.descriptions("category_id=1&date_from=2025-03-01&date_to=2025-03-31") == [
        "Groceries", "Coffee", "Lunch"]

    trend = page.get_by_role("list", name="Spending in the last 12 months")
    expect(trend.get_by_role("button")).to_have_count(12)
    expect(trend.get_by_role("button").first).to_have_accessible_name("Apr 2024: $0.00")
    expect(trend.get_by_role("button").last).to_have_accessible_name("Mar 2025: $955.10")
    trend.get_by_role("button", name="Feb 2025: $20.00").click()
    check_month(page, api, "2025-02", "February 2025")
    assert url_params(page)["month"] == "2025-02"


@pytest.mark.parametrize(("previous", "next_"), [("button", "button"), ("[", "]")], ids=["buttons", "keys"])
def test_web_month_previous_next(open_page, api, previous, next_):
    """The month is kept in the URL; the list of expenses follows it."""
    seed_march(api)
    page = open_page()
    check_month(page, api, "2025-03", "March 2025")

    def step(how, name):
        if how == "button":
            page.get_by_role("navigation", name="Month").get_by_role("button", name=name).click()
        else:
            leave_fields(page)
            page.keyboard.press(how)

    step(previous, "Previous month")
    check_month(page, api, "2025-02", "February 2025")
    assert url_params(page) == {"month": "2025-02"}
    expect(descriptions(page)).to_have_text(["Train"])  # the list follows the month
    step(previous, "Previous month")
    check_month(page, api, "2025-01", "January 2025")
    if previous == "button":
        reload(page)
        check_month(page, api, "2025-01", "January 2025")
    for _ in range(3):
        step(next_, "Next month")
    check_month(page, api, "2025-04", "April 2025")
    assert url_params(page) == {"month": "2025-04"}
    step(previous, "Previous month")
    check_month(page, api, "2025-03", "March 2025")
    assert url_params(page) == {}


# ---------------------------------------------------------------------------
# Export
# ---------------------------------------------------------------------------

def test_web_export_csv_with_filter(open_page, api, tmp_path):
    api.add(12.5, 'Lunch, with "friends"', FOOD, "2025-03-14")
    api.add(0.1, "Coffee", FOOD, "2025-03-15")
    api.add(0.2, "Bus ticket", TRANSPORT, "2025-03-15")
    api.add(30, "=SUM(A1:A3)", FOOD, "2025-02-10")
    api.add(5, "Tea", FOOD, "2025-01-05")
    page = open_page()
    filters(page).get_by_label("Show category").select_option(label="Food")
    filters(page).get_by_label("From").fill("2025-02-01")
    expect(descriptions(page)).to_have_text(["Coffee", 'Lunch, with "friends"', "=SUM(A1:A3)"])

    with page.expect_download() as download_info:
        page.get_by_role("button", name="Export CSV").click()
    download = download_info.value
    assert download.suggested_filename == "expenses.csv"
    saved = tmp_path / "saved.csv"
    download.save_as(saved)
    # The window's export carries the currency columns (issue 18).
    assert saved.read_bytes().decode() == (
        "id,amount,description,category,date,currency,home_amount,rate\r\n"
        "2,0.10,Coffee,Food,2025-03-15,USD,0.10,\r\n"
        '1,12.50,"Lunch, with ""friends""",Food,2025-03-14,USD,12.50,\r\n'
        "4,30.00,'=SUM(A1:A3),Food,2025-02-10,USD,30.00,\r\n"
    )


# ---------------------------------------------------------------------------
# Settings
# ---------------------------------------------------------------------------

def test_web_title_and_footer_name_the_file(open_page, web_server):
    page = open_page()
    name, folder = web_server.db_path.name, web_server.db_path.parent.name
    expect(page).to_have_title(f"Expense Tracker — {name}")
    expect(page.locator("footer")).to_contain_text(f"File: {name} in the folder {folder} · API on ")
    assert str(web_server.db_path.parent.parent) not in page.locator("footer").inner_text()  # not the whole path


def test_web_settings_currency_and_week_start_shown_and_kept(open_page, api):
    api.add(12.5, "Lunch", FOOD, "2025-03-14")
    api.add(2.5, "Bus", TRANSPORT, "2025-03-15")  # a Saturday
    page = open_page()
    expect(month_total(page)).to_have_text("$15.00")
    page.get_by_role("button", name="Settings").click()
    dialog = page.get_by_role("dialog", name="Settings")
    expect(dialog.get_by_label("Home currency", exact=True)).to_have_value("USD")
    expect(dialog.get_by_label("First day of the week").locator("option:checked")).to_have_text("Monday")
    dialog.get_by_label("Home currency", exact=True).select_option("EUR")
    dialog.get_by_label("Convert").uncheck()  # the amounts were euros all along: only the name changes
    dialog.get_by_label("First day of the week").select_option(label="Saturday")
    dialog.get_by_role("button", name="Save settings").click()
    expect(dialog).to_be_hidden()

    def check():
        expect(month_total(page)).to_have_text("€15.00")
        expect(table(page).locator("tbody td.num")).to_have_text(["€2.50", "€12.50"])
        expect(chart(page).get_by_role("button", name="Food: €12.50, 1 expense. Show only Food")).to_be_visible()
        filters(page).get_by_role("button", name="This week").click()  # from Saturday the 15th
        expect(filters(page).get_by_label("From")).to_have_value("2025-03-15")
        expect(descriptions(page)).to_have_text(["Bus"])

    check()
    assert api.get("/settings") == {"currency": "EUR", "week_start": 6}
    page.goto(page.url.split("?")[0], wait_until="commit")  # opened again, without the filter
    wait_until_loaded(page)
    expect(descriptions(page)).to_have_count(2)
    check()


# ---------------------------------------------------------------------------
# Keyboard shortcuts
# ---------------------------------------------------------------------------

def test_web_shortcuts_focus_and_list(open_page):
    page = open_page()
    for key, focused, value in [("n", "#entry-amount", ""), ("f", "#filter-from", "2025-03-01"), ("/", "#search", "")]:
        leave_fields(page)
        page.keyboard.press(key)
        expect(page.locator(focused)).to_be_focused()
        expect(page.locator(focused)).to_have_value(value)  # the key was not typed into it

    description = entry(page).get_by_label("Description")
    description.press_sequentially("n f [u]?", delay=10)
    expect(description).to_have_value("n f [u]?")
    expect(page.get_by_role("dialog", name="Keyboard shortcuts")).to_be_hidden()
    expect(page.locator("#month-label")).to_have_text("March 2025")
    assert url_params(page) == {}

    leave_fields(page)
    page.keyboard.press("?")
    dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Undo the last delete")
    page.keyboard.press("]")  # no shortcut while a dialog is open
    expect(page.locator("#month-label")).to_have_text("March 2025")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    page.get_by_role("button", name="Keyboard shortcuts").click()
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Close").click()
    expect(dialog).to_be_hidden()


def test_web_shortcuts_u_undoes_delete(open_page, api):
    api.add(12.5, "Lunch", FOOD, "2025-03-14")
    api.add(2.5, "Bus", TRANSPORT, "2025-03-15")
    page = open_page()
    page.get_by_role("button", name="Delete Lunch").click()
    expect(descriptions(page)).to_have_text(["Bus"])
    assert api.descriptions() == ["Bus"]
    leave_fields(page)
    page.keyboard.press("u")
    expect(descriptions(page)).to_have_text(["Bus", "Lunch"])
    assert sorted(api.descriptions()) == ["Bus", "Lunch"]
    page.keyboard.press("u")  # nothing left to undo
    expect(descriptions(page)).to_have_text(["Bus", "Lunch"])
    assert len(api.expenses()) == 2


# ---------------------------------------------------------------------------
# First run, and a server that went away
# ---------------------------------------------------------------------------

def test_web_empty_state_on_first_run(open_page):
    page = open_page()
    expect(page.get_by_text(WELCOME)).to_be_visible()
    expect(table(page)).to_be_hidden()
    expect(page_info(page)).to_have_text("")
    expect(page.get_by_role("button", name="Previous page")).to_be_disabled()
    expect(page.get_by_role("button", name="Next page")).to_be_disabled()
    expect(page.locator("#month-label")).to_have_text("March 2025")
    expect(month_total(page)).to_have_text("$0.00")
    expect(page.locator("#month-count")).to_have_text("0 expenses")
    expect(chart(page)).to_have_text("Nothing spent this month yet.")
    expect(page.locator("#banner")).to_be_hidden()
    add_through_form(page, "4.20", "First one")
    expect(descriptions(page)).to_have_text(["First one"])
    expect(page.get_by_text(WELCOME)).to_be_hidden()


@pytest.mark.parametrize("button", ["Next month", "Next page"])
def test_web_banner_when_api_unreachable(open_page, web_server, button):
    insert_expenses(web_server.db_path, [(1, f"Item {i:02d}", FOOD, "2025-03-01") for i in range(60)])
    page = open_page()
    expect(page.locator("#banner")).to_be_hidden()
    stop_server(web_server)
    page.get_by_role("button", name=button).click()
    banner = page.get_by_role("alert").filter(has_text="cannot be reached")
    expect(banner).to_have_text(UNREACHABLE)
    expect(banner).to_be_visible()
    # What was shown stays.
    expect(page_info(page)).to_have_text("1–50 of 60")
    expect(month_total(page)).to_have_text("$60.00")


def test_web_unreachable_api_while_adding_and_undoing(open_page, api, web_server):
    api.add(12.5, "Lunch", FOOD, "2025-03-14")
    page = open_page()
    page.get_by_role("button", name="Delete Lunch").click()
    toast = page.get_by_role("status")
    expect(toast).to_contain_text("Deleted “Lunch”.")
    stop_server(web_server)

    toast.get_by_role("button", name="Undo").click()
    expect(toast).to_contain_text(UNREACHABLE)
    expect(toast.get_by_role("button", name="Undo")).to_be_visible()  # can be tried again

    add_through_form(page, "5", "Tea")
    expect(page.locator("#entry-error")).to_have_text(UNREACHABLE)
    expect(entry(page).get_by_label("Description")).to_have_value("Tea")  # nothing typed is lost


# ---------------------------------------------------------------------------
# A small window
# ---------------------------------------------------------------------------

def test_web_small_window_800x600(open_page, api):
    seed_march(api)
    page = open_page(viewport={"width": 800, "height": 600})
    add = entry(page).get_by_role("button", name="Add")
    expect(add).to_be_in_viewport()
    assert page.evaluate("document.documentElement.scrollWidth") <= 800, "the page scrolls sideways"

    entry(page).get_by_label("Amount").fill("3")
    entry(page).get_by_label("Description").fill("Tea")
    add.click()
    expect(descriptions(page).first).to_have_text("Tea")
    expect(table(page)).to_be_visible()
    assert api.descriptions()[0] == "Tea"

    edit = page.get_by_role("button", name="Edit Rent")
    edit.scroll_into_view_if_needed()
    box = edit.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 800
    edit.click()
    dialog = page.get_by_role("dialog", name="Edit expense")
    expect(dialog.get_by_role("button", name="Save")).to_be_in_viewport()
    dialog.get_by_label("Amount").fill("950")
    dialog.get_by_role("button", name="Save").click()
    expect(table(page).locator("tbody tr", has_text="Rent").locator("td.num")).to_have_text("$950.00")
    assert page.evaluate("document.documentElement.scrollWidth") <= 800
    assert api.get("/expenses/1")["amount"] == 950


# ---------------------------------------------------------------------------
# Accessibility (axe-core)
# ---------------------------------------------------------------------------

def check_with_axe(page, scheme, delete):
    page.emulate_media(color_scheme=scheme)
    problems = serious_violations(page, f"{scheme}: main view")

    page.get_by_role("button", name="Edit Lunch").click()
    dialog = page.get_by_role("dialog", name="Edit expense")
    dialog.get_by_label("Amount").fill("1.234")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog.get_by_label("Amount")).to_have_accessible_description("Use at most 2 decimals.")
    problems += serious_violations(page, f"{scheme}: Edit expense, with an error", "#edit-dialog")
    dialog.get_by_role("button", name="Cancel").click()

    for opener, closer in [("Categories", "Close"), ("Settings", "Cancel"), ("Keyboard shortcuts", "Close")]:
        page.get_by_role("button", name=opener, exact=True).click()
        dialog = page.get_by_role("dialog", name=opener)
        expect(dialog).to_be_visible()
        if opener == "Categories":
            dialog.get_by_role("button", name="Delete category Food").click()
            expect(dialog.locator("#category-error")).not_to_be_empty()
        problems += serious_violations(page, f"{scheme}: {opener}", "dialog[open]")
        dialog.get_by_role("button", name=closer).click()
        expect(dialog).to_be_hidden()

    page.get_by_role("button", name=f"Delete {delete}").click()
    expect(page.get_by_role("status")).to_be_visible()
    add_through_form(page, "1.001", "Bad amount")
    expect(entry(page).get_by_label("Amount")).to_have_accessible_description("Use at most 2 decimals.")
    filters(page).get_by_label("From").fill("2030-01-01")
    expect(page.get_by_text(NO_MATCH)).to_be_visible()
    problems += serious_violations(page, f"{scheme}: entry error, toast, no match")

    filters(page).get_by_role("button", name="Clear filters").click()  # back to the list
    expect(descriptions(page).filter(has_text=delete)).to_have_count(0)
    return problems


def test_web_accessibility_axe_light_and_dark(open_page, api):
    """axe-core finds nothing serious or critical in any state of the page, in either colour scheme."""
    if not AXE_SCRIPT.exists():
        pytest.fail(f"{AXE_SCRIPT} is missing: run `npm install --prefix tests/js` once")
    seed_march(api)
    page = open_page()
    page.add_script_tag(path=str(AXE_SCRIPT))
    problems = check_with_axe(page, "light", delete="Bus") + check_with_axe(page, "dark", delete="Groceries")
    assert not problems, "axe found serious problems:\n" + "\n".join(problems)


def test_web_favicon_is_the_app_icon(open_page):
    page = open_page()
    icons = page.evaluate("""() => Promise.all([...document.querySelectorAll('link[rel=icon]')].map(
        link => fetch(link.href).then(answer => [link.getAttribute('href'), answer.status, answer.headers.get('content-type')])))""")
    assert icons == [
        ["icons/expense-tracker.svg", 200, "image/svg+xml"],
        ["icons/expense-tracker-32.png", 200, "image/png"],
    ]


def test_web_header_buttons_all_in_view_at_800_wide(open_page):
    page = open_page(viewport={"width": 800, "height": 600})
    assert page.evaluate("document.documentElement.scrollWidth") <= 800
    for button in page.locator("header .actions button").all():
        box = button.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 800, button.inner_text()
