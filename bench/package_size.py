"""The size of the one-folder build: the total and its largest parts.

    .venv/bin/python bench/package_size.py [--dist dist/expense-tracker] [--top 10]

Without --dist it builds build.spec into a temporary folder first (~1 minute). Sizes are in
MiB, as `du -m` counts them; symbolic links count nothing. A part is a file, or a whole folder
for Python's standard library, the page and each Python package.
Target (issue 16): the one-folder build ≤ 250 MB. On Linux the build leaves the web engine to the
system (WebKitGTK, GTK, GLib: see build.spec); what they take on disk is printed too, from `ldd`.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MIB = 1024 * 1024
# Folders summed as one part (paths below _internal/).
GROUPED = ("python3.11", "web")


def build(out: Path) -> Path:
    env = {**os.environ, "PYINSTALLER_CONFIG_DIR": str(out / "cache")}
    started = time.monotonic()
    subprocess.run(
        [sys.executable, "-m", "PyInstaller", "--noconfirm", "--clean", "--log-level", "WARN",
         "--distpath", str(out / "dist"), "--workpath", str(out / "build"), str(ROOT / "build.spec")],
        cwd=ROOT, env=env, check=True,
    )
    print(f"built in {time.monotonic() - started:.0f} s", file=sys.stderr)
    return out / "dist" / "expense-tracker"


def part_of(relative: Path) -> str:
    text = relative.as_posix()
    inside = text.removeprefix("_internal/")
    for folder in GROUPED:
        if inside.startswith(folder + "/"):
            return f"_internal/{folder}/"
    first = inside.split("/")[0]
    if inside != text and "/" in inside:
        return f"_internal/{first}/"  # a Python package's folder
    return text


def sizes(dist: Path) -> tuple[int, Counter]:
    parts: Counter = Counter()
    total = 0
    for path in dist.rglob("*"):
        if path.is_symlink() or not path.is_file():
            continue
        size = path.stat().st_size
        total += size
        parts[part_of(path.relative_to(dist))] += size
    return total, parts


def system_engine_size() -> tuple[int, int]:
    """Bytes of libwebkit2gtk-4.1 and every library it links (as `ldd` resolves them), and their count."""
    found = subprocess.run(["/sbin/ldconfig", "-p"], capture_output=True, text=True).stdout
    path = next((line.split(" => ")[1] for line in found.splitlines() if "libwebkit2gtk-4.1.so.0 " in line), None)
    if path is None:
        return 0, 0
    listed = subprocess.run(["ldd", path], capture_output=True, text=True).stdout
    files = {path} | {line.split(" => ")[1].split(" (")[0] for line in listed.splitlines() if " => /" in line}
    return sum(os.stat(file).st_size for file in files), len(files) - 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dist", type=Path, help="an existing build (default: build one now)")
    parser.add_argument("--top", type=int, default=10, help="how many of the largest parts (default 10)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="package-size-") as scratch:
        dist = args.dist or build(Path(scratch))
        total, parts = sizes(dist)
        print(f"one-folder build: {total / MIB:.0f} MiB = {total / 1e6:.0f} MB "
              f"({sum(1 for _ in dist.rglob('*'))} files; target ≤ 250 MB)")
        if sys.platform.startswith("linux"):
            system, count = system_engine_size()
            print(f"left to the system: WebKitGTK and the {count} libraries it links, {system / MIB:.0f} MiB "
                  "(installed on most desktops; their data, e.g. icons and translations, not counted)")
        print(f"\n| largest parts ({args.top}) | MiB |\n| --- | ---: |")
        for name, size in parts.most_common(args.top):
            print(f"| `{name}` | {size / MIB:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
