"""Step 4: the installation's maximum current (a charger-wide maximum profile)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

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
        adapter = ctx.adapter
        # the adapters' neutral profile shape (1.6 §7.8 names); each version's adapter turns
        # it into its own request (2.x: ChargingStationMaxProfile, K01)
        request = adapter.set_profile_request(0, {
            "chargingProfileId": SITE_LIMIT_PROFILE_ID, "stackLevel": 0,
            "chargingProfilePurpose": "ChargePointMaxProfile", "chargingProfileKind": "Absolute",
            "chargingSchedule": {"startSchedule": start, "chargingRateUnit": "A",
                                 "chargingSchedulePeriod": [period]}})
        purpose = _purpose(request.payload)  # in the version's own words, for the report
        try:
            answer = await adapter.send(request)
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
        try:
            body = adapter.schedule_of(await adapter.composite_schedule(0, 300, "A")) or {}
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


def _purpose(payload: dict[str, Any]) -> str:
    """The chargingProfilePurpose of a SetChargingProfile request, whatever its shape."""
    for value in payload.values():
        if isinstance(value, dict) and "chargingProfilePurpose" in value:
            return str(value["chargingProfilePurpose"])
    return "charger-wide maximum profile"
