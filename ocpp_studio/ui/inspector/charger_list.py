"""The charger list: one card per charger, with an "All chargers" entry on top."""

from __future__ import annotations

import html
import logging
from typing import Callable

from PySide6.QtCore import QPoint, QSize, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView, QLabel, QListWidget, QListWidgetItem, QMenu, QMessageBox, QVBoxLayout,
    QWidget,
)

from ...core.records import ConnectionEvent
from ...station.model import Station
from ...station.observed import SOURCE_WORDS
from ...station.security_state import csr_words
from ..common import theme
from ..common.formatting import local_time
from ..security.security_words import (
    connection_line, connection_security, tls_refusal_words,
)

ChargerRole = Qt.ItemDataRole.UserRole + 1
log = logging.getLogger(__name__)


def connector_display(station: Station) -> list[tuple[str, str]]:
    """(label, status) per connector, in a stable order.

    A 2.0.1 connector only says "Occupied" while charging; the transaction's
    chargingState says more (Charging, SuspendedEV…), so show that instead.
    Connector 0 of a 1.6 charger stands for the whole charger.
    """
    charging_states = {t.connector: t.charging_state for t in station.transactions.values()
                       if t.charging_state}
    result = []
    for label in sorted(station.connectors, key=_label_key):
        status = station.connectors[label].status
        if status == "Occupied" and charging_states.get(label):
            status = charging_states[label]
        result.append((label, status))
    return result


def connector_name(label: str) -> str:
    """'0' -> 'Charger' (1.6 connector 0 is the whole charger), '1' -> 'Connector 1',
    '1/1' -> 'EVSE 1/1' (2.0.1 EVSE/connector)."""
    if label == "0":
        return "Charger"
    return f"EVSE {label}" if "/" in label else f"Connector {label}"


def _label_key(label: str) -> tuple[int, ...]:
    try:
        return tuple(int(p) for p in label.split("/"))
    except ValueError:
        return (1 << 30,)


def refusal_offer(refusal: dict | None) -> tuple[str, str] | None:
    """The preference that would let a refused charger in, as (what to offer, setting name
    for PreferencesDialog.open_at); None when only a change on the charger helps."""
    if not refusal:
        return None
    if refusal.get("http_status") == 401:
        return "Set this charger's password…", "password"
    if refusal.get("http_status") is None and not refusal.get("offered") \
            and not refusal.get("subprotocol"):
        return "Accept chargers that offer no subprotocol…", "accept_missing_subprotocol"
    return None


def _badge(text: str, colours: tuple[str, str]) -> str:
    background, foreground = colours
    return (f'<span style="background-color:{background}; color:{foreground};">'
            f"&nbsp;{html.escape(text)}&nbsp;</span>")


