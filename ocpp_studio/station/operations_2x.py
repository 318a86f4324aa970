"""The smaller OCPP 2.x operations (issue 16 §1, "every operation of both versions reachable
from the Operations panel"): transaction status (E14), charging profiles read back (K09),
display messages (O01-O04), the running cost (I03), the customer data report (N09),
monitoring base, level and report (N01-N03), and firmware published by a local controller
(L03/L04). Built with ``adapters/operations_2x.py``; added to the catalogue by
``operations.py``. What follows on the wire (ReportChargingProfiles, NotifyDisplayMessages,
NotifyMonitoringReport, NotifyCustomerInformation, PublishFirmwareStatusNotification) is
linked from the result like every operation's.
"""

from __future__ import annotations

from typing import Any

from ..core.versions import OcppVersion
from .adapters.operations_2x import (MESSAGE_FORMATS, MESSAGE_PRIORITIES, MESSAGE_STATES,
                                     MONITORING_BASES, MONITORING_CRITERIA)
from .operations_catalogue import Field, Follow, Operation, Values, _seen

TWO_X = frozenset({OcppVersion.V201, OcppVersion.V21})
ACCEPTED = frozenset({"Accepted"})


def _request_id(values: Values, context: Any) -> int:
    """The field's request id, or one unlikely to repeat (the charger may remember ids)."""
    given = values.get("request_id")
    if given is not None:
        return int(given)
    clock = getattr(context, "clock", None)
    return int(clock.now().timestamp()) % 1_000_000 + 1 if clock is not None else 1


def _request_id_field() -> Field:
    return Field("request_id", "int", None, help="empty: the studio picks one")


def _report_follow(action: str, window_s: float = 15.0) -> Any:
    """Follows the answer: the report messages until the one with ``tbc`` false."""
    return lambda version, values, context: Follow(
        frozenset({action}), _seen(action, lambda p: not p.get("tbc")), action, window_s)


# ---------------------------------------------------------------- E14
def _transaction_status_words(answer: Any) -> str:
    answer = answer if isinstance(answer, dict) else {}
    queue = ("messages of this transaction wait in the charger's queue"
             if answer.get("messagesInQueue") else "no messages wait in the charger's queue")
    ongoing = answer.get("ongoingIndicator")
    if ongoing is None:
        return f"The charger says {queue}"
    return (f"The charger says the transaction is {'still running' if ongoing else 'not running'}"
            f"; {queue}")


GET_TRANSACTION_STATUS = Operation(
    "transaction-status", "GetTransactionStatus", TWO_X,
    lambda b: [Field("transaction_id", "text", None,
                     help="empty: only whether any messages wait in the queue")],
    lambda a, b, v, c: b.get_transaction_status_request(v.get("transaction_id")),
    status_of=lambda answer: None, words_of=_transaction_status_words)

# ---------------------------------------------------------------- K09
GET_CHARGING_PROFILES = Operation(
    "get-charging-profiles", "GetChargingProfiles", TWO_X,
    lambda b: [Field("evse", "int", None, help="empty: every EVSE; 0: the charger's own"),
               Field("profile_ids", "list", None, help="profile ids, comma-separated"),
               Field("purpose", "choice", None, ("ChargingStationExternalConstraints",
                                                 "ChargingStationMaxProfile",
                                                 "TxDefaultProfile", "TxProfile")),
               Field("stack_level", "int", None), _request_id_field()],
    lambda a, b, v, c: b.get_charging_profiles_request(
        _request_id(v, c), v.get("evse"), [int(i) for i in v.get("profile_ids") or []],
        v.get("purpose"), v.get("stack_level")),
    ok_statuses=ACCEPTED, follows=_report_follow("ReportChargingProfiles"))

# ---------------------------------------------------------------- O01-O04
SET_DISPLAY_MESSAGE = Operation(
    "set-display-message", "SetDisplayMessage", TWO_X,
    lambda b: [Field("id", "int", 1, required=True, help="message id (same id: replaced)"),
               Field("text", "text", None, required=True, help="what the display shows"),
               Field("priority", "choice", "NormalCycle", MESSAGE_PRIORITIES),
               Field("format", "choice", "UTF8", MESSAGE_FORMATS),
               Field("language", "text", None, help="RFC 5646, e.g. en"),
               Field("state", "choice", None, MESSAGE_STATES,
                     help="empty: in every state of the charger"),
               Field("transaction_id", "text", None, help="only during this transaction")],
    lambda a, b, v, c: b.set_display_message_request(
        v["id"], v["text"], priority=v["priority"], text_format=v["format"],
        language=v.get("language"), state=v.get("state"),
        transaction_id=v.get("transaction_id")),
    ok_statuses=ACCEPTED)

GET_DISPLAY_MESSAGES = Operation(
    "get-display-messages", "GetDisplayMessages", TWO_X,
    lambda b: [Field("message_ids", "list", None,
                     help="message ids, comma-separated; empty: all"),
               Field("priority", "choice", None, MESSAGE_PRIORITIES),
               Field("state", "choice", None, MESSAGE_STATES), _request_id_field()],
    lambda a, b, v, c: b.get_display_messages_request(
        _request_id(v, c), [int(i) for i in v.get("message_ids") or []], v.get("priority"),
        v.get("state")),
    ok_statuses=ACCEPTED, follows=_report_follow("NotifyDisplayMessages"))

