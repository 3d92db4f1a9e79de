import os
import re
import shutil
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from tracker.config import CORS_ENV, DB_ENV, HOSTS_ENV

ROOT = Path(__file__).resolve().parent.parent
BASE_URL = "http://127.0.0.1"


@pytest.fixture(autouse=True)
def isolated_data_dir(tmp_path_factory, monkeypatch):
    """No test may touch the real user's app-data directory."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    for name in (DB_ENV, CORS_ENV, HOSTS_ENV):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("EXPENSE_TRACKER_RATES_URL", "")  # no test downloads exchange rates


@pytest.fixture
def db_path(tmp_path):
    return tmp_path / "expenses.db"


@pytest.fixture
def run(db_path):
    """run("add", "--amount", 5, ...) -> the result of the command line on this test's database."""
    from click.testing import CliRunner

    from desktop.cli import main

    def invoke(*args, input=None):
        return CliRunner().invoke(main, ["--db", str(db_path), *map(str, args)], input=input)

    return invoke


@pytest.fixture
def client(db_path):
    with TestClient(create_app(db_path), base_url=BASE_URL) as test_client:
        yield test_client


def expense(**overrides):
    body = {"amount": 12.5, "description": "Lunch", "category_id": 1, "date": "2025-03-14"}
    body.update(overrides)
    return body


class SaveDialog:
    """Stands in for the app window given to desktop.native.NativeApi: its save dialog answers `target`."""

    def __init__(self, target: Path):
        self.target = target

    def create_file_dialog(self, *args, **kwargs):
        return str(self.target)


@pytest.fixture
def add(client):
    def add_expense(**overrides):
        response = client.post("/expenses", json=expense(**overrides))
        assert response.status_code == 201, response.text
        return response.json()

    return add_expense


class RunningServer:
    def __init__(self, process: subprocess.Popen, url: str, db_path: Path, output: list[str]):
        self.process = process
        self.url = url
        self.db_path = db_path
        self.output = output
        # Keep reading its log so that a full pipe never blocks the server.
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self) -> None:
        for line in self.process.stderr:
            self.output.append(line)


def wait_until_answering(url: str, deadline: float) -> None:
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=5):
                return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"{url} did not answer in time")


def start_server(db_path: Path, *args: str, env: dict | None = None, timeout: float = 30):
    """Start `python expense_tracker.py` on a free port; return it once it announced its URL."""
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "expense_tracker.py"), "--port", "0", "--db", str(db_path), *args],
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + timeout
    lines = []
    while time.monotonic() < deadline:
        line = process.stderr.readline()
        if not line:
            break
        lines.append(line)
        match = re.search(r"Expense Tracker API on (http://\S+)", line)
        if match:
            running = RunningServer(process, match.group(1), db_path, lines)
            wait_until_answering(running.url, deadline)
            return running
    process.kill()
    raise RuntimeError("server did not start:\n" + "".join(lines))


def stop_server(server: RunningServer) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()


@pytest.fixture
def server(db_path):
    running = start_server(db_path)
    yield running
    stop_server(running)


@pytest.fixture(scope="session")
def display():
    """A virtual X screen (Xvfb) for real windows; yields its DISPLAY value."""
    if shutil.which("Xvfb") is None:
        pytest.fail("Xvfb is not installed (./dev test installs it as root; else: apt install xvfb)")
    read_end, write_end = os.pipe()
    server = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_end), "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
        pass_fds=(write_end,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    os.close(write_end)
    with os.fdopen(read_end) as announced:
        number = announced.readline().strip()
    if not number:
        server.kill()
        pytest.fail("Xvfb did not start")
    yield f":{number}"
    server.terminate()
    server.wait(timeout=10)


@pytest.fixture
def app_env(tmp_path, display):
    """Environment for the desktop app in a subprocess: its own screen, data and log folders."""
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    env = {
        **os.environ,
        "DISPLAY": display,
        "HOME": str(home),
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_STATE_HOME": str(home / "state"),
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_CACHE_HOME": str(home / "cache"),
        "XDG_RUNTIME_DIR": str(home / "runtime"),
        # GTK keeps its file chooser's settings in dconf, which needs a D-Bus session this screen lacks.
        "GSETTINGS_BACKEND": "memory",
    }
    (home / "runtime").mkdir(mode=0o700, exist_ok=True)
    for name in ("EXPENSE_TRACKER_DB", "EXPENSE_TRACKER_CORS_ORIGINS", "EXPENSE_TRACKER_ALLOWED_HOSTS", "WAYLAND_DISPLAY"):
        env.pop(name, None)
    return env


# Browser tests: one Chromium per test module, a fresh real server per test.
@pytest.fixture(scope="module")
def chromium():
    from playwright.sync_api import sync_playwright

    from browser import launch_chromium

    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def server_pool(tmp_path_factory):
    from browser import ServerPool

    pool = ServerPool(tmp_path_factory.mktemp("web"))
    yield pool
    pool.close()


@pytest.fixture
def web_server(server_pool):
    """A real server on a fresh database for this test alone, started ahead while the last test ran."""
    running = server_pool.take()
    yield running
    server_pool.release(running)


@pytest.fixture
def api(web_server):
    from browser import Api

    return Api(web_server.url)


@pytest.fixture
def open_page(chromium, web_server):
    """open_page(path="/", viewport=..., color_scheme=...) -> a page that has shown its first data."""
    from browser import NOW, TIMEOUT_MS, wait_until_loaded

    contexts = []
    errors = []

    def open_page(path="/", *, viewport=None, color_scheme="light"):
        context = chromium.new_context(
            locale="en-US", timezone_id="UTC", color_scheme=color_scheme, accept_downloads=True,
            viewport=viewport or {"width": 1280, "height": 900},
        )
        contexts.append(context)
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(f"{error.name}: {error.message}\n{error.stack}"))
        page.clock.set_fixed_time(NOW)
        page.goto(web_server.url + path, wait_until="commit")
        wait_until_loaded(page)
        return page

    yield open_page
    for context in contexts:
        context.close()
    if errors:
        pytest.fail("The page threw JavaScript errors:\n" + "\n".join(errors), pytrace=False)


def start_serve(env, *args):
    process = subprocess.Popen(
        [sys.executable, "-m", "desktop", "serve", *args], cwd=ROOT, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    lines = []
    for line in process.stderr:
        lines.append(line)
        match = re.search(r"Expense Tracker API on (http://\S+)", line)
        if match:
            threading.Thread(target=lambda: lines.extend(process.stderr), daemon=True).start()
            return process, match.group(1), lines
    process.wait()
    raise AssertionError("serve did not start:\n" + "".join(lines))


@pytest.fixture
def cli_env(tmp_path):
    home = tmp_path / "home"
    return {**os.environ, "HOME": str(home), "XDG_DATA_HOME": str(home / "data"), "XDG_STATE_HOME": str(home / "state")}
