"""The Security tab (issue 15): for the selected charger, how it is connected (security
profile, TLS version and cipher, client certificate, password form), the certificates it holds,
its CSRs, its security events, and the guided move to security profile 2 or 3.

Everything shown comes from the charger's own evidence: its handshake, its answers, its
notifications (``Station.security``, filled by the CertificateManager and the responder).
The main window calls ``stations_changed`` at most every 150 ms with the stations that changed.
"""

from __future__ import annotations

import html
from datetime import datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFormLayout, QFrame, QGroupBox, QHBoxLayout, QLabel, QPushButton, QScrollArea,
    QVBoxLayout, QWidget,
)

from ...station.central import CentralSystem
from ...station.model import Station
from ..common import theme
from ..common.operations import AsyncOp, failure_text, is_running
from .certificates_view import CertificatesBox
from .csr_events_view import CsrBox, EventsBox
from .security_words import (
    ConnectionSecurity, connection_line, connection_security, day, password_form_words,
    tls_version_words,
)

if TYPE_CHECKING:
    from ...service import Studio
    from .upgrade_dialog import UpgradeDialog

PROFILE_WORDS = {0: "0: no password, not encrypted", 1: "1: password, not encrypted (ws://)",
                 2: "2: TLS (wss://) with a password", 3: "3: TLS (wss://) with client "
                                                         "certificates"}


def handshake_facts(central: CentralSystem, charger_id: str,
                    connection_id: int) -> dict[str, Any]:
    """The "connected" event's detail of one connection (live session first)."""
    session = central.sessions.get(charger_id)
    if session is not None and session.connection_id == connection_id:
        return {"extra": dict(session.handshake.extra),
                "auth_user": session.handshake.auth_user}
    for event in reversed(central.store.events(charger_id)):
        if event.kind == "connected" and event.connection_id == connection_id:
            return dict(event.detail or {})
    return {}


