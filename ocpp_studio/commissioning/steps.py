"""The standard commissioning flow (issue 7): each step says what it will do, does it,
verifies the result on the charger and records the evidence."""

from __future__ import annotations

import asyncio
import json
import secrets
import string
import time
from decimal import Decimal
from datetime import datetime
from typing import Any

import numpy as np

from ..core.records import Direction, now_us
from ..core.rpc import CallError, CallTimeout
from ..smartcharging.service import SITE_LIMIT_PROFILE_ID
from ..station.refusals import advice_for
from .engine import CommissioningContext, Evidence, StepFailed, StepRecord, StepStatus

OK = ("Accepted", "RebootRequired")
PASSWORD_ALPHABET = string.ascii_letters + string.digits
TEST_ID_TAG = "COMMISSIONING"


def generate_password(length: int = 24) -> str:
    """A unique basic-auth password: 16-40 random letters and digits (OCPP security
    whitepaper; UK Smart Charge Points Regulations)."""
    if not 16 <= length <= 40:
        raise ValueError("the password must be 16-40 characters")
    return "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(length))


def _key(ctx: CommissioningContext, v16: str, v201: str) -> str:
    return v16 if ctx.version == "1.6" else v201


def _parse_time(text: Any) -> float | None:
    if not isinstance(text, str):
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


class BaseStep:
    step_id = "step"
    title = "Step"
    description = ""
    needs_connection = True

    def __init__(self, **options: Any) -> None:
        for name, value in options.items():
            if not hasattr(self, name):
                raise TypeError(f"{type(self).__name__} has no option {name!r}")
            setattr(self, name, value)

    def record(self, status: StepStatus, summary: str, evidence: list[Evidence],
               error: str | None = None) -> StepRecord:
        return StepRecord(self.step_id, self.title, status, summary, evidence, error=error)

    def passed(self, summary: str, evidence: list[Evidence]) -> StepRecord:
        return self.record(StepStatus.PASSED, summary, evidence)

    def failed(self, summary: str, evidence: list[Evidence]) -> StepRecord:
        return self.record(StepStatus.FAILED, summary, evidence, error=summary)

    async def run(self, ctx: CommissioningContext) -> StepRecord:  # pragma: no cover
        raise NotImplementedError


# ---------------------------------------------------------------- 1 connect
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
        if ctx.version == "1.6":
            value = snapshot.value("SupportedFeatureProfiles")
            features = [f.strip() for f in (value or "").split(",") if f.strip()]
            label = "Supported feature profiles"
        else:
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


# ---------------------------------------------------------------- 3 clock
class ClockStep(BaseStep):
    step_id = "clock"
    title = "Clock and heartbeat"
    description = ("Compares the charger's clock with the laptop's and sets how often the "
                   "charger sends a heartbeat.")
    max_offset_s = 60.0

    def _charger_clock(self, ctx: CommissioningContext) -> tuple[float, float] | None:
        """(charger time, laptop time) of the newest charger frame carrying a timestamp."""
        frames = ctx.studio.store.frames(charger=ctx.charger_id, direction=Direction.TO_CSMS,
                                         newest_first=True, limit=200)
        for frame in frames:
            try:
                msg = json.loads(frame.raw)
            except ValueError:
                continue
            if not isinstance(msg, list) or len(msg) < 4 or not isinstance(msg[3], dict):
                continue
            payload = msg[3]
            stamp = payload.get("timestamp")
            if stamp is None and payload.get("meterValue"):
                stamp = (payload["meterValue"][-1] or {}).get("timestamp")
            charger_s = _parse_time(stamp)
            if charger_s is not None:
                return charger_s, frame.ts_us / 1e6
        return None

    async def run(self, ctx: CommissioningContext) -> StepRecord:
        evidence: list[Evidence] = []
        seen = self._charger_clock(ctx)
        if seen is None:
            try:  # a StatusNotification carries the charger's time
                await ctx.call("TriggerMessage", {"requestedMessage": "StatusNotification"}
                               if ctx.version == "1.6" else
                               {"requestedMessage": "StatusNotification",
                                "evse": {"id": 1, "connectorId": 1}}, timeout=10)
                await asyncio.sleep(0.5)
            except (CallError, CallTimeout):
                pass
            seen = self._charger_clock(ctx)
        notes = []
        if seen is None:
            evidence.append(Evidence("Clock offset", "not measurable",
                                     "The charger sent no message with its time."))
            clock_ok = True
        else:
            offset = seen[0] - seen[1]
            ctx.data["clock_offset_s"] = round(offset, 1)
            clock_ok = abs(offset) <= self.max_offset_s
            evidence.append(Evidence("Clock offset", f"{offset:+.1f} s",
                                     "charger time minus laptop time"))
            if not clock_ok:
                notes.append(f"The charger's clock is {offset:+.0f} s off. Off-peak hours depend "
                             "on it: set its time source (NTP) or check the time zone.")
        key = _key(ctx, "HeartbeatInterval", "OCPPCommCtrlr.HeartbeatInterval")
        value = str(ctx.profile.heartbeat_interval_s)
        [result] = await ctx.write_settings({key: value})
        evidence.append(Evidence(key, value, result.status))
        if not result.ok:
            raise StepFailed(f"The charger refused {key}={value} ({result.status}"
                             f"{': ' + result.detail if result.detail else ''}). Check the "
                             "value is allowed by the charger, or set it on the charger's own "
                             "web page.", evidence)
        after = await ctx.studio.configuration.refresh(ctx.charger_id, [key])
        readback = after.value(key)
        if readback is not None and readback != value:
            # A charger that just booted applies the interval of our BootNotification answer,
            # possibly after our write: write once more.
            await asyncio.sleep(1.0)
            await ctx.studio.configuration.write(ctx.charger_id, {key: value})
            readback = (await ctx.studio.configuration.refresh(ctx.charger_id, [key])).value(key)
        evidence.append(Evidence("Read back", str(readback)))
        if readback is not None and readback != value and result.status == "Accepted":
            raise StepFailed(f"The charger accepted {key}={value} but reports {readback}.",
                             evidence)
        if not clock_ok:
            return self.failed(" ".join(notes), evidence)
        return self.passed(f"Clock checked; heartbeat every {value} s.", evidence)


