"""OCPP-J message frames: CALL [2], CALLRESULT [3], CALLERROR [4] (OCPP-J 1.6 §4,
2.0.1 Part 4 §4), and on OCPP 2.1 only CALLRESULTERROR [5] and SEND [6].

Parsing keeps the raw text exactly as it was on the wire and reads numbers as
``Decimal``: a float would turn a limit of 0.3 A into 0.299999… and fail
``multipleOf: 0.1`` in the official schemas.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum, IntEnum
from typing import Any

from .versions import OcppVersion

#: OCPP-J 1.6 §4.1.4 and 2.0.1 Part 4 §4.1.4: message ids are at most 36 characters.
MAX_MESSAGE_ID_LENGTH = 36

#: Message id used in a CALLERROR when the offending frame's id could not be
#: read (OCPP-J 2.0.1 Part 4 §4.2.3 recommends "-1"; 1.6 is silent, we do the same).
UNKNOWN_MESSAGE_ID = "-1"


class MessageType(IntEnum):
    CALL = 2
    CALLRESULT = 3
    CALLERROR = 4
    # OCPP-J 2.1 (OCPP 2.1 Part 4 §4.2.4): [5, id, code, description, details], an error
    # about a CALLRESULT the other side could not take. Never answered.
    CALLRESULTERROR = 5
    # OCPP-J 2.1 (OCPP 2.1 Part 4 §4.2.5): [6, id, action, payload], an unconfirmed message
    # (e.g. NotifyPeriodicEventStream). The receiver SHALL NOT answer it, not even with an error.
    SEND = 6


#: The message types each OCPP-J edition knows; 1.6 and 2.0.1 have only the first three,
#: so a 5 or 6 there stays "unknown message type id" (answered with a CALLERROR).
_TYPES = frozenset({2, 3, 4})
_TYPES_21 = frozenset({2, 3, 4, 5, 6})
#: Message types that are never answered, whatever is wrong with them.
UNANSWERED = frozenset({MessageType.CALLRESULT, MessageType.CALLERROR,
                        MessageType.CALLRESULTERROR, MessageType.SEND})


class FrameProblem(str, Enum):
    """Why a frame could not be read as an OCPP-J message."""

    NOT_JSON = "not JSON"
    NOT_ARRAY = "not a JSON array"
    BAD_MESSAGE_TYPE = "unknown message type id"
    BAD_MESSAGE_ID = "missing or invalid message id"
    BAD_STRUCTURE = "wrong number or type of elements"


class FrameError(ValueError):
    """A frame that is not a well-formed OCPP-J message.

    ``unique_id`` is the message id when it could still be read, so the
    CALLERROR can refer to it; otherwise it is None.
    """

    def __init__(self, problem: FrameProblem, detail: str, unique_id: str | None = None,
                 message_type: int | None = None) -> None:
        super().__init__(f"{problem.value}: {detail}")
        self.problem = problem
        self.detail = detail
        self.unique_id = unique_id
        self.message_type = message_type


@dataclass(frozen=True, slots=True)
class Frame:
    """One parsed OCPP-J message, with the text it came from."""

    raw: str
    message_type: MessageType
    unique_id: str
    action: str | None = None  # CALL and SEND
    payload: Any = None  # CALL / SEND / CALLRESULT payload, CALLERROR / CALLRESULTERROR details
    error_code: str | None = None  # CALLERROR and CALLRESULTERROR
    error_description: str | None = None  # CALLERROR and CALLRESULTERROR


def _reject_constant(name: str) -> Any:
    # Python's json reads NaN and Infinity; RFC 8259 JSON has no such thing.
    raise ValueError(f"{name} is not valid JSON")


#: one decoder for every frame: json.loads with these options builds a new JSONDecoder (and
#: its scanner) per call, 4-5 us of the 7-14 a Heartbeat or MeterValues frame takes to read
_DECODER = json.JSONDecoder(parse_float=Decimal, parse_constant=_reject_constant)


def loads(text: str) -> Any:
    """Strict JSON with numbers as Decimal (integers stay int)."""
    if isinstance(text, str) and not text.startswith("\ufeff"):
        return _DECODER.decode(text)
    # bytes, or a byte order mark, which json.loads names in its error
    return json.loads(text, parse_float=Decimal, parse_constant=_reject_constant)


def _is_text(value: Any) -> bool:
    """A string that can be stored and sent: JSON's \\ud800 escapes can decode to
    lone surrogates, which are not UTF-8."""
    if not isinstance(value, str):
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _valid_id(value: Any) -> str | None:
    """The message id when it is one we may echo back (OCPP-J §4.1.4), else None."""
    if _is_text(value) and 0 < len(value) <= MAX_MESSAGE_ID_LENGTH:
        return value
    return None


def _type_id(value: Any) -> int | None:
    """The message type id as a storable int, or None. 3.0 reads as 3 (the
    number is the same); bools, fractions and numbers past 64 bits are not ids."""
    if isinstance(value, Decimal):
        # Compare before converting: int(Decimal("1E+999999999")) would take forever.
        if not (value.is_finite() and -2**63 <= value < 2**63
                and value == value.to_integral_value()):
            return None
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and -2**63 <= value < 2**63:
        return value
    return None


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        # Integral decimals go out as integers, others as the shortest exact form.
        if value == value.to_integral_value() and abs(value) < 2**53:
            return int(value)
        return float(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def dumps(value: Any) -> str:
    """Compact JSON as chargers expect it; Decimal-aware."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=_default)


