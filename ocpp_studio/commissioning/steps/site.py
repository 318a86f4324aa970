"""Step 4: the installation's maximum current (a charger-wide maximum profile)."""

from __future__ import annotations

from decimal import Decimal

from ...core.rpc import CallError, CallTimeout
from ...smartcharging.service import SITE_LIMIT_PROFILE_ID
from ..model import CommissioningContext, Evidence, StepFailed, StepRecord
from .base import BaseStep, call_error_status


class SiteLimitStep(BaseStep):
    step_id = "site"
    title = "Site settings"
    description = ("Sets the maximum current the installation allows (a charger-wide maximum "
                   "profile) and the number of phases.")

    async def run(self, ctx: CommissioningContext) -> StepRecord:
        amps = float(ctx.choices.get("max_current_a", ctx.profile.max_current_a))
        phases = int(ctx.choices.get("phases", ctx.profile.phases))
        start = ctx.clock.now().replace(microsecond=0).isoformat().replace("+00:00", "Z")
        period = {"startPeriod": 0, "limit": Decimal(f"{amps:.1f}"), "numberPhases": phases}
        if ctx.version == "1.6":
            purpose = "ChargePointMaxProfile"
            payload = {"connectorId": 0, "csChargingProfiles": {
                "chargingProfileId": SITE_LIMIT_PROFILE_ID, "stackLevel": 0,
                "chargingProfilePurpose": purpose, "chargingProfileKind": "Absolute",
                "chargingSchedule": {"startSchedule": start, "chargingRateUnit": "A",
                                     "chargingSchedulePeriod": [period]}}}
        else:
            purpose = "ChargingStationMaxProfile"
            payload = {"evseId": 0, "chargingProfile": {
                "id": SITE_LIMIT_PROFILE_ID, "stackLevel": 0, "chargingProfilePurpose": purpose,
                "chargingProfileKind": "Absolute",
                "chargingSchedule": [{"id": 1, "startSchedule": start, "chargingRateUnit": "A",
                                      "chargingSchedulePeriod": [period]}]}}
        try:
            answer = await ctx.call("SetChargingProfile", payload)
            status = str(answer.get("status"))
        except CallError as exc:
            # a CALLERROR is not a refusal: NotImplemented means no smart charging at all
            status = call_error_status(exc)
        ctx.settings_changed.append((purpose, None, f"{amps:g} A, {phases} phase(s)", status))
        ctx.data["site"] = {"max_current_a": amps, "phases": phases}
        evidence = [Evidence(purpose, f"{amps:g} A x {phases} phase(s)", status)]
        if status != "Accepted":
            what = ("does not implement smart charging (it answered NotImplemented to "
                    "SetChargingProfile)" if status == "NotImplemented" else
                    f"refused the maximum current profile ({status})")
            raise StepFailed(f"The charger {what}. Check that smart charging is enabled, or set "
                             "the maximum current on the charger itself (DIP switches or its "
                             "web page).", evidence)
        where = {"connectorId": 0} if ctx.version == "1.6" else {"evseId": 0}
        try:
            schedule = await ctx.call("GetCompositeSchedule",
                                      {**where, "duration": 300, "chargingRateUnit": "A"})
            body = schedule.get("chargingSchedule") or schedule.get("schedule") or {}
            limits = [float(p["limit"]) for p in body.get("chargingSchedulePeriod", [])]
            if limits:
                evidence.append(Evidence("Charger's schedule now", f"{min(limits):g} A"))
                if min(limits) > amps + 0.05:
                    raise StepFailed(f"The charger accepted {amps:g} A but its schedule allows "
                                     f"{min(limits):g} A.", evidence)
        except (CallError, CallTimeout) as exc:
            evidence.append(Evidence("Charger's schedule now", "not readable", str(exc)))
        return self.passed(f"The installation allows at most {amps:g} A on {phases} phase(s).",
                           evidence)
