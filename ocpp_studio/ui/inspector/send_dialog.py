"""A small expert tool: send any CSMS-initiated message to a connected charger.

Chargers connected to the studio's own central system are called through it; chargers
connected through the logging proxy (when one is given) get the message injected into
their connection by the proxy — their real central system never sees it, and the
charger's answer is kept by the proxy rather than passed on.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any, Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QPlainTextEdit, QPushButton,
    QVBoxLayout, QWidget,
)

from ...core import schemas
from ...core.actions import CHARGER_INITIATED
from ...core.rpc import CallError, CallTimeout, ConnectionClosed, InvalidPayload, Reply
from ...core.versions import OcppVersion
from ...station.central import CentralSystem
from ...station.adapters import adapter_for
from ...station.adapters.examples import example_requests
from ..common import theme
from ..common.formatting import pretty_json
from ..common.operations import AsyncOp

def csms_actions(version: OcppVersion) -> list[str]:
    """Actions the central system may send to a charger of this version."""
    charger_only = CHARGER_INITIATED[version] - {"DataTransfer"}
    return sorted(a for a in schemas.known_actions(version) if a not in charger_only)


def describe_failure(exc: BaseException) -> str:
    """The reason a call failed, in words an installer can act on."""
    if isinstance(exc, CallTimeout):
        return f"No answer: {exc}. Is the charger still online?"
    if isinstance(exc, CallError):
        return f"The charger refused the message with a CALLERROR — {exc}"
    if isinstance(exc, ConnectionClosed):
        return f"Not sent or not answered: {exc}"
    if isinstance(exc, KeyError):
        return "Not sent: the charger is no longer connected through the proxy."
    if isinstance(exc, InvalidPayload):
        return f"Not sent, because the payload is not valid OCPP: {exc}"
    return f"Unexpected failure: {exc}"


#: item role telling a charger reached through the proxy from one connected to us
THROUGH_PROXY_ROLE = Qt.ItemDataRole.UserRole + 1


class SendMessageDialog(QDialog):
    """``proxy``: a LoggingProxy, or a function returning the running one (or None), whose
    chargers are listed too (labelled "through the proxy")."""

    def __init__(self, central: CentralSystem, parent: QWidget | None = None,
                 charger_id: str | None = None, *,
                 proxy: Any = None, through_proxy: bool = False) -> None:
        super().__init__(parent)
        self.central = central
        self._proxy_source: Any | Callable[[], Any] = proxy
        self.setWindowTitle("Send a message to a charger")
        self.resize(620, 560)
        layout = QVBoxLayout(self)
        intro = QLabel("For experts: sends one OCPP message exactly as written and shows the "
                       "charger's answer. The exchange also appears in the message list.")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.charger = QComboBox()
        self.action = QComboBox()
        self.action.setMaxVisibleItems(20)
        form.addRow("Charger", self.charger)
        form.addRow("Message", self.action)
        layout.addLayout(form)
        layout.addWidget(QLabel("Payload (JSON)"))
        self.payload = QPlainTextEdit()
        self.payload.setFont(theme.monospace_font())
        layout.addWidget(self.payload, 2)
        self.result_label = QLabel("Answer")
        layout.addWidget(self.result_label)
        self.result = QPlainTextEdit()
        self.result.setReadOnly(True)
        self.result.setFont(theme.monospace_font())
        self.result.setPlaceholderText("The charger's answer will appear here.")
        layout.addWidget(self.result, 2)
        buttons = QDialogButtonBox()
        self.send_button = QPushButton("Send")
        self.send_button.setDefault(True)
        buttons.addButton(self.send_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

        self.send_button.clicked.connect(self.send)
        self.charger.currentIndexChanged.connect(self._fill_actions)
        self.action.currentTextChanged.connect(self._fill_example)
        self.operation: AsyncOp[Reply] | None = None
        # (version, action) whose example is in the payload box: refreshing the charger list
        # (it happens every few hundred ms while chargers are live) must not overwrite what
        # the user typed unless the message or the OCPP version really changed.
        self._example_for: tuple[OcppVersion | None, str] | None = None
        self.refresh_chargers(charger_id, through_proxy)

    # ------------------------------------------------------------- choices
    def proxy(self) -> Any:
        """The running logging proxy, if the dialog was given one."""
        source = self._proxy_source
        if source is not None and callable(source) and not hasattr(source, "chargers"):
            return source()
        return source

    def _proxied(self) -> dict[str, Any]:
        proxy = self.proxy()
        if proxy is None:
            return {}
        return {c.charger_id: c for c in proxy.chargers()}

    def through_proxy(self) -> bool:
        """Is the chosen charger reached through the proxy?"""
        return bool(self.charger.currentData(THROUGH_PROXY_ROLE))

    def refresh_chargers(self, preferred: str | None = None,
                         through_proxy: bool | None = None) -> None:
        if preferred is None:
            current, via_proxy = self.charger.currentData(), self.through_proxy()
        else:
            current, via_proxy = preferred, bool(through_proxy)
        self.charger.blockSignals(True)
        self.charger.clear()
        for charger_id, session in sorted(self.central.sessions.items()):
            version = session.station.version
            label = f"{charger_id}  (OCPP {version.label})" if version else charger_id
            self.charger.addItem(label, charger_id)
        for charger_id, proxied in sorted(self._proxied().items()):
            version = proxied.version
            label = (f"{charger_id}  (OCPP {version.label}, through the proxy)" if version
                     else f"{charger_id}  (through the proxy)")
            self.charger.addItem(label, charger_id)
            self.charger.setItemData(self.charger.count() - 1, True, THROUGH_PROXY_ROLE)
        index = -1
        if current:
            matches = [i for i in range(self.charger.count())
                       if self.charger.itemData(i) == current]
            exact = [i for i in matches
                     if bool(self.charger.itemData(i, THROUGH_PROXY_ROLE)) == via_proxy]
            index = (exact or matches or [-1])[0]
        self.charger.setCurrentIndex(max(index, 0))
        self.charger.blockSignals(False)
        self._fill_actions()
        has_charger = self.charger.count() > 0
        self.send_button.setEnabled(has_charger)
        if not has_charger:
            self._show_text("No charger is connected, so there is nobody to send to.", error=True)

    def _version(self) -> OcppVersion | None:
        charger_id = self.charger.currentData()
        if not charger_id:
            return None
        if self.through_proxy():
            proxied = self._proxied().get(charger_id)
            if proxied is None:
                return None
            # no subprotocol agreed: the charger talks 1.6, as most do
            return proxied.version or OcppVersion.V16
        session = self.central.sessions.get(charger_id)
        return session.station.version if session else None

    def _fill_actions(self) -> None:
        version = self._version()
        current = self.action.currentText()
        self.action.blockSignals(True)
        self.action.clear()
        if version is not None:
            self.action.addItems(csms_actions(version))
            index = self.action.findText(current or "TriggerMessage")
            self.action.setCurrentIndex(max(index, 0))
        self.action.blockSignals(False)
        if (version, self.action.currentText()) != self._example_for:
            self._fill_example(self.action.currentText())

    def _fill_example(self, action: str) -> None:
        version = self._version()
        self._example_for = (version, action)
        # the adapter builds the examples, as it builds the studio's own requests
        example = example_requests(adapter_for(version)).get(action, {}) if version else {}
        self.payload.setPlainText(json.dumps(example, indent=2))

    # ---------------------------------------------------------------- send
    def send(self) -> None:
        charger_id = self.charger.currentData()
        action = self.action.currentText()
        try:
            payload = json.loads(self.payload.toPlainText() or "{}", parse_float=Decimal)
        except ValueError as exc:
            self._show_text(f"The payload is not valid JSON: {exc}", error=True)
            return
        if not charger_id or not action:
            return
        proxy = self.proxy() if self.through_proxy() else None
        if self.through_proxy() and proxy is None:
            self._show_text("The proxy has stopped, so this charger cannot be reached.",
                            error=True)
            return
        if proxy is not None:
            def work() -> Any:
                return proxy.inject_detailed(charger_id, action, payload)
            store = getattr(proxy, "store", self.central.store)
        else:
            def work() -> Any:
                return self.central.call_detailed(charger_id, action, payload)
            store = self.central.store
        self.operation = AsyncOp(
            self, work,
            on_start=lambda: self._busy(charger_id, action, proxy is not None),
            on_success=lambda reply: self._show_reply(action, reply, store),
            on_failure=self._show_failure).run()

    def _busy(self, charger_id: str, action: str, through_proxy: bool = False) -> None:
        self.send_button.setEnabled(False)
        self.result_label.setText("Answer")
        via = " through the proxy (its central system does not see it)" if through_proxy else ""
        self._show_text(f"Sending {action} to {charger_id}{via}…")

    def _show_reply(self, action: str, reply: Reply, store: Any = None) -> None:
        self.send_button.setEnabled(True)
        store = store if store is not None else self.central.store
        record = store.frame(reply.record_id)
        text = (pretty_json(record.raw) if record is not None
                else json.dumps(reply.payload, indent=2, default=_plain))
        heading = f"Answer to {action} after {reply.latency_ms:.0f} ms"
        if reply.violations:
            heading += " — the answer does not match the OCPP schema:"
            text = "\n".join(f"{v.path}: {v.message}" for v in reply.violations) + "\n\n" + text
        self.result_label.setText(heading)
        self._show_text(text, error=bool(reply.violations))

    def _show_failure(self, exc: BaseException) -> None:
        self.send_button.setEnabled(bool(self.charger.count()))
        self.result_label.setText("Answer")
        self._show_text(describe_failure(exc), error=True)

    def _show_text(self, text: str, *, error: bool = False) -> None:
        colour = theme.ROW_FOREGROUND["error"].name() if error else "palette(text)"
        self.result.setStyleSheet(f"QPlainTextEdit {{ color: {colour}; }}")
        self.result.setPlainText(text)

    def result_text(self) -> str:
        return self.result.toPlainText()


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    return str(value)
