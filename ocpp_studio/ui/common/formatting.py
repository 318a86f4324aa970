"""Text helpers for showing frames to people. No Qt here, so they are easy to test."""

from __future__ import annotations

import json
from datetime import datetime, timezone

from ...core.records import ConnectionEvent, Direction, FrameRecord

MESSAGE_TYPE_NAMES = {2: "CALL", 3: "RESULT", 4: "ERROR"}
DIRECTION_TEXT = {Direction.TO_CSMS: "→ CSMS", Direction.TO_CHARGER: "→ Charger"}

#: Call/response states that mean "something went wrong with the exchange".
WARNING_STATES = frozenset({"timeout", "lost", "late", "unmatched"})
CALL_STATE_WORDS = {"pending": "waiting", "answered": "answered", "error": "answered with error"}


def local_time(ts_us: int | None, *, with_date: bool = False) -> str:
    """Local wall-clock time with milliseconds, as an installer reads it."""
    if not ts_us:
        return ""
    moment = datetime.fromtimestamp(ts_us / 1_000_000)
    text = moment.strftime("%Y-%m-%d %H:%M:%S" if with_date else "%H:%M:%S")
    return f"{text}.{moment.microsecond // 1000:03d}"


def format_time(ts_us: int | None, *, utc: bool = False, with_date: bool = False) -> str:
    """Wall-clock time with milliseconds, local or UTC ('Z' appended for UTC)."""
    if not ts_us:
        return ""
    if not utc:
        return local_time(ts_us, with_date=with_date)
    moment = datetime.fromtimestamp(ts_us / 1_000_000, tz=timezone.utc)
    text = moment.strftime("%Y-%m-%d %H:%M:%S" if with_date else "%H:%M:%S")
    return f"{text}.{moment.microsecond // 1000:03d}Z"


def duration_text(seconds: float | None) -> str:
    """'45 s', '12 min', '3 h 20 min', '2 d 4 h': a gap as a person says it."""
    if seconds is None:
        return "—"
    seconds = max(0.0, float(seconds))
    if seconds < 90:
        return f"{seconds:.0f} s"
    minutes = seconds / 60
    if minutes < 90:
        return f"{minutes:.0f} min"
    hours, rest = divmod(int(minutes), 60)
    if hours < 48:
        return f"{hours} h {rest} min" if rest else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h" if hours else f"{days} d"


def violation_rule_text(violation: dict) -> str:
    """'maxLength: 20', 'type: integer', 'required' — the schema rule a value broke."""
    keyword = str(violation.get("keyword") or "")
    if "rule" not in violation or violation.get("rule") is None:
        return keyword
    rule = violation["rule"]
    rule_text = rule if isinstance(rule, str) else json.dumps(rule, ensure_ascii=False)
    if len(rule_text) > 80:
        rule_text = rule_text[:77] + "…"
    return f"{keyword}: {rule_text}" if keyword else rule_text


def latency_text(latency_ms: float | None) -> str:
    """'0.4 ms', '12 ms', '2.5 s': precise where it matters, short everywhere."""
    if latency_ms is None:
        return ""
    if latency_ms < 10:
        return f"{latency_ms:.1f} ms"
    if latency_ms < 10_000:
        return f"{latency_ms:.0f} ms"
    return f"{latency_ms / 1000:.1f} s"


def pretty_json(raw: str, indent: int = 2) -> str:
    """Re-indent JSON text without re-reading its values.

    Numbers keep the exact text the charger sent (``0.30`` stays ``0.30``, a
    large integer is not rounded), which a json.loads/json.dumps round trip
    would not guarantee. Text that is not valid JSON is returned unchanged.
    """
    try:
        json.loads(raw)
    except (ValueError, RecursionError):
        return raw
    out: list[str] = []
    depth = 0
    i, n = 0, len(raw)
    pad = " " * indent
    while i < n:
        ch = raw[i]
        if ch == '"':
            j = i + 1
            while j < n and raw[j] != '"':
                j += 2 if raw[j] == "\\" else 1
            out.append(raw[i:j + 1])
            i = j + 1
            continue
        if ch in " \t\r\n":
            i += 1
            continue
        if ch in "{[":
            # an empty container stays on one line
            k = i + 1
            while k < n and raw[k] in " \t\r\n":
                k += 1
            if k < n and raw[k] == ("}" if ch == "{" else "]"):
                out.append(ch + raw[k])
                i = k + 1
                continue
            depth += 1
            out.append(ch + "\n" + pad * depth)
        elif ch in "}]":
            depth -= 1
            out.append("\n" + pad * depth + ch)
        elif ch == ",":
            out.append(",\n" + pad * depth)
        elif ch == ":":
            out.append(": ")
        else:
            out.append(ch)
        i += 1
    return "".join(out)


def frame_type_text(record: FrameRecord) -> str:
    if record.message_type is None:
        return "?"
    return MESSAGE_TYPE_NAMES.get(record.message_type, str(record.message_type))


def severity(record: FrameRecord | ConnectionEvent) -> str | None:
    """'error', 'warning' or None: how loudly a row should stand out."""
    if isinstance(record, ConnectionEvent):
        return "error" if record.kind == "refused" else None
    if record.message_type == 4 or record.valid is False:
        return "error"
    if record.problem:
        return "error" if record.state not in WARNING_STATES else "warning"
    if record.state in WARNING_STATES:
        return "warning"
    return None


def state_text(record: FrameRecord | ConnectionEvent) -> str:
    """A short word for the State column."""
    if isinstance(record, ConnectionEvent):
        return record.kind
    if record.message_type == 4:
        return f"CALLERROR {record.error_code or ''}".strip()
    if record.state in WARNING_STATES:
        return record.state
    if record.problem and record.action is None:
        return "unreadable"
    if record.valid is False:
        return "schema violation"
    if record.problem:
        return "refused"
    return CALL_STATE_WORDS.get(record.state or "", record.state or "")


def problem_text(record: FrameRecord | ConnectionEvent) -> str | None:
    """Why a row is highlighted, in words; None when it is fine."""
    if isinstance(record, ConnectionEvent):
        if record.kind == "refused":
            return f"Connection refused: {record.detail.get('reason', 'no reason recorded')}"
        return None
    if record.problem:
        return record.problem
    if record.message_type == 4:
        return f"The other side answered with a CALLERROR ({record.error_code or 'no code'})"
    if record.state == "timeout":
        return "No answer arrived in time"
    if record.state == "lost":
        return "The connection closed before an answer arrived"
    return None


def event_summary(event: ConnectionEvent) -> str:
    """One short line for the Action column; the detail pane shows everything."""
    detail = event.detail
    if event.kind == "connected":
        protocol = detail.get("subprotocol") or "no subprotocol"
        return f"Connected ({protocol})"
    if event.kind == "disconnected":
        reason = detail.get("reason") or "no reason given"
        return f"Disconnected: {reason}"
    if event.kind == "refused":
        return f"Refused: {detail.get('reason', '')}"
    return event.kind.capitalize()
