"""What the charger showed of its security during a commissioning run: the best TLS
connection it made (the only evidence for "Encrypted communication") and the security events
it sent. Read by the Security step and by the report, so it sits below both (issue 13: the
commissioning modules import one way, see tests/test_commissioning_imports.py)."""

from __future__ import annotations

from typing import Any

from ..core.frames import loads
from ..station.security_upgrade import connection_security
from .model import CommissioningContext


def tls_seen(ctx: CommissioningContext, since_us: int = 0) -> dict[str, Any] | None:
    """The best TLS connection of the charger since ``since_us``: wss:// at profile 2 or 3
    as its handshake showed it (the only evidence for "Encrypted communication")."""
    station = ctx.central.stations.get(ctx.charger_id)
    best: dict[str, Any] | None = None
    for record in list(station.connections) if station is not None else []:
        if record.connected_us < since_us:
            continue
        facts = connection_security(ctx.central, ctx.charger_id, record.connection_id)
        if facts and facts["scheme"] == "wss" and facts["profile"] in (2, 3):
            if best is None or facts["profile"] >= best["profile"]:
                best = facts
    if best is None:
        return None
    tls = best.get("tls") or {}
    return {"profile": best["profile"], "scheme": "wss", "connection_id": best["connection_id"],
            "tls_version": tls.get("version"), "cipher": tls.get("cipher"),
            "client_certificate": bool(best["client_certificate"])}


def security_events(ctx: CommissioningContext, since_us: int = 0) -> list[dict[str, Any]]:
    """The SecurityEventNotifications the charger sent since ``since_us``: from the station's
    security state where it is kept, else from the capture."""
    station = ctx.central.stations.get(ctx.charger_id)
    kept = getattr(getattr(station, "security", None), "events", None)
    if kept is not None:
        return [{"type": e.type, "timestamp": e.timestamp, "tech_info": e.tech_info,
                 "critical": bool(getattr(e, "critical", False))}
                for e in kept if e.received_us >= since_us]
    out = []
    for frame in ctx.studio.store.frames(charger=ctx.charger_id,
                                         action="SecurityEventNotification", limit=500):
        try:
            message = loads(frame.raw)
        except ValueError:
            continue
        payload = message[3] if isinstance(message, list) and len(message) > 3 else None
        if frame.ts_us >= since_us and isinstance(payload, dict) and frame.message_type == 2:
            out.append({"type": str(payload.get("type")), "timestamp": payload.get("timestamp"),
                        "tech_info": payload.get("techInfo"), "critical": False})
    return out
