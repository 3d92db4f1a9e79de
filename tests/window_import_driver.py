"""Acts out issue 7 in the real app window: import a bank file, see its duplicates, revert it,
delete and undo, restore yesterday's backup.

Run by tests/test_window_imports_trash_backups.py as
`python tests/window_import_driver.py DB BANK_FILE YESTERDAY` under Xvfb; prints one
JSON line with what it saw (and, if a step failed, which one and why, in "failed"). The page is
read and clicked with `window.evaluate_js`; the file is chosen in GTK's own file dialog, opened by
a key press from xdotool (a file input opens its chooser only on a real user gesture) and typed
into from xdotool, as from a real keyboard.
"""

import json
import subprocess
import sys
import time
import traceback
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from desktop import launcher

TIMEOUT_S = 30.0
AN_IMPORTED_ROW = "Bäckerei Müller · Brötchen und Kaffee"  # one of the bank file's rows, as imported
BEFORE_BACKUP = "Coffee with Anna"  # in the database and in yesterday's backup
AFTER_BACKUP = "Added after the backup"  # in the database only


class StepFailed(Exception):
    pass


def wait_for(step: str, condition, timeout: float = TIMEOUT_S):
    """The first truthy value of `condition()`, polled; StepFailed naming the step after `timeout`."""
    deadline = time.monotonic() + timeout
    last = None
    while True:
        last = condition()
        if last:
            return last
        if time.monotonic() > deadline:
            raise StepFailed(f"{step}: not seen within {timeout:.0f} s (last value: {last!r})")
        time.sleep(0.2)


def xdotool(*args: str) -> str:
    done = subprocess.run(["xdotool", *args], capture_output=True, text=True, timeout=15)
    return done.stdout.strip()


def visible_windows() -> dict[str, str]:
    """Visible top-level X windows (id: name)."""
    ids = xdotool("search", "--onlyvisible", "--name", "").split()
    return {i: xdotool("getwindowname", i) for i in ids}


# Reading the page ---------------------------------------------------------------------------

TABLE_ROWS = """[...document.querySelectorAll('#expenses tbody tr')].map(tr => ({
  id: tr.dataset.id, description: tr.cells[1].innerText, category: tr.cells[2].innerText.trim(),
  amount: tr.cells[3].innerText}))"""

PREVIEW_ROWS = """[...document.querySelectorAll('#import-rows tbody tr')].map(tr => ({
  line: tr.cells[1].innerText, description: tr.cells[3].innerText,
  category: tr.cells[4].querySelector('select') ? tr.cells[4].querySelector('select').selectedOptions[0].text
                                                : tr.cells[4].innerText.trim(),
  amount: tr.cells[5].innerText, status: tr.cells[6].querySelector('strong').innerText,
  details: [...tr.cells[6].querySelectorAll('.detail')].map(d => d.innerText),
  ticked: tr.cells[0].querySelector('input') ? tr.cells[0].querySelector('input').checked : null}))"""

# The counts line, once the preview of the chosen file is shown and no newer one is on its way
# (the hidden form keeps the previous file's counts until then).
PREVIEW_SHOWN = """(() => {
  const form = document.getElementById('import-form');
  const busy = document.getElementById('import-rows').getAttribute('aria-busy');
  return !form.hidden && busy === 'false' ? document.getElementById('import-counts').innerText : '';
})()"""

TOAST = "document.getElementById('toast').hidden ? '' : document.getElementById('toast-text').innerText"

BATCH_ROWS = """[...document.querySelectorAll('#batches-table tbody tr')].map(tr => ({
  file: tr.cells[0].innerText, added: tr.cells[2].innerText, skipped: tr.cells[3].innerText,
  status: tr.cells[4].innerText, button: tr.cells[5].innerText.trim()}))"""