class ChargerCard(QWidget):
    """What an installer needs to see about one charger at a glance."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.setSpacing(2)
        self.title = QLabel()
        self.identity = QLabel()
        self.connectors = QLabel()
        #: how it is connected (wss/TLS or not encrypted) and security alerts
        self.security = QLabel()
        self.last_message = QLabel()
        for label in (self.title, self.identity, self.connectors, self.security,
                      self.last_message):
            label.setTextFormat(Qt.TextFormat.RichText)
            layout.addWidget(label)
        self.identity.setWordWrap(True)
        self.connectors.setWordWrap(True)
        self.security.setWordWrap(True)
        small = self.last_message.font()
        small.setPointSizeF(small.pointSizeF() * 0.9)
        self.last_message.setFont(small)
        self.identity.setFont(small)
        self.security.setFont(small)

    def show_station(self, station: Station, source: str = "") -> None:
        """``source``: how a charger the studio only watches is seen ("proxy", "serial")."""
        version = f"OCPP {station.version.label}" if station.version else "OCPP ?"
        if station.connected:
            state = f'<span style="color:{theme.CONNECTED_COLOUR};">● Connected</span>'
        else:
            state = f'<span style="color:{theme.DISCONNECTED_COLOUR};">○ Disconnected</span>'
        self.title.setText(f"<b>{html.escape(station.charger_id)}</b>&nbsp;&nbsp;"
                           f"{version}&nbsp;&nbsp;{state}")
        maker = " ".join(p for p in (station.vendor, station.model) if p) or "Vendor/model not yet known"
        details = [html.escape(maker)]
        if station.serial:
            details.append(f"SN&nbsp;{html.escape(station.serial)}")
        if station.firmware:
            details.append(f"FW&nbsp;{html.escape(station.firmware)}")
        self.identity.setText("<br>".join([details[0], " · ".join(details[1:])])
                              if len(details) > 1 else details[0])
        connectors = connector_display(station)
        refusal = station.last_refusal if not station.connected else None
        if refusal:
            # it tried and was turned away: say why and what to change, in red, where the
            # installer looks first
            when = local_time(refusal.get("ts_us"), with_date=False)[:8]
            self.connectors.setText(
                f'<span style="color:{theme.ROW_FOREGROUND["error"].name()};">'
                f"<b>Refused at {html.escape(when)}</b>: "
                f"{html.escape(_refusal_words(refusal))}</span>"
                + _offer_line(refusal))
        elif connectors:
            self.connectors.setText(" ".join(
                _badge(f"{connector_name(label)}: {status}", theme.status_colours(status))
                for label, status in connectors))
        else:
            self.connectors.setText(f'<span style="color:{theme.SECONDARY_TEXT};">'
                                    'No connector status yet</span>')
        security = security_html(station)
        self.security.setText(security)
        self.security.setVisible(bool(security))
        last = local_time(station.last_message_us, with_date=False)
        seen = f"Last message {last[:8]}" if last else "No message yet"
        if source:
            # watched, not answered: the user must not expect this laptop to command it
            seen += f" · seen {SOURCE_WORDS.get(source, source)}"
        self.last_message.setText(
            f'<span style="color:{theme.MUTED_TEXT};">{html.escape(seen)}</span>')
        self.setToolTip(_tooltip(station))

    def plain_text(self) -> str:
        """Everything the card says, without markup (for tests and accessibility)."""
        from PySide6.QtGui import QTextDocument  # noqa: PLC0415
        parts = []
        for label in (self.title, self.identity, self.connectors, self.security,
                      self.last_message):
            if not label.text():
                continue
            document = QTextDocument()
            document.setHtml(label.text())
            parts.append(document.toPlainText().replace("\xa0", " ").strip())
        return "\n".join(parts)


def _refusal_words(refusal: dict) -> str:
    """A TLS refusal explained with what to do; others as station/refusals.py advises."""
    return tls_refusal_words(refusal) or str(refusal.get("advice") or refusal.get("reason"))


def security_html(station: Station) -> str:
    """The card's security lines: how it is connected, then alerts (a critical security
    event, a certificate near expiry) in the colours of a problem."""
    lines = []
    line = connection_line(connection_security(station.current_connection))
    if line:
        colour = theme.MUTED_TEXT if line.startswith("wss") else theme.CAUTION_TEXT
        lines.append(f'<span style="color:{colour};">{html.escape(line)}</span>')
    alerts = station.security.alerts
    if alerts:
        last = alerts[-1]
        when = local_time(last.received_us, with_date=False)[:8]
        more = f" ({len(alerts)} alerts)" if len(alerts) > 1 else ""
        lines.append(f'<span style="color:{theme.PROBLEM_TEXT};"><b>⚠ Security alert</b>: '
                     f"{html.escape(last.type)} at {html.escape(when)}{more} — see the "
                     "Security tab</span>")
    for warning in station.security.warnings[:2]:
        lines.append(f'<span style="color:{theme.CAUTION_TEXT};"><b>⚠</b> '
                     f"{html.escape(warning)}</span>")
    csr = _csr_line(station)
    if csr:
        lines.append(csr)
    if station.security.iso15118:
        refusal = station.security.iso15118[-1]
        lines.append(f'<span style="color:{theme.MUTED_TEXT};">'
                     f"{html.escape(refusal.words)} "
                     f"({local_time(refusal.received_us, with_date=False)[:8]})</span>")
    return "<br>".join(lines)


def _csr_line(station: Station) -> str:
    """The last CSR when it needs the installer: refused (why), or waiting for approval."""
    if not station.security.csrs:
        return ""
    record = station.security.csrs[-1]
    if record.outcome == "pending":
        return (f'<span style="color:{theme.CAUTION_TEXT};"><b>CSR waiting for your '
                "approval</b> (Security tab)</span>")
    if record.outcome in ("rejected", "refused-by-charger", "not-delivered"):
        return (f'<span style="color:{theme.PROBLEM_TEXT};"><b>Certificate not issued</b>: '
                f"{html.escape(csr_words(record))}</span>")
    return ""


def _offer_line(refusal: dict) -> str:
    """The card cannot hold a button (clicks go to the list; double-click opens the
    timeline): say where the fix is, the card's context menu offers it."""
    offer = refusal_offer(refusal)
    if offer is None:
        return ""
    return (f"<br>Or in OCPP Studio: <b>{html.escape(offer[0])}</b> "
            f'<span style="color:{theme.MUTED_TEXT};">(right-click)</span>')


