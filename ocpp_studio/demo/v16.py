"""OCPP 1.6J for the demo charger: configuration keys, transactions and the CALLs it answers.

Section numbers are OCPP 1.6 edition 2 (``reference/ocpp16/ocpp-1.6-edition-2.md``).
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any

from ..core.errors import Fault
from ..core.rpc import CallTimeout, ConnectionClosed
from ..core.secrets import is_secret_name
from ..core.versions import OcppVersion
from .keys16 import STRING, ConfigKey, ConfigurationKeys16, build_keys16
from .meter import MIN_CHARGING_CURRENT_A, ConnectorState, Transaction
from .operations import add_operation_handlers
from .security import add_security_handlers, initial_profile
from .transfers import add_transfer_handlers
from .profiles import Profile, decimal_1, format_time
from .protocol import StopCause, VersionProtocol, minus_one_schedule
from .routing import Routes

if TYPE_CHECKING:
    from .charger import DemoCharger

log = logging.getLogger(__name__)

routes = Routes()
add_operation_handlers(routes, two_x=False)  # local list (demo/operations.py)
add_security_handlers(routes, two_x=False)  # certificates (demo/security.py)
add_transfer_handlers(routes, two_x=False)  # logs, firmware (demo/transfers.py)

_STOP_REASON: dict[str, str] = {"unplugged": "EVDisconnected", "local": "Local",
                                "remote": "Remote"}


class Protocol16(VersionProtocol):
    """OCPP 1.6J: flat configuration keys, integer transaction ids, connector 0 status."""

    version = OcppVersion.V16
    routes = routes
    v16_values = True
    # 1.6 §4.1.3: NotSupported is "recognized but not supported", what chargers without
    # the SmartCharging feature profile answer.
    missing_feature_fault = Fault.NOT_SUPPORTED

    def __init__(self, charger: "DemoCharger") -> None:
        super().__init__(charger)
        self._pending_stops: list[dict[str, Any]] = []  # hard reset: sent after boot

    @property
    def keys(self) -> ConfigurationKeys16:
        store = self.ch.configuration
        assert isinstance(store, ConfigurationKeys16)
        return store

    # =========================================================== configuration
    def build_configuration(self) -> ConfigurationKeys16:
        ch, c = self.ch, self.ch.config
        store = build_keys16(
            connectors=c.connectors, phases=c.phases,
            heartbeat_interval=c.heartbeat_interval, meter_interval=c.meter_interval,
            authorization_key=c.basic_auth_password,
            security_profile=initial_profile(ch.base_url, c))
        store.guards["SecurityProfile"] = self._guard_security_profile
        # A vendor key many 1.6 chargers have for their backend: writing it moves the
        # demo to another central system (the commissioning hand-over uses it). Quirk
        # backend-url-key: another vendor's name for it (CentralSystemAddress, ...).
        store.add(ConfigKey(
            self.backend_url_key, ch.base_url.rstrip("/"), STRING, max_length=500,
            item_ok=lambda v: v.startswith(("ws://", "wss://")),
            description="URL of the central system, without the charger id"))
        quirks = ch.quirks
        if quirks.rate_unit:
            # §9.4.2: the units the charger accepts in a charging schedule.
            store.keys["ChargingScheduleAllowedChargingRateUnit"].value = (
                "Power" if quirks.rate_unit == "W" else "Current")
        if quirks.no_smart_charging:
            store.keys["SupportedFeatureProfiles"].value = "Core,RemoteTrigger"
        return store

    @property
    def backend_url_key(self) -> str:
        return self.ch.quirks.backend_url_key or "CentralSystemURL"

    def _guard_security_profile(self, old: str, new: str) -> str | None:
        # Security whitepaper A05.FR.01: only upwards.
        if int(new) <= int(old):
            return "Rejected"
        # A05.FR.02: profiles 1 and 2 need an AuthorizationKey.
        if int(new) in (1, 2) and len(self.keys.value("AuthorizationKey")) < 16:
            return "Rejected"
        # A05.FR.03/04: profiles 2 and 3 need a Central System root, 3 a client certificate.
        problem = self.ch.security.prerequisites_problem(int(new))
        if problem is not None:
            log.info("%s: SecurityProfile %s refused: %s", self.ch.config.charger_id, new, problem)
            return "Rejected"
        return None

    def auth_password(self) -> str | None:
        store = self.keys
        if store.int_value("SecurityProfile") >= 1 and store.value("AuthorizationKey"):
            return store.value("AuthorizationKey")
        return None

    def heartbeat_interval(self) -> int:
        return self.keys.int_value("HeartbeatInterval", 60)

    def set_heartbeat_interval(self, seconds: int) -> None:
        self.keys.keys["HeartbeatInterval"].value = str(seconds)

    def measurands(self, purpose: str) -> list[str]:
        key = {"sampled": "MeterValuesSampledData", "stop": "StopTxnSampledData",
               "trigger": "MeterValuesSampledData"}[purpose]
        return self.keys.csl_value(key)

    def sample_interval(self) -> int:
        return self.keys.int_value("MeterValueSampleInterval", 0)

    # ====================================================== boot and status
    def boot_payload(self) -> dict[str, Any]:
        c = self.ch.config
        return {"chargePointVendor": c.vendor[:20], "chargePointModel": c.model[:20],
                "chargePointSerialNumber": c.serial[:25],
                "chargeBoxSerialNumber": c.serial[:25],
                "firmwareVersion": c.firmware[:50], "meterType": "Demo meter",
                "meterSerialNumber": f"M-{c.serial}"[:25]}

    async def after_boot(self) -> None:
        if self._pending_stops:
            stops, self._pending_stops = self._pending_stops, []
            for payload in stops:
                await self.ch.call("StopTransaction", payload)

    def status_payload(self, conn: ConnectorState | None) -> dict[str, Any]:
        now = format_time(self.ch.clock())
        if conn is None:
            status = "Available" if any(c.operative for c in self.ch.connectors.values()) \
                else "Unavailable"
            return {"connectorId": 0, "errorCode": "NoError", "status": status,
                    "timestamp": now}
        return {"connectorId": conn.id, "errorCode": "NoError", "status": conn.status,
                "timestamp": now}

    async def send_all_status(self) -> None:
        await self.ch.send_status(None)  # connector 0: the charge point itself (§4.9)
        await super().send_all_status()

    # ========================================================= transactions
    async def send_periodic(self, conn: ConnectorState) -> None:
        tx = conn.tx
        assert tx is not None
        await self.ch.call("MeterValues", {
            "connectorId": conn.id, "transactionId": int(tx.id),
            "meterValue": [self.meter_value(conn, self.measurands("sampled"),
                                            "Sample.Periodic")]})

    async def charging_state_changed(self, conn: ConnectorState, state: str) -> None:
        await self.ch.set_status(conn, state)

    async def start_local(self, conn: ConnectorState, id_tag: str, id_token_type: str) -> bool:
        return await self.start_tx(conn, id_tag, authorize=True)

    async def start_tx(self, conn: ConnectorState, id_tag: str, *, authorize: bool,
                       profile: dict[str, Any] | None = None) -> bool:
        ch = self.ch
        if authorize:
            reply = await ch.call("Authorize", {"idTag": id_tag[:20]})
            status = reply["idTagInfo"]["status"]
            if status != "Accepted":
                log.info("%s: idTag %s %s", ch.config.charger_id, id_tag, status)
                return False
        ch.meter.refresh(conn)
        meter_start = conn.energy_wh
        reply = await ch.call("StartTransaction", {
            "connectorId": conn.id, "idTag": id_tag[:20], "meterStart": int(meter_start),
            "timestamp": format_time(ch.clock())})
        tx = Transaction(str(reply["transactionId"]), id_tag, ch.clock(), meter_start)
        conn.tx = tx
        conn.last_update = time.monotonic()
        tx.begin_sample = [self.meter_value(conn, self.measurands("stop"),
                                            "Transaction.Begin")]
        if profile is not None:
            # §5.16.2: a TxProfile from RemoteStartTransaction applies to this transaction.
            ch.profiles.install(Profile.from_v16(conn.id, {**profile,
                                                           "transactionId": int(tx.id)},
                                                 ch.clock()))
        log.info("%s: transaction %s started on connector %d for %s", ch.config.charger_id,
                 tx.id, conn.id, id_tag)
        if reply["idTagInfo"]["status"] != "Accepted" and self.keys.bool_value(
                "StopTransactionOnInvalidId", True):
            # §9.1.24: stop a transaction whose idTag the Central System did not accept.
            await self.stop_with_reason(conn, "DeAuthorized")
            return False
        tx.charging_state = ("Charging" if ch.meter.offered_a(conn) >= MIN_CHARGING_CURRENT_A
                             else "SuspendedEVSE")
        await ch.set_status(conn, tx.charging_state)
        ch.start_loop(conn)
        return True

    def _stop_payload(self, conn: ConnectorState, reason: str) -> dict[str, Any]:
        tx = conn.tx
        assert tx is not None
        self.ch.meter.refresh(conn)
        end = self.meter_value(conn, self.measurands("stop"), "Transaction.End")
        payload: dict[str, Any] = {
            "transactionId": int(tx.id), "idTag": tx.id_tag[:20],
            "meterStop": int(conn.energy_wh), "timestamp": format_time(self.ch.clock()),
            "reason": reason}
        data = [mv for mv in (*tx.begin_sample, end) if mv["sampledValue"]]
        if data:
            payload["transactionData"] = data
        return payload

    async def stop_tx(self, conn: ConnectorState, cause: StopCause) -> None:
        await self.stop_with_reason(conn, _STOP_REASON[cause])

    async def stop_with_reason(self, conn: ConnectorState, reason: str) -> None:
        ch = self.ch
        if conn.tx is None:
            return
        payload = self._stop_payload(conn, reason)
        tx_id = conn.tx.id
        ch.end_tx(conn)
        log.info("%s: transaction %s stopped (%s), meter %d Wh", ch.config.charger_id, tx_id,
                 reason, payload["meterStop"])
        try:
            await ch.call("StopTransaction", payload)
        except (ConnectionClosed, CallTimeout) as exc:
            # §5.14: queue the StopTransaction when it cannot be delivered now.
            log.info("%s: StopTransaction queued: %s", ch.config.charger_id, exc)
            self._pending_stops.append(payload)
        await ch.set_status(conn, "Finishing" if conn.plugged else "Available")
        await ch.after_tx_end(conn)

    async def _reset(self, kind: str) -> None:
        for conn in self.ch.connectors.values():
            if conn.tx is None:
                continue
            if kind == "Soft":
                # §5.14: soft reset stops transactions gracefully first.
                await self.stop_with_reason(conn, "SoftReset")
            else:
                # §5.14: hard reset; StopTransaction is sent after the reboot and boot.
                self._pending_stops.append(self._stop_payload(conn, "HardReset"))
                self.ch.end_tx(conn)
        await self.ch.reboot("RemoteReset")

    # ====================================================== incoming calls
    @routes.on("GetConfiguration")
    def get_configuration(self, payload: dict[str, Any]) -> dict[str, Any]:
        known, unknown = self.keys.get(payload.get("key"))
        result: dict[str, Any] = {"configurationKey": known}
        if unknown:
            result["unknownKey"] = unknown
        return result

    @routes.on("ChangeConfiguration")
    def change_configuration(self, payload: dict[str, Any]) -> dict[str, Any]:
        ch = self.ch
        key, value = payload["key"], payload["value"]
        status = self.keys.change(key, value)
        shown = "********" if is_secret_name(key) else value  # A01.FR.12: not logged
        log.info("%s: ChangeConfiguration %s=%s -> %s", ch.config.charger_id, key, shown,
                 status)
        if status in ("Accepted", "RebootRequired"):
            ch.wake()
            if key == ch.quirks.drops_answer:
                ch.drop_connection_now()  # the answer below never reaches the CSMS
            if key == "SecurityProfile":
                # Whitepaper A05 steps 5-6: disconnect and reconnect with the new profile.
                ch.later(lambda: ch.reconnect("security profile changed"))
            elif key == self.backend_url_key:
                ch.base_url = value
                ch.url = value.rstrip("/") + "/" + ch.config.charger_id
                ch.later(lambda: ch.reconnect("central system URL changed"))
        return {"status": status}

    @routes.on("Reset")
    def reset(self, payload: dict[str, Any]) -> dict[str, Any]:
        kind = payload["type"]
        self.ch.later(lambda: self._reset(kind))
        return {"status": "Accepted"}

    @routes.on("RemoteStartTransaction")
    def remote_start_transaction(self, payload: dict[str, Any]) -> dict[str, Any]:
        ch = self.ch
        conn = ch.connector_for(payload.get("connectorId"))
        profile = payload.get("chargingProfile")
        if conn is None or conn.tx is not None or not conn.operative:
            return {"status": "Rejected"}
        if profile is not None and profile.get("chargingProfilePurpose") != "TxProfile":
            return {"status": "Rejected"}  # §5.16.2: must be a TxProfile
        id_tag = payload["idTag"]
        authorize = self.keys.bool_value("AuthorizeRemoteTxRequests")

        async def start() -> None:
            if not conn.plugged:
                await ch.plug_in(conn.id)  # the driver plugs in after the app start
            await self.start_tx(conn, id_tag, authorize=authorize, profile=profile)

        ch.later(start)
        return {"status": "Accepted"}

    @routes.on("RemoteStopTransaction")
    def remote_stop_transaction(self, payload: dict[str, Any]) -> dict[str, Any]:
        stopping = self.ch.stop_remotely(str(payload["transactionId"]))
        return {"status": "Accepted" if stopping else "Rejected"}

    @routes.on("TriggerMessage")
    def trigger_message(self, payload: dict[str, Any]) -> dict[str, Any]:
        ch = self.ch
        message = payload["requestedMessage"]
        connector_id = payload.get("connectorId")
        if connector_id is not None and not 0 <= int(connector_id) <= len(ch.connectors):
            return {"status": "Rejected"}
        targets = ([ch.connectors[int(connector_id)]]
                   if connector_id not in (None, 0) else list(ch.connectors.values()))

        async def send() -> None:
            if message == "BootNotification":
                await ch.trigger_boot()
            elif message == "Heartbeat":
                await ch.send_heartbeat()
            elif message == "StatusNotification":
                # §5.17: no connectorId means the charge point and every connector.
                if connector_id is None:
                    await self.send_all_status()
                elif int(connector_id) == 0:
                    await ch.send_status(None)
                else:
                    await ch.send_status(targets[0])
            elif message == "MeterValues":
                # §5.17: the most recent values of MeterValuesSampledData.
                for conn in targets:
                    body: dict[str, Any] = {"connectorId": conn.id, "meterValue": [
                        self.meter_value(conn, self.measurands("trigger"), "Trigger")]}
                    if conn.tx is not None:
                        body["transactionId"] = int(conn.tx.id)
                    await ch.call("MeterValues", body)
            elif message == "DiagnosticsStatusNotification":
                await ch.call("DiagnosticsStatusNotification", {"status": "Idle"})
            elif message == "FirmwareStatusNotification":
                await ch.call("FirmwareStatusNotification", {"status": "Idle"})

        ch.later(send)
        return {"status": "Accepted"}

    def _validate_profile(self, connector_id: int, data: dict[str, Any]) -> str | None:
        """Why a 1.6 profile is rejected, or None (§5.16, §9.4)."""
        store = self.keys
        ch = self.ch
        purpose = data["chargingProfilePurpose"]
        schedule = data["chargingSchedule"]
        periods = schedule["chargingSchedulePeriod"]
        if connector_id > len(ch.connectors) or connector_id < 0:
            return "unknown connector"
        if purpose == "ChargePointMaxProfile" and connector_id != 0:
            return "ChargePointMaxProfile only on connector 0"
        if purpose == "TxProfile":
            conn = ch.connectors.get(connector_id)
            if connector_id == 0 or conn is None or conn.tx is None:
                return "TxProfile without an active transaction (§5.16.4)"
            if data.get("transactionId") is not None and str(data["transactionId"]) != conn.tx.id:
                return "transactionId is not the active transaction"
        if not 0 <= int(data["stackLevel"]) <= store.int_value("ChargeProfileMaxStackLevel"):
            return "stackLevel above ChargeProfileMaxStackLevel"
        if not periods or len(periods) > store.int_value("ChargingScheduleMaxPeriods"):
            return "too many periods"
        if int(periods[0]["startPeriod"]) != 0:
            return "first startPeriod must be 0 (§5.16.4)"
        units = {"Current": "A", "Power": "W"}
        allowed = {units[u] for u in store.csl_value("ChargingScheduleAllowedChargingRateUnit")}
        if schedule["chargingRateUnit"] not in allowed:
            return "chargingRateUnit not allowed"
        if data["chargingProfileKind"] == "Recurring" and not data.get("recurrencyKind"):
            return "Recurring without recurrencyKind"
        replaces = any(p.id == int(data["chargingProfileId"]) for p in ch.profiles.profiles)
        if not replaces and len(ch.profiles) >= store.int_value("MaxChargingProfilesInstalled"):
            return "MaxChargingProfilesInstalled reached"
        return None

    @routes.on("SetChargingProfile")
    def set_charging_profile(self, payload: dict[str, Any]) -> dict[str, Any]:
        ch = self.ch
        connector_id = int(payload["connectorId"])
        data = dict(payload["csChargingProfiles"])
        problem = self._validate_profile(connector_id, data)
        if problem is not None:
            log.info("%s: charging profile rejected: %s", ch.config.charger_id, problem)
            return {"status": "Rejected"}
        if data["chargingProfilePurpose"] == "TxProfile" and data.get("transactionId") is None:
            data["transactionId"] = int(ch.connectors[connector_id].tx.id)  # type: ignore[union-attr]
        ch.profiles.install(Profile.from_v16(connector_id, data, ch.clock()))
        ch.wake()
        return {"status": "Accepted"}

    @routes.on("ClearChargingProfile")
    def clear_charging_profile(self, payload: dict[str, Any]) -> dict[str, Any]:
        removed = self.ch.profiles.clear(
            profile_id=payload.get("id"), connector=payload.get("connectorId"),
            purpose=payload.get("chargingProfilePurpose"), stack_level=payload.get("stackLevel"))
        self.ch.wake()
        return {"status": "Accepted" if removed else "Unknown"}

    @routes.on("GetCompositeSchedule")
    def get_composite_schedule(self, payload: dict[str, Any]) -> dict[str, Any]:
        ch = self.ch
        connector_id = int(payload["connectorId"])
        if not 0 <= connector_id <= len(ch.connectors):
            return {"status": "Rejected"}  # §5.7: unknown connector
        duration = int(payload["duration"])
        unit = payload.get("chargingRateUnit") or "A"
        now = ch.clock()
        if ch.quirks.composite_minus_one and connector_id == 0:
            return {"status": "Accepted", "connectorId": 0, "scheduleStart": format_time(now),
                    "chargingSchedule": minus_one_schedule(duration, now)}
        conn = ch.connectors.get(connector_id)
        periods = ch.profiles.composite(connector_id, now, duration, unit,
                                        ch.meter.tx_context(conn) if conn else None)
        return {"status": "Accepted", "connectorId": connector_id,
                "scheduleStart": format_time(now),
                "chargingSchedule": {
                    "duration": duration, "startSchedule": format_time(now),
                    "chargingRateUnit": unit,
                    "chargingSchedulePeriod": [
                        {"startPeriod": start, "limit": decimal_1(limit)}
                        for start, limit in periods]}}

    @routes.on("ChangeAvailability")
    def change_availability(self, payload: dict[str, Any]) -> dict[str, Any]:
        ch = self.ch
        connector_id = int(payload["connectorId"])
        operative = payload["type"] == "Operative"
        if not 0 <= connector_id <= len(ch.connectors):
            return {"status": "Rejected"}
        targets = (list(ch.connectors.values()) if connector_id == 0
                   else [ch.connectors[connector_id]])
        return {"status": ch.change_availability(targets, operative)}

    @routes.on("UnlockConnector")
    def unlock_connector(self, payload: dict[str, Any]) -> dict[str, Any]:
        conn = self.ch.connectors.get(int(payload["connectorId"]))
        if conn is None:
            return {"status": "NotSupported"}
        if conn.tx is not None:
            # §5.18: finish the transaction first.
            self.ch.later(lambda: self.stop_with_reason(conn, "UnlockCommand"))
        return {"status": "Unlocked"}

    @routes.on("ClearCache")
    def clear_cache(self, payload: dict[str, Any]) -> dict[str, Any]:
        return {"status": "Accepted"}

    @routes.on("DataTransfer")
    def data_transfer(self, payload: dict[str, Any]) -> dict[str, Any]:
        return {"status": "UnknownVendorId"}
