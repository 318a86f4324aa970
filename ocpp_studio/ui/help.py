"""The Help menu: open the log folder, and About (version, Python/Qt, where files live)."""

from __future__ import annotations

import platform
from pathlib import Path

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import Qt, QUrl, qVersion
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QMessageBox, QWidget

from .. import __version__
from ..applog import log_file_path
from ..resources import is_frozen
from ..settings import user_config_dir


def about_text(capture_path: str | Path) -> str:
    """Plain text: what a support engineer asks first."""
    build = "installed build" if is_frozen() else "running from source"
    return (f"OCPP Studio {__version__} ({build})\n"
            "OCPP 1.6J and 2.0.1 for EV-charger installers and support engineers.\n\n"
            f"Python {platform.python_version()}, PySide6 {pyside_version}, Qt {qVersion()}\n"
            f"{platform.platform()}\n\n"
            f"Capture file: {capture_path}\n"
            f"Settings folder: {user_config_dir()}\n"
            f"Log file: {log_file_path()}")


def open_log_folder() -> bool:
    """Open the log folder in the file manager (creating it if needed)."""
    folder = log_file_path().parent
    folder.mkdir(parents=True, exist_ok=True)
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))


def show_about(parent: QWidget | None, capture_path: str | Path) -> QMessageBox:
    """Open the About box without a nested event loop (the asyncio loop keeps running)."""
    box = QMessageBox(QMessageBox.Icon.Information, "About OCPP Studio",
                      about_text(capture_path), parent=parent)
    box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    box.setStyleSheet("QLabel#qt_msgbox_label { min-width: 560px; }")  # paths on one line each
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
    return box
