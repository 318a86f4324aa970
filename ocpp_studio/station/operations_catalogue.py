"""The charger operations of issue 16 §1: fields per version, danger, request, follow-up.

``operations.run_operation`` runs them; the fields are what a form (the Operations panel),
``ocpp-studio op --field k=v`` and ``POST .../operations/{name}`` fill in.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Callable, Sequence

from ocpp.v201.enums import MonitorEnumType

from ..core.versions import OcppVersion
from .adapters.base import OcppAdapter, OcppRequest
from .adapters.operations import OperationRequests, operation_requests
from .operations_words import status_words

V16, V201, V21 = OcppVersion.V16, OcppVersion.V201, OcppVersion.V21
ALL = frozenset({V16, V201, V21})
TWO_X = frozenset({V201, V21})
#: the id tag the studio uses for its own test charges (as in "Send message" examples)
STUDIO_ID_TAG = "OCPPSTUDIO"

Values = dict[str, Any]


class OperationError(ValueError):
    """An unknown operation, or a field value that is not usable (said in words)."""

#: (action, payload) of each message that followed, in order
Seen = list[tuple[str, Any]]


@dataclass(frozen=True)
class Field:
    """One field of an operation's form."""

    name: str
    kind: str  # "int", "float", "text", "bool", "choice", "list" (comma-separated text)
    default: Any = None
    choices: tuple[str, ...] = ()
    required: bool = False
    help: str = ""

    def coerce(self, value: Any) -> Any:
        try:
            if self.kind == "int":
                return int(value)
            if self.kind == "float":
                return float(value)
            if self.kind == "bool":
                if isinstance(value, bool):
                    return value
                text = str(value).strip().lower()
                if text not in ("1", "0", "true", "false", "yes", "no", "on", "off"):
                    raise ValueError(value)
                return text in ("1", "true", "yes", "on")
            if self.kind == "list":
                if isinstance(value, (list, tuple)):
                    return [str(v) for v in value]
                return [v.strip() for v in str(value).split(",") if v.strip()]
        except (TypeError, ValueError):
            raise ValueError(f"{self.name} must be {self.kind}, not {value!r}") from None
        text = str(value)
        if self.choices and text not in self.choices:
            raise ValueError(f"{self.name} must be one of {', '.join(self.choices)}, "
                             f"not {text!r}")
        return text

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "kind": self.kind, "default": self.default,
                "choices": list(self.choices), "required": self.required, "help": self.help}


@dataclass(frozen=True)
class Follow:
    """What the charger sends after an accepted operation, and which message completes it."""

    actions: frozenset[str]
    done: Callable[[Seen], bool]
    what: str  # the completing message in words ("BootNotification")
    window_s: float

    def with_window(self, seconds: float) -> "Follow":
        return replace(self, window_s=seconds)


@dataclass(frozen=True)
class Operation:
    name: str
    title: str
    versions: frozenset[OcppVersion]
    fields: Callable[[OperationRequests], Sequence[Field]]
    build: Callable[[OcppAdapter, OperationRequests, Values, Any], OcppRequest]
    danger: Callable[[Values], str | None] = lambda values: None
    follows: Callable[[OcppVersion, Values, Any], Follow | None] = \
        lambda version, values, context: None
    ok_statuses: frozenset[str] = frozenset({"Accepted", "Scheduled"})
    follow_statuses: frozenset[str] = frozenset({"Accepted"})
    #: the answer's status (None: the answer has none, e.g. GetLocalListVersion)
    status_of: Callable[[Any], str | None] = \
        lambda answer: str(answer.get("status")) if isinstance(answer, dict) else None
    words_of: Callable[[Any], str] | None = None
    dangerous_fields: tuple[str, ...] = field(default=())

    def describe(self, version: OcppVersion) -> dict[str, Any]:
        from .adapters.operations import operation_requests
        return {"name": self.name, "title": self.title,
                "fields": [f.to_json() for f in self.fields(operation_requests(version))],
                "dangerous": list(self.dangerous_fields)}


def _is_2x(builders: OperationRequests) -> bool:
    return builders.addressed_by_evse


def _where(builders: OperationRequests, evse_default: int | None = None) -> list[Field]:
    """The EVSE / connector fields: 1.6 connector only, 2.x EVSE and its connector."""
    if _is_2x(builders):
        return [Field("evse", "int", evse_default, help="EVSE id"),
                Field("connector", "int", None, help="connector of the EVSE")]
    return [Field("connector", "int", evse_default, help="connector id")]


def _place(values: Values) -> tuple[int | None, int | None]:
    return values.get("evse"), values.get("connector")


