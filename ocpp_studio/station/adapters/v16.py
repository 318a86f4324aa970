"""OCPP 1.6J: flat configuration keys and connector ids (OCPP 1.6 edition 2)."""

from __future__ import annotations

import logging
from typing import Any, Sequence

from ocpp.v16.enums import ResetType

from ...core.versions import OcppVersion
from ...security.passwords import generate_authorization_key
from .base import (CALL_FAILURES, READ_FOUND, UNKNOWN_KEY, MessageLimits, OcppAdapter,
                   OcppRequest, Payload, Setting, SettingRead, SettingWrite, WriteObserver)
from .operations import Requests16

log = logging.getLogger(__name__)

#: §9.1.9 GetConfigurationMaxKeys when the charger does not say
DEFAULT_GET_CONFIGURATION_MAX_KEYS = 20


class Ocpp16Adapter(OcppAdapter, Requests16):  # Requests16: the operations (issue 16)
    version = OcppVersion.V16
    settings_grouped_by_component = False
    connector_field = "connectorId"
    connector_noun = "connector"
    security_log_needs_extension = True
    interval_setting = "MeterValueSampleInterval"  # §9.1.19
    measurands_setting = "MeterValuesSampledData"  # §9.1.17
    randomised_delay_setting = "RandomisedDelay"  # OCA app note §2.7 (vendor key)
    smart_charging_settings = {  # §9.4
        "stack": "ChargeProfileMaxStackLevel", "periods": "ChargingScheduleMaxPeriods",
        "units": "ChargingScheduleAllowedChargingRateUnit",
        "profiles": "MaxChargingProfilesInstalled"}
    read_all_words = "GetConfiguration"
    heartbeat_setting = "HeartbeatInterval"  # §9.1.10
    basic_auth_password_setting = "AuthorizationKey"  # security whitepaper ed. 3 §7.2
    security_profile_setting = "SecurityProfile"  # security whitepaper ed. 3 §7
    feature_profiles_setting = "SupportedFeatureProfiles"  # §9.1.29
    #: vendor keys chargers use for their backend URL (1.6 has no standard key), in order of
    #: preference; hand-over also takes any writable key holding the URL the charger used
    backend_url_settings = ("CentralSystemURL", "CentralSystemAddress", "Cst_BackendUrl",
                            "BackendUrl", "OcppServerUrl", "CSMSURL", "CentralSystemUrl",
                            "OcppCentralSystemUrl", "OCPPServerURL", "ServerURL", "OcppUrl",
                            "BackendURL", "CsmsUrl")
    session_trigger_message = "MeterValues"  # §5.17: carries transactionId during a session

    @staticmethod
    def _key(setting: Setting) -> str:
        if not isinstance(setting, str):
            raise TypeError(f"OCPP 1.6 settings are keys (text), not {setting!r}")
        return setting

    # ------------------------------------------------------ requests (pure)
    def reset_request(self, hard: bool = False) -> OcppRequest:
        # §5.14 Reset.req; ResetType §7.40
        return OcppRequest("Reset", {"type": (ResetType.hard if hard else ResetType.soft).value})

    def trigger_request(self, message: str, evse: int | None = None,
                        connector: int | None = None) -> OcppRequest:
        # §5.17 TriggerMessage.req: connectorId only (no EVSE in 1.6)
        payload: Payload = {"requestedMessage": message}
        where = connector if connector is not None else evse
        if where is not None:
            payload["connectorId"] = int(where)
        return OcppRequest("TriggerMessage", payload)

    def start_charge_request(self, id_tag: str, connector: int | None = None,
                             remote_start_id: int = 1) -> OcppRequest:
        payload: Payload = {"idTag": id_tag}
        if connector is not None:
            payload = {"connectorId": int(connector), **payload}
        return OcppRequest("RemoteStartTransaction", payload)  # §5.11

    def stop_charge_request(self, transaction_id: str) -> OcppRequest:
        return OcppRequest("RemoteStopTransaction",  # §5.12: transactionId is an integer
                           {"transactionId": int(transaction_id)})

    def set_profile_request(self, connector: int, profile: Payload) -> OcppRequest:
        # §5.16 SetChargingProfile.req; the neutral shape is the 1.6 one, but a transaction
        # id may come as text (the studio keeps ids as text): 1.6 §7.8 wants an integer
        body = dict(profile)
        if body.get("transactionId") is not None:
            body["transactionId"] = int(body["transactionId"])
        return OcppRequest("SetChargingProfile", {"connectorId": int(connector),
                                                  "csChargingProfiles": body})

    def profile_from_request(self, payload: Payload) -> tuple[int, Payload]:
        return int(payload.get("connectorId", 0)), dict(payload["csChargingProfiles"])

    def clear_profile_request(self, profile_id: int) -> OcppRequest:
        return OcppRequest("ClearChargingProfile", {"id": int(profile_id)})  # §5.5

    def composite_schedule_request(self, connector: int, duration_s: int,
                                   rate_unit: str | None = "W") -> OcppRequest:
        payload: Payload = {"connectorId": int(connector), "duration": int(duration_s)}
        if rate_unit is not None:
            payload["chargingRateUnit"] = rate_unit
        return OcppRequest("GetCompositeSchedule", payload)  # §5.7

    def schedule_of(self, answer: Payload) -> Payload | None:
        schedule = answer.get("chargingSchedule") if isinstance(answer, dict) else None
        return schedule if isinstance(schedule, dict) else None

    def read_settings_request(self, settings: Sequence[Setting]) -> OcppRequest:
        # §5.8: no key = every key the charger lists
        keys = [self._key(s) for s in settings]
        return OcppRequest("GetConfiguration", {"key": keys} if keys else {})

    def write_setting_request(self, setting: Setting, value: str) -> OcppRequest:
        return OcppRequest("ChangeConfiguration", {"key": self._key(setting), "value": value})

    # ----------------------------------------- security (issue 15 §1, §3; pure)
    def new_password(self) -> str:
        # whitepaper A00.FR.205: 16-20 random bytes, written as up to 40 hex digits
        return generate_authorization_key()

    def password_change_request(self, password: str) -> OcppRequest:
        # whitepaper A01.FR.02: ChangeConfiguration AuthorizationKey
        return self.write_setting_request(self.basic_auth_password_setting, password)

    def security_profile_requests(self, profile: int, url: str, *, url_setting: str | None = None,
                                  slot: int | None = None,
                                  priority: Sequence[str] = ()) -> list[OcppRequest]:
        """The backend URL key first (a charger that moves at once must find the wss:// URL),
        then SecurityProfile (whitepaper A05 scenario step 2): on Accepted the charger
        disconnects and reconnects with the new profile (A05.FR.06/07)."""
        key = url_setting or self.backend_url_settings[0]
        return [self.write_setting_request(key, url),
                self.write_setting_request(self.security_profile_setting, str(int(profile)))]

    async def plan_security_profile(self, profile: int, url: str,
                                    charger_id: str = "") -> list[OcppRequest]:
        reads = [r for r in await self.read_settings([]) if r.found]
        key, current = self.backend_url_setting(reads)
        current = (current or "").strip().rstrip("/")
        if charger_id and current.endswith("/" + charger_id):
            url = url.rstrip("/") + "/" + charger_id  # the form the key holds: with the id
        requests = self.security_profile_requests(profile, url, url_setting=key)
        if current == url.rstrip("/"):
            requests = requests[1:]  # already there: writing it again would only reconnect it
        now = next((r.value for r in reads if r.name == self.security_profile_setting), None)
        if profile == 2 and str(now).strip() == "0":
            # profile 0 first to 1 (the password just written, A05.FR.02): a charger that
            # reconnects as soon as its URL changes then presents its password on wss://
            requests.insert(0, self.write_setting_request(self.security_profile_setting, "1"))
        return requests

    def backend_url_setting(self, reads: Sequence[SettingRead]) -> tuple[str, str | None]:
        """(key, value) of the charger's backend URL among ``reads`` (a GetConfiguration of
        every key): a known name it lists (vendors differ: the quirk backend-url-key), else any
        writable key holding a ws:// or wss:// URL, else the first known name (the charger's
        answer then says whether it has it)."""
        by_name = {r.name: r for r in reads}
        for name in self.backend_url_settings:
            read = by_name.get(name)
            if read is not None and not read.readonly:
                return name, read.value
        for read in reads:
            value = (read.value or "").strip().lower()
            if not read.readonly and value.startswith(("ws://", "wss://")):
                return read.name, read.value
        return self.backend_url_settings[0], None

    def upgrade_reset_request(self) -> OcppRequest | None:
        return None  # whitepaper A05.FR.06/07: the charger reconnects by itself

    # ------------------------------------------------------------- settings
    @staticmethod
    def reads_from_answer(answer: Any, asked: Sequence[str] = ()) -> list[SettingRead]:
        """SettingReads of one GetConfiguration.conf (§6.24)."""
        wanted = set(asked)
        out: list[SettingRead] = []
        answer = answer if isinstance(answer, dict) else {}
        for entry in answer.get("configurationKey") or []:
            if not isinstance(entry, dict) or "key" not in entry:
                continue
            key = entry["key"]
            out.append(SettingRead(key if key in wanted else None, key, entry.get("value"),
                                   READ_FOUND,
                                   readonly=bool(entry.get("readonly")), raw=entry))
        for key in answer.get("unknownKey") or []:
            out.append(SettingRead(key if key in wanted else None, key, None, UNKNOWN_KEY))
        return out

    async def read_settings(self, settings: Sequence[Setting],
                            limits: MessageLimits | None = None) -> list[SettingRead]:
        keys = [self._key(s) for s in settings]
        if not keys:  # every key the charger lists
            return self.reads_from_answer(await self.send(self.read_settings_request([])))
        size = max(1, limits.items if limits else DEFAULT_GET_CONFIGURATION_MAX_KEYS)
        out: list[SettingRead] = []
        for start in range(0, len(keys), size):
            batch = keys[start:start + size]
            out.extend(self.reads_from_answer(
                await self.send(self.read_settings_request(batch)), batch))
        return out

    async def write_settings(self, changes: Sequence[tuple[Setting, str]],
                             limits: MessageLimits | None = None,
                             on_result: WriteObserver | None = None) -> list[SettingWrite]:
        # §5.3: one key per ChangeConfiguration
        out: list[SettingWrite] = []
        for setting, value in changes:
            try:
                answer = await self.send(self.write_setting_request(setting, value))
                result = SettingWrite(setting, value, str((answer or {}).get("status", "Error")))
            except CALL_FAILURES as exc:
                result = SettingWrite(setting, value, "", error=exc)
            out.append(result)
            if on_result is not None:
                on_result(result)
        return out

    async def message_limits(self, write: bool = False) -> MessageLimits:
        if write:
            return MessageLimits(1)
        try:
            value = await self.read_setting("GetConfigurationMaxKeys")
        except CALL_FAILURES as exc:
            log.info("GetConfigurationMaxKeys not readable: %s", exc)
            value = None
        try:
            return MessageLimits(max(1, int(value or "")))
        except ValueError:
            return MessageLimits(DEFAULT_GET_CONFIGURATION_MAX_KEYS)
