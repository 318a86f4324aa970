"""OCPP 2.0.1 for the demo charger: device model, TransactionEvent and the CALLs it answers.

Requirement ids (B07, F06.FR.17, ...) are those of OCPP 2.0.1 Part 2; one EVSE per
connector, each with connectorId 1.
"""

from __future__ import annotations

import logging
import time
import uuid
from typing import Any, Awaitable, Callable

from ..core.rpc import CallError, CallTimeout, ConnectionClosed
from ..core.secrets import is_secret_name
from ..core.versions import OcppVersion
from .devicemodel import DeviceModel201, Variable, build_device_model
from .meter import MIN_CHARGING_CURRENT_A, ConnectorState, Transaction
from .operations import add_operation_handlers
from .security import add_security_handlers, initial_profile, network_target_after_reboot, \
    trigger_sign_certificate
from .transfers import add_transfer_handlers
from .variables201 import add_variable_handlers
from .profiles import Profile, decimal_1, format_time
from .protocol import StopCause, VersionProtocol, minus_one_schedule
from .routing import Routes

log = logging.getLogger(__name__)

routes = Routes()
add_operation_handlers(routes, two_x=True)  # local list, customer data (operations.py)
add_security_handlers(routes, two_x=True)  # certificates (demo/certificate_calls.py)
add_transfer_handlers(routes, two_x=True)  # logs, firmware (demo/transfers.py)
add_variable_handlers(routes)  # Get/SetVariables, reports (demo/variables201.py)

#: 2.0.1 connector status for each 1.6 status (2.0.1 Part 2 §G01: Occupied covers the rest).
STATUS_201 = {
    "Available": "Available", "Preparing": "Occupied", "Charging": "Occupied",
    "SuspendedEV": "Occupied", "SuspendedEVSE": "Occupied", "Finishing": "Occupied",
    "Reserved": "Reserved", "Unavailable": "Unavailable", "Faulted": "Faulted",
}
#: (triggerReason, stoppedReason) of TransactionEvent Ended for each cause.
_STOP: dict[str, tuple[str, str]] = {
    "unplugged": ("EVCommunicationLost", "EVDisconnected"),
    "local": ("StopAuthorized", "Local"), "remote": ("RemoteStop", "Remote")}