def _seen(action: str, test: Callable[[Any], bool] = lambda p: True, count: int = 1
          ) -> Callable[[Seen], bool]:
    def done(seen: Seen) -> bool:
        return sum(1 for a, p in seen if a == action and isinstance(p, dict) and test(p)) \
            >= count
    return done


def _status_is(*statuses: str) -> Callable[[Any], bool]:
    return lambda p: (p.get("status") or p.get("connectorStatus")) in statuses


# ------------------------------------------------------------------- reset
def _reset_follow(version: OcppVersion, values: Values, context: Any) -> Follow:
    # 1.6 §5.14 / 2.0.1 B11: the charger reboots and sends BootNotification (reason
    # RemoteReset), then its connectors' status; a hard reset ends sessions after boot
    return Follow(frozenset({"BootNotification", "StatusNotification", "StopTransaction",
                             "TransactionEvent"}), _seen("BootNotification"),
                  "BootNotification", 90.0)


RESET = Operation(
    "reset", "Reset", ALL,
    lambda b: [Field("hard", "bool", False, help="hard (1.6 Hard / 2.x Immediate) instead of "
                     "soft (1.6 Soft / 2.x OnIdle)")]
    + ([Field("evse", "int", None, help="reset one EVSE only")] if _is_2x(b) else []),
    lambda a, b, v, c: b.reset_at_request(bool(v["hard"]), v.get("evse")),
    danger=lambda v: ("a hard reset restarts the charger at once; a running charge is cut "
                      "off without waiting for the session to end") if v["hard"] else None,
    follows=_reset_follow, dangerous_fields=("hard",))


# ---------------------------------------------------------------- trigger
def _trigger_fields(b: OperationRequests) -> list[Field]:
    # 2.1 CustomTrigger needs a vendor's customTrigger text: not offered here
    choices = tuple(t for t in b.triggers if t != "CustomTrigger")
    return [Field("message", "choice", "StatusNotification", choices,
                  help="the message the charger is asked to send")] + _where(b)


TRIGGER = Operation(
    "trigger", "TriggerMessage", ALL, _trigger_fields,
    lambda a, b, v, c: b.trigger_message_request(v["message"], *_place(v)),
    follows=lambda version, v, c: Follow(frozenset({v["message"]}), _seen(v["message"]),
                                         v["message"], 15.0))


# ------------------------------------------------------------ start / stop
def _start_fields(b: OperationRequests) -> list[Field]:
    out = [Field("id_tag", "text", STUDIO_ID_TAG, help="id tag / token of the session")]
    if _is_2x(b):
        return out + [Field("evse", "int", 1, help="EVSE id"),
                      Field("remote_start_id", "int", 1, help="remoteStartId")]
    return out + [Field("connector", "int", 1, help="connector id")]


def _start(a: OcppAdapter, b: OperationRequests, v: Values, c: Any) -> OcppRequest:
    where = v.get("evse") if _is_2x(b) else v.get("connector")
    return a.start_charge_request(v["id_tag"], where, v.get("remote_start_id") or 1)


def _start_follow(version: OcppVersion, v: Values, c: Any) -> Follow:
    started = operation_requests(version).transaction_started  # 1.6 §5.11, 2.0.1 F01
    return Follow(frozenset({started, "StatusNotification"}), _seen(started), started, 30.0)


START = Operation("start", "Start a charge", ALL, _start_fields, _start, follows=_start_follow)


def _stop(a: OcppAdapter, b: OperationRequests, v: Values, c: Any) -> OcppRequest:
    transaction = v.get("transaction_id")
    if not transaction:
        running = c.running_transactions()
        if len(running) != 1:
            raise OperationError("Give transaction_id: the charger has "
                                 + (f"{len(running)} sessions running ({', '.join(running)})"
                                    if running else "no session running that the studio saw"))
        transaction = running[0]
    return a.stop_charge_request(str(transaction))


def _stop_follow(version: OcppVersion, v: Values, c: Any) -> Follow:
    builders = operation_requests(version)
    ended = builders.transaction_ended
    return Follow(frozenset({ended, "StatusNotification"}),
                  _seen(ended, builders.ends_transaction), _ended_words(builders), 30.0)


def _ended_words(builders: OperationRequests) -> str:
    """What ends a session, as the result names it: "StopTransaction", "TransactionEvent
    Ended"."""
    ended = builders.transaction_ended
    return ended if ended != builders.transaction_started else f"{ended} Ended"


STOP = Operation(
    "stop", "Stop a charge", ALL,
    lambda b: [Field("transaction_id", "text", None,
                     help="the session (default: the one running)")],
    _stop, follows=_stop_follow)


