"""What the settings table says: columns, plain words for a charger's answers, labels for
2.0.1 components and variables, access and snapshot texts. No widgets here."""

from __future__ import annotations

import datetime as _dt
from typing import Any

from ..common import theme

COL_SETTING, COL_VALUE, COL_UNIT, COL_ACCESS, COL_RESULT, COL_DESCRIPTION = range(6)
HEADERS = ["Setting", "Value", "Unit", "Access", "Last write", "Description"]
COLUMN_WIDTHS = {COL_SETTING: 270, COL_VALUE: 200, COL_UNIT: 56, COL_ACCESS: 84,
                 COL_RESULT: 100}
HIDDEN = "••••••"

#: the "Last write" cell's (background, text) colours
GOOD = theme.WRITE_ACCEPTED
AMBER = theme.WRITE_LATER
BAD = theme.WRITE_REFUSED

STATUS_WORDS = {
    "Accepted": "Accepted",
    "RebootRequired": "After restart",
    "Rejected": "Rejected",
    "NotSupported": "Not supported",
    "UnknownComponent": "Unknown component",
    "UnknownVariable": "Unknown setting",
    "NotSupportedAttributeType": "Not supported",
    "NotSent": "Not sent",
    "Unknown": "No answer",  # sent, but whether it changed is unknown
}


def status_colours(status: str) -> tuple[str, str]:
    if status == "Accepted":
        return GOOD
    if status in ("RebootRequired", "Unknown"):
        return AMBER
    return BAD


def _ref_attr(ref: Any, *names: str) -> Any:
    for name in names:
        value = getattr(ref, name, None)
        if value not in (None, ""):
            return value
    return None


def component_label(ref: Any) -> str:
    """'EVSE 1 · connector 1 · Connector' style group label for a 2.0.1 variable."""
    component = _ref_attr(ref, "component", "component_name") or "(no component)"
    if not isinstance(component, str):
        component = _ref_attr(component, "name") or str(component)
    parts = [str(component)]
    instance = _ref_attr(ref, "component_instance", "instance")
    if instance:
        parts[0] += f" [{instance}]"
    evse = _ref_attr(ref, "evse", "evse_id")
    connector = _ref_attr(ref, "connector", "connector_id")
    if isinstance(evse, dict):
        connector = connector or evse.get("connectorId")
        evse = evse.get("id")
    if evse is not None:
        parts.append(f"EVSE {evse}")
    if connector is not None:
        parts.append(f"connector {connector}")
    return " · ".join(parts)


def variable_label(key: str, ref: Any) -> str:
    if ref is None:
        return key
    variable = _ref_attr(ref, "variable", "variable_name") or key
    if not isinstance(variable, str):
        variable = _ref_attr(variable, "name") or str(variable)
    instance = _ref_attr(ref, "variable_instance")
    attribute = _ref_attr(ref, "attribute", "attribute_type")
    text = str(variable)
    if instance:
        text += f" [{instance}]"
    if attribute and str(attribute) != "Actual":
        text += f" ({attribute})"
    return text


def access_text(item: Any) -> str:
    mutability = str(getattr(item, "mutability", "") or "")
    if getattr(item, "write_only", False) or mutability == "WriteOnly":
        return "write-only"
    return "read-only" if item.readonly else "read-write"


def when_text(taken_us: int) -> str:
    moment = _dt.datetime.fromtimestamp(taken_us / 1e6)
    return moment.strftime("%d %b %H:%M:%S")


def snapshot_label(snapshot: Any) -> str:
    return f"{when_text(snapshot.taken_us)} — {len(snapshot.items)} settings"


def template_changes(template: dict) -> dict[str, str]:
    """The key -> value pairs a template would write."""
    from ...configuration.templates import template_changes as changes
    return changes(template)