# ---------------------------------------------------------------- 4 site limit
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
        answer = await ctx.call("SetChargingProfile", payload)
        status = str(answer.get("status"))
        ctx.settings_changed.append((purpose, None, f"{amps:g} A, {phases} phase(s)", status))
        ctx.data["site"] = {"max_current_a": amps, "phases": phases}
        evidence = [Evidence(purpose, f"{amps:g} A x {phases} phase(s)", status)]
        if status != "Accepted":
            raise StepFailed(f"The charger refused the maximum current profile ({status}). "
                             "Check that smart charging is enabled, or set the maximum current "
                             "on the charger itself (DIP switches or its web page).", evidence)
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


# ---------------------------------------------------------------- transactions
def _power_series(ctx: CommissioningContext) -> list[Any]:
    metering = ctx.studio.metering
    return [s for c in metering.connectors(ctx.charger_id)
            if c not in ("0",) and (s := metering.power(ctx.charger_id, c)) is not None]


async def start_charge(ctx: CommissioningContext, timeout: float = 20.0) -> Any:
    """Remote start on connector/EVSE 1; returns the studio's Transaction."""
    station = ctx.station
    before = set(station.transactions)
    if ctx.version == "1.6":
        answer = await ctx.call("RemoteStartTransaction", {"connectorId": 1, "idTag": TEST_ID_TAG})
    else:
        answer = await ctx.call("RequestStartTransaction", {
            "evseId": 1, "remoteStartId": int(time.time()) % 1_000_000,
            "idToken": {"idToken": TEST_ID_TAG, "type": "Central"}})
    if answer.get("status") != "Accepted":
        raise StepFailed(f"The charger refused to start charging remotely "
                         f"({answer.get('status')}). Check that a car is plugged in, the "
                         "charger is available, and remote start is allowed.")
    deadline = time.monotonic() + timeout
    while True:
        new = [t for k, t in station.transactions.items() if k not in before]
        if new:
            return new[-1]
        if time.monotonic() > deadline:
            raise StepFailed("The charger accepted the remote start but no charging session "
                             f"began within {timeout:.0f} s (is a car plugged in?).")
        await asyncio.sleep(0.05)


async def stop_charge(ctx: CommissioningContext, tx: Any, timeout: float = 20.0) -> Any:
    if ctx.version == "1.6":
        answer = await ctx.call("RemoteStopTransaction", {"transactionId": int(tx.transaction_id)})
    else:
        answer = await ctx.call("RequestStopTransaction", {"transactionId": tx.transaction_id})
    if answer.get("status") != "Accepted":
        raise StepFailed(f"The charger refused to stop the session ({answer.get('status')}); "
                         "stop it on the charger or unplug the car.")
    deadline = time.monotonic() + timeout
    station = ctx.station
    while tx.transaction_id in station.transactions:
        if time.monotonic() > deadline:
            raise StepFailed("The charger accepted the stop but the session did not end within "
                             f"{timeout:.0f} s.")
        await asyncio.sleep(0.05)
    for done in reversed(station.finished_transactions):
        if done.transaction_id == tx.transaction_id:
            return done
    return tx


