"""The native window (pywebview, Qt backend) onto the page the API serves."""

import json
import logging
import os
import signal
import sys
import threading
import time

TITLE = "Expense Tracker"
SIZE = (1100, 760)
MIN_SIZE = (800, 600)
SMOKE_TIMEOUT_S = 60.0


class NoDisplay(Exception):
    pass


def check_display() -> None:
    """Fail with a clear message where a window cannot open (Qt would abort the process)."""
    if not sys.platform.startswith("linux"):
        return
    if os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"):
        return
    if os.environ.get("QT_QPA_PLATFORM") == "offscreen":
        return
    raise NoDisplay(
        "No display found (DISPLAY is not set), so the window cannot open. "
        "Run `expense-tracker serve` to use the API without a window."
    )


def prepare_qt() -> None:
    os.environ.setdefault("PYWEBVIEW_GUI", "qt")
    # Qt and Mesa would otherwise keep shader caches in ~/.cache; the app keeps nothing outside its folders.
    os.environ.setdefault("QT_DISABLE_SHADER_DISK_CACHE", "1")
    os.environ.setdefault("QSG_RHI_DISABLE_DISK_CACHE", "1")
    os.environ.setdefault("MESA_SHADER_CACHE_DISABLE", "true")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        # Chromium refuses to run as root with its sandbox on (tests and CI run as root).
        flags = os.environ.get("QTWEBENGINE_CHROMIUM_FLAGS", "")
        if "--no-sandbox" not in flags:
            os.environ["QTWEBENGINE_CHROMIUM_FLAGS"] = f"{flags} --no-sandbox".strip()


class CloseOnSignal:
    """Ctrl-C and SIGTERM close the window, so the app shuts down as if the user closed it.

    Qt's event loop keeps Python's signal handlers from running, so the signals are blocked
    in every thread and taken by one waiting thread instead. Create this before any other
    thread starts: threads inherit the blocked signals from the thread that starts them.
    """

    SIGNALS = {signal.SIGINT, signal.SIGTERM}

    def __init__(self):
        self.window = None
        self.requested = threading.Event()
        if hasattr(signal, "pthread_sigmask"):
            signal.pthread_sigmask(signal.SIG_BLOCK, self.SIGNALS)
            threading.Thread(target=self._wait, name="close-on-signal", daemon=True).start()

    def _wait(self) -> None:
        signal.sigwait(self.SIGNALS)
        self.close()

    def close(self) -> None:
        """Close the window from any thread (as if the user had), or keep it from opening."""
        self.requested.set()
        if self.window is not None:
            self.window.destroy()

    def attach(self, window) -> None:
        self.window = window
        if self.requested.is_set():
            window.destroy()


def page_state(window) -> dict:
    """What the page shows, read back from the window: for the smoke test and tests."""
    deadline = time.monotonic() + SMOKE_TIMEOUT_S
    loaded = ""
    while time.monotonic() < deadline:
        loaded = window.evaluate_js("document.body ? (document.body.dataset.loaded || '') : ''") or ""
        if loaded in ("true", "error"):
            break
        time.sleep(0.02)
    text = window.evaluate_js("document.body ? document.body.innerText : ''") or ""
    # The address without the view in its query (?month=...), which the page sets as it opens.
    url = (window.get_current_url() or "").split("?", 1)[0].split("#", 1)[0]
    return {"loaded": loaded, "title": window.title, "url": url, "text": text}


def smoke_test(window) -> int:
    """Wait for the page to show data, print what it shows as JSON, close; 0 if it loaded."""
    state = page_state(window)
    print(json.dumps(state), flush=True)
    return 0 if state["loaded"] == "true" else 1


def exit_now(code: int) -> None:
    """End the process once the window has closed and the API has stopped (its database closed).

    pywebview can leave a non-daemon thread waiting forever for a script result from a window
    closed while its page was loading, which would keep the process alive at exit; and Qt's
    teardown adds ~0.1 s. Nothing is left to save: logs and output are flushed first.
    """
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        if stream is not None:
            try:
                stream.flush()
            except (OSError, ValueError):
                pass
    os._exit(code)


def window_title(db_path) -> str:
    """The window's title names the file, so that two windows on two files can be told apart."""
    return f"{TITLE} — {db_path.name}"


def show(url: str, storage_dir: str, closer: CloseOnSignal, native_api=None, driver=None, title: str = TITLE) -> int:
    """Open the window onto `url`; return when it is closed.

    `driver(window) -> exit code`, if given, runs once the window is up (the smoke test, tests)
    and closes it itself.
    """
    if closer.requested.is_set():
        return 0
    if sys.platform.startswith("linux"):
        prepare_qt()
    import webview

    window = webview.create_window(
        title, url, js_api=native_api, width=SIZE[0], height=SIZE[1], min_size=MIN_SIZE
    )
    if native_api is not None:
        native_api._attach(window)
    closer.attach(window)
    result = {"code": 0}

    def drive() -> None:
        try:
            result["code"] = driver(window)
        finally:
            window.destroy()

    from desktop.desktop_entry import WINDOW_ICON  # the taskbar's and window switcher's icon

    # Qt on Linux; elsewhere pywebview's default, the system's web view (build.spec bundles no Qt there).
    gui = "qt" if sys.platform.startswith("linux") else None
    webview.start(drive if driver else None, gui=gui, private_mode=True, storage_path=storage_dir,
                  icon=str(WINDOW_ICON))
    return result["code"]
