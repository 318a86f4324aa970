"""Log and firmware transfer request builders (issue 16 §3-4), one mixin per OCPP version:
1.6 GetDiagnostics/UpdateFirmware plus the security whitepaper's GetLog and
SignedUpdateFirmware, 2.0.1 GetLog (N01) and UpdateFirmware (L01). Mixed into the operation
builders (``operations.py``) and so into each version's adapter.

Besides the requests, each version says which messages carry the charger's progress
(``log_status_actions`` / ``firmware_status_actions``), how to read its answer (the
GetDiagnostics.conf ``fileName``, GetLog/UpdateFirmware ``status``) and where a
BootNotification keeps the firmware version, so ``station/transfers.py`` never compares
versions. Times are aware datetimes or RFC 3339 text.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Literal

from .base import OcppRequest, Payload

LogKind = Literal["diagnostics", "security"]

#: the GetLog logType of each kind (1.6 security whitepaper §5.9 LogEnumType, 2.0.1 LogEnumType)
LOG_TYPES: dict[str, str] = {"diagnostics": "DiagnosticsLog", "security": "SecurityLog"}


def _time(value: datetime | str) -> str:
    if isinstance(value, str):
        return value
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _optional(payload: Payload, **values: Any) -> Payload:
    for key, value in values.items():
        if value is not None:
            payload[key] = _time(value) if isinstance(value, datetime) else value
    return payload


def _get_log(kind: LogKind, location: str, request_id: int, oldest: datetime | str | None,
             latest: datetime | str | None, retries: int | None,
             retry_interval: int | None) -> OcppRequest:
    """GetLog: the same shape in the 1.6 security whitepaper (§5.9) and 2.0.1 (N01)."""
    log = _optional({"remoteLocation": location}, oldestTimestamp=oldest,
                    latestTimestamp=latest)
    payload = _optional({"logType": LOG_TYPES[kind], "requestId": request_id, "log": log},
                        retries=retries, retryInterval=retry_interval)
    return OcppRequest("GetLog", payload)


def _firmware(location: str, retrieve: datetime | str, install: datetime | str | None,
              certificate: str | None, signature: str | None) -> Payload:
    """FirmwareType (1.6 security §5.21 / 2.0.1 L01)."""
    return _optional({"location": location, "retrieveDateTime": _time(retrieve)},
                     installDateTime=install, signingCertificate=certificate,
                     signature=signature)


class TransferRequests:
    """What every version's transfer builders offer."""

    #: the messages that report a log upload's / a firmware update's progress
    log_status_actions: frozenset[str] = frozenset()
    firmware_status_actions: frozenset[str] = frozenset()

    def log_request(self, kind: LogKind, location: str, request_id: int, *,
                    oldest: datetime | str | None = None, latest: datetime | str | None = None,
                    retries: int | None = None, retry_interval: int | None = None
                    ) -> OcppRequest:
        """Ask the charger to upload its diagnostics or security log to ``location``."""
        return _get_log(kind, location, request_id, oldest, latest, retries, retry_interval)

    def firmware_request(self, location: str, request_id: int, retrieve: datetime | str, *,
                         signing_certificate: str | None = None, signature: str | None = None,
                         install: datetime | str | None = None, retries: int | None = None,
                         retry_interval: int | None = None) -> OcppRequest:
        """Ask the charger to download and install the firmware at ``location``."""
        raise NotImplementedError

    def log_answer(self, request: OcppRequest, answer: Any) -> tuple[bool, str | None, str | None]:
        """(accepted, the answer's status, the file name the charger announced)."""
        if not isinstance(answer, dict):
            return False, None, None
        status = answer.get("status")
        return status in ("Accepted", "AcceptedCanceled"), status, answer.get("filename")

    def firmware_answer(self, request: OcppRequest, answer: Any) -> tuple[bool, str | None]:
        """(accepted, the answer's status; None when the answer has none)."""
        if not isinstance(answer, dict):
            return False, None
        status = answer.get("status")
        return status in ("Accepted", "AcceptedCanceled"), status

    def boot_firmware(self, payload: Any) -> str | None:
        """The firmware version a BootNotification names."""
        return None