def running_session(ctx: CommissioningContext) -> Any | None:
    """The session already running on connector (1.6) or EVSE (2.0.1) 1, if any."""
    for tx in ctx.station.transactions.values():
        if str(tx.connector).split("/")[0] == "1":
            return tx
    return None


def _samples_since(ctx: CommissioningContext, since_s: float) -> tuple[np.ndarray, np.ndarray]:
    best = (np.array([]), np.array([]))
    for series in _power_series(ctx):
        ts, values = series.arrays(since_s=since_s)
        if len(ts) > len(best[0]):
            best = (np.asarray(ts), np.asarray(values))
    return best


# ---------------------------------------------------------------- 5 metering
class MeteringStep(BaseStep):
    step_id = "metering"
    title = "Metering"
    description = ("Checks that the charger reports power, switches it to 1-second reporting, "
                   "measures the actual cadence over about ten samples, then restores the chosen "
                   "interval.")
    samples = 10

    async def run(self, ctx: CommissioningContext) -> StepRecord:
        evidence: list[Evidence] = []
        result = await ctx.studio.one_second.enable(ctx.charger_id)
        for change in result.changes:
            ctx.settings_changed.append((change.key, change.before, change.after, change.status))
        evidence.append(Evidence("1-second mode", "on" if result.ok else "refused",
                                 result.explanation))
        if not result.ok:
            raise StepFailed("The charger cannot report every second: " + result.explanation,
                             evidence)
        station = ctx.station
        tx = None
        if not station.transactions:
            tx = await start_charge(ctx)
            evidence.append(Evidence("Measurement session", tx.transaction_id,
                                     "started remotely to make the charger send meter values"))
        since = ctx.clock.now().timestamp()
        deadline = time.monotonic() + self.samples * 3 + 15
        try:
            while True:
                ts, values = _samples_since(ctx, since)
                if len(ts) >= self.samples:
                    break
                if time.monotonic() > deadline:
                    break
                await asyncio.sleep(0.1)
        finally:
            if tx is not None:
                await stop_charge(ctx, tx)
            restore = await self._restore(ctx)
            evidence.extend(restore)
        if len(ts) < 2:
            raise StepFailed("The charger did not report power during the measurement: check "
                             "MeterValuesSampledData / TxUpdatedMeasurands include "
                             "Power.Active.Import.", evidence)
        intervals = np.diff(ts)
        mean, jitter = float(intervals.mean()), float(intervals.std())
        ctx.data["cadence"] = {"mean_s": round(mean, 3), "jitter_s": round(jitter, 3),
                               "samples": int(len(ts))}
        evidence += [Evidence("Samples measured", str(len(ts))),
                     Evidence("Mean interval", f"{mean:.2f} s"),
                     Evidence("Jitter", f"{jitter:.2f} s", "standard deviation of the intervals"),
                     Evidence("Power reported", f"{float(np.max(values)):.0f} W peak")]
        if mean > 1.5:
            raise StepFailed(f"Asked for 1-second reporting but the charger reports every "
                             f"{mean:.1f} s.", evidence)
        return self.passed(f"The charger reports power every {mean:.2f} s "
                           f"(jitter {jitter:.2f} s) in 1-second mode; reporting interval "
                           f"restored to {ctx.profile.meter_interval_s} s.", evidence)

    async def _restore(self, ctx: CommissioningContext) -> list[Evidence]:
        result = await ctx.studio.one_second.disable(ctx.charger_id)
        out = [Evidence("1-second mode off", "restored" if result.ok else "not restored",
                        result.explanation)]
        key = _key(ctx, "MeterValueSampleInterval", "SampledDataCtrlr.TxUpdatedInterval")
        value = str(ctx.profile.meter_interval_s)
        [write] = await ctx.write_settings({key: value})
        out.append(Evidence(key, value, write.status))
        return out


# ---------------------------------------------------------------- 6 off-peak
class OffPeakStep(BaseStep):
    step_id = "offpeak"
    title = "UK off-peak hours and randomised delay"
    description = ("Installs the default charging hours outside the UK peaks (or the owner's "
                   "choice: none, or their own hours), sets the randomised delay, and checks "
                   "the charger's schedule.")

    async def run(self, ctx: CommissioningContext) -> StepRecord:
        from ..smartcharging.offpeak import WeeklyHours
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


