"""A copy elsewhere, in the window: turned on by keyboard, seen in the footer, and a new computer's
first step, restoring from it. The real server runs the real Litestream (as the app does)."""

from fastapi.testclient import TestClient
from playwright.sync_api import expect
from test_replica import replica_rows, rows, wait_for

from api.app import create_app
from browser import FOOD, leave_fields
from conftest import BASE_URL, expense
from tracker import replica

COPY_TIMEOUT_MS = 30_000


def open_copy_dialog(page):
    page.get_by_role("button", name="Settings").click()
    page.get_by_role("button", name="A copy elsewhere…").focus()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="A copy elsewhere")
    expect(dialog).to_be_visible()
    return dialog


def test_replica_window_copy_to_a_folder_by_keyboard_footer_says_copied(open_page, api, web_server, tmp_path):
    api.add(12.5, "Lunch", FOOD)
    page = open_page()
    leave_fields(page)
    dialog = open_copy_dialog(page)
    expect(dialog.get_by_label("Kind of place")).to_be_focused()
    page.keyboard.press("Tab")
    expect(dialog.get_by_label("Folder", exact=True)).to_be_focused()
    page.keyboard.type(str(tmp_path / "usb" / "expenses"))
    page.keyboard.press("Enter")
    expect(page.locator("#replica-footer")).to_contain_text(
        f"Copied to {tmp_path / 'usb' / 'expenses'}, ", timeout=COPY_TIMEOUT_MS)  # "…, 2 s ago"
    expect(dialog.get_by_text(f"Replicating to {tmp_path / 'usb' / 'expenses'}")).to_be_visible()
    expect(dialog.get_by_role("button", name="Stop copying")).to_be_visible()
    destination = replica.load_destinations(web_server.db_path)[0]
    assert [row[2] for row in replica_rows(destination, tmp_path / "peek")] == ["Lunch"]


def test_replica_window_new_computer_restores_from_the_copy(open_page, tmp_path, monkeypatch):
    # The first laptop: its expenses copied to a folder (the app replicating, as the window does).
    monkeypatch.setenv(replica.INTERVAL_ENV, "100ms")
    first = tmp_path / "first-laptop" / "expenses.db"
    first.parent.mkdir()
    folder = tmp_path / "nas" / "expenses"
    with TestClient(create_app(first, replicate=True), base_url=BASE_URL) as laptop:
        assert laptop.post("/replica", json={"kind": "folder", "path": str(folder)}).status_code == 201
        for description in ("Rent", "Groceries", "Train"):
            assert laptop.post("/expenses", json=expense(description=description)).status_code == 201
        written = rows(first)
        wait_for(lambda: replica_rows(replica.load_destinations(first)[0], tmp_path / "peek") == written,
                 timeout=30, what="the first laptop's copy")
    # The new computer: an empty file, whose welcome offers the restore.
    page = open_page()
    welcome = page.locator("#empty")
    expect(welcome).to_contain_text("Or, on a new computer:")
    welcome.get_by_role("button", name="Restore from a copy elsewhere…").focus()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="A copy elsewhere")
    expect(dialog.get_by_text("Where is the copy to restore from?")).to_be_visible()
    page.keyboard.press("Tab")
    page.keyboard.type(str(folder))
    dialog.get_by_role("button", name="Restore…").focus()
    page.keyboard.press("Enter")
    confirm = page.get_by_role("alertdialog", name="Restore from the copy?")
    expect(confirm).to_be_visible()
    page.keyboard.press("Tab")  # from Cancel (the safe answer) to Restore
    page.keyboard.press("Enter")
    expect(page.get_by_text("Restored.")).to_be_visible(timeout=COPY_TIMEOUT_MS)
    for description in ("Rent", "Groceries", "Train"):
        expect(page.get_by_role("cell", name=description, exact=True)).to_be_visible()