def parse_frame(raw: str, version: OcppVersion | None = None) -> Frame:
    """Parse one websocket text message; raise FrameError when it is not OCPP-J.

    Types 5 and 6 are read only when ``version`` is 2.1; an unknown version (a console
    before the boot) reads the three types every edition has.
    """
    try:
        message = loads(raw)
    except (ValueError, RecursionError) as exc:
        raise FrameError(FrameProblem.NOT_JSON, str(exc)) from None
    if not isinstance(message, list):
        raise FrameError(FrameProblem.NOT_ARRAY, f"got a JSON {type(message).__name__}")
    if not message:
        raise FrameError(FrameProblem.BAD_STRUCTURE, "empty array")
    raw_id = message[1] if len(message) > 1 else None
    unique_id = _valid_id(raw_id)
    type_id = _type_id(message[0])
    if type_id not in (_TYPES_21 if version is OcppVersion.V21 else _TYPES):
        raise FrameError(FrameProblem.BAD_MESSAGE_TYPE, f"message type id {_short(message[0])}",
                         unique_id, type_id)
    message_type = MessageType(type_id)
    if unique_id is None:
        detail = ("message id is not a string" if not isinstance(raw_id, str)
                  else "message id is empty" if not raw_id
                  else "message id is not valid Unicode text" if not _is_text(raw_id)
                  else f"message id is {len(raw_id)} characters, at most {MAX_MESSAGE_ID_LENGTH} allowed")
        # Answered with id "-1": echoing an id we judged invalid would break the limit again.
        raise FrameError(FrameProblem.BAD_MESSAGE_ID, detail, None, type_id)
    if message_type is MessageType.CALL or message_type is MessageType.SEND:
        if len(message) != 4 or not _is_text(message[2]):
            raise FrameError(FrameProblem.BAD_STRUCTURE,
                             f"a {message_type.name} is [{type_id}, id, action, payload]",
                             unique_id, type_id)
        # OCPP-J §4.2.1: "no payload" may be written null or {}; both mean {}.
        payload = {} if message[3] is None else message[3]
        return Frame(raw, message_type, unique_id, action=message[2], payload=payload)
    if message_type is MessageType.CALLRESULT:
        if len(message) != 3:
            raise FrameError(FrameProblem.BAD_STRUCTURE,
                             "a CALLRESULT is [3, id, payload]", unique_id, type_id)
        payload = {} if message[2] is None else message[2]
        return Frame(raw, message_type, unique_id, payload=payload)
    if len(message) != 5 or not _is_text(message[2]):
        raise FrameError(FrameProblem.BAD_STRUCTURE,
                         f"a {message_type.name} is [{type_id}, id, code, description, details]",
                         unique_id, type_id)
    description = message[3] if _is_text(message[3]) else ascii(message[3])
    return Frame(raw, message_type, unique_id, payload=message[4],
                 error_code=message[2], error_description=description)


def _short(value: Any, limit: int = 40) -> str:
    text = ascii(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def call_text(unique_id: str, action: str, payload: Any) -> str:
    return dumps([MessageType.CALL, unique_id, action, payload])


def send_text(unique_id: str, action: str, payload: Any) -> str:
    """An OCPP 2.1 SEND (OCPP 2.1 Part 4 §4.2.5)."""
    return dumps([MessageType.SEND, unique_id, action, payload])


def result_text(unique_id: str, payload: Any) -> str:
    return dumps([MessageType.CALLRESULT, unique_id, payload])


def error_text(unique_id: str, code: str, description: str = "",
               details: dict[str, Any] | None = None) -> str:
    # OCPP-J §4.2.3: description "" when none, details {} when none.
    return dumps([MessageType.CALLERROR, unique_id, code, description, details or {}])
