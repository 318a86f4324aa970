"""OCPP versions and their websocket subprotocol names (OCPP-J 1.6 §3.1.2)."""

from __future__ import annotations

from enum import Enum


class OcppVersion(str, Enum):
    """An OCPP version, valued by its websocket subprotocol name."""

    V16 = "ocpp1.6"
    V201 = "ocpp2.0.1"
    V21 = "ocpp2.1"

    @property
    def label(self) -> str:
        return self.value[len("ocpp"):]

    @property
    def is_json_schema_draft04(self) -> bool:
        """1.6 schemas are draft-04 and name requests ``Action.json``; 2.x use
        ``ActionRequest.json`` and draft-06+ (OCPP-J 1.6 errata §3.8)."""
        return self is OcppVersion.V16

    @property
    def rpc_family(self) -> str:
        """'1.6' or '2.x': the OCPP-J edition whose CALLERROR codes apply
        (2.0.1 and 2.1 share OCPP-J 2.0.1 §4.3 error codes)."""
        return "1.6" if self is OcppVersion.V16 else "2.x"

    @classmethod
    def parse(cls, text: str) -> "OcppVersion":
        """Accept '1.6', 'ocpp1.6', '2.0.1', 'ocpp2.0.1', '2.1', 'ocpp2.1' (case-insensitive)."""
        cleaned = text.strip().lower()
        if not cleaned.startswith("ocpp"):
            cleaned = "ocpp" + cleaned
        for version in cls:
            if version.value == cleaned:
                return version
        raise ValueError(f"unknown OCPP version {text!r}; use 1.6, 2.0.1 or 2.1")


SUPPORTED_SUBPROTOCOLS: tuple[str, ...] = tuple(v.value for v in OcppVersion)
