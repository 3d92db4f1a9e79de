"""Draw the app's icon files from web/icons/expense-tracker.svg (run again after changing it).

    .venv/bin/python -m desktop.make_icons

Writes, next to the SVG, the PNG sizes desktops use (16 to 512 pixels), an .ico (Windows, 16-256)
and an .icns (macOS). They are committed: the build and the app only read them. Qt draws them
(QtSvg and Qt's image format plugins come with PyQt6, which the project's `bench` extra installs;
the app itself does not use Qt).
"""

import os
import struct
import sys
from pathlib import Path

ICON_DIR = Path(__file__).resolve().parent.parent / "web" / "icons"
NAME = "expense-tracker"
PNG_SIZES = (16, 32, 48, 64, 128, 256, 512)
ICO_SIZES = (16, 32, 48, 256)


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PyQt6.QtCore import QBuffer, QByteArray, QIODevice
    from PyQt6.QtGui import QGuiApplication, QImage, QImageWriter, QPainter
    from PyQt6.QtSvg import QSvgRenderer

    app = QGuiApplication(sys.argv[:1])  # noqa: F841  (Qt's image plugins need an application)
    renderer = QSvgRenderer(str(ICON_DIR / f"{NAME}.svg"))
    if not renderer.isValid():
        print(f"error: cannot read {ICON_DIR / f'{NAME}.svg'}.", file=sys.stderr)
        return 1

    def image(size: int) -> QImage:
        picture = QImage(size, size, QImage.Format.Format_ARGB32)
        picture.fill(0)
        painter = QPainter(picture)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter)
        painter.end()
        return picture

    for size in PNG_SIZES:
        path = ICON_DIR / f"{NAME}-{size}.png"
        if not image(size).save(str(path), "PNG"):
            print(f"error: cannot write {path}.", file=sys.stderr)
            return 1
        print(path.relative_to(ICON_DIR.parent.parent))
    # Windows: an .ico holding PNGs (Windows Vista and later read them), written here since Qt's
    # ico writer keeps one image per file.
    pngs = [(ICON_DIR / f"{NAME}-{size}.png").read_bytes() for size in ICO_SIZES]
    header = struct.pack("<HHH", 0, 1, len(pngs))
    offset = len(header) + 16 * len(pngs)
    entries = b""
    for size, png in zip(ICO_SIZES, pngs):
        side = size if size < 256 else 0  # 0 means 256
        entries += struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(png), offset)
        offset += len(png)
    (ICON_DIR / f"{NAME}.ico").write_bytes(header + entries + b"".join(pngs))
    print((ICON_DIR / f"{NAME}.ico").relative_to(ICON_DIR.parent.parent))
    # macOS: Qt's icns writer (from its image format plugins) takes the 512-pixel image.
    data = QByteArray()
    device = QBuffer(data)
    device.open(QIODevice.OpenModeFlag.WriteOnly)
    if not QImageWriter(device, b"icns").write(image(512)):
        print(f"skipped {NAME}.icns: Qt has no icns writer here.")
        return 0
    device.close()
    (ICON_DIR / f"{NAME}.icns").write_bytes(bytes(data))
    print((ICON_DIR / f"{NAME}.icns").relative_to(ICON_DIR.parent.parent))
    return 0


if __name__ == "__main__":
    sys.exit(main())
