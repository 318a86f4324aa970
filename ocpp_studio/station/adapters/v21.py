"""OCPP 2.1: for everything the studio does, the 2.0.1 messages and device model (OCPP 2.1
Part 2 keeps the 2.0.1 messages; the additions are new messages, answered by the responder)."""

from __future__ import annotations

from ...core.versions import OcppVersion
from .operations import Requests21
from .v201 import Ocpp201Adapter


class Ocpp21Adapter(Ocpp201Adapter, Requests21):  # Requests21: 2.1 triggers
    version = OcppVersion.V21
    network_ocpp_version = "OCPP21"  # 2.1 OCPPVersionEnumType adds OCPP201 and OCPP21
