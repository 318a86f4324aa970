"""2.0.1 ComponentType / VariableType JSON, shared by the configuration editor
and the demo charger (OCPP 2.0.1 Part 2 §2.16 ComponentType, §2.52 VariableType)."""

from __future__ import annotations

from typing import Any


def component_json(name: str, instance: str | None = None, evse: int | None = None,
                   connector: int | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {"name": name}
    if instance is not None:
        data["instance"] = instance
    if evse is not None:
        evse_data: dict[str, Any] = {"id": evse}
        if connector is not None:
            evse_data["connectorId"] = connector
        data["evse"] = evse_data
    return data


def variable_json(name: str, instance: str | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {"name": name}
    if instance is not None:
        data["instance"] = instance
    return data