# ---------------------------------------------------- unlock / availability
def _unlock_follow(version: OcppVersion, v: Values, c: Any) -> Follow | None:
    # 1.6 §5.18: unlocking a connector in use ends its session first (StopTransaction, then
    # the connector's status); a connector without a session sends nothing
    if not c.running_transactions():
        return None
    ended = operation_requests(version).transaction_ended
    return Follow(frozenset({"StatusNotification", ended}), _seen(ended), ended, 15.0)


UNLOCK = Operation(
    "unlock", "UnlockConnector", ALL, lambda b: _where(b, 1),
    lambda a, b, v, c: b.unlock_request(*_place(v)),
    ok_statuses=frozenset({"Unlocked"}), follow_statuses=frozenset({"Unlocked"}),
    follows=_unlock_follow)


def _availability_follow(version: OcppVersion, v: Values, c: Any) -> Follow:
    # 1.6 §5.2 / 2.0.1 G03: the charger reports the new status of each connector it changed
    # (back in service a plugged connector says Preparing / Finishing / Occupied, not Available)
    whole = not (v.get("evse") or v.get("connector"))
    count = c.connector_count() if whole else 1
    if v["status"] == "Operative":
        test, what = (lambda p: not _status_is("Unavailable")(p)), "in service"
    else:
        test, what = _status_is("Unavailable"), "Unavailable"
    return Follow(frozenset({"StatusNotification"}), _seen("StatusNotification", test, count),
                  f"StatusNotification {what}", 15.0)


AVAILABILITY = Operation(
    "availability", "ChangeAvailability", ALL,
    lambda b: [Field("status", "choice", "Operative", ("Operative", "Inoperative"),
                     help="Inoperative takes it out of service")] + _where(b, 0),
    lambda a, b, v, c: b.change_availability_request(v["status"] == "Operative", *_place(v)),
    danger=lambda v: ("Inoperative takes the charger (or the connector) out of service: "
                      "no one can charge until it is set Operative again"
                      if v["status"] == "Inoperative" else None),
    follows=_availability_follow, dangerous_fields=("status",))


# ----------------------------------------------- cache, local list, reservations
CLEAR_CACHE = Operation("clear-cache", "ClearCache", ALL, lambda b: [],
                        lambda a, b, v, c: b.clear_cache_request())


def _list_version_words(answer: Any) -> str:
    version = answer.get("listVersion", answer.get("versionNumber")) \
        if isinstance(answer, dict) else None
    if version == 0:
        return "The charger has no local authorization list (version 0)"
    if version == -1:  # 1.6 §6.33: -1 = local list not enabled
        return "The charger's local authorization list is not enabled (version -1)"
    return f"The charger's local authorization list is version {version}"


LOCAL_LIST_VERSION = Operation(
    "local-list-version", "GetLocalListVersion", ALL, lambda b: [],
    lambda a, b, v, c: b.local_list_version_request(), status_of=lambda answer: None,
    words_of=_list_version_words)


def _entries(values: Values) -> list[tuple[str, str | None]]:
    out: list[tuple[str, str | None]] = []
    full = values["update"] == "Full"
    for item in values.get("entries") or []:
        tag, _, status = item.partition("=")
        out.append((tag.strip(), status.strip() or ("Accepted" if full else None)))
    return out


SEND_LOCAL_LIST = Operation(
    "send-local-list", "SendLocalList", ALL,
    lambda b: [Field("version", "int", None, required=True, help="the new list version"),
               Field("update", "choice", "Full", ("Full", "Differential")),
               Field("entries", "list", None, help="TAG=Accepted,TAG2=Blocked; in a "
                     "differential update TAG alone removes it")],
    lambda a, b, v, c: b.send_local_list_request(v["version"], v["update"] == "Full",
                                                 _entries(v)))


RESERVE = Operation(
    "reserve", "ReserveNow", ALL,
    lambda b: [Field("reservation_id", "int", 1), Field("id_tag", "text", STUDIO_ID_TAG),
               Field("minutes", "int", 15, help="the reservation expires after this"),
               Field("evse" if _is_2x(b) else "connector", "int", None,
                     help="reserve this one (default: any)")],
    lambda a, b, v, c: b.reserve_now_request(v["reservation_id"], v["id_tag"],
                                             c.in_minutes(v["minutes"]),
                                             v.get("evse") or v.get("connector")),
    follows=lambda version, v, c: Follow(frozenset({"StatusNotification"}),
                                         _seen("StatusNotification", _status_is("Reserved")),
                                         "StatusNotification Reserved", 5.0))

CANCEL_RESERVATION = Operation(
    "cancel-reservation", "CancelReservation", ALL,
    lambda b: [Field("reservation_id", "int", 1)],
    lambda a, b, v, c: b.cancel_reservation_request(v["reservation_id"]))