class Transfers16(TransferRequests):
    """OCPP 1.6 core and security whitepaper transfers."""

    log_status_actions = frozenset({"DiagnosticsStatusNotification", "LogStatusNotification"})
    firmware_status_actions = frozenset({"FirmwareStatusNotification",
                                         "SignedFirmwareStatusNotification"})

    def log_request(self, kind: LogKind, location: str, request_id: int, *,
                    oldest: datetime | str | None = None, latest: datetime | str | None = None,
                    retries: int | None = None, retry_interval: int | None = None
                    ) -> OcppRequest:
        """1.6 §5.8 GetDiagnostics for diagnostics (what most 1.6 chargers have); the
        security log only exists in the whitepaper's GetLog (§5.9, requirement N01)."""
        if kind == "security":
            return _get_log(kind, location, request_id, oldest, latest, retries,
                            retry_interval)
        payload = _optional({"location": location}, startTime=oldest, stopTime=latest,
                            retries=retries, retryInterval=retry_interval)
        return OcppRequest("GetDiagnostics", payload)

    def firmware_request(self, location: str, request_id: int, retrieve: datetime | str, *,
                         signing_certificate: str | None = None, signature: str | None = None,
                         install: datetime | str | None = None, retries: int | None = None,
                         retry_interval: int | None = None) -> OcppRequest:
        """Signed: the whitepaper's SignedUpdateFirmware (§5.21, L01.FR.11: the signing
        certificate is always sent); plain: 1.6 §5.19 UpdateFirmware (no install time)."""
        if signing_certificate or signature:
            if not (signing_certificate and signature):
                raise ValueError("a signed firmware update needs both the signing "
                                 "certificate and the signature")
            firmware = _firmware(location, retrieve, install, signing_certificate, signature)
            return OcppRequest("SignedUpdateFirmware", _optional(
                {"requestId": request_id, "firmware": firmware}, retries=retries,
                retryInterval=retry_interval))
        return OcppRequest("UpdateFirmware", _optional(
            {"location": location, "retrieveDate": _time(retrieve)}, retries=retries,
            retryInterval=retry_interval))

    def log_answer(self, request: OcppRequest, answer: Any) -> tuple[bool, str | None, str | None]:
        if request.action == "GetDiagnostics":
            # §6.25 GetDiagnostics.conf: fileName absent = no diagnostics available
            name = answer.get("fileName") if isinstance(answer, dict) else None
            return name is not None, None, name
        return super().log_answer(request, answer)

    def firmware_answer(self, request: OcppRequest, answer: Any) -> tuple[bool, str | None]:
        if request.action == "UpdateFirmware":
            return True, None  # §6.51 UpdateFirmware.conf is empty: no refusal possible
        return super().firmware_answer(request, answer)

    def boot_firmware(self, payload: Any) -> str | None:
        return payload.get("firmwareVersion") if isinstance(payload, dict) else None


class Transfers201(TransferRequests):
    """OCPP 2.0.1 transfers."""

    log_status_actions = frozenset({"LogStatusNotification"})
    firmware_status_actions = frozenset({"FirmwareStatusNotification"})

    def firmware_request(self, location: str, request_id: int, retrieve: datetime | str, *,
                         signing_certificate: str | None = None, signature: str | None = None,
                         install: datetime | str | None = None, retries: int | None = None,
                         retry_interval: int | None = None) -> OcppRequest:
        """L01/L02 UpdateFirmware: signed when certificate and signature are given."""
        if bool(signing_certificate) != bool(signature):
            raise ValueError("a signed firmware update needs both the signing certificate "
                             "and the signature")
        firmware = _firmware(location, retrieve, install, signing_certificate, signature)
        return OcppRequest("UpdateFirmware", _optional(
            {"requestId": request_id, "firmware": firmware}, retries=retries,
            retryInterval=retry_interval))

    def boot_firmware(self, payload: Any) -> str | None:
        station = payload.get("chargingStation") if isinstance(payload, dict) else None
        return station.get("firmwareVersion") if isinstance(station, dict) else None
