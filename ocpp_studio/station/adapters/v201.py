"""OCPP 2.0.1: the device model (components holding variables) and EVSEs (2.0.1 Part 2)."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Sequence

from ocpp.v201.enums import (AttributeEnumType, GetVariableStatusEnumType, ReportBaseEnumType,
                             ResetEnumType)

from ...core.device_model import component_json, variable_json
from ...core.frames import dumps
from ...core.versions import OcppVersion
from ...security.passwords import generate_password
from .base import (CALL_FAILURES, MessageLimits, OcppAdapter, OcppRequest, Payload, Setting,
                   SettingAddress, SettingRead, SettingWrite, WriteObserver, status_info_text)
from .operations import Requests201

log = logging.getLogger(__name__)

#: DeviceDataCtrlr.ItemsPerMessage / BytesPerMessage when the charger does not say
DEFAULT_ITEMS_PER_MESSAGE = 10
DEFAULT_BYTES_PER_MESSAGE = 4096
#: a request smaller than this cannot hold one item: a charger saying less is not believed
MIN_BYTES_PER_MESSAGE = 200
DEVICE_DATA = "DeviceDataCtrlr"
#: 2.0.1 calls the charger-wide maximum ChargingStationMaxProfile
#: (2.0.1 Part 2 §2.10, ChargingProfilePurposeEnumType)
_PURPOSE_TO_2X = {"ChargePointMaxProfile": "ChargingStationMaxProfile"}
_PURPOSE_FROM_2X = {v: k for k, v in _PURPOSE_TO_2X.items()}
_NAME = re.compile(r"^(?P<name>[^\[\].]+)(?:\[(?P<instance>[^\]]*)\])?$")


@dataclass(frozen=True)
class VariableName:
    """A device-model address written "Component[instance].Variable[instance]"."""

    component: str
    variable: str
    component_instance: str | None = None
    variable_instance: str | None = None
    attribute: str = AttributeEnumType.actual.value

    @classmethod
    def parse(cls, text: str) -> "VariableName":
        component, dot, variable = text.partition(".")
        left, right = _NAME.match(component.strip()), _NAME.match(variable.strip())
        if not dot or left is None or right is None:
            raise ValueError(f"{text!r} is not Component.Variable")
        return cls(left["name"], right["name"], left["instance"], right["instance"])

    def component_json(self) -> Payload:
        return component_json(self.component, self.component_instance)

    def variable_json(self) -> Payload:
        return variable_json(self.variable, self.variable_instance)


def _address(setting: Setting) -> SettingAddress:
    return VariableName.parse(setting) if isinstance(setting, str) else setting


def _match_key(component: Payload, variable: Payload, attribute: str | None) -> tuple:
    evse = component.get("evse") or {}
    return (component.get("name"), component.get("instance"), evse.get("id"),
            evse.get("connectorId"), variable.get("name"), variable.get("instance"),
            attribute or AttributeEnumType.actual.value)


def _key_of(address: SettingAddress) -> tuple:
    return _match_key(address.component_json(), address.variable_json(), address.attribute)


def _name_of(component: Payload, variable: Payload) -> str:
    return f"{component.get('name')}.{variable.get('name')}"


def batches(items: list[Payload], limits: MessageLimits, action: str) -> list[list[Payload]]:
    """Split request items so each CALL has at most ``limits.items`` and fits ``limits.bytes``
    (2.0.1 B05.FR.03 / B06.FR.03: the charger may refuse larger messages)."""
    max_items = max(1, limits.items)
    max_bytes = max(MIN_BYTES_PER_MESSAGE, limits.bytes or DEFAULT_BYTES_PER_MESSAGE)
    overhead = len(dumps([2, "x" * 36, action, {"setVariableData": []}]))
    out: list[list[Payload]] = []
    current: list[Payload] = []
    size = overhead
    for item in items:
        item_size = len(dumps(item).encode("utf-8")) + 1
        if current and (len(current) >= max_items or size + item_size > max_bytes):
            out.append(current)
            current, size = [], overhead
        current.append(item)
        size += item_size
    if current:
        out.append(current)
    return out


def free_slot(priority: Sequence[str], active: str | None = None) -> int:
    """A configurationSlot for a new network profile that is neither the active connection's
    slot (``active``, OCPPCommCtrlr.ActiveNetworkProfile; overwriting it "is not recommended",
    OCTT TC_A_19_CS note, errata 2025-09 §6.2.7) nor lost as the fallback (B10.FR.07 goes back
    to the last connection that worked, which is the active one). A slot the charger already
    listed in NetworkConfigurationPriority and does not use is known to exist (its valuesList
    is only in a report); else the next number (a slot it does not have is answered
    Rejected/InvalidConfSlot, B09.FR.05)."""
    numbers = [int(s) for s in priority if s.isdigit()]
    in_use = int(active) if active is not None and active.isdigit() else (
        numbers[0] if numbers else None)
    unused = [n for n in numbers if n != in_use]
    if unused:
        return unused[-1]
    known = numbers + ([in_use] if in_use is not None else [])
    return max(known) + 1 if known else 1


class Ocpp201Adapter(OcppAdapter, Requests201):  # the operations (issue 16)
    version = OcppVersion.V201
    settings_grouped_by_component = True
    connector_field = "evseId"
    connector_noun = "EVSE"
    security_log_needs_extension = False
    interval_setting = "SampledDataCtrlr.TxUpdatedInterval"
    measurands_setting = "SampledDataCtrlr.TxUpdatedMeasurands"
    randomised_delay_setting = "SmartChargingCtrlr.RandomisedDelay"
    smart_charging_settings = {
        "stack": "SmartChargingCtrlr.ProfileStackLevel",
        "periods": "SmartChargingCtrlr.PeriodsPerSchedule",
        "units": "SmartChargingCtrlr.RateUnit", "profiles": "SmartChargingCtrlr.Entries"}
    read_all_words = "GetBaseReport"
    heartbeat_setting = "OCPPCommCtrlr.HeartbeatInterval"
    basic_auth_password_setting = "SecurityCtrlr.BasicAuthPassword"
    security_profile_setting = "SecurityCtrlr.SecurityProfile"
    feature_profiles_setting = None  # the controllers' Enabled variables say it
    backend_url_settings: tuple[str, ...] = ()  # B09 SetNetworkProfile changes the backend
    network_priority_setting = "OCPPCommCtrlr.NetworkConfigurationPriority"  # B09, B10
    #: the slot of the connection in use (required with B09/B10: errata 2025-09 §2.57)
    active_network_setting = "OCPPCommCtrlr.ActiveNetworkProfile"
    session_trigger_message = "TransactionEvent"  # F06: an Updated event of the session
    #: OCPPVersionEnumType of the network connection profile (2.0.1: OCPP20)
    network_ocpp_version = "OCPP20"

    # ------------------------------------------------------ requests (pure)
    def reset_request(self, hard: bool = False) -> OcppRequest:
        # B11/B12 ResetRequest: OnIdle waits for transactions to end, Immediate does not
        kind = ResetEnumType.immediate if hard else ResetEnumType.on_idle
        return OcppRequest("Reset", {"type": kind.value})

    def trigger_request(self, message: str, evse: int | None = None,
                        connector: int | None = None) -> OcppRequest:
        # F06 TriggerMessageRequest: evse {id, connectorId}
        payload: Payload = {"requestedMessage": message}
        if evse is not None or connector is not None:
            where: Payload = {"id": int(evse if evse is not None else 1)}
            if connector is not None:
                where["connectorId"] = int(connector)
            payload["evse"] = where
        return OcppRequest("TriggerMessage", payload)

    def start_charge_request(self, id_tag: str, connector: int | None = None,
                             remote_start_id: int = 1) -> OcppRequest:
        # F01 RequestStartTransactionRequest; "Central": a token the CSMS made up
        payload: Payload = {}
        if connector is not None:
            payload["evseId"] = int(connector)
        payload["remoteStartId"] = int(remote_start_id)
        payload["idToken"] = {"idToken": id_tag, "type": "Central"}
        return OcppRequest("RequestStartTransaction", payload)

    def stop_charge_request(self, transaction_id: str) -> OcppRequest:
        return OcppRequest("RequestStopTransaction", {"transactionId": str(transaction_id)})

    def set_profile_request(self, connector: int, profile: Payload) -> OcppRequest:
        """K01 SetChargingProfileRequest: the neutral profile with one schedule, id 1."""
        data: Payload = {"id": int(profile["chargingProfileId"])}
        for name, value in profile.items():
            if name in ("chargingProfileId", "chargingSchedule", "transactionId"):
                continue
            data[name] = (_PURPOSE_TO_2X.get(value, value)
                          if name == "chargingProfilePurpose" else value)
        data["chargingSchedule"] = [{"id": 1, **profile["chargingSchedule"]}]
        if profile.get("transactionId") is not None:
            data["transactionId"] = str(profile["transactionId"])
        return OcppRequest("SetChargingProfile", {"evseId": int(connector),
                                                  "chargingProfile": data})

    def profile_from_request(self, payload: Payload) -> tuple[int, Payload]:
        data = payload["chargingProfile"]
        neutral: Payload = {"chargingProfileId": int(data["id"])}
        for name, value in data.items():
            if name in ("id", "chargingSchedule"):
                continue
            neutral[name] = (_PURPOSE_FROM_2X.get(value, value)
                             if name == "chargingProfilePurpose" else value)
        schedule = dict(data["chargingSchedule"][0])
        schedule.pop("id", None)
        neutral["chargingSchedule"] = schedule
        return int(payload.get("evseId", 0)), neutral

    def clear_profile_request(self, profile_id: int) -> OcppRequest:
        return OcppRequest("ClearChargingProfile", {"chargingProfileId": int(profile_id)})  # K10

    def network_profile_request(self, slot: int, csms_url: str,
                                security_profile: int) -> OcppRequest:
        """B09 SetNetworkProfileRequest: a JSON websocket profile on the wired interface (the
        charger appends its identity to ocppCsmsUrl, Part 4 §3.1.1)."""
        return OcppRequest("SetNetworkProfile", {"configurationSlot": int(slot), "connectionData": {
            "ocppVersion": self.network_ocpp_version, "ocppTransport": "JSON",
            "ocppCsmsUrl": csms_url, "messageTimeout": 30,
            "securityProfile": int(security_profile), "ocppInterface": "Wired0"}})

    # ----------------------------------------- security (issue 15 §1, §3; pure)
    def new_password(self) -> str:
        return generate_password()  # A00.FR.205: a 16-40 character passwordString

    def password_change_request(self, password: str) -> OcppRequest:
        return self.write_setting_request(self.basic_auth_password_setting, password)  # A01

    def security_profile_requests(self, profile: int, url: str, *, url_setting: str | None = None,
                                  slot: int | None = None, priority: Sequence[str] = (),
                                  active: str | None = None) -> list[OcppRequest]:
        """2.0.1 A05 steps 1-2 with B09, as OCTT TC_A_19_CS / TC_A_20_CS do it (errata 2025-09
        §6.2.6-6.2.9): first NetworkConfigurationPriority = the active slot alone when it lists
        others (a charger may refuse a SetNetworkProfile into a slot still listed there), the
        new network profile into a slot that is not the active one, then the priority with the
        new slot first and the active one second (the fallback, B10.FR.07)."""
        setting = self.network_priority_setting
        assert setting is not None
        numbers = [s for s in priority if s.isdigit()]
        in_use = active if active is not None and active.isdigit() else (
            numbers[0] if numbers else None)
        if slot is None:
            slot = free_slot(priority, in_use)
        requests: list[OcppRequest] = []
        if in_use is not None and numbers != [in_use] and str(slot) in numbers:
            requests.append(self.write_setting_request(setting, in_use))
        fallback = [in_use] if in_use is not None and in_use != str(slot) else []
        return [*requests, self.network_profile_request(int(slot), url, int(profile)),
                self.write_setting_request(setting, ",".join([str(slot), *fallback]))]

    async def plan_security_profile(self, profile: int, url: str,
                                    charger_id: str = "") -> list[OcppRequest]:
        setting = self.network_priority_setting
        assert setting is not None
        current = await self.read_setting(setting)
        priority = [s.strip() for s in (current or "").split(",") if s.strip()]
        active = await self.read_setting(self.active_network_setting)  # errata 2025-09 §2.57
        return self.security_profile_requests(profile, url, priority=priority,
                                              active=(active or "").strip() or None)

    def upgrade_reset_request(self) -> OcppRequest | None:
        return self.reset_request(hard=False)  # 2.0.1 A05 step 3: ResetRequest(OnIdle)

    def composite_schedule_request(self, connector: int, duration_s: int,
                                   rate_unit: str | None = "W") -> OcppRequest:
        payload: Payload = {"evseId": int(connector), "duration": int(duration_s)}
        if rate_unit is not None:
            payload["chargingRateUnit"] = rate_unit
        return OcppRequest("GetCompositeSchedule", payload)  # K08

    def schedule_of(self, answer: Payload) -> Payload | None:
        schedule = answer.get("schedule") if isinstance(answer, dict) else None
        return schedule if isinstance(schedule, dict) else None

    @staticmethod
    def _get_item(address: SettingAddress) -> Payload:
        data: Payload = {"component": address.component_json(),
                         "variable": address.variable_json()}
        if address.attribute != AttributeEnumType.actual.value:
            data["attributeType"] = address.attribute
        return data

    @staticmethod
    def _set_item(address: SettingAddress, value: str) -> Payload:
        data: Payload = {"attributeValue": value, "component": address.component_json(),
                         "variable": address.variable_json()}
        if address.attribute != AttributeEnumType.actual.value:
            data["attributeType"] = address.attribute
        return data

    def read_settings_request(self, settings: Sequence[Setting]) -> OcppRequest:
        return OcppRequest("GetVariables", {"getVariableData": [
            self._get_item(_address(s)) for s in settings]})

    def write_setting_request(self, setting: Setting, value: str) -> OcppRequest:
        return OcppRequest("SetVariables", {"setVariableData": [
            self._set_item(_address(setting), value)]})

    def report_request(self, request_id: int, full_inventory: bool = False) -> OcppRequest:
        """B07 GetBaseReportRequest; the settings come in NotifyReport parts
        (``CentralSystem.report_parts``)."""
        base = (ReportBaseEnumType.full_inventory if full_inventory
                else ReportBaseEnumType.configuration_inventory)
        return OcppRequest("GetBaseReport", {"requestId": int(request_id),
                                             "reportBase": base.value})

    # ------------------------------------------------------------- settings
    async def read_settings(self, settings: Sequence[Setting],
                            limits: MessageLimits | None = None) -> list[SettingRead]:
        asked: dict[tuple, Setting] = {}
        items = []
        for setting in settings:
            address = _address(setting)
            asked.setdefault(_key_of(address), setting)
            items.append(self._get_item(address))
        limits = limits or MessageLimits(DEFAULT_ITEMS_PER_MESSAGE, DEFAULT_BYTES_PER_MESSAGE)
        out: list[SettingRead] = []
        for batch in batches(items, limits, "GetVariables"):
            answer = await self.send(OcppRequest("GetVariables", {"getVariableData": batch}))
            for result in (answer or {}).get("getVariableResult") or []:
                try:
                    component, variable = result["component"], result["variable"]
                    key = _match_key(component, variable, result.get("attributeType"))
                except (KeyError, TypeError, AttributeError):
                    continue
                setting = asked.get(key)
                value = result.get("attributeValue")
                out.append(SettingRead(
                    setting, setting if isinstance(setting, str) else _name_of(component, variable),
                    None if value is None else str(value), str(result.get("attributeStatus")),
                    info=status_info_text(result.get("attributeStatusInfo")), raw=result))
        return out

    async def write_settings(self, changes: Sequence[tuple[Setting, str]],
                             limits: MessageLimits | None = None,
                             on_result: WriteObserver | None = None) -> list[SettingWrite]:
        results: dict[int, SettingWrite] = {}
        by_key: dict[tuple, int] = {}
        items = []
        for index, (setting, value) in enumerate(changes):
            address = _address(setting)
            by_key[_key_of(address)] = index
            items.append(self._set_item(address, value))

        def done(index: int, result: SettingWrite) -> None:
            results[index] = result
            if on_result is not None:
                on_result(result)

        if limits is None:
            try:
                limits = await self.message_limits(write=True)
            except CALL_FAILURES as exc:
                for index, (setting, value) in enumerate(changes):
                    done(index, SettingWrite(setting, value, "", error=exc))
                return [results[i] for i in range(len(changes))]
        for batch in batches(items, limits, "SetVariables"):
            indexes = [by_key[_match_key(i["component"], i["variable"], i.get("attributeType"))]
                       for i in batch]
            try:
                answer = await self.send(OcppRequest("SetVariables", {"setVariableData": batch}))
            except CALL_FAILURES as exc:
                for index in indexes:
                    setting, value = changes[index]
                    done(index, SettingWrite(setting, value, "", error=exc))
                continue
            for result in (answer or {}).get("setVariableResult") or []:
                try:
                    index = by_key.get(_match_key(result["component"], result["variable"],
                                                  result.get("attributeType")))
                except (KeyError, TypeError, AttributeError):
                    continue
                if index is None or index not in indexes or index in results:
                    continue
                setting, value = changes[index]
                done(index, SettingWrite(setting, value,
                                         str(result.get("attributeStatus", "Error")),
                                         status_info_text(result.get("attributeStatusInfo"))))
            for index in indexes:
                if index not in results:
                    setting, value = changes[index]
                    done(index, SettingWrite(setting, value, "Error",
                                             "The charger's answer did not mention this setting."))
        return [results[i] for i in sorted(results)]

    async def device_data_limits(self) -> dict[str, int]:
        """DeviceDataCtrlr ItemsPerMessage / BytesPerMessage for GetVariables and SetVariables
        as the charger reports them: {"ItemsPerMessage.GetVariables": 10, ...} (only those it
        answered). Raises the RPC layer's errors."""
        names = [VariableName(DEVICE_DATA, name, variable_instance=instance)
                 for name in ("ItemsPerMessage", "BytesPerMessage")
                 for instance in ("GetVariables", "SetVariables")]
        answer = await self.send(self.read_settings_request(names))
        limits: dict[str, int] = {}
        for result in (answer or {}).get("getVariableResult") or []:
            if result.get("attributeStatus") != GetVariableStatusEnumType.accepted.value:
                continue
            try:
                limits[f"{result['variable']['name']}.{result['variable'].get('instance')}"] = \
                    int(float(result.get("attributeValue")))
            except (KeyError, TypeError, ValueError):
                pass
        return limits

    async def message_limits(self, write: bool = False) -> MessageLimits:
        instance = "SetVariables" if write else "GetVariables"
        try:
            known = await self.device_data_limits()
        except CALL_FAILURES as exc:
            from ...core.rpc import ConnectionClosed
            if isinstance(exc, ConnectionClosed):
                raise
            log.info("DeviceDataCtrlr limits not readable: %s", exc)
            known = {}
        return MessageLimits(max(1, known.get(f"ItemsPerMessage.{instance}",
                                              DEFAULT_ITEMS_PER_MESSAGE)),
                             max(MIN_BYTES_PER_MESSAGE,
                                 known.get(f"BytesPerMessage.{instance}",
                                           DEFAULT_BYTES_PER_MESSAGE)))
