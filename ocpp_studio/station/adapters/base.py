"""The one interface every OCPP version's adapter implements.

Code above ``station/`` asks an adapter ("read these settings", "reset softly", "install this
charging profile") and never compares version strings; the adapter knows which messages and
payload shapes its version uses. An adapter is a plain object: its ``*_request`` methods build
an :class:`OcppRequest` without talking to anyone (the UI can show it before it is sent), and
its operations send through the ``call`` it is bound to (``CentralSystem.adapter(charger_id)``).

Charging profiles cross this interface in one neutral shape, the 1.6 ``csChargingProfiles``
body (1.6 §7.8 ChargingProfile field names); the 2.x adapters translate it to and from the 2.0.1
``chargingProfile`` (2.0.1 Part 2 §2.10 ChargingProfileType).
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, ClassVar, Protocol, Sequence, Union, runtime_checkable

from ocpp.v16.enums import ConfigurationStatus
from ocpp.v201.enums import GetVariableStatusEnumType, SetVariableStatusEnumType

from ...core.rpc import CallError, CallTimeout, ConnectionClosed, InvalidPayload
from ...core.versions import OcppVersion

log = logging.getLogger(__name__)

Payload = dict[str, Any]
#: ``call(action, payload)`` -> the answer's payload (raises the RPC layer's errors)
CallFn = Callable[[str, Payload], Awaitable[Any]]
#: Called with each write's outcome as soon as it is known (progress bars).
WriteObserver = Callable[["SettingWrite"], None]

#: What a call can raise when the charger gives no usable answer (AnswerLost is a ConnectionClosed).
CALL_FAILURES: tuple[type[Exception], ...] = (CallError, CallTimeout, ConnectionClosed,
                                              InvalidPayload)
#: Answers to a write that mean "taken" (1.6 §7.19 ConfigurationStatus,
#: 2.0.1 SetVariableStatusEnumType).
WRITE_TAKEN = frozenset({ConfigurationStatus.accepted.value,
                         ConfigurationStatus.reboot_required.value,
                         SetVariableStatusEnumType.accepted.value,
                         SetVariableStatusEnumType.reboot_required.value})
#: The status of a 1.6 key the charger listed under ``unknownKey`` (1.6 §6.24 has no enum).
UNKNOWN_KEY = "UnknownKey"
#: Read answers meaning "the charger has no such setting".
UNKNOWN_SETTING = frozenset({UNKNOWN_KEY, GetVariableStatusEnumType.unknown_component.value,
                             GetVariableStatusEnumType.unknown_variable.value})
READ_FOUND = GetVariableStatusEnumType.accepted.value  # 1.6 listed keys get the same word


@runtime_checkable
class SettingAddress(Protocol):
    """A 2.x device-model address (configuration.devicemodel.VariableRef is one)."""

    attribute: str

    def component_json(self) -> Payload: ...

    def variable_json(self) -> Payload: ...


#: A 1.6 key ("HeartbeatInterval"), a 2.x "Component.Variable" text, or a 2.x address.
Setting = Union[str, SettingAddress]


@dataclass(frozen=True)
class OcppRequest:
    """A CALL ready to send: what the UI shows and what ``OcppAdapter.send`` sends."""

    action: str
    payload: Payload


@dataclass
class SettingRead:
    """One setting as the charger answered a read."""

    asked: Setting | None  # None: the charger answered about a setting nobody asked for
    name: str  # the 1.6 key, or "Component.Variable" of the answer
    value: str | None
    status: str  # "Accepted"; 1.6 "UnknownKey"; 2.x GetVariableStatusEnumType
    readonly: bool | None = None  # 1.6 only: the charger's own readonly flag
    info: str = ""  # 2.x attributeStatusInfo in words
    raw: Payload = field(default_factory=dict)  # the entry as received

    @property
    def found(self) -> bool:
        return self.status == READ_FOUND

    @property
    def unknown(self) -> bool:
        """The charger says it has no such setting."""
        return self.status in UNKNOWN_SETTING


@dataclass
class SettingWrite:
    """The outcome of writing one setting."""

    asked: Setting
    value: str
    status: str  # the charger's answer, "" when ``error`` is set
    info: str = ""
    error: Exception | None = None  # no answer: CallError, CallTimeout, ConnectionClosed, ...

    @property
    def taken(self) -> bool:
        return self.error is None and self.status in WRITE_TAKEN


@dataclass(frozen=True)
class MessageLimits:
    """How much one read or write message may carry (1.6 GetConfigurationMaxKeys; 2.x
    DeviceDataCtrlr.ItemsPerMessage / BytesPerMessage)."""

    items: int
    bytes: int | None = None


def status_info_text(info: Payload | None) -> str:
    """A 2.x StatusInfoType in words ("reasonCode: additionalInfo")."""
    if not info:
        return ""
    text = str(info.get("reasonCode", ""))
    if info.get("additionalInfo"):
        text += f": {info['additionalInfo']}"
    return text


class NotBound(RuntimeError):
    """An adapter from ``adapter_for(version)`` was asked to talk to a charger."""


class OcppAdapter(ABC):
    """What the studio does with a charger, in the words of one OCPP version."""

    version: ClassVar[OcppVersion]
    #: 2.x device model (components holding variables, GetBaseReport) vs 1.6 flat keys
    settings_grouped_by_component: ClassVar[bool]
    #: the connector field of GetCompositeSchedule, SetChargingProfile: connectorId / evseId
    connector_field: ClassVar[str]
    #: what a user calls that place: "connector" (1.6) / "EVSE" (2.x)
    connector_noun: ClassVar[str]
    #: 1.6 has a security log only with the security whitepaper's extension; 2.x always (A04)
    security_log_needs_extension: ClassVar[bool]
    #: meter-value reporting interval and measurands (1.6 §9.1.19/§9.1.17; 2.x SampledDataCtrlr)
    interval_setting: ClassVar[str]
    measurands_setting: ClassVar[str]
    #: OCA app note §2.7: the charger-side randomised delay
    randomised_delay_setting: ClassVar[str]
    #: the charger's smart-charging limits: role (stack, periods, units, profiles) -> setting
    smart_charging_settings: ClassVar[dict[str, str]]
    #: what a charger answering the read of every setting shows (for words in the UI)
    read_all_words: ClassVar[str]
    #: commissioning: heartbeat interval, Basic-auth password, security profile (security
    #: whitepaper / 2.x SecurityCtrlr), the feature list (1.6 only; None where controllers say)
    heartbeat_setting: ClassVar[str]
    basic_auth_password_setting: ClassVar[str]
    security_profile_setting: ClassVar[str]
    feature_profiles_setting: ClassVar[str | None]
    #: settings holding the backend URL, in order of preference; empty where the backend is
    #: changed by a network profile (2.x SetNetworkProfile, B09) instead
    backend_url_settings: ClassVar[tuple[str, ...]]
    #: the setting ordering the network connection profiles (2.x OCPPCommCtrlr.
    #: NetworkConfigurationPriority, B09/B10); None where the version has none (1.6)
    network_priority_setting: ClassVar[str | None] = None
    #: the message a charger sends, on TriggerMessage, carrying its running session's id
    #: (1.6 MeterValues with transactionId; 2.x TransactionEvent)
    session_trigger_message: ClassVar[str]

    def __init__(self, call: CallFn | None = None) -> None:
        self._call = call

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.label}{' bound' if self._call else ''}>"

    # ------------------------------------------------------------------ facts
    @property
    def label(self) -> str:
        """'1.6', '2.0.1' or '2.1': the words shown to people and kept in snapshots."""
        return self.version.label

    @property
    def bound(self) -> bool:
        return self._call is not None

    def bind(self, call: CallFn) -> "OcppAdapter":
        """The same adapter, talking through ``call``."""
        return type(self)(call)

    async def send(self, request: OcppRequest) -> Any:
        """Send a request built by this adapter; returns the answer's payload."""
        if self._call is None:
            raise NotBound(f"{self!r} is not bound to a charger")
        return await self._call(request.action, request.payload)

    # ------------------------------------------------------ requests (pure)
    @abstractmethod
    def reset_request(self, hard: bool = False) -> OcppRequest:
        """Soft (1.6 Soft / 2.x OnIdle) or hard (1.6 Hard / 2.x Immediate) reset."""

    @abstractmethod
    def trigger_request(self, message: str, evse: int | None = None,
                        connector: int | None = None) -> OcppRequest:
        """TriggerMessage for ``message`` (e.g. StatusNotification), optionally for one
        connector (1.6 connectorId) / EVSE and connector (2.x evse)."""

    @abstractmethod
    def start_charge_request(self, id_tag: str, connector: int | None = None,
                             remote_start_id: int = 1) -> OcppRequest:
        """1.6 RemoteStartTransaction / 2.x RequestStartTransaction."""

    @abstractmethod
    def stop_charge_request(self, transaction_id: str) -> OcppRequest:
        """1.6 RemoteStopTransaction / 2.x RequestStopTransaction."""

    @abstractmethod
    def set_profile_request(self, connector: int, profile: Payload) -> OcppRequest:
        """SetChargingProfile for a profile in the neutral (1.6 body) shape."""

    @abstractmethod
    def profile_from_request(self, payload: Payload) -> tuple[int, Payload]:
        """(connector/EVSE, neutral profile) from a SetChargingProfile request payload."""

    @abstractmethod
    def clear_profile_request(self, profile_id: int) -> OcppRequest:
        """ClearChargingProfile of one profile (1.6 ``id`` / 2.x ``chargingProfileId``)."""

    @abstractmethod
    def composite_schedule_request(self, connector: int, duration_s: int,
                                   rate_unit: str | None = "W") -> OcppRequest:
        """GetCompositeSchedule for a connector (1.6) or EVSE (2.x); 0 = the whole charger."""

    @abstractmethod
    def schedule_of(self, answer: Payload) -> Payload | None:
        """The composite schedule of a GetCompositeSchedule answer (1.6 ``chargingSchedule``,
        2.x ``schedule``), or None."""

    @abstractmethod
    def read_settings_request(self, settings: Sequence[Setting]) -> OcppRequest:
        """One GetConfiguration / GetVariables for ``settings`` (no batching)."""

    @abstractmethod
    def write_setting_request(self, setting: Setting, value: str) -> OcppRequest:
        """One ChangeConfiguration / SetVariables for one setting."""

    # ----------------------------------------- security (issue 15 §1, §3; pure)
    @abstractmethod
    def new_password(self) -> str:
        """A fresh random Basic-auth password in the form the version's setting wants
        (1.6 AuthorizationKey: hex digits, whitepaper A00.FR.205; 2.x passwordString)."""

    @abstractmethod
    def password_change_request(self, password: str) -> OcppRequest:
        """Write the Basic-auth password (1.6 whitepaper A01.FR.02; 2.0.1 A01)."""

    @abstractmethod
    def security_profile_requests(self, profile: int, url: str, *, url_setting: str | None = None,
                                  slot: int | None = None,
                                  priority: Sequence[str] = ()) -> list[OcppRequest]:
        """The requests that move the charger to security ``profile`` on ``url`` (the
        central system's URL without the charger id), in the order to send them: 1.6 the
        backend URL key (``url_setting``) then SecurityProfile (whitepaper A05); 2.x
        SetNetworkProfile into ``slot`` then NetworkConfigurationPriority with ``slot`` first
        and the ``priority`` slots in use after it (2.0.1 A05 steps 1-2, B09)."""

    @abstractmethod
    async def plan_security_profile(self, profile: int, url: str,
                                    charger_id: str = "") -> list[OcppRequest]:
        """``security_profile_requests`` after reading what the charger needs asked (1.6:
        which key holds its backend URL, in which form; 2.x: the network slots in use)."""

    @abstractmethod
    def upgrade_reset_request(self) -> OcppRequest | None:
        """The Reset the security-profile upgrade needs after its requests, None where the
        charger reconnects by itself (1.6 whitepaper A05.FR.06/07)."""

    def report_request(self, request_id: int, full_inventory: bool = False) -> OcppRequest:
        """2.x GetBaseReport (parts arrive as ``CentralSystem.report_parts``); a version without
        a device model (``settings_grouped_by_component`` False) has none."""
        raise NotImplementedError(f"OCPP {self.label} has no base report; read settings instead")

    async def request_report(self, request_id: int, full_inventory: bool = False) -> Any:
        return await self.send(self.report_request(request_id, full_inventory))

    # ------------------------------------------------------------- settings
    @abstractmethod
    async def read_settings(self, settings: Sequence[Setting],
                            limits: MessageLimits | None = None) -> list[SettingRead]:
        """Read settings, in as many messages as ``limits`` (default: the version's
        conservative default) needs. Raises the RPC layer's errors."""

    @abstractmethod
    async def write_settings(self, changes: Sequence[tuple[Setting, str]],
                             limits: MessageLimits | None = None,
                             on_result: WriteObserver | None = None) -> list[SettingWrite]:
        """Write settings; never raises for a call that failed: its ``SettingWrite.error``
        says why. One result per change, in the order given."""

    @abstractmethod
    async def message_limits(self, write: bool = False) -> MessageLimits:
        """What the charger says one read (or write) message may carry; defaults where it
        does not say."""

    async def device_data_limits(self) -> dict[str, int]:
        """2.x DeviceDataCtrlr ItemsPerMessage / BytesPerMessage per message kind, as the
        charger reports them ({"ItemsPerMessage.GetVariables": 10, ...}); 1.6 has none."""
        return {}

    async def read_setting(self, setting: Setting) -> str | None:
        """One setting's value, None when the charger does not have it."""
        for result in await self.read_settings([setting]):
            if result.found:
                return result.value
        return None

    async def write_setting(self, setting: Setting, value: str) -> SettingWrite:
        return (await self.write_settings([(setting, value)]))[0]

    # ------------------------------------------------------------ operations
    def network_profile_request(self, slot: int, csms_url: str,
                                security_profile: int) -> OcppRequest:
        """2.x SetNetworkProfile (B09) of a websocket connection to ``csms_url``; a version
        without network profiles (``network_priority_setting`` None) has none."""
        raise NotImplementedError(f"OCPP {self.label} has no network profiles; "
                                  "write the backend URL setting instead")

    async def set_network_profile(self, slot: int, csms_url: str, security_profile: int) -> Any:
        return await self.send(self.network_profile_request(slot, csms_url, security_profile))

    async def reset(self, hard: bool = False) -> Any:
        return await self.send(self.reset_request(hard))

    async def trigger(self, message: str, evse: int | None = None,
                      connector: int | None = None) -> Any:
        return await self.send(self.trigger_request(message, evse, connector))

    async def start_charge(self, id_tag: str, connector: int | None = None,
                           remote_start_id: int = 1) -> Any:
        return await self.send(self.start_charge_request(id_tag, connector, remote_start_id))

    async def stop_charge(self, transaction_id: str) -> Any:
        return await self.send(self.stop_charge_request(transaction_id))

    async def set_charging_profile(self, connector: int, profile: Payload) -> Any:
        return await self.send(self.set_profile_request(connector, profile))

    async def clear_charging_profile(self, profile_id: int) -> Any:
        return await self.send(self.clear_profile_request(profile_id))

    async def composite_schedule(self, connector: int, duration_s: int,
                                 rate_unit: str | None = "W") -> Any:
        return await self.send(self.composite_schedule_request(connector, duration_s, rate_unit))

    async def reporting(self) -> dict[str, str | None]:
        """The meter-value reporting interval and measurands: {setting: value or None}."""
        found = {r.name: r.value for r in await self.read_settings(
            [self.interval_setting, self.measurands_setting]) if r.found}
        return {name: found.get(name) for name in (self.interval_setting,
                                                   self.measurands_setting)}
