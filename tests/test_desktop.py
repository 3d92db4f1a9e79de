"""The desktop app for real: a WebKitGTK window under Xvfb, real sockets, real processes."""

import hashlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from urllib.parse import urlsplit

import pytest
from Xlib import X, protocol
from Xlib import display as xdisplay

from conftest import ROOT

ANNOUNCED = re.compile(r"(?:is running: API on|already running for .* at) (http://[0-9.:\[\]]+)")


class App:
    """`python -m desktop ...` in a subprocess, with its output collected as it runs."""

    def __init__(self, env, *args):
        self.process = subprocess.Popen(
            [sys.executable, "-m", "desktop", *args], cwd=ROOT, env=env,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        self.lines: list[str] = []
        self.out_lines: list[str] = []
        self.readers = [
            threading.Thread(target=self._collect, args=(self.process.stderr, self.lines), daemon=True),
            threading.Thread(target=self._collect, args=(self.process.stdout, self.out_lines), daemon=True),
        ]
        for reader in self.readers:
            reader.start()

    @staticmethod
    def _collect(stream, into):
        for line in stream:
            into.append(line)

    @property
    def stdout(self) -> str:
        return "".join(self.out_lines)

    @property
    def log(self) -> str:
        return "".join(self.lines)

    def url(self, timeout=60) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            match = ANNOUNCED.search(self.log)
            if match:
                return match.group(1)
            if self.process.poll() is not None:
                break
            time.sleep(0.1)
        raise AssertionError(f"the app did not announce its URL:\n{self.log}")

    def wait(self, timeout=30) -> int:
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f"the app did not exit within {timeout} s; its log:\n{self.log}") from None
        for reader in self.readers:
            reader.join(5)
        return self.process.returncode

    def kill(self):
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


@pytest.fixture
def launch():
    started = []

    def start(env, *args):
        app = App(env, *args)
        started.append(app)
        return app

    yield start
    for app in started:
        app.kill()


def get(url, path="/health", headers=None):
    request = urllib.request.Request(url + path, headers=headers or {})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, dict(response.headers), response.read()


def add_expense(env, db, description="Lunch, with Sam", amount="12.50"):
    subprocess.run(
        [sys.executable, "-m", "desktop", "--db", str(db), "add", "--amount", amount,
         "--description", description, "--category", "Food", "--date", "2025-03-14"],
        cwd=ROOT, env=env, check=True, capture_output=True,
    )


def window_name(connection, window):
    """The window's title as the window manager shows it: _NET_WM_NAME (UTF-8), else WM_NAME."""
    name = window.get_full_property(connection.intern_atom("_NET_WM_NAME"), connection.intern_atom("UTF8_STRING"))
    if name is not None:
        return name.value.decode() if isinstance(name.value, bytes) else name.value
    return window.get_wm_name()


def find_window(screen: str, title: str, timeout=30):
    """The X window with this title, as a window manager would see it."""
    connection = xdisplay.Display(screen)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pending = [connection.screen().root]
        while pending:
            window = pending.pop()
            try:
                if window_name(connection, window) == title and window.get_attributes().map_state == X.IsViewable:
                    return connection, window
                pending.extend(window.query_tree().children)
            except Exception:
                continue
        time.sleep(0.2)
    raise AssertionError(f"no window titled {title!r}")


def close_window(screen: str, title: str = "Expense Tracker — expenses.db"):
    """Ask the window to close, exactly as a window manager does when the user clicks ×."""
    connection, window = find_window(screen, title)
    protocols = connection.intern_atom("WM_PROTOCOLS")
    delete = connection.intern_atom("WM_DELETE_WINDOW")
    event = protocol.event.ClientMessage(window=window, client_type=protocols, data=(32, [delete, X.CurrentTime, 0, 0, 0]))
    window.send_event(event)
    connection.flush()
    connection.close()


