"""The trash and the backups in the page (web/trash.js, web/backups.js), in a real browser.

Same set-up as tests/test_web.py (its fixtures are used here): Debian's Chromium through
Playwright, a real server on a fresh database for each test, the page's clock pinned to
Thursday 2025-03-20, en-US, UTC. Each test acts like a person and checks the screen and the API.
"""

import re

import pytest
from playwright.sync_api import expect

from browser import (
    AXE_SCRIPT,
    FOOD,
    TRANSPORT,
    UTILITIES,
    add_through_form,
    descriptions,
    month_total,
    serious_violations,
)


def trash_dialog(page):
    return page.get_by_role("dialog", name="Trash")


def trash_rows(dialog):
    """Date, description, category, amount and "Deleted …" of each row in the trash."""
    return dialog.get_by_role("table", name="In the trash").locator("tbody tr").evaluate_all(
        "rows => rows.map(row => [...row.cells].slice(0, 5).map(cell => cell.innerText.trim()))"
    )


def open_trash(page):
    page.get_by_role("button", name="Trash", exact=True).click()
    dialog = trash_dialog(page)
    expect(dialog).to_be_visible()
    return dialog


def confirm_dialog(page, title):
    return page.get_by_role("alertdialog", name=title)


def backups_dialog(page):
    return page.get_by_role("dialog", name="Backups")


def backup_rows(dialog):
    return dialog.get_by_role("table", name="Backups").locator("tbody tr")


def shown_when(page, local_time):
    """A backup's local time as the page shows it (the browser's own en-US format)."""
    return page.evaluate(
        "text => new Intl.DateTimeFormat(undefined, {dateStyle: 'medium', timeStyle: 'short'}).format(new Date(text))",
        local_time,
    )


# ---------------------------------------------------------------------------
# Trash
# ---------------------------------------------------------------------------

def test_trash_undo_brings_back_the_same_expense(open_page, api):
    lunch = api.add(12.5, "Lunch", FOOD, "2025-03-14")
    api.add(2.5, "Bus", TRANSPORT, "2025-03-15")
    page = open_page()
    page.get_by_role("button", name="Delete Lunch").click()
    toast = page.get_by_role("status")
    expect(toast).to_contain_text("Deleted “Lunch”.")
    expect(descriptions(page)).to_have_text(["Bus"])
    assert [t["id"] for t in api.get("/trash")] == [lunch["id"]]

    with page.expect_request(lambda r: r.method == "POST") as restore:
        toast.get_by_role("button", name="Undo").click()
    assert restore.value.url.endswith(f"/trash/{lunch['id']}/restore")
    expect(toast).to_contain_text("Restored “Lunch”.")
    expect(descriptions(page)).to_have_text(["Bus", "Lunch"])
    expect(month_total(page)).to_have_text("$15.00")
    assert api.get(f"/expenses/{lunch['id']}") == lunch  # same id, same created_at
    assert api.get("/trash") == []


def test_trash_restore_from_the_trash(open_page, api):
    lunch = api.add(12.5, "Lunch", FOOD, "2025-03-14")
    api.add(2.5, "Bus", TRANSPORT, "2025-03-15")
    api.add(900, "Rent", UTILITIES, "2025-03-01")
    page = open_page()
    page.get_by_role("button", name="Delete Lunch").click()
    expect(descriptions(page)).to_have_text(["Bus", "Rent"])
    page.get_by_role("button", name="Delete Rent").click()
    expect(descriptions(page)).to_have_text(["Bus"])

    dialog = open_trash(page)
    expect(dialog.get_by_role("row")).to_have_count(3)
    rows = trash_rows(dialog)
    assert [row[:4] for row in rows] == [
        ["Mar 1, 2025", "Rent", "Utilities", "$900.00"],  # the last deleted first
        ["Mar 14, 2025", "Lunch", "Food", "$12.50"],
    ]
    assert all(re.fullmatch(r"Deleted .+, 30 days left", row[4]) for row in rows), rows

    dialog.get_by_role("button", name="Restore Lunch").click()
    expect(dialog.get_by_role("status")).to_have_text("Restored “Lunch”.")
    expect(dialog.get_by_role("button", name="Restore Lunch")).to_have_count(0)
    expect(dialog.get_by_role("button", name="Restore Rent")).to_be_focused()  # where the focus went
    assert [row[1] for row in trash_rows(dialog)] == ["Rent"]
    # Behind the dialog, the list and the month already show it again.
    expect(descriptions(page)).to_have_text(["Bus", "Lunch"])
    expect(month_total(page)).to_have_text("$15.00")
    dialog.get_by_role("button", name="Close").click()
    expect(dialog).to_be_hidden()
    assert api.get(f"/expenses/{lunch['id']}") == lunch
    assert [t["description"] for t in api.get("/trash")] == ["Rent"]