CLEAR_DISPLAY_MESSAGE = Operation(
    "clear-display-message", "ClearDisplayMessage", TWO_X,
    lambda b: [Field("id", "int", None, required=True, help="message id")],
    lambda a, b, v, c: b.clear_display_message_request(v["id"]), ok_statuses=ACCEPTED)

# ---------------------------------------------------------------- I03
COST_UPDATED = Operation(
    "cost-updated", "CostUpdated", TWO_X,
    lambda b: [Field("transaction_id", "text", None, required=True),
               Field("total_cost", "float", None, required=True,
                     help="the running cost, in the charger's currency")],
    lambda a, b, v, c: b.cost_updated_request(v["total_cost"], v["transaction_id"]),
    status_of=lambda answer: None,
    words_of=lambda answer: "The charger acknowledged the cost (CostUpdated has no status: "
                            "whether it shows it is not known from here)")

# ---------------------------------------------------------------- N09 (report only)
CUSTOMER_REPORT = Operation(
    "customer-information", "CustomerInformation (report)", TWO_X,
    lambda b: [Field("id_tag", "text", None, help="the customer's id token"),
               Field("customer_identifier", "text", None), _request_id_field()],
    lambda a, b, v, c: b.customer_information_report_request(
        _request_id(v, c), v.get("id_tag"), v.get("customer_identifier")),
    ok_statuses=ACCEPTED, follows=_report_follow("NotifyCustomerInformation"))

# ---------------------------------------------------------------- N01-N03
SET_MONITORING_BASE = Operation(
    "set-monitoring-base", "SetMonitoringBase", TWO_X,
    lambda b: [Field("base", "choice", "All", MONITORING_BASES,
                     help="All: every monitor; FactoryDefault: removes custom monitors; "
                     "HardWiredOnly: only the built-in ones")],
    lambda a, b, v, c: b.set_monitoring_base_request(v["base"]), ok_statuses=ACCEPTED,
    danger=lambda v: ("FactoryDefault and HardWiredOnly remove the monitors set on this "
                      "charger (N03.FR.03/04)") if v.get("base") != "All" else None,
    dangerous_fields=("base",))

SET_MONITORING_LEVEL = Operation(
    "set-monitoring-level", "SetMonitoringLevel", TWO_X,
    lambda b: [Field("severity", "int", 8, help="events of this severity and more urgent are "
                     "reported: 0 danger .. 9 debug")],
    lambda a, b, v, c: b.set_monitoring_level_request(v["severity"]), ok_statuses=ACCEPTED)

GET_MONITORING_REPORT = Operation(
    "get-monitoring-report", "GetMonitoringReport", TWO_X,
    lambda b: [Field("criteria", "list", None,
                     help=f"comma-separated: {', '.join(MONITORING_CRITERIA)}; empty: all"),
               Field("component", "text", None), Field("variable", "text", None),
               _request_id_field()],
    lambda a, b, v, c: b.get_monitoring_report_request(
        _request_id(v, c), v.get("criteria") or [], v.get("component"), v.get("variable")),
    ok_statuses=ACCEPTED, follows=_report_follow("NotifyMonitoringReport"))

# ---------------------------------------------------------------- L03/L04 (local controller)
PUBLISH_FIRMWARE = Operation(
    "publish-firmware", "PublishFirmware", TWO_X,
    lambda b: [Field("location", "text", None, required=True,
                     help="URL of the firmware image the local controller downloads"),
               Field("checksum", "text", None, required=True, help="MD5 of the image, hex"),
               Field("retries", "int", None), Field("retry_interval", "int", None),
               _request_id_field()],
    lambda a, b, v, c: b.publish_firmware_request(
        _request_id(v, c), v["location"], v["checksum"], v.get("retries"),
        v.get("retry_interval")),
    ok_statuses=ACCEPTED,
    follows=lambda version, v, c: Follow(
        frozenset({"PublishFirmwareStatusNotification"}),
        _seen("PublishFirmwareStatusNotification",
              lambda p: p.get("status") in ("Published", "PublishFailed", "InvalidChecksum",
                                            "DownloadFailed")),
        "PublishFirmwareStatusNotification Published", 300.0))

UNPUBLISH_FIRMWARE = Operation(
    "unpublish-firmware", "UnpublishFirmware", TWO_X,
    lambda b: [Field("checksum", "text", None, required=True, help="MD5 of the image, hex")],
    lambda a, b, v, c: b.unpublish_firmware_request(v["checksum"]),
    ok_statuses=frozenset({"Unpublished", "NoFirmware"}))

OPERATIONS_2X: tuple[Operation, ...] = (
    GET_TRANSACTION_STATUS, GET_CHARGING_PROFILES, SET_DISPLAY_MESSAGE, GET_DISPLAY_MESSAGES,
    CLEAR_DISPLAY_MESSAGE, COST_UPDATED, CUSTOMER_REPORT, SET_MONITORING_BASE,
    SET_MONITORING_LEVEL, GET_MONITORING_REPORT, PUBLISH_FIRMWARE, UNPUBLISH_FIRMWARE)

__all__ = ["OPERATIONS_2X"]
