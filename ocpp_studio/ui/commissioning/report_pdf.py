"""Write an HTML commissioning report as a PDF with Qt's own PDF writer (no browser needed).

``write_report_pdf(html, path)`` works without a display (it starts an offscreen
``QGuiApplication`` when none is running), so the headless ``ocpp-studio commission``
command can use it as well as the wizard. Images given as ``data:`` URIs are decoded,
so a self-contained HTML report prints with its pictures.
"""

from __future__ import annotations

import base64
import os
import re
import sys
from pathlib import Path
from typing import Any
from urllib.parse import unquote_to_bytes

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QMarginsF, QUrl
from PySide6.QtGui import (
    QColor, QGuiApplication, QImage, QPageLayout, QPageSize, QPainter, QPdfWriter, QTextDocument,
)

_app: QGuiApplication | None = None  # kept alive when we had to create one

#: A4 at 300 dpi: the page rectangle the text is laid out in (points are converted by Qt)
RESOLUTION_DPI = 300


def ensure_gui_app() -> None:
    """Qt needs a (Gui)Application for fonts; start an offscreen one if there is none."""
    global _app
    if QGuiApplication.instance() is not None:
        return
    if sys.platform.startswith("linux") and not (os.environ.get("DISPLAY")
                                                 or os.environ.get("WAYLAND_DISPLAY")):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    _app = QGuiApplication(sys.argv[:1])


def decode_data_uri(uri: str) -> tuple[str, bytes] | None:
    """``data:image/png;base64,....`` -> ("image/png", bytes); None if not a data URI."""
    if not uri.startswith("data:") or "," not in uri:
        return None
    header, _, payload = uri[5:].partition(",")
    parts = header.split(";")
    mime = parts[0] or "text/plain"
    if "base64" in parts[1:]:
        try:
            return mime, base64.b64decode(payload)
        except ValueError:
            return None
    return mime, unquote_to_bytes(payload)


_SVG = re.compile(r"<svg\b.*?</svg>", re.IGNORECASE | re.DOTALL)
_SIZE = re.compile(r"\b(width|height)\s*=\s*['\"]?([0-9.]+)", re.IGNORECASE)
_VIEWBOX = re.compile(r"viewBox\s*=\s*['\"]\s*[-0-9.]+[ ,]+[-0-9.]+[ ,]+([0-9.]+)[ ,]+([0-9.]+)",
                      re.IGNORECASE)
SVG_SCALE = 3  # rasterise charts at 3x so they stay sharp in print


def _svg_to_img(svg: str) -> str:
    from PySide6.QtSvg import QSvgRenderer
    opening = svg[:svg.index(">") + 1]
    sizes = {k.lower(): float(v) for k, v in _SIZE.findall(opening)}
    box = _VIEWBOX.search(opening)
    width = sizes.get("width") or (float(box.group(1)) if box else 600.0)
    height = sizes.get("height") or (float(box.group(2)) if box else 200.0)
    renderer = QSvgRenderer(QByteArray(svg.encode("utf-8")))
    if not renderer.isValid():
        return ""
    image = QImage(int(width * SVG_SCALE), int(height * SVG_SCALE), QImage.Format.Format_ARGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    renderer.render(painter)
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    uri = "data:image/png;base64," + base64.b64encode(bytes(data.data())).decode("ascii")
    return f"<img src='{uri}' width='{int(width)}' height='{int(height)}'>"


def inline_svgs(html: str) -> str:
    """Qt's rich text cannot draw inline ``<svg>``: replace each with a PNG ``<img>``."""
    if "<svg" not in html.lower():
        return html
    ensure_gui_app()
    return _SVG.sub(lambda m: _svg_to_img(m.group(0)), html)


class ReportDocument(QTextDocument):
    """A QTextDocument that also understands ``data:`` image URIs."""

    def loadResource(self, kind: int, name: QUrl) -> Any:  # noqa: N802 - Qt override
        decoded = decode_data_uri(name.toString())
        if decoded is not None:
            mime, data = decoded
            if mime.startswith("image/"):
                image = QImage()
                if image.loadFromData(data):
                    return image
            return data
        return super().loadResource(kind, name)


def report_document(html: str) -> ReportDocument:
    ensure_gui_app()
    document = ReportDocument()
    document.setDocumentMargin(0)
    document.setHtml(inline_svgs(html))
    return document


def write_report_pdf(html: str, path: str | Path) -> None:
    """Lay out ``html`` on A4 pages and write them to ``path`` as a PDF (raises OSError)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    document = report_document(html)
    writer = QPdfWriter(str(path))
    writer.setResolution(RESOLUTION_DPI)
    writer.setTitle("Commissioning report")
    writer.setCreator("OCPP Studio")
    writer.setPageLayout(QPageLayout(QPageSize(QPageSize.PageSizeId.A4),
                                     QPageLayout.Orientation.Portrait,
                                     QMarginsF(0, 0, 0, 0), QPageLayout.Unit.Millimeter))
    # QTextDocument.print_ adds its own 2 cm margins around an unpaginated document.
    document.print_(writer)
    del writer  # flush and close the file
    if not path.is_file() or path.stat().st_size == 0:
        raise OSError(f"Qt did not write the PDF {path}")
