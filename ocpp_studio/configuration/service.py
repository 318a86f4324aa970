"""Read, refresh and write a charger's configuration, whatever its OCPP version, through the
charger's adapter (``station.adapters``): 1.6 GetConfiguration / ChangeConfiguration; 2.x
GetBaseReport + NotifyReport parts, GetVariables / SetVariables batched as the charger's
DeviceDataCtrlr allows.

Every read is kept as a snapshot (in memory and, with ``snapshot_dir``, as one JSON file per
read, secrets redacted)."""

from __future__ import annotations

import asyncio
import itertools
import logging
import random
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from ocpp.v16.enums import ConfigurationStatus
from ocpp.v201.enums import GenericDeviceModelStatusEnumType

from ..core.records import now_us
from ..core.rpc import AnswerLost, CallError, CallTimeout, ConnectionClosed, InvalidPayload
from ..station.adapters import (MessageLimits, OcppAdapter, SettingRead,
                                SettingWrite, adapter_for)
from ..station.adapters.base import status_info_text
from ..station.adapters.v16 import DEFAULT_GET_CONFIGURATION_MAX_KEYS
from ..station.adapters.v201 import (DEFAULT_BYTES_PER_MESSAGE, DEFAULT_ITEMS_PER_MESSAGE,
                                     MIN_BYTES_PER_MESSAGE)
from ..station.model import ReportPart
from .catalogue16 import CATALOGUE_16, info_16, validate_16, vendor_info
from .devicemodel import (VariableEntry, VariableRef, classify_201, describe_201,
                          entries_from_report, is_standard_201, parse_label, validate_201)
from .model import ConfigItem, PlannedChange, Snapshot, WriteResult
from .snapshots import SnapshotShelf

if TYPE_CHECKING:
    from ..station.central import CentralSystem

log = logging.getLogger(__name__)

__all__ = ["ConfigurationService", "DEFAULT_BYTES_PER_MESSAGE", "DEFAULT_ITEMS_PER_MESSAGE",
           "DEFAULT_GET_CONFIGURATION_MAX_KEYS"]

Progress = Callable[[int, int, WriteResult], None]
REBOOT_REQUIRED = ConfigurationStatus.reboot_required.value  # 2.x SetVariableStatus says the same
#: seconds to wait for an earlier NotifyReport part once the last one (tbc false) arrived
LATE_PART_GRACE_S = 5.0


def _call_outcome(exc: Exception) -> tuple[str, str]:
    """A write that got no answer: (status, what the installer should know)."""
    if isinstance(exc, CallError):
        return "Error", f"The charger answered with an error: {exc}"
    if isinstance(exc, CallTimeout):
        return "Unknown", ("Sent, but the charger did not answer in time: the setting may or "
                           "may not have changed. Read it again to see.")
    if isinstance(exc, AnswerLost):
        return "Unknown", (f"Sent, but the charger disconnected before answering ({exc}): the "
                           "setting may or may not have changed. Read it again when the "
                           "charger is back.")
    if isinstance(exc, ConnectionClosed):
        return "NotSent", f"Not sent: {exc}"
    if isinstance(exc, InvalidPayload):
        return "NotSent", f"Not sent: the request would not be valid OCPP: {exc}"
    return "Error", f"{type(exc).__name__}: {exc}"


