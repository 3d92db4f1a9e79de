"""The native window (pywebview) onto the page the API serves.

The web engine is the system's own on every platform: WebKitGTK on Linux (pywebview's GTK backend,
through PyGObject), WebView2 on Windows, WKWebView on macOS. Bundling Qt's Chromium instead made the
Linux build 406 MiB (its WebEngineCore alone 194); see build.spec.
"""

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


# What a Linux user installs for the window when their system lacks it (most desktops have it).
WEBKITGTK_HELP = (
    "Install it from your distribution: `sudo apt install gir1.2-webkit2-4.1` (Debian 12, Ubuntu 22.04 "
    "and later), `sudo dnf install webkit2gtk4.1` (Fedora), `sudo pacman -S webkit2gtk-4.1` (Arch)."
)
SERVE_HINT = "Run `expense-tracker serve` to use the API without a window."


class WindowUnavailable(Exception):
    """The window cannot open here; the message says why and what to do, in one line."""


class NoDisplay(WindowUnavailable):
    pass


class NoWebEngine(WindowUnavailable):
    pass


def check_display() -> None:
    """Fail with a clear message where a window cannot open (GTK would only print a warning)."""
    if not sys.platform.startswith("linux"):
        return
    if os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"):
        return
    raise NoDisplay(f"No display found (DISPLAY is not set), so the window cannot open. {SERVE_HINT}")


def check_web_engine() -> None:
    """On Linux, the system's WebKitGTK 4.1 and PyGObject must be there (without starting GTK yet)."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        import gi

        gi.require_version("Gtk", "3.0")
        gi.require_version("WebKit2", "4.1")  # the typelib: the system's, or the build's own copy
        ctypes.CDLL("libwebkit2gtk-4.1.so.0")  # the library itself, which only the system has
    except (ImportError, ValueError, OSError):
        raise NoWebEngine(
            f"The window needs WebKitGTK 4.1, which this system lacks. {WEBKITGTK_HELP} {SERVE_HINT}"
        ) from None


def prepare_engine() -> None:
    # Mesa (WebKitGTK's GL) would otherwise keep shader caches in ~/.cache; the app keeps nothing
    # outside its folders.
    os.environ.setdefault("MESA_SHADER_CACHE_DISABLE", "true")
    # WebKitGTK gives the page the language of the locale. Under C.UTF-8 (common on minimal systems,
    # and what Python makes of a plain C) that is "C", which the page's Intl reads as
    # en-US-u-va-posix: "$ 23.45" and counts without separators. Chromium and WebView2 read C as
    # en-US, and so does the app, by asking for English messages. Where en_US.UTF-8 is not
    # installed, GTK warns once on stderr and keeps the C locale, which WebKitGTK then reads as en-US.
    # Only messages change: this process's own locale (UTF-8 text) stays as it is.
    if plain_locale(os.environ):
        if "LC_ALL" in os.environ:  # it would override LC_MESSAGES; as LANG it still sets the rest
            os.environ["LANG"] = os.environ.pop("LC_ALL")
        os.environ["LC_MESSAGES"] = "en_US.UTF-8"


def name_the_program() -> None:
    """The window's WM_CLASS (X11) and app id (Wayland) are the desktop entry's name, so that the
    desktop puts the window under the entry's icon: GTK would make them "__main__.py", or the
    executable's name with a capital letter."""
    import gi

    gi.require_version("Gdk", "3.0")
    gi.require_version("Gtk", "3.0")
    from gi.repository import GLib

    from desktop.desktop_entry import APP_ID

    GLib.set_prgname(APP_ID)
    from gi.repository import Gdk, Gtk  # noqa: F401  (the import starts GTK, as pywebview's would)

    Gdk.set_program_class(APP_ID)  # after GTK's start, which sets it from the name, capitalised


def plain_locale(environ) -> bool:
    """True if messages are in the C (POSIX) locale, as glibc picks it from the environment."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(name, "")
        if value:
            return value.split(".")[0] in ("C", "POSIX")
    return True


class CloseOnSignal:
    """Ctrl-C and SIGTERM close the window, so the app shuts down as if the user closed it.

    The toolkit's event loop (GTK's, Qt's) keeps Python's signal handlers from running, so the
    signals are blocked in every thread and taken by one waiting thread instead. Create this before
    any other thread starts (WebKitGTK's libraries start some as they load): threads inherit the
    blocked signals from the thread that starts them.
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
    closed while its page was loading, which would keep the process alive at exit; and the toolkit's
    teardown adds ~0.1 s. Nothing is left to save: logs and output are flushed first.
    """
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        if stream is not None:
            try:
                stream.flush()
            except (OSError, ValueError):
                pass
    end_web_engine_helpers()
    os._exit(code)


def end_web_engine_helpers() -> None:
    """End WebKitGTK's helper processes (the page's, the network's) with the app.

    Left alone they outlive the app by 0.1-0.4 s (measured: its output's pipe closed 0.28-0.54 s
    after the window, the app itself gone at 0.12-0.21 s). The window keeps nothing of theirs
    (private mode), and the API they talked to has stopped.
    """
    if not sys.platform.startswith("linux"):
        return
    for pid in helper_processes(os.getpid()):
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:  # gone already
            pass


def helper_processes(parent: int) -> list[int]:
    """The children of `parent` (any of its threads) whose name starts with WebKit."""
    found = []
    try:
        threads = os.listdir(f"/proc/{parent}/task")
    except OSError:
        return found
    for thread in threads:
        try:
            with open(f"/proc/{parent}/task/{thread}/children") as listed:
                children = [int(pid) for pid in listed.read().split()]
        except OSError:
            continue
        for pid in children:
            try:
                with open(f"/proc/{pid}/comm") as comm:
                    if comm.read().startswith("WebKit"):
                        found.append(pid)
            except OSError:
                continue
    return found


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
        prepare_engine()
        name_the_program()
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

    # GTK (WebKitGTK) on Linux, named so that pywebview does not try Qt first; elsewhere its default.
    gui = "gtk" if sys.platform.startswith("linux") else None
    webview.start(drive if driver else None, gui=gui, private_mode=True, storage_path=storage_dir,
                  icon=str(WINDOW_ICON))
    return result["code"]
