"""One charger as the studio knows it: identity, connectors, transactions,
connection history. Updated by the central system from the frames it handles."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any

from ..core.records import now_us
from ..core.versions import OcppVersion
from .security_state import SecurityState

HISTORY_LENGTH = 200


@dataclass
class ConnectorState:
    """A 1.6 connector, or a 2.0.1 EVSE/connector pair."""

    label: str  # "1" (1.6 connector) or "1/1" (2.0.1 EVSE/connector)
    status: str = "Unknown"
    error_code: str | None = None
    info: str | None = None
    updated_us: int = 0


@dataclass
class Transaction:
    transaction_id: str
    connector: str
    id_tag: str | None = None
    started_us: int = field(default_factory=now_us)
    meter_start_wh: float | None = None
    stopped_us: int | None = None
    meter_stop_wh: float | None = None
    stop_reason: str | None = None
    charging_state: str | None = None  # 2.0.1 transactionInfo.chargingState


@dataclass(frozen=True)
class ReportPart:
    """One NotifyReport part as a 2.x charger sent it (2.0.1 B07/B08 NotifyReportRequest):
    published by the central system so readers need not re-read the capture."""

    charger_id: str
    request_id: int
    seq_no: int
    tbc: bool  # "to be continued": more parts follow
    report_data: list[dict[str, Any]]
    generated_at: str | None = None


@dataclass
class ConnectionRecord:
    """One websocket connection of the charger."""

    connection_id: int
    connected_us: int
    remote: str
    path: str
    subprotocol: str
    offered: list[str]
    auth_user: str | None
    disconnected_us: int | None = None
    close_code: int | None = None
    close_reason: str | None = None
    #: "ws" or "wss" (the listener the charger came in on)
    scheme: str = "ws"
    #: over wss: TLS version, cipher, client certificate (security.tls.TlsInfo.as_dict())
    tls: dict[str, Any] | None = None


#: 2.0.1 NotifyEvent eventData entries kept per charger
NOTIFY_EVENTS_KEPT = 500


@dataclass
class Station:
    charger_id: str
    version: OcppVersion | None = None
    vendor: str | None = None
    model: str | None = None
    serial: str | None = None
    firmware: str | None = None
    boot_reason: str | None = None
    boot_status: str | None = None  # what we answered to the last BootNotification
    boot_count: int = 0
    identity: dict[str, Any] = field(default_factory=dict)  # everything the boot told us
    connectors: dict[str, ConnectorState] = field(default_factory=dict)
    transactions: dict[str, Transaction] = field(default_factory=dict)  # ongoing
    finished_transactions: deque[Transaction] = field(
        default_factory=lambda: deque(maxlen=HISTORY_LENGTH))
    connections: deque[ConnectionRecord] = field(
        default_factory=lambda: deque(maxlen=HISTORY_LENGTH))
    connected: bool = False
    last_message_us: int | None = None
    last_heartbeat_us: int | None = None
    #: the last connection attempt that was refused, until the charger gets in:
    #: {"ts_us", "reason", "http_status", "advice", ...what the server saw}
    last_refusal: dict[str, Any] | None = None
    #: set when the central system drops the station (user forgot it, or an old
    #: refused-only entry): observers remove its card
    forgotten: bool = False
    #: security events, CSRs, installed certificates, warnings (issue 15)
    security: SecurityState = field(default_factory=SecurityState)
    #: 2.0.1 NotifyEvent eventData entries, newest last
    notify_events: deque[dict[str, Any]] = field(
        default_factory=lambda: deque(maxlen=NOTIFY_EVENTS_KEPT))

    @property
    def current_connection(self) -> ConnectionRecord | None:
        return self.connections[-1] if self.connections and self.connected else None

    def connector(self, label: str) -> ConnectorState:
        if label not in self.connectors:
            self.connectors[label] = ConnectorState(label)
        return self.connectors[label]

    def summary(self) -> dict[str, Any]:
        """A JSON-friendly description (control API, CLI)."""
        connection = self.current_connection
        return {
            "id": self.charger_id,
            "version": self.version.label if self.version else None,
            "connected": self.connected,
            "vendor": self.vendor, "model": self.model, "serial": self.serial,
            "firmware": self.firmware, "boot_status": self.boot_status,
            "boot_count": self.boot_count,
            "connectors": {label: {"status": c.status, "error_code": c.error_code}
                           for label, c in sorted(self.connectors.items())},
            "transactions": [{"id": t.transaction_id, "connector": t.connector,
                              "id_tag": t.id_tag} for t in self.transactions.values()],
            "remote": connection.remote if connection else None,
            "subprotocol": connection.subprotocol if connection else None,
            "last_message_us": self.last_message_us,
            "refused": ({k: self.last_refusal.get(k) for k in ("ts_us", "reason", "advice")}
                        if self.last_refusal else None),
            "reconnects": max(0, len(self.connections) - 1),
            "scheme": connection.scheme if connection else None,
            "tls_version": (connection.tls or {}).get("version") if connection else None,
            "security": self.security.summary(),
        }
