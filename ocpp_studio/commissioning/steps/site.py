"""Step 4: the installation's maximum current (a charger-wide maximum profile).

Sent and checked by the smart-charging service: in the unit the charger allows (a charger
taking schedules in W only gets amps x nominal voltage x phases, and the report says so), and
"in force" only from the charger's own schedule (connector/EVSE 0 and each connector/EVSE; an
empty or negative schedule is no evidence).
"""

from __future__ import annotations

from typing import Any

from ...smartcharging.service import SITE_LIMIT_PROFILE_ID
from ..model import CommissioningContext, Evidence, StepFailed, StepRecord
from .base import BaseStep

#: CALLERROR codes meaning the charger has no smart charging at all (not a refusal)
LACKING = ("NotImplemented", "NotSupported")


class SiteLimitStep(BaseStep):
    step_id = "site"
    title = "Site settings"
    description = ("Sets the maximum current the installation allows (a charger-wide maximum "
                   "profile) and the number of phases.")

    async def run(self, ctx: CommissioningContext) -> StepRecord:
        amps = float(ctx.choices.get("max_current_a", ctx.profile.max_current_a))
        phases = int(ctx.choices.get("phases", ctx.profile.phases))
        service = ctx.studio.smart_charging
        purpose = site_profile_name(ctx)
        result = await service.set_site_limit(ctx.charger_id, amps, phases=phases)
        status = str(result.step.status)
        sent = result.rate.describe()
        asked = f"{amps:g} A, {phases} phase(s)"
        ctx.settings_changed.append((purpose, None, asked if result.rate.unit == "A"
                                     else f"{asked} (sent as {sent})", status))
        ctx.data["site"] = {"max_current_a": amps, "phases": phases}
        evidence = [Evidence(purpose, f"{amps:g} A x {phases} phase(s)", status)]
        if result.rate.words:
            evidence.append(Evidence("Sent as", sent, result.rate.words))
        if not result.ok:
            what = (f"does not implement smart charging (it answered {status} to "
                    "SetChargingProfile)" if any(code in status for code in LACKING) else
                    f"refused the maximum current profile ({status})")
            raise StepFailed(f"The charger {what}. Check that smart charging is enabled, or set "
                             "the maximum current on the charger itself (DIP switches or its "
                             "web page).", evidence)
        in_force, words = await service.check_site_limit(ctx.charger_id, amps, phases=phases)
        ctx.data["site_check"] = {"in_force": in_force, "words": words}
        evidence.append(Evidence("Charger's schedule now", {True: "within the maximum",
                                                            False: "above the maximum",
                                                            None: "no evidence"}[in_force],
                                 words))
        if in_force is False:
            raise StepFailed(f"The charger accepted {amps:g} A but {_lower(words)}", evidence)
        how = f" (sent as {sent}: the charger takes schedules in W only)" \
            if result.rate.unit == "W" else ""
        checked = ("" if in_force else
                   " The charger's own schedule gave no evidence that it is in force.")
        return self.passed(f"The installation allows at most {amps:g} A on {phases} "
                           f"phase(s){how}.{checked}", evidence)


def site_profile_name(ctx: CommissioningContext) -> str:
    """The maximum profile's purpose in the charger's version's own words (1.6
    ChargePointMaxProfile, 2.x ChargingStationMaxProfile), from the adapter's request."""
    request = ctx.adapter.set_profile_request(0, {
        "chargingProfileId": SITE_LIMIT_PROFILE_ID, "stackLevel": 0,
        "chargingProfilePurpose": "ChargePointMaxProfile", "chargingProfileKind": "Absolute",
        "chargingSchedule": {"chargingRateUnit": "A", "chargingSchedulePeriod": []}})
    return _purpose(request.payload)


def _purpose(payload: dict[str, Any]) -> str:
    """The chargingProfilePurpose of a SetChargingProfile request, whatever its shape."""
    for value in payload.values():
        if isinstance(value, dict) and "chargingProfilePurpose" in value:
            return str(value["chargingProfilePurpose"])
    return "charger-wide maximum profile"


def _lower(text: str) -> str:
    return text[:1].lower() + text[1:]
