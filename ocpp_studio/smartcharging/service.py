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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..core.clock import Clock, SystemClock
from ..core.rpc import CallError, CallTimeout, ConnectionClosed, InvalidPayload
from .evaluator import Interval, compare, composite_schedule, from_periods
from .offpeak import (OFFPEAK_CLOCK_CHANGE_EXPLANATION, WeeklyHours, build_profiles,
                      refresh_due)
from .profiles import ChargerLimits, ChargingProfile, SchedulePeriod, parse_time_s, validate_profile

log = logging.getLogger(__name__)

# The studio's own chargingProfileIds. A SetChargingProfile with an id already installed
# replaces that profile (1.6 §5.16 / 2.0.1 K01.FR.05), so each use keeps its own ids.
OFFPEAK_FIRST_ID = 9100  # the off-peak set: 9100-9103 (offpeak.build_profiles)
SITE_LIMIT_PROFILE_ID = 9180  # commissioning: the installation's maximum (ChargePointMax)
DELAY_PROFILE_ID = 9190
OVERRIDE_PROFILE_ID = 9195
DELAY_STACK = 5  # above the off-peak sets (1-4), app note §2.7 "higher stack level (e.g. 3)"
OVERRIDE_STACK = 6
DEFAULT_DELAY_S = 600
MAX_DELAY_S = 1800
PROTOCOL_ERRORS = (CallError, CallTimeout, ConnectionClosed, InvalidPayload)

CSMS_DELAY_EXPLANATION = (
    "This charger has no RandomisedDelay setting, so the studio adds the delay itself (OCA app "
    "note §2.7): a TxDefaultProfile that holds the next session at 0 W for a random time of up "
    "to {s} s, then hands over to the charging hours. Limits: it only works while this studio "
    "is the charger's central system and is running (it installs a new random delay after each "
    "session); it delays the start of a session only, not later changes of charging rate; "
    "some cars do not like 0 W at the start of a session.")


@dataclass
class StepResult:
    action: str
    detail: str
    status: str


@dataclass
class ApplyResult:
    ok: bool
    steps: list[StepResult]
    explanation: str
    installed: list[int]


@dataclass
class DelaySupport:
    supported: bool
    key: str | None
    value_s: int | None
    method: str  # "charger" | "csms-profile" | "none"


@dataclass
class Verification:
    intended: list[Interval]
    charger: list[Interval]
    differences: list[Interval]
    notes: list[str] = field(default_factory=list)


@dataclass
class OffPeakStatus:
    charger: str
    version: str
    hours: WeeklyHours | None
    installed: list[int]
    delay: DelaySupport | None
    override_active: bool
    explanation: str


def _default_state_path() -> Path:
    from ..settings import user_data_dir
    return user_data_dir() / "smart-charging.json"


def _refusal_advice(status: str, action: str) -> str:
    if status == "NotImplemented" or status == "NotSupported":
        return (f"The charger does not implement {action} (smart charging missing or switched "
                "off). Check SupportedFeatureProfiles / SmartChargingCtrlr.Enabled, or ask the "
                "manufacturer for firmware with smart charging.")
    if status == "Rejected":
        return (f"The charger refused {action}. Check its limits (stack level, number of "
                "periods, rate unit, number of profiles) in the configuration editor, or try "
                "fewer changes per day.")
    return f"{action}: {status}."


