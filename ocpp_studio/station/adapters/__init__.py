"""One adapter per OCPP version behind one interface (``base.OcppAdapter``), chosen by one
factory from the negotiated subprotocol: the only place that knows which messages and payloads
a version uses.

>>> adapter_for(OcppVersion.V16).reset_request().payload
{'type': 'Soft'}
>>> adapter_for(OcppVersion.V21).clear_profile_request(7).payload
{'chargingProfileId': 7}
"""

from __future__ import annotations

from ...core.versions import OcppVersion
from .base import (CALL_FAILURES, WRITE_TAKEN, CallFn, MessageLimits, NotBound, OcppAdapter,
                   OcppRequest, Setting, SettingAddress, SettingRead, SettingWrite)
from .v16 import Ocpp16Adapter
from .v201 import Ocpp201Adapter, VariableName
from .v21 import Ocpp21Adapter

__all__ = ["CALL_FAILURES", "WRITE_TAKEN", "CallFn", "MessageLimits", "NotBound", "OcppAdapter",
           "OcppRequest", "Setting", "SettingAddress", "SettingRead", "SettingWrite",
           "Ocpp16Adapter", "Ocpp201Adapter", "Ocpp21Adapter", "VariableName", "adapter_for",
           "ADAPTERS"]

ADAPTERS: dict[OcppVersion, type[OcppAdapter]] = {
    OcppVersion.V16: Ocpp16Adapter,
    OcppVersion.V201: Ocpp201Adapter,
    OcppVersion.V21: Ocpp21Adapter,
}


def adapter_for(version: OcppVersion | str, call: CallFn | None = None) -> OcppAdapter:
    """The adapter for ``version`` (an OcppVersion, or text such as '1.6', 'ocpp2.1');
    bound to ``call`` when given (``CentralSystem.adapter(charger_id)`` binds one for you)."""
    if not isinstance(version, OcppVersion):
        version = OcppVersion.parse(str(version))
    return ADAPTERS[version](call)