class Protocol201(VersionProtocol):
    """OCPP 2.0.1: device model, TransactionEvent, EVSEs."""

    version = OcppVersion.V201
    routes = routes

    @property
    def dm(self) -> DeviceModel201:
        dm = self.ch.configuration
        assert isinstance(dm, DeviceModel201)
        return dm

    # =========================================================== configuration
    def build_configuration(self) -> DeviceModel201:
        ch, c = self.ch, self.ch.config
        dm = build_device_model(
            charger_id=c.charger_id, vendor=c.vendor, model=c.model,
            connectors=c.connectors, phases=c.phases,
            max_current_a=c.max_current_a, voltage_v=c.voltage_v,
            heartbeat_interval=c.heartbeat_interval, meter_interval=c.meter_interval,
            basic_auth_password=c.basic_auth_password,
            security_profile=initial_profile(ch.base_url, c),
            live={"availability": self._availability,
                  "power": lambda e: f"{ch.power_w(e):.1f}",
                  "profiles": lambda: str(len(ch.profiles)),
                  "datetime": lambda: format_time(ch.clock())})
        dm.on_change = self._on_variable_change
        if ch.quirks.rate_unit:
            # SmartChargingCtrlr.RateUnit (2.0.1 appendix): the units a schedule may use.
            dm.set_actual("SmartChargingCtrlr", "RateUnit", ch.quirks.rate_unit)
        return dm

    def _availability(self, evse: int | None) -> str:
        connectors = self.ch.connectors
        if evse is None:
            return "Available" if any(c.operative for c in connectors.values()) \
                else "Unavailable"
        return STATUS_201[connectors[evse].status]

    def _on_variable_change(self, var: Variable, value: str) -> None:
        log.info("%s: %s.%s%s = %s", self.ch.config.charger_id, var.component, var.name,
                 f"[{var.instance}]" if var.instance else "",
                 "********" if is_secret_name(var.name) else value)
        self.ch.wake()

    def auth_password(self) -> str | None:
        dm = self.dm
        var = dm.find("SecurityCtrlr", "BasicAuthPassword")
        password = var.attributes["Actual"].value if var else None
        return password if dm.int_actual("SecurityCtrlr", "SecurityProfile") >= 1 else None

    def heartbeat_interval(self) -> int:
        return self.dm.int_actual("OCPPCommCtrlr", "HeartbeatInterval", default=60)

    def set_heartbeat_interval(self, seconds: int) -> None:
        self.dm.set_actual("OCPPCommCtrlr", "HeartbeatInterval", str(seconds))

    def measurands(self, purpose: str) -> list[str]:
        name = {"sampled": ("SampledDataCtrlr", "TxUpdatedMeasurands"),
                "started": ("SampledDataCtrlr", "TxStartedMeasurands"),
                "ended": ("SampledDataCtrlr", "TxEndedMeasurands"),
                "trigger": ("AlignedDataCtrlr", "Measurands")}[purpose]
        return [m for m in self.dm.actual(*name).split(",") if m]

    def sample_interval(self) -> int:
        return self.dm.int_actual("SampledDataCtrlr", "TxUpdatedInterval", default=0)

    # ====================================================== boot and status
    def boot_payload(self) -> dict[str, Any]:
        c = self.ch.config
        return {"reason": self.ch.boot_reason,
                "chargingStation": {"vendorName": c.vendor[:50], "model": c.model[:20],
                                    "serialNumber": c.serial[:25],
                                    "firmwareVersion": c.firmware[:50]}}

    def status_label(self, status: str) -> str:
        return STATUS_201[status]

    def status_payload(self, conn: ConnectorState | None) -> dict[str, Any]:
        assert conn is not None
        return {"timestamp": format_time(self.ch.clock()),
                "connectorStatus": STATUS_201[conn.status], "evseId": conn.id,
                "connectorId": 1}

    # ========================================================= transactions
    def tx_updated(self, tx: Transaction, trigger: str, **extra: Any) -> dict[str, Any]:
        """A TransactionEvent Updated payload (E02)."""
        return {"eventType": "Updated", "timestamp": format_time(self.ch.clock()),
                "triggerReason": trigger, "seqNo": tx.next_seq(),
                "transactionInfo": {"transactionId": tx.id, "chargingState": tx.charging_state},
                **extra}

    async def send_periodic(self, conn: ConnectorState) -> None:
        tx = conn.tx
        assert tx is not None
        sample = self.meter_value(conn, self.measurands("sampled"), "Sample.Periodic")
        await self.ch.call("TransactionEvent",
                           self.tx_updated(tx, "MeterValuePeriodic", meterValue=[sample]))

    async def charging_state_changed(self, conn: ConnectorState, state: str) -> None:
        tx = conn.tx
        if tx is None or not self.ch.booted:
            return
        try:
            await self.ch.call("TransactionEvent", self.tx_updated(tx, "ChargingStateChanged"))
        except (ConnectionClosed, CallTimeout, CallError) as exc:
            log.info("%s: %s", self.ch.config.charger_id, exc)

    async def start_local(self, conn: ConnectorState, id_tag: str, id_token_type: str) -> bool:
        return await self.start_tx(conn, {"idToken": id_tag, "type": id_token_type},
                                   authorize=True, trigger="Authorized")

    async def start_tx(self, conn: ConnectorState, id_token: dict[str, Any], *,
                       authorize: bool, trigger: str, remote_start_id: int | None = None,
                       profile: dict[str, Any] | None = None) -> bool:
        ch = self.ch
        if authorize:
            reply = await ch.call("Authorize", {"idToken": id_token})
            status = reply["idTokenInfo"]["status"]
            if status != "Accepted":
                log.info("%s: idToken %s %s", ch.config.charger_id, id_token["idToken"], status)
                return False
        ch.meter.refresh(conn)
        tx = Transaction(uuid.uuid4().hex[:16].upper(), id_token["idToken"], ch.clock(),
                         conn.energy_wh, remote_start_id=remote_start_id)
        tx.charging_state = "Charging"
        conn.tx = tx
        conn.last_update = time.monotonic()
        if profile is not None:
            ch.profiles.install(Profile.from_v201(conn.id, {**profile, "transactionId": tx.id},
                                                  ch.clock()))
        if ch.meter.offered_a(conn) < MIN_CHARGING_CURRENT_A:
            tx.charging_state = "SuspendedEVSE"
        info: dict[str, Any] = {"transactionId": tx.id, "chargingState": tx.charging_state}
        if remote_start_id is not None:
            info["remoteStartId"] = remote_start_id
        payload: dict[str, Any] = {
            "eventType": "Started", "timestamp": format_time(ch.clock()),
            "triggerReason": trigger, "seqNo": tx.next_seq(), "transactionInfo": info,
            "idToken": id_token, "evse": {"id": conn.id, "connectorId": 1}}
        started = self.measurands("started")
        if started:
            payload["meterValue"] = [self.meter_value(conn, started, "Transaction.Begin")]
        log.info("%s: transaction %s started on EVSE %d for %s", ch.config.charger_id, tx.id,
                 conn.id, id_token["idToken"])
        try:
            reply = await ch.call("TransactionEvent", payload)
        except (ConnectionClosed, CallTimeout) as exc:
            # The connection dropped before the answer: a charger keeps the session it started
            # (2.0.1 E04, offline transactions) and goes on metering; the CSMS learns of the
            # transaction from the events that follow.
            log.info("%s: TransactionEvent Started not answered: %s", ch.config.charger_id, exc)
            reply = {}
        token_info = reply.get("idTokenInfo")
        if token_info and token_info.get("status") != "Accepted" and self.dm.bool_actual(
                "TxCtrlr", "StopTxOnInvalidId", True):
            await self.stop_with(conn, "Deauthorized", "DeAuthorized")
            return False
        await ch.set_status(conn, "Charging")
        ch.start_loop(conn)
        return True

    async def stop_tx(self, conn: ConnectorState, cause: StopCause) -> None:
        await self.stop_with(conn, *_STOP[cause])

    async def stop_with(self, conn: ConnectorState, trigger: str, reason: str) -> None:
        ch = self.ch
        tx = conn.tx
        if tx is None:
            return
        ch.meter.refresh(conn)
        payload: dict[str, Any] = {
            "eventType": "Ended", "timestamp": format_time(ch.clock()),
            "triggerReason": trigger, "seqNo": tx.next_seq(),
            "transactionInfo": {"transactionId": tx.id,
                                "chargingState": "EVConnected" if conn.plugged else "Idle",
                                "stoppedReason": reason}}
        ended = self.measurands("ended")
        if ended:
            payload["meterValue"] = [self.meter_value(conn, ended, "Transaction.End")]
        ch.end_tx(conn)
        log.info("%s: transaction %s ended (%s)", ch.config.charger_id, tx.id, reason)
        try:
            await ch.call("TransactionEvent", payload)
        except (ConnectionClosed, CallTimeout) as exc:
            log.info("%s: TransactionEvent Ended not delivered: %s", ch.config.charger_id, exc)
        await ch.set_status(conn, "Finishing" if conn.plugged else "Available")
        await ch.after_tx_end(conn)

    async def _reset(self) -> None:
        self.ch.reset_on_idle = False  # an Immediate reset supersedes a scheduled one
        for conn in self.ch.connectors.values():
            if conn.tx is not None:
                # 2.0.1 B12.FR.?: Immediate reset ends transactions (ResetCommand/ImmediateReset).
                await self.stop_with(conn, "ResetCommand", "ImmediateReset")
        await self.ch.reboot("RemoteReset")

    # ====================================================== incoming calls
    @routes.on("Reset")
    def reset(self, payload: dict[str, Any]) -> dict[str, Any]:
        if payload.get("evseId") is not None:
            return {"status": "Rejected"}  # no EVSE-level reset (EVSE.AllowReset absent)
        busy = any(c.tx is not None for c in self.ch.connectors.values())
        if payload["type"] == "OnIdle" and busy:
            self.ch.reset_on_idle = True  # B12: reset once the transactions have ended
            return {"status": "Scheduled"}
        self.ch.later(self._reset)
        return {"status": "Accepted"}

    @routes.on("SetNetworkProfile")
    def set_network_profile(self, payload: dict[str, Any]) -> dict[str, Any]:
        """B09: keep the profile in its slot; it is used after a reboot when it comes first
        in NetworkConfigurationPriority (B10.FR.04)."""
        slot, data = int(payload["configurationSlot"]), payload["connectionData"]
        priority = self.dm.find("OCPPCommCtrlr", "NetworkConfigurationPriority")
        slots = priority.values_list if priority is not None else None
        if slots is not None and str(slot) not in slots:  # B09.FR.05
            return {"status": "Rejected", "statusInfo": {"reasonCode": "InvalidConfSlot"}}
        listed = [s.strip() for s in
                  self.dm.actual("OCPPCommCtrlr", "NetworkConfigurationPriority").split(",")]
        if str(slot) in listed:
            # a slot still in NetworkConfigurationPriority is in use: refused, as the errata
            # 2025-09 §6.2.8 (TC_A_20_CS) says a charger may; take it out of the list first
            return {"status": "Rejected", "statusInfo": {
                "reasonCode": "InvalidConfSlot",
                "additionalInfo": f"slot {slot} is listed in NetworkConfigurationPriority"}}
        if int(data["securityProfile"]) < self.dm.int_actual("SecurityCtrlr", "SecurityProfile"):
            return {"status": "Rejected", "statusInfo": {"reasonCode": "NoSecurityDowngrade"}}
        if not str(data["ocppCsmsUrl"]).startswith(("ws://", "wss://")):  # B09.FR.02
            return {"status": "Rejected", "statusInfo": {"reasonCode": "InvalidNetworkConf"}}
        problem = self.ch.security.prerequisites_problem(int(data["securityProfile"]))
        if problem is not None:  # A05: a CSMS root (2, 3) and a client certificate (3) first
            return {"status": "Rejected", "statusInfo": {"reasonCode": "NoCertificate",
                                                         "additionalInfo": problem}}
        self.dm.network_profiles[slot] = dict(data)
        return {"status": "Accepted"}

    def url_after_reboot(self) -> str | None:
        # B10.FR.04: the first entry of the priority list, with its security profile
        return network_target_after_reboot(self.ch.security, self.dm)

    @routes.on("RequestStartTransaction")
    def request_start_transaction(self, payload: dict[str, Any]) -> dict[str, Any]:
        ch = self.ch
        conn = ch.connector_for(payload.get("evseId"))
        profile = payload.get("chargingProfile")
        if conn is None or conn.tx is not None or not conn.operative:
            return {"status": "Rejected"}
        if profile is not None and profile.get("chargingProfilePurpose") != "TxProfile":
            return {"status": "Rejected"}
        authorize = self.dm.bool_actual("AuthCtrlr", "AuthorizeRemoteStart")
        id_token = payload["idToken"]
        remote_start_id = int(payload["remoteStartId"])

        async def start() -> None:
            if not conn.plugged:
                await ch.plug_in(conn.id)
            await self.start_tx(conn, id_token, authorize=authorize, trigger="RemoteStart",
                                remote_start_id=remote_start_id, profile=profile)

        ch.later(start)
        return {"status": "Accepted"}

    @routes.on("RequestStopTransaction")
    def request_stop_transaction(self, payload: dict[str, Any]) -> dict[str, Any]:
        stopping = self.ch.stop_remotely(payload["transactionId"])
        return {"status": "Accepted" if stopping else "Rejected"}

    @routes.on("TriggerMessage")
    def trigger_message(self, payload: dict[str, Any]) -> dict[str, Any]:
        ch = self.ch
        message = payload["requestedMessage"]
        evse = payload.get("evse")
        if evse is not None and evse["id"] not in ch.connectors:
            return {"status": "Rejected"}
        targets = [ch.connectors[evse["id"]]] if evse else list(ch.connectors.values())
        if message == "BootNotification":
            if ch.booted and ch.boot_count:
                # F06.FR.17: no triggered BootNotification once the last one was Accepted
                # (quirk reconnect-without-boot: this central system never had one).
                return {"status": "Rejected"}
            send: Callable[[], Awaitable[Any]] = ch.trigger_boot
        elif message == "Heartbeat":
            send = ch.send_heartbeat
        elif message in ("SignChargingStationCertificate", "SignV2GCertificate"):
            return trigger_sign_certificate(self, message[len("Sign"):])  # A02/A03
        elif message == "StatusNotification":
            async def send() -> None:  # type: ignore[misc]
                for conn in targets:
                    await ch.send_status(conn)
        elif message == "MeterValues":
            async def send() -> None:  # type: ignore[misc]
                for conn in targets:
                    await ch.call("MeterValues", {"evseId": conn.id, "meterValue": [
                        self.meter_value(conn, self.measurands("trigger"), "Trigger")]})
        elif message == "TransactionEvent":
            async def send() -> None:  # type: ignore[misc]
                for conn in targets:
                    tx = conn.tx
                    if tx is None:
                        continue
                    await ch.call("TransactionEvent", self.tx_updated(tx, "Trigger", meterValue=[
                        self.meter_value(conn, self.measurands("sampled"), "Trigger")]))
        else:
            return {"status": "NotImplemented"}
        ch.later(send)
        return {"status": "Accepted"}

    @routes.on("SetChargingProfile")
    def set_charging_profile(self, payload: dict[str, Any]) -> dict[str, Any]:
        ch = self.ch
        evse_id = int(payload["evseId"])
        data = dict(payload["chargingProfile"])
        purpose = data["chargingProfilePurpose"]
        schedule = data["chargingSchedule"][0]
        periods = schedule["chargingSchedulePeriod"]
        dm = self.dm

        def rejected(reason: str, code: str = "InvalidProfile") -> dict[str, Any]:
            log.info("%s: charging profile rejected: %s", ch.config.charger_id, reason)
            return {"status": "Rejected", "statusInfo": {"reasonCode": code,
                                                         "additionalInfo": reason[:512]}}

        if not 0 <= evse_id <= len(ch.connectors):
            return rejected("unknown EVSE")
        if purpose == "ChargingStationExternalConstraints":
            return rejected("ChargingStationExternalConstraints cannot be set by the CSMS")
        if purpose == "ChargingStationMaxProfile" and evse_id != 0:
            return rejected("ChargingStationMaxProfile only with evseId 0")
        if purpose == "TxProfile":
            conn = ch.connectors.get(evse_id)
            if evse_id == 0 or conn is None or conn.tx is None:
                return rejected("TxProfile without an active transaction")
            if data.get("transactionId") not in (None, conn.tx.id):
                return rejected("transactionId is not the active transaction")
            data["transactionId"] = conn.tx.id
        if not 0 <= int(data["stackLevel"]) <= dm.int_actual("SmartChargingCtrlr",
                                                              "ProfileStackLevel"):
            return rejected("stackLevel above SmartChargingCtrlr.ProfileStackLevel")
        if len(periods) > dm.int_actual("SmartChargingCtrlr", "PeriodsPerSchedule"):
            return rejected("more periods than SmartChargingCtrlr.PeriodsPerSchedule")
        if int(periods[0]["startPeriod"]) != 0:
            return rejected("the first startPeriod must be 0")
        if schedule["chargingRateUnit"] not in dm.actual("SmartChargingCtrlr",
                                                         "RateUnit").split(","):
            # Reason code UnsupportedRateUnit: 2.0.1 appendix, reason codes.
            return rejected("chargingRateUnit not in SmartChargingCtrlr.RateUnit",
                            "UnsupportedRateUnit")
        if data["chargingProfileKind"] == "Recurring" and not data.get("recurrencyKind"):
            return rejected("Recurring without recurrencyKind")
        replaces = any(p.id == int(data["id"]) for p in ch.profiles.profiles)
        if not replaces and len(ch.profiles) >= 16:
            return rejected("no room for more charging profiles")
        ch.profiles.install(Profile.from_v201(evse_id, data, ch.clock()))
        ch.wake()
        return {"status": "Accepted"}

    @routes.on("ClearChargingProfile")
    def clear_charging_profile(self, payload: dict[str, Any]) -> dict[str, Any]:
        criteria = payload.get("chargingProfileCriteria") or {}
        removed = self.ch.profiles.clear(
            profile_id=payload.get("chargingProfileId"), connector=criteria.get("evseId"),
            purpose=criteria.get("chargingProfilePurpose"), stack_level=criteria.get("stackLevel"))
        self.ch.wake()
        return {"status": "Accepted" if removed else "Unknown"}

    @routes.on("GetCompositeSchedule")
    def get_composite_schedule(self, payload: dict[str, Any]) -> dict[str, Any]:
        ch = self.ch
        evse_id = int(payload["evseId"])
        if not 0 <= evse_id <= len(ch.connectors):
            return {"status": "Rejected", "statusInfo": {"reasonCode": "UnknownEVSE"}}
        duration = int(payload["duration"])
        unit = payload.get("chargingRateUnit") or "A"
        now = ch.clock()
        if ch.quirks.composite_minus_one and evse_id == 0:
            minus_one = minus_one_schedule(duration, now)
            return {"status": "Accepted", "schedule": {
                "evseId": 0, "duration": duration, "scheduleStart": format_time(now),
                "chargingRateUnit": "W",
                "chargingSchedulePeriod": minus_one["chargingSchedulePeriod"]}}
        conn = ch.connectors.get(evse_id)
        periods = ch.profiles.composite(evse_id, now, duration, unit,
                                        ch.meter.tx_context(conn) if conn else None)
        return {"status": "Accepted", "schedule": {
            "evseId": evse_id, "duration": duration, "scheduleStart": format_time(now),
            "chargingRateUnit": unit,
            "chargingSchedulePeriod": [{"startPeriod": start, "limit": decimal_1(limit)}
                                       for start, limit in periods]}}

    @routes.on("ChangeAvailability")
    def change_availability(self, payload: dict[str, Any]) -> dict[str, Any]:
        ch = self.ch
        evse = payload.get("evse")
        operative = payload["operationalStatus"] == "Operative"
        if evse is not None and evse["id"] != 0 and evse["id"] not in ch.connectors:
            return {"status": "Rejected"}
        targets = (list(ch.connectors.values()) if evse is None or evse["id"] == 0
                   else [ch.connectors[evse["id"]]])
        return {"status": ch.change_availability(targets, operative)}

    @routes.on("UnlockConnector")
    def unlock_connector(self, payload: dict[str, Any]) -> dict[str, Any]:
        conn = self.ch.connectors.get(int(payload["evseId"]))
        if conn is None or int(payload["connectorId"]) != 1:
            return {"status": "UnknownConnector"}
        if conn.tx is not None:
            return {"status": "OngoingAuthorizedTransaction"}  # F05.FR.02
        return {"status": "Unlocked"}

    @routes.on("ClearCache")
    def clear_cache(self, payload: dict[str, Any]) -> dict[str, Any]:
        return {"status": "Rejected"}  # no authorization cache (no AuthCacheCtrlr)

    @routes.on("DataTransfer")
    def data_transfer(self, payload: dict[str, Any]) -> dict[str, Any]:
        return {"status": "UnknownVendorId"}
