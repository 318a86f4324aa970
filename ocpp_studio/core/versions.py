"""OCPP versions and their websocket subprotocol names (OCPP-J 1.6 §3.1.2)."""

from __future__ import annotations

from enum import Enum


class OcppVersion(str, Enum):
    """An OCPP version, valued by its websocket subprotocol name."""

    V16 = "ocpp1.6"
    V201 = "ocpp2.0.1"

    @property
    def label(self) -> str:
        return {"ocpp1.6": "1.6", "ocpp2.0.1": "2.0.1"}[self.value]

    @classmethod
    def parse(cls, text: str) -> "OcppVersion":
        """Accept '1.6', 'ocpp1.6', '2.0.1', 'ocpp2.0.1' (case-insensitive)."""
        cleaned = text.strip().lower()
        if not cleaned.startswith("ocpp"):
            cleaned = "ocpp" + cleaned
        for version in cls:
            if version.value == cleaned:
                return version
        raise ValueError(f"unknown OCPP version {text!r}; use 1.6 or 2.0.1")


SUPPORTED_SUBPROTOCOLS: tuple[str, ...] = tuple(v.value for v in OcppVersion)
