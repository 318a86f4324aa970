"""How the Operations tab sorts a version's operations into groups, and what each is for.

The catalogue (``station/operations.py``) decides which operations a version has; this module
only places them. An operation added later (certificates, issue 15; log and firmware
transfers, issue 16) lands in its group by its name, or under "Other" — never hidden.
"""

from __future__ import annotations

from typing import Any, Iterable

#: (group, the operations it shows first, in this order)
GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Charging", ("start", "stop", "unlock", "availability", "reserve",
                  "cancel-reservation", "transaction-status", "cost-updated")),
    ("Charger", ("reset", "trigger", "clear-cache", "data-transfer")),
    ("Authorisation", ("local-list-version", "send-local-list")),
    ("Smart charging", ("composite-schedule", "get-charging-profiles", "clear-profile")),
    ("Display", ("set-display-message", "get-display-messages", "clear-display-message")),
    ("Privacy", ("customer-information", "clear-customer-information")),
    ("Monitoring", ("set-variable-monitoring", "clear-variable-monitoring",
                    "get-monitoring-report", "set-monitoring-level", "set-monitoring-base")),
    ("Logs & firmware", ("log-to-url", "firmware-from-url", "publish-firmware",
                         "unpublish-firmware")),
    ("Certificates", ()),
    ("Other", ()),
)

#: name fragments for operations the list above does not name (added by other issues)
_BY_WORD = (("cert", "Certificates"), ("csr", "Certificates"), ("log", "Logs & firmware"),
            ("diagnostic", "Logs & firmware"), ("firmware", "Logs & firmware"),
            ("monitor", "Monitoring"), ("profile", "Smart charging"),
            ("schedule", "Smart charging"), ("customer", "Privacy"))

#: one line above each form: what the operation does (spec section in brackets)
PURPOSE: dict[str, str] = {
    "reset": "Restart the charger. Soft ends a running charge gracefully first (1.6 "
             "§5.14) or waits until it ends (2.x OnIdle, B11); hard restarts at once "
             "(2.x Immediate, B12).",
    "trigger": "Ask the charger to send one of its messages now (1.6 §5.17, 2.0.1 F06).",
    "start": "Start a test charge remotely with an id tag (1.6 §5.11 "
             "RemoteStartTransaction, 2.0.1 F01 RequestStartTransaction).",
    "stop": "Stop a running charge remotely (1.6 §5.12, 2.0.1 F03).",
    "unlock": "Release a stuck cable from a connector (1.6 §5.18, 2.0.1 F05).",
    "availability": "Take the charger or one connector out of service, or put it back "
                    "(1.6 §5.2, 2.0.1 G03/G04).",
    "clear-cache": "Empty the charger's authorisation cache (1.6 §5.4, 2.0.1 C11).",
    "local-list-version": "Read the version of the charger's local authorisation list "
                          "(1.6 §5.10, 2.0.1 D02).",
    "send-local-list": "Replace (full) or change (differential) the charger's local "
                       "authorisation list (1.6 §5.15, 2.0.1 D01).",
    "reserve": "Reserve a connector for one id tag for some minutes (1.6 §5.13, 2.0.1 H01).",
    "cancel-reservation": "Cancel a reservation (1.6 §5.1, 2.0.1 H02).",
    "data-transfer": "Send a vendor-specific message (1.6 §5.6, 2.0.1 P01).",
    "composite-schedule": "Ask what limit the charger will apply over the coming period "
                          "(1.6 §5.7, 2.0.1 K08). The Charging hours tab draws it on a week.",
    "clear-profile": "Remove one charging profile by its id (1.6 §5.5, 2.0.1 K10).",
    "clear-customer-information": "Delete the personal data the charger holds on one "
                                  "customer (2.0.1 N10; UK regulations §2.8.7).",
    "set-variable-monitoring": "Have the charger watch a variable and report it as "
                               "NotifyEvent (2.0.1 N04).",
    "clear-variable-monitoring": "Remove monitors by their ids (2.0.1 N06).",
    "transaction-status": "Ask whether a transaction is still running and whether its "
                          "messages wait in the charger's queue (2.0.1 E14).",
    "cost-updated": "Send the running cost of a transaction to the charger's display "
                    "(2.0.1 I03).",
    "get-charging-profiles": "Read back the charging profiles the charger holds; they "
                             "arrive in ReportChargingProfiles (2.0.1 K09).",
    "set-display-message": "Put a message on the charger's display (2.0.1 O01/O02).",
    "get-display-messages": "List the charger's display messages; they arrive in "
                            "NotifyDisplayMessages (2.0.1 O03).",
    "clear-display-message": "Remove a display message by its id (2.0.1 O04).",
    "customer-information": "Ask what personal data the charger holds on one customer, "
                            "without deleting it (2.0.1 N09).",
    "get-monitoring-report": "List the charger's monitors; they arrive in "
                             "NotifyMonitoringReport (2.0.1 N02).",
    "set-monitoring-level": "Which severities the charger reports as NotifyEvent "
                            "(2.0.1 N02/N05).",
    "set-monitoring-base": "Which set of monitors is active: all, factory defaults or "
                           "hard-wired only (2.0.1 N03).",
    "publish-firmware": "Have a local controller download a firmware image and serve it to "
                        "its chargers (2.0.1 L03).",
    "unpublish-firmware": "Stop a local controller serving an image (2.0.1 L04).",
    "install-certificate": "Install a root certificate the charger trusts: the studio's CA "
                           "for wss://, or a manufacturer root for signed firmware (1.6 "
                           "security §3.3, 2.0.1 M05).",
    "get-installed-certificates": "List the root certificates the charger holds (1.6 "
                                  "security, 2.0.1 M03); the Security tab shows them.",
    "delete-certificate": "Delete an installed certificate by its hash data (1.6 security, "
                          "2.0.1 M04).",
    "trigger-csr": "Ask the charger for a certificate signing request; the studio's CA "
                   "signs it (1.6 security ExtendedTriggerMessage, 2.0.1 A02/F06).",
    "log-to-url": "Have the charger upload its log to a server of your own (the location "
                  "you give); the Fetch a log page runs a server for you.",
    "firmware-from-url": "Have the charger download firmware from a server of your own; the "
                         "Update firmware page serves the file for you.",
}

#: the words a field's name is shown as
_LABELS = {"evse": "EVSE", "id_tag": "Id tag", "remote_start_id": "Remote start id",
           "transaction_id": "Transaction id", "vendor_id": "Vendor id",
           "message_id": "Message id", "ids": "Monitor ids"}


def group_of(name: str) -> str:
    for group, names in GROUPS:
        if name in names:
            return group
    for word, group in _BY_WORD:
        if word in name:
            return group
    return "Other"


def grouped(operations: Iterable[Any], keep: Iterable[str] = ()) -> list[tuple[str, list[Any]]]:
    """``operations`` (anything with ``.name``) in their groups, groups in the order above,
    known operations in the listed order, later additions after them; empty groups left out
    unless named in ``keep`` (a group with views of its own)."""
    by_group: dict[str, list[Any]] = {group: [] for group, _names in GROUPS}
    for op in operations:
        by_group[group_of(op.name)].append(op)
    out = []
    for group, names in GROUPS:
        order = {name: index for index, name in enumerate(names)}
        members = sorted(by_group[group], key=lambda op: order.get(op.name, len(order)))
        if members or group in keep:
            out.append((group, members))
    return out


def field_label(name: str) -> str:
    return _LABELS.get(name, name.replace("_", " ").capitalize())