def port_is_free(url) -> bool:
    """Nobody listens there any more, and our app could bind it again."""
    port = int(url.rsplit(":", 1)[1])
    with socket.socket() as client:
        if client.connect_ex(("127.0.0.1", port)) == 0:
            return False
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def origin(url: str) -> str:
    """The page's origin: its address may carry the month it shows (?month=2025-03)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def test_desktop_default_port_is_8000_when_free(app_env, tmp_path, launch):
    was_free = port_is_free("http://127.0.0.1:8000")
    app = launch(app_env, "--db", str(tmp_path / "expenses.db"), "--smoke-test")
    assert app.wait(120) == 0, app.log
    url = origin(json.loads(app.stdout.strip().splitlines()[-1])["url"])
    if was_free:
        assert url == "http://127.0.0.1:8000"
    else:
        assert "Port 8000 is taken by another program" in app.log


def test_desktop_window_shows_the_expenses(app_env, tmp_path, launch):
    db = tmp_path / "expenses.db"
    add_expense(app_env, db)
    app = launch(app_env, "--db", str(db), "--port", "0", "--smoke-test")
    assert app.wait(120) == 0, app.log
    page = json.loads(app.stdout.strip().splitlines()[-1])
    assert page["loaded"] == "true"
    assert page["title"] == "Expense Tracker — expenses.db"  # the window's own title names the file
    assert f"File: expenses.db in the folder {tmp_path.name}" in page["text"]
    assert "Lunch, with Sam" in page["text"] and "12.50" in page["text"]
    assert f"API on {origin(page['url'])}" in page["text"]
    home = tmp_path / "home"
    assert sorted(p.name for p in home.iterdir()) == ["data", "runtime", "state"], "wrote outside its folders"


def test_desktop_api_answers_while_open_and_closing_exits_0(app_env, tmp_path, launch):
    db = tmp_path / "expenses.db"
    add_expense(app_env, db, description="Seen by a script")
    app = launch(app_env, "--db", str(db), "--port", "0")
    url = app.url()
    status, _, body = get(url, "/expenses")
    assert status == 200 and json.loads(body)[0]["description"] == "Seen by a script"
    # In the window's mode CORS admits only the app's own origin.
    _, own, _ = get(url, "/categories", {"Origin": url})
    _, other, _ = get(url, "/categories", {"Origin": "http://127.0.0.1:1"})
    assert own.get("access-control-allow-origin") == url
    assert "access-control-allow-origin" not in {k.lower() for k in other}
    status_line = subprocess.run(
        [sys.executable, "-m", "desktop", "--db", str(db), "status"],
        cwd=ROOT, env=app_env, capture_output=True, text=True, timeout=30,
    ).stdout
    assert f"running:   yes, API on {url}" in status_line
    close_window(app_env["DISPLAY"])
    assert app.wait(30) == 0, app.log
    assert "Expense Tracker stopped." in app.log, app.log
    assert port_is_free(url)


@pytest.mark.parametrize("signal_number", [signal.SIGINT, signal.SIGTERM], ids=["ctrl_c", "sigterm"])
def test_desktop_signal_closes_cleanly(app_env, tmp_path, launch, signal_number):
    app = launch(app_env, "--db", str(tmp_path / "expenses.db"), "--port", "0")
    url = app.url()
    find_window(app_env["DISPLAY"], "Expense Tracker — expenses.db")  # the title names the file
    app.process.send_signal(signal_number)
    assert app.wait(15) == 0, app.log
    assert port_is_free(url)


def test_desktop_port_taken_by_another_program_moves(app_env, tmp_path, launch):
    with socket.socket() as other_program:
        other_program.bind(("127.0.0.1", 0))
        other_program.listen()
        taken = other_program.getsockname()[1]
        app = launch(app_env, "--db", str(tmp_path / "expenses.db"), "--port", str(taken), "--smoke-test")
        assert app.wait(120) == 0, app.log
    page = json.loads(app.stdout.strip().splitlines()[-1])
    port = int(origin(page["url"]).rsplit(":", 1)[1])
    assert port != taken
    assert f"Port {taken} is taken by another program, so the API is on http://127.0.0.1:{port} instead." in app.log
    assert f"API on http://127.0.0.1:{port}" in page["text"]


def test_desktop_port_taken_by_a_second_copy_names_it(app_env, tmp_path, launch):
    first_db, second_db = tmp_path / "first.db", tmp_path / "second.db"
    first = launch(app_env, "--db", str(first_db), "--port", "0")
    url = first.url()
    taken = int(url.rsplit(":", 1)[1])
    second = launch(app_env, "--db", str(second_db), "--port", str(taken), "--smoke-test")
    assert second.wait(120) == 0, second.log
    assert f"Port {taken} is taken by Expense Tracker, already running at {url} (database {first_db})" in second.log
    assert "another program" not in second.log
    first.process.send_signal(signal.SIGTERM)
    assert first.wait(15) == 0


def test_desktop_second_launch_uses_the_running_app(app_env, tmp_path, launch):
    db = tmp_path / "expenses.db"
    add_expense(app_env, db, description="Only one server")
    first = launch(app_env, "--db", str(db), "--port", "0")
    url = first.url()
    second = launch(app_env, "--db", str(db), "--smoke-test")
    assert second.wait(120) == 0, second.log
    assert f"already running for {db} at {url}" in second.log
    assert "is running: API on" not in second.log
    page = json.loads(second.stdout.strip().splitlines()[-1])
    assert origin(page["url"]) == url and "Only one server" in page["text"]
    assert get(url)[0] == 200
    first.process.send_signal(signal.SIGTERM)
    assert first.wait(15) == 0


def test_desktop_damaged_database_is_shown_and_untouched(app_env, tmp_path, launch):
    db = tmp_path / "expenses.db"
    db.write_bytes(os.urandom(32 * 1024))
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    app = launch(app_env, "--db", str(db), "--port", "0", "--smoke-test")
    assert app.wait(120) == 1, app.log
    page = json.loads(app.stdout.strip().splitlines()[-1])
    assert page["loaded"] == "error"
    assert str(db) in page["text"] and "damaged" in page["text"]
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before


def test_desktop_without_display_suggests_serve(app_env, tmp_path):
    env = {k: v for k, v in app_env.items() if k != "DISPLAY"}
    result = subprocess.run(
        [sys.executable, "-m", "desktop", "--db", str(tmp_path / "e.db")],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 2
    assert "No display found" in result.stderr and "expense-tracker serve" in result.stderr
    assert "Traceback" not in result.stderr


def test_desktop_without_webkitgtk_says_what_to_install(app_env, tmp_path):
    # As on a system without PyGObject's WebKitGTK: importing `gi` fails.
    script = ("import sys; sys.modules['gi'] = None; from desktop.cli import main; "
              f"sys.argv = ['expense-tracker', '--db', {str(tmp_path / 'e.db')!r}]; main()")
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=app_env, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1, result.stderr
    assert "needs WebKitGTK" in result.stderr and "apt install gir1.2-webkit2-4.1" in result.stderr
    assert "expense-tracker serve" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "e.db").exists()


def test_desktop_unwritable_data_folder_is_clear(app_env, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the app-data folder should be")
    env = {**app_env, "XDG_DATA_HOME": str(blocker)}
    result = subprocess.run(
        [sys.executable, "-m", "desktop", "--db", str(tmp_path / "e.db")],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 2
    assert str(blocker) in result.stderr
    assert "Traceback" not in result.stderr


class FakeWebview:
    """Stands in for the `webview` module: records how the window is opened."""

    def __init__(self):
        self.started = None

    def create_window(self, *args, **kwargs):
        return type("Window", (), {"destroy": lambda self: None})()

    def start(self, *args, **kwargs):
        self.started = kwargs


@pytest.mark.parametrize(("platform", "engine"), [
    ("linux", "gtk"),  # the system's WebKitGTK
    ("win32", None),  # pywebview's default: EdgeChromium (WebView2)
    ("darwin", None),  # WKWebView
])
def test_desktop_window_engine_and_icon_per_platform(platform, engine, monkeypatch):
    from desktop import window
    from desktop.desktop_entry import WINDOW_ICON

    fake = FakeWebview()
    monkeypatch.setitem(sys.modules, "webview", fake)
    monkeypatch.setattr(sys, "platform", platform)
    # prepare_engine() sets a variable for Mesa: in a copy of the environment, so it does not outlive this test.
    monkeypatch.setattr(os, "environ", dict(os.environ))
    closer = type("Closer", (), {"requested": threading.Event(), "attach": lambda self, window: None})()
    assert window.show("http://127.0.0.1:1/", "/tmp/unused", closer) == 0
    assert fake.started["gui"] == engine
    assert fake.started["icon"] == str(WINDOW_ICON) and WINDOW_ICON.is_file()


@pytest.mark.parametrize(("environ", "plain"), [
    ({}, True),
    ({"LANG": "C.UTF-8"}, True),
    ({"LANG": "POSIX"}, True),
    ({"LANG": "de_DE.UTF-8"}, False),
    ({"LC_ALL": "C", "LANG": "de_DE.UTF-8"}, True),
    ({"LC_MESSAGES": "en_GB.UTF-8", "LANG": "C.UTF-8"}, False),
])
def test_desktop_plain_locale_is_read_as_glibc_does(environ, plain):
    from desktop import window

    assert window.plain_locale(environ) is plain


def test_desktop_helper_processes_are_webkits_children_only():
    """At exit the app ends WebKitGTK's helpers (its children named WebKit…), no other child of its own."""
    from desktop import window

    named = ("import ctypes, sys, time; ctypes.CDLL(None).prctl(15, sys.argv[1].encode(), 0, 0, 0); "
             "print('ready', flush=True); time.sleep(60)")
    children = [subprocess.Popen([sys.executable, "-c", named, name], stdout=subprocess.PIPE, text=True)
                for name in ("WebKitWebProces", "litestream")]
    try:
        for child in children:
            assert child.stdout.readline() == "ready\n"
        assert window.helper_processes(os.getpid()) == [children[0].pid]
        window.end_web_engine_helpers()
        assert children[0].wait(10) == -signal.SIGKILL
        assert children[1].poll() is None
    finally:
        for child in children:
            child.kill()
            child.wait()
