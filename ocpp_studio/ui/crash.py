"""When something goes wrong that nobody expected: log the traceback to the log file and show
it in a dialog with "Copy details", so the user can paste it into a support request. The app
keeps running (an exception in a Qt slot does not end it).

Installed by ``run_gui`` (not by MainWindow, so pytest-qt's own hook in tests stays in place).
"""

from __future__ import annotations

import logging
import platform
import sys
import traceback
from types import TracebackType
from typing import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QLabel, QPlainTextEdit, QPushButton,
                               QVBoxLayout, QWidget)

from .. import __version__
from ..applog import log_file_path
from .common.theme import monospace_font

log = logging.getLogger(__name__)

ExceptHook = Callable[[type[BaseException], BaseException, TracebackType | None], object]


def crash_details(exc_type: type[BaseException], exc: BaseException,
                  tb: TracebackType | None) -> str:
    """The text "Copy details" copies: versions, then the traceback."""
    from PySide6 import __version__ as pyside_version
    head = (f"OCPP Studio {__version__}, Python {platform.python_version()}, "
            f"PySide6 {pyside_version}, {platform.platform()}\n\n")
    return head + "".join(traceback.format_exception(exc_type, exc, tb))


class CrashDialog(QDialog):
    """The details of one or more unexpected errors, with a button that copies them."""

    def __init__(self, details: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("OCPP Studio — unexpected error")
        self.setMinimumSize(640, 400)
        intro = QLabel("Something went wrong that OCPP Studio did not expect. It will try to "
                       "carry on; if it misbehaves, save your work and restart it.\n\n"
                       "Please send these details with your support request. They are also in "
                       f"the log file:\n{log_file_path()}")
        intro.setWordWrap(True)
        intro.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.details = QPlainTextEdit(details)
        self.details.setReadOnly(True)
        self.details.setFont(monospace_font())
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.copy_button = QPushButton("Copy details")
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.copy_button.clicked.connect(self.copy_details)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.details, 1)
        layout.addWidget(buttons)

    def add_details(self, details: str) -> None:
        """Another error while the dialog is open: add it instead of opening a second one."""
        self.details.appendPlainText("\n" + "-" * 60 + "\n" + details)

    def copy_details(self) -> None:
        QGuiApplication.clipboard().setText(self.details.toPlainText())
        self.copy_button.setText("Copied")


class CrashHandler:
    """sys.excepthook for the GUI: log, then show (or extend) one CrashDialog."""

    def __init__(self) -> None:
        self.dialog: CrashDialog | None = None
        self.previous: ExceptHook | None = None

    def __call__(self, exc_type: type[BaseException], exc: BaseException,
                 tb: TracebackType | None) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            if self.previous is not None:
                self.previous(exc_type, exc, tb)
            return
        log.critical("unexpected error", exc_info=(exc_type, exc, tb))
        try:
            self.show(crash_details(exc_type, exc, tb))
        except Exception:  # noqa: BLE001 - never raise from the hook itself
            log.exception("could not show the error dialog")

    def show(self, details: str) -> CrashDialog:
        if self.dialog is not None and self.dialog.isVisible():
            self.dialog.add_details(details)
        else:
            self.dialog = CrashDialog(details)
            self.dialog.open()  # not exec(): the asyncio loop must keep running
        return self.dialog

    def install(self) -> "CrashHandler":
        self.previous = sys.excepthook
        sys.excepthook = self
        return self

    def uninstall(self) -> None:
        if sys.excepthook is self:
            sys.excepthook = self.previous or sys.__excepthook__
        if self.dialog is not None:
            self.dialog.close()
            self.dialog.deleteLater()
            self.dialog = None
