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