DATA_TRANSFER = Operation(
    "data-transfer", "DataTransfer", ALL,
    lambda b: [Field("vendor_id", "text", None, required=True),
               Field("message_id", "text", None), Field("data", "text", None)],
    lambda a, b, v, c: b.data_transfer_request(v["vendor_id"], v.get("message_id"),
                                               v.get("data")),
    ok_statuses=frozenset({"Accepted"}))


# ----------------------------------------------------------- smart charging
def _schedule_words(answer: Any) -> str:
    """An Accepted GetCompositeSchedule answer: what limit applies, in a line (the Charging
    hours tab draws it on a week). 1.6 §6.26 chargingSchedule, 2.0.1 K08 schedule."""
    answer = answer if isinstance(answer, dict) else {}
    status = str(answer.get("status"))
    if status != "Accepted":
        return status_words("composite-schedule", "GetCompositeSchedule", status)
    schedule = answer.get("chargingSchedule") or answer.get("schedule") or {}
    periods = schedule.get("chargingSchedulePeriod") or []
    unit = schedule.get("chargingRateUnit", "")
    if not periods:
        return "Accepted: the charger applies no limit over this period"
    limits = ", ".join(f"{p.get('limit')} {unit} from +{p.get('startPeriod')} s"
                       for p in periods[:3])
    more = f" and {len(periods) - 3} more" if len(periods) > 3 else ""
    return f"Accepted: the charger's limit: {limits}{more}"


COMPOSITE_SCHEDULE = Operation(
    "composite-schedule", "GetCompositeSchedule", ALL,
    lambda b: [Field("evse" if _is_2x(b) else "connector", "int", 0, help="0: the charger"),
               Field("duration", "int", 86400, help="seconds")],
    lambda a, b, v, c: a.composite_schedule_request(
        v.get("evse") or v.get("connector") or 0, v["duration"]),
    words_of=_schedule_words)

CLEAR_PROFILE = Operation(
    "clear-profile", "ClearChargingProfile", ALL,
    lambda b: [Field("profile_id", "int", None, required=True)],
    lambda a, b, v, c: a.clear_profile_request(v["profile_id"]),
    ok_statuses=frozenset({"Accepted"}))


# ------------------------------------------------------------------- 2.x
CLEAR_CUSTOMER = Operation(
    "clear-customer-information", "ClearCustomerInformation", TWO_X,
    lambda b: [Field("id_tag", "text", None, help="the customer's id token"),
               Field("customer_identifier", "text", None),
               Field("request_id", "int", 1)],
    lambda a, b, v, c: b.clear_customer_information_request(
        v["request_id"], v.get("id_tag"), v.get("customer_identifier")),
    danger=lambda v: ("this deletes the customer's personal data held by the charger "
                      "(regulations §2.8.7); it cannot be undone"),
    ok_statuses=frozenset({"Accepted"}),
    follows=lambda version, v, c: Follow(frozenset({"NotifyCustomerInformation"}),
                                         _seen("NotifyCustomerInformation"),
                                         "NotifyCustomerInformation", 10.0),
    dangerous_fields=("*",))

SET_MONITORING = Operation(
    "set-variable-monitoring", "SetVariableMonitoring", TWO_X,
    lambda b: [Field("component", "text", None, required=True),
               Field("variable", "text", None, required=True),
               Field("type", "choice", "UpperThreshold",
                     tuple(m.value for m in MonitorEnumType)),
               Field("value", "float", None, required=True),
               Field("severity", "int", 8, help="0 danger .. 9 debug"),
               Field("evse", "int", None)],
    lambda a, b, v, c: b.set_variable_monitoring_request(
        v["component"], v["variable"], v["type"], v["value"], v["severity"], v.get("evse")),
    status_of=lambda answer: str(((answer or {}).get("setMonitoringResult") or [{}])[0]
                                 .get("status")),
    ok_statuses=frozenset({"Accepted"}))

CLEAR_MONITORING = Operation(
    "clear-variable-monitoring", "ClearVariableMonitoring", TWO_X,
    lambda b: [Field("ids", "list", None, required=True, help="monitor ids, comma-separated")],
    lambda a, b, v, c: b.clear_variable_monitoring_request([int(i) for i in v["ids"]]),
    status_of=lambda answer: str(((answer or {}).get("clearMonitoringResult") or [{}])[0]
                                 .get("status")),
    ok_statuses=frozenset({"Accepted"}))

CATALOGUE: tuple[Operation, ...] = (
    RESET, TRIGGER, START, STOP, UNLOCK, AVAILABILITY, CLEAR_CACHE, LOCAL_LIST_VERSION,
    SEND_LOCAL_LIST, RESERVE, CANCEL_RESERVATION, DATA_TRANSFER, COMPOSITE_SCHEDULE,
    CLEAR_PROFILE, CLEAR_CUSTOMER, SET_MONITORING, CLEAR_MONITORING)
