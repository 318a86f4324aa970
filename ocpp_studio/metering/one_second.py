"""Switch a charger to 1-second power reporting and back, through the charger's adapter
(``OcppAdapter.interval_setting`` / ``measurands_setting``).

1.6: MeterValueSampleInterval (§9.1.19, seconds, 0 = none) and MeterValuesSampledData
(§9.1.17, comma-separated measurands, §7.31) via GetConfiguration / ChangeConfiguration
(§6.23-6.24, §6.9-6.10; ConfigurationStatus Accepted, Rejected, RebootRequired, NotSupported).
2.0.1: SampledDataCtrlr.TxUpdatedInterval (integer, s) and TxUpdatedMeasurands (MemberList)
(Appendices dm_components_vars.csv) via GetVariables / SetVariables (B06 / B05).

The values before the change are written to a JSON file before anything is changed, so they
can be restored after a crash or restart (``remembered``).

An Accepted answer is not taken as proof: "now reports every second" is said only from the
meter values that arrive after the change (``measure_cadence``). One 2.0.1 charger accepted
TxUpdatedInterval=1 and kept reporting every 30 s until its next session (issue 14); then the
result says so and ``restart_session`` stops and starts the session to check.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import statistics
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from ocpp.v16.enums import ConfigurationStatus
from ocpp.v201.enums import SetVariableStatusEnumType

from ..core.clock import Clock, SystemClock
from ..core.records import FrameRecord
from ..core.rpc import CallError, CallTimeout, ConnectionClosed
from ..station.adapters import WRITE_TAKEN, MessageLimits, OcppAdapter
from .samples import samples_from_frame

if TYPE_CHECKING:
    from ..station.central import CentralSystem

log = logging.getLogger(__name__)

POWER = "Power.Active.Import"
#: answers meaning the charger has no such setting (1.6 §7.19; 2.0.1 SetVariableStatusEnumType)
_NOT_THERE = frozenset({ConfigurationStatus.not_supported.value,
                        SetVariableStatusEnumType.unknown_variable.value,
                        SetVariableStatusEnumType.unknown_component.value,
                        SetVariableStatusEnumType.not_supported_attribute_type.value})


@dataclass
class SettingChange:
    key: str
    before: str | None
    after: str
    status: str  # as the charger answered (Accepted, Rejected, RebootRequired, NotSupported, ...)


@dataclass
class OneSecondResult:
    ok: bool
    enabled: bool
    changes: list[SettingChange] = field(default_factory=list)
    explanation: str = ""  # plain words for an installer: what happened and what to try
    #: from the meter values after the change: True every second, False slower (see
    #: cadence_s), None not measured (no session running, or no meter values in time)
    measured: bool | None = None
    cadence_s: float | None = None
    #: the charger took the setting but not (yet) the cadence: offer restart_session
    restart_suggested: bool = False


#: a gap between samples this short is "every second" (timestamps in whole seconds jitter)
ONE_SECOND_MAX_S = 1.5
#: a gap this long between two samples after the change proves it is not every second
SLOWER_MIN_S = 2.5
#: gaps of about 1 s in a row needed before saying "every second"
ONE_SECOND_GAPS = 3
#: how long to wait for meter values after the change: two samples of a 30 s cadence fit
DEFAULT_MEASURE_TIMEOUT_S = 75.0


@dataclass
class Cadence:
    """How often the charger reports, from its meter values (not from its answers)."""

    measured: bool | None  # True every second, False slower, None not measured
    interval_s: float | None
    samples: int
    words: str


class _CadenceWatch:
    """Periodic meter values of one charger recorded from now on: their own timestamps per
    connector/EVSE (the arrival time on ``clock`` when a sample has none)."""

    def __init__(self, charger_id: str, clock: Clock) -> None:
        self.charger_id = charger_id
        self.clock = clock
        self.times: dict[str, list[float]] = {}
        self.changed = asyncio.Event()

    def __call__(self, record: Any) -> None:
        if not isinstance(record, FrameRecord) or record.charger != self.charger_id:
            return
        samples, _ = samples_from_frame(record)
        periodic = [x for x in samples if x.context in (None, "Sample.Periodic")]
        if not periodic:
            return
        first = periodic[0]
        at = first.ts_us / 1e6 if first.ts_us else self.clock.now().timestamp()
        times = self.times.setdefault(first.connector, [])
        if not times or at != times[-1]:
            times.append(at)
            self.changed.set()

    @property
    def count(self) -> int:
        return sum(len(t) for t in self.times.values())

    def verdict(self) -> Cadence | None:
        for times in self.times.values():
            gaps = [b - a for a, b in zip(times, times[1:])]
            slow = [g for g in gaps if g >= SLOWER_MIN_S]
            if slow:
                every = round(slow[-1])
                return Cadence(False, float(every), len(times),
                               f"still reports every {every:g} s")
            recent = gaps[-ONE_SECOND_GAPS:]
            if len(recent) == ONE_SECOND_GAPS and all(g <= ONE_SECOND_MAX_S for g in recent):
                return Cadence(True, statistics.median(recent), len(times),
                               f"measured: {len(recent) + 1} meter values about 1 s apart")
        return None


def default_memory_path() -> Path:
    from ..settings import user_data_dir
    return user_data_dir() / "one-second-restore.json"


class _Failed(Exception):
    """A call did not get an answer: the explanation says why in plain words."""


def _explain_refusal(key: str, value: str, status: str, charger_id: str) -> str:
    short = key.rsplit(".", 1)[-1]
    if short in ("MeterValueSampleInterval", "TxUpdatedInterval"):
        if status in _NOT_THERE:
            return (f"{charger_id} does not support {key} ({status}): it cannot be told how often "
                    "to report meter values. Ask the manufacturer whether the charger can report "
                    "power every second, and with which firmware.")
        return (f"The charger refused {key}={value} ({status}). Some chargers do not allow "
                "sampling faster than 5 or 10 seconds; check the charger's manual or ask the "
                "manufacturer for a firmware that supports 1-second reporting.")
    if status in _NOT_THERE:
        return (f"{key} is not supported by this charger ({status}): it will report its "
                "default measurands; power may be missing.")
    return (f"The charger refused {key}={value} ({status}): it will keep reporting the "
            "measurands it had; power may be missing. The list may be too long for the "
            "charger (see MeterValuesSampledDataMaxLength) or it may not measure "
            f"{POWER}.")


def _with_power(current: str | None) -> str:
    items = [item.strip() for item in (current or "").split(",") if item.strip()]
    if POWER not in items:
        items.append(POWER)
    return ",".join(items)


class OneSecondMode:
    """Turn 1-second power reporting on and off, remembering what to restore."""

    def __init__(self, central: CentralSystem, memory_path: Path | None = None,
                 timeout: float | None = None, clock: Clock | None = None,
                 measure_timeout_s: float = DEFAULT_MEASURE_TIMEOUT_S) -> None:
        self.central = central
        self.memory_path = Path(memory_path) if memory_path else default_memory_path()
        self.timeout = timeout
        self.clock: Clock = clock if clock is not None else SystemClock()
        self.measure_timeout_s = measure_timeout_s

    # ----------------------------------------------------------- memory
    def _load(self) -> dict[str, Any]:
        try:
            data = json.loads(self.memory_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            log.warning("cannot read %s: %s", self.memory_path, exc)
            return {}
        return data if isinstance(data, dict) else {}

    def _save(self, data: dict[str, Any]) -> None:
        self.memory_path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.memory_path.with_name(self.memory_path.name + ".tmp")
        tmp.write_text(json.dumps(data, indent=2, sort_keys=True), encoding="utf-8")
        os.replace(tmp, self.memory_path)

    def _entry(self, charger_id: str) -> dict[str, Any] | None:
        entry = self._load().get(charger_id)
        return entry if isinstance(entry, dict) else None

    def remembered(self, charger_id: str) -> dict[str, str] | None:
        """Previous values still to restore (kept across app restarts), or None."""
        entry = self._entry(charger_id)
        values = entry.get("values") if entry else None
        return dict(values) if isinstance(values, dict) and values else None

    def pending_restores(self) -> dict[str, dict[str, str]]:
        """Every charger with values still to restore: offer them when it connects."""
        return {cid: dict(e["values"]) for cid, e in self._load().items()
                if isinstance(e, dict) and isinstance(e.get("values"), dict) and e["values"]}

    def is_enabled(self, charger_id: str) -> bool:
        entry = self._entry(charger_id)
        return bool(entry and entry.get("enabled"))

    def _update(self, charger_id: str, values: dict[str, str] | None, enabled: bool,
                version: str | None = None) -> None:
        data = self._load()
        if values or enabled:
            entry = data.get(charger_id) if isinstance(data.get(charger_id), dict) else {}
            entry = {**entry, "values": values or {}, "enabled": enabled}
            if version:
                entry["version"] = version
            data[charger_id] = entry
        else:
            data.pop(charger_id, None)
        self._save(data)

    # ----------------------------------------------------------- calls
    @staticmethod
    def _failed(action: str, exc: Exception) -> Exception:
        """The plain-words _Failed for a call without a usable answer (others unchanged)."""
        if isinstance(exc, ConnectionClosed):
            return _Failed(f"{exc}. Connect the charger to the studio (its backend URL must "
                           "point at this laptop) and try again.")
        if isinstance(exc, CallTimeout):
            return _Failed(f"The charger did not answer {action} in time ({exc}). It may be "
                           "busy or its connection poor; wait a moment and try again.")
        if isinstance(exc, CallError):
            return _Failed(f"The charger answered {action} with an error ({exc.code}"
                           f"{': ' + exc.description if exc.description else ''}). It may not "
                           "support this message; check its firmware.")
        return exc

    def _adapter(self, charger_id: str) -> OcppAdapter:
        try:
            self.central.session(charger_id)  # connected now, or say so before anything else
        except ConnectionClosed as exc:
            raise self._failed("", exc) from exc
        return self.central.adapter(charger_id, self.timeout)

    async def _read(self, adapter: OcppAdapter) -> dict[str, str | None]:
        """Current values of the two settings (None = the charger does not have it)."""
        keys = [adapter.interval_setting, adapter.measurands_setting]
        try:
            reads = await adapter.read_settings(keys)
        except (ConnectionClosed, CallTimeout, CallError) as exc:
            raise self._failed(adapter.read_settings_request(keys).action, exc) from exc
        found = {r.name: r.value or "" for r in reads if r.found}
        return {key: found.get(key) for key in keys}

    async def _write(self, adapter: OcppAdapter, key: str, value: str) -> str:
        write = (await adapter.write_settings([(key, value)], MessageLimits(1)))[0]
        if write.error is not None:
            raise self._failed(adapter.write_setting_request(key, value).action,
                               write.error) from write.error
        return write.status

    # ----------------------------------------------------------- public
    async def enable(self, charger_id: str) -> OneSecondResult:
        changes: list[SettingChange] = []
        try:
            adapter = self._adapter(charger_id)
            interval_key, measurands_key = adapter.interval_setting, adapter.measurands_setting
            current = await self._read(adapter)
            targets = {interval_key: "1", measurands_key: _with_power(current[measurands_key])}
            # Remember first (a crash between change and save must not lose the old values);
            # values remembered by an earlier enable are the real originals: keep them.
            remembered = self.remembered(charger_id) or {}
            for key, target in targets.items():
                before = current[key]
                if before is not None and before != target and key not in remembered:
                    remembered[key] = before
            self._update(charger_id, remembered, self.is_enabled(charger_id), adapter.label)
            notes: list[str] = []
            interval_ok = False
            for key, target in targets.items():
                before = current[key]
                if before == target:
                    if key == interval_key:
                        interval_ok = True
                    continue
                status = await self._write(adapter, key, target)
                changes.append(SettingChange(key, before, target, status))
                if status in WRITE_TAKEN:
                    if key == interval_key:
                        interval_ok = True
                    if status == ConfigurationStatus.reboot_required:
                        notes.append(f"{key}={target} takes effect after the charger restarts "
                                     "(RebootRequired); reset it to start 1-second reporting.")
                else:
                    remembered.pop(key, None)  # nothing changed: nothing to restore
                    notes.append(_explain_refusal(key, target, status, charger_id))
            self._update(charger_id, remembered, interval_ok, adapter.label)
        except _Failed as exc:
            return OneSecondResult(False, self.is_enabled(charger_id), changes, str(exc))
        if not interval_ok:
            return OneSecondResult(False, False, changes, " ".join([
                f"{charger_id} was not switched to 1-second reporting.", *notes]).strip())
        cadence = await self.measure_cadence(charger_id)
        power = f" including {POWER}" if not any(POWER in n for n in notes) else ""
        remembered_words = ("The previous settings are remembered and restored when you "
                            "switch 1-second mode off.")
        return self._measured_result(charger_id, changes, cadence, power,
                                     [remembered_words, *notes])

    @staticmethod
    def _measured_result(charger_id: str, changes: list[SettingChange], cadence: Cadence,
                         power: str, tail: list[str]) -> OneSecondResult:
        """The result of an accepted change, in the words its meter values allow."""
        if cadence.measured:
            head = (f"{charger_id} now reports meter values every second{power} "
                    f"({cadence.words}).")
        elif cadence.measured is False:
            head = (f"The charger accepted the 1-second interval but still reports every "
                    f"{cadence.interval_s:g} s; it may apply it from the next charging "
                    "session — stop and start the session to check.")
        else:
            head = f"The charger accepted the 1-second interval; {cadence.words}."
        return OneSecondResult(cadence.measured is not False, True, changes,
                               " ".join([head, *tail]).strip(), cadence.measured,
                               cadence.interval_s, cadence.measured is False)

    async def measure_cadence(self, charger_id: str,
                              timeout_s: float | None = None) -> Cadence:
        """Watch the meter values that arrive from now on until they show the cadence:
        three gaps of about 1 s in a row (every second), or one gap of 2.5 s or more between
        two of them (slower). Decided on the samples, never on how long was waited; without a
        running session, or without meter values in ``timeout_s``, it is not measured."""
        timeout = self.measure_timeout_s if timeout_s is None else timeout_s
        station = self.central.stations.get(charger_id)
        if station is None or not station.transactions:
            return Cadence(None, None, 0, "no charging session is running, so whether it "
                           "reports every second shows only once one runs (meter values are "
                           "sent during sessions)")
        watch = _CadenceWatch(charger_id, self.clock)
        self.central.store.recorded.connect(watch)
        try:
            loop = asyncio.get_running_loop()
            deadline = loop.time() + timeout
            while (verdict := watch.verdict()) is None:
                remaining = deadline - loop.time()
                if remaining <= 0:
                    break
                watch.changed.clear()
                try:
                    await asyncio.wait_for(watch.changed.wait(), remaining)
                except TimeoutError:
                    break
        finally:
            self.central.store.recorded.disconnect(watch)
        if verdict is not None:
            return verdict
        return Cadence(None, None, watch.count,
                       f"only {watch.count} meter value(s) arrived in {timeout:g} s, not "
                       "enough to see whether it reports every second" if watch.count else
                       f"no meter values arrived in {timeout:g} s to show whether it reports "
                       "every second")

    async def restart_session(self, charger_id: str,
                              wait_s: float = 60.0) -> OneSecondResult:
        """Stop the running session and start a new one for the same connector and id tag
        (1.6 RemoteStop/RemoteStartTransaction §5.11-5.12; 2.x RequestStop/
        RequestStartTransaction F03/F01), then measure the cadence again: for chargers that
        apply a new sample interval from the next session only."""
        station = self.central.stations.get(charger_id)
        txs = list(station.transactions.values()) if station else []
        if not txs:
            return OneSecondResult(False, self.is_enabled(charger_id), [], (
                "No charging session is running: start one on the charger (or with the "
                "car) and the meter values will show whether it reports every second."))
        tx = txs[-1]
        try:
            adapter = self._adapter(charger_id)
            connector = int(str(tx.connector).split("/")[0])
            stopped = await self._ask(adapter, adapter.stop_charge_request(tx.transaction_id))
            if stopped != "Accepted":
                return OneSecondResult(False, self.is_enabled(charger_id), [], (
                    f"The charger refused to stop the session ({stopped}); stop it on the "
                    "charger or unplug the car, then start charging again."))
            if not await self._until(charger_id, lambda st: tx.transaction_id
                                     not in st.transactions, wait_s):
                return OneSecondResult(False, self.is_enabled(charger_id), [], (
                    f"The charger accepted the stop but the session had not ended after "
                    f"{wait_s:g} s; check the charger."))
            before = set(station.transactions) if station else set()
            started = await self._ask(adapter, adapter.start_charge_request(
                tx.id_tag or "OCPP-STUDIO", connector))
            if started != "Accepted":
                return OneSecondResult(False, self.is_enabled(charger_id), [], (
                    f"The session was stopped; the charger refused to start a new one "
                    f"({started}). Start it on the charger or with the car."))
            if not await self._until(charger_id, lambda st: set(st.transactions) - before,
                                     wait_s):
                return OneSecondResult(False, self.is_enabled(charger_id), [], (
                    f"The session was stopped and the charger accepted the start, but no new "
                    f"session began within {wait_s:g} s; is the car still plugged in?"))
        except _Failed as exc:
            return OneSecondResult(False, self.is_enabled(charger_id), [], str(exc))
        cadence = await self.measure_cadence(charger_id)
        return self._measured_result(charger_id, [], cadence, "", [
            "The session was stopped and a new one started."])

    async def _ask(self, adapter: OcppAdapter, request: Any) -> str:
        try:
            answer = await adapter.send(request)
        except (ConnectionClosed, CallTimeout, CallError) as exc:
            raise self._failed(request.action, exc) from exc
        return str((answer or {}).get("status"))

    async def _until(self, charger_id: str, condition: Callable[[Any], Any],
                     wait_s: float) -> bool:
        """Wait for the charger's station state to meet ``condition`` (on station_changed)."""
        changed = asyncio.Event()

        def heard(station: Any) -> None:
            if station.charger_id == charger_id:
                changed.set()
        self.central.station_changed.connect(heard)
        try:
            loop = asyncio.get_running_loop()
            deadline = loop.time() + wait_s
            while True:
                station = self.central.stations.get(charger_id)
                if station is not None and condition(station):
                    return True
                remaining = deadline - loop.time()
                if remaining <= 0:
                    return False
                changed.clear()
                try:
                    await asyncio.wait_for(changed.wait(), remaining)
                except TimeoutError:
                    return False
        finally:
            self.central.station_changed.disconnect(heard)

    async def disable(self, charger_id: str) -> OneSecondResult:
        remembered = self.remembered(charger_id)
        if not remembered:
            was = self.is_enabled(charger_id)
            self._update(charger_id, None, False)
            return OneSecondResult(True, False, [], (
                "Nothing to restore: the charger's reporting settings were not changed by the "
                "studio." if not was else
                "The charger already reported every second before 1-second mode was switched "
                "on; nothing was changed, so nothing is restored."))
        changes: list[SettingChange] = []
        failed: list[str] = []
        try:
            adapter = self._adapter(charger_id)
            for key, value in list(remembered.items()):
                status = await self._write(adapter, key, value)
                changes.append(SettingChange(key, None, value, status))
                if status in WRITE_TAKEN:
                    remembered.pop(key)
                else:
                    failed.append(f"The charger refused to restore {key}={value} ({status}); "
                                  "the value stays remembered: try again, or set it in the "
                                  "configuration editor.")
        except _Failed as exc:
            self._update(charger_id, remembered, self.is_enabled(charger_id))
            return OneSecondResult(False, self.is_enabled(charger_id), changes,
                                   f"{exc} The previous values stay remembered and will be "
                                   "offered when the charger is back.")
        self._update(charger_id, remembered, bool(remembered) and self.is_enabled(charger_id))
        if failed:
            return OneSecondResult(False, self.is_enabled(charger_id), changes, " ".join(failed))
        restored = ", ".join(f"{c.key}={c.after}" for c in changes)
        return OneSecondResult(True, False, changes,
                               f"Restored the previous settings of {charger_id}: {restored}.")
