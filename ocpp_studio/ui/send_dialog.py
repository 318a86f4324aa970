"""A small expert tool: send any CSMS-initiated message to a connected charger."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from PySide6.QtWidgets import (
    QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QPlainTextEdit, QPushButton,
    QVBoxLayout, QWidget,
)

from ..core import schemas
from ..core.actions import CHARGER_INITIATED
from ..core.rpc import CallError, CallTimeout, ConnectionClosed, InvalidPayload, Reply
from ..core.versions import OcppVersion
from ..station.central import CentralSystem
from . import theme
from .formatting import pretty_json
from .operations import AsyncOp

#: Starting payloads for the messages people send most; others start as {}.
EXAMPLES: dict[OcppVersion, dict[str, Any]] = {
    OcppVersion.V16: {
        "Reset": {"type": "Soft"},
        "TriggerMessage": {"requestedMessage": "StatusNotification"},
        "GetConfiguration": {},
        "ChangeConfiguration": {"key": "HeartbeatInterval", "value": "300"},
        "ChangeAvailability": {"connectorId": 0, "type": "Operative"},
        "RemoteStartTransaction": {"connectorId": 1, "idTag": "OCPPSTUDIO"},
        "RemoteStopTransaction": {"transactionId": 1},
        "UnlockConnector": {"connectorId": 1},
        "ClearCache": {},
        "DataTransfer": {"vendorId": "OCPPStudio"},
    },
    OcppVersion.V201: {
        "Reset": {"type": "OnIdle"},
        "TriggerMessage": {"requestedMessage": "StatusNotification"},
        "GetVariables": {"getVariableData": [{"component": {"name": "OCPPCommCtrlr"},
                                              "variable": {"name": "HeartbeatInterval"}}]},
        "SetVariables": {"setVariableData": [{"component": {"name": "OCPPCommCtrlr"},
                                              "variable": {"name": "HeartbeatInterval"},
                                              "attributeValue": "300"}]},
        "GetBaseReport": {"requestId": 1, "reportBase": "SummaryInventory"},
        "ChangeAvailability": {"operationalStatus": "Operative"},
        "RequestStartTransaction": {"remoteStartId": 1, "evseId": 1,
                                    "idToken": {"idToken": "OCPPSTUDIO", "type": "Central"}},
        "RequestStopTransaction": {"transactionId": ""},
        "UnlockConnector": {"evseId": 1, "connectorId": 1},
        "ClearCache": {},
        "DataTransfer": {"vendorId": "OCPPStudio"},
    },
}


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
    if isinstance(exc, InvalidPayload):
        return f"Not sent, because the payload is not valid OCPP: {exc}"
    return f"Unexpected failure: {exc}"


class SendMessageDialog(QDialog):
    def __init__(self, central: CentralSystem, parent: QWidget | None = None,
                 charger_id: str | None = None) -> None:
        super().__init__(parent)
        self.central = central
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
        self.refresh_chargers(charger_id)

    # ------------------------------------------------------------- choices
    def refresh_chargers(self, preferred: str | None = None) -> None:
        current = preferred or self.charger.currentData()
        self.charger.blockSignals(True)
        self.charger.clear()
        for charger_id, session in sorted(self.central.sessions.items()):
            version = session.station.version
            label = f"{charger_id}  (OCPP {version.label})" if version else charger_id
            self.charger.addItem(label, charger_id)
        index = self.charger.findData(current) if current else -1
        self.charger.setCurrentIndex(max(index, 0))
        self.charger.blockSignals(False)
        self._fill_actions()
        has_charger = self.charger.count() > 0
        self.send_button.setEnabled(has_charger)
        if not has_charger:
            self._show_text("No charger is connected, so there is nobody to send to.", error=True)

    def _version(self) -> OcppVersion | None:
        charger_id = self.charger.currentData()
        session = self.central.sessions.get(charger_id) if charger_id else None
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
        self._fill_example(self.action.currentText())

    def _fill_example(self, action: str) -> None:
        version = self._version()
        example = EXAMPLES.get(version, {}).get(action, {}) if version else {}
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
        self.operation = AsyncOp(
            self, lambda: self.central.call_detailed(charger_id, action, payload),
            on_start=lambda: self._busy(charger_id, action),
            on_success=lambda reply: self._show_reply(action, reply),
            on_failure=self._show_failure).run()

    def _busy(self, charger_id: str, action: str) -> None:
        self.send_button.setEnabled(False)
        self.result_label.setText("Answer")
        self._show_text(f"Sending {action} to {charger_id}…")

    def _show_reply(self, action: str, reply: Reply) -> None:
        self.send_button.setEnabled(True)
        record = self.central.store.frame(reply.record_id)
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
