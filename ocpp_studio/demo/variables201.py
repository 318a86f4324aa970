"""The demo charger's 2.x device-model CALLs: GetVariables, SetVariables (B05, B06) and the
reports, GetBaseReport and GetReport, sent as NotifyReport parts (B07, B08).

``add_variable_handlers(routes)`` registers them; ``v201.py`` calls it right after creating
its ``Routes`` (2.1 copies the 2.0.1 table). The variables themselves live in the charger's
``DeviceModel201`` (``protocol.dm``, devicemodel.py). Requirement ids are those of OCPP 2.0.1
Part 2.
"""

from __future__ import annotations

from typing import Any

from ..core.errors import Fault
from ..core.rpc import CallError
from .profiles import format_time
from .routing import Routes


def items_limit(protocol: Any, instance: str) -> int:
    """DeviceDataCtrlr.ItemsPerMessage of ``instance`` (GetVariables, SetVariables,
    GetReport)."""
    return protocol.dm.int_actual("DeviceDataCtrlr", "ItemsPerMessage", instance, default=16)


def get_variables(protocol: Any, payload: dict[str, Any]) -> dict[str, Any]:
    requests = payload["getVariableData"]
    if len(requests) > items_limit(protocol, "GetVariables"):
        raise CallError(Fault.OCCURRENCE_CONSTRAINT,
                        "More GetVariableData than DeviceDataCtrlr.ItemsPerMessage")
    return {"getVariableResult": [protocol.dm.get_variable(r) for r in requests]}


def set_variables(protocol: Any, payload: dict[str, Any]) -> dict[str, Any]:
    requests = payload["setVariableData"]
    if len(requests) > items_limit(protocol, "SetVariables"):
        raise CallError(Fault.OCCURRENCE_CONSTRAINT,
                        "More SetVariableData than DeviceDataCtrlr.ItemsPerMessage")
    return {"setVariableResult": [protocol.dm.set_variable(r) for r in requests]}


def report_parts(protocol: Any, entries: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    size = max(1, items_limit(protocol, "GetReport"))
    return [entries[i:i + size] for i in range(0, len(entries), size)]


def send_report(protocol: Any, request_id: int, entries: list[dict[str, Any]]) -> None:
    ch = protocol.ch
    parts = report_parts(protocol, entries)

    async def send() -> None:
        generated = format_time(ch.clock())
        for seq, part in enumerate(parts):
            if seq == 0 and ch.quirks.report_drops_part_0:
                continue  # quirk: the first part never leaves the charger
            # B07: seqNo from 0; tbc true on every part but the last.
            await ch.call("NotifyReport", {
                "requestId": request_id, "generatedAt": generated, "seqNo": seq,
                "tbc": seq < len(parts) - 1, "reportData": part})

    ch.later(send)


def get_base_report(protocol: Any, payload: dict[str, Any]) -> dict[str, Any]:
    entries = protocol.dm.report(payload["reportBase"])
    if not entries:
        return {"status": "EmptyResultSet"}
    send_report(protocol, int(payload["requestId"]), entries)
    return {"status": "Accepted"}


def get_report(protocol: Any, payload: dict[str, Any]) -> dict[str, Any]:
    criteria = set(payload.get("componentCriteria") or [])
    chosen = protocol.dm.select(payload.get("componentVariable"))
    if criteria and criteria <= {"Problem"}:
        chosen = []  # nothing in the demo has a problem
    if not chosen:
        return {"status": "EmptyResultSet"}
    send_report(protocol, int(payload["requestId"]), [v.report_json() for v in chosen])
    return {"status": "Accepted"}


def add_variable_handlers(routes: Routes) -> None:
    """Register the device-model handlers of 2.x on ``routes``."""
    for action, handler in (("GetVariables", get_variables), ("SetVariables", set_variables),
                            ("GetBaseReport", get_base_report), ("GetReport", get_report)):
        routes.on(action)(handler)


__all__ = ["add_variable_handlers", "get_variables", "set_variables", "get_base_report",
           "get_report", "report_parts", "send_report", "items_limit"]
