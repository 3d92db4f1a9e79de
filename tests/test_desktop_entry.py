"""`expense-tracker install-desktop` / `uninstall-desktop`: the Linux desktop entry and its icons."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import ROOT
from desktop import desktop_entry
from desktop.cli import main

VALIDATOR = shutil.which("desktop-file-validate")
needs_validator = pytest.mark.skipif(
    VALIDATOR is None, reason="desktop-file-validate is not installed (Debian package desktop-file-utils; ./dev installs it)"
)
ICON_SIZES = ("16x16", "32x32", "48x48", "64x64", "128x128", "256x256", "512x512")


def entry_keys(path: Path) -> dict[str, str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "[Desktop Entry]"
    return dict(line.split("=", 1) for line in lines[1:] if line)


def validate(path: Path) -> None:
    result = subprocess.run([VALIDATOR, str(path)], capture_output=True, text=True)
    # It prints hints too; errors and warnings make the entry invalid.
    assert result.returncode == 0 and "error:" not in result.stdout and "warning:" not in result.stdout, result.stdout


def files_under(folder: Path) -> list[Path]:
    return sorted(path for path in folder.rglob("*") if not path.is_dir())


@pytest.fixture
def data_home(tmp_path, monkeypatch):
    home = tmp_path / "share"
    monkeypatch.setenv("XDG_DATA_HOME", str(home))
    return home


@needs_validator
def test_desktop_entry_install_then_uninstall(data_home):
    result = CliRunner().invoke(main, ["install-desktop"])
    assert result.exit_code == 0, result.output
    entry = data_home / "applications" / "expense-tracker.desktop"
    assert f"Installed {entry}" in result.output
    validate(entry)
    keys = entry_keys(entry)
    # Not frozen: the venv's `expense-tracker` script, which starts the window.
    script = Path(sys.executable).parent / "expense-tracker"
    assert keys["Exec"] == str(script.absolute())
    assert keys["Name"] == "Expense Tracker" and keys["Terminal"] == "false"
    assert keys["Icon"] == "expense-tracker"
    icons = data_home / "icons" / "hicolor"
    for size in ICON_SIZES:
        assert (icons / size / "apps" / "expense-tracker.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", size
    assert (icons / "scalable" / "apps" / "expense-tracker.svg").read_text().startswith("<svg")
    assert len(files_under(data_home)) == 1 + len(ICON_SIZES) + 1

    result = CliRunner().invoke(main, ["uninstall-desktop"])
    assert result.exit_code == 0, result.output
    assert "Removed 9 files" in result.output
    assert files_under(data_home) == []


def test_desktop_entry_uninstall_keeps_other_files(data_home):
    theirs = [data_home / "applications" / "other.desktop", data_home / "icons" / "hicolor" / "48x48" / "apps" / "other.png"]
    for path in theirs:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("not ours")
    assert CliRunner().invoke(main, ["install-desktop"]).exit_code == 0
    assert CliRunner().invoke(main, ["uninstall-desktop"]).exit_code == 0
    assert files_under(data_home) == sorted(theirs)
    again = CliRunner().invoke(main, ["uninstall-desktop"])
    assert again.exit_code == 0
    assert again.output == "Nothing to remove: the desktop entry is not installed.\n"


@needs_validator
def test_desktop_entry_built_app_in_folder_with_spaces(data_home, tmp_path, monkeypatch):
    # A built app unpacked into "My Apps": Exec is quoted as the specification asks.
    executable = tmp_path / "My Apps" / "expense-tracker" / "expense-tracker"
    executable.parent.mkdir(parents=True)
    executable.write_text("")
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", str(executable))
    assert CliRunner().invoke(main, ["install-desktop"]).exit_code == 0
    entry = data_home / "applications" / "expense-tracker.desktop"
    validate(entry)
    assert entry_keys(entry)["Exec"] == f'"{executable}"'


def test_desktop_entry_default_folder_is_local_share(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_DATA_HOME", "relative/ignored")
    assert desktop_entry.entry_path() == tmp_path / ".local" / "share" / "applications" / "expense-tracker.desktop"


def test_desktop_entry_not_on_other_systems(data_home, monkeypatch):
    monkeypatch.setattr(sys, "platform", "win32")
    result = CliRunner().invoke(main, ["install-desktop"])
    assert result.exit_code == 2
    assert result.output.strip() == (
        "Error: Desktop entries are for Linux desktops; on this system open the app itself."
    )
    assert not data_home.exists()


def test_desktop_entry_icons_have_their_sizes():
    """The committed PNGs (drawn from the SVG by desktop/make_icons.py) have the sizes they are installed as."""
    icons = ROOT / "web" / "icons"
    for size in (16, 32, 48, 64, 128, 256, 512):
        data = (icons / f"expense-tracker-{size}.png").read_bytes()
        width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
        assert (width, height) == (size, size)
