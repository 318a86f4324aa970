"""A charger's connection history in plain words: "my charger keeps going offline".

Connects (with the handshake), refusals, disconnects with their close code and
how long the connection lasted, reboots (BootNotification) and silences: gaps
between consecutive frames from the charger on one connection longer than
max(2 x heartbeat interval, 60 s). The gaps are found in SQL with LAG() so a
charger with a million frames costs one query, not a loop in Python.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from ..core.records import Direction
from .store import CaptureStore

MIN_SILENCE_S = 60.0
#: Assumed when neither the caller nor a BootNotification answer gives one (the OCPP usual).
DEFAULT_HEARTBEAT_S = 300.0

#: WebSocket close codes (RFC 6455 and the IANA registry) in words.
CLOSE_CODES: dict[int, str] = {
    1000: "closed normally",
    1001: "going away (restart or shutdown)",
    1002: "protocol error",
    1003: "unsupported data",
    1005: "closed without a status code",
    1006: "connection lost without a closing handshake",
    1007: "invalid frame payload",
    1008: "policy violation",
    1009: "message too big",
    1010: "missing extension",
    1011: "internal error",
    1012: "service restart",
    1013: "try again later",
    1015: "TLS handshake failure",
}


@dataclass
class TimelineEntry:
    ts_us: int
    kind: str  # 'connected' | 'disconnected' | 'refused' | 'silence' | 'boot'
    title: str  # plain words
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass
class ChargerTimeline:
    charger: str
    entries: list[TimelineEntry]
    connects: int
    reconnects: int  # connects after the first one
    refusals: int
    disconnects_by_code: dict[int | None, int]
    longest_silence_s: float | None
    online_fraction: float | None  # connected time / time from the first connect to the end
    heartbeat_interval_s: float | None = None  # the interval used for silences
    silence_threshold_s: float | None = None


def duration_text(seconds: float) -> str:
    """45 s, 12 min, 2 h 13 min, 3 d 4 h."""
    seconds = max(0.0, seconds)
    if seconds < 60:
        return f"{seconds:.0f} s"
    minutes = int(seconds // 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h" if hours else f"{days} d"


def close_code_text(code: int | None) -> str:
    if code is None:
        return "closed with no close code"
    return CLOSE_CODES.get(code, "closed")


def boot_interval(store: CaptureStore, charger: str) -> float | None:
    """The heartbeat interval from the latest accepted BootNotification answer."""
    rows = store._db.execute(  # noqa: SLF001 - the capture layer reads its own store
        "SELECT raw FROM frames WHERE charger = ? AND action = 'BootNotification' "
        "AND message_type = 3 ORDER BY id DESC LIMIT 20", (charger,)).fetchall()
    for (raw,) in rows:
        payload = _payload(raw)
        interval = payload.get("interval") if isinstance(payload, dict) else None
        if isinstance(interval, (int, float)) and interval > 0:
            return float(interval)
    return None


def _payload(raw: str) -> Any:
    try:
        message = json.loads(raw)
    except ValueError:
        return None
    if isinstance(message, list) and message:
        return message[-1] if message[0] in (2, 3) else None
    return None


def _connected_title(detail: dict[str, Any]) -> str:
    remote = detail.get("remote") or "an unknown address"
    subprotocol = detail.get("subprotocol") or "no subprotocol"
    user = detail.get("auth_user")
    # the connected event keeps what the wss listener found in the handshake's "extra"
    tls = detail.get("tls") or (detail.get("extra") or {}).get("tls")
    tls = tls if isinstance(tls, dict) else None
    certificate = (tls or {}).get("client_certificate")
    if isinstance(certificate, dict):  # profile 3: the certificate is the credential
        who = f"client certificate CN={certificate.get('common_name') or '?'}"
    else:
        who = f"user {user}" if user else "no password"
    over = f"wss, {tls.get('version') or 'TLS'}, " if tls else ""
    return f"Connected from {remote} ({over}{subprotocol}, {who})"


def _refused_title(detail: dict[str, Any]) -> str:
    reason = detail.get("reason") or "no reason recorded"
    return f"Refused: {reason}"


def _disconnected_title(detail: dict[str, Any], lasted_s: float | None) -> str:
    code = detail.get("code")
    reason = (detail.get("reason") or "").strip()
    words = close_code_text(code)
    title = f"Disconnected: {words}" + (f" (code {code})" if code is not None else "")
    if lasted_s is not None:
        title += f" after {duration_text(lasted_s)}"
    if reason and reason.lower() not in words.lower():
        title += f" — {reason}"
    return title


def _boot_title(payload: Any) -> tuple[str, dict[str, Any]]:
    detail: dict[str, Any] = {}
    if isinstance(payload, dict):
        station = payload.get("chargingStation") if isinstance(
            payload.get("chargingStation"), dict) else payload
        for key, names in (("vendor", ("vendorName", "chargePointVendor")),
                           ("model", ("model", "chargePointModel")),
                           ("serial", ("serialNumber", "chargePointSerialNumber")),
                           ("firmware", ("firmwareVersion",))):
            for name in names:
                if station.get(name) is not None:
                    detail[key] = station[name]
                    break
        if payload.get("reason"):
            detail["reason"] = payload["reason"]
    if detail.get("reason"):
        return f"Rebooted (BootNotification, reason {detail['reason']})", detail
    return "Rebooted (BootNotification)", detail


def charger_timeline(store: CaptureStore, charger: str,
                     heartbeat_interval_s: float | None = None) -> ChargerTimeline:
    """Everything about one charger's connections, oldest first."""
    db = store._db  # noqa: SLF001
    interval = heartbeat_interval_s if heartbeat_interval_s else boot_interval(store, charger)
    threshold = max(2 * (interval or DEFAULT_HEARTBEAT_S), MIN_SILENCE_S)
    entries: list[TimelineEntry] = []

    # --- connection events
    connects = refusals = 0
    disconnects: dict[int | None, int] = {}
    opened: dict[int | None, int] = {}  # connection_id -> ts of its connect
    online_us = 0
    online_since: int | None = None
    first_connect: int | None = None
    end_of_capture = db.execute("SELECT MAX(ts_us) FROM frames").fetchone()[0]
    events = store.events(charger)
    for event in events:
        detail = dict(event.detail)
        detail.setdefault("connection_id", event.connection_id)
        if event.kind == "connected":
            connects += 1
            opened[event.connection_id] = event.ts_us
            if first_connect is None:
                first_connect = event.ts_us
            if online_since is None:
                online_since = event.ts_us
            entries.append(TimelineEntry(event.ts_us, "connected", _connected_title(detail),
                                         detail))
        elif event.kind == "refused":
            refusals += 1
            entries.append(TimelineEntry(event.ts_us, "refused", _refused_title(detail), detail))
        elif event.kind == "disconnected":
            code = detail.get("code")
            disconnects[code] = disconnects.get(code, 0) + 1
            began = opened.pop(event.connection_id, None)
            if began is None and opened:  # connection ids missing: the latest connect
                began = opened.pop(max(opened, key=lambda k: opened[k]))
            lasted = (event.ts_us - began) / 1e6 if began is not None else None
            detail["lasted_s"] = lasted
            if online_since is not None and not opened:
                online_us += event.ts_us - online_since
                online_since = None
            entries.append(TimelineEntry(event.ts_us, "disconnected",
                                         _disconnected_title(detail, lasted), detail))
        else:
            entries.append(TimelineEntry(event.ts_us, event.kind, event.kind, detail))
    last_ts = max([e.ts_us for e in events] + [end_of_capture or 0])
    if online_since is not None:
        online_us += max(0, last_ts - online_since)
    online_fraction = None
    if first_connect is not None and last_ts > first_connect:
        online_fraction = min(1.0, online_us / (last_ts - first_connect))

    # --- reboots
    for ts_us, raw, connection_id in db.execute(
            "SELECT ts_us, raw, connection_id FROM frames WHERE charger = ? AND "
            "action = 'BootNotification' AND message_type = 2 AND direction = ? ORDER BY id",
            (charger, Direction.TO_CSMS.value)):
        title, detail = _boot_title(_payload(raw))
        detail["connection_id"] = connection_id
        entries.append(TimelineEntry(ts_us, "boot", title, detail))

    # --- silences: consecutive frames from the charger on one connection
    longest: float | None = None
    threshold_us = int(threshold * 1_000_000)
    interval_words = f"heartbeat interval {interval:g} s" if interval else \
        f"heartbeat interval unknown, assumed {DEFAULT_HEARTBEAT_S:g} s"
    gaps = db.execute(
        "SELECT prev_ts, ts_us, connection_id FROM ("
        "  SELECT ts_us, connection_id, LAG(ts_us) OVER ("
        "    PARTITION BY connection_id ORDER BY id) AS prev_ts"
        "  FROM frames WHERE charger = ? AND direction = ?"
        ") WHERE ts_us - prev_ts > ? ORDER BY prev_ts",
        (charger, Direction.TO_CSMS.value, threshold_us)).fetchall()
    # The silence before a drop: last frame of a connection until its disconnect.
    last_frames = dict(db.execute(
        "SELECT connection_id, MAX(ts_us) FROM frames WHERE charger = ? AND direction = ? "
        "GROUP BY connection_id", (charger, Direction.TO_CSMS.value)).fetchall())
    for event in events:
        if event.kind == "disconnected" and event.connection_id in last_frames:
            before = last_frames[event.connection_id]
            if event.ts_us - before > threshold_us:
                gaps.append((before, event.ts_us, event.connection_id))
    for before, after, connection_id in gaps:
        seconds = (after - before) / 1e6
        longest = seconds if longest is None else max(longest, seconds)
        entries.append(TimelineEntry(
            before, "silence", f"No message for {duration_text(seconds)} ({interval_words})",
            {"from_us": before, "until_us": after, "seconds": seconds,
             "connection_id": connection_id, "heartbeat_interval_s": interval,
             "threshold_s": threshold}))

    order = {"refused": 0, "disconnected": 1, "connected": 2, "boot": 3, "silence": 4}
    entries.sort(key=lambda e: (e.ts_us, order.get(e.kind, 5)))
    return ChargerTimeline(
        charger=charger, entries=entries, connects=connects, reconnects=max(0, connects - 1),
        refusals=refusals, disconnects_by_code=disconnects, longest_silence_s=longest,
        online_fraction=online_fraction, heartbeat_interval_s=interval,
        silence_threshold_s=threshold)