class ConfigurationService:
    """Configuration of the chargers connected to one CentralSystem."""

    def __init__(self, central: CentralSystem, snapshot_dir: Path | None = None,
                 report_timeout: float = 30.0, call_timeout: float | None = None) -> None:
        self.central = central
        self.shelf = SnapshotShelf(snapshot_dir)
        self.report_timeout = report_timeout
        self.call_timeout = call_timeout
        self._limits: dict[str, dict[str, int]] = {}  # charger -> DeviceDataCtrlr limits
        self._request_ids = itertools.count(random.randint(1000, 900_000))

    @property
    def snapshot_dir(self) -> Path | None:
        return self.shelf.folder

    # ------------------------------------------------------------ helpers
    def adapter(self, charger_id: str) -> OcppAdapter:
        """The charger's adapter, bound to its calls with this service's timeout."""
        return self.central.adapter(charger_id, self.call_timeout)

    def version(self, charger_id: str) -> str:
        return self.central.version_of(charger_id).label

    # ------------------------------------------------------------ snapshots
    def _keep(self, snapshot: Snapshot) -> Snapshot:
        return self.shelf.keep(snapshot)

    def snapshots(self, charger_id: str) -> list[Snapshot]:
        """Every snapshot of the charger, newest last."""
        return self.shelf.snapshots(charger_id)

    def latest(self, charger_id: str) -> Snapshot | None:
        return self.shelf.latest(charger_id)

    @staticmethod
    def reboot_needed(results: list[WriteResult]) -> bool:
        return any(r.status == REBOOT_REQUIRED for r in results)

    # ------------------------------------------------------------ reading
    async def read_all(self, charger_id: str, full_inventory: bool = False) -> Snapshot:
        adapter = self.adapter(charger_id)
        if adapter.settings_grouped_by_component:
            snapshot, complete = await self._read_report(charger_id, adapter, full_inventory)
            if not complete and not full_inventory:
                await self._fall_back_to_full(charger_id, adapter, snapshot)
        else:
            snapshot = await self._read_keys(charger_id, adapter)
        return self._keep(snapshot)

    @staticmethod
    def _add_keys(snapshot: Snapshot, reads: list[SettingRead]) -> None:
        """1.6 answers into the snapshot: listed keys as items, unknown keys noted once."""
        for read in reads:
            if read.found:
                info = info_16(read.name)
                snapshot.items[read.name] = ConfigItem.from_16(
                    read.name, read.value, bool(read.readonly), info,
                    None if info else vendor_info(read.name))
            elif read.name not in snapshot.unknown_keys:
                snapshot.unknown_keys.append(read.name)

    async def _read_keys(self, charger_id: str, adapter: OcppAdapter) -> Snapshot:
        snapshot = Snapshot(charger_id, adapter.label, now_us())
        everything = await adapter.read_settings([])
        self._add_keys(snapshot, [r for r in everything if r.found])
        snapshot.unknown_keys.extend(r.name for r in everything if not r.found)
        listed = len(snapshot.items)
        # Standard keys not listed (write-only ones are never listed): ask by name, in
        # batches of GetConfigurationMaxKeys, to learn which exist.
        missing = [k for k in CATALOGUE_16 if k not in snapshot.items]
        if "GetConfigurationMaxKeys" in missing:
            missing.remove("GetConfigurationMaxKeys")
            self._add_keys(snapshot, await adapter.read_settings(["GetConfigurationMaxKeys"]))
        max_keys = self._max_keys(snapshot)
        # GetConfigurationMaxKeys bounds the keys a request may *name* (1.6 §5.8, §9.1.9),
        # not the keys an empty request returns (all of them), and GetConfiguration has no
        # paging. A charger that wrongly cuts its answer at that maximum sends exactly that
        # many; sending more proves it does not cut there, and a multiple of the maximum
        # means nothing either (there is no next page to miss). Only equality is suspicious.
        if max_keys is not None and listed == max_keys:
            snapshot.notes.append(
                f"The charger sent {listed} keys when asked for all, as many as its "
                f"GetConfigurationMaxKeys ({max_keys}); vendor keys beyond that may be missing.")
        if missing:
            self._add_keys(snapshot, await adapter.read_settings(
                missing, MessageLimits(max_keys or DEFAULT_GET_CONFIGURATION_MAX_KEYS)))
        return snapshot

    @staticmethod
    def _max_keys(snapshot: Snapshot) -> int | None:
        try:
            return max(1, int(snapshot.value("GetConfigurationMaxKeys") or ""))
        except ValueError:
            return None

    async def _fall_back_to_full(self, charger_id: str, adapter: OcppAdapter,
                                 snapshot: Snapshot) -> None:
        """The ConfigurationInventory report came back with parts missing (or was refused):
        seen on a 2.0.1 charger that never sends part 0. Ask for the FullInventory (B07; it
        holds every variable, writable ones included) and add what the first read lacked."""
        full, complete = await self._read_report(charger_id, adapter, True)
        added = [key for key in full.items if key not in snapshot.items]
        for key in added:
            snapshot.items[key] = full.items[key]
        snapshot.notes.append(
            f"The ConfigurationInventory report was incomplete, so the full inventory "
            f"(GetBaseReport FullInventory) was read too: {len(added)} more setting(s)"
            + ("." if complete else
               "; it was incomplete as well, so some settings may still be missing."))
        snapshot.notes.extend(f"Full inventory: {note}" for note in full.notes)

    async def _read_report(self, charger_id: str, adapter: OcppAdapter,
                           full_inventory: bool) -> tuple[Snapshot, bool]:
        """2.x B07: GetBaseReport, then collect the NotifyReport parts the central system
        publishes until the last one (tbc false) and every part before it arrived.
        (snapshot, whether every part arrived)."""
        snapshot = Snapshot(charger_id, adapter.label, now_us())
        request = adapter.report_request(next(self._request_ids), full_inventory)
        request_id, base = request.payload["requestId"], request.payload["reportBase"]
        parts: dict[int, ReportPart] = {}
        last_seq: list[int] = []
        waited = self.report_timeout
        changed = asyncio.Event()

        def listen(part: ReportPart) -> None:
            if part.charger_id != charger_id or part.request_id != request_id:
                return
            parts[part.seq_no] = part
            if not part.tbc:
                last_seq.append(part.seq_no)
            changed.set()

        def complete() -> bool:
            return bool(last_seq) and all(i in parts for i in range(min(last_seq) + 1))

        self.central.report_parts.connect(listen)
        try:
            answer = await adapter.send(request)
            status = answer.get("status")
            if status != GenericDeviceModelStatusEnumType.accepted:
                info = status_info_text(answer.get("statusInfo"))
                snapshot.notes.append(f"The charger answered GetBaseReport({base}) with {status}"
                                      f"{' ' + info if info else ''}; nothing to read.")
                return snapshot, False
            loop = asyncio.get_running_loop()
            deadline = loop.time() + self.report_timeout
            while not complete():
                remaining = deadline - loop.time()
                if remaining <= 0:
                    break
                changed.clear()
                try:
                    await asyncio.wait_for(changed.wait(), remaining)
                except TimeoutError:
                    break
                # each part that arrives gives the rest another report_timeout; once the
                # last part is in, an earlier one still missing gets only a short grace
                # (a charger sends its parts in order: one that skipped a part will not
                # send it later, and the installer should not wait 30 s for nothing)
                wait = self.report_timeout
                if last_seq:
                    wait = min(wait, LATE_PART_GRACE_S)
                deadline = loop.time() + wait
                waited = wait
        finally:
            self.central.report_parts.disconnect(listen)
        if not complete():
            total = (min(last_seq) + 1) if last_seq else None
            top = total if total is not None else (max(parts) + 2 if parts else 1)
            of = str(total) if total is not None else "?"
            for seq in (i for i in range(top) if i not in parts):
                snapshot.notes.append(
                    f"NotifyReport part {seq + 1} of {of} (seqNo {seq}) of the {base} report "
                    f"missing after {waited:g} s; the settings it held are not shown.")
        for seq in sorted(parts):
            for report in parts[seq].report_data:
                try:
                    entries = entries_from_report(report)
                except (KeyError, TypeError) as exc:
                    snapshot.notes.append(f"Unreadable report entry in part {seq + 1}: {exc}")
                    continue
                for entry in entries:
                    self._add_entry(snapshot, entry)
        self._remember_limits(charger_id, snapshot)
        return snapshot, complete()

    @staticmethod
    def _add_entry(snapshot: Snapshot, entry: VariableEntry) -> None:
        known = is_standard_201(entry.ref.component, entry.ref.variable)
        item = ConfigItem.from_201(entry, known)
        snapshot.items[item.key] = item

    def _remember_limits(self, charger_id: str, snapshot: Snapshot) -> None:
        limits = self._limits.setdefault(charger_id, {})
        for name in ("ItemsPerMessage", "BytesPerMessage"):
            for instance in ("GetVariables", "SetVariables", "GetReport"):
                value = snapshot.value(f"DeviceDataCtrlr.{name}[{instance}]")
                if value is not None:
                    try:
                        limits[f"{name}.{instance}"] = int(float(value))
                    except ValueError:
                        pass

    async def _message_limits(self, charger_id: str, adapter: OcppAdapter,
                              instance: str) -> MessageLimits:
        """ItemsPerMessage / BytesPerMessage for GetVariables or SetVariables: from the last
        read, else asked once (a lost connection raises ConnectionClosed)."""
        limits = self._limits.setdefault(charger_id, {})
        items_key, bytes_key = f"ItemsPerMessage.{instance}", f"BytesPerMessage.{instance}"
        if items_key not in limits or bytes_key not in limits:
            try:
                limits.update(await adapter.device_data_limits())
            except (CallError, CallTimeout, InvalidPayload) as exc:
                log.info("%s: DeviceDataCtrlr limits not readable: %s", charger_id, exc)
            for kind in ("GetVariables", "SetVariables"):
                limits.setdefault(f"ItemsPerMessage.{kind}", DEFAULT_ITEMS_PER_MESSAGE)
                limits.setdefault(f"BytesPerMessage.{kind}", DEFAULT_BYTES_PER_MESSAGE)
        return MessageLimits(max(1, limits[items_key]),
                             max(MIN_BYTES_PER_MESSAGE, limits[bytes_key]))

    def _ref_for(self, charger_id: str, key: str) -> VariableRef:
        latest = self.latest(charger_id)
        item = latest.items.get(key) if latest else None
        if item is not None and item.ref is not None:
            return item.ref
        return parse_label(key)

    async def refresh(self, charger_id: str, keys: list[str]) -> Snapshot:
        """Read some settings again; returns (and keeps) a new snapshot that is the latest one
        with these values updated."""
        base = self.latest(charger_id)
        adapter = self.adapter(charger_id)
        snapshot = Snapshot(charger_id, adapter.label, now_us(),
                            items={k: ConfigItem.from_json(v.to_json(False))
                                   for k, v in (base.items.items() if base else [])},
                            unknown_keys=list(base.unknown_keys) if base else [])
        snapshot.notes.append(f"Refreshed {len(keys)} setting(s) of an earlier read."
                              if base else f"Read {len(keys)} setting(s) only.")
        if adapter.settings_grouped_by_component:
            await self._get_variables(charger_id, adapter, keys, snapshot)
        elif keys:
            max_keys = self._max_keys(snapshot) or DEFAULT_GET_CONFIGURATION_MAX_KEYS
            self._add_keys(snapshot, await adapter.read_settings(list(keys),
                                                                 MessageLimits(max_keys)))
        return self._keep(snapshot)

    async def _get_variables(self, charger_id: str, adapter: OcppAdapter, keys: list[str],
                             snapshot: Snapshot) -> None:
        refs: dict[VariableRef, str] = {}
        for key in keys:
            try:
                refs[self._ref_for(charger_id, key)] = key
            except ValueError as exc:
                snapshot.notes.append(str(exc))
        limits = await self._message_limits(charger_id, adapter, "GetVariables")
        for read in await adapter.read_settings(list(refs), limits):
            if isinstance(read.asked, VariableRef):
                ref = read.asked
            else:
                ref = VariableRef.from_ocpp(read.raw["component"], read.raw["variable"],
                                            read.raw.get("attributeType"))
            key = refs.get(ref, ref.label())
            item = snapshot.items.get(key)
            if read.found:
                if item is None:
                    entry = VariableEntry(ref=ref, description=describe_201(
                        ref.component, ref.variable, ref.variable_instance), **classify_201(ref))
                    item = ConfigItem.from_201(entry, is_standard_201(ref.component,
                                                                     ref.variable))
                    snapshot.items[key] = item
                item.value = read.value
            else:
                snapshot.notes.append(f"{key}: {read.status}"
                                      f"{' ' + read.info if read.info else ''}")
                if read.unknown and key not in snapshot.unknown_keys:
                    snapshot.unknown_keys.append(key)
        self._remember_limits(charger_id, snapshot)

    # ------------------------------------------------------------ planning
    def _check(self, version: str, base: Snapshot | None, key: str,
               value: str) -> tuple[str | None, str | None, ConfigItem | None]:
        """(problem, danger, item) for writing ``value`` to ``key``."""
        item = base.items.get(key) if base else None
        if not isinstance(value, str):
            return "The value must be text (in quotes).", None, item
        if not adapter_for(version).settings_grouped_by_component:
            info = info_16(key)
            if item is not None and item.readonly:
                return f"{key} is read-only on this charger.", item.danger, item
            effective = info or vendor_info(key)
            return validate_16(key, value, info), effective.danger, item
        if item is not None and item.ref is not None:
            entry = item.to_entry()
        else:
            try:
                ref = parse_label(key)
            except ValueError as exc:
                return f"{exc}; use Component.Variable as in the editor.", None, item
            entry = VariableEntry(ref=ref, **classify_201(ref))
        return validate_201(entry, value), entry.danger, item

    def plan(self, charger_id: str, changes: dict[str, str],
             base: Snapshot | None = None) -> list[PlannedChange]:
        """What writing ``changes`` would do, against ``base`` (default: the latest read)."""
        base = base or self.latest(charger_id)
        version = base.version if base else self.version(charger_id)
        out = []
        for key, value in changes.items():
            problem, danger, item = self._check(version, base, key, value)
            before = item.value if item is not None else None
            out.append(PlannedChange(key, before, value, problem, danger))
        return out

    # ------------------------------------------------------------ writing
    async def write(self, charger_id: str, changes: dict[str, str],
                    confirm_dangerous: bool = False,
                    progress: Progress | None = None) -> list[WriteResult]:
        """Validate and write; one WriteResult per key, in the order given."""
        version = self.version(charger_id)
        base = self.latest(charger_id)
        results: dict[str, WriteResult] = {}
        to_send: list[tuple[str, str]] = []
        total = len(changes)

        def done(result: WriteResult) -> None:
            results[result.key] = result
            if progress is not None:
                try:
                    progress(len(results), total, result)
                except Exception:  # noqa: BLE001 - a progress observer must not break writes
                    log.exception("progress callback failed")

        for key, value in changes.items():
            problem, danger, _item = self._check(version, base, key, value)
            if problem is not None:
                done(WriteResult(key, str(value), "NotSent", problem))
            elif danger is not None and not confirm_dangerous:
                done(WriteResult(key, value, "NotSent",
                                 f"Needs confirmation: {danger}"))
            else:
                to_send.append((key, value))
        if to_send:
            await self._send(charger_id, to_send, done)
        return [results[k] for k in changes if k in results]

    async def _send(self, charger_id: str, to_send: list[tuple[str, str]],
                    done: Callable[[WriteResult], None]) -> None:
        adapter = self.adapter(charger_id)
        limits: MessageLimits | None = None
        keys: dict[Any, str] = {}
        changes: list[tuple[Any, str]] = []
        for key, value in to_send:
            setting: Any = key
            if adapter.settings_grouped_by_component:
                setting = self._ref_for(charger_id, key)
            keys[setting] = key
            changes.append((setting, value))
        if adapter.settings_grouped_by_component:
            try:
                limits = await self._message_limits(charger_id, adapter, "SetVariables")
            except ConnectionClosed as exc:
                for key, value in to_send:
                    done(WriteResult(key, value, *_call_outcome(exc)))
                return

        def result(write: SettingWrite) -> None:
            key = keys[write.asked]
            if write.error is not None:
                done(WriteResult(key, write.value, *_call_outcome(write.error)))
            else:
                done(WriteResult(key, write.value, write.status, write.info))

        # the adapter reports a call that failed per setting, it does not raise
        await adapter.write_settings(changes, limits, on_result=result)
