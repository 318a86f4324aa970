"""How the local central system answers charger-initiated messages, per version.

Every answer is schema-valid and sensible for a commissioning laptop: boots
are accepted (configurable), id tags authorised by policy, notifications
acknowledged. Messages that only a production back office could honour
(certificate signing, ISO 15118 certificates, OCSP, VAT numbers, dynamic
schedules) are politely declined. Each handler also updates the Station model.

One routing table per version: OCPP 2.1 answers everything 2.0.1 does the
2.0.1 way (OCPP 2.1 Part 2 keeps those messages) plus its own new messages.
"""

from __future__ import annotations

import itertools
import logging
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any, Callable

from ocpp.v16.enums import AuthorizationStatus, DataTransferStatus
from ocpp.v201.enums import (GenericStatusEnumType, GetCertificateStatusEnumType,
                             Iso15118EVCertificateStatusEnumType,
                             NotifyEVChargingNeedsStatusEnumType)

from ..core.errors import Fault
from ..core.events import Signal
from ..core.records import now_us
from ..core.rpc import CallError
from ..core.versions import OcppVersion
from ..settings import CsmsSettings
from .observations import (note_boot_16, note_boot_201, note_heartbeat, note_status_16,
                           note_status_201)
from .model import ReportPart, Station, Transaction
from .security_state import Iso15118Refusal, SecurityEvent

log = logging.getLogger(__name__)

Payload = dict[str, Any]
Handler = Callable[[Station, Payload], "Payload | None"]

#: OCPP-J 2.1 (Part 4 §4.2.5) SEND (message type 6): the charger expects no answer at all.
SENDS: dict[OcppVersion, frozenset[str]] = {
    OcppVersion.V16: frozenset(), OcppVersion.V201: frozenset(),
    OcppVersion.V21: frozenset({"NotifyPeriodicEventStream"}),
}
ACCEPTED = AuthorizationStatus.accepted.value


def utc_now_text() -> str:
    """currentTime as OCPP wants it: RFC 3339 UTC, millisecond precision."""
    now = datetime.now(timezone.utc)
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"


#: far beyond any OCPP integer (they are 32-bit): a bound checked before int(), which on a
#: Decimal such as 1e9999999 (a tolerant-mode payload) would build a ten-million-digit number
#: and hold the event loop for every charger
_INTEGER_LIMIT = Decimal(2) ** 63


def _integer(value: Any) -> int:
    """An OCPP integer from a payload value; ValueError for anything else (tolerant mode lets
    payloads through that the schema refused)."""
    if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
        raise ValueError(f"not an integer: {value!r}")
    # copy_abs and comparisons use no context: abs() would trap Overflow on 1e9999999
    if isinstance(value, Decimal) and (not value.is_finite()
                                       or value.copy_abs() >= _INTEGER_LIMIT
                                       or value != value.to_integral_value()):
        raise ValueError(f"not an integer: {value!r}")
    return int(value)


def _number(value: Any) -> float | None:
    try:
        return float(Decimal(str(value)))
    except (ArithmeticError, ValueError, TypeError):
        return None


def _answer(**fixed: Any) -> Handler:
    """A handler that always gives the same answer (enums as their text)."""
    payload = {k: getattr(v, "value", v) for k, v in fixed.items()}
    return lambda station, request: dict(payload)


def _no_dynamic_schedule(station: Station, payload: Payload) -> Payload:
    # The 2.1 enums are loaded on first use, not at start (_ocpp_enums.LAZY).
    from ocpp.v21.enums import ChargingProfileStatusEnumType
    return {"status": ChargingProfileStatusEnumType.rejected.value}


