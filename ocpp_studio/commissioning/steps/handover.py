"""Steps 9-10: hand the charger over to the operator, and the report step."""

from __future__ import annotations

import asyncio
import time
from urllib.parse import quote, urlsplit

from ...core.records import now_us
from ...station.adapters import CALL_FAILURES
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
    #: after leaving, how long a charger that comes straight back (it could not reach the new
    #: URL, or fell back to the old profile) is watched for
    return_grace_s = 5.0
    _connection_id: int | None = None

    async def run(self, ctx: CommissioningContext) -> StepRecord:
        url = str(ctx.choices.get("production_url", ctx.profile.production_url) or "")
        ctx.data["handover"] = {"done": False, "url": url or None}
        cleared = await clear_studio_delay(ctx)
        if not url:
            return self._skipped(ctx, "No production URL in the profile: the charger stays "
                                 "pointed at this laptop; set its backend URL on the charger.",
                                 cleared, "no production URL given")
        # the connection the charger leaves: one that closes and reopens quickly is still seen
        connection = ctx.station.current_connection
        self._connection_id = connection.connection_id if connection is not None else None
        if ctx.adapter.network_priority_setting is not None:
            return await self._network_profile(ctx, url, list(cleared))
        key, why, current = await self._url_setting(ctx)
        if key is None:
            return self._skipped(ctx, "The charger has no configuration key for its backend "
                                 f"URL ({why}): enter {url} on the charger's own setup page.",
                                 [*cleared, Evidence("Production URL", url)],
                                 "charger has no backend URL key")
        evidence: list[Evidence] = [*cleared, Evidence("Backend URL setting", key, why)]
        await self._password_first(ctx, evidence)
        value = _like(current, url, ctx.charger_id)
        [result] = await ctx.write_settings({key: value}, confirm_dangerous=True)
        evidence.append(Evidence(key, value, f"written; the charger answered {result.status}"))
        ctx.data["handover"].update(method="setting", setting=key, written=value,
                                    answer=result.status)
        if not result.ok:
            raise StepFailed(f"The charger refused {key}={value} ({result.status}).", evidence)
        if result.status == "RebootRequired":
            evidence.append(await self._reset(ctx))
        return await self._watch_leave(ctx, f"{key}={value}", value, evidence)

    async def _url_setting(self, ctx: CommissioningContext) -> tuple[str | None, str, str | None]:
        """(setting, why it was chosen, its value): a known name (the adapter's list), else any
        writable setting whose value is the URL the charger used to reach the laptop."""
        snapshot = ctx.studio.configuration.latest(ctx.charger_id)
        if snapshot is None:
            snapshot = await ctx.studio.configuration.read_all(ctx.charger_id)
        names = ctx.adapter.backend_url_settings
        readonly = []
        for name in names:
            item = snapshot.items.get(name)
            if item is not None and item.readonly:
                readonly.append(name)
            elif item is not None:
                return name, "a known name for the backend URL", item.value
        for name, item in sorted(snapshot.items.items()):
            if not item.readonly and item.value and _reached_here(item.value, ctx):
                return name, (f"its value {item.value} is the URL the charger used to reach "
                              "the laptop"), item.value
        looked = (f"looked for {', '.join(names)} and for a writable setting holding the URL "
                  "it reached the laptop with")
        if readonly:
            looked += f"; {', '.join(readonly)} is read-only"
        return None, looked, None

    async def _password_first(self, ctx: CommissioningContext, evidence: list[Evidence]) -> None:
        password = password_pending(ctx)
        if password is not None:
            # the password first: a charger that moves to the new URL at once must
            # already present the operator's password there
            await write_password(ctx, password, evidence)

    async def _network_profile(self, ctx: CommissioningContext, url: str,
                               evidence: list[Evidence]) -> StepRecord:
        """2.0.1 B09 (Set new Network Connection Profile): SetNetworkProfile into a free
        configurationSlot, then OCPPCommCtrlr.NetworkConfigurationPriority with that slot
        first and the current ones after it (the old connection stays the fallback, as in
        A05's scenario), then Reset: after a reboot the charger connects to the first entry
        (B10.FR.04)."""
        adapter = ctx.adapter
        setting = adapter.network_priority_setting
        assert setting is not None
        snapshot = ctx.studio.configuration.latest(ctx.charger_id)
        item = snapshot.items.get(setting) if snapshot is not None else None
        before = await adapter.read_setting(setting)
        in_use = [s.strip() for s in (before or "").split(",") if s.strip()]
        allowed = list(item.allowed) if item is not None and item.allowed else []
        slot = _free_slot(in_use, allowed)
        if slot is None:
            raise StepFailed(f"Every network profile slot of the charger is in use ({setting} "
                             f"= {before}); enter {url} on the charger's own setup page.",
                             [*evidence, Evidence(setting, str(before))])
        await self._password_first(ctx, evidence)
        profile = await self._security_profile(ctx, url)
        answer = await adapter.set_network_profile(int(slot), url, profile)
        status = str((answer or {}).get("status"))
        reason = ((answer or {}).get("statusInfo") or {}).get("reasonCode")
        shown = f"slot {slot}: {url}, security profile {profile}"
        evidence.append(Evidence("SetNetworkProfile", shown, f"the charger answered {status}"
                                 + (f" ({reason})" if reason else "")))
        ctx.data["handover"].update(method="network profile", slot=int(slot), written=url,
                                    security_profile=profile, answer=status)
        if status != "Accepted":
            raise StepFailed(f"The charger refused the network profile for {url} ({status}"
                             f"{', ' + reason if reason else ''}).", evidence)
        after = ",".join([slot, *[s for s in in_use if s != slot]])
        [result] = await ctx.write_settings({setting: after}, confirm_dangerous=True)
        evidence.append(Evidence(setting, f"{before} → {after}",
                                 f"the charger answered {result.status}"))
        if not result.ok:
            raise StepFailed(f"The charger took the network profile in slot {slot} but refused "
                             f"{setting}={after} ({result.status}), so it keeps connecting "
                             "here.", evidence)
        evidence.append(await self._reset(ctx))
        return await self._watch_leave(ctx, f"network profile slot {slot} first in {setting}",
                                       url, evidence)

    async def _security_profile(self, ctx: CommissioningContext, url: str) -> int:
        """The charger's current profile (B09.FR.04: never lower); for a wss:// URL at least
        the profile chosen for production, or 2 (TLS)."""
        current = await ctx.adapter.read_setting(ctx.adapter.security_profile_setting)
        try:
            profile = int(current or 0)
        except ValueError:
            profile = 0
        if url.lower().startswith("wss://") and profile < 2:
            chosen = int(ctx.profile.security_profile)
            profile = chosen if chosen in (2, 3) else 2
        return profile

    async def _reset(self, ctx: CommissioningContext) -> Evidence:
        try:
            answer = await ctx.adapter.reset(hard=False)
            status = str((answer or {}).get("status"))
        except CALL_FAILURES as exc:
            status = f"no answer ({type(exc).__name__})"
        detail = {"Accepted": "the charger restarts now",
                  "Scheduled": "the charger restarts once the running session ends"}
        return Evidence("Reset", status, detail.get(status, "the charger may need a restart "
                                                           "by hand"))

    async def _watch_leave(self, ctx: CommissioningContext, what: str, url: str,
                           evidence: list[Evidence]) -> StepRecord:
        def same() -> bool:  # still on the connection it had when the step began
            current = ctx.station.current_connection
            return (ctx.connected() and current is not None
                    and current.connection_id == self._connection_id)

        deadline = time.monotonic() + self.leave_timeout_s
        while same() and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        if same():
            evidence.append(Evidence("Left the laptop", "no",
                                     f"still connected after {self.leave_timeout_s:.0f} s"))
            return self.failed(f"The charger took {what} but stayed connected here; it may "
                               "need a restart to use it.", evidence)
        evidence.append(Evidence("Left the laptop", "yes", "its websocket to the laptop closed"))
        back = time.monotonic() + self.return_grace_s
        while not ctx.connected() and time.monotonic() < back:
            await asyncio.sleep(0.1)
        if ctx.connected():
            evidence.append(Evidence("Came back to the laptop", "yes",
                                     f"within {self.return_grace_s:.0f} s"))
            return self.failed(f"The charger took {what}, left, and came back to the laptop: "
                               f"it could not reach {url} or kept its old connection. Check "
                               "the URL and that the production central system knows the "
                               "charger.", evidence)
        evidence.append(Evidence("Came back to the laptop", "no",
                                 f"not within {self.return_grace_s:.0f} s"))
        ctx.data["handover"]["done"] = True
        return self.passed(f"The charger now connects to {url} ({what}); it left the laptop "
                           "and did not come back.", evidence)

    def _skipped(self, ctx: CommissioningContext, summary: str, evidence: list[Evidence],
                 reason: str) -> StepRecord:
        if password_pending(ctx) is not None:
            summary += (" The generated password is not on the charger yet: it must be set "
                        "together with the production URL.")
            evidence = [*evidence, Evidence("Password", "not written to the charger")]
        return StepRecord(self.step_id, self.title, StepStatus.SKIPPED, summary, evidence,
                          skip_reason=reason)


