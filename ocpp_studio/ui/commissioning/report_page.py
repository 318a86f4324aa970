"""The wizard's last page: the commissioning report, shown and saved as HTML or PDF."""

from __future__ import annotations

import asyncio
import datetime as dt
import html as html_lib
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QFileDialog, QHBoxLayout, QLabel, QPushButton, QTextBrowser, QVBoxLayout, QWizardPage,
)
from shiboken6 import isValid

from ...commissioning.report import write_report_json
from ...settings import open_private, private_file
from ..common import theme
from ..common.operations import AsyncOp
from .report_pdf import ReportDocument, inline_svgs, write_report_pdf
from .wizard_common import status_name, wrapped

if TYPE_CHECKING:
    from .commissioning_wizard import CommissioningWizard

log = logging.getLogger(__name__)


class ReportPage(QWizardPage):
    """The report: runs the engine's report step if there is one, shows the HTML,
    saves it as HTML or PDF."""

    report_ready = Signal()

    def __init__(self, wizard: "CommissioningWizard", step: Any | None) -> None:
        super().__init__()
        self.w = wizard
        self.step = step
        self.html = ""
        self.saved: list[Path] = []
        self.report: Any = None
        self.task: asyncio.Task | None = None
        self.op: AsyncOp | None = None
        self.setTitle("Commissioning report")
        intro = wrapped("Save it as PDF for the owner and the operator; the data file (JSON) "
                        "is for fleet tools that check reports.")
        # the verdict stands above the report: complete, or what remains to do
        self.verdict = QLabel()
        self.verdict.setWordWrap(True)
        self.browser = QTextBrowser()
        self.browser.setOpenExternalLinks(True)
        self.browser.setDocument(ReportDocument(self.browser))
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.save_html_button = QPushButton("Save HTML…")
        self.save_json_button = QPushButton("Save data (JSON)…")
        self.save_pdf_button = QPushButton("Save PDF…")
        self.save_pdf_button.setStyleSheet("QPushButton { font-weight: 600; padding: 5px 14px; }")
        self.open_folder_button = QPushButton("Open folder")
        self.open_folder_button.setEnabled(False)
        self.save_html_button.clicked.connect(lambda: self._save_dialog("html"))
        self.save_pdf_button.clicked.connect(lambda: self._save_dialog("pdf"))
        self.save_json_button.clicked.connect(lambda: self._save_dialog("json"))
        self.open_folder_button.clicked.connect(self.open_folder)
        buttons = QHBoxLayout()
        buttons.addWidget(self.save_pdf_button)
        buttons.addWidget(self.save_html_button)
        buttons.addWidget(self.save_json_button)
        buttons.addWidget(self.open_folder_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.verdict)
        layout.addWidget(self.browser, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.status)

    def initializePage(self) -> None:  # noqa: N802
        self.op = AsyncOp(self, self.build, on_failure=self._failed).run()
        self.task = self.op.task

    def _failed(self, exc: BaseException) -> None:
        log.error("the report page failed", exc_info=exc)
        self.status.setText(f"The report could not be shown: {exc}")

    async def build(self) -> str:
        self.status.setText("Writing the report…")
        run = self.w.run
        if self.step is not None:
            record = run.records.get(self.step.step_id)
            if record is None or status_name(record.status) not in ("passed", "skipped"):
                try:
                    await run.run_step(self.step.step_id)
                except Exception as exc:  # noqa: BLE001 - the report itself still shows
                    log.warning("report step failed: %s", exc)
        try:
            self.report = run.report()
            self.html = self.report.to_html()
        except Exception as exc:  # noqa: BLE001
            log.exception("report failed")
            self.report = None
            self.html = (f"<h2>The report could not be written</h2>"
                         f"<p>{html_lib.escape(str(exc))}</p>")
        if isValid(self):
            self._show_verdict()
            self.browser.setHtml(inline_svgs(self.html))
            self.status.setText("")
            self.report_ready.emit()
        return self.html

    def _show_verdict(self) -> None:
        if self.report is None:
            self.verdict.setText("")
            return
        kind, words = self.report.verdict()
        colour = theme.OUTCOME_OK_TEXT if kind == "ok" else theme.OUTCOME_FAILED_TEXT
        self.verdict.setText(f"<b style='color:{colour}'>{html_lib.escape(words)}</b>")
        self.save_json_button.setEnabled(True)

    def default_name(self, suffix: str) -> str:
        day = dt.date.today().isoformat()
        return f"commissioning-{self.w.charger_id}-{day}.{suffix}"

    def _save_dialog(self, kind: str) -> None:
        titles = {"pdf": "Save the report as PDF", "html": "Save the report as HTML",
                  "json": "Save the report data as JSON"}
        filters = {"pdf": "PDF (*.pdf)", "html": "HTML (*.html)", "json": "JSON (*.json)"}
        savers = {"pdf": self.save_pdf, "html": self.save_html, "json": self.save_json}
        dialog = QFileDialog(self, titles[kind])
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setNameFilter(filters[kind])
        dialog.setDefaultSuffix(kind)
        folder = self.saved[-1].parent if self.saved else Path.home()
        dialog.setDirectory(str(folder))
        dialog.selectFile(self.default_name(kind))
        dialog.fileSelected.connect(savers[kind])
        dialog.open()

    def save_html(self, path: str | Path) -> bool:
        path = Path(path)
        try:
            # owner-only, as the CLI writes it: the report can hold the charger's password
            with open_private(path) as out:
                out.write(self.html)
        except OSError as exc:
            self.w.error("Cannot save the report", f"{path} could not be written:\n{exc}")
            return False
        self._saved(path)
        return True

    def save_json(self, path: str | Path) -> bool:
        path = Path(path)
        if self.report is None:
            self.w.error("Cannot save the report data", "The report has not been written yet.")
            return False
        try:
            write_report_json(self.report, path)
        except OSError as exc:
            self.w.error("Cannot save the report data", f"{path} could not be written:\n{exc}")
            return False
        self._saved(path)
        return True

    def save_pdf(self, path: str | Path) -> bool:
        path = Path(path)
        try:
            private_file(path)  # owner-only before Qt writes into it, as the CLI does
            write_report_pdf(self.html, path)
        except OSError as exc:
            self.w.error("Cannot save the report", f"{path} could not be written:\n{exc}")
            return False
        self._saved(path)
        return True

    def _saved(self, path: Path) -> None:
        self.saved.append(path)
        self.status.setText(f"Saved {path}")
        self.open_folder_button.setEnabled(True)

    def open_folder(self) -> None:
        if self.saved:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.saved[-1].parent)))