class ConnectionBox(QGroupBox):
    """How the charger is (or was last) connected."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Connection security", parent)
        form = QFormLayout(self)
        self.fields: dict[str, QLabel] = {}
        for key, label in (("state", "Connection:"), ("profile", "Security profile:"),
                           ("tls", "TLS:"), ("certificate", "Client certificate:"),
                           ("password", "Credentials:"), ("warnings", "")):
            value = QLabel()
            value.setWordWrap(True)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            value.setTextFormat(Qt.TextFormat.RichText)
            self.fields[key] = value
            form.addRow(label, value)
        self.password_row = QWidget()
        password_row = QHBoxLayout(self.password_row)
        password_row.setContentsMargins(0, 0, 0, 0)
        self.new_password = QPushButton("Write a new password")
        self.new_password.setToolTip(
            "Generate a random password (16-40 characters) and write it to the charger "
            "(1.6 AuthorizationKey, 2.0.1 SecurityCtrlr.BasicAuthPassword). The studio expects "
            "the new one only once the charger accepted it; if it refuses, the old one stays "
            "(A01.FR.03/04). The password is kept in Preferences › Passwords.")
        password_row.addWidget(self.new_password)
        self.password_outcome = QLabel()
        self.password_outcome.setWordWrap(True)
        password_row.addWidget(self.password_outcome, 1)
        form.addRow(self.password_row)
        buttons = QHBoxLayout()
        self.upgrade_2 = QPushButton("Move to security profile 2…")
        self.upgrade_3 = QPushButton("Move to security profile 3…")
        for button in (self.upgrade_2, self.upgrade_3):
            buttons.addWidget(button)
        buttons.addStretch(1)
        form.addRow(buttons)
        self.upgrade_note = QLabel()
        self.upgrade_note.setWordWrap(True)
        self.upgrade_note.setStyleSheet(theme.MUTED_LABEL_STYLE)
        form.addRow(self.upgrade_note)

    def show_connection(self, station: Station | None, security: ConnectionSecurity | None,
                        connected: bool) -> None:
        values = dict.fromkeys(self.fields, "")
        if station is None:
            values["state"] = "Select a charger in the list to see its security."
        elif security is None:
            values["state"] = "Not connected yet: nothing is known about its security."
        else:
            values.update(_connection_values(security, connected))
        warnings = list(station.security.warnings) if station is not None else []
        if warnings:
            values["warnings"] = "<br>".join(
                f'<span style="color:{theme.CAUTION_TEXT};"><b>⚠</b> {html.escape(w)}</span>'
                for w in warnings)
        for key, text in values.items():
            self.fields[key].setText(text)
            self.fields[key].setVisible(bool(text))
            form = self.layout()
            assert isinstance(form, QFormLayout)
            label = form.labelForField(self.fields[key])
            if label is not None:
                label.setVisible(bool(text))


def _connection_values(security: ConnectionSecurity, connected: bool) -> dict[str, str]:
    state = "Connected" if connected else "Last connection (now disconnected)"
    colour = theme.MUTED_TEXT if security.encrypted else theme.CAUTION_TEXT
    values = {"state": f'{state}: <span style="color:{colour};">'
                       f"{html.escape(connection_line(security))}</span>",
              "profile": html.escape(PROFILE_WORDS[security.profile]) + (
                  "" if security.encrypted else
                  f' — <span style="color:{theme.CAUTION_TEXT};">not encrypted: the UK '
                  "regulations ask for TLS (profile 2 or 3)</span>")}
    if security.encrypted:
        values["tls"] = html.escape(f"{tls_version_words(security.tls_version)}, cipher "
                                    f"{security.cipher or '?'}")
    cert = security.client_certificate
    if cert:
        values["certificate"] = "<br>".join(html.escape(line) for line in (
            f"Subject: {cert.get('subject')}", f"Issuer: {cert.get('issuer')}",
            f"Serial: {cert.get('serial')}",
            f"Valid {day(cert.get('not_before'))} to {day(cert.get('not_after'))}"))
    elif security.encrypted:
        values["certificate"] = "none sent"
    if security.authenticated_by:
        values["password"] = html.escape(f"authenticated by its {security.authenticated_by}")
    elif security.auth_user and security.password_form:
        values["password"] = html.escape(f"HTTP Basic user {security.auth_user}, password sent "
                                         f"as {password_form_words(security.password_form)}")
    elif security.auth_user:
        values["password"] = html.escape(f"HTTP Basic user {security.auth_user}; the studio "
                                         "holds no password for it, so none was checked")
    else:
        values["password"] = "no password"
    return values


class SecurityPanel(QWidget):
    """One charger's security: connection, certificates, CSRs, events, upgrade."""

    def __init__(self, central: CentralSystem, studio: "Studio | None" = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.central = central
        self.studio = studio
        self.charger_id: str | None = None
        self.upgrade_dialog: UpgradeDialog | None = None
        self._facts: dict[tuple[str, int], dict[str, Any]] = {}
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self.heading = QLabel()
        self.heading.setTextFormat(Qt.TextFormat.RichText)
        self.heading.setContentsMargins(8, 6, 8, 0)
        outer.addWidget(self.heading)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        outer.addWidget(scroll, 1)
        body = QWidget()
        scroll.setWidget(body)
        columns = QHBoxLayout(body)
        left, right = QVBoxLayout(), QVBoxLayout()
        columns.addLayout(left, 1)
        columns.addLayout(right, 1)
        self.connection = ConnectionBox()
        self.certificates = CertificatesBox(central)
        self.csrs = CsrBox(central)
        self.events = EventsBox()
        left.addWidget(self.connection)
        left.addWidget(self.certificates)
        left.addStretch(1)
        right.addWidget(self.events, 1)
        right.addWidget(self.csrs, 1)
        self.connection.upgrade_2.clicked.connect(lambda: self.open_upgrade(2))
        self.connection.upgrade_3.clicked.connect(lambda: self.open_upgrade(3))
        self.connection.new_password.clicked.connect(self.write_new_password)
        self.password_operation: AsyncOp[Any] | None = None
        self.set_charger(None)

    # ------------------------------------------------------------ showing
    def set_charger(self, charger_id: str | None) -> None:
        """Show ``charger_id``'s security (None: no charger selected)."""
        self.charger_id = charger_id
        self.refresh()

    def stations_changed(self, stations: Any) -> None:
        """The main window's throttled update: refresh when the shown charger changed."""
        if self.charger_id is not None and self.charger_id in stations:
            self.refresh()

    def station(self) -> Station | None:
        return self.central.stations.get(self.charger_id) if self.charger_id else None

    def connection_security(self, station: Station | None) -> ConnectionSecurity | None:
        """How the charger's latest connection was made: the record (scheme, TLS) and its
        handshake event (password form, how it authenticated)."""
        if station is None or not station.connections:
            return None
        record = station.connections[-1]
        key = (station.charger_id, record.connection_id)
        if key not in self._facts:
            self._facts[key] = handshake_facts(self.central, *key)
        detail = dict(self._facts[key])
        detail.setdefault("auth_user", record.auth_user)
        extra = dict(detail.get("extra") or {})
        extra["scheme"] = getattr(record, "scheme", None) or extra.get("scheme")
        if getattr(record, "tls", None):
            extra["tls"] = record.tls
        detail["extra"] = extra
        return connection_security(detail)

    def refresh(self) -> None:
        station = self.station()
        connected = bool(station is not None and station.connected
                         and self.charger_id in self.central.sessions)
        security = self.connection_security(station)
        if station is None:
            self.heading.setText("<b>Security</b> — select a charger in the list")
        else:
            version = f" · OCPP {station.version.label}" if station.version else ""
            self.heading.setText(f"<b>Security of {html.escape(station.charger_id)}</b>"
                                 f'<span style="color:{theme.MUTED_TEXT};">{version}</span>')
        self.connection.show_connection(station, security, connected)
        self.connection.new_password.setEnabled(connected and not is_running(
            self.password_operation))
        # profile 3: the client certificate is the credential, no password is used
        self.connection.password_row.setVisible(security is None or security.profile < 3)
        if not is_running(self.password_operation):  # the charger's own answer, kept
            self.connection.password_outcome.setText(last_change_html(station))
        self._update_upgrade(security, connected)
        self.certificates.show_station(station, connected)
        self.csrs.show_station(station)
        self.events.show_station(station)

    def _update_upgrade(self, security: ConnectionSecurity | None, connected: bool) -> None:
        wss = self.wss_port() is not None
        profile = security.profile if security is not None and connected else None
        clients = self.client_certificates() != "off"
        for target, button in ((2, self.connection.upgrade_2), (3, self.connection.upgrade_3)):
            button.setEnabled(connected and wss and profile is not None and profile < target
                              and (target < 3 or clients))
        if not connected:
            note = "The charger must be connected to move it to a higher profile."
        elif not wss:
            note = ("Turn on wss:// first (Edit › Preferences › Security): the charger must "
                    "have somewhere to come back to over TLS.")
        elif profile is not None and profile >= 3:
            note = "The charger is at the highest security profile."
        elif not clients:
            note = ("Profile 3 needs the studio to ask for client certificates: set Edit › "
                    "Preferences › Security › Client certificates to Optional or Required. "
                    "Profile 2 works as it is.")
        else:
            note = ("The studio installs its CA on the charger, (for 3) signs its certificate, "
                    "then switches it and watches it come back over wss://. You are asked "
                    "before the switch: OCPP cannot move a charger back down.")
        self.connection.upgrade_note.setText(note)

    def client_certificates(self) -> str:
        server = self.studio.server if self.studio is not None else None
        settings = server.settings if server is not None else self.central.settings
        return str(settings.client_certificates)

    def wss_port(self) -> int | None:
        server = self.studio.server if self.studio is not None else None
        return server.wss_port if server is not None else None

    # ------------------------------------------------------------ upgrade
    def open_upgrade(self, profile: int) -> "UpgradeDialog | None":
        from .upgrade_dialog import UpgradeDialog, upgrade_url  # noqa: PLC0415
        if self.charger_id is None or self.wss_port() is None:
            return None
        url = upgrade_url(self.central, self.charger_id, self.wss_port() or 0)
        charger = self.charger_id
        dialog = UpgradeDialog(self.central, charger, profile, url, self,
                               persist=lambda: self._persist_password(charger))
        dialog.finished.connect(lambda _r: self.refresh())
        dialog.show()
        self.upgrade_dialog = dialog
        return dialog

    def write_new_password(self) -> AsyncOp[Any] | None:
        """Generate a password, write it to the charger, and keep it only if it took it."""
        charger = self.charger_id
        if charger is None:
            return None
        from ...station.security_steps import change_password  # noqa: PLC0415
        outcome = self.connection.password_outcome
        outcome.setProperty("charger", charger)
        outcome.setText("Writing a new password…")

        async def work() -> Any:
            return await change_password(self.central, charger,
                                         persist=lambda: self._persist_password(charger))

        def done(change: Any) -> None:
            self.refresh()  # shows it as the last change (SecurityState.password_changes)

        def failed(exc: BaseException) -> None:
            self.refresh()
            outcome.setText(f'<span style="color:{theme.OUTCOME_FAILED_TEXT};">No new password: '
                            f"{html.escape(failure_text(exc))}</span>")
        self.password_operation = AsyncOp(self, work, on_success=done, on_failure=failed).run()
        self.refresh()
        return self.password_operation

    def _persist_password(self, charger_id: str | None = None) -> object:
        """A password the charger took is saved in settings.json (0600; only that charger's
        entry) so the studio still lets it in after a restart. The window's settings file;
        nothing is written in screenshot runs."""
        from ...settings import AppSettings  # noqa: PLC0415
        from ..screenshots import automated  # noqa: PLC0415
        if automated():
            return None
        path = getattr(self.window(), "settings_path", None)
        stored = AppSettings.load(path)
        charger_ids = [charger_id] if charger_id else [self.charger_id]
        for cid in charger_ids:
            if cid and cid in self.central.settings.passwords:
                stored.csms.passwords[cid] = self.central.settings.passwords[cid]
        stored.save(path)
        return None


def change_html(change: Any, prefix: str = "") -> str:
    """A password change (``SecurityState.password_changes``) in the colour of its outcome."""
    colour = theme.OUTCOME_OK_TEXT if change.in_force else theme.OUTCOME_FAILED_TEXT
    return f'<span style="color:{colour};">{html.escape(prefix + change.words)}</span>'


def last_change_html(station: Any) -> str:
    """The last password change the studio tried on this charger, or nothing."""
    change = station.security.last_password_change if station is not None else None
    if change is None:
        return ""
    when = datetime.fromtimestamp(change.at_us / 1e6).strftime("%Y-%m-%d %H:%M")
    return change_html(change, f"Last password change ({when}): ")