def _tooltip(station: Station) -> str:
    connection = station.current_connection
    lines = [f"Charger id: {station.charger_id}"]
    if connection:
        lines.append(f"Address: {connection.remote}")
        lines.append(f"Subprotocol: {connection.subprotocol or '(none)'}")
        lines.extend(_tls_tooltip(connection))
    if station.boot_status:
        lines.append(f"Last boot answered: {station.boot_status}")
    if station.last_refusal and not station.connected:
        refusal = station.last_refusal
        lines.append(f"Refused: {refusal.get('reason')}"
                     + (f" (HTTP {refusal['http_status']})" if refusal.get("http_status") else ""))
        lines.append(f"From {refusal.get('remote')}, path {refusal.get('path')}")
    lines.append(f"Reconnects: {max(0, len(station.connections) - 1)}")
    return "\n".join(lines)


def _tls_tooltip(connection: object) -> list[str]:
    security = connection_security(connection)
    if security is None or not security.encrypted:
        return []
    lines = [f"TLS: {security.tls_version or '?'}, cipher {security.cipher or '?'}"]
    cert = security.client_certificate
    if cert:
        lines.append(f"Client certificate: {cert.get('subject')}, issued by "
                     f"{cert.get('issuer')}, serial {cert.get('serial')}, valid until "
                     f"{cert.get('not_after')}")
    return lines


