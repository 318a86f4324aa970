"""Big frames: the per-frame size limit a user can set, and what is read of a frame
that is over it (issue 17).

A frame over the limit is recorded whole but never parsed or checked against its
schema: only its head (message type, id, action) is read, with a regular
expression over the first few hundred characters, so that a CALL can be answered
with a CALLERROR that names its id. OCPP-J has no error code for "too big"
(1.6 §4.2.3 table 7, 2.0.1 Part 4 §4.3): the payload was not read, so neither a
formation nor a constraint violation can be claimed; GenericError ("any other
error not covered by the previous ones") is the code that says only what we know.

Frames under the limit but bigger than ``OFF_LOOP_CHARS`` are parsed and
validated in a worker process (``off_loop.py``; a thread held the GIL), so one
charger's megabyte does not hold the event loop (and every other charger) for
the time it takes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .frames import MAX_MESSAGE_ID_LENGTH

#: Frames longer than this (characters) are parsed and validated off the event loop.
OFF_LOOP_CHARS = 64 * 1024

# [2, "id", "Action", ... / [3, "id", ... : what a CALLERROR needs, read without parsing
_HEAD = re.compile(r'\s*\[\s*(\d)\s*,\s*"([^"\\]{1,%d})"\s*(?:,\s*"([A-Za-z0-9]{1,64})")?'
                   % MAX_MESSAGE_ID_LENGTH)


@dataclass(frozen=True, slots=True)
class Head:
    """What could be read from the start of a frame without parsing it."""

    message_type: int | None = None
    unique_id: str | None = None
    action: str | None = None


def frame_bytes(raw: str) -> int:
    """The frame's size in bytes as UTF-8 (as it was on the wire)."""
    return len(raw.encode("utf-8", "surrogatepass"))


def over_limit(raw: str, limit: int | None) -> int | None:
    """The frame's size in bytes when it is over ``limit`` (None: no limit), else None."""
    if limit is None or len(raw) * 4 <= limit:  # cannot be over it: skip the encoding
        return None
    size = frame_bytes(raw)
    return size if size > limit else None


def read_head(raw: str) -> Head:
    """Message type, id and (for a CALL or SEND) action from the first characters."""
    found = _HEAD.match(raw[:256])
    if found is None:
        return Head()
    kind = int(found.group(1))
    action = found.group(3) if kind in (2, 6) else None
    return Head(kind, found.group(2), action)


def oversize_problem(size: int, limit: int) -> str:
    return (f"frame of {size:,} bytes is over the size limit of {limit:,} bytes (the "
            "'largest frame' setting); recorded but not parsed or checked against the schema")
