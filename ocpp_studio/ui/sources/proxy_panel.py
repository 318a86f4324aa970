"""The "Proxy" tab: put OCPP Studio between a charger and its real central system.

The charger is pointed at this laptop; the logging proxy (``transports/proxy.py``, started
by ``Studio.start_proxy``) passes every message on, byte for byte, to the charger's real
central system and records both directions in the message log. The charger keeps working
with its back office while we watch — and an expert can still send it a message of their
own ("Send a message…"), which the proxy injects without telling the back office.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView, QFileDialog, QFormLayout, QFrame, QGroupBox, QHBoxLayout, QHeaderView,
    QLabel, QLineEdit, QPushButton, QSpinBox, QTableWidget, QTableWidgetItem, QVBoxLayout,
    QWidget,
)

from ...settings import DEFAULT_PORT
from ..common import theme
from ..common.operations import AsyncOp, is_running
from ..inspector.send_dialog import SendMessageDialog
from .proxy_text import (  # noqa: F401 - upstream_problem and since_text: this tab's API
    file_problem, since_text, start_failure_text, upstream_problem,
)

if TYPE_CHECKING:
    from ...service import Studio
    from ...transports.proxy import LoggingProxy, ProxiedCharger

log = logging.getLogger(__name__)

#: The proxy's default port: not the local central system's (9000), so both can run.
DEFAULT_PROXY_PORT = 9100 if DEFAULT_PORT != 9100 else 9200
COLUMNS = ("Charger", "OCPP version", "Connected from", "Since", "Passed on to")

EXPLANATION = (
    "The charger connects to this laptop; every message is passed on to its real central "
    "system and recorded. The charger keeps working with its back office while you watch "
    "the messages in the Messages tab. Nothing is changed on the way.")


class ProxyPanel(QWidget):
    """Start and stop the logging proxy; show who is connected through it."""

    def __init__(self, studio: Studio | None = None, host: str | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.studio = studio
        self.available = studio is not None
        #: where the proxy listens: the same interfaces as the studio's central system
        self.host = host or (studio.settings.csms.host if studio is not None else "") \
            or "0.0.0.0"
        self.operation: AsyncOp | None = None
        self._listening: LoggingProxy | None = None  # the proxy we listen to
        self._send_dialog: SendMessageDialog | None = None
        outer = QVBoxLayout(self)
        outer.setContentsMargins(12, 10, 12, 10)
        outer.setSpacing(8)
        if not self.available:
            note = theme.unavailable_note("The proxy")
            outer.addWidget(note)
            self.not_available_label = note
            return
        self._build(outer)
        self._changed()
        proxy = studio.proxy
        if proxy is not None:  # started before the window (e.g. from the command line)
            self._started(proxy)
        self.clock = QTimer(self)  # keeps "since … (N min)" current
        self.clock.setInterval(30_000)
        self.clock.timeout.connect(self.refresh_table)
        self.clock.start()

    # -------------------------------------------------------------- building
    def _build(self, outer: QVBoxLayout) -> None:
        explanation = QLabel(EXPLANATION)
        explanation.setWordWrap(True)
        explanation.setStyleSheet(theme.SOURCE_EXPLANATION_STYLE)
        outer.addWidget(explanation)

        settings = QGroupBox("Proxy settings")
        form = QFormLayout(settings)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.upstream = QLineEdit()
        self.upstream.setPlaceholderText("wss://csms.example.com/ocpp")
        self.upstream.setToolTip("The central-system address the charger uses today, from "
                                 "its settings, without the charger's own id at the end")
        self.upstream_error = QLabel()
        self.upstream_error.setWordWrap(True)
        self.upstream_error.setStyleSheet(theme.STATUS_STYLE["error"])
        self.upstream_error.hide()
        upstream_box = QVBoxLayout()
        upstream_box.setSpacing(2)
        upstream_box.addWidget(self.upstream)
        upstream_box.addWidget(self.upstream_error)
        form.addRow("Real central system", upstream_box)
        self.port = QSpinBox()
        self.port.setRange(1, 65535)
        self.port.setValue(DEFAULT_PROXY_PORT)
        self.port.setToolTip("The port chargers connect to on this laptop (not 9000: that is "
                             "OCPP Studio's own central system)")
        port_row = QHBoxLayout()
        port_row.addWidget(self.port)
        port_hint = QLabel("chargers connect to this port on this laptop")
        port_hint.setStyleSheet(theme.HINT_STYLE)
        port_row.addWidget(port_hint, 1)
        form.addRow("Listen on port", port_row)
        self.ca_file, self.ca_button, ca_row = self._file_row(
            "Optional: only if the central system uses a private certificate authority",
            "A PEM file with the certificate authority that signed the central system's "
            "certificate (wss:// only)",
            "Certificate authority of the central system", "Certificates (*.pem *.crt *.cer)")
        form.addRow("CA file", ca_row)
        # Chargers on security profile 2/3 only connect to wss://: the proxy then needs a
        # certificate of its own that the charger trusts.
        self.cert_file, self.cert_button, cert_row = self._file_row(
            "Optional: for chargers that connect with wss:// (security profile 2 or 3)",
            "This laptop's certificate (PEM, with its chain) for the address the charger "
            "connects to; the charger must trust its authority",
            "Certificate for wss://", "Certificates (*.pem *.crt *.cer)")
        form.addRow("wss:// certificate", cert_row)
        self.key_file, self.key_button, key_row = self._file_row(
            "The private key of that certificate (PEM)",
            "The private key that belongs to the wss:// certificate",
            "Private key of the wss:// certificate", "Keys (*.pem *.key)")
        form.addRow("wss:// key", key_row)
        outer.addWidget(settings)

        row = QHBoxLayout()
        self.start_button = QPushButton("Start proxy")
        self.start_button.setDefault(True)
        self.stop_button = QPushButton("Stop proxy")
        self.stop_button.setToolTip("Stop listening; chargers connected through the proxy are "
                                    "disconnected and will reconnect to… nothing until their "
                                    "URL is changed back")
        self.status_label = QLabel("The proxy is not running")
        self.status_label.setWordWrap(True)
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.status_label.setStyleSheet(theme.STATUS_STYLE["idle"])
        row.addWidget(self.start_button)
        row.addWidget(self.stop_button)
        row.addSpacing(10)
        row.addWidget(self.status_label, 1)
        outer.addLayout(row)

        # the URLs to type into the charger
        self.urls_box = QGroupBox("Type this into the charger as its central-system URL")
        self.urls_layout = QVBoxLayout(self.urls_box)
        self.urls_layout.setSpacing(4)
        self.urls_hint = QLabel()
        self.urls_hint.setWordWrap(True)
        self.urls_hint.setStyleSheet(theme.HINT_STYLE)
        self.urls_layout.addWidget(self.urls_hint)
        self.url_rows: list[tuple[QLabel, QPushButton]] = []
        self.urls_box.hide()
        outer.addWidget(self.urls_box)

        line = QFrame()
        line.setFrameShape(QFrame.Shape.HLine)
        line.setStyleSheet(theme.SEPARATOR_STYLE)
        outer.addWidget(line)

        header = QHBoxLayout()
        self.table_title = QLabel("<b>Chargers connected through the proxy</b>")
        header.addWidget(self.table_title)
        header.addStretch(1)
        self.send_button = QPushButton("Send a message…")
        self.send_button.setToolTip("For experts: send one OCPP message to the selected "
                                    "charger. The proxy slips it into the connection; the real "
                                    "central system does not see it or the answer.")
        header.addWidget(self.send_button)
        outer.addLayout(header)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setShowGrid(False)
        self.table.setAlternatingRowColors(True)
        header_view = self.table.horizontalHeader()
        header_view.setStretchLastSection(True)
        header_view.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        header_view.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for column, width in enumerate((150, 100, 170, 170)):
            self.table.setColumnWidth(column, width)
        outer.addWidget(self.table, 1)
        self.empty_label = QLabel()
        self.empty_label.setWordWrap(True)
        self.empty_label.setStyleSheet(theme.HINT_STYLE)
        outer.addWidget(self.empty_label)

        self.upstream.textChanged.connect(lambda _t: self._changed())
        self.upstream.returnPressed.connect(self.start_proxy)
        self.start_button.clicked.connect(self.start_proxy)
        self.stop_button.clicked.connect(self.stop_proxy)
        self.send_button.clicked.connect(lambda: self.open_send_dialog())
        self.table.itemSelectionChanged.connect(self._update_controls)
        self.table.itemDoubleClicked.connect(lambda _item: self.open_send_dialog())

    # -------------------------------------------------------------- settings
    def _file_row(self, placeholder: str, tooltip: str, caption: str,
                  kinds: str) -> tuple[QLineEdit, QPushButton, QHBoxLayout]:
        """A path field with a Choose… button that opens a file dialog."""
        field = QLineEdit()
        field.setPlaceholderText(placeholder)
        field.setToolTip(tooltip)
        button = QPushButton("Choose…")

        def choose() -> None:
            path, _ = QFileDialog.getOpenFileName(self, caption, str(Path.home()),
                                                  f"{kinds};;All files (*)")
            if path:
                field.setText(path)
        button.clicked.connect(choose)
        row = QHBoxLayout()
        row.addWidget(field, 1)
        row.addWidget(button)
        return field, button, row

    def _changed(self) -> None:
        text = self.upstream.text()
        problem = upstream_problem(text) if text.strip() else None
        self.upstream_error.setText(problem or "")
        self.upstream_error.setVisible(bool(problem))
        self._update_controls()

    def running(self) -> LoggingProxy | None:
        return self.studio.proxy if self.studio is not None else None

    def _update_controls(self) -> None:
        busy = is_running(self.operation)
        running = self.running() is not None
        editable = not running and not busy
        for widget in (self.upstream, self.port, self.ca_file, self.ca_button, self.cert_file,
                       self.cert_button, self.key_file, self.key_button):
            widget.setEnabled(editable)
        self.start_button.setEnabled(editable and upstream_problem(self.upstream.text()) is None)
        self.stop_button.setEnabled(running and not busy)
        self.send_button.setEnabled(running and self.table.rowCount() > 0)
        if not running:
            self.empty_label.setText(
                "To start: type the real central system's address above (as set in the "
                "charger today) and press Start proxy; then change the charger's "
                "central-system URL to the one the proxy shows.")
        elif self.table.rowCount() == 0:
            self.empty_label.setText("No charger has connected through the proxy yet. Check "
                                     "the URL in the charger, and that it is on the same "
                                     "network as this laptop.")
        else:
            self.empty_label.setText("")
        self.empty_label.setVisible(bool(self.empty_label.text()))

    # ------------------------------------------------------------ start/stop
    def start_proxy(self) -> None:
        upstream = self.upstream.text().strip()
        problem = upstream_problem(upstream)
        if problem:
            self._set_status("error", problem)
            return
        port = self.port.value()
        ca_file = self.ca_file.text().strip() or None
        cert_file = self.cert_file.text().strip() or None
        key_file = self.key_file.text().strip() or None
        problem = file_problem(ca_file, cert_file, key_file)
        if problem:
            self._set_status("error", problem)
            return
        self._set_status("wait", f"Starting the proxy on port {port}…")
        studio = self.studio
        assert studio is not None  # the tab shows only a note without one
        self.operation = AsyncOp(
            self, lambda: studio.start_proxy(port, upstream, ca_file=ca_file, host=self.host,
                                             cert_file=cert_file, key_file=key_file),
            on_success=self._started,
            on_failure=lambda exc: self._start_failed(port, exc))
        self.operation.run()
        self._update_controls()

    def _started(self, proxy: LoggingProxy) -> None:
        self._listen(proxy)
        upstream = proxy.upstream_base or self.upstream.text().strip()
        if not self.upstream.text().strip() and upstream:
            self.upstream.setText(upstream)
        port = proxy.port
        self._set_status("ok", f"Listening on port {port}, passing every message on to "
                               f"{upstream}")
        self._show_urls()
        self.refresh_table()

    def _start_failed(self, port: int, exc: BaseException) -> None:
        self._set_status("error", start_failure_text(
            port, exc, has_cert=bool(self.cert_file.text().strip()),
            has_ca=bool(self.ca_file.text().strip())))
        self._update_controls()

    def stop_proxy(self) -> None:
        self._unlisten()
        self._set_status("wait", "Stopping the proxy…")
        assert self.studio is not None
        self.operation = AsyncOp(self, self.studio.stop_proxy,
                                 on_success=lambda _r: self._stopped(),
                                 on_failure=lambda exc: self._stopped(str(exc)))
        self.operation.run()
        self._update_controls()

    def _stopped(self, problem: str | None = None) -> None:
        if problem:
            self._set_status("error", f"The proxy did not stop cleanly: {problem}")
        else:
            self._set_status("idle", "The proxy is not running")
        self.urls_box.hide()
        self.refresh_table()

    def _set_status(self, kind: str, text: str) -> None:
        theme.show_status(self.status_label, kind, text)

    def status_text(self) -> str:
        return self.status_label.text()

    # ------------------------------------------------------------------ urls
    def urls(self) -> list[str]:
        if self.running() is None:
            return []
        assert self.studio is not None
        try:
            return list(self.studio.proxy_urls())
        except Exception as exc:  # noqa: BLE001
            log.warning("cannot list the proxy's URLs: %s", exc)
            return []

    def _show_urls(self) -> None:
        for label, button in self.url_rows:
            label.deleteLater()
            button.deleteLater()
        self.url_rows = []
        urls = self.urls()
        for url in urls:
            row = QHBoxLayout()
            label = QLabel(f"<b>{url}</b>")
            label.setStyleSheet("QLabel { font-size: 12pt; }")
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            button = QPushButton("Copy")
            button.setToolTip(f"Copy {url}")
            button.clicked.connect(lambda _c=False, u=url: self.copy_url(u))
            row.addWidget(label)
            row.addWidget(button)
            row.addStretch(1)
            # the URLs first, the explanation under them
            self.urls_layout.insertLayout(self.urls_layout.count() - 1, row)
            self.url_rows.append((label, button))
        self.urls_hint.setText(self._urls_hint(urls))
        self.urls_box.show()

    def _urls_hint(self, urls: list[str]) -> str:
        if not urls:
            return "The proxy's address could not be found."
        proxy = self.running()
        upstream = ((proxy.upstream_base if proxy is not None else "")
                    or self.upstream.text().strip()).rstrip("/")
        example = f"{urls[0].rstrip('/')}/CP001"
        text = (f"The charger adds its own id at the end: {example} is passed on to "
                f"{upstream}/CP001. Type the URL without /ocpp or anything else after the "
                "port: the path of the real central system is added by the proxy.")
        if len(urls) > 1:
            text += " Use the address of the network the charger is on."
        return text

    def copy_url(self, url: str) -> None:
        QGuiApplication.clipboard().setText(url)
        self._set_status("ok", f"Copied {url}")

    # ------------------------------------------------------------- chargers
    def _listen(self, proxy: LoggingProxy) -> None:
        self._unlisten()
        self._listening = proxy
        proxy.charger_changed.connect(self._on_charger)

    def _unlisten(self) -> None:
        proxy, self._listening = self._listening, None
        if proxy is not None:
            proxy.charger_changed.disconnect(self._on_charger)

    def _on_charger(self, _charger: ProxiedCharger) -> None:
        self.refresh_table()
        if self._send_dialog is not None and self._send_dialog.isVisible():
            self._send_dialog.refresh_chargers()

    def chargers(self) -> list[ProxiedCharger]:
        proxy = self.running()
        if proxy is None:
            return []
        return sorted(proxy.chargers(), key=lambda c: c.charger_id)

    def refresh_table(self) -> None:
        if not self.available:
            return
        selected = self.selected_charger()
        chargers = self.chargers()
        self.table.setRowCount(len(chargers))
        for row, charger in enumerate(chargers):
            version = charger.version.label if charger.version is not None else "not agreed"
            cells = (charger.charger_id, version, charger.remote or "",
                     since_text(charger.connected_since_us), charger.upstream_url)
            for column, text in enumerate(cells):
                item = QTableWidgetItem(str(text))
                item.setToolTip(str(text))
                self.table.setItem(row, column, item)
            if charger.charger_id == selected:
                self.table.selectRow(row)
        if self.table.currentRow() < 0 and chargers:
            self.table.selectRow(0)
        count = len(chargers)
        self.table_title.setText(f"<b>Chargers connected through the proxy</b> ({count})")
        self._update_controls()

    def selected_charger(self) -> str | None:
        row = self.table.currentRow()
        item = self.table.item(row, 0) if row >= 0 else None
        return item.text() if item is not None else None

    def open_send_dialog(self, charger_id: str | None = None) -> SendMessageDialog | None:
        if self.running() is None:
            return None
        charger_id = charger_id or self.selected_charger()
        if self._send_dialog is None:
            assert self.studio is not None
            self._send_dialog = SendMessageDialog(
                self.studio.central, self, charger_id, proxy=self.running, through_proxy=True)
        else:
            self._send_dialog.refresh_chargers(charger_id, through_proxy=True)
        self._send_dialog.show()
        self._send_dialog.raise_()
        return self._send_dialog

    # --------------------------------------------------------------- closing
    def detach(self) -> None:
        if not self.available:
            return
        self.clock.stop()
        self._unlisten()
        if self._send_dialog is not None:
            self._send_dialog.close()
