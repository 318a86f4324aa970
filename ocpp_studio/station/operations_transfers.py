"""Log and firmware transfer operations (issue 16 §3-4) for a server of the user's own.

Added to the operation catalogue by ``operations.py``; built with the version's transfer
request builders (``adapters/transfers.py``).

The usual way to fetch a log or update firmware is ``central.transfers``
(``station/transfers.py``, CLI ``logs get`` / ``firmware update``, API ``/logs`` and
``/firmware``): the studio starts its own one-shot FTP/HTTP server for the charger, and the
generic operation shape (a synchronous request builder, one answer, a short follow-up window)
cannot own a server for the minutes a transfer takes. These two thin entries cover the other
case the Operations panel and ``ocpp-studio op`` should offer: the charger uploads to, or
downloads from, a ``location`` the user gives (the site's own server). Their follow-up links
the charger's status messages until Uploaded / Installed or a failure.
"""

from __future__ import annotations

import itertools
import time
from typing import Any

from ..core.versions import OcppVersion
from .adapters.operations import OperationRequests, operation_requests
from .operations_catalogue import ALL, Field, Follow, Operation, OperationError, Seen, Values
from .transfer_words import FIRMWARE_FAILURES, LOG_FAILURES, log_status_words

#: how long ``op`` links the charger's statuses after the answer (a whole upload can take
#: longer: the panel shows the rest in the log)
WINDOW_S = 120.0


#: request ids unlikely to repeat across studio runs (a charger may remember earlier ones)
_REQUEST_IDS = itertools.count(int(time.time()) % 1_000_000 + 500_000)


def _request_id(context: Any) -> int:
    return next(_REQUEST_IDS)


def _retries() -> list[Field]:
    return [Field("retries", "int", None, help="how often the charger retries"),
            Field("retry_interval", "int", None, help="seconds between retries")]


def _status_seen(statuses: frozenset[str]) -> Any:
    def done(seen: Seen) -> bool:
        return any(isinstance(p, dict) and p.get("status") in statuses for _, p in seen)
    return done


# ------------------------------------------------------------------------------- logs

def _log_status(answer: Any) -> str | None:
    if not isinstance(answer, dict):
        return None
    if "status" in answer:
        return str(answer["status"])
    # 1.6 §6.25 GetDiagnostics.conf: a fileName, or none when there are no diagnostics
    return "Accepted" if answer.get("fileName") else "NoDiagnostics"


def _log_words(answer: Any) -> str:
    status = _log_status(answer)
    name = (answer.get("fileName") or answer.get("filename")) if isinstance(answer, dict) \
        else None
    if status == "NoDiagnostics":
        return "The charger has no diagnostics to upload (no fileName in its answer)"
    if status in ("Accepted", "AcceptedCanceled"):
        return (f"Accepted: the charger will upload {name or 'its log'} to the location"
                + ("; it cancelled an earlier upload" if status == "AcceptedCanceled" else ""))
    return f"{status}: {log_status_words(str(status))}"


def _log_follow(version: OcppVersion, values: Values, context: Any) -> Follow:
    actions = operation_requests(version).log_status_actions
    return Follow(actions, _status_seen(LOG_FAILURES | {"Uploaded"}),
                  "the Uploaded status", WINDOW_S)


LOG_TO_URL = Operation(
    "log-to-url", "Get log (your own server)", ALL,
    lambda b: [Field("location", "text", None, required=True,
                     help="the folder URL the charger uploads to (ftp:// or http://); for the "
                          "studio's own server use 'ocpp-studio logs get'"),
               Field("type", "choice", "diagnostics", ("diagnostics", "security"),
                     help="diagnostics log or the security log")] + _retries(),
    lambda a, b, v, c: b.log_request(v["type"], v["location"], _request_id(c),
                                     retries=v.get("retries"),
                                     retry_interval=v.get("retry_interval")),
    follows=_log_follow, status_of=_log_status, words_of=_log_words,
    ok_statuses=frozenset({"Accepted", "AcceptedCanceled"}),
    follow_statuses=frozenset({"Accepted", "AcceptedCanceled"}))


# --------------------------------------------------------------------------- firmware

def _firmware_fields(b: OperationRequests) -> list[Field]:
    return [Field("location", "text", None, required=True,
                  help="the firmware file's URL (http:// or ftp://); for the studio's own "
                       "server use 'ocpp-studio firmware update'"),
            Field("signing_certificate", "text", None,
                  help="firmware signing certificate (PEM), for a signed update"),
            Field("signature", "text", None, help="the file's signature (base64)")] + _retries()


def _firmware(a: Any, b: OperationRequests, v: Values, c: Any) -> Any:
    try:
        return b.firmware_request(v["location"], _request_id(c), c.in_minutes(0),
                                  signing_certificate=v.get("signing_certificate"),
                                  signature=v.get("signature"), retries=v.get("retries"),
                                  retry_interval=v.get("retry_interval"))
    except ValueError as exc:
        raise OperationError(str(exc)) from None


def _firmware_follow(version: OcppVersion, values: Values, context: Any) -> Follow:
    actions = operation_requests(version).firmware_status_actions | {"BootNotification"}
    return Follow(frozenset(actions), _status_seen(FIRMWARE_FAILURES | {"Installed"}),
                  "the Installed status", WINDOW_S)


FIRMWARE_FROM_URL = Operation(
    "firmware-from-url", "Update firmware (your own server)", ALL, _firmware_fields,
    _firmware, follows=_firmware_follow,
    # 1.6 §6.51 UpdateFirmware.conf is empty: nothing to refuse with
    status_of=lambda answer: str(answer.get("status", "Accepted"))
    if isinstance(answer, dict) else None,
    danger=lambda v: "the charger installs the firmware and reboots; a running charge is "
                     "interrupted",
    ok_statuses=frozenset({"Accepted", "AcceptedCanceled"}),
    follow_statuses=frozenset({"Accepted", "AcceptedCanceled"}),
    dangerous_fields=("location",))

TRANSFER_OPERATIONS: tuple[Operation, ...] = (LOG_TO_URL, FIRMWARE_FROM_URL)
