"""Step 6: UK off-peak charging hours and the randomised delay (OCA app note §2.6, §2.7).

What this step records in ``ctx.data`` is what the report's checklist may claim: "installed"
only from the charger's Accepted answers, "checked" only from the charger's own composite
schedule, and the randomised delay "on the charger" only from its own RandomisedDelay setting
read back (app note §2.7, first method).
"""

from __future__ import annotations

from typing import Any

from ...smartcharging.offpeak import WeeklyHours
from ...smartcharging.service import DELAY_PROFILE_ID
from ..model import OK, CommissioningContext, Evidence, StepFailed, StepRecord
from .base import BaseStep

#: ClearChargingProfile answers meaning "it is gone" (Unknown: the charger did not have it).
OK_CLEARED = ("Accepted", "Unknown")
#: App note §2.7, second method, in the words the report uses when the charger cannot randomise.
PRODUCTION_CSMS_DELAY = (
    "The production central system must provide the randomised delay (OCA application note "
    "§2.7, second method: after each session it installs a new 0 W relative TxDefaultProfile "
    "of random length); ask the operator to confirm it does.")


def charger_answers(steps: list[Any]) -> str:
    """The charger's answers to the calls of an ApplyResult, in words: "Accepted" when every
    call was, else the first other answer as the charger gave it (NotImplemented stays so)."""
    for step in steps:
        if not (str(step.status).startswith("Accepted") or step.status in OK_CLEARED):
            return str(step.status)
    return "Accepted" if steps else "nothing sent"


def schedule_evidence(verification: Any) -> tuple[bool | None, str]:
    """(True: the charger's own schedule matches, False: it differs, None: no evidence) and the
    plain words, as the smart-charging check judged them (smartcharging/verify.py: connector/EVSE
    0 and each connector/EVSE asked; an empty, missing or negative schedule is no evidence)."""
    words = verification.summary or " ".join(verification.notes)
    return verification.evidence, words or "The charger's own schedule could not be read."


