"""OCPP 2.1 for the demo charger: 2.0.1's behaviour on the ``ocpp2.1`` subprotocol, plus
answers to the CSMS-initiated messages 2.1 adds and the charger-initiated ones tests ask for.

What 2.1 changes for what the demo already sends and answers (checked against the
``ocpp`` package's v21 schemas): nothing newly required in BootNotification,
StatusNotification, NotifyReport, MeterValues or TransactionEvent; ``IdToken.type`` is an
open string; a charging-schedule period may leave out ``limit`` (a V2X setpoint instead);
new profile purposes (PriorityCharging, LocalGeneration) and kind Dynamic. The demo has no
V2X, DER, tariff, battery-swap or priority-charging feature: it answers those messages with
the schema's own "no" (NotSupported, Rejected, NoProfile, NoTariff) so a central system can
see exactly what the charger lacks.
"""

from __future__ import annotations

import itertools
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..core.versions import OcppVersion
from .profiles import format_time
from .routing import Routes
from .v201 import Protocol201
from .v201 import routes as routes_201

log = logging.getLogger(__name__)

#: 2.1's table starts as 2.0.1's; the handlers below add to it or replace entries.
routes = Routes(routes_201)


def _no(status: str, reason: str, info: str = "") -> dict[str, Any]:
    """A refusal with the reason code 2.1's StatusInfoType carries (at most 20 characters)."""
    status_info: dict[str, Any] = {"reasonCode": reason[:20]}
    if info:
        status_info["additionalInfo"] = info[:1024]
    return {"status": status, "statusInfo": status_info}


@dataclass
class PeriodicStream:
    """One periodic event stream the charger opened with OpenPeriodicEventStream (2.1)."""

    id: int
    variable_monitoring_id: int
    interval: int | None = None
    values: int | None = None

    def params(self) -> dict[str, Any]:
        params: dict[str, Any] = {}
        if self.interval is not None:
            params["interval"] = self.interval
        if self.values is not None:
            params["values"] = self.values
        return params

    def constant_data(self) -> dict[str, Any]:
        return {"id": self.id, "variableMonitoringId": self.variable_monitoring_id,
                "params": self.params()}