# Yesterday in the page's own date format: what a person looks for in the "Made" column.
BACKUP_ROWS = """(() => {
  const [y, m, d] = %s.split('-').map(Number);
  const yesterday = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' }).format(new Date(y, m - 1, d));
  return { yesterday, rows: [...document.querySelectorAll('#backups-table tbody tr')].map(tr => ({
    name: tr.dataset.name, made: tr.cells[0].innerText, kind: tr.cells[1].innerText,
    action: tr.cells[3].innerText.trim()})) };
})()"""


class Page:
    def __init__(self, window):
        self.window = window
        self.extra_returns = 0  # times the file dialog needed Return pressed again

    def js(self, script: str):
        return self.window.evaluate_js(script)

    def click(self, selector: str) -> None:
        found = self.js(f"""(() => {{ const e = document.querySelector({json.dumps(selector)});
          if (!e) return false; e.click(); return true; }})()""")
        if not found:
            raise StepFailed(f"nothing to click at {selector}")

    def text(self, selector: str) -> str:
        return self.js(f"(document.querySelector({json.dumps(selector)}) || {{innerText: ''}}).innerText") or ""

    def is_open(self, dialog_id: str) -> bool:
        return bool(self.js(f"document.getElementById({json.dumps(dialog_id)}).open"))

    def table(self) -> list[dict]:
        return self.js(TABLE_ROWS) or []

    def descriptions(self) -> list[str]:
        return [row["description"] for row in self.table()]

    def toast(self) -> str:
        return self.js(TOAST) or ""

    def toast_starting(self, prefix: str) -> str:
        text = self.toast()
        return text if text.startswith(prefix) else ""

    def count(self, selector: str) -> int:
        return self.js(f"document.querySelectorAll({json.dumps(selector)}).length") or 0

    def shows(self, description: str) -> bool:
        return description in self.descriptions()


def api(base: str, path: str, method: str = "GET"):
    request = urllib.request.Request(base + path, method=method)
    with urllib.request.urlopen(request, timeout=15) as response:
        return json.loads(response.read() or b"null")


# The native file chooser ------------------------------------------------------------------------

def choose_file_in_native_dialog(page: Page, path: Path, step: str) -> str:
    """Open the import's file chooser as a person does and pick `path` in it; returns the dialog's title.

    Chromium opens a file input's chooser only on a user gesture, so the input gets the focus
    and a real key press (space, from xdotool) opens it. Without a window manager nothing gives
    the app's window the keyboard focus, so it is given to it first, as a click on it would.
    """
    windows = visible_windows()
    main = [wid for wid, name in windows.items() if name.startswith("Expense Tracker — ")]  # "— <file name>"
    if len(main) != 1:
        raise StepFailed(f"{step}: the app's window is not found among {windows}")
    xdotool("windowfocus", "--sync", main[0])
    wait_for(f"{step}: focus on the file input", lambda: page.js(
        "document.getElementById('import-file').focus();"
        "document.hasFocus() && document.activeElement.id === 'import-file'"), 10)
    xdotool("key", "space")
    new = wait_for(f"{step}: the native file dialog", lambda: {
        wid: name for wid, name in visible_windows().items() if wid not in windows and name})
    dialog_id, title = next(iter(new.items()))
    # A window manager gives a new dialog the focus; here the person's click on it does.
    xdotool("windowfocus", "--sync", dialog_id)
    wait_for(f"{step}: keyboard focus in the file dialog", lambda: xdotool("getwindowfocus") == dialog_id, 10)
    time.sleep(0.5)  # the dialog takes keys once it is drawn
    xdotool("key", "ctrl+l")  # GTK's file chooser: type a location
    xdotool("type", "--delay", "15", str(path))
    xdotool("key", "Return")
    closed = lambda: dialog_id not in visible_windows()  # noqa: E731
    try:
        wait_for(f"{step}: the file dialog to close", closed, 10)
    except StepFailed:
        # Return can go to the file name's completion list if it popped up just then: a person
        # would press it once more. Only into the dialog, never into the page behind it.
        if xdotool("getwindowfocus") != dialog_id or closed():
            raise
        xdotool("key", "Return")
        wait_for(f"{step}: the file dialog to take {path} and close (Return pressed twice)", closed, 10)
        page.extra_returns += 1
    return title


