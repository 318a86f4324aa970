"""Why a charger could not connect, in words an installer can act on.

The server records each refusal with what it saw (the path, the offered subprotocols, the
HTTP status); the same advice is shown on the charger's card and in the commissioning
wizard's Connect step."""

from __future__ import annotations

from typing import Any


def advice_for(detail: dict[str, Any]) -> str:
    """What to change on the charger, from a refusal event's detail."""
    reason = str(detail.get("reason", ""))
    offered = detail.get("offered") or []
    status = detail.get("http_status")
    low = reason.lower()
    # the only refusal without an HTTP status: no OCPP version in common (the handshake
    # completed, then the server closed with 1002, OCPP-J 1.6 §3.2)
    if "subprotocol" in low or (status is None and not detail.get("subprotocol")):
        return (f"The charger connected but offered subprotocol(s) {offered or 'none'}; set "
                "its OCPP version to 1.6J (ocpp1.6) or 2.0.1 (ocpp2.0.1).")
    if status in (414, 431) or "characters long" in low:
        return ("The charger's URL or headers are far too long; re-enter the backend URL on "
                "the charger as shown, ending with a short charger id (at most 48 characters).")
    if status == 404 or "path" in low:
        return (f"The charger used the path {detail.get('path')!r}; enter the URL exactly as "
                "shown, ending with /<charger id>.")
    if status == 401 or "auth" in low or "password" in low:
        return ("The charger's basic-auth user/password did not match; check the password or "
                "switch the charger to security profile 0 for commissioning.")
    return f"Refused: {reason}"
