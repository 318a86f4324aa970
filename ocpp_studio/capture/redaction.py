"""Hide passwords in frames shown or exported, unless the user asks to see them.

The capture keeps every frame exactly as on the wire; only what is displayed
or written out is masked. Which names hold credentials is decided in one place,
``core.secrets.is_secret_name``. Passwords travel in:
- 1.6 ChangeConfiguration / GetConfiguration of AuthorizationKey (security whitepaper
  §3.3.2: write-only, "so that it cannot be accidentally stored in plaintext") and of
  vendor keys such as ``WifiPassword``;
- 2.0.1 SetVariables / GetVariables / NotifyReport of SecurityCtrlr.BasicAuthPassword and
  similar variables, including JSON text values such as NetworkConnectionProfiles;
- 2.0.1 SetNetworkProfile (``apnPassword``, ``simPin``, ``vpn.password``, ``vpn.key``);
- the password of a URL's user part (RFC 3986 §3.2.1 ``ftp://user:password@host/``), e.g. the
  studio's one-time file-server logins in GetDiagnostics / GetLog / UpdateFirmware ``location``.

Frames come from chargers we did not write: whatever JSON they hold, redaction must
answer (it runs for every exported, served and displayed frame).
"""

from __future__ import annotations

import re
from typing import Any

from ..core.frames import dumps, loads
from ..core.secrets import is_secret_name

MASK = "••••••"
#: Shown instead of a frame nested too deeply to look through for passwords.
UNCHECKED = "(frame nested too deeply to check for passwords; not shown)"
#: Cheap test before parsing: most frames (meter values, status) mention none of these.
#: (plain substring tests on the lower-cased text: a case-insensitive regex is 20x slower)
_MARKERS = ("pass", "secret", "key", "token", "pin", "psk")


#: ``scheme://user:password@`` (the password part may be empty; not across '/', '@' or spaces)
_URL_PASSWORD = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*://[^/@:\s\"]*:)([^/@\s\"]+)(@)")


def might_hold_secret(raw: str) -> bool:
    """Cheap test before parsing: most frames never mention a password."""
    lowered = raw.lower()
    return any(marker in lowered for marker in _MARKERS) or _may_hold_url_password(raw)


def _may_hold_url_password(text: str) -> bool:
    return "@" in text and "://" in text


def redact_url_passwords(text: str) -> str:
    """``text`` with the password of every ``scheme://user:password@`` masked."""
    if not _may_hold_url_password(text):
        return text
    return _URL_PASSWORD.sub(lambda m: m.group(1) + MASK + m.group(3), text)


def redact_raw(raw: str) -> str:
    """The frame text with passwords masked; the text itself when there are none.

    A masked frame is re-serialised compactly (it is no longer the wire text,
    which is what the user asked for by not revealing it). Text that is not JSON
    is returned as it is; nothing raises.
    """
    if not might_hold_secret(raw):
        return raw
    try:
        message = loads(raw)
    except RecursionError:
        return UNCHECKED
    except ValueError:
        return raw
    try:
        redacted = redact_value(message)
    except RecursionError:
        return UNCHECKED
    return raw if redacted == message else dumps(redacted)


def redact_value(value: Any, name: str | None = None) -> Any:
    """A copy of any JSON value with credentials masked (the input is not changed).

    ``name`` is the property the value sits under: a bare ``key`` or ``password`` is
    judged with its parent's name (``vpn.key``)."""
    if isinstance(value, dict):
        return _redact_object(value, name)
    if isinstance(value, list):
        return [redact_value(item) for item in value]
    if isinstance(value, str):
        return _redact_text(value)
    return value


def _redact_object(obj: dict[str, Any], name: str | None) -> dict[str, Any]:
    secret_entry = _is_secret_entry(obj)
    out: dict[str, Any] = {}
    for prop, item in obj.items():
        qualified = f"{name}.{prop}" if name else prop
        if is_secret_name(prop) or is_secret_name(qualified) or \
                (secret_entry and prop in ("value", "attributeValue", "variableAttribute")):
            out[prop] = _mask_leaves(item)
        else:
            out[prop] = redact_value(item, prop)
    return out


def _is_secret_entry(obj: dict[str, Any]) -> bool:
    """A 1.6 ``{"key": name, "value": …}`` or 2.0.1 ``{"variable": {"name": …}, …}`` entry
    whose setting is a credential."""
    if is_secret_name(obj.get("key")):
        return True
    variable = obj.get("variable")
    return isinstance(variable, dict) and is_secret_name(variable.get("name"))


def _mask_leaves(value: Any) -> Any:
    """Every string and number masked, the shape kept (variableAttribute keeps its
    ``type``/``mutability`` readable)."""
    if isinstance(value, dict):
        return {prop: (item if prop in _ATTRIBUTE_META else _mask_leaves(item))
                for prop, item in value.items()}
    if isinstance(value, list):
        return [_mask_leaves(item) for item in value]
    if isinstance(value, bool) or value is None or value == "":
        return value
    return MASK


#: variableAttribute fields that describe the attribute, not its value
_ATTRIBUTE_META = frozenset({"type", "mutability", "persistent", "constant"})


def _redact_text(text: str) -> str:
    """A string that is itself JSON (a 2.0.1 NetworkConnectionProfiles value, a DataTransfer
    ``data``) is looked through too; a URL's password is masked."""
    text = redact_url_passwords(text)
    stripped = text.lstrip()
    if not stripped.startswith(("{", "[")) or not might_hold_secret(text):
        return text
    try:
        inner = loads(text)
        redacted = redact_value(inner)
    except ValueError:
        return text
    except RecursionError:
        return UNCHECKED
    return text if redacted == inner else dumps(redacted)


__all__ = ["MASK", "UNCHECKED", "is_secret_name", "might_hold_secret", "redact_raw",
           "redact_url_passwords", "redact_value"]
