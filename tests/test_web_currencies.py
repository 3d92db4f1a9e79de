"""A holiday abroad in the window, with the keyboard: an expense in yen from the entry row, shown
with its home amount; the month panel lists each currency; a new home currency undone from its toast.

The page's clock is pinned to Thursday 2025-03-20 (tests/browser.py NOW), en-US, UTC.
"""

from decimal import Decimal

from playwright.sync_api import expect

from browser import FOOD, TODAY, entry, insert_expenses, table
from tracker.currencies import ecb_rate


def test_entry_currency_yen_from_the_keyboard(open_page, api):
    page = open_page()
    page.keyboard.type("1200")
    page.keyboard.press("Tab")
    page.keyboard.type("Ramen")
    for _ in range(3):  # Category, Date, Currency
        page.keyboard.press("Tab")
    currency = entry(page).get_by_label("Currency")
    expect(currency).to_be_focused()
    expect(currency).to_have_value("USD")
    page.keyboard.type("JPY")
    expect(currency).to_have_value("JPY")
    page.keyboard.press("Enter")

    home = (Decimal(1200) * ecb_rate("JPY", "USD", str(TODAY)).rate).quantize(Decimal("0.01"))
    expect(table(page).locator("tbody td.num")).to_have_text([f"¥1,200 (${home})"])
    [saved] = api.expenses()
    assert (saved["amount"], saved["currency"], saved["home_amount"]) == (1200, "JPY", float(home))
    expect(page.locator("#month-currencies")).to_have_text(f"¥1,200 in JPY (${home})")
    # The currency stays chosen for the next expense, even after a reload; yen have no decimals.
    expect(currency).to_have_value("JPY")
    page.keyboard.type("100.5")
    page.keyboard.press("Enter")
    expect(entry(page).get_by_label("Amount")).to_have_accessible_description("JPY has no decimals: enter a whole amount.")
    page.reload()
    expect(entry(page).get_by_label("Currency")).to_have_value("JPY")


def test_settings_home_currency_change_then_undo(open_page, api):
    api.add(10, "Coffee")
    page = open_page()
    page.get_by_role("button", name="Settings").click()
    home = page.get_by_label("Home currency", exact=True)
    expect(home).to_have_accessible_description(
        "Totals, budgets and reports are in it. Changing it keeps every expense's money (what you entered in the old "
        "currency stays in it) and recomputes each one's home amount at the European Central Bank's rate of its date; "
        "you can undo it.")
    home.focus()
    page.keyboard.type("EUR")
    expect(home).to_have_value("EUR")
    for _ in range(5):  # Convert (ticked), First day of the week, A copy elsewhere…, Cancel, Save settings
        page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Save settings")).to_be_focused()
    page.keyboard.press("Enter")
    toast = page.get_by_role("status")
    expect(toast).to_contain_text("The home currency is now EUR: 1 expense recomputed")
    euros = (Decimal(10) * ecb_rate("USD", "EUR", str(TODAY)).rate).quantize(Decimal("0.01"))
    expect(table(page).locator("tbody td.num")).to_have_text([f"$10.00 (€{euros})"])
    page.keyboard.press("u")
    expect(table(page).locator("tbody td.num")).to_have_text(["$10.00"])
    assert api.get("/settings")["currency"] == "USD"


def test_edit_dialog_currency_shows_ecb_rate_and_takes_a_typed_one(open_page, api):
    api.add(5000, "Hotel")
    page = open_page()
    page.get_by_role("button", name="Edit Hotel").click()
    dialog = page.get_by_role("dialog", name="Edit expense")
    expect(dialog.get_by_label("Amount")).to_be_focused()
    page.keyboard.press("Tab")  # Currency
    expect(dialog.get_by_label("Currency", exact=True)).to_be_focused()
    page.keyboard.type("JPY")
    rate = ecb_rate("JPY", "USD", str(TODAY))
    expect(dialog.get_by_label("Rate to the home currency")).to_have_attribute("placeholder", str(float(rate.rate)))
    expect(dialog.get_by_label("Rate to the home currency")).to_have_accessible_description(
        f"ECB {TODAY}; type a rate (a card statement's) to use it instead.")
    page.keyboard.press("Tab")
    page.keyboard.type("0.0065")
    page.keyboard.press("Enter")
    expect(dialog).to_be_hidden()
    expect(table(page).locator("tbody td.num")).to_have_text(["¥5,000 ($32.50)"])
    [saved] = api.expenses()
    assert (saved["currency"], saved["rate"], saved["rate_source"], saved["home_amount"]) == ("JPY", 0.0065, "typed", 32.5)


def test_settings_home_currency_change_shows_progress(open_page, api, web_server):
    insert_expenses(web_server.db_path, [(1.5, f"Coffee {n}", FOOD, "2025-03-10") for n in range(45_000)])
    page = open_page()
    page.get_by_role("button", name="Settings").click()
    # Every line the progress shows, as the stream brings them.
    page.evaluate("""() => {
        window.progressSeen = [];
        new MutationObserver((records) => records.forEach((record) => record.addedNodes.forEach(
            (node) => window.progressSeen.push(node.textContent))))
            .observe(document.querySelector("#settings-progress-text"), { childList: true });
    }""")
    home = page.get_by_label("Home currency", exact=True)
    home.focus()
    page.keyboard.type("EUR")
    for _ in range(5):  # Convert (ticked), First day of the week, A copy elsewhere…, Cancel, Save settings
        page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.locator("#toast-text")).to_have_text(
        "The home currency is now EUR: 45,000 expenses recomputed at the ECB rate of their date.")
    seen = page.evaluate("window.progressSeen")
    assert seen[0] == "Starting…"
    assert "Recomputing the home amounts: 20,000 of 45,000 expenses" in seen
    assert "Recomputing the home amounts: 40,000 of 45,000 expenses" in seen
    assert seen[-1] == "Adding up the totals…"
    expect(page.get_by_role("dialog", name="Settings")).to_be_hidden()
    expect(table(page).locator("tbody td.num").first).to_contain_text("(€")
    page.keyboard.press("u")  # still one step, that one undo takes back
    expect(table(page).locator("tbody td.num").first).to_have_text("$1.50")
    assert api.get("/settings")["currency"] == "USD"
