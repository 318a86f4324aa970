"""Steps 1-2: connect the charger and identify it."""

from __future__ import annotations

from ...station.refusals import advice_for
from ..model import CommissioningContext, Evidence, StepRecord
from .base import BaseStep


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

    async def run(self, ctx: CommissioningContext) -> StepRecord:
        station = ctx.station
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
        evidence = [Evidence(k.capitalize(), str(v if v is not None else "not reported"))
                    for k, v in identity.items() if k not in ("features", "connectors")]
        evidence.append(Evidence("Connectors", ", ".join(identity["connectors"]) or "none reported"))
        evidence.append(Evidence(label, ", ".join(features) or "none reported"))
        evidence.append(Evidence("Settings read", str(len(snapshot.items))))
        missing = [k for k in ("vendor", "model") if not identity.get(k)]
        if missing:
            return self.failed(f"The charger did not report its {' and '.join(missing)}.",
                               evidence)
        return self.passed(f"{identity['vendor']} {identity['model']}, serial "
                           f"{identity['serial'] or 'not reported'}, firmware "
                           f"{identity['firmware'] or 'not reported'}, OCPP {ctx.version}.",
                           evidence)
