"""Opening the app: one server per database, the API on port 8000 or a free one, then the window."""

import logging
import sys
import threading
from pathlib import Path

from desktop import paths, window
from desktop.instance import Instance, port_holder
from desktop.native import NativeApi
from desktop.server import DEFAULT_PORT, ServerThread, bind_preferred, url_of
from tracker.config import CORS_ENV, env_list

log = logging.getLogger("expense_tracker.desktop")


STARTUP_SWITCH_INTERVAL_S = 0.0005


class AlreadyStarting(Exception):
    pass


def say(message: str) -> None:
    log.info("%s", message)


def desktop_app(db_path: Path, url: str):
    """The API as the window uses it: CORS limited to its own origin unless configured."""
    from api.app import create_app  # on the server's thread, while the window opens

    origins = env_list(CORS_ENV) or [url]
    # An older file is upgraded while the window already shows the progress.
    return create_app(db_path, cors_origins=origins, auto_backup=True, upgrade_in_background=True, replicate=True)


def run_window(db_path: Path, *, port: int = DEFAULT_PORT, driver=None) -> int:
    window.check_display()
    closer = window.CloseOnSignal()
    # After the signals are blocked: loading WebKitGTK's libraries may start threads of theirs.
    window.check_web_engine()
    storage = str(paths.data_dir() / "webview")
    instance = Instance(db_path)
    if not instance.acquire():
        running = instance.running()
        if running is None or not running.answers():
            raise AlreadyStarting(
                f"Expense Tracker is already starting or stopping for {db_path}; try again in a moment."
            )
        say(f"Expense Tracker is already running for {db_path} at {running.url} (pid {running.pid}); "
            "opening a window onto it.")
        return window.show(running.url, storage, closer, NativeApi(db_path), driver, window.window_title(db_path))
    try:
        sock, moved = bind_preferred("127.0.0.1", port)
        url = url_of(sock)
        if moved:
            say(f"Port {port} is taken by {port_holder(port)}, so the API is on {url} instead.")
        # The window opens at once, while the API is imported and set up on its thread (about
        # 0.3 s): the page's first requests wait in the socket's backlog until it serves.
        server = ServerThread(None, sock, make_app=lambda: desktop_app(db_path, url))
        # While the API is imported on its thread, the server's thread hands the page its ~25 files:
        # with Python's default 5 ms turns between threads each file waited for the import, and
        # the files took ~0.4 s; shorter turns until the API is up let them through.
        switch_interval = sys.getswitchinterval()
        sys.setswitchinterval(STARTUP_SWITCH_INTERVAL_S)
        server.begin()
        failed: list[RuntimeError] = []

        def when_up() -> None:
            try:
                server.wait_started()
            except RuntimeError as exc:
                failed.append(exc)
                closer.close()
                return
            finally:
                sys.setswitchinterval(switch_interval)
            instance.announce(url)
            say(f"Expense Tracker is running: API on {url}, docs at {url}/docs (database {db_path}).")

        threading.Thread(target=when_up, name="announce", daemon=True).start()
        try:
            code = window.show(url, storage, closer, NativeApi(db_path), driver, window.window_title(db_path))
        finally:
            server.stop()
            say("Expense Tracker stopped.")
        if failed:
            raise failed[0]
        return code
    finally:
        instance.release()