def _free_slot(in_use: list[str], allowed: list[str]) -> str | None:
    """A configurationSlot for the new profile: one the charger lists (B09.FR.05) and not in
    the priority list; without a list, the next number; with every slot in use, the last one
    that is not first (the first is the connection in use)."""
    if allowed:
        free = [s for s in allowed if s not in in_use]
        if free:
            return free[0]
        return in_use[-1] if len(in_use) > 1 else None
    numbers = [int(s) for s in in_use if s.isdigit()]
    return str(max(numbers) + 1 if numbers else 1)


def _strip_id(path: str, charger_id: str) -> str:
    path = path.rstrip("/")
    for tail in ("/" + charger_id, "/" + quote(charger_id)):
        if path.endswith(tail):
            return path[: -len(tail)].rstrip("/")
    return path


def _reached_here(value: str, ctx: CommissioningContext) -> bool:
    """``value`` is the URL the charger used to reach the laptop: a ws:// or wss:// URL with
    the path of its connection (without its id) and a port the studio listens on. The host is
    not compared: the laptop has several names and addresses."""
    try:
        parsed = urlsplit(value.strip())
        port = parsed.port
    except ValueError:
        return False
    if parsed.scheme.lower() not in ("ws", "wss"):
        return False
    connection = ctx.station.current_connection
    if connection is None:
        return False
    if _strip_id(parsed.path, ctx.charger_id) != _strip_id(connection.path, ctx.charger_id):
        return False
    urls = ctx.studio.urls() if hasattr(ctx.studio, "urls") else []
    ports = {urlsplit(u).port for u in urls}
    return not ports or port in ports


def _like(current: str | None, url: str, charger_id: str) -> str:
    """The production URL in the form the setting holds: with the charger's id at the end
    when its current value has it."""
    if current and _strip_id(current, charger_id) != current.rstrip("/") \
            and _strip_id(url, charger_id) == url.rstrip("/"):
        return url.rstrip("/") + "/" + charger_id
    return url


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
