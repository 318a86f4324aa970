"""Request builders for the charger operations (issue 16 §1), one class per OCPP version.

Kept beside the adapters and keyed by them (``operation_requests(adapter)``): the adapter
decides the version, these classes know each operation's message and payload shape. Every
builder is pure (an :class:`OcppRequest`, nothing sent), so "Send message" examples, the
operations catalogue (``station/operations.py``) and tests build the same payloads.

Neutral arguments: ``evse`` / ``connector`` as in ``OcppAdapter.trigger_request`` (1.6 has
connectors only: ``connector`` if given, else ``evse``); id tags are text; times are aware
datetimes or RFC 3339 text.
"""

from __future__ import annotations

import importlib
from datetime import datetime, timezone
from typing import Sequence

from ocpp.v16.enums import AvailabilityType, MessageTrigger, UpdateType
from ocpp.v201.enums import MessageTriggerEnumType as Trigger201
from ocpp.v201.enums import OperationalStatusEnumType

from ...core.versions import OcppVersion
from .base import OcppAdapter, OcppRequest, Payload
from .certificates import Certificates16, Certificates201
from .operations_2x import More2x
from .transfers import Transfers16, Transfers201

#: 1.6 TriggerMessage.req's requestedMessage (1.6 §7.32 MessageTrigger); the others of the
#: ocpp package's enum (LogStatusNotification, SignChargePointCertificate) come from the
#: security whitepaper and travel in ExtendedTriggerMessage (whitepaper ed. 3 §4.3.4)
_TRIGGER16_PLAIN = frozenset({"BootNotification", "DiagnosticsStatusNotification",
                              "FirmwareStatusNotification", "Heartbeat", "MeterValues",
                              "StatusNotification"})
#: a local-list entry or reservation token: (id tag, status or None = remove in a differential)
LocalListEntry = tuple[str, "str | None"]


def _time(value: datetime | str) -> str:
    if isinstance(value, str):
        return value
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class NotInThisVersion(NotImplementedError):
    """The operation does not exist in the charger's OCPP version."""


class OperationRequests:
    """The builders every version has; 2.x-only ones raise :class:`NotInThisVersion`."""

    version: OcppVersion
    #: TriggerMessage's requestedMessage values, from the ocpp package's enum
    triggers: tuple[str, ...] = ()
    #: operations address an EVSE (and its connector), not a connector alone
    addressed_by_evse: bool = False
    #: the message that reports a session's start / end
    transaction_started: str = ""
    transaction_ended: str = ""

    def ends_transaction(self, payload: Payload) -> bool:
        """Whether ``transaction_ended``'s payload reports the end of a session."""
        return True

    def _absent(self, what: str) -> NotInThisVersion:
        return NotInThisVersion(f"OCPP {self.version.label} has no {what}")

    def reset_at_request(self, hard: bool, evse: int | None = None) -> OcppRequest:
        raise NotImplementedError

    def trigger_message_request(self, message: str, evse: int | None = None,
                                connector: int | None = None) -> OcppRequest:
        raise NotImplementedError

    def unlock_request(self, evse: int | None = 1, connector: int | None = None) -> OcppRequest:
        raise NotImplementedError

    def change_availability_request(self, operative: bool, evse: int | None = None,
                                    connector: int | None = None) -> OcppRequest:
        """Whole charger when neither is given (1.6 connectorId 0, 2.x no ``evse``)."""
        raise NotImplementedError

    def clear_cache_request(self) -> OcppRequest:
        return OcppRequest("ClearCache", {})  # 1.6 §5.4, 2.0.1 C11

    def local_list_version_request(self) -> OcppRequest:
        return OcppRequest("GetLocalListVersion", {})  # 1.6 §5.10, 2.0.1 D02

    def send_local_list_request(self, list_version: int, full: bool,
                                entries: Sequence[LocalListEntry]) -> OcppRequest:
        raise NotImplementedError

    def reserve_now_request(self, reservation_id: int, id_tag: str, expiry: datetime | str,
                            evse: int | None = None) -> OcppRequest:
        raise NotImplementedError

    def cancel_reservation_request(self, reservation_id: int) -> OcppRequest:
        raise NotImplementedError

    def data_transfer_request(self, vendor_id: str, message_id: str | None = None,
                              data: str | None = None) -> OcppRequest:
        payload: Payload = {"vendorId": vendor_id}  # 1.6 §5.6, 2.0.1 P01
        if message_id:
            payload["messageId"] = message_id
        if data is not None:
            payload["data"] = data
        return OcppRequest("DataTransfer", payload)

    def clear_customer_information_request(self, request_id: int, id_tag: str | None = None,
                                           customer_identifier: str | None = None
                                           ) -> OcppRequest:
        raise self._absent("CustomerInformation")

    def set_variable_monitoring_request(self, component: str, variable: str, kind: str,
                                        value: float, severity: int = 8,
                                        evse: int | None = None) -> OcppRequest:
        raise self._absent("SetVariableMonitoring")

    def clear_variable_monitoring_request(self, monitor_ids: Sequence[int]) -> OcppRequest:
        raise self._absent("ClearVariableMonitoring")