class ChargerList(QWidget):
    """List of chargers; emits ``charger_selected(id or None)``."""

    charger_selected = Signal(object)  # str | None (None = all chargers)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        heading = QLabel("<b>Chargers</b>")
        layout.addWidget(heading)
        self.hint = QLabel()
        self.hint.setWordWrap(True)
        self.hint.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.hint.setStyleSheet(theme.CHARGER_HINT_STYLE)
        layout.addWidget(self.hint)
        #: a TLS handshake refused before the charger named itself (no card to put it on)
        self.tls_refusal = QLabel()
        self.tls_refusal.setWordWrap(True)
        self.tls_refusal.setTextFormat(Qt.TextFormat.RichText)
        self.tls_refusal.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.tls_refusal.hide()
        self._tls_refusal_us = 0
        layout.addWidget(self.tls_refusal)
        self.list = QListWidget()
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.list.setSpacing(1)
        # a light selection: the cards' grey and coloured text must stay readable on it
        self.list.setStyleSheet(theme.CHARGER_SELECTION_STYLE)
        layout.addWidget(self.list, 1)
        self._all = QListWidgetItem("All chargers")
        self._all.setData(ChargerRole, None)
        font = self._all.font()
        font.setBold(True)
        self._all.setFont(font)
        self._all.setSizeHint(QSize(0, 30))
        self.list.addItem(self._all)
        self._items: dict[str, QListWidgetItem] = {}
        self._cards: dict[str, ChargerCard] = {}
        self._connected: dict[str, bool] = {}
        self._urls: list[str] = []
        self.list.setCurrentItem(self._all)
        self.list.currentItemChanged.connect(self._on_current)
        self._offers: dict[str, tuple[str, str] | None] = {}
        #: forgets a charger (CentralSystem.forget); None = no "Forget" menu entry
        self.forget_handler: Callable[[str], None] | None = None
        self.list.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.list.customContextMenuRequested.connect(self._context_menu)
        self._update_hint()

    # ------------------------------------------------------------ contents
    def set_urls(self, urls: list[str]) -> None:
        self._urls = urls
        self._update_hint()

    def update_station(self, station: Station, source: str = "") -> None:
        if station.forgotten:
            self.remove_charger(station.charger_id)
            return
        card = self._cards.get(station.charger_id)
        if card is None:
            item = QListWidgetItem()
            item.setData(ChargerRole, station.charger_id)
            card = ChargerCard()
            self._items[station.charger_id] = item
            self._cards[station.charger_id] = card
            self._insert_sorted(item, station.charger_id)
            self.list.setItemWidget(item, card)
        card.show_station(station, source)
        connection = station.current_connection
        if connection is not None and connection.connected_us > self._tls_refusal_us:
            self.tls_refusal.hide()  # a charger got in since: the banner is old news
        self._offers[station.charger_id] = (refusal_offer(station.last_refusal)
                                            if not station.connected else None)
        self._connected[station.charger_id] = station.connected
        self._items[station.charger_id].setSizeHint(card.sizeHint())
        self._update_hint()

    def on_recorded(self, record: object) -> None:
        """A capture record: a TLS refusal that names no charger is shown above the list."""
        if not isinstance(record, ConnectionEvent) or record.kind != "refused" \
                or record.charger not in ("", "?"):
            return
        words = tls_refusal_words(record.detail)
        if words is None:
            return
        when = local_time(record.ts_us, with_date=False)[:8]
        self._tls_refusal_us = record.ts_us
        self.tls_refusal.setText(
            f'<span style="color:{theme.PROBLEM_TEXT};"><b>TLS refused a connection at '
            f"{html.escape(when)}</b>: {html.escape(words)}</span><br>"
            f'<span style="color:{theme.MUTED_TEXT};">The charger\'s id is not known: TLS '
            "failed before it sent its request.</span>")
        self.tls_refusal.show()

    def remove_charger(self, charger_id: str) -> None:
        """Drop a charger's card (forgotten; its frames stay in the capture)."""
        item = self._items.pop(charger_id, None)
        self._cards.pop(charger_id, None)
        self._connected.pop(charger_id, None)
        if item is not None:
            if self.list.currentItem() is item:
                self.list.setCurrentItem(self._all)
            self.list.takeItem(self.list.row(item))
        self._update_hint()

    def forget_actions(self, charger_id: str) -> QMenu:
        """The card's context menu: "Forget this charger", disabled while it is connected."""
        menu = QMenu(self)
        action = menu.addAction("Forget this charger")
        connected = self._connected.get(charger_id, False)
        action.setEnabled(self.forget_handler is not None and not connected)
        action.setToolTip("Connected chargers cannot be forgotten" if connected else
                          "Remove the card; its messages stay in the capture")
        action.triggered.connect(lambda: self.forget(charger_id))
        return menu

    def forget(self, charger_id: str) -> None:
        if self.forget_handler is None:
            return
        try:
            self.forget_handler(charger_id)
        except (KeyError, RuntimeError) as exc:
            log.info("could not forget %s: %s", charger_id, exc)
            QMessageBox.information(self, "Forget charger", str(exc))

    def _context_menu(self, position: QPoint) -> None:
        item = self.list.itemAt(position)
        charger_id = item.data(ChargerRole) if item is not None else None
        if charger_id is None:
            return
        self.forget_actions(charger_id).exec(self.list.viewport().mapToGlobal(position))

    def _insert_sorted(self, item: QListWidgetItem, charger_id: str) -> None:
        row = 1
        while row < self.list.count() and str(self.list.item(row).data(ChargerRole)) < charger_id:
            row += 1
        self.list.insertItem(row, item)

    def _update_hint(self) -> None:
        if any(self._connected.values()):
            self.hint.hide()
            return
        url = self._urls[0] if self._urls else "ws://<this laptop>:9000/ocpp"
        others = ""
        if len(self._urls) > 1:
            others = "<br>Other addresses of this laptop: " + ", ".join(
                html.escape(u) for u in self._urls[1:])
        self.hint.setText(
            "<b>No charger connected yet.</b><br><br>"
            "Point your charger's backend URL at<br>"
            f"<span style='font-size:large;'><b>{html.escape(url)}</b></span><br>"
            "and it will appear here.<br><br>"
            "The charger adds its own id at the end, e.g. "
            f"{html.escape(url)}/CP001.{others}")
        self.hint.show()

    # ------------------------------------------------------------ selection
    def selected_charger(self) -> str | None:
        item = self.list.currentItem()
        return item.data(ChargerRole) if item else None

    def select_charger(self, charger_id: str | None) -> None:
        item = self._all if charger_id is None else self._items.get(charger_id)
        if item is not None:
            self.list.setCurrentItem(item)

    def offer(self, charger_id: str) -> tuple[str, str] | None:
        """What a refused charger's card offers: (text, setting), or None."""
        return self._offers.get(charger_id)

    def card(self, charger_id: str) -> ChargerCard | None:
        return self._cards.get(charger_id)

    def _on_current(self, current: QListWidgetItem | None, previous: QListWidgetItem | None) -> None:
        self.charger_selected.emit(current.data(ChargerRole) if current else None)
