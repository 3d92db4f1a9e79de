"""The packaged app: build.spec through PyInstaller, then the built executable's real window."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BUILD_TIMEOUT_S = 600
SMOKE_TIMEOUT_S = 120


def last_lines(text: str, count: int = 40) -> str:
    return "\n".join(text.splitlines()[-count:])


@pytest.fixture(scope="module")
def dist(tmp_path_factory):
    """dist/expense-tracker, built once for this module from build.spec into a temporary folder."""
    out = tmp_path_factory.mktemp("pyinstaller")
    # PyInstaller's own cache goes there too: --clean empties it, and it is not the user's.
    env = {**os.environ, "PYINSTALLER_CONFIG_DIR": str(out / "cache")}
    command = [
        sys.executable, "-m", "PyInstaller", "--noconfirm", "--clean",
        "--distpath", str(out / "dist"), "--workpath", str(out / "build"), "build.spec",
    ]
    started = time.monotonic()
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=BUILD_TIMEOUT_S)
    print(f"PyInstaller build: {time.monotonic() - started:.1f} s")
    if result.returncode != 0:
        pytest.fail(f"PyInstaller failed (exit {result.returncode}); its last lines:\n"
                    + last_lines(result.stdout + result.stderr))
    return out / "dist" / "expense-tracker"


def outside_python(env: dict) -> dict:
    """`env` without anything that could let the repo's Python or sources stand in for the build."""
    env = {name: value for name, value in env.items()
           if name not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSTARTUP")}
    ours = [ROOT] + ([Path(sys.prefix)] if sys.prefix != sys.base_prefix else [])  # the venv
    env["PATH"] = os.pathsep.join(
        entry for entry in env.get("PATH", "").split(os.pathsep)
        if entry and not any(Path(entry).is_relative_to(folder) for folder in ours)
    ) or "/usr/bin:/bin"
    # The page formats amounts for the locale; pin it so the expected text does not vary.
    env["LANG"] = "C.UTF-8"
    env.pop("LC_ALL", None)
    env.pop("LANGUAGE", None)
    return env


def test_package_layout(dist):
    executable = dist / "expense-tracker"
    assert executable.is_file() and os.access(executable, os.X_OK)
    # One-folder build: the page sits in sys._MEIPASS (_internal), next to the bundled modules,
    # where expense_tracker.WEB_DIR (relative to the module's __file__) looks for it.
    for name in ("index.html", "app.js", "api.js", "style.css", "icons/expense-tracker-256.png"):
        assert (dist / "_internal" / "web" / name).is_file(), name


def test_package_leaves_the_web_engine_to_the_system(dist):
    """No Qt, and none of the system's GTK, GLib or WebKitGTK: the build stays far under 250 MB."""
    files = [path for path in dist.rglob("*") if path.is_file() and not path.is_symlink()]
    names = {path.name for path in files}
    assert not (dist / "_internal" / "PyQt6").exists()
    system = [name for name in names if name.startswith(("libwebkit2gtk", "libjavascriptcoregtk", "libgtk-3",
                                                         "libgdk-3", "libglib-2.0", "libgobject-2.0",
                                                         "libgirepository", "libicu", "libsqlite3"))]
    assert system == []
    assert not (dist / "_internal" / "share").exists()
    # Only the typelibs (what PyGObject reads of the libraries' API): the system needs the libraries alone.
    assert {"WebKit2-4.1.typelib", "Gtk-3.0.typelib", "GLib-2.0.typelib"} <= {
        path.name for path in (dist / "_internal" / "gi_typelibs").iterdir()}
    assert sum(path.stat().st_size for path in files) < 250 * 1000 * 1000


def test_package_smoke_shows_expense(dist, app_env, tmp_path):
    db = tmp_path / "expenses.db"
    added = subprocess.run(
        [sys.executable, "-m", "desktop", "--db", str(db), "add", "--amount", "23.45",
         "--description", "Train ticket", "--category", "Transport", "--date", "2025-03-14"],
        cwd=ROOT, env=app_env, capture_output=True, text=True, timeout=60,
    )
    assert added.returncode == 0, added.stderr

    # Not from the repository: another working directory, no venv on PATH, no PYTHONPATH.
    started = time.monotonic()
    app = subprocess.Popen(
        [str(dist / "expense-tracker"), "--db", str(db), "--smoke-test"],
        cwd=tmp_path, env=outside_python(app_env),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True,  # so that a hang can be ended with WebKitGTK's helpers
    )
    try:
        stdout, stderr = app.communicate(timeout=SMOKE_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        os.killpg(app.pid, signal.SIGKILL)
        stdout, stderr = app.communicate()
        pytest.fail(f"The built app did not finish within {SMOKE_TIMEOUT_S} s:\n{last_lines(stderr)}")
    print(f"Built app smoke run: {time.monotonic() - started:.1f} s")

    assert app.returncode == 0, f"exit {app.returncode}\nstdout:\n{stdout}\nstderr:\n{last_lines(stderr)}"
    lines = [line for line in stdout.splitlines() if line.startswith("{")]
    assert len(lines) == 1, f"expected one JSON line on stdout:\n{stdout}"
    state = json.loads(lines[0])
    assert state["loaded"] == "true"
    assert state["title"] == "Expense Tracker — expenses.db"  # the window names its file
    assert state["url"].startswith("http://127.0.0.1:")
    # The table row itself (innerText separates cells with tabs), not the first-run hint.
    row = next((line for line in state["text"].splitlines() if "\tTrain ticket\t" in line), "")
    assert "\tTransport\t" in row and "23.45" in row and "2025" in row, state["text"]
    assert "Welcome!" not in state["text"]


def window_icon(display: str, title: str, timeout: float) -> tuple[dict[tuple[int, int], list[int]], tuple]:
    """The icon a window titled `title*` shows in taskbars (_NET_WM_ICON: {(width, height): ARGB
    pixels}) and its WM_CLASS (what docks match to a desktop entry's StartupWMClass)."""
    from Xlib import X
    from Xlib import display as xdisplay

    screen = xdisplay.Display(display)
    name_atom, utf8 = screen.intern_atom("_NET_WM_NAME"), screen.intern_atom("UTF8_STRING")
    icon_atom = screen.intern_atom("_NET_WM_ICON")

    def windows(parent):
        for child in parent.query_tree().children:
            yield child
            yield from windows(child)

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for window in windows(screen.screen().root):
            try:
                name = window.get_full_property(name_atom, utf8)
                if name is None or not bytes(name.value).decode().startswith(title):
                    continue
                icon = window.get_full_property(icon_atom, X.AnyPropertyType)
                wm_class = window.get_wm_class()
            except Exception:  # the window went away while being read
                continue
            if icon is None:
                continue
            values, sizes, at = list(icon.value), {}, 0
            while at + 2 <= len(values):
                width, height = values[at], values[at + 1]
                sizes[(width, height)] = values[at + 2: at + 2 + width * height]
                at += 2 + width * height
            return sizes, wm_class
        time.sleep(0.3)
    return {}, None


def test_package_window_shows_icon(dist, app_env, tmp_path):
    app = subprocess.Popen(
        [str(dist / "expense-tracker"), "--db", str(tmp_path / "expenses.db")],
        cwd=tmp_path, env=outside_python(app_env),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
    )
    try:
        sizes, wm_class = window_icon(app_env["DISPLAY"], "Expense Tracker", SMOKE_TIMEOUT_S)
    finally:
        app.terminate()  # closes the window, as a person would
        try:
            _, stderr = app.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(app.pid, signal.SIGKILL)
            _, stderr = app.communicate()
    assert (256, 256) in sizes, f"no 256x256 window icon; sizes {list(sizes)}\n{last_lines(stderr)}"
    pixels = sizes[(256, 256)]
    # The tile's accent green (#1f6f5c, opaque) at its left edge, the receipt's white in the middle.
    assert pixels[128 * 256 + 20] == 0xFF1F6F5C
    assert pixels[60 * 256 + 128] == 0xFFFFFFFF
    assert wm_class == ("expense-tracker", "expense-tracker")  # StartupWMClass in the desktop entry
    assert app.returncode == 0, last_lines(stderr)


def test_package_install_desktop(dist, app_env, tmp_path):
    import shutil

    env = outside_python(app_env)
    data_home = Path(env["XDG_DATA_HOME"])
    installed = subprocess.run([str(dist / "expense-tracker"), "install-desktop"], cwd=tmp_path, env=env,
                               capture_output=True, text=True, timeout=60)
    assert installed.returncode == 0, installed.stderr
    entry = data_home / "applications" / "expense-tracker.desktop"
    keys = dict(line.split("=", 1) for line in entry.read_text().splitlines()[1:] if line)
    assert keys["Exec"] == str(dist / "expense-tracker")  # the built executable, wherever it was run from
    assert keys["Icon"] == "expense-tracker"
    assert (data_home / "icons" / "hicolor" / "256x256" / "apps" / "expense-tracker.png").read_bytes() == (
        ROOT / "web" / "icons" / "expense-tracker-256.png").read_bytes()
    if shutil.which("desktop-file-validate"):
        validated = subprocess.run(["desktop-file-validate", str(entry)], capture_output=True, text=True)
        assert validated.returncode == 0, validated.stdout

    removed = subprocess.run([str(dist / "expense-tracker"), "uninstall-desktop"], cwd=tmp_path, env=env,
                             capture_output=True, text=True, timeout=60)
    assert removed.returncode == 0, removed.stderr
    assert [path for path in data_home.rglob("*") if not path.is_dir()] == []


def test_package_window_in_german_locale(dist, app_env, tmp_path):
    """A German desktop gets the window in its own formats: WebKitGTK takes the system's locale."""
    # The German locale, compiled into the test's folder (LOCPATH), as a German system has it installed.
    locales = tmp_path / "locales"
    locales.mkdir()
    subprocess.run(["localedef", "-i", "de_DE", "-f", "UTF-8", str(locales / "de_DE.UTF-8")], check=True,
                   capture_output=True, timeout=60)
    db = tmp_path / "expenses.db"
    added = subprocess.run(
        [sys.executable, "-m", "desktop", "--db", str(db), "add", "--amount", "23.45",
         "--description", "Train ticket", "--category", "Transport", "--date", "2025-03-14"],
        cwd=ROOT, env=app_env, capture_output=True, text=True, timeout=60,
    )
    assert added.returncode == 0, added.stderr
    env = {**outside_python(app_env), "LANG": "de_DE.UTF-8", "LOCPATH": str(locales)}
    app = subprocess.run([str(dist / "expense-tracker"), "--db", str(db), "--smoke-test"], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=SMOKE_TIMEOUT_S)
    assert app.returncode == 0, last_lines(app.stderr)
    state = json.loads(next(line for line in app.stdout.splitlines() if line.startswith("{")))
    row = next((line for line in state["text"].splitlines() if "\tTrain ticket\t" in line), "")
    assert row.startswith("14. März 2025\t") and "23,45" in row, state["text"]


def test_package_replicates_with_its_own_litestream_and_restores_elsewhere(dist, app_env, tmp_path):
    """The build carries Litestream: `serve` copies to a folder, and another computer restores from it."""
    env = outside_python(app_env)

    def built(*args, timeout=60):
        return subprocess.run([str(dist / "expense-tracker"), *args], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=timeout)

    db, copy = tmp_path / "laptop" / "expenses.db", tmp_path / "usb" / "expenses"
    db.parent.mkdir()
    assert built("--db", str(db), "add", "--amount", "9.99", "--description", "Train", "--category",
                 "Transport", "--date", "2025-03-14").returncode == 0
    added = built("--db", str(db), "replica", "add", "folder", str(copy))
    assert added.returncode == 0, added.stderr
    serving = subprocess.Popen([str(dist / "expense-tracker"), "--db", str(db), "serve", "--port", "0"],
                               cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while not any(copy.rglob("*.ltx")) and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(2)  # the first copy written whole
    finally:
        serving.terminate()
        serving.wait(timeout=30)
    assert any(copy.rglob("*.ltx")), "no copy was made"
    other = tmp_path / "new-computer" / "expenses.db"
    restored = built("--db", str(other), "restore", "--yes", "--from-replica", str(copy))
    assert restored.returncode == 0, restored.stderr
    listed = built("--db", str(other), "list", "--json")
    assert [(e["description"], e["amount"]) for e in map(json.loads, listed.stdout.splitlines())] == [("Train", 9.99)]