# ---------------------------------------------------------------- 7 security
class SecurityStep(BaseStep):
    step_id = "security"
    title = "Security"
    description = ("Generates a unique password of random letters and digits for the charger's "
                   "connection to the operator, shows it once, and records the security profile "
                   "chosen for the production connection.")
    password_length = 24

    async def run(self, ctx: CommissioningContext) -> StepRecord:
        password = ctx.choices.get("password")
        if not (isinstance(password, str) and 16 <= len(password) <= 40 and password.isalnum()):
            password = generate_password(self.password_length)
            ctx.choices["password"] = password
        profile = int(ctx.choices.get("security_profile", ctx.profile.security_profile))
        evidence = [Evidence("Password (shown once)", password, "secret"),
                    Evidence("Password length", str(len(password)),
                             "random letters and digits (Python secrets)"),
                    Evidence("Security profile for production", str(profile),
                             {0: "no security (not for production)",
                              1: "basic auth over ws:// (not encrypted)",
                              2: "TLS + basic auth", 3: "TLS + client certificate"}[profile])]
        written = "not written"
        if ctx.choices.get("write_password"):
            # Written now only when the installer asks for it: normally the password goes to
            # the charger at hand-over, together with the production URL that needs it.
            written = await write_password(ctx, password, evidence)
        security_log = ctx.studio.store.frames(charger=ctx.charger_id,
                                               action="SecurityEventNotification", limit=1)
        ctx.data["security"] = {"profile": profile, "password_length": len(password),
                                "password_written": written,
                                "security_log_seen": bool(security_log)}
        evidence.append(Evidence("Security log", "SecurityEventNotification seen"
                                 if security_log else "none seen yet"))
        where = (" and written to the charger" if written in OK else
                 "; it is written to the charger at hand-over, with the production URL")
        return self.passed(f"A {len(password)}-character password was generated{where}; "
                           f"security profile {profile} chosen for production.", evidence)


async def write_password(ctx: CommissioningContext, password: str,
                         evidence: list[Evidence]) -> str:
    """Write the basic-auth password (1.6 security whitepaper AuthorizationKey, 2.0.1
    SecurityCtrlr.BasicAuthPassword); raise StepFailed when the charger refuses it."""
    key = _key(ctx, "AuthorizationKey", "SecurityCtrlr.BasicAuthPassword")
    [result] = await ctx.write_settings({key: password}, confirm_dangerous=True, secret=True)
    evidence.append(Evidence(key, "(hidden)", result.status))
    if not result.ok:
        raise StepFailed(f"The charger refused the new password ({result.status}"
                         f"{': ' + result.detail if result.detail else ''}).", evidence)
    security = ctx.data.setdefault("security", {})
    security["password_written"] = result.status
    return result.status


def password_pending(ctx: CommissioningContext) -> str | None:
    """The generated password when the charger does not have it yet."""
    password = ctx.choices.get("password")
    written = (ctx.data.get("security") or {}).get("password_written")
    return password if isinstance(password, str) and written not in OK else None