class Protocol21(Protocol201):
    """OCPP 2.1: 2.0.1 plus the 2.1 messages, answered as a charger without those features."""

    version = OcppVersion.V21
    routes = routes

    def __init__(self, charger: Any) -> None:
        super().__init__(charger)
        self.streams: dict[int, PeriodicStream] = {}
        self._stream_ids = itertools.count(1)

    # ================================================ charger-initiated 2.1
    async def open_periodic_event_stream(self, variable_monitoring_id: int, *,
                                         interval: int | None = None,
                                         values: int | None = None) -> PeriodicStream | None:
        """OpenPeriodicEventStream for a monitor; the stream when the CSMS accepts it."""
        stream = PeriodicStream(next(self._stream_ids), variable_monitoring_id, interval, values)
        reply = await self.ch.call("OpenPeriodicEventStream",
                                   {"constantStreamData": stream.constant_data()})
        if reply.get("status") != "Accepted":
            return None
        self.streams[stream.id] = stream
        return stream

    async def close_periodic_event_stream(self, stream_id: int) -> None:
        self.streams.pop(stream_id, None)
        await self.ch.call("ClosePeriodicEventStream", {"id": stream_id})

    async def notify_periodic_event_stream(self, stream_id: int, values: list[str], *,
                                           basetime: datetime | None = None,
                                           interval_s: float = 1.0,
                                           pending: int = 0) -> dict[str, Any]:
        """Send NotifyPeriodicEventStream, which OCPP-J 2.1 carries as a SEND frame
        ``[6, id, action, payload]`` that is never answered (2.1 Part 4 §4.2.5). Validated
        against the v21 schema before it leaves, as every CALL is. Returns the payload."""
        payload = {"id": stream_id, "pending": pending,
                   "basetime": format_time(basetime or self.ch.clock()),
                   "data": [{"t": round(i * interval_s, 3), "v": v[:2500]}
                            for i, v in enumerate(values)]}
        await self.ch.send_unconfirmed("NotifyPeriodicEventStream", payload)
        return payload

    async def notify_settlement(self, *, amount: float, psp_ref: str,
                                status: str = "Settled",
                                transaction_id: str | None = None) -> dict[str, Any]:
        """NotifySettlement: the simulated payment terminal settled a session (2.1)."""
        payload: dict[str, Any] = {"pspRef": psp_ref[:255], "status": status,
                                   "settlementAmount": amount,
                                   "settlementTime": format_time(self.ch.clock())}
        if transaction_id is not None:
            payload["transactionId"] = transaction_id
        return await self.ch.call("NotifySettlement", payload)

    # ============================================================ answers
    @routes.on("SetChargingProfile")
    def set_charging_profile(self, payload: dict[str, Any]) -> dict[str, Any]:
        profile = payload["chargingProfile"]
        purpose, kind = profile["chargingProfilePurpose"], profile["chargingProfileKind"]
        if purpose in ("PriorityCharging", "LocalGeneration"):
            return _no("Rejected", "UnsupportedRequest", f"no {purpose} profiles")
        if kind == "Dynamic":
            return _no("Rejected", "UnsupportedRequest", "no Dynamic profiles")
        for schedule in profile["chargingSchedule"]:
            for period in schedule["chargingSchedulePeriod"]:
                if "limit" not in period:
                    # 2.1 lets a period carry a V2X setpoint instead of a limit.
                    return _no("Rejected", "InvalidSchedule", "every period needs a limit")
        return super().set_charging_profile(payload)

    @routes.on("SetDERControl")
    def set_der_control(self, payload: dict[str, Any]) -> dict[str, Any]:
        return _no("NotSupported", "UnsupportedRequest", "no DER controls")

    @routes.on("GetDERControl")
    def get_der_control(self, payload: dict[str, Any]) -> dict[str, Any]:
        return _no("NotSupported", "UnsupportedRequest", "no DER controls")

    @routes.on("ClearDERControl")
    def clear_der_control(self, payload: dict[str, Any]) -> dict[str, Any]:
        return _no("NotSupported", "UnsupportedRequest", "no DER controls")

    @routes.on("AFRRSignal")
    def afrr_signal(self, payload: dict[str, Any]) -> dict[str, Any]:
        return _no("Rejected", "UnsupportedRequest", "no aFRR support")

    @routes.on("UpdateDynamicSchedule")
    def update_dynamic_schedule(self, payload: dict[str, Any]) -> dict[str, Any]:
        return _no("Rejected", "UnknownProfile", "no Dynamic charging profiles installed")

    @routes.on("UsePriorityCharging")
    def use_priority_charging(self, payload: dict[str, Any]) -> dict[str, Any]:
        return {"status": "NoProfile"}

    @routes.on("SetDefaultTariff")
    def set_default_tariff(self, payload: dict[str, Any]) -> dict[str, Any]:
        return _no("Rejected", "UnsupportedRequest", "no tariff support")

    @routes.on("GetTariffs")
    def get_tariffs(self, payload: dict[str, Any]) -> dict[str, Any]:
        return {"status": "NoTariff"}

    @routes.on("ClearTariffs")
    def clear_tariffs(self, payload: dict[str, Any]) -> dict[str, Any]:
        ids = payload.get("tariffIds") or [None]
        return {"clearTariffsResult": [
            {"status": "NoTariff", **({"tariffId": i} if i is not None else {})} for i in ids]}

    @routes.on("ChangeTransactionTariff")
    def change_transaction_tariff(self, payload: dict[str, Any]) -> dict[str, Any]:
        if self._tx_connector(payload["transactionId"]) is None:
            return {"status": "TxNotFound"}
        return _no("Rejected", "UnsupportedRequest", "no tariff support")

    @routes.on("RequestBatterySwap")
    def request_battery_swap(self, payload: dict[str, Any]) -> dict[str, Any]:
        return _no("Rejected", "UnsupportedRequest", "not a battery-swap station")

    @routes.on("NotifyAllowedEnergyTransfer")
    def notify_allowed_energy_transfer(self, payload: dict[str, Any]) -> dict[str, Any]:
        if self._tx_connector(payload["transactionId"]) is None:
            return _no("Rejected", "UnknownTxId")
        return {"status": "Accepted"}  # the demo's EV only charges; nothing to change

    @routes.on("NotifyWebPaymentStarted")
    def notify_web_payment_started(self, payload: dict[str, Any]) -> dict[str, Any]:
        return {}  # an acknowledgement only; the demo has no display to show it on

    @routes.on("AdjustPeriodicEventStream")
    def adjust_periodic_event_stream(self, payload: dict[str, Any]) -> dict[str, Any]:
        stream = self.streams.get(int(payload["id"]))
        if stream is None:
            return _no("Rejected", "UnknownStream", f"no open stream {payload['id']}")
        params = payload["params"]
        stream.interval = params.get("interval", stream.interval)
        stream.values = params.get("values", stream.values)
        return {"status": "Accepted"}

    @routes.on("GetPeriodicEventStream")
    def get_periodic_event_stream(self, payload: dict[str, Any]) -> dict[str, Any]:
        if not self.streams:
            return {}
        return {"constantStreamData": [s.constant_data() for s in self.streams.values()]}

    def _tx_connector(self, transaction_id: str) -> Any:
        for conn in self.ch.connectors.values():
            if conn.tx is not None and conn.tx.id == transaction_id:
                return conn
        return None