# The story ---------------------------------------------------------------------------------------

def drive(bank_file: Path, yesterday: str, seen: dict):
    def driver(window) -> int:
        page = Page(window)
        try:
            act(page, window, bank_file, yesterday, seen)
            return 0
        except Exception as exc:
            seen["failed"] = f"{type(exc).__name__}: {exc}"
            traceback.print_exc()
            return 1
        finally:
            print(json.dumps(seen), flush=True)

    return driver


def act(page: Page, window, bank_file: Path, yesterday: str, seen: dict) -> None:
    seen["loaded"] = wait_for("page load", lambda: page.js(
        "document.body && ['true', 'error'].includes(document.body.dataset.loaded)"
        " ? document.body.dataset.loaded : ''"), 60)
    if seen["loaded"] != "true":
        raise StepFailed(f"page load: the page says {page.text('#banner')!r}")
    url = urlsplit(window.get_current_url())
    base = f"{url.scheme}://{url.netloc}"
    seen["rows_at_start"] = page.descriptions()

    # 1. Import the bank file, chosen in the native file dialog.
    page.click("#open-import")
    wait_for("open the Import dialog", lambda: page.is_open("import-dialog"))
    wait_for("Past imports listed", lambda: page.js("!document.getElementById('batches-empty').hidden"))
    seen["dialog_title"] = choose_file_in_native_dialog(page, bank_file, "first import")
    seen["first_counts"] = wait_for("first import: the preview", lambda: page.js(PREVIEW_SHOWN))
    wait_for("first import: the Import button enabled",
             lambda: not page.js("document.getElementById('import-go').disabled"))
    seen["first_about"] = page.text("#import-about")
    seen["first_preview"] = page.js(PREVIEW_ROWS)
    seen["first_button"] = page.text("#import-go")
    page.click("#import-go")
    seen["import_toast"] = wait_for("first import: the result toast", lambda: page.toast_starting("Imported"))
    seen["import_undo_button"] = page.text("#toast-action")
    wait_for("first import: the rows in the table", lambda: page.shows(AN_IMPORTED_ROW))
    seen["rows_after_import"] = page.table()
    seen["batches_after_import"] = api(base, "/imports")

    # 2. The same file again: every expense is a duplicate, nothing to import; closed unimported.
    page.click("#open-import")
    wait_for("second import: open the Import dialog", lambda: page.is_open("import-dialog"))
    wait_for("second import: Past imports listed", lambda: page.count("#batches-table tbody tr"))
    choose_file_in_native_dialog(page, bank_file, "second import")
    seen["second_counts"] = wait_for("second import: the preview", lambda: page.js(PREVIEW_SHOWN))
    seen["second_preview"] = page.js(PREVIEW_ROWS)
    seen["second_hint"] = page.text("#import-hint")
    seen["second_button_disabled"] = page.js("document.getElementById('import-go').disabled")
    page.click("#import-dialog .close-dialog")
    wait_for("second import: close the dialog", lambda: not page.is_open("import-dialog"))
    seen["batches_after_second"] = api(base, "/imports")

    # 3. Revert the import from Past imports.
    page.click("#open-import")
    wait_for("revert: open the Import dialog", lambda: page.is_open("import-dialog"))
    seen["batches_before_revert"] = wait_for("revert: Past imports listed", lambda: page.js(BATCH_ROWS))
    page.click("#batches-table tbody tr button")
    wait_for("revert: the confirmation", lambda: page.is_open("confirm-dialog"))
    seen["revert_confirm"] = {"heading": page.text("#confirm-heading"), "message": page.text("#confirm-message"),
                              "yes": page.text("#confirm-yes")}
    page.click("#confirm-yes")
    seen["revert_status"] = wait_for("revert: the status line", lambda: page.text("#batches-status"))
    seen["batches_after_revert"] = wait_for("revert: the batch shown as reverted", lambda: (
        rows if (rows := page.js(BATCH_ROWS)) and rows[0]["status"].startswith("Reverted") else None))
    page.click("#import-dialog .close-dialog")
    wait_for("revert: close the dialog", lambda: not page.is_open("import-dialog"))
    wait_for("revert: the imported rows leave the table", lambda: not page.shows(AN_IMPORTED_ROW))
    seen["rows_after_revert"] = page.table()
    seen["batch_api_after_revert"] = api(base, "/imports")

    # 4. Delete an expense with its row's Delete button, then Undo in the toast.
    victim = BEFORE_BACKUP
    by_api = [e for e in api(base, "/expenses?limit=200") if e["description"] == victim]
    seen["id_before_delete"] = by_api[0]["id"] if len(by_api) == 1 else by_api
    seen["row_id_before_delete"] = next((r["id"] for r in page.table() if r["description"] == victim), None)
    page.click(f'#expenses tbody button[aria-label="Delete {victim}"]')
    seen["delete_toast"] = wait_for("delete: the toast", lambda: page.toast_starting("Deleted"))
    wait_for("delete: the row leaves the table", lambda: not page.shows(victim))
    seen["in_api_after_delete"] = [e["id"] for e in api(base, "/expenses?limit=200") if e["description"] == victim]
    page.click("#toast-action")
    seen["undo_toast"] = wait_for("undo: the toast", lambda: page.toast_starting("Restored"))
    wait_for("undo: the row is back in the table", lambda: page.shows(victim))
    seen["row_id_after_undo"] = next((r["id"] for r in page.table() if r["description"] == victim), None)
    by_api = [e for e in api(base, "/expenses?limit=200") if e["description"] == victim]
    seen["id_after_undo"] = by_api[0]["id"] if len(by_api) == 1 else by_api
    seen["rows_before_restore"] = page.table()

    # 5. Restore yesterday's backup.
    page.click("#open-backups")
    wait_for("restore: open Backups", lambda: page.is_open("backups-dialog"))
    wait_for("restore: the backups listed", lambda: page.count("#backups-table tbody tr"))
    listed = page.js(BACKUP_ROWS % json.dumps(yesterday))
    seen["backups_listed"] = listed
    wanted = [i for i, row in enumerate(listed["rows"])
              if row["kind"] == "Daily" and row["made"].startswith(listed["yesterday"])]
    if len(wanted) != 1:
        raise StepFailed(f"restore: not one Daily backup made {listed['yesterday']} in {listed['rows']}")
    seen["restored_name"] = listed["rows"][wanted[0]]["name"]
    page.click(f"#backups-table tbody tr:nth-child({wanted[0] + 1}) button")
    wait_for("restore: the confirmation", lambda: page.is_open("confirm-dialog"))
    seen["restore_confirm"] = {"heading": page.text("#confirm-heading"), "message": page.text("#confirm-message"),
                               "yes": page.text("#confirm-yes")}
    page.click("#confirm-yes")
    seen["restore_toast"] = wait_for("restore: the toast", lambda: page.toast_starting("Restored the backup"))
    wait_for("restore: Backups closes", lambda: not page.is_open("backups-dialog"))
    wait_for("restore: the later expense leaves the table", lambda: not page.shows(AFTER_BACKUP))
    seen["rows_after_restore"] = page.table()
    seen["batches_after_restore"] = api(base, "/imports")
    seen["file_dialog_extra_returns"] = page.extra_returns


if __name__ == "__main__":
    db, bank_file, yesterday = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
    seen: dict = {}
    sys.exit(launcher.run_window(db, port=0, driver=drive(bank_file, yesterday, seen)))
