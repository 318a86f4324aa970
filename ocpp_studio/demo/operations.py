"""The demo charger's answers to the charger operations not written in ``v16.py`` /
``v201.py`` (issue 16 §1): the local authorization list and, in 2.x, clearing customer data.

The smaller 2.x ones (transaction status, display messages, cost, monitoring base, level and
report, charging profiles read back) are in ``operations201.py``.
``add_operation_handlers(routes, two_x)`` registers them on a version's table; each version
module calls it right after creating its ``Routes`` (2.1 copies the 2.0.1 table). State lives
on the version protocol object, as the other handlers' state does. Reservations and variable
monitors (SetVariableMonitoring) stay unimplemented on purpose: the demo answers them with CALLERROR
NotImplemented, which is how a charger without them answers.
"""

from __future__ import annotations

import logging
from typing import Any

from .profiles import format_time
from .operations201 import add_operation_handlers_2x
from .routing import Routes

log = logging.getLogger(__name__)

#: the demo's local list holds at most this many entries (1.6 §9.3 LocalAuthListMaxLength,
#: 2.0.1 LocalAuthListCtrlr.Entries)
MAX_ENTRIES = 100


def _state(protocol: Any) -> dict[str, Any]:
    state = getattr(protocol, "_demo_local_list", None)
    if state is None:
        state = {"version": 0, "entries": {}}
        protocol._demo_local_list = state
    return state


def get_local_list_version(protocol: Any, payload: dict[str, Any], two_x: bool
                           ) -> dict[str, Any]:
    version = _state(protocol)["version"]  # 1.6 §5.10 / 2.0.1 D02: 0 = no list
    return {"versionNumber": version} if two_x else {"listVersion": version}


def send_local_list(protocol: Any, payload: dict[str, Any], two_x: bool) -> dict[str, Any]:
    state = _state(protocol)
    version = int(payload["versionNumber" if two_x else "listVersion"])
    items = payload.get("localAuthorizationList") or []
    token_key, info_key = ("idToken", "idTokenInfo") if two_x else ("idTag", "idTagInfo")
    if payload["updateType"] == "Full":
        entries: dict[str, Any] = {}
    else:
        if version <= state["version"]:  # 1.6 §7.43 / D01.FR.18: VersionMismatch
            return {"status": "VersionMismatch"}
        entries = dict(state["entries"])
    for item in items:
        token = item[token_key]["idToken"] if two_x else item[token_key]
        if item.get(info_key) is None:
            entries.pop(token, None)  # a differential entry without info removes the token
        else:
            entries[token] = item[info_key]
    if len(entries) > MAX_ENTRIES:
        return {"status": "Failed"}
    state.update(version=version, entries=entries)
    return {"status": "Accepted"}


def customer_information(protocol: Any, payload: dict[str, Any]) -> dict[str, Any]:
    """N09/N10: the demo keeps no customer data beyond its local list; clearing removes the
    token from it and NotifyCustomerInformation says what was done."""
    token = (payload.get("idToken") or {}).get("idToken")
    if not (token or payload.get("customerIdentifier") or payload.get("customerCertificate")):
        return {"status": "Invalid"}  # N09.FR.09: one of the three is needed
    removed = token is not None and _state(protocol)["entries"].pop(token, None) is not None
    ch = protocol.ch
    what = (f"cleared: token {token} removed from the local list" if removed
            else "cleared: no data held for this customer")

    async def notify() -> None:
        await ch.call("NotifyCustomerInformation", {
            "data": what if payload.get("clear") else "no data held for this customer",
            "seqNo": 0, "generatedAt": format_time(ch.clock()),
            "requestId": int(payload["requestId"]), "tbc": False})

    ch.later(notify)
    return {"status": "Accepted"}


def add_operation_handlers(routes: Routes, two_x: bool) -> None:
    routes.on("GetLocalListVersion")(
        lambda protocol, payload: get_local_list_version(protocol, payload, two_x))
    routes.on("SendLocalList")(
        lambda protocol, payload: send_local_list(protocol, payload, two_x))
    if two_x:
        routes.on("CustomerInformation")(customer_information)
        add_operation_handlers_2x(routes)
