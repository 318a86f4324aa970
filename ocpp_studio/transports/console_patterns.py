"""Finding OCPP-J frames in the lines of a charger's debug console.

A pattern turns one console line into an ExtractedFrame (the JSON array text and,
when the line says so, who sent it) or None when the line carries no frame.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..core.frames import loads
from ..core.records import Direction

# Words a console uses to say who sent a frame (lower case).
_SENT = {"send", "sent", "sending", "tx", ">>", "->", "out", "to_csms"}
_RECEIVED = {"recv", "received", "receive", "receiving", "rx", "<<", "<-", "in", "to_charger"}


def direction_from_word(word: str | None) -> Direction | None:
    """send/tx/>>/-> → TO_CSMS (the charger sent it); recv/rx/<</<- → TO_CHARGER."""
    if not word:
        return None
    token = word.strip().lower().rstrip(":").strip()
    if token in _SENT:
        return Direction.TO_CSMS
    if token in _RECEIVED:
        return Direction.TO_CHARGER
    return None


@dataclass
class ExtractedFrame:
    direction: Direction | None
    raw: str


def _json_array(text: str) -> str | None:
    text = text.strip()
    if not (text.startswith("[") and text.endswith("]")):
        return None
    try:
        value = loads(text)
    except (ValueError, RecursionError):
        return None
    return text if isinstance(value, list) else None


_BARE = r"^\s*(?P<frame>\[.*\])\s*$"
# Optional timestamp-ish prefix (anything without a marker), then a marker, then the array.
_ARROWS = (r"^.*?(?<![\w])(?P<direction>send|sent|recv|received|tx|rx|>>|<<|->|<-)"
           r"\s*:?\s*(?P<frame>\[.*\])\s*$")


class LinePattern:
    """A regular expression with a named group ``frame`` and optionally ``direction``."""

    PRESETS = ("bare", "arrows")

    def __init__(self, name: str, regex: str, flags: int = 0) -> None:
        self.name = name
        self.regex = re.compile(regex, flags)
        if "frame" not in self.regex.groupindex:
            raise ValueError("the pattern needs a named group 'frame', e.g. (?P<frame>\\[.*\\])")

    @classmethod
    def bare(cls) -> "LinePattern":
        return cls("bare", _BARE)

    @classmethod
    def arrows(cls) -> "LinePattern":
        return cls("arrows", _ARROWS, re.IGNORECASE)

    @classmethod
    def from_regex(cls, regex: str) -> "LinePattern":
        try:
            return cls("custom", regex)
        except re.error as exc:
            raise ValueError(f"not a valid regular expression: {exc}") from None

    @classmethod
    def named(cls, spec: str) -> "LinePattern":
        """A preset by name, otherwise spec is a user regular expression."""
        if spec == "bare":
            return cls.bare()
        if spec == "arrows":
            return cls.arrows()
        return cls.from_regex(spec)

    def extract(self, line: str) -> ExtractedFrame | None:
        match = self.regex.search(line.rstrip("\r\n"))
        if match is None:
            return None
        raw = _json_array(match.group("frame") or "")
        if raw is None:
            return None
        word = match.groupdict().get("direction")
        return ExtractedFrame(direction_from_word(word), raw)
