"""Uses the real app window as a person would: types an expense, exports through the save dialog.

Run by tests/test_window_ui.py as `python tests/window_driver.py DB SAVE_AS` under Xvfb; prints
one JSON line with what it saw. The keyboard input to the native dialog comes from xdotool, as
from a real keyboard.
"""

import json
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from desktop import launcher
from desktop import window as app_window

FILL_AND_ADD = """(() => {
  const type = (id, value) => {
    const field = document.getElementById(id);
    field.focus();
    field.value = value;
    field.dispatchEvent(new Event("input", { bubbles: true }));
  };
  type("entry-amount", "23.45");
  type("entry-description", "Typed in the window");
  document.getElementById("entry").requestSubmit();
})()"""


def wait_for(condition, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    return None


def type_into_save_dialog(path: Path) -> bool:
    found = wait_for(lambda: subprocess.run(
        ["xdotool", "search", "--onlyvisible", "--name", "Save"], capture_output=True, text=True).stdout.strip())
    if not found:
        return False
    # A window manager gives a new dialog the focus; here the person's click on it does.
    subprocess.run(["xdotool", "windowfocus", "--sync", found.split()[0]], check=True, timeout=15)
    time.sleep(0.5)  # the dialog takes keys once it is drawn; its file name field has the focus
    subprocess.run(["xdotool", "key", "ctrl+a"], check=True)
    subprocess.run(["xdotool", "type", "--delay", "15", str(path)], check=True)
    subprocess.run(["xdotool", "key", "Return"], check=True)
    return True


def drive(save_as: Path):
    def driver(window) -> int:
        seen = {"loaded": app_window.page_state(window)["loaded"]}
        window.evaluate_js(FILL_AND_ADD)
        seen["row"] = bool(wait_for(lambda: window.evaluate_js(
            "document.querySelector('#expenses tbody').innerText.includes('Typed in the window')")))
        seen["total"] = window.evaluate_js("document.getElementById('month-total').innerText")
        window.evaluate_js("document.getElementById('export').click()")
        seen["dialog"] = type_into_save_dialog(save_as)
        seen["saved"] = bool(wait_for(save_as.exists))
        seen["toast"] = wait_for(lambda: window.evaluate_js(
            "document.getElementById('toast').hidden ? '' : document.getElementById('toast-text').innerText"), 10)
        print(json.dumps(seen), flush=True)
        return 0

    return driver


if __name__ == "__main__":
    db, save_as = Path(sys.argv[1]), Path(sys.argv[2])
    sys.exit(launcher.run_window(db, port=0, driver=drive(save_as)))