# ---------------------------------------------------------------- 8 test charge
class TestChargeStep(BaseStep):
    __test__ = False  # not a pytest class
    step_id = "test_charge"
    title = "Test charge"
    description = ("Starts charging remotely, watches the power, stops after the test time and "
                   "records the energy and duration.")
    power_timeout_s = 30.0

    async def run(self, ctx: CommissioningContext) -> StepRecord:
        seconds = float(ctx.choices.get("test_charge_seconds", ctx.profile.test_charge_seconds))
        # watch power every second during the test; the chosen interval is restored after
        fast = await ctx.studio.one_second.enable(ctx.charger_id)
        try:
            return await self._charge(ctx, seconds)
        finally:
            if fast.ok:
                await ctx.studio.one_second.disable(ctx.charger_id)

    async def _charge(self, ctx: CommissioningContext, seconds: float) -> StepRecord:
        # A car plugged in on a free-vend charger starts by itself: a remote start would be
        # refused, so the running session is the test (it is stopped remotely at the end).
        running = running_session(ctx)
        tx = running or await start_charge(ctx)
        started = ctx.clock.now().timestamp()
        started_mono = time.monotonic()  # the duration must not depend on a set clock
        evidence = [Evidence("Session", tx.transaction_id,
                             "already running; used for the test" if running
                             else "started remotely")]
        override = await ctx.studio.smart_charging.override(ctx.charger_id, True)
        evidence.append(Evidence("Charging hours override", "on" if override.ok else "not set",
                                 "so the test charges during peak hours too"))
        peak = 0.0
        try:
            deadline = time.monotonic() + self.power_timeout_s
            while True:
                ts, values = _samples_since(ctx, started)
                if len(values) and float(values.max()) > 0:
                    break
                if time.monotonic() > deadline:
                    raise StepFailed(f"The session started but the charger reported no power "
                                     f"within {self.power_timeout_s:.0f} s: check the car "
                                     "accepts charge and the maximum current is not 0.",
                                     evidence)
                await asyncio.sleep(0.1)
            await asyncio.sleep(seconds)
        finally:
            done = await stop_charge(ctx, tx)
        duration = time.monotonic() - started_mono
        ts, values = _samples_since(ctx, started)
        peak = float(values.max()) if len(values) else 0.0
        energy = None
        if not running and done.meter_start_wh is not None and done.meter_stop_wh is not None:
            energy = float(done.meter_stop_wh) - float(done.meter_start_wh)
        elif len(ts) > 1:
            energy = float(np.trapezoid(values, ts) / 3600.0) if hasattr(np, "trapezoid") \
                else float(np.trapz(values, ts) / 3600.0)
        ctx.data["test_charge"] = {"energy_wh": None if energy is None else round(energy, 1),
                                   "duration_s": round(duration, 1), "peak_w": round(peak, 1),
                                   "transaction_id": tx.transaction_id}
        evidence += [Evidence("Duration", f"{duration:.0f} s"),
                     Evidence("Energy", "not reported" if energy is None else f"{energy:.1f} Wh"),
                     Evidence("Peak power", f"{peak:.0f} W")]
        return self.passed(f"Charged for {duration:.0f} s at up to {peak:.0f} W"
                           f"{'' if energy is None else f', {energy:.1f} Wh'}.", evidence)


# ---------------------------------------------------------------- 9 hand-over
class HandOverStep(BaseStep):
    step_id = "handover"
    title = "Hand over to the operator"
    description = ("Sets the production central-system URL where the charger allows it, and "
                   "watches the charger leave the laptop for it.")
    leave_timeout_s = 60.0
    #: 1.6 vendor keys some chargers use for their backend URL, in order of preference.
    url_keys_16 = ("CentralSystemURL", "CSMSURL", "OcppServerUrl", "BackendUrl")

    async def run(self, ctx: CommissioningContext) -> StepRecord:
        url = str(ctx.choices.get("production_url", ctx.profile.production_url) or "")
        if not url:
            return self._skipped(ctx, "No production URL in the profile: the charger stays "
                                 "pointed at this laptop; set its backend URL on the charger.",
                                 [], "no production URL given")
        if ctx.version != "1.6":
            return self._skipped(ctx, "OCPP 2.0.1 changes the backend with SetNetworkProfile, "
                                 "which the studio does not do yet: enter the production URL "
                                 f"{url} on the charger.", [Evidence("Production URL", url)],
                                 "2.0.1 SetNetworkProfile not supported by the studio")
        snapshot = ctx.studio.configuration.latest(ctx.charger_id)
        key = next((k for k in self.url_keys_16 if snapshot and k in snapshot.items), None)
        if key is None:
            return self._skipped(ctx, "The charger has no configuration key for its backend "
                                 f"URL: enter {url} on the charger's own setup page.",
                                 [Evidence("Production URL", url)],
                                 "charger has no backend URL key")
        evidence: list[Evidence] = []
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
        return self.passed(f"The charger now connects to {url}.", evidence)

    def _skipped(self, ctx: CommissioningContext, summary: str, evidence: list[Evidence],
                 reason: str) -> StepRecord:
        if password_pending(ctx) is not None:
            summary += (" The generated password is not on the charger yet: it must be set "
                        "together with the production URL.")
            evidence = [*evidence, Evidence("Password", "not written to the charger")]
        return StepRecord(self.step_id, self.title, StepStatus.SKIPPED, summary, evidence,
                          skip_reason=reason)


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
        return self.passed("Report ready. " + summary,
                           [Evidence("Failed steps", str(len(problems)))])


STANDARD_STEPS: list[type] = [ConnectStep, IdentifyStep, ClockStep, SiteLimitStep, MeteringStep,
                              OffPeakStep, SecurityStep, TestChargeStep, HandOverStep, ReportStep]
