"""Steps 9-10: hand the charger over to the operator, and the report step."""

from __future__ import annotations

import asyncio
import time

from ...core.records import now_us
from ...smartcharging.service import DELAY_PROFILE_ID
from ..model import CommissioningContext, Evidence, StepFailed, StepRecord, StepStatus
from ..report import build_report
from .base import BaseStep
from .security import password_pending, write_password


class HandOverStep(BaseStep):
    step_id = "handover"
    title = "Hand over to the operator"
    description = ("Sets the production central-system URL where the charger allows it, and "
                   "watches the charger leave the laptop for it.")
    leave_timeout_s = 60.0

    async def run(self, ctx: CommissioningContext) -> StepRecord:
        url = str(ctx.choices.get("production_url", ctx.profile.production_url) or "")
        ctx.data["handover"] = {"done": False, "url": url or None}
        cleared = await clear_studio_delay(ctx)
        if not url:
            return self._skipped(ctx, "No production URL in the profile: the charger stays "
                                 "pointed at this laptop; set its backend URL on the charger.",
                                 cleared, "no production URL given")
        url_keys = ctx.adapter.backend_url_settings
        if not url_keys:
            return self._skipped(ctx, f"OCPP {ctx.version} changes the backend with "
                                 "SetNetworkProfile, "
                                 "which the studio does not do yet: enter the production URL "
                                 f"{url} on the charger.", [*cleared, Evidence("Production URL", url)],
                                 "2.0.1 SetNetworkProfile not supported by the studio")
        snapshot = ctx.studio.configuration.latest(ctx.charger_id)
        key = next((k for k in url_keys if snapshot and k in snapshot.items), None)
        if key is None:
            return self._skipped(ctx, "The charger has no configuration key for its backend "
                                 f"URL: enter {url} on the charger's own setup page.",
                                 [*cleared, Evidence("Production URL", url)],
                                 "charger has no backend URL key")
        evidence: list[Evidence] = list(cleared)
        password = password_pending(ctx)
        if password is not None:
            # the password first: a charger that moves to the new URL at once must
            # already present the operator's password there
            await write_password(ctx, password, evidence)
        [result] = await ctx.write_settings({key: url}, confirm_dangerous=True)
        evidence.append(Evidence(key, url, result.status))
        if not result.ok:
            raise StepFailed(f"The charger refused {key}={url} ({result.status}).", evidence)
        deadline = time.monotonic() + self.leave_timeout_s
        while ctx.connected() and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
        left = not ctx.connected()
        evidence.append(Evidence("Left the laptop", "yes" if left else "no"))
        if not left:
            return self.failed("The charger accepted the URL but stayed connected here; it "
                               "may need a restart to use it.", evidence)
        ctx.data["handover"]["done"] = True
        return self.passed(f"The charger now connects to {url}.", evidence)

    def _skipped(self, ctx: CommissioningContext, summary: str, evidence: list[Evidence],
                 reason: str) -> StepRecord:
        if password_pending(ctx) is not None:
            summary += (" The generated password is not on the charger yet: it must be set "
                        "together with the production URL.")
            evidence = [*evidence, Evidence("Password", "not written to the charger")]
        return StepRecord(self.step_id, self.title, StepStatus.SKIPPED, summary, evidence,
                          skip_reason=reason)


async def clear_studio_delay(ctx: CommissioningContext) -> list[Evidence]:
    """Remove the studio's randomised-delay profile (a 0 W relative TxDefaultProfile): it only
    randomises while the studio renews it after each session; left behind, every later session
    gets the same fixed delay (issue 14). The production central system provides the delay."""
    service = ctx.studio.smart_charging
    if service is None or DELAY_PROFILE_ID not in service.installed_ids(ctx.charger_id):
        return []
    if (await service.randomised_delay(ctx.charger_id)).supported:
        return []  # 0 would cancel the charger's own delay; setting it removed the profile
    result = await service.set_randomised_delay(ctx.charger_id, 0)
    ctx.data.setdefault("randomised_delay", {})["profile_cleared"] = bool(result.ok)
    return [Evidence("Studio delay profile", "removed" if result.ok else "could not be removed",
                     result.explanation)]


# ---------------------------------------------------------------- 10 report
class ReportStep(BaseStep):
    step_id = "report"
    title = "Report"
    description = "Puts together the commissioning report for the owner and the operator."
    needs_connection = False

    async def run(self, ctx: CommissioningContext) -> StepRecord:
        problems = [r.title for r in ctx.records.values()
                    if r.step_id != self.step_id and r.status is StepStatus.FAILED]
        skipped = [r.title for r in ctx.records.values()
                   if r.status is StepStatus.SKIPPED and r.error]
        ctx.data["report_made_us"] = now_us()
        summary = ("All steps passed or were skipped with a reason." if not problems else
                   f"Steps that failed: {', '.join(problems)}.")
        if skipped:
            summary += f" Skipped after failing: {', '.join(skipped)}."
        # the checklist as the report will give it: what is not met or not verified yet
        others = [r for r in ctx.records.values() if r.step_id != self.step_id]
        todo = build_report(ctx, others, now_us()).outstanding
        if todo:
            summary += (f" Checklist items outstanding: {', '.join(i.name for i in todo)} — "
                        "see the report.")
        return self.passed("Report ready. " + summary,
                           [Evidence("Failed steps", str(len(problems))),
                            Evidence("Checklist items outstanding", str(len(todo)))])