class Requests16(OperationRequests, Certificates16, Transfers16):
    """OCPP 1.6J (edition 2), plus the security whitepaper's ExtendedTriggerMessage."""

    version = OcppVersion.V16
    triggers = tuple(m.value for m in MessageTrigger)
    transaction_started = "StartTransaction"  # §5.11: once the cable is there
    transaction_ended = "StopTransaction"     # §4.10

    def reset_at_request(self, hard: bool, evse: int | None = None) -> OcppRequest:
        if evse not in (None, 0):
            raise self._absent("per-connector reset")
        return self.reset_request(hard)  # type: ignore[attr-defined]  # the adapter's own

    def trigger_message_request(self, message: str, evse: int | None = None,
                                connector: int | None = None) -> OcppRequest:
        request = self.trigger_request(message, evse, connector)  # type: ignore[attr-defined]
        if message in _TRIGGER16_PLAIN:
            return request
        # the security whitepaper's messages are triggered by ExtendedTriggerMessage
        return OcppRequest("ExtendedTriggerMessage", request.payload)

    def unlock_request(self, evse: int | None = 1, connector: int | None = None) -> OcppRequest:
        where = connector if connector is not None else (evse if evse is not None else 1)
        return OcppRequest("UnlockConnector", {"connectorId": int(where)})  # §5.18

    def change_availability_request(self, operative: bool, evse: int | None = None,
                                    connector: int | None = None) -> OcppRequest:
        where = connector if connector is not None else (evse or 0)  # §5.2: 0 = whole charger
        kind = AvailabilityType.operative if operative else AvailabilityType.inoperative
        return OcppRequest("ChangeAvailability", {"connectorId": int(where), "type": kind.value})

    def send_local_list_request(self, list_version: int, full: bool,
                                entries: Sequence[LocalListEntry]) -> OcppRequest:
        # §5.15 SendLocalList.req; an entry without idTagInfo removes the tag (differential)
        items: list[Payload] = []
        for id_tag, status in entries:
            item: Payload = {"idTag": id_tag}
            if status is not None:
                item["idTagInfo"] = {"status": status}
            items.append(item)
        kind = UpdateType.full if full else UpdateType.differential
        return OcppRequest("SendLocalList", {"listVersion": int(list_version),
                                             "localAuthorizationList": items,
                                             "updateType": kind.value})

    def reserve_now_request(self, reservation_id: int, id_tag: str, expiry: datetime | str,
                            evse: int | None = None) -> OcppRequest:
        return OcppRequest("ReserveNow", {  # §5.13: connectorId 0 = any connector
            "connectorId": int(evse or 0), "expiryDate": _time(expiry), "idTag": id_tag,
            "reservationId": int(reservation_id)})

    def cancel_reservation_request(self, reservation_id: int) -> OcppRequest:
        return OcppRequest("CancelReservation", {"reservationId": int(reservation_id)})  # §5.1