def test_trash_delete_forever_asks_first(open_page, api):
    for description in ("Lunch", "Bus"):
        api.delete(f"/expenses/{api.add(5, description)['id']}")
    page = open_page()
    dialog = open_trash(page)
    expect(dialog.get_by_role("button", name="Delete forever: Lunch")).to_be_visible()

    dialog.get_by_role("button", name="Delete forever: Lunch").click()
    confirm = confirm_dialog(page, "Delete forever?")
    expect(confirm).to_have_accessible_description(
        "Delete “Lunch” ($5.00, Mar 20, 2025) forever? It cannot be brought back.")
    expect(confirm.get_by_role("button", name="Cancel")).to_be_focused()  # the safe answer
    confirm.get_by_role("button", name="Cancel").click()
    expect(confirm).to_be_hidden()
    assert sorted(t["description"] for t in api.get("/trash")) == ["Bus", "Lunch"]

    dialog.get_by_role("button", name="Delete forever: Lunch").click()
    confirm.get_by_role("button", name="Delete forever").click()
    expect(dialog.get_by_role("status")).to_have_text("Deleted “Lunch” forever.")
    assert [row[1] for row in trash_rows(dialog)] == ["Bus"]
    assert [t["description"] for t in api.get("/trash")] == ["Bus"]


def test_trash_empty_trash(open_page, api):
    for number in range(3):
        api.delete(f"/expenses/{api.add(5 + number, f'Thing {number}')['id']}")
    kept = api.add(1, "Kept")
    page = open_page()
    dialog = open_trash(page)
    expect(dialog.get_by_role("table", name="In the trash").locator("tbody tr")).to_have_count(3)

    dialog.get_by_role("button", name="Empty trash").click()
    confirm = confirm_dialog(page, "Empty the trash?")
    expect(confirm).to_contain_text("Delete all 3 expenses in the trash forever? They cannot be brought back.")
    confirm.get_by_role("button", name="Empty trash").click()
    expect(dialog.get_by_text("The trash is empty.")).to_be_visible()
    expect(dialog.get_by_role("table", name="In the trash")).to_be_hidden()
    expect(dialog.get_by_role("button", name="Empty trash")).to_be_disabled()
    assert api.get("/trash/count") == {"count": 0}
    assert api.expenses() == [kept]


def test_trash_empty_when_nothing_was_deleted(open_page):
    page = open_page()
    dialog = open_trash(page)
    expect(dialog.get_by_text("The trash is empty.")).to_be_visible()
    expect(dialog.get_by_role("button", name="Empty trash")).to_be_disabled()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()


# ---------------------------------------------------------------------------
# Backups
# ---------------------------------------------------------------------------