class OffPeakStep(BaseStep):
    step_id = "offpeak"
    title = "UK off-peak hours and randomised delay"
    description = ("Installs the default charging hours outside the UK peaks (or the owner's "
                   "choice: none, or their own hours), sets the charger's own randomised delay "
                   "where it has one, and checks the charger's schedule.")

    async def run(self, ctx: CommissioningContext) -> StepRecord:
        service = ctx.studio.smart_charging
        choice = str(ctx.choices.get("offpeak", ctx.profile.offpeak))
        delay = int(ctx.choices.get("randomised_delay_s", ctx.profile.randomised_delay_s))
        evidence = [Evidence("Owner's choice", choice,
                             str(ctx.choices.get("offpeak_note", "from the commissioning profile"
                                                  if "offpeak" not in ctx.choices else
                                                  "chosen by the owner in the wizard")))]
        hours: WeeklyHours | None = None
        if choice == "none":
            applied = await service.remove_hours(ctx.charger_id)
        else:
            if choice == "custom":
                hours = WeeklyHours.from_json(ctx.choices.get("custom_hours",
                                                              ctx.profile.custom_hours))
            else:
                hours = WeeklyHours.uk_default()
            max_w = float(ctx.profile.max_current_a) * 230.0 * int(ctx.profile.phases)
            applied = await service.apply_hours(ctx.charger_id, hours, max_power_w=max_w)
        answer = charger_answers(applied.steps) if applied.steps or applied.ok else "nothing sent"
        offpeak: dict[str, Any] = {
            "choice": choice, "hours": hours.to_json() if hours is not None else None,
            "installed": bool(applied.ok), "answer": answer,
            "explanation": applied.explanation, "verified": None, "check": ""}
        ctx.data["offpeak"] = offpeak
        if applied.steps:  # a row only for what was sent: its status is the charger's answer
            ctx.settings_changed.append(("Off-peak charging hours", None,
                                         {"default": "UK default hours", "none": "none (removed)",
                                          "custom": "owner's own hours"}.get(choice, choice),
                                         answer))
        evidence.append(Evidence("Charging hours", "installed" if applied.ok else "not installed",
                                 applied.explanation))
        delay_words = await self._randomised_delay(ctx, delay, evidence)
        if not applied.ok:
            if any(code in answer for code in ("NotImplemented", "NotSupported")):
                # a CALLERROR: the charger lacks smart charging, it did not refuse these hours
                raise StepFailed(f"The charging hours could not be installed: the charger does "
                                 f"not implement smart charging (it answered {answer} to "
                                 "SetChargingProfile). Check SupportedFeatureProfiles / "
                                 "SmartChargingCtrlr.Enabled, or ask the manufacturer for "
                                 "firmware with smart charging.", evidence)
            raise StepFailed("The charging hours could not be installed: " + applied.explanation,
                             evidence)
        if hours is not None:
            verification = await service.verify(ctx.charger_id)
            verified, words = schedule_evidence(verification)
            offpeak["verified"], offpeak["check"] = verified, words
            evidence.append(Evidence("Charger's schedule", {True: "matches", False: "differs",
                                                            None: "no evidence"}[verified],
                                     " ".join(verification.notes) or words))
            if verified is False:
                raise StepFailed(words + " Check the charger's clock and time zone, then run "
                                 "this step again.", evidence)
        delay_record = ctx.data["randomised_delay"]
        if delay_record.get("method") == "charger" and delay_record.get("answer") not in OK:
            raise StepFailed(f"The charger refused {delay_record['setting']}={delay} "
                             f"({delay_record.get('answer')}).", evidence)
        checked = {True: " and checked on the charger's own schedule",
                   None: "; the charger's own schedule gave no evidence they are in force",
                   False: ""}[offpeak["verified"]] if hours is not None else ""
        if choice == "none":
            hours_words = "the default hours were removed, as the owner chose"
        else:
            whose = "UK default" if choice == "default" else "the owner's own"
            hours_words = f"{whose} hours installed{checked}"
        return self.passed(f"Off-peak: {hours_words}. {delay_words}", evidence)

    async def _randomised_delay(self, ctx: CommissioningContext, delay: int,
                                evidence: list[Evidence]) -> str:
        """The charger's own randomised delay (app note §2.7 first method) when it has the
        setting; otherwise nothing is left on the charger: a studio-side 0 W relative profile
        would stay after hand-over and give every later session the same fixed delay."""
        service = ctx.studio.smart_charging
        support = await service.randomised_delay(ctx.charger_id)
        record: dict[str, Any] = {"asked_s": delay, "method": "charger" if support.supported
                                  else "central-system", "setting": support.key,
                                  "answer": None, "read_back_s": None, "profile_cleared": None}
        ctx.data["randomised_delay"] = record
        ctx.data["randomised_delay_s"] = delay
        ctx.data["randomised_delay_method"] = record["method"]
        if support.supported:
            result = await service.set_randomised_delay(ctx.charger_id, delay)
            answer = str(result.steps[0].status) if result.steps else "nothing sent"
            record["answer"] = answer
            ctx.settings_changed.append((support.key, None if support.value_s is None
                                         else str(support.value_s), str(delay), answer))
            read_back = (await service.randomised_delay(ctx.charger_id)).value_s
            record["read_back_s"] = read_back
            evidence.append(Evidence(support.key, str(delay), answer))
            evidence.append(Evidence("Read back", "not given" if read_back is None
                                     else f"{read_back} s"))
            if answer in OK and read_back == delay:
                return f"The charger's own randomised delay is up to {delay} s."
            if answer in OK:
                return (f"The charger accepted a randomised delay of up to {delay} s but "
                        f"{'did not give it back' if read_back is None else f'reads {read_back} s'}.")
            return f"The charger refused its randomised delay setting ({answer})."
        if DELAY_PROFILE_ID in service.installed_ids(ctx.charger_id):
            cleared = await service.set_randomised_delay(ctx.charger_id, 0)
            record["profile_cleared"] = bool(cleared.ok)
            evidence.append(Evidence("Studio delay profile", "removed" if cleared.ok
                                     else "could not be removed", cleared.explanation))
        evidence.append(Evidence("Randomised delay", "not on the charger",
                                 "The charger has no RandomisedDelay setting. "
                                 + PRODUCTION_CSMS_DELAY))
        return ("The charger has no randomised-delay setting of its own: " + PRODUCTION_CSMS_DELAY)
