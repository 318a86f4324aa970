"""The demo charger's answers to the smaller 2.x operations of issue 16 §1: the transaction
status (E14), charging profiles read back (K09), display messages (O01-O04), the running cost
(I03), and the monitoring base, level and report (N01-N03).

``add_operation_handlers_2x(routes)`` registers them (``operations.add_operation_handlers``
calls it for 2.x). The demo holds no monitors (SetVariableMonitoring stays NotImplemented),
so its monitoring report is empty, as a charger without monitors answers.
"""

from __future__ import annotations

import logging
from typing import Any

from .routing import Routes

log = logging.getLogger(__name__)

#: how many display messages the demo keeps (DisplayMessageCtrlr.DisplayMessages)
_MAX_MESSAGES = 8


def get_transaction_status(protocol: Any, payload: dict[str, Any]) -> dict[str, Any]:
    """E14: nothing waits in the demo's queue; ``ongoingIndicator`` only for a transaction
    id asked about (E14.FR.02)."""
    answer: dict[str, Any] = {"messagesInQueue": False}
    wanted = payload.get("transactionId")
    if wanted is not None:
        answer["ongoingIndicator"] = any(
            c.tx is not None and c.tx.id == wanted for c in protocol.ch.connectors.values())
    return answer


def get_charging_profiles(protocol: Any, payload: dict[str, Any]) -> dict[str, Any]:
    """K09: NoProfiles, or Accepted and the profiles in ReportChargingProfiles, one per EVSE."""
    ch = protocol.ch
    criterion = payload.get("chargingProfile") or {}
    wanted_ids = set(criterion.get("chargingProfileId") or [])
    purpose = criterion.get("chargingProfilePurpose")
    evse = payload.get("evseId")
    found = [p for p in ch.profiles.profiles
             if (evse is None or p.connector == int(evse))
             and (not wanted_ids or p.id in wanted_ids)
             and (purpose is None or p.purpose_name == purpose)
             and (criterion.get("stackLevel") is None
                  or p.stack_level == int(criterion["stackLevel"]))]
    if not found:
        return {"status": "NoProfiles"}
    by_evse: dict[int, list[dict[str, Any]]] = {}
    for profile in found:
        by_evse.setdefault(profile.connector, []).append(profile.raw)
    request_id = int(payload["requestId"])

    async def report() -> None:
        items = sorted(by_evse.items())
        for index, (evse_id, profiles) in enumerate(items):
            await ch.call("ReportChargingProfiles", {
                "requestId": request_id, "chargingLimitSource": "CSO", "evseId": evse_id,
                "chargingProfile": profiles, "tbc": index < len(items) - 1})

    ch.later(report)
    return {"status": "Accepted"}


def _messages(protocol: Any) -> dict[int, dict[str, Any]]:
    messages = getattr(protocol, "_demo_display_messages", None)
    if messages is None:
        messages = {}
        protocol._demo_display_messages = messages
    return messages


def set_display_message(protocol: Any, payload: dict[str, Any]) -> dict[str, Any]:
    """O01/O02: kept by id (a new one with the same id replaces it)."""
    message = payload["message"]
    messages = _messages(protocol)
    if message["id"] not in messages and len(messages) >= _MAX_MESSAGES:
        return {"status": "Rejected", "statusInfo": {"reasonCode": "NoCapacity"}}
    if message.get("message", {}).get("format") not in ("ASCII", "UTF8", "HTML", "URI"):
        return {"status": "NotSupportedMessageFormat"}
    messages[int(message["id"])] = message
    return {"status": "Accepted"}


def get_display_messages(protocol: Any, payload: dict[str, Any]) -> dict[str, Any]:
    """O03: Unknown when none matches, else Accepted and NotifyDisplayMessages."""
    ids = set(payload.get("id") or [])
    found = [m for m in _messages(protocol).values()
             if (not ids or m["id"] in ids)
             and payload.get("priority") in (None, m.get("priority"))
             and payload.get("state") in (None, m.get("state"))]
    if not found:
        return {"status": "Unknown"}
    ch = protocol.ch

    async def notify() -> None:
        await ch.call("NotifyDisplayMessages", {"requestId": int(payload["requestId"]),
                                                "messageInfo": found, "tbc": False})

    ch.later(notify)
    return {"status": "Accepted"}


def clear_display_message(protocol: Any, payload: dict[str, Any]) -> dict[str, Any]:
    """O04: Accepted when the id was there, else Unknown."""
    removed = _messages(protocol).pop(int(payload["id"]), None)
    return {"status": "Accepted" if removed is not None else "Unknown"}


def cost_updated(protocol: Any, payload: dict[str, Any]) -> dict[str, Any]:
    """I03: the demo has no display; it notes the cost (the answer has no fields)."""
    log.info("%s: running cost %s for transaction %s", protocol.ch.config.charger_id,
             payload.get("totalCost"), payload.get("transactionId"))
    return {}


def set_monitoring_base(protocol: Any, payload: dict[str, Any]) -> dict[str, Any]:
    protocol._demo_monitoring_base = payload["monitoringBase"]  # N03
    return {"status": "Accepted"}


def set_monitoring_level(protocol: Any, payload: dict[str, Any]) -> dict[str, Any]:
    protocol._demo_monitoring_level = int(payload["severity"])  # N02
    return {"status": "Accepted"}


def get_monitoring_report(protocol: Any, payload: dict[str, Any]) -> dict[str, Any]:
    """N02: the demo holds no monitors, so no report follows (EmptyResultSet)."""
    return {"status": "EmptyResultSet"}


def add_operation_handlers_2x(routes: Routes) -> None:
    for action, handler in (("GetTransactionStatus", get_transaction_status),
                            ("GetChargingProfiles", get_charging_profiles),
                            ("SetDisplayMessage", set_display_message),
                            ("GetDisplayMessages", get_display_messages),
                            ("ClearDisplayMessage", clear_display_message),
                            ("CostUpdated", cost_updated),
                            ("SetMonitoringBase", set_monitoring_base),
                            ("SetMonitoringLevel", set_monitoring_level),
                            ("GetMonitoringReport", get_monitoring_report)):
        routes.on(action)(handler)


__all__ = ["add_operation_handlers_2x"]
