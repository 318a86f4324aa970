"""Draw the OCPP Studio app icon with QPainter and write every format the packaging needs.

    .venv/bin/python packaging/make_icons.py      (needs the `package` extra: Pillow)

Writes resources/icons/: ocpp-studio.png (512 px, the window icon), ocpp-studio-256.png,
ocpp-studio.ico (Windows: 16-256 px) and ocpp-studio.icns (macOS: 16-1024 px). The outputs are
committed; run this again only when the drawing changes.
"""

from __future__ import annotations

import io
import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PIL import Image  # noqa: E402
from PySide6.QtCore import QBuffer, QIODevice, QPointF, QRectF, Qt  # noqa: E402
from PySide6.QtGui import (QBrush, QColor, QGuiApplication, QImage, QLinearGradient,  # noqa: E402
                           QPainter, QPainterPath, QPen, QPolygonF)

OUT = Path(__file__).resolve().parents[1] / "resources" / "icons"
ACCENT = "#1565c0"  # ui/theme.py BLUE: the app's accent (charging, boot)
ACCENT_DARK = "#0d47a1"
BOLT = "#ffc400"
MASTER = 1024


def _background(p: QPainter, size: float) -> None:
    margin = size * 0.06  # macOS-style: the square does not touch the edges
    rect = QRectF(margin, margin, size - 2 * margin, size - 2 * margin)
    gradient = QLinearGradient(rect.topLeft(), rect.bottomLeft())
    gradient.setColorAt(0.0, QColor(ACCENT))
    gradient.setColorAt(1.0, QColor(ACCENT_DARK))
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QBrush(gradient))
    p.drawRoundedRect(rect, size * 0.2, size * 0.2)


def _plug(p: QPainter, s: float) -> None:
    """A white plug body with two pins and a cable, drawn on a 1.0 grid scaled by s."""
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QColor("white"))
    for x in (0.38, 0.56):  # pins
        p.drawRoundedRect(QRectF(x * s, 0.18 * s, 0.06 * s, 0.16 * s), 0.02 * s, 0.02 * s)
    body = QPainterPath()
    body.addRoundedRect(QRectF(0.28 * s, 0.32 * s, 0.44 * s, 0.30 * s), 0.08 * s, 0.08 * s)
    p.drawPath(body)
    pen = QPen(QColor("white"), 0.07 * s, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap)
    p.setPen(pen)
    p.setBrush(Qt.BrushStyle.NoBrush)
    cable = QPainterPath(QPointF(0.5 * s, 0.62 * s))
    cable.cubicTo(QPointF(0.5 * s, 0.78 * s), QPointF(0.7 * s, 0.74 * s), QPointF(0.72 * s, 0.84 * s))
    p.drawPath(cable)


def _bolt(p: QPainter, s: float) -> None:
    """A yellow lightning bolt on the plug body."""
    points = [(0.53, 0.345), (0.42, 0.49), (0.49, 0.49), (0.46, 0.605), (0.58, 0.445),
              (0.51, 0.445)]
    p.setPen(QPen(QColor(ACCENT_DARK), 0.012 * s))
    p.setBrush(QColor(BOLT))
    p.drawPolygon(QPolygonF([QPointF(x * s, y * s) for x, y in points]))


def draw(size: int = MASTER) -> QImage:
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    p = QPainter(image)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    _background(p, size)
    _plug(p, size)
    _bolt(p, size)
    p.end()
    return image


def to_pil(image: QImage) -> Image.Image:
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return Image.open(io.BytesIO(bytes(buffer.data()))).convert("RGBA")


def main() -> int:
    _app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    OUT.mkdir(parents=True, exist_ok=True)
    master = to_pil(draw())
    master.resize((512, 512), Image.LANCZOS).save(OUT / "ocpp-studio.png", optimize=True)
    master.resize((256, 256), Image.LANCZOS).save(OUT / "ocpp-studio-256.png", optimize=True)
    master.save(OUT / "ocpp-studio.ico",
                sizes=[(n, n) for n in (16, 20, 24, 32, 40, 48, 64, 128, 256)])
    master.save(OUT / "ocpp-studio.icns")  # Pillow writes 16 … 1024 px from the master
    for path in sorted(OUT.iterdir()):
        print(f"{path.relative_to(OUT.parents[1])}: {path.stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
