"""Plain words for every status a charger reports during a log upload or firmware update.

1.6 §7.23 DiagnosticsStatus and §7.25 FirmwareStatus; 1.6 security whitepaper §5.10
UploadLogStatusEnumType and §5.19 FirmwareStatusEnumType; 2.0.1 UploadLogStatusEnumType and
FirmwareStatusEnumType (L01). The words say what the status means for the installer and,
for a failure, what to check.
"""

from __future__ import annotations

from typing import Any

from ..fileserver import TransferState

LOG_STATUS_WORDS: dict[str, str] = {
    "Idle": "the charger is not uploading a log (idle)",
    "Uploading": "the charger is uploading the log",
    "Uploaded": "the charger says the log is uploaded",
    "UploadFailed": "the charger says the upload failed (after its retries)",
    "UploadFailure": "the charger says the upload failed (after its retries)",
    "BadMessage": "the charger could not use the request (bad message): check the URL and "
                  "the time range",
    "NotSupportedOperation": "the charger does not support this log type or upload scheme: "
                             "try the other scheme (FTP / HTTP) or log type",
    "PermissionDenied": "the charger was refused by the server (permission denied): the "
                        "one-time user and password may not have been used",
    "AcceptedCanceled": "the charger cancelled an earlier log upload to start this one",
}

#: statuses after which the charger will not upload (any more)
LOG_FAILURES = frozenset({"UploadFailed", "UploadFailure", "BadMessage",
                          "NotSupportedOperation", "PermissionDenied"})
LOG_SUCCESS = frozenset({"Uploaded"})

FIRMWARE_STATUS_WORDS: dict[str, str] = {
    "Idle": "the charger is not updating firmware (idle)",
    "DownloadScheduled": "the charger has scheduled the download for later",
    "Downloading": "the charger is downloading the firmware",
    "DownloadPaused": "the charger paused the download (it has more urgent work)",
    "Downloaded": "the charger has downloaded the firmware",
    "DownloadFailed": "the charger could not download the firmware: check that it can reach "
                      "the laptop's address, the firewall, and (FTP) passive mode",
    "SignatureVerified": "the charger verified the firmware's signature",
    "InvalidSignature": "the charger rejected the firmware: its signature does not verify "
                        "against the signing certificate (wrong signature, wrong certificate, "
                        "or the file was changed); the charger also logs a security event",
    "InstallScheduled": "the charger has scheduled the installation for later",
    "InstallRebooting": "the charger is rebooting to install the firmware",
    "Installing": "the charger is installing the firmware",
    "Installed": "the charger says the firmware is installed",
    "InstallationFailed": "the charger could not install the firmware; the version it runs "
                          "shows in its next BootNotification",
    "InstallVerificationFailed": "the charger's check of the installed firmware failed (wrong "
                                 "image for this model, or a corrupt download)",
    "InvalidCertificate": "the charger does not trust the signing certificate (it must chain "
                          "to a manufacturer root certificate installed on the charger)",
    "RevokedCertificate": "the signing certificate is revoked",
}

FIRMWARE_FAILURES = frozenset({"DownloadFailed", "InvalidSignature", "InstallationFailed",
                               "InstallVerificationFailed", "InvalidCertificate",
                               "RevokedCertificate"})


def log_status_words(status: str) -> str:
    return LOG_STATUS_WORDS.get(status, f"the charger reported {status!r}")


def firmware_status_words(status: str) -> str:
    return FIRMWARE_STATUS_WORDS.get(status, f"the charger reported {status!r}")


def refusal_words(action: str, status: str | None) -> str:
    """An answer that is not Accepted."""
    if status is None:
        return f"The charger refused {action}"
    if status == "Rejected":
        return (f"The charger rejected {action}: it may not support this log type / scheme, "
                "or is busy with another transfer")
    extra = FIRMWARE_STATUS_WORDS.get(status)
    return f"The charger answered {action} with {status}" + (f": {extra}" if extra else "")


def server_saw(transfer: Any) -> str:
    """What the studio's file server saw of a transfer the charger says failed: a charger
    that took the whole file failed after the network part; otherwise why nothing came."""
    if transfer is None:
        return ""
    if transfer.state == TransferState.DONE:
        return (f"the charger downloaded the whole file ({transfer.bytes:,} bytes), so the "
                "network path works; the failure is on the charger's side")
    return str(transfer.timeout_reason(timer=False))
