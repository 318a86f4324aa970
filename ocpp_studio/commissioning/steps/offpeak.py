"""Step 6: UK off-peak charging hours and the randomised delay (OCA app note §2.6, §2.7)."""

from __future__ import annotations

from ...smartcharging.offpeak import WeeklyHours
from ..model import CommissioningContext, Evidence, StepFailed, StepRecord
from .base import BaseStep


class OffPeakStep(BaseStep):
    step_id = "offpeak"
    title = "UK off-peak hours and randomised delay"
    description = ("Installs the default charging hours outside the UK peaks (or the owner's "
                   "choice: none, or their own hours), sets the randomised delay, and checks "
                   "the charger's schedule.")

    async def run(self, ctx: CommissioningContext) -> StepRecord:
        service = ctx.studio.smart_charging
        choice = str(ctx.choices.get("offpeak", ctx.profile.offpeak))
        delay = int(ctx.choices.get("randomised_delay_s", ctx.profile.randomised_delay_s))
        evidence = [Evidence("Owner's choice", choice,
                             str(ctx.choices.get("offpeak_note", "from the commissioning profile"
                                                  if "offpeak" not in ctx.choices else
                                                  "chosen by the owner in the wizard")))]
        if choice == "none":
            hours = None
            applied = await service.remove_hours(ctx.charger_id)
        else:
            if choice == "custom":
                custom = ctx.choices.get("custom_hours", ctx.profile.custom_hours)
                hours = WeeklyHours.from_json(custom)
            else:
                hours = WeeklyHours.uk_default()
            max_w = float(ctx.profile.max_current_a) * 230.0 * int(ctx.profile.phases)
            applied = await service.apply_hours(ctx.charger_id, hours, max_power_w=max_w)
        ctx.data["offpeak"] = {"choice": choice,
                               "hours": hours.to_json() if hours is not None else None}
        ctx.settings_changed.append(("Off-peak charging hours", None,
                                     {"default": "UK default hours", "none": "none (removed)",
                                      "custom": "owner's own hours"}.get(choice, choice),
                                     "Accepted" if applied.ok else "Rejected"))
        evidence.append(Evidence("Charging hours", "installed" if applied.ok else "not installed",
                                 applied.explanation))
        delayed = await service.set_randomised_delay(ctx.charger_id, delay)
        support = await service.randomised_delay(ctx.charger_id)
        ctx.data["randomised_delay_s"] = delay
        ctx.data["randomised_delay_method"] = support.method
        ctx.settings_changed.append((support.key or "Randomised delay (CSMS profile)", None,
                                     str(delay), "Accepted" if delayed.ok else "Rejected"))
        evidence.append(Evidence("Randomised delay", f"{delay} s", delayed.explanation))
        if not applied.ok:
            raise StepFailed("The charging hours could not be installed: " + applied.explanation,
                             evidence)
        if not delayed.ok:
            raise StepFailed("The randomised delay could not be set: " + delayed.explanation,
                             evidence)
        if hours is not None:
            verification = await service.verify(ctx.charger_id)
            diff = len(verification.differences)
            evidence.append(Evidence("Charger's schedule",
                                     "matches" if not diff else f"{diff} difference(s)",
                                     " ".join(verification.notes)))
            ctx.data["offpeak"]["verified"] = not diff and bool(verification.charger)
            if diff:
                raise StepFailed("The charger's own 7-day schedule differs from the intended "
                                 "hours: " + " ".join(verification.notes), evidence)
        return self.passed(f"Off-peak: {choice}; randomised delay up to {delay} s.", evidence)
