"""Render Mnemo's app icon (resources/icons/mnemo.svg) to the bitmaps desktops and installers want.

The SVG is the one source of the icon; everything else is made from it here and committed, so a
fresh install or a bootstrap never needs an SVG renderer. Qt draws the bitmaps: its SVG image
plugin (the same renderer as QtSvg's QSvgRenderer) is reached through `QImageReader` with a scaled
size, which keeps this script inside the `app.qt` shim. The outputs are `mnemo-<n>.png` for the
hicolor theme sizes, `mnemo.ico` (all sizes up to 256, for the Windows executable) and
`mnemo.icns` (up to 1024, for the macOS bundle); Pillow packs the last two. Run it after editing
the SVG:

    .venv/bin/python packaging/render_icons.py
"""

from __future__ import annotations

import io
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ICONS = ROOT / "resources" / "icons"
PNG_SIZES = (16, 32, 48, 64, 128, 256)
ICNS_SIZES = (16, 32, 64, 128, 256, 512, 1024)

# Run as a plain script from anywhere: the app package lives at the repository root, and no
# display is needed to draw into an image.
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PIL import Image  # noqa: E402

from app.qt import QtCore, QtGui  # noqa: E402


def render(svg: Path, size: int) -> QtGui.QImage:
    """The SVG drawn at `size` x `size` pixels with an alpha channel."""
    reader = QtGui.QImageReader(str(svg), b"svg")
    reader.setScaledSize(QtCore.QSize(size, size))
    image = reader.read()
    if image.isNull():
        raise SystemExit(f"render_icons: cannot render {svg} at {size} px: {reader.errorString()}")
    return image.convertToFormat(QtGui.QImage.Format.Format_ARGB32)


def to_pillow(image: QtGui.QImage) -> Image.Image:
    """A Qt image as a Pillow RGBA image (through PNG bytes, which both sides read exactly)."""
    buffer = QtCore.QBuffer()
    buffer.open(QtCore.QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, b"PNG")
    return Image.open(io.BytesIO(bytes(buffer.data().data()))).convert("RGBA")


def main() -> int:
    """Write every bitmap form of the icon next to the SVG."""
    svg = ICONS / "mnemo.svg"
    app = QtGui.QGuiApplication.instance() or QtGui.QGuiApplication([sys.argv[0]])
    rendered = {size: to_pillow(render(svg, size)) for size in sorted({*PNG_SIZES, *ICNS_SIZES})}
    for size in PNG_SIZES:
        target = ICONS / f"mnemo-{size}.png"
        rendered[size].save(target, "PNG", optimize=True)
        print(f"render_icons: {target.relative_to(ROOT)}")
    ico = [(s, s) for s in PNG_SIZES]
    rendered[256].save(ICONS / "mnemo.ico", "ICO", sizes=ico)
    print(f"render_icons: {(ICONS / 'mnemo.ico').relative_to(ROOT)}")
    # Pillow's ICNS writer takes each size from append_images when given, else scales the first.
    largest = rendered[max(ICNS_SIZES)]
    others = [rendered[s] for s in ICNS_SIZES if s != max(ICNS_SIZES)]
    largest.save(ICONS / "mnemo.icns", "ICNS", append_images=others)
    print(f"render_icons: {(ICONS / 'mnemo.icns').relative_to(ROOT)}")
    del app
    return 0


if __name__ == "__main__":
    sys.exit(main())
