"""Steps 1-2: connect the charger and identify it."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from datetime import datetime, timezone
from typing import Any

from ...core.records import Direction
from ...station.adapters import CALL_FAILURES
from ...station.model import Station
from ...station.observations import note_charger_call
from ...station.refusals import advice_for
from ..model import CommissioningContext, Evidence, StepRecord
from .base import BaseStep, call_error_status

log = logging.getLogger(__name__)


def refusal_help(ctx: CommissioningContext) -> list[str]:
    """Advice from what the server saw of this charger (or any refused charger)."""
    events = [e for e in ctx.studio.store.events(None) if e.kind == "refused"]
    mine = [e for e in events if e.charger == ctx.charger_id] or events[-3:]
    return list(dict.fromkeys(advice_for(event.detail or {}) for event in mine[-5:]))


class ConnectStep(BaseStep):
    step_id = "connect"
    title = "Connect the charger"
    description = ("Shows the address to enter as the charger's central-system URL and waits "
                   "for the charger to connect and send its BootNotification.")
    needs_connection = False

    async def run(self, ctx: CommissioningContext) -> StepRecord:
        urls = list(ctx.studio.urls()) if hasattr(ctx.studio, "urls") else []
        evidence = [Evidence("URL to enter", url.rstrip("/") + "/" + ctx.charger_id)
                    for url in urls]
        if not await ctx.wait_connected():
            tips = refusal_help(ctx)
            if not tips:
                tips = ["Nothing reached the laptop: check that the charger and the laptop are "
                        "on the same network, the laptop's firewall allows the port, and the URL "
                        "starts with ws:// (not wss://)."]
            return self.failed(f"{ctx.charger_id} did not connect within "
                               f"{ctx.connect_timeout:.0f} s. " + " ".join(tips),
                               evidence + [Evidence("Help", t) for t in tips])
        station = ctx.station
        connection = station.current_connection
        boot = station.boot_status or "not yet"
        evidence += [
            Evidence("Subprotocol", connection.subprotocol if connection else "?",
                     f"offered: {', '.join(connection.offered) if connection else '?'}"),
            Evidence("Remote address", connection.remote if connection else "?"),
            Evidence("Path", connection.path if connection else "?"),
            Evidence("BootNotification", boot),
        ]
        return self.passed(f"{ctx.charger_id} is connected using OCPP {ctx.version}.", evidence)


# ---------------------------------------------------------------- 2 identify
class IdentifyStep(BaseStep):
    step_id = "identify"
    title = "Identify the charger"
    description = ("Reads who the charger says it is (vendor, model, serial number, firmware, "
                   "OCPP version, connectors) and what it supports, and keeps its settings as "
                   "the 'before' values for the report.")

    #: how long to wait for the BootNotification asked for with TriggerMessage
    boot_timeout_s = 15.0

    async def run(self, ctx: CommissioningContext) -> StepRecord:
        station = ctx.station
        source = await self._known_identity(ctx)
        identity = {"vendor": station.vendor, "model": station.model, "serial": station.serial,
                    "firmware": station.firmware, "version": ctx.version,
                    "connectors": sorted(label for label in station.connectors
                                         if label not in ("0", "0/0"))}
        snapshot = await ctx.studio.configuration.read_all(ctx.charger_id)
        features: list[str] = []
        listed = ctx.adapter.feature_profiles_setting
        if listed is not None:  # 1.6: one key lists the feature profiles
            value = snapshot.value(listed)
            features = [f.strip() for f in (value or "").split(",") if f.strip()]
            label = "Supported feature profiles"
        else:  # 2.x: each controller's Enabled variable
            for key, item in sorted(snapshot.items.items()):
                if key.endswith(".Enabled") and "Ctrlr" in key and item.value is not None:
                    if str(item.value).lower() == "true":
                        features.append(key.rsplit(".", 1)[0])
            label = "Enabled controllers"
        identity["features"] = features
        ctx.data["identity"] = identity
        evidence = [Evidence("Identity from", source[0], source[1])]
        evidence += [Evidence(k.capitalize(), str(v if v is not None else "not reported"))
                     for k, v in identity.items() if k not in ("features", "connectors")]
        evidence.append(Evidence("Connectors", ", ".join(identity["connectors"]) or "none reported"))
        evidence.append(Evidence(label, ", ".join(features) or "none reported"))
        evidence.append(Evidence("Settings read", str(len(snapshot.items))))
        missing = [k for k in ("vendor", "model") if not identity.get(k)]
        if missing:
            return self.failed(f"The charger did not report its {' and '.join(missing)} "
                               f"({source[0]}: {source[1]}). Restart the charger so that it "
                               "sends a BootNotification, then retry this step.", evidence)
        return self.passed(f"{identity['vendor']} {identity['model']}, serial "
                           f"{identity['serial'] or 'not reported'}, firmware "
                           f"{identity['firmware'] or 'not reported'}, OCPP {ctx.version} "
                           f"(from {source[0]}).", evidence)

    async def _known_identity(self, ctx: CommissioningContext) -> tuple[str, str]:
        """Make sure the station's vendor and model are known, and say where they come from.

        A charger that was connected before the wizard started (or that reconnects after a
        network loss) sends no new BootNotification: only a start-up is followed by one
        (1.6 §4.2, 2.0.1 B01). So: this connection's BootNotification; else the newest one
        the capture holds from an earlier connection; else ask for one with TriggerMessage
        (1.6 §5.17, 2.0.1 F06)."""
        station = ctx.station
        connection = station.current_connection
        since = connection.connected_us if connection is not None else 0
        boot = _newest_boot(ctx)
        if boot is not None and boot[0] >= since and station.vendor and station.model:
            return "this connection's BootNotification", f"sent at {_when(boot[0])}"
        if station.vendor and station.model:
            when = f"sent at {_when(boot[0])}" if boot else "seen earlier by the studio"
            return ("an earlier BootNotification",
                    f"{when}; the charger reconnected without a new one")
        if boot is not None and _apply_boot(station, boot[1]):
            return ("an earlier BootNotification in the capture",
                    f"sent at {_when(boot[0])}; the charger reconnected without a new one")
        try:
            answer = await ctx.adapter.trigger("BootNotification")
        except CALL_FAILURES as exc:
            status = call_error_status(exc) if hasattr(exc, "code") else type(exc).__name__
            return ("TriggerMessage BootNotification", f"the charger answered {status}")
        status = str((answer or {}).get("status"))
        if status != "Accepted":
            return ("TriggerMessage BootNotification", f"the charger answered {status}")
        deadline = time.monotonic() + self.boot_timeout_s
        while not (station.vendor and station.model) and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        if station.vendor and station.model:
            return ("a BootNotification asked for with TriggerMessage",
                    "the charger had connected without one")
        return ("TriggerMessage BootNotification",
                f"Accepted, but no BootNotification came within {self.boot_timeout_s:.0f} s")


def _newest_boot(ctx: CommissioningContext) -> tuple[int, dict[str, Any]] | None:
    """(time, payload) of the newest BootNotification the charger sent, from the capture."""
    frames = ctx.studio.store.frames(charger=ctx.charger_id, action="BootNotification",
                                     direction=Direction.TO_CSMS, newest_first=True, limit=5)
    for frame in frames:
        try:
            msg = json.loads(frame.raw)
        except ValueError:
            continue
        if isinstance(msg, list) and len(msg) >= 4 and msg[0] == 2 and isinstance(msg[3], dict):
            return frame.ts_us, msg[3]
    return None


def _apply_boot(station: Any, payload: dict[str, Any]) -> bool:
    """Fill the station's identity from an earlier BootNotification payload (same version)."""
    seen = Station(station.charger_id, version=station.version)
    if not note_charger_call(seen, "BootNotification", payload) or not seen.vendor:
        return False
    for key in ("vendor", "model", "serial", "firmware"):
        if getattr(station, key) is None:
            setattr(station, key, getattr(seen, key))
    return True


def _when(ts_us: int) -> str:
    return datetime.fromtimestamp(ts_us / 1e6, timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