def test_backups_back_up_now_then_restore_it(open_page, api):
    api.add(12.5, "Lunch", FOOD, "2025-03-14")
    page = open_page()
    page.get_by_role("button", name="Backups").click()
    dialog = backups_dialog(page)
    expect(dialog.locator("#backups-folder")).to_have_text(api.get("/backups")["folder"])
    rows = backup_rows(dialog)
    expect(rows).to_have_count(1)  # the day's own, made when the app started
    expect(rows.first.locator("td").nth(1)).to_have_text("Daily")

    dialog.get_by_role("button", name="Back up now").click()
    expect(rows).to_have_count(2)
    [manual] = [b for b in api.get("/backups")["backups"] if b["kind"] == "manual"]
    when = shown_when(page, manual["created_at"])
    expect(rows.first.locator("td")).to_have_text([when, "Made by you", re.compile(r"^\d+ KB$"), "Restore"])
    expect(dialog.get_by_role("status")).to_contain_text(f"Backed up: {manual['name']}")
    dialog.get_by_role("button", name="Close").click()

    add_through_form(page, "9", "Cinema")
    expect(descriptions(page)).to_have_text(["Cinema", "Lunch"])

    page.get_by_role("button", name="Backups").click()
    restore = dialog.get_by_role("button", name=f"Restore the backup of {when} (made by you)")
    restore.click()
    confirm = confirm_dialog(page, "Restore this backup?")
    expect(confirm).to_have_accessible_description(
        f"Replace all current data with the backup of {when}? A backup of the current data is made first.")
    confirm.get_by_role("button", name="Cancel").click()  # changed their mind: nothing happens
    expect(confirm).to_be_hidden()
    assert sorted(api.descriptions()) == ["Cinema", "Lunch"]

    restore.click()
    confirm.get_by_role("button", name="Replace my data").click()
    expect(dialog).to_be_hidden()
    expect(descriptions(page)).to_have_text(["Lunch"])
    expect(month_total(page)).to_have_text("$12.50")
    assert api.descriptions() == ["Lunch"]
    [safety] = [b for b in api.get("/backups")["backups"] if b["kind"] == "before-restore"]
    expect(page.get_by_role("status")).to_contain_text(
        f"Restored the backup of {when}. Your data from before is kept as {safety['name']}.")

    page.get_by_role("button", name="Backups").click()  # the safety backup is listed, in words
    expect(rows.filter(has_text="Before a restore")).to_have_count(1)


def test_backups_damaged_copy_is_listed_but_not_offered(open_page, web_server):
    folder = web_server.db_path.parent / "backups"
    (folder / "expenses-2025-03-19-101010-damaged.db").write_bytes(b"not a database" * 100)
    page = open_page()
    page.get_by_role("button", name="Backups").click()
    dialog = backups_dialog(page)
    damaged = backup_rows(dialog).filter(has_text="Damaged copy")
    expect(damaged).to_have_count(1)
    expect(damaged.locator("td").nth(3)).to_have_text("Cannot be restored")
    expect(damaged.get_by_role("button")).to_have_count(0)
    expect(damaged.locator("td").nth(2)).to_have_text("1 KB")


# ---------------------------------------------------------------------------
# Accessibility (axe-core), as in tests/test_web.py
# ---------------------------------------------------------------------------

def test_trash_and_backups_accessibility_axe_light_and_dark(open_page, api):
    if not AXE_SCRIPT.exists():
        pytest.fail(f"{AXE_SCRIPT} is missing: run `npm install --prefix tests/js` once")
    for description in ("Lunch", "Bus"):
        api.delete(f"/expenses/{api.add(5, description)['id']}")
    api.add(3, "Tea")
    page = open_page()
    page.add_script_tag(path=str(AXE_SCRIPT))
    problems = []
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        dialog = open_trash(page)
        expect(dialog.get_by_role("button", name="Restore Bus")).to_be_visible()
        problems += serious_violations(page, f"{scheme}: Trash", "#trash-dialog")
        dialog.get_by_role("button", name="Delete forever: Bus").click()
        confirm = confirm_dialog(page, "Delete forever?")
        expect(confirm).to_be_visible()
        problems += serious_violations(page, f"{scheme}: confirm", "#confirm-dialog")
        confirm.get_by_role("button", name="Cancel").click()
        dialog.get_by_role("button", name="Close").click()

        page.get_by_role("button", name="Backups").click()
        dialog = backups_dialog(page)
        dialog.get_by_role("button", name="Back up now").click()
        expect(dialog.get_by_role("status")).to_contain_text("Backed up")
        problems += serious_violations(page, f"{scheme}: Backups", "#backups-dialog")
        dialog.get_by_role("button", name="Close").click()
    assert not problems, "axe found serious problems:\n" + "\n".join(problems)