class Requests201(OperationRequests, Certificates201, Transfers201, More2x):
    """OCPP 2.0.1 (Part 2 functional blocks cited per builder)."""

    version = OcppVersion.V201
    triggers = tuple(m.value for m in Trigger201)
    addressed_by_evse = True
    transaction_started = "TransactionEvent"  # E01/F01: eventType Started
    transaction_ended = "TransactionEvent"    # E06: eventType Ended

    def ends_transaction(self, payload: Payload) -> bool:
        return payload.get("eventType") == "Ended"
    #: idToken type of tokens typed by the installer (a card number)
    token_type = "ISO14443"

    def reset_at_request(self, hard: bool, evse: int | None = None) -> OcppRequest:
        # B11/B12: OnIdle waits for transactions to end; evseId resets one EVSE (B11.FR.08)
        request = self.reset_request(hard)  # type: ignore[attr-defined]  # the adapter's own
        if evse not in (None, 0):
            request.payload["evseId"] = int(evse)  # type: ignore[arg-type]
        return request

    def trigger_message_request(self, message: str, evse: int | None = None,
                                connector: int | None = None) -> OcppRequest:
        return self.trigger_request(message, evse, connector)  # type: ignore[attr-defined]

    def unlock_request(self, evse: int | None = 1, connector: int | None = None) -> OcppRequest:
        return OcppRequest("UnlockConnector", {  # F05
            "evseId": int(evse if evse is not None else 1),
            "connectorId": int(connector if connector is not None else 1)})

    def change_availability_request(self, operative: bool, evse: int | None = None,
                                    connector: int | None = None) -> OcppRequest:
        kind = OperationalStatusEnumType.operative if operative else \
            OperationalStatusEnumType.inoperative
        payload: Payload = {"operationalStatus": kind.value}  # G03/G04: no evse = station
        if evse not in (None, 0):
            where: Payload = {"id": int(evse)}  # type: ignore[arg-type]
            if connector is not None:
                where["connectorId"] = int(connector)
            payload["evse"] = where
        return OcppRequest("ChangeAvailability", payload)

    def _token(self, id_tag: str) -> Payload:
        return {"idToken": id_tag, "type": self.token_type}

    def send_local_list_request(self, list_version: int, full: bool,
                                entries: Sequence[LocalListEntry]) -> OcppRequest:
        items: list[Payload] = []  # D01: an entry without idTokenInfo removes the token
        for id_tag, status in entries:
            item: Payload = {"idToken": self._token(id_tag)}
            if status is not None:
                item["idTokenInfo"] = {"status": status}
            items.append(item)
        payload: Payload = {"versionNumber": int(list_version),
                            "updateType": "Full" if full else "Differential"}
        if items:
            payload["localAuthorizationList"] = items
        return OcppRequest("SendLocalList", payload)

    def reserve_now_request(self, reservation_id: int, id_tag: str, expiry: datetime | str,
                            evse: int | None = None) -> OcppRequest:
        payload: Payload = {"id": int(reservation_id), "expiryDateTime": _time(expiry),
                            "idToken": self._token(id_tag)}  # H01
        if evse not in (None, 0):
            payload["evseId"] = int(evse)  # type: ignore[arg-type]
        return OcppRequest("ReserveNow", payload)

    def cancel_reservation_request(self, reservation_id: int) -> OcppRequest:
        return OcppRequest("CancelReservation", {"reservationId": int(reservation_id)})  # H02

    def clear_customer_information_request(self, request_id: int, id_tag: str | None = None,
                                           customer_identifier: str | None = None
                                           ) -> OcppRequest:
        # N09/N10 CustomerInformationRequest with clear=true: the regulations' "delete
        # personal data" (§2.8.7); report=false, so no NotifyCustomerInformation data
        payload: Payload = {"requestId": int(request_id), "report": False, "clear": True}
        if id_tag:
            payload["idToken"] = self._token(id_tag)
        if customer_identifier:
            payload["customerIdentifier"] = customer_identifier
        return OcppRequest("CustomerInformation", payload)

    def set_variable_monitoring_request(self, component: str, variable: str, kind: str,
                                        value: float, severity: int = 8,
                                        evse: int | None = None) -> OcppRequest:
        target: Payload = {"name": component}  # N04 SetVariableMonitoring
        if evse not in (None, 0):
            target["evse"] = {"id": int(evse)}  # type: ignore[arg-type]
        return OcppRequest("SetVariableMonitoring", {"setMonitoringData": [{
            "value": value, "type": kind, "severity": int(severity),
            "component": target, "variable": {"name": variable}}]})

    def clear_variable_monitoring_request(self, monitor_ids: Sequence[int]) -> OcppRequest:
        return OcppRequest("ClearVariableMonitoring",  # N06
                           {"id": [int(i) for i in monitor_ids]})


class _EnumValues:
    """The values of an ``ocpp`` enum, read when first asked for: the 2.1 enums are loaded
    on first use, not at start (``_ocpp_enums.LAZY``)."""

    def __init__(self, module: str, name: str) -> None:
        self.module, self.name = module, name
        self.values: tuple[str, ...] | None = None

    def __get__(self, instance: object, owner: type | None = None) -> tuple[str, ...]:
        if self.values is None:
            enum = getattr(importlib.import_module(self.module), self.name)
            self.values = tuple(m.value for m in enum)
        return self.values


class Requests21(Requests201):
    """OCPP 2.1 keeps these 2.0.1 messages (2.1 Part 2); its trigger list is longer."""

    version = OcppVersion.V21
    triggers = _EnumValues("ocpp.v21.enums", "MessageTriggerEnumType")


_BY_VERSION: dict[OcppVersion, type[OperationRequests]] = {
    OcppVersion.V16: Requests16, OcppVersion.V201: Requests201, OcppVersion.V21: Requests21}


def operation_requests(adapter: OcppAdapter | OcppVersion) -> OperationRequests:
    """The operation builders of ``adapter``'s (or the given) version."""
    version = adapter if isinstance(adapter, OcppVersion) else adapter.version
    builders = _BY_VERSION[version]
    if isinstance(adapter, builders):  # the adapters inherit their version's builders
        return adapter
    return builders()
