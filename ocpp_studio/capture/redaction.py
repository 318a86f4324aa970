"""Hide passwords in frames shown or exported, unless the user asks to see them.

The capture keeps every frame exactly as on the wire; only what is displayed
or written out is masked. Passwords travel in:
- 1.6 ChangeConfiguration of AuthorizationKey (security whitepaper §3.3.2,
  OCPP-J 1.6 errata §3.12: write-only, "so that it cannot be accidentally stored
  in plaintext");
- 2.0.1 SetVariables of SecurityCtrlr.BasicAuthPassword (write-only), and its
  GetVariables / NotifyReport answers should a charger ever send a value.
"""

from __future__ import annotations

from typing import Any

from ..core.frames import dumps, loads

MASK = "••••••"
SECRET_KEYS_16 = frozenset({"AuthorizationKey"})
SECRET_VARIABLES_201 = frozenset({"BasicAuthPassword"})
_MARKERS = tuple(SECRET_KEYS_16 | SECRET_VARIABLES_201)


def might_hold_secret(raw: str) -> bool:
    """Cheap test before parsing: most frames never mention a password."""
    return any(marker in raw for marker in _MARKERS)


def redact_raw(raw: str) -> str:
    """The frame text with passwords masked; the text itself when there are none.

    A masked frame is re-serialised compactly (it is no longer the wire text,
    which is what the user asked for by not revealing it).
    """
    if not might_hold_secret(raw):
        return raw
    try:
        message = loads(raw)
    except ValueError:
        return raw
    if not isinstance(message, list) or not message:
        return raw
    if _mask_message(message):
        return dumps(message)
    return raw


def _mask_message(message: list[Any]) -> bool:
    payload = message[3] if message[0] == 2 and len(message) == 4 else (
        message[2] if message[0] == 3 and len(message) == 3 else None)
    if not isinstance(payload, dict):
        return False
    masked = False
    if payload.get("key") in SECRET_KEYS_16 and "value" in payload:
        payload["value"] = MASK
        masked = True
    for entry in payload.get("configurationKey") or []:
        if isinstance(entry, dict) and entry.get("key") in SECRET_KEYS_16 and "value" in entry:
            entry["value"] = MASK
            masked = True
    for list_name in ("setVariableData", "getVariableResult", "reportData"):
        for entry in payload.get(list_name) or []:
            masked |= _mask_variable_entry(entry)
    return masked


def _mask_variable_entry(entry: Any) -> bool:
    if not isinstance(entry, dict):
        return False
    variable = entry.get("variable")
    if not isinstance(variable, dict) or variable.get("name") not in SECRET_VARIABLES_201:
        return False
    masked = False
    if "attributeValue" in entry:
        entry["attributeValue"] = MASK
        masked = True
    for attribute in entry.get("variableAttribute") or []:
        if isinstance(attribute, dict) and "value" in attribute:
            attribute["value"] = MASK
            masked = True
    return masked


__all__ = ["MASK", "redact_raw", "might_hold_secret"]