class CsmsResponder:
    """Answers CALLs from one charger and keeps its Station up to date."""

    def __init__(self, settings: CsmsSettings, transaction_ids: itertools.count) -> None:
        self.settings = settings
        self._transaction_ids = transaction_ids
        #: every NotifyReport part, as it arrives (2.0.1 B07/B08)
        self.report_parts: Signal[ReportPart] = Signal("NotifyReport parts")
        #: SignCertificate's answer (the central system's CertificateManager sets it);
        #: None: declined as before
        self.sign_certificate: Handler | None = None
        v16: dict[str, Handler] = {
            "Authorize": self._authorize_16,
            "BootNotification": self._boot_16,
            "DataTransfer": self._data_transfer,
            "DiagnosticsStatusNotification": self._acknowledge,
            "FirmwareStatusNotification": self._acknowledge,
            "Heartbeat": self._heartbeat,
            "MeterValues": self._acknowledge,
            "StartTransaction": self._start_transaction_16,
            "StatusNotification": self._status_16,
            "StopTransaction": self._stop_transaction_16,
            "LogStatusNotification": self._acknowledge,
            "SecurityEventNotification": self._security_event,
            "SignCertificate": self._sign_certificate,
            "SignedFirmwareStatusNotification": self._acknowledge,
        }
        v201: dict[str, Handler] = {
            "Authorize": self._authorize_201,
            "BootNotification": self._boot_201,
            "ClearedChargingLimit": self._acknowledge,
            "DataTransfer": self._data_transfer,
            "FirmwareStatusNotification": self._acknowledge,
            "Get15118EVCertificate": self._ev_certificate,
            "GetCertificateStatus": self._certificate_status,
            "Heartbeat": self._heartbeat,
            "LogStatusNotification": self._acknowledge,
            "MeterValues": self._acknowledge,
            "NotifyChargingLimit": self._acknowledge,
            "NotifyCustomerInformation": self._acknowledge,
            "NotifyDisplayMessages": self._acknowledge,
            # We do not compute ISO 15118 schedules: say so rather than promise one.
            "NotifyEVChargingNeeds": _answer(status=NotifyEVChargingNeedsStatusEnumType.rejected),
            "NotifyEVChargingSchedule": _answer(status=GenericStatusEnumType.accepted),
            "NotifyEvent": self._notify_event,
            "NotifyMonitoringReport": self._acknowledge,
            "NotifyReport": self._notify_report,
            "PublishFirmwareStatusNotification": self._acknowledge,
            "ReportChargingProfiles": self._acknowledge,
            "ReservationStatusUpdate": self._acknowledge,
            "SecurityEventNotification": self._security_event,
            "SignCertificate": self._sign_certificate,
            "StatusNotification": self._status_201,
            "TransactionEvent": self._transaction_event,
        }
        # OCPP 2.1 Part 2: the new charger-initiated messages (DER, periodic event streams,
        # tariffs and settlement, battery swap). Notifications are acknowledged (the frame
        # is recorded and validated like any other); what needs a back office is declined.
        v21: dict[str, Handler] = {
            **v201,
            "BatterySwap": self._acknowledge,
            "ClosePeriodicEventStream": self._acknowledge,
            "GetCertificateChainStatus": self._certificate_chain_status,
            "NotifyDERAlarm": self._acknowledge,
            "NotifyDERStartStop": self._acknowledge,
            "NotifyPeriodicEventStream": self._no_answer,
            "NotifyPriorityCharging": self._acknowledge,
            "NotifySettlement": self._acknowledge,
            "OpenPeriodicEventStream": _answer(status=GenericStatusEnumType.accepted),
            # no dynamic schedule is kept by a commissioning laptop
            "PullDynamicScheduleUpdate": _no_dynamic_schedule,
            "ReportDERControl": self._acknowledge,
            "VatNumberValidation": self._vat_number,
        }
        self._routes: dict[OcppVersion, dict[str, Handler]] = {
            OcppVersion.V16: v16, OcppVersion.V201: v201, OcppVersion.V21: v21}

    def handles(self, version: OcppVersion, action: str) -> bool:
        return action in self._routes.get(version, {})

    def respond(self, station: Station, action: str, payload: Payload) -> Payload | None:
        """The answer to a charger's CALL (None for a SEND, which gets none)."""
        handler = self._routes.get(station.version or OcppVersion.V16, {}).get(action)
        if handler is None:
            raise CallError(Fault.NOT_SUPPORTED, f"{action} is not supported by OCPP Studio")
        station.last_message_us = now_us()
        if action != "BootNotification" and station.boot_status not in (None, ACCEPTED):
            # OCPP-J 1.6 errata §3.10 / 2.0.1 B02.FR.04: after a boot that was not
            # accepted, other CALLs are answered with SecurityError.
            raise CallError(Fault.SECURITY, f"BootNotification was answered {station.boot_status}; "
                            "send BootNotification until it is Accepted")
        return handler(station, payload)

    # --------------------------------------------------------------- common
    @staticmethod
    def _acknowledge(station: Station, payload: Payload) -> Payload:
        return {}

    @staticmethod
    def _heartbeat(station: Station, payload: Payload) -> Payload:
        note_heartbeat(station, payload)
        return {"currentTime": utc_now_text()}

    @staticmethod
    def _data_transfer(station: Station, payload: Payload) -> Payload:
        # We implement no vendor extension; OCPP's answer for that is UnknownVendorId.
        return {"status": DataTransferStatus.unknown_vendor_id.value}

    @staticmethod
    def _decline_certificate(station: Station, payload: Payload) -> Payload:
        # A laptop is no certificate authority; production CSMSs sign CSRs.
        return {"status": GenericStatusEnumType.rejected.value}

    def _sign_certificate(self, station: Station, payload: Payload) -> Payload:
        # 1.6 whitepaper A02/A03, 2.0.1 A02/A03: the CertificateManager checks, answers and
        # sends CertificateSigned after this answer
        if self.sign_certificate is None:
            return self._decline_certificate(station, payload)
        return self.sign_certificate(station, payload) or {}

    @staticmethod
    def _security_event(station: Station, payload: Payload) -> Payload:
        # 1.6 whitepaper §5.2.8 / 2.0.1 A04: kept per charger; critical ones raise an alert
        event = station.security.add_event(SecurityEvent(
            str(payload.get("type", "")), payload.get("timestamp"), payload.get("techInfo")))
        if event.alert:
            log.warning("critical security event from %s: %s %s", station.charger_id,
                        event.type, event.tech_info or "")
        return {}

    @staticmethod
    def _notify_event(station: Station, payload: Payload) -> Payload:
        # 2.0.1 N07/N08 NotifyEvent: the eventData entries, for the Operations panel
        for item in payload.get("eventData") or []:
            if isinstance(item, dict):
                station.notify_events.append(dict(item))
        return {}

    @staticmethod
    def _ev_certificate(station: Station, payload: Payload) -> Payload:
        # 2.0.1 M01/M02: the contract certificate comes from a pool on the internet; offline,
        # a schema-valid Failed (never left unanswered) and the reason on the card
        station.security.iso15118.append(Iso15118Refusal(
            "Get15118EVCertificate", now_us(),
            "Get15118EVCertificate needs the internet (the EV's contract certificate comes "
            "from a certificate pool): answered Failed"))
        return {"status": Iso15118EVCertificateStatusEnumType.failed.value, "exiResponse": "",
                "statusInfo": {"reasonCode": "NoInternet",
                               "additionalInfo": "OCPP Studio has no contract certificate pool"}}

    @staticmethod
    def _certificate_status(station: Station, payload: Payload) -> Payload:
        # 2.0.1 M06: OCSP needs the certificate's OCSP responder on the internet
        station.security.iso15118.append(Iso15118Refusal(
            "GetCertificateStatus", now_us(),
            "GetCertificateStatus needs the internet (the certificate's OCSP responder): "
            "answered Failed"))
        return {"status": GetCertificateStatusEnumType.failed.value,
                "statusInfo": {"reasonCode": "NoInternet",
                               "additionalInfo": "OCPP Studio cannot reach an OCSP responder"}}

    @staticmethod
    def _no_answer(station: Station, payload: Payload) -> None:
        return None

    @staticmethod
    def _certificate_chain_status(station: Station, payload: Payload) -> Payload:
        # 2.1 M06: a laptop has no OCSP/CRL answer for the chain; say it failed, per certificate.
        from ocpp.v21.enums import CertificateStatusEnumType as CertificateStatus  # first use
        station.security.iso15118.append(Iso15118Refusal(
            "GetCertificateChainStatus", now_us(),
            "GetCertificateChainStatus needs the internet (OCSP responders or CRLs): "
            "answered Failed for each certificate"))
        statuses = [{"certificateHashData": item.get("certificateHashData"),
                     "source": item.get("source"),
                     "status": CertificateStatus.failed.value,
                     "nextUpdate": utc_now_text()}
                    for item in payload.get("certificateStatusRequests") or []
                    if isinstance(item, dict)]
        return {"certificateStatus": statuses}

    @staticmethod
    def _vat_number(station: Station, payload: Payload) -> Payload:
        # 2.1 VatNumberValidation: only a back office can check a VAT number
        return {"vatNumber": str(payload.get("vatNumber", "")),
                "status": GenericStatusEnumType.rejected.value}

    def _notify_report(self, station: Station, payload: Payload) -> Payload:
        """2.0.1 B07/B08: publish the part (configuration reads collect them), acknowledge."""
        try:
            part = ReportPart(station.charger_id, _integer(payload["requestId"]),
                              _integer(payload["seqNo"]), bool(payload.get("tbc", False)),
                              list(payload.get("reportData") or []),
                              payload.get("generatedAt"))
        except (KeyError, TypeError, ValueError):
            return {}
        self.report_parts.emit(part)
        return {}

    def _boot_answer(self, station: Station) -> Payload:
        station.boot_status = self.settings.boot_status
        station.boot_count += 1
        return {"status": self.settings.boot_status, "currentTime": utc_now_text(),
                "interval": self.settings.heartbeat_interval}

    def _id_status(self, id_tag: str | None) -> str:
        if self.settings.accept_all_id_tags or id_tag in self.settings.accepted_id_tags:
            return AuthorizationStatus.accepted.value
        return AuthorizationStatus.invalid.value

    # ------------------------------------------------------------------ 1.6
    def _boot_16(self, station: Station, payload: Payload) -> Payload:
        note_boot_16(station, payload)
        return self._boot_answer(station)

    def _authorize_16(self, station: Station, payload: Payload) -> Payload:
        return {"idTagInfo": {"status": self._id_status(payload.get("idTag"))}}

    @staticmethod
    def _status_16(station: Station, payload: Payload) -> Payload:
        note_status_16(station, payload)
        return {}

    def _start_transaction_16(self, station: Station, payload: Payload) -> Payload:
        status = self._id_status(payload.get("idTag"))
        transaction_id = next(self._transaction_ids)
        if status == ACCEPTED:
            key = str(transaction_id)
            station.transactions[key] = Transaction(
                key, str(payload.get("connectorId")), payload.get("idTag"),
                meter_start_wh=_number(payload.get("meterStart")))
        # §6.46: a transactionId is returned even when the id tag is not accepted.
        return {"idTagInfo": {"status": status}, "transactionId": transaction_id}

    def _stop_transaction_16(self, station: Station, payload: Payload) -> Payload:
        key = str(payload.get("transactionId"))
        transaction = station.transactions.pop(key, None)
        if transaction is not None:
            transaction.stopped_us = now_us()
            transaction.meter_stop_wh = _number(payload.get("meterStop"))
            transaction.stop_reason = payload.get("reason", "Local")
            station.finished_transactions.append(transaction)
        if payload.get("idTag"):
            return {"idTagInfo": {"status": self._id_status(payload.get("idTag"))}}
        return {}

    # ---------------------------------------------------------------- 2.0.1
    def _boot_201(self, station: Station, payload: Payload) -> Payload:
        note_boot_201(station, payload)
        return self._boot_answer(station)

    def _authorize_201(self, station: Station, payload: Payload) -> Payload:
        token = payload.get("idToken", {}).get("idToken")
        return {"idTokenInfo": {"status": self._id_status(token)}}

    @staticmethod
    def _status_201(station: Station, payload: Payload) -> Payload:
        note_status_201(station, payload)
        return {}

    def _transaction_event(self, station: Station, payload: Payload) -> Payload:
        info = payload.get("transactionInfo", {})
        key = str(info.get("transactionId"))
        evse = payload.get("evse") or {}
        event = payload.get("eventType")
        transaction = station.transactions.get(key)
        label = _evse_label(station, evse)
        if transaction is None and event != "Ended":
            token = (payload.get("idToken") or {}).get("idToken")
            transaction = station.transactions[key] = Transaction(key, label, token)
        elif transaction is not None and transaction.connector.startswith("?") and evse:
            # the first event we saw had no evse (the studio joined mid-session, or
            # the charger left it out): a later one says where the session is
            transaction.connector = label
        if transaction is not None:
            transaction.charging_state = info.get("chargingState", transaction.charging_state)
            if event == "Ended":
                station.transactions.pop(key, None)
                transaction.stopped_us = now_us()
                transaction.stop_reason = info.get("stoppedReason", "Local")
                station.finished_transactions.append(transaction)
        if payload.get("idToken"):
            return {"idTokenInfo": {"status": self._id_status(payload["idToken"].get("idToken"))}}
        return {}


def _evse_label(station: Station, evse: Payload) -> str:
    """'EVSE/connector' of a TransactionEvent. 2.0.1 Part 2 TransactionEventRequest sends
    ``evse`` only in the first event after the EV connected; without it, a charger whose
    StatusNotifications named one EVSE only has the session there, and otherwise the EVSE is
    unknown ('?/1')."""
    if evse.get("id") is not None:
        return f"{evse['id']}/{evse.get('connectorId', 1)}"
    known = {label.split("/")[0] for label in station.connectors}
    if len(known) == 1:
        only = sorted(label for label in station.connectors)[0]
        return only
    return "?/1"
