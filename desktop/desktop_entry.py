"""The Linux desktop entry: the app in the desktop's menu and launcher, with its icon.

`install()` writes expense-tracker.desktop into $XDG_DATA_HOME/applications and the icon into
$XDG_DATA_HOME/icons/hicolor/<size>/apps (the per-user folders of the freedesktop.org desktop
entry and icon theme specifications; $XDG_DATA_HOME defaults to ~/.local/share); `uninstall()`
removes exactly those files.
"""

import os
import shutil
import sys
from pathlib import Path

APP_ID = "expense-tracker"
ICON_DIR = Path(__file__).resolve().parent.parent / "web" / "icons"
PNG_SIZES = (16, 32, 48, 64, 128, 256, 512)
WINDOW_ICON = ICON_DIR / f"{APP_ID}-256.png"


class CannotInstall(Exception):
    pass


def data_home() -> Path:
    configured = os.environ.get("XDG_DATA_HOME", "")
    # The specification ignores a relative path.
    return Path(configured) if os.path.isabs(configured) else Path.home() / ".local" / "share"


def entry_path() -> Path:
    return data_home() / "applications" / f"{APP_ID}.desktop"


def icon_files() -> dict[Path, Path]:
    """Where each icon goes -> the file it is copied from."""
    icons = data_home() / "icons" / "hicolor"
    files = {icons / f"{size}x{size}" / "apps" / f"{APP_ID}.png": ICON_DIR / f"{APP_ID}-{size}.png"
             for size in PNG_SIZES}
    files[icons / "scalable" / "apps" / f"{APP_ID}.svg"] = ICON_DIR / f"{APP_ID}.svg"
    return files


def installed_files() -> list[Path]:
    return [entry_path(), *icon_files()]


def program() -> Path:
    """What the entry starts: the built executable, else the `expense-tracker` script beside this Python."""
    if getattr(sys, "frozen", False):
        return Path(sys.executable).resolve()
    script = Path(sys.executable).parent / APP_ID
    if script.is_file():
        return script.absolute()
    found = shutil.which(APP_ID)
    if found:
        return Path(found).absolute()
    raise CannotInstall(f"The {APP_ID} command was not found next to {sys.executable} nor on PATH; "
                        "install the app first (pip install . or ./dev run --help).")


def exec_value(path: Path) -> str:
    """The Exec key's value: quoted as the desktop entry specification asks, when it must be."""
    text = str(path)
    if all(char.isalnum() or char in "/._-+" for char in text):
        return text
    for char in ("\\", '"', "`", "$"):
        text = text.replace(char, "\\" + char)
    # Inside a quoted argument a backslash is written twice more, once for the string value.
    return '"' + text.replace("\\", "\\\\") + '"'


def entry_text(executable: Path) -> str:
    return "\n".join([
        "[Desktop Entry]",
        "Type=Application",
        "Version=1.4",
        "Name=Expense Tracker",
        "GenericName=Personal finance",
        "Comment=Your expenses in a local file: add, import bank statements, see where the money goes",
        f"Exec={exec_value(executable)}",
        f"TryExec={executable}",
        f"Icon={APP_ID}",
        "Terminal=false",
        "Categories=Office;Finance;",
        "Keywords=expenses;budget;money;bank;",
        f"StartupWMClass={APP_ID}",
        "",
    ])


def install() -> list[Path]:
    """Write the entry and the icons; return the files written."""
    if not sys.platform.startswith("linux"):
        raise CannotInstall("Desktop entries are for Linux desktops; on this system open the app itself.")
    executable = program()
    written = []
    for target, source in icon_files().items():
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        written.append(target)
    entry = entry_path()
    entry.parent.mkdir(parents=True, exist_ok=True)
    entry.write_text(entry_text(executable), encoding="utf-8")
    written.insert(0, entry)
    return written


def uninstall() -> list[Path]:
    """Remove the entry and the icons that install() writes; return those that were there."""
    removed = []
    for path in installed_files():
        try:
            path.unlink()
        except FileNotFoundError:
            continue
        removed.append(path)
    return removed