class SmartChargingService:
    """What the studio installed, per charger, and the operations on it."""

    def __init__(self, central: Any, configuration: Any = None,
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
            payload = item["payload"]
            out.append(ChargingProfile.from_ocpp201(payload) if item.get("version") == "2.0.1"
                       else ChargingProfile.from_ocpp16(payload))
        return out

    def _remember(self, charger_id: str, version: str, profile: ChargingProfile) -> None:
        # kept as the request that was accepted, numbers as plain JSON
        data = json.loads(json.dumps(profile.to_request(version), default=float))
        self._entry(charger_id)["profiles"][str(profile.profile_id)] = {"version": version,
                                                                        "payload": data}

    def _forget(self, charger_id: str, profile_id: int) -> None:
        self._entry(charger_id)["profiles"].pop(str(profile_id), None)

    # ------------------------------------------------------------ protocol
    def version(self, charger_id: str) -> str:
        return self.central.version_of(charger_id).label

    async def _call(self, charger_id: str, action: str, payload: dict[str, Any]) -> Any:
        return await self.central.call(charger_id, action, payload, self.call_timeout)

    async def limits(self, charger_id: str) -> tuple[ChargerLimits, list[str]]:
        """The charger's smart-charging limits (1.6 §9.4 keys; 2.0.1 SmartChargingCtrlr)."""
        limits, notes = ChargerLimits(), []
        try:
            if self.version(charger_id) == "1.6":
                reply = await self._call(charger_id, "GetConfiguration", {"key": [
                    "ChargeProfileMaxStackLevel", "ChargingScheduleMaxPeriods",
                    "ChargingScheduleAllowedChargingRateUnit", "MaxChargingProfilesInstalled"]})
                values = {k["key"]: k.get("value") for k in reply.get("configurationKey", [])}
                names = {"stack": "ChargeProfileMaxStackLevel",
                         "periods": "ChargingScheduleMaxPeriods",
                         "units": "ChargingScheduleAllowedChargingRateUnit",
                         "profiles": "MaxChargingProfilesInstalled"}
            else:
                names = {"stack": "ProfileStackLevel", "periods": "PeriodsPerSchedule",
                         "units": "RateUnit", "profiles": "Entries"}
                reply = await self._call(charger_id, "GetVariables", {"getVariableData": [
                    {"component": {"name": "SmartChargingCtrlr"}, "variable": {"name": n}}
                    for n in names.values()]})
                values = {r["variable"]["name"]: r.get("attributeValue")
                          for r in reply.get("getVariableResult", [])
                          if r.get("attributeStatus") == "Accepted"}
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

    async def _set_profile(self, charger_id: str, version: str,
                           profile: ChargingProfile) -> StepResult:
        try:
            reply = await self._call(charger_id, "SetChargingProfile", profile.to_request(version))
            status = str(reply.get("status", "?"))
            info = reply.get("statusInfo") or {}
            if info.get("additionalInfo") or info.get("reasonCode"):
                status += f" ({info.get('reasonCode', '')}: {info.get('additionalInfo', '')})"
        except CallError as exc:
            code = _code(exc)
            status = code if code == "NotImplemented" else f"CallError {code}"
        except PROTOCOL_ERRORS as exc:
            status = f"NotSent: {exc}"
        if status.startswith("Accepted"):
            self._remember(charger_id, version, profile)
        return StepResult("SetChargingProfile", profile.describe(), status)

    async def _clear_profile(self, charger_id: str, version: str, profile_id: int) -> StepResult:
        payload = {"id": profile_id} if version == "1.6" else {"chargingProfileId": profile_id}
        try:
            reply = await self._call(charger_id, "ClearChargingProfile", payload)
            status = str(reply.get("status", "?"))
        except CallError as exc:
            status = f"CallError {_code(exc)}"
        except PROTOCOL_ERRORS as exc:
            status = f"NotSent: {exc}"
        if status in ("Accepted", "Unknown"):  # Unknown: the charger no longer has it
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
        version = self.version(charger_id)
        limits, notes = await self.limits(charger_id)
        unit = "W" if "W" in limits.allowed_units else "A"
        profiles = build_profiles(hours, self._now_s(), self.tz,
                                  max_power_w=max_power_w or 22_000.0, rate_unit=unit,
                                  first_id=OFFPEAK_FIRST_ID)
        problems = [f"{p.describe()}: {msg}" for p in profiles
                    for msg in validate_profile(p, limits)]
        old = set(self.installed_ids(charger_id)) - {DELAY_PROFILE_ID, OVERRIDE_PROFILE_ID}
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
            step = await self._set_profile(charger_id, version, profile)
            steps.append(step)
            if not step.status.startswith("Accepted"):
                failed = step
                break
        if failed is None:
            for pid in sorted(old - new_ids):
                steps.append(await self._clear_profile(charger_id, version, pid))
            entry = self._entry(charger_id)
            entry["hours"] = hours.to_json()
            self._save()
            due = refresh_due(profiles, self.tz)
            text = ("Charging hours installed. " + OFFPEAK_CLOCK_CHANGE_EXPLANATION
                    + (f" Re-apply before {_local(due, self.tz)}." if due else ""))
            return ApplyResult(True, steps, " ".join([text, *notes]),
                               self.installed_ids(charger_id))
        self._save()
        action = failed.status.split(" ")[0]
        text = (f"The charger refused {failed.detail}: {failed.status}. "
                f"{_refusal_advice(action, 'SetChargingProfile')} The hours are NOT fully "
                f"applied. {self._installed_words(charger_id)}")
        return ApplyResult(False, steps, " ".join([text, *notes]), self.installed_ids(charger_id))

    async def remove_hours(self, charger_id: str) -> ApplyResult:
        """The owner removes the default hours: clear the off-peak profiles (not delay/override)."""
        version = self.version(charger_id)
        ids = [i for i in self.installed_ids(charger_id)
               if i not in (DELAY_PROFILE_ID, OVERRIDE_PROFILE_ID)]
        steps = [await self._clear_profile(charger_id, version, i) for i in ids]
        self._entry(charger_id)["hours"] = None
        self._save()
        ok = all(s.status in ("Accepted", "Unknown") for s in steps)
        text = ("Default charging hours removed: the charger charges at any time."
                if ok else "Some profiles could not be removed. " + self._installed_words(charger_id))
        return ApplyResult(ok, steps, text, self.installed_ids(charger_id))

    async def clear(self, charger_id: str) -> ApplyResult:
        """Everything the studio installed on this charger, in one go."""
        version = self.version(charger_id)
        steps = [await self._clear_profile(charger_id, version, i)
                 for i in self.installed_ids(charger_id)]
        entry = self._entry(charger_id)
        entry["hours"] = None
        entry["csms_delay_s"] = 0
        self._save()
        ok = all(s.status in ("Accepted", "Unknown") for s in steps)
        text = ("Everything the studio installed was removed." if ok
                else "Some profiles could not be removed. " + self._installed_words(charger_id))
        return ApplyResult(ok, steps, text, self.installed_ids(charger_id))

    async def override(self, charger_id: str, on: bool) -> ApplyResult:
        """Owner override for the running session (app note §2.6: a TxProfile at full power for
        the transaction; it ends with the transaction, 1.6 §3.13.1)."""
        version = self.version(charger_id)
        if not on:
            step = await self._clear_profile(charger_id, version, OVERRIDE_PROFILE_ID)
            self._save()
            return ApplyResult(step.status in ("Accepted", "Unknown"), [step],
                               "Override ended: the charging hours apply again.",
                               self.installed_ids(charger_id))
        station = self.central.stations.get(charger_id)
        txs = list(station.transactions.values()) if station else []
        if not txs:
            return ApplyResult(False, [], "No charging session is running: start charging "
                               "first, the override is for the current session.",
                               self.installed_ids(charger_id))
        tx = txs[-1]
        limits, _ = await self.limits(charger_id)
        unit = "W" if "W" in limits.allowed_units else "A"
        limit = 22_000.0 if unit == "W" else 96.0
        profile = ChargingProfile(
            profile_id=OVERRIDE_PROFILE_ID, stack_level=min(OVERRIDE_STACK, limits.max_stack_level),
            purpose="TxProfile", kind="Relative", recurrency=None, valid_from_s=None,
            valid_to_s=None, start_schedule_s=None, duration_s=None, rate_unit=unit,
            periods=[SchedulePeriod(0, limit)],
            connector=int(str(tx.connector).split("/")[0]), transaction_id=tx.transaction_id)
        problems = validate_profile(profile, limits)
        if problems:
            return ApplyResult(False, [], " ".join(problems), self.installed_ids(charger_id))
        step = await self._set_profile(charger_id, version, profile)
        self._save()
        ok = step.status.startswith("Accepted")
        text = ("Override on: this session charges at full power; the charging hours apply "
                "again from the next session." if ok else
                f"The charger refused the override: {step.status}. "
                f"{_refusal_advice(step.status.split(' ')[0], 'SetChargingProfile')}")
        return ApplyResult(ok, [step], text, self.installed_ids(charger_id))

    # ------------------------------------------------------------ randomised delay
    async def randomised_delay(self, charger_id: str) -> DelaySupport:
        """App note §2.7: the setting's existence says the charger randomises itself."""
        version = self.version(charger_id)
        csms = int(self._entry(charger_id).get("csms_delay_s") or 0)
        none = DelaySupport(False, None, csms or None, "csms-profile" if csms else "none")
        try:
            if version == "1.6":
                reply = await self._call(charger_id, "GetConfiguration",
                                         {"key": ["RandomisedDelay"]})
                for item in reply.get("configurationKey", []):
                    if item.get("key") == "RandomisedDelay":
                        return DelaySupport(True, "RandomisedDelay", _int(item.get("value")),
                                            "charger")
                return none
            reply = await self._call(charger_id, "GetVariables", {"getVariableData": [
                {"component": {"name": "SmartChargingCtrlr"},
                 "variable": {"name": "RandomisedDelay"}}]})
            for r in reply.get("getVariableResult", []):
                if r.get("attributeStatus") == "Accepted":
                    return DelaySupport(True, "SmartChargingCtrlr.RandomisedDelay",
                                        _int(r.get("attributeValue")), "charger")
            return none
        except PROTOCOL_ERRORS:
            return none

    async def set_randomised_delay(self, charger_id: str, seconds: int) -> ApplyResult:
        """0 cancels; 600 s default; at most 1800 s (regulations / app note §2.7)."""
        if not 0 <= int(seconds) <= MAX_DELAY_S:
            return ApplyResult(False, [], f"The randomised delay must be 0-{MAX_DELAY_S} s.",
                               self.installed_ids(charger_id))
        seconds = int(seconds)
        version = self.version(charger_id)
        support = await self.randomised_delay(charger_id)
        if support.supported:
            if version == "1.6":
                action = "ChangeConfiguration"
                try:
                    reply = await self._call(charger_id, action,
                                             {"key": "RandomisedDelay", "value": str(seconds)})
                    status = str(reply.get("status"))
                except PROTOCOL_ERRORS as exc:
                    status = f"Error: {exc}"
            else:
                action = "SetVariables"
                try:
                    reply = await self._call(charger_id, action, {"setVariableData": [
                        {"component": {"name": "SmartChargingCtrlr"},
                         "variable": {"name": "RandomisedDelay"},
                         "attributeValue": str(seconds)}]})
                    status = str(reply["setVariableResult"][0].get("attributeStatus"))
                except (*PROTOCOL_ERRORS, KeyError, IndexError) as exc:
                    status = f"Error: {exc}"
            ok = status in ("Accepted", "RebootRequired")
            steps = [StepResult(action, f"{support.key} = {seconds}", status)]
            # a CSMS-side delay is not needed any more
            if DELAY_PROFILE_ID in self.installed_ids(charger_id):
                steps.append(await self._clear_profile(charger_id, version, DELAY_PROFILE_ID))
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
                steps.append(await self._clear_profile(charger_id, version, DELAY_PROFILE_ID))
            entry["csms_delay_s"] = 0
            self._save()
            return ApplyResult(all(s.status in ("Accepted", "Unknown") for s in steps), steps,
                               "Randomised delay cancelled.", self.installed_ids(charger_id))
        entry["csms_delay_s"] = seconds
        step = await self._install_delay_profile(charger_id, version, seconds)
        self._save()
        self._listen()
        ok = step.status.startswith("Accepted")
        text = CSMS_DELAY_EXPLANATION.format(s=seconds)
        if not ok:
            text = (f"The charger refused the delay profile: {step.status}. "
                    f"{_refusal_advice(step.status.split(' ')[0], 'SetChargingProfile')} " + text)
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

    async def _install_delay_profile(self, charger_id: str, version: str,
                                     seconds: int) -> StepResult:
        limits, _ = await self.limits(charger_id)
        unit = "W" if "W" in limits.allowed_units else "A"
        profile = self.delay_profile(seconds, unit)
        profile.stack_level = min(DELAY_STACK, limits.max_stack_level)
        return await self._set_profile(charger_id, version, profile)

    def _listen(self) -> None:
        """Renew the CSMS-side delay after each session (app note §2.7)."""
        if self._listening:
            return
        self._listening = True
        self.central.station_changed.connect(self._station_changed)

    def _station_changed(self, station: Any) -> None:
        charger = station.charger_id
        now = set(station.transactions)
        before = self._ongoing.get(charger, set())
        self._ongoing[charger] = now
        seconds = int(self._state.get(charger, {}).get("csms_delay_s") or 0)
        if seconds and before - now and charger in self.central.sessions:
            try:
                version = self.version(charger)
                task = asyncio.get_running_loop().create_task(
                    self._install_delay_profile(charger, version, seconds))
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
                words.append(f"Re-apply before {_local(due, self.tz)}.")
        return OffPeakStatus(charger_id, version, hours, self.installed_ids(charger_id), delay,
                             OVERRIDE_PROFILE_ID in self.installed_ids(charger_id), " ".join(words))

    async def verify(self, charger_id: str, days: int = 7) -> Verification:
        """The charger's GetCompositeSchedule for connector/EVSE 0 against what the studio
        installed (1.6 §5.7; 2.0.1 K08). Only limits up to the charger's own maximum are
        compared: the charger reports its hardware limit where no profile limits it."""
        version = self.version(charger_id)
        notes: list[str] = []
        intended_profiles = [p for p in self.installed_profiles(charger_id)
                             if p.purpose != "TxProfile"]
        reply = None
        for duration in dict.fromkeys((days * 86_400, 86_400)):
            payload = ({"connectorId": 0, "duration": duration, "chargingRateUnit": "W"}
                       if version == "1.6" else
                       {"evseId": 0, "duration": duration, "chargingRateUnit": "W"})
            try:
                answer = await self._call(charger_id, "GetCompositeSchedule", payload)
            except CallError as exc:
                notes.append(f"GetCompositeSchedule: {_code(exc)}. "
                             + _refusal_advice(_code(exc), "GetCompositeSchedule"))
                break
            if answer.get("status") == "Accepted":
                reply = answer
                if duration != days * 86_400:
                    notes.append("The charger only gave its schedule for the next 24 hours.")
                break
            notes.append(f"GetCompositeSchedule for {duration // 3600} h: {answer.get('status')}")
        now = self._now_s()
        if reply is None:
            intended = composite_schedule(intended_profiles, now, now + days * 86_400, self.tz)
            notes.append("The charger's own schedule could not be read; only the intended one "
                         "is shown.")
            return Verification(intended, [], [], notes)
        schedule = reply.get("chargingSchedule") if version == "1.6" else reply.get("schedule")
        start = parse_time_s(reply.get("scheduleStart") or schedule.get("startSchedule")
                             or schedule.get("scheduleStart")) or now
        duration = int(schedule.get("duration") or days * 86_400)
        charger = from_periods(start, duration,
                               [(float(p["startPeriod"]), float(p["limit"]))
                                for p in schedule.get("chargingSchedulePeriod", [])],
                               schedule.get("chargingRateUnit", "W"))
        intended = composite_schedule(intended_profiles, start, start + duration, self.tz)
        known = [iv.limit_w for iv in charger if iv.limit_w is not None]
        cap = max(known) if known else None

        def capped(ivs: list[Interval]) -> list[Interval]:
            if cap is None:
                return ivs
            return [Interval(iv.start_s, iv.end_s,
                             cap if iv.limit_w is None else min(iv.limit_w, cap)) for iv in ivs]

        differences = compare(capped(intended), capped(charger))
        if cap is not None:
            notes.append(f"Limits compared up to the charger's maximum of {cap:.0f} W.")
        if differences:
            notes.append(f"The charger's schedule differs from the intended one in "
                         f"{len(differences)} place(s).")
        return Verification(intended, charger, differences, notes)


def _code(exc: CallError) -> str:
    return str(getattr(exc.code, "value", exc.code))


def _int(value: Any) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def _local(seconds: float, tz: str) -> str:
    from datetime import datetime
    from zoneinfo import ZoneInfo
    return datetime.fromtimestamp(seconds, ZoneInfo(tz)).strftime("%a %d %b %Y %H:%M %Z")
