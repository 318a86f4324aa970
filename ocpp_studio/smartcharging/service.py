"""Off-peak hours, override and randomised delay on a connected charger (1.6 and 2.0.1).

OCA application note §2.6 (off-peak), §2.7 (randomised delay); OCPP 1.6 §5.16 SetChargingProfile,
§5.5 ClearChargingProfile, §5.7 GetCompositeSchedule, §9.4 smart-charging keys; 2.0.1 §K01, K10,
K08 and SmartChargingCtrlr.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ocpp.v16.enums import ChargingProfileStatus, ClearChargingProfileStatus

from ..core.clock import Clock, SystemClock
from ..core.errors import Fault
from ..core.rpc import CallError
from ..station.adapters import MessageLimits, OcppAdapter
from .offpeak import (OFFPEAK_CLOCK_CHANGE_EXPLANATION, WeeklyHours, build_profiles,
                      refresh_due)
from .outcomes import (CSMS_DELAY_EXPLANATION, DEFAULT_DELAY_S, DELAY_PROFILE_ID, DELAY_STACK,
                       MAX_DELAY_S, OFFPEAK_FIRST_ID, OVERRIDE_PROFILE_ID, OVERRIDE_STACK,
                       PROTOCOL_ERRORS, SITE_LIMIT_PROFILE_ID, ApplyResult, DelaySupport,
                       OffPeakStatus, SiteLimitResult, StepResult, Verification, as_int,
                       error_code, local_time, refusal_advice)
from .profiles import ChargerLimits, ChargingProfile, SchedulePeriod, validate_profile
from .rate_unit import Electrical, RateChoice, choose_rate, read_electrical
from .verify import connectors_of, site_limit_evidence, verify_schedules

if TYPE_CHECKING:
    from ..configuration.service import ConfigurationService
    from ..station.central import CentralSystem
    from ..station.model import Station

log = logging.getLogger(__name__)

__all__ = ["SmartChargingService", "OFFPEAK_FIRST_ID", "SITE_LIMIT_PROFILE_ID",
           "DELAY_PROFILE_ID", "OVERRIDE_PROFILE_ID", "DELAY_STACK", "OVERRIDE_STACK",
           "DEFAULT_DELAY_S", "MAX_DELAY_S", "CSMS_DELAY_EXPLANATION", "StepResult",
           "ApplyResult", "DelaySupport", "Verification", "OffPeakStatus", "SiteLimitResult",
           "Electrical", "RateChoice"]

#: ClearChargingProfile answers after which the profile is gone (Unknown: the charger no
#: longer had it; 1.6 §7.12, 2.0.1 ClearChargingProfileStatusEnumType)
CLEARED = (ClearChargingProfileStatus.accepted.value, ClearChargingProfileStatus.unknown.value)
ACCEPTED = ChargingProfileStatus.accepted.value
#: the studio's profiles that are not charging hours: applying or removing hours keeps them
NOT_HOURS = frozenset({DELAY_PROFILE_ID, OVERRIDE_PROFILE_ID, SITE_LIMIT_PROFILE_ID})

def _default_state_path() -> Path:
    from ..settings import user_data_dir
    return user_data_dir() / "smart-charging.json"


class SmartChargingService:
    """What the studio installed, per charger, and the operations on it."""

    def __init__(self, central: CentralSystem, configuration: ConfigurationService | None = None,
                 state_path: Path | None = None, tz: str = "Europe/London",
                 call_timeout: float | None = None, clock: Clock | None = None) -> None:
        self.central = central
        # Which half hour is "now" decides the profiles built and checked: tests set this.
        self.clock: Clock = clock if clock is not None else SystemClock()
        self.configuration = configuration
        self.state_path = Path(state_path) if state_path is not None else _default_state_path()
        self.tz = tz
        self.call_timeout = call_timeout
        self._state: dict[str, dict[str, Any]] = self._load()
        self._ongoing: dict[str, set[str]] = {}
        self._listening = False
        self._tasks: set[asyncio.Task] = set()

    def _now_s(self) -> float:
        return self.clock.now().timestamp()

    # ------------------------------------------------------------ state file
    def _load(self) -> dict[str, dict[str, Any]]:
        try:
            return json.loads(self.state_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}

    def _save(self) -> None:
        try:
            self.state_path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.state_path.with_suffix(".tmp")
            tmp.write_text(json.dumps(self._state, indent=1, default=float), encoding="utf-8")
            tmp.replace(self.state_path)
        except OSError as exc:
            log.warning("smart-charging state not saved: %s", exc)

    def _entry(self, charger_id: str) -> dict[str, Any]:
        return self._state.setdefault(charger_id, {"hours": None, "profiles": {},
                                                   "csms_delay_s": 0})

    def installed_ids(self, charger_id: str) -> list[int]:
        return sorted(int(k) for k in self._entry(charger_id)["profiles"])

    def installed_profiles(self, charger_id: str) -> list[ChargingProfile]:
        out = []
        for item in self._entry(charger_id)["profiles"].values():
            out.append(ChargingProfile.from_request(item.get("version") or "1.6",
                                                    item["payload"]))
        return out

    def _remember(self, charger_id: str, adapter: OcppAdapter, profile: ChargingProfile) -> None:
        # kept as the request that was accepted (with its version's label), numbers as plain JSON
        request = adapter.set_profile_request(profile.connector, profile.to_neutral())
        data = json.loads(json.dumps(request.payload, default=float))
        self._entry(charger_id)["profiles"][str(profile.profile_id)] = {"version": adapter.label,
                                                                        "payload": data}

    def _forget(self, charger_id: str, profile_id: int) -> None:
        self._entry(charger_id)["profiles"].pop(str(profile_id), None)

    # ------------------------------------------------------------ protocol
    def version(self, charger_id: str) -> str:
        return self.central.version_of(charger_id).label

    def adapter(self, charger_id: str) -> OcppAdapter:
        """The charger's adapter, bound to its calls with this service's timeout."""
        return self.central.adapter(charger_id, self.call_timeout)

    async def limits(self, charger_id: str) -> tuple[ChargerLimits, list[str]]:
        """The charger's smart-charging limits (1.6 §9.4 keys; 2.x SmartChargingCtrlr)."""
        limits, notes = ChargerLimits(), []
        adapter = self.adapter(charger_id)
        names = adapter.smart_charging_settings
        try:
            values = {r.name: r.value for r in await adapter.read_settings(
                list(names.values()), MessageLimits(len(names))) if r.found}
        except PROTOCOL_ERRORS as exc:
            notes.append(f"Could not read the charger's smart-charging limits ({exc}); "
                         "assuming common defaults.")
            return limits, notes
        try:
            if values.get(names["stack"]):
                limits.max_stack_level = int(values[names["stack"]])
            if values.get(names["periods"]):
                limits.max_periods = int(values[names["periods"]])
            if values.get(names["units"]):
                units = {"Current": "A", "Power": "W", "A": "A", "W": "W"}
                limits.allowed_units = tuple(sorted({units[u.strip()]
                                                     for u in values[names["units"]].split(",")
                                                     if u.strip() in units}))
            if values.get(names["profiles"]):
                limits.max_profiles = int(values[names["profiles"]])
        except ValueError as exc:
            notes.append(f"A smart-charging limit could not be read: {exc}")
        missing = [n for n in names.values() if n not in values]
        if missing:
            notes.append("The charger did not report " + ", ".join(missing))
        return limits, notes

    async def _set_profile(self, charger_id: str, adapter: OcppAdapter,
                           profile: ChargingProfile) -> StepResult:
        try:
            reply = await adapter.set_charging_profile(profile.connector, profile.to_neutral())
            status = str(reply.get("status", "?"))
            info = reply.get("statusInfo") or {}
            if info.get("additionalInfo") or info.get("reasonCode"):
                status += f" ({info.get('reasonCode', '')}: {info.get('additionalInfo', '')})"
        except CallError as exc:
            code = error_code(exc)
            status = code if code == Fault.NOT_IMPLEMENTED.value else f"CallError {code}"
        except PROTOCOL_ERRORS as exc:
            status = f"NotSent: {exc}"
        if status.startswith(ACCEPTED):
            self._remember(charger_id, adapter, profile)
        return StepResult("SetChargingProfile", profile.describe(), status)

    async def _clear_profile(self, charger_id: str, adapter: OcppAdapter,
                             profile_id: int) -> StepResult:
        try:
            reply = await adapter.clear_charging_profile(profile_id)
            status = str(reply.get("status", "?"))
        except CallError as exc:
            status = f"CallError {error_code(exc)}"
        except PROTOCOL_ERRORS as exc:
            status = f"NotSent: {exc}"
        if status in CLEARED:
            self._forget(charger_id, profile_id)
        return StepResult("ClearChargingProfile", f"profile #{profile_id}", status)

    def _installed_words(self, charger_id: str) -> str:
        profiles = self.installed_profiles(charger_id)
        if not profiles:
            return "The studio has no charging profiles installed on this charger."
        return ("Installed by the studio now: " + "; ".join(p.describe() for p in profiles)
                + ". Use 'Clear' to remove them all.")

    # ------------------------------------------------------------ off-peak
    async def apply_hours(self, charger_id: str, hours: WeeklyHours,
                          max_power_w: float | None = None) -> ApplyResult:
        adapter = self.adapter(charger_id)
        limits, notes = await self.limits(charger_id)
        unit = "W" if "W" in limits.allowed_units else "A"
        profiles = build_profiles(hours, self._now_s(), self.tz,
                                  max_power_w=max_power_w or 22_000.0, rate_unit=unit,
                                  first_id=OFFPEAK_FIRST_ID)
        problems = [f"{p.describe()}: {msg}" for p in profiles
                    for msg in validate_profile(p, limits)]
        old = set(self.installed_ids(charger_id)) - NOT_HOURS
        new_ids = {p.profile_id for p in profiles}
        if limits.max_profiles is not None and len(profiles) > limits.max_profiles:
            problems.append(f"{len(profiles)} profiles needed but the charger holds at most "
                            f"{limits.max_profiles}.")
        if problems:
            return ApplyResult(False, [], "Nothing was sent, the charger would refuse it: "
                               + " ".join(problems) + " " + self._installed_words(charger_id),
                               self.installed_ids(charger_id))
        steps: list[StepResult] = []
        failed: StepResult | None = None
        for profile in profiles:
            step = await self._set_profile(charger_id, adapter, profile)
            steps.append(step)
            if not step.status.startswith(ACCEPTED):
                failed = step
                break
        if failed is None:
            for pid in sorted(old - new_ids):
                steps.append(await self._clear_profile(charger_id, adapter, pid))
            entry = self._entry(charger_id)
            entry["hours"] = hours.to_json()
            self._save()
            due = refresh_due(profiles, self.tz)
            text = ("Charging hours installed. " + OFFPEAK_CLOCK_CHANGE_EXPLANATION
                    + (f" Re-apply before {local_time(due, self.tz)}." if due else ""))
            return ApplyResult(True, steps, " ".join([text, *notes]),
                               self.installed_ids(charger_id))
        self._save()
        action = failed.status.split(" ")[0]
        text = (f"The charger refused {failed.detail}: {failed.status}. "
                f"{refusal_advice(action, 'SetChargingProfile')} The hours are NOT fully "
                f"applied. {self._installed_words(charger_id)}")
        return ApplyResult(False, steps, " ".join([text, *notes]), self.installed_ids(charger_id))

    async def remove_hours(self, charger_id: str) -> ApplyResult:
        """The owner removes the default hours: clear the off-peak profiles (not delay/override)."""
        adapter = self.adapter(charger_id)
        ids = [i for i in self.installed_ids(charger_id)
               if i not in NOT_HOURS]
        steps = [await self._clear_profile(charger_id, adapter, i) for i in ids]
        self._entry(charger_id)["hours"] = None
        self._save()
        ok = all(s.status in CLEARED for s in steps)
        text = ("Default charging hours removed: the charger charges at any time."
                if ok else "Some profiles could not be removed. " + self._installed_words(charger_id))
        return ApplyResult(ok, steps, text, self.installed_ids(charger_id))

    async def clear(self, charger_id: str) -> ApplyResult:
        """Everything the studio installed on this charger, in one go."""
        adapter = self.adapter(charger_id)
        steps = [await self._clear_profile(charger_id, adapter, i)
                 for i in self.installed_ids(charger_id)]
        entry = self._entry(charger_id)
        entry["hours"] = None
        entry["csms_delay_s"] = 0
        self._save()
        ok = all(s.status in CLEARED for s in steps)
        text = ("Everything the studio installed was removed." if ok
                else "Some profiles could not be removed. " + self._installed_words(charger_id))
        return ApplyResult(ok, steps, text, self.installed_ids(charger_id))

    async def override(self, charger_id: str, on: bool) -> ApplyResult:
        """Owner override for the running session (app note §2.6: a TxProfile at full power for
        the transaction; it ends with the transaction, 1.6 §3.13.1)."""
        adapter = self.adapter(charger_id)
        if not on:
            step = await self._clear_profile(charger_id, adapter, OVERRIDE_PROFILE_ID)
            self._save()
            return ApplyResult(step.status in CLEARED, [step],
                               "Override ended: the charging hours apply again.",
                               self.installed_ids(charger_id))
        station = self.central.stations.get(charger_id)
        txs = list(station.transactions.values()) if station else []
        if not txs:
            return ApplyResult(False, [], "No charging session is running: start charging "
                               "first, the override is for the current session.",
                               self.installed_ids(charger_id))
        tx = txs[-1]
        evse = str(tx.connector).split("/")[0]
        if not evse.isdigit():
            return ApplyResult(False, [], "The charger has not said which EVSE the session is "
                               "on, so an override for it cannot be addressed; it will say so "
                               "in its next status or transaction message.",
                               self.installed_ids(charger_id))
        limits, _ = await self.limits(charger_id)
        unit = "W" if "W" in limits.allowed_units else "A"
        limit = 22_000.0 if unit == "W" else 96.0
        profile = ChargingProfile(
            profile_id=OVERRIDE_PROFILE_ID, stack_level=min(OVERRIDE_STACK, limits.max_stack_level),
            purpose="TxProfile", kind="Relative", recurrency=None, valid_from_s=None,
            valid_to_s=None, start_schedule_s=None, duration_s=None, rate_unit=unit,
            periods=[SchedulePeriod(0, limit)],
            connector=int(evse), transaction_id=tx.transaction_id)
        problems = validate_profile(profile, limits)
        if problems:
            return ApplyResult(False, [], " ".join(problems), self.installed_ids(charger_id))
        step = await self._set_profile(charger_id, adapter, profile)
        self._save()
        ok = step.status.startswith(ACCEPTED)
        text = ("Override on: this session charges at full power; the charging hours apply "
                "again from the next session." if ok else
                f"The charger refused the override: {step.status}. "
                f"{refusal_advice(step.status.split(' ')[0], 'SetChargingProfile')}")
        return ApplyResult(ok, [step], text, self.installed_ids(charger_id))

    # ------------------------------------------------------------ randomised delay
    async def randomised_delay(self, charger_id: str) -> DelaySupport:
        """App note §2.7: the setting's existence says the charger randomises itself."""
        adapter = self.adapter(charger_id)
        csms = int(self._entry(charger_id).get("csms_delay_s") or 0)
        none = DelaySupport(False, None, csms or None, "csms-profile" if csms else "none")
        try:
            for read in await adapter.read_settings([adapter.randomised_delay_setting]):
                if read.found:
                    return DelaySupport(True, adapter.randomised_delay_setting,
                                        as_int(read.value), "charger")
            return none
        except PROTOCOL_ERRORS:
            return none

    async def set_randomised_delay(self, charger_id: str, seconds: int) -> ApplyResult:
        """0 cancels; 600 s default; at most 1800 s (regulations / app note §2.7)."""
        if not 0 <= int(seconds) <= MAX_DELAY_S:
            return ApplyResult(False, [], f"The randomised delay must be 0-{MAX_DELAY_S} s.",
                               self.installed_ids(charger_id))
        seconds = int(seconds)
        adapter = self.adapter(charger_id)
        support = await self.randomised_delay(charger_id)
        if support.supported:
            request = adapter.write_setting_request(adapter.randomised_delay_setting, str(seconds))
            action = request.action  # ChangeConfiguration / SetVariables
            write = (await adapter.write_settings(
                [(adapter.randomised_delay_setting, str(seconds))], MessageLimits(1)))[0]
            status = f"Error: {write.error}" if write.error is not None else write.status
            ok = write.taken
            steps = [StepResult(action, f"{support.key} = {seconds}", status)]
            # a CSMS-side delay is not needed any more
            if DELAY_PROFILE_ID in self.installed_ids(charger_id):
                steps.append(await self._clear_profile(charger_id, adapter, DELAY_PROFILE_ID))
            self._entry(charger_id)["csms_delay_s"] = 0
            self._save()
            text = ((f"The charger delays each start or change of charging rate by a random "
                     f"time of up to {seconds} s." if seconds else
                     "Randomised delay cancelled on the charger.") if ok else
                    f"The charger refused {support.key} = {seconds}: {status}.")
            return ApplyResult(ok, steps, text, self.installed_ids(charger_id))
        entry = self._entry(charger_id)
        if seconds == 0:
            steps = []
            if DELAY_PROFILE_ID in self.installed_ids(charger_id):
                steps.append(await self._clear_profile(charger_id, adapter, DELAY_PROFILE_ID))
            entry["csms_delay_s"] = 0
            self._save()
            return ApplyResult(all(s.status in CLEARED for s in steps), steps,
                               "Randomised delay cancelled.", self.installed_ids(charger_id))
        entry["csms_delay_s"] = seconds
        step = await self._install_delay_profile(charger_id, adapter, seconds)
        self._save()
        self._listen()
        ok = step.status.startswith(ACCEPTED)
        text = CSMS_DELAY_EXPLANATION.format(s=seconds)
        if not ok:
            text = (f"The charger refused the delay profile: {step.status}. "
                    f"{refusal_advice(step.status.split(' ')[0], 'SetChargingProfile')} " + text)
        return ApplyResult(ok, [step], text, self.installed_ids(charger_id))

    def delay_profile(self, seconds: int, unit: str = "W",
                      rng: random.Random | None = None) -> ChargingProfile:
        """App note §2.7: relative TxDefaultProfile, one zero-power period of random length."""
        delay = (rng or random).randint(1, max(1, seconds))
        return ChargingProfile(
            profile_id=DELAY_PROFILE_ID, stack_level=DELAY_STACK, purpose="TxDefaultProfile",
            kind="Relative", recurrency=None, valid_from_s=None, valid_to_s=None,
            start_schedule_s=None, duration_s=delay, rate_unit=unit,
            periods=[SchedulePeriod(0, 0.0)], connector=0)

    async def _install_delay_profile(self, charger_id: str, adapter: OcppAdapter,
                                     seconds: int) -> StepResult:
        limits, _ = await self.limits(charger_id)
        unit = "W" if "W" in limits.allowed_units else "A"
        profile = self.delay_profile(seconds, unit)
        profile.stack_level = min(DELAY_STACK, limits.max_stack_level)
        return await self._set_profile(charger_id, adapter, profile)

    def _listen(self) -> None:
        """Renew the CSMS-side delay after each session (app note §2.7)."""
        if self._listening:
            return
        self._listening = True
        self.central.station_changed.connect(self._station_changed)

    def _station_changed(self, station: Station) -> None:
        charger = station.charger_id
        now = set(station.transactions)
        before = self._ongoing.get(charger, set())
        self._ongoing[charger] = now
        seconds = int(self._state.get(charger, {}).get("csms_delay_s") or 0)
        if seconds and before - now and charger in self.central.sessions:
            try:
                task = asyncio.get_running_loop().create_task(
                    self._install_delay_profile(charger, self.adapter(charger), seconds))
            except RuntimeError:
                return
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    # ------------------------------------------------------------ status, verify
    async def status(self, charger_id: str) -> OffPeakStatus:
        entry = self._entry(charger_id)
        hours = WeeklyHours.from_json(entry["hours"]) if entry.get("hours") else None
        station = self.central.stations.get(charger_id)
        version = station.version.label if station and station.version else "?"
        delay = None
        if charger_id in self.central.sessions:
            delay = await self.randomised_delay(charger_id)
        words = [self._installed_words(charger_id)]
        offpeak = [p for p in self.installed_profiles(charger_id)
                   if p.profile_id not in (DELAY_PROFILE_ID, OVERRIDE_PROFILE_ID)]
        if hours is not None:
            due = refresh_due(offpeak, self.tz)
            words.append(OFFPEAK_CLOCK_CHANGE_EXPLANATION)
            if due is not None and self._now_s() >= due:
                words.append("The clock has changed twice since the hours were applied: "
                             "apply them again.")
            elif due is not None:
                words.append(f"Re-apply before {local_time(due, self.tz)}.")
        return OffPeakStatus(charger_id, version, hours, self.installed_ids(charger_id), delay,
                             OVERRIDE_PROFILE_ID in self.installed_ids(charger_id), " ".join(words))

    async def verify(self, charger_id: str, days: int = 7) -> Verification:
        """The charger's own GetCompositeSchedule for connector/EVSE 0 and for each
        connector/EVSE against what the studio installed (1.6 §5.7; 2.0.1 K08). An empty,
        missing or negative schedule is no evidence, never a match (rules in verify.py)."""
        profiles = [p for p in self.installed_profiles(charger_id) if p.purpose != "TxProfile"]
        return await verify_schedules(
            self.adapter(charger_id), connectors_of(self.central.stations.get(charger_id)),
            profiles, await self.electrical(charger_id), self._now_s(), days, self.tz)

    # ------------------------------------------------------------ rate unit
    async def electrical(self, charger_id: str, phases: int | None = None,
                         voltage_v: float | None = None) -> Electrical:
        """Phases and nominal voltage for turning amps into watts (rate_unit.read_electrical)."""
        return await read_electrical(self.adapter(charger_id), phases, voltage_v)

    async def rate_for(self, charger_id: str, limit_a: float, phases: int | None = None,
                       voltage_v: float | None = None) -> tuple[RateChoice, list[str]]:
        """How a limit of ``limit_a`` amps goes to this charger: in A when it allows A, else
        converted to W (``RateChoice.words`` says how, for the report). Notes: what could not
        be read."""
        limits, notes = await self.limits(charger_id)
        feed = await self.electrical(charger_id, phases, voltage_v)
        return choose_rate(limit_a, limits.allowed_units, feed), notes

    async def set_site_limit(self, charger_id: str, limit_a: float, phases: int | None = None,
                             voltage_v: float | None = None) -> SiteLimitResult:
        """The installation's maximum as a charger-wide maximum profile (1.6
        ChargePointMaxProfile, 2.x ChargingStationMaxProfile, #SITE_LIMIT_PROFILE_ID), in
        the unit the charger accepts. ``explanation`` says what was sent, and why in W."""
        adapter = self.adapter(charger_id)
        choice, notes = await self.rate_for(charger_id, limit_a, phases, voltage_v)
        profile = ChargingProfile(
            profile_id=SITE_LIMIT_PROFILE_ID, stack_level=0, purpose="ChargePointMaxProfile",
            kind="Absolute", recurrency=None, valid_from_s=None, valid_to_s=None,
            start_schedule_s=float(int(self._now_s())), duration_s=None,
            rate_unit=choice.unit,
            periods=[SchedulePeriod(0, choice.limit, choice.number_phases)], connector=0)
        step = await self._set_profile(charger_id, adapter, profile)
        self._save()
        ok = step.status.startswith(ACCEPTED)
        sent = (f"{limit_a:g} A, {choice.number_phases} phase"
                f"{'s' if choice.number_phases != 1 else ''}")
        if choice.unit == "W":
            sent = f"{limit_a:g} A {choice.words}"
        code = step.status.split(" ")[0]
        missing = code in (Fault.NOT_IMPLEMENTED.value, Fault.NOT_SUPPORTED.value)
        text = (f"Maximum current set: {sent}." if ok else
                (f"The maximum current ({sent}) was not set: the charger answered {code} "
                 "to SetChargingProfile. " if missing else
                 f"The charger refused the maximum current profile ({sent}): {step.status}. ")
                + refusal_advice(code, "SetChargingProfile"))
        return SiteLimitResult(ok, step, choice, " ".join([text, *notes]),
                               self.installed_ids(charger_id))

    async def check_site_limit(self, charger_id: str, limit_a: float, phases: int | None = None,
                               voltage_v: float | None = None) -> tuple[bool | None, str]:
        """Is the installation's maximum in force? From the charger's own schedule now, for
        connector/EVSE 0 and each connector/EVSE (in W, the unit every charger can report):
        (True / False / None no evidence, the words). Rules in verify.site_limit_evidence."""
        feed = await self.electrical(charger_id, phases, voltage_v)
        return await site_limit_evidence(
            self.adapter(charger_id), connectors_of(self.central.stations.get(charger_id)),
            limit_a, feed)
