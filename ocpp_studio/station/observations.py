"""What a charger's own messages tell about it: identity from BootNotification, connector
states from StatusNotification, liveness from Heartbeat. Used by the central system for the
chargers it answers and by the watched traffic (proxy, serial console) for the chargers it
only observes, so a charger card reads the same whichever way the charger is seen."""

from __future__ import annotations

from typing import Any, Callable

from ..core.records import now_us
from ..core.versions import OcppVersion
from .model import Station

Payload = dict[str, Any]


def note_boot_16(station: Station, payload: Payload) -> None:
    """1.6 §6.2 BootNotification.req."""
    station.identity = dict(payload)
    station.vendor = payload.get("chargePointVendor")
    station.model = payload.get("chargePointModel")
    station.serial = payload.get("chargePointSerialNumber") or payload.get("chargeBoxSerialNumber")
    station.firmware = payload.get("firmwareVersion")


def note_boot_201(station: Station, payload: Payload) -> None:
    """2.0.1 B01 BootNotificationRequest."""
    info = payload.get("chargingStation", {})
    station.identity = dict(payload)
    station.vendor = info.get("vendorName")
    station.model = info.get("model")
    station.serial = info.get("serialNumber")
    station.firmware = info.get("firmwareVersion")
    station.boot_reason = payload.get("reason")


def note_status_16(station: Station, payload: Payload) -> None:
    """1.6 §6.48 StatusNotification.req (connector 0 is the charger itself)."""
    connector = station.connector(str(payload.get("connectorId")))
    connector.status = str(payload.get("status"))
    connector.error_code = payload.get("errorCode")
    connector.info = payload.get("info")
    connector.updated_us = now_us()


def note_status_201(station: Station, payload: Payload) -> None:
    """2.0.1 G01 StatusNotificationRequest: one EVSE/connector pair."""
    connector = station.connector(f"{payload.get('evseId')}/{payload.get('connectorId')}")
    connector.status = str(payload.get("connectorStatus"))
    connector.updated_us = now_us()


def note_heartbeat(station: Station, payload: Payload) -> None:
    station.last_heartbeat_us = now_us()


_NOTES: dict[OcppVersion, dict[str, Callable[[Station, Payload], None]]] = {
    OcppVersion.V16: {"BootNotification": note_boot_16, "StatusNotification": note_status_16,
                      "Heartbeat": note_heartbeat},
    OcppVersion.V201: {"BootNotification": note_boot_201, "StatusNotification": note_status_201,
                       "Heartbeat": note_heartbeat},
}
# OCPP 2.1 keeps the 2.0.1 BootNotification, StatusNotification and Heartbeat payloads.
_NOTES[OcppVersion.V21] = _NOTES[OcppVersion.V201]


def note_charger_call(station: Station, action: str, payload: Any) -> bool:
    """Update ``station`` from a CALL the charger sent; True when it told something (the
    station's version must be known; payloads that are not objects are ignored)."""
    station.last_message_us = now_us()
    note = _NOTES.get(station.version, {}).get(action) if station.version else None
    if note is None or not isinstance(payload, dict):
        return False
    note(station, payload)
    return True
