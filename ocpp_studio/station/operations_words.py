"""What each answer of each charger operation means, in plain words (issue 16 §1).

Keys are (operation name, status); the sentences say what the charger did and, for a refusal,
the usual reason and what to do. Statuses come from the versions' enums (1.6 §7, 2.0.1 Part 2
§3 enumerations); a status missing here is shown as "<status>" with the operation's title.
"""

from __future__ import annotations

WORDS: dict[tuple[str, str], str] = {
    ("reset", "Accepted"): "Accepted: the charger restarts now",
    ("reset", "Scheduled"): "Scheduled: the charger is charging; it restarts when the "
                            "session ends (2.x OnIdle)",
    ("reset", "Rejected"): "Rejected: the charger refused to restart (a soft reset may wait "
                           "until the session ends; some chargers refuse a reset per EVSE)",
    ("trigger", "Accepted"): "Accepted: the charger sends the message now",
    ("trigger", "Rejected"): "Rejected: the charger will not send that message now",
    ("trigger", "NotImplemented"): "The charger does not implement triggering this message",
    ("start", "Accepted"): "Accepted: the charger starts a session (a cable must be plugged in)",
    ("start", "Rejected"): "Rejected: the charger will not start a session (connector busy, "
                           "unavailable or no cable; check its status)",
    ("stop", "Accepted"): "Accepted: the charger stops the session",
    ("stop", "Rejected"): "Rejected: the charger has no such session running",
    ("unlock", "Unlocked"): "Unlocked: the cable can be removed",
    ("unlock", "UnlockFailed"): "Unlock failed: the lock did not open (mechanical fault?)",
    ("unlock", "NotSupported"): "The charger does not implement unlocking this connector "
                                "(no lock, e.g. a fixed cable)",
    ("unlock", "OngoingAuthorizedTransaction"): "Refused: a session is running on this EVSE; "
                                                "stop it first",
    ("unlock", "UnknownConnector"): "Refused: the charger has no such EVSE / connector",
    ("availability", "Accepted"): "Accepted: the availability changed",
    ("availability", "Scheduled"): "Scheduled: a session is running; the change applies when "
                                   "it ends",
    ("availability", "Rejected"): "Rejected: the charger did not change its availability "
                                  "(unknown connector / EVSE?)",
    ("clear-cache", "Accepted"): "Accepted: the authorization cache is empty",
    ("clear-cache", "Rejected"): "Rejected: the charger did not clear its authorization cache "
                                 "(it may have none)",
    ("send-local-list", "Accepted"): "Accepted: the local authorization list was updated",
    ("send-local-list", "Failed"): "Failed: the charger could not store the list (too long, or "
                                   "local lists disabled)",
    ("send-local-list", "NotSupported"): "The charger does not implement local lists",
    ("send-local-list", "VersionMismatch"): "Version mismatch: a differential update must be "
                                            "based on the charger's current list version; "
                                            "send a full list",
    ("reserve", "Accepted"): "Accepted: the connector is reserved",
    ("reserve", "Faulted"): "Refused: the connector is faulted",
    ("reserve", "Occupied"): "Refused: the connector is occupied (charging or reserved)",
    ("reserve", "Rejected"): "Rejected: the charger does not accept reservations (or not on "
                             "connector 0)",
    ("reserve", "Unavailable"): "Refused: the connector is unavailable (Inoperative)",
    ("cancel-reservation", "Accepted"): "Accepted: the reservation is cancelled",
    ("cancel-reservation", "Rejected"): "Rejected: the charger has no such reservation",
    ("data-transfer", "Accepted"): "Accepted by the charger's vendor extension",
    ("data-transfer", "Rejected"): "Rejected by the charger's vendor extension",
    ("data-transfer", "UnknownMessageId"): "The charger does not know this message id for "
                                           "that vendor",
    ("data-transfer", "UnknownVendorId"): "The charger does not know this vendor id",
    ("clear-customer-information", "Accepted"): "Accepted: the charger deletes the customer's "
                                                "data",
    ("clear-customer-information", "Rejected"): "Rejected: the charger did not delete the "
                                                "customer's data",
    ("clear-customer-information", "Invalid"): "Invalid: give an id token or a customer "
                                               "identifier",
    ("set-variable-monitoring", "Accepted"): "Accepted: the monitor is set; events arrive as "
                                             "NotifyEvent",
    ("set-variable-monitoring", "UnknownComponent"): "Refused: the charger has no such "
                                                     "component",
    ("set-variable-monitoring", "UnknownVariable"): "Refused: the component has no such "
                                                    "variable",
    ("set-variable-monitoring", "UnsupportedMonitorType"): "Refused: the charger does not "
                                                           "support this kind of monitor",
    ("set-variable-monitoring", "Rejected"): "Rejected by the charger",
    ("set-variable-monitoring", "Duplicate"): "Refused: an identical monitor exists",
    ("clear-variable-monitoring", "Accepted"): "Accepted: the monitor is removed",
    ("clear-variable-monitoring", "Rejected"): "Rejected: the monitor cannot be removed "
                                               "(a hard-wired monitor?)",
    ("clear-variable-monitoring", "NotFound"): "Refused: no monitor with that id",
    ("composite-schedule", "Rejected"): "Rejected: the charger will not say its schedule "
                                        "(unknown connector / EVSE?)",
    ("clear-profile", "Accepted"): "Accepted: the charger removed the profile",
    ("clear-profile", "Unknown"): "The charger has no charging profile with that id",
    # certificates (operations_certificates.py)
    ("install-certificate", "Accepted"): "Accepted: the charger installed the certificate",
    ("install-certificate", "Rejected"): "Rejected: the charger did not install the "
                                         "certificate (not valid, or not the kind it takes)",
    ("install-certificate", "Failed"): "Failed: the charger could not store the certificate",
    ("delete-certificate", "Accepted"): "Accepted: the charger deleted the certificate",
    ("delete-certificate", "NotFound"): "The charger holds no certificate with this hash data",
    ("delete-certificate", "Failed"): "Failed: the charger did not delete the certificate "
                                      "(it may refuse to delete the one it is using)",
    ("trigger-csr", "Accepted"): "Accepted: the charger will make a new key and send its "
                                 "certificate signing request (SignCertificate)",
    ("trigger-csr", "Rejected"): "Rejected: the charger will not make a signing request now",
    # the smaller 2.x operations (operations_2x.py)
    ("get-charging-profiles", "Accepted"): "Accepted: the charger reports its profiles in "
                                           "ReportChargingProfiles",
    ("get-charging-profiles", "NoProfiles"): "The charger has no charging profile matching "
                                             "this",
    ("set-display-message", "Accepted"): "Accepted: the charger keeps the message for its "
                                         "display",
    ("set-display-message", "NotSupportedMessageFormat"): "Refused: the charger cannot show "
                                                          "this format",
    ("set-display-message", "NotSupportedPriority"): "Refused: the charger does not support "
                                                     "this priority",
    ("set-display-message", "NotSupportedState"): "Refused: the charger does not support "
                                                  "showing messages in this state",
    ("set-display-message", "UnknownTransaction"): "Refused: the charger has no such "
                                                   "transaction",
    ("set-display-message", "Rejected"): "Rejected by the charger (no room for more "
                                         "messages?)",
    ("get-display-messages", "Accepted"): "Accepted: the charger lists them in "
                                          "NotifyDisplayMessages",
    ("get-display-messages", "Unknown"): "The charger has no display message matching this",
    ("clear-display-message", "Accepted"): "Accepted: the charger removed the message",
    ("clear-display-message", "Unknown"): "The charger has no message with that id",
    ("customer-information", "Accepted"): "Accepted: the charger reports what it holds in "
                                          "NotifyCustomerInformation (nothing is deleted)",
    ("customer-information", "Rejected"): "Rejected: the charger will not report customer data",
    ("customer-information", "Invalid"): "Invalid: give an id token or a customer identifier",
    ("set-monitoring-base", "Accepted"): "Accepted: the charger uses this monitoring base",
    ("set-monitoring-base", "Rejected"): "Rejected by the charger",
    ("set-monitoring-base", "NotSupported"): "The charger does not support this monitoring "
                                             "base",
    ("set-monitoring-level", "Accepted"): "Accepted: the charger reports events of this "
                                          "severity and more urgent",
    ("set-monitoring-level", "Rejected"): "Rejected: severity must be 0-9",
    ("get-monitoring-report", "Accepted"): "Accepted: the charger lists its monitors in "
                                           "NotifyMonitoringReport",
    ("get-monitoring-report", "EmptyResultSet"): "The charger has no monitor matching this",
    ("get-monitoring-report", "Rejected"): "Rejected by the charger",
    ("get-monitoring-report", "NotSupported"): "The charger does not support these criteria",
    ("publish-firmware", "Accepted"): "Accepted: the local controller downloads the image; "
                                      "PublishFirmwareStatusNotification says when it is "
                                      "published",
    ("publish-firmware", "Rejected"): "Rejected by the local controller",
    ("unpublish-firmware", "Unpublished"): "Unpublished: the local controller no longer "
                                           "serves this image",
    ("unpublish-firmware", "NoFirmware"): "The local controller serves no image with this "
                                          "checksum",
    ("unpublish-firmware", "DownloadOngoing"): "Refused: the image is still being "
                                               "downloaded; try again later",
}

#: CALLERROR codes meaning "this charger has no such message" (1.6 §4.2.3 NotImplemented,
#: NotSupported; 2.0.1 Part 4 §4.3 the same codes)
NOT_IMPLEMENTED_CODES = frozenset({"NotImplemented", "NotSupported"})


def status_words(operation: str, title: str, status: str) -> str:
    return WORDS.get((operation, status), f"{status} ({title})")


def error_words(action: str, code: str, description: str) -> str:
    if code in NOT_IMPLEMENTED_CODES:
        return f"The charger does not implement {action} (CALLERROR {code})"
    return f"The charger answered {action} with an error: {code}" + (
        f": {description}" if description else "")
