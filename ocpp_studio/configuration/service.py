"""Read, refresh and write a charger's configuration, for both OCPP versions, behind one
interface. 1.6: GetConfiguration / ChangeConfiguration. 2.0.1: GetBaseReport + NotifyReport
parts, GetVariables / SetVariables batched as the charger's DeviceDataCtrlr allows.

Every read is kept as a snapshot (in memory and, with ``snapshot_dir``, as one JSON file per
read, secrets redacted)."""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import random
import re
from pathlib import Path
from typing import Any, Callable

from ..capture.store import CaptureStore
from ..settings import open_private, private_dir
from ..core.frames import dumps, loads
from ..core.records import Direction, FrameRecord, now_us
from ..core.rpc import AnswerLost, CallError, CallTimeout, ConnectionClosed, InvalidPayload
from .catalogue16 import CATALOGUE_16, info_16, validate_16, vendor_info
from .devicemodel import (VariableEntry, VariableRef, classify_201, describe_201,
                          entries_from_report, is_standard_201, parse_label, validate_201)
from .model import ConfigItem, PlannedChange, Snapshot, WriteResult

log = logging.getLogger(__name__)

DEFAULT_ITEMS_PER_MESSAGE = 10
DEFAULT_BYTES_PER_MESSAGE = 4096
DEFAULT_GET_CONFIGURATION_MAX_KEYS = 20
Progress = Callable[[int, int, WriteResult], None]


def _status_info(info: dict[str, Any] | None) -> str:
    if not info:
        return ""
    text = info.get("reasonCode", "")
    if info.get("additionalInfo"):
        text += f": {info['additionalInfo']}"
    return text


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

    def __init__(self, central: Any, snapshot_dir: Path | None = None,
                 report_timeout: float = 30.0, call_timeout: float | None = None) -> None:
        self.central = central
        self.snapshot_dir = Path(snapshot_dir) if snapshot_dir is not None else None
        self.report_timeout = report_timeout
        self.call_timeout = call_timeout
        self._snapshots: dict[str, list[Snapshot]] = {}
        self._loaded: set[str] = set()
        self._limits: dict[str, dict[str, int]] = {}  # charger -> DeviceDataCtrlr limits
        self._request_ids = itertools.count(random.randint(1000, 900_000))

    # ------------------------------------------------------------ helpers
    def version(self, charger_id: str) -> str:
        return self.central.version_of(charger_id).label

    async def _call(self, charger_id: str, action: str, payload: dict[str, Any]) -> Any:
        return await self.central.call(charger_id, action, payload, self.call_timeout)

    @property
    def _store(self) -> CaptureStore:
        return self.central.store

    # ------------------------------------------------------------ snapshots
    def _snapshot_path(self, snapshot: Snapshot) -> Path | None:
        if self.snapshot_dir is None:
            return None
        safe = re.sub(r"[^A-Za-z0-9._-]", "_", snapshot.charger) or "_"
        return self.snapshot_dir / safe / f"{snapshot.taken_us}.json"

    def _keep(self, snapshot: Snapshot) -> Snapshot:
        self._load(snapshot.charger)
        self._snapshots.setdefault(snapshot.charger, []).append(snapshot)
        path = self._snapshot_path(snapshot)
        if path is not None:
            try:
                private_dir(path.parent)
                with open_private(path) as out:  # 0600: a snapshot can hold vendor secrets
                    out.write(json.dumps(snapshot.to_json(redact_secrets=True), indent=1,
                                         ensure_ascii=False))
            except OSError as exc:
                snapshot.notes.append(f"Snapshot not saved to {path}: {exc}")
        return snapshot

    def _load(self, charger_id: str) -> None:
        if charger_id in self._loaded:
            return
        self._loaded.add(charger_id)
        if self.snapshot_dir is None:
            return
        safe = re.sub(r"[^A-Za-z0-9._-]", "_", charger_id) or "_"
        folder = self.snapshot_dir / safe
        loaded = []
        for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
            try:
                snap = Snapshot.from_json(json.loads(path.read_text(encoding="utf-8")))
            except (OSError, ValueError, KeyError, TypeError) as exc:
                log.warning("snapshot %s unreadable: %s", path, exc)
                continue
            if snap.charger == charger_id:
                loaded.append(snap)
        mine = self._snapshots.get(charger_id, [])
        self._snapshots[charger_id] = sorted(loaded + mine, key=lambda s: s.taken_us)

    def snapshots(self, charger_id: str) -> list[Snapshot]:
        """Every snapshot of the charger, newest last."""
        self._load(charger_id)
        return list(self._snapshots.get(charger_id, []))

    def latest(self, charger_id: str) -> Snapshot | None:
        snaps = self.snapshots(charger_id)
        return snaps[-1] if snaps else None

    @staticmethod
    def reboot_needed(results: list[WriteResult]) -> bool:
        return any(r.status == "RebootRequired" for r in results)

    # ------------------------------------------------------------ reading
    async def read_all(self, charger_id: str, full_inventory: bool = False) -> Snapshot:
        if self.version(charger_id) == "1.6":
            snapshot = await self._read_all_16(charger_id)
        else:
            snapshot = await self._read_all_201(charger_id, full_inventory)
        return self._keep(snapshot)

    def _item_16(self, entry: dict[str, Any]) -> ConfigItem:
        key = entry["key"]
        info = info_16(key)
        return ConfigItem.from_16(key, entry.get("value"), bool(entry.get("readonly")), info,
                                  None if info else vendor_info(key))

    async def _get_configuration(self, charger_id: str, keys: list[str], max_keys: int,
                                 snapshot: Snapshot) -> None:
        size = max(1, max_keys)
        for start in range(0, len(keys), size):
            batch = keys[start:start + size]
            answer = await self._call(charger_id, "GetConfiguration", {"key": batch})
            for entry in answer.get("configurationKey") or []:
                snapshot.items[entry["key"]] = self._item_16(entry)
            for name in answer.get("unknownKey") or []:
                if name not in snapshot.unknown_keys:
                    snapshot.unknown_keys.append(name)

    async def _read_all_16(self, charger_id: str) -> Snapshot:
        snapshot = Snapshot(charger_id, "1.6", now_us())
        answer = await self._call(charger_id, "GetConfiguration", {})
        for entry in answer.get("configurationKey") or []:
            snapshot.items[entry["key"]] = self._item_16(entry)
        snapshot.unknown_keys.extend(answer.get("unknownKey") or [])
        listed = len(snapshot.items)
        # Standard keys not listed (write-only ones are never listed): ask by name, in
        # batches of GetConfigurationMaxKeys, to learn which exist.
        missing = [k for k in CATALOGUE_16 if k not in snapshot.items]
        if "GetConfigurationMaxKeys" in missing:
            missing.remove("GetConfigurationMaxKeys")
            await self._get_configuration(charger_id, ["GetConfigurationMaxKeys"], 1, snapshot)
        max_keys = self._max_keys(snapshot)
        if max_keys is not None and listed >= max_keys:
            snapshot.notes.append(
                f"The charger sent {listed} keys when asked for all, as many as its "
                f"GetConfigurationMaxKeys ({max_keys}); vendor keys beyond that may be missing.")
        await self._get_configuration(
            charger_id, missing, max_keys or DEFAULT_GET_CONFIGURATION_MAX_KEYS, snapshot)
        return snapshot

    @staticmethod
    def _max_keys(snapshot: Snapshot) -> int | None:
        try:
            return max(1, int(snapshot.value("GetConfigurationMaxKeys") or ""))
        except ValueError:
            return None

    async def _read_all_201(self, charger_id: str, full_inventory: bool) -> Snapshot:
        snapshot = Snapshot(charger_id, "2.0.1", now_us())
        base = "FullInventory" if full_inventory else "ConfigurationInventory"
        request_id = next(self._request_ids)
        parts: dict[int, dict[str, Any]] = {}
        last_seq: list[int] = []
        changed = asyncio.Event()

        def listen(record: Any) -> None:
            if (not isinstance(record, FrameRecord) or record.charger != charger_id
                    or record.direction is not Direction.TO_CSMS or record.message_type != 2
                    or record.action != "NotifyReport"):
                return
            try:
                payload = loads(record.raw)[3]
                if int(payload.get("requestId")) != request_id:
                    return
                seq = int(payload["seqNo"])
            except (ValueError, TypeError, KeyError, IndexError):
                return
            parts[seq] = payload
            if not payload.get("tbc", False):
                last_seq.append(seq)
            changed.set()

        def complete() -> bool:
            return bool(last_seq) and all(i in parts for i in range(min(last_seq) + 1))

        self._store.add_listener(listen)
        try:
            answer = await self._call(charger_id, "GetBaseReport",
                                      {"requestId": request_id, "reportBase": base})
            status = answer.get("status")
            if status != "Accepted":
                snapshot.notes.append(f"The charger answered GetBaseReport({base}) with {status}"
                                      f"{' ' + _status_info(answer.get('statusInfo')) if answer.get('statusInfo') else ''}"
                                      "; nothing to read.")
                return snapshot
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
                # each part that arrives gives the rest another report_timeout
                deadline = loop.time() + self.report_timeout
        finally:
            self._store.remove_listener(listen)
        if not complete():
            total = (min(last_seq) + 1) if last_seq else None
            top = total if total is not None else (max(parts) + 2 if parts else 1)
            missing = [i for i in range(top) if i not in parts]
            of = str(total) if total is not None else "?"
            for seq in missing:
                snapshot.notes.append(
                    f"NotifyReport part {seq + 1} of {of} (seqNo {seq}) missing after "
                    f"{self.report_timeout:g} s; the settings it held are not shown.")
        for seq in sorted(parts):
            for report in parts[seq].get("reportData") or []:
                try:
                    entries = entries_from_report(report)
                except (KeyError, TypeError) as exc:
                    snapshot.notes.append(f"Unreadable report entry in part {seq + 1}: {exc}")
                    continue
                for entry in entries:
                    self._add_entry(snapshot, entry)
        self._remember_limits(charger_id, snapshot)
        return snapshot

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

    async def _limits_201(self, charger_id: str, instance: str) -> tuple[int, int]:
        """(ItemsPerMessage, BytesPerMessage) for GetVariables or SetVariables."""
        limits = self._limits.setdefault(charger_id, {})
        items_key, bytes_key = f"ItemsPerMessage.{instance}", f"BytesPerMessage.{instance}"
        if items_key not in limits or bytes_key not in limits:
            refs = [VariableRef("DeviceDataCtrlr", name, variable_instance=inst)
                    for name in ("ItemsPerMessage", "BytesPerMessage")
                    for inst in ("GetVariables", "SetVariables")]
            try:
                answer = await self._call(charger_id, "GetVariables", {"getVariableData": [
                    {"component": r.component_json(), "variable": r.variable_json()}
                    for r in refs]})
            except (CallError, CallTimeout, InvalidPayload) as exc:
                log.info("%s: DeviceDataCtrlr limits not readable: %s", charger_id, exc)
                answer = {}
            for result in answer.get("getVariableResult") or []:
                if result.get("attributeStatus") == "Accepted":
                    try:
                        limits[f"{result['variable']['name']}."
                               f"{result['variable'].get('instance')}"] = int(float(
                                   result.get("attributeValue")))
                    except (KeyError, TypeError, ValueError):
                        pass
            limits.setdefault("ItemsPerMessage.GetVariables", DEFAULT_ITEMS_PER_MESSAGE)
            limits.setdefault("ItemsPerMessage.SetVariables", DEFAULT_ITEMS_PER_MESSAGE)
            limits.setdefault("BytesPerMessage.GetVariables", DEFAULT_BYTES_PER_MESSAGE)
            limits.setdefault("BytesPerMessage.SetVariables", DEFAULT_BYTES_PER_MESSAGE)
        return max(1, limits[items_key]), max(200, limits[bytes_key])

    @staticmethod
    def _batches(items: list[dict[str, Any]], max_items: int, max_bytes: int,
                 action: str) -> list[list[dict[str, Any]]]:
        """Split request items so each CALL has at most max_items and fits max_bytes."""
        overhead = len(dumps([2, "x" * 36, action, {"setVariableData": []}]))
        batches: list[list[dict[str, Any]]] = []
        current: list[dict[str, Any]] = []
        size = overhead
        for item in items:
            item_size = len(dumps(item).encode("utf-8")) + 1
            if current and (len(current) >= max_items or size + item_size > max_bytes):
                batches.append(current)
                current, size = [], overhead
            current.append(item)
            size += item_size
        if current:
            batches.append(current)
        return batches

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
        version = self.version(charger_id)
        snapshot = Snapshot(charger_id, version, now_us(),
                            items={k: ConfigItem.from_json(v.to_json(False))
                                   for k, v in (base.items.items() if base else [])},
                            unknown_keys=list(base.unknown_keys) if base else [])
        snapshot.notes.append(f"Refreshed {len(keys)} setting(s) of an earlier read."
                              if base else f"Read {len(keys)} setting(s) only.")
        if version == "1.6":
            max_keys = self._max_keys(snapshot) or DEFAULT_GET_CONFIGURATION_MAX_KEYS
            await self._get_configuration(charger_id, list(keys), max_keys, snapshot)
        else:
            await self._get_variables(charger_id, keys, snapshot)
        return self._keep(snapshot)

    async def _get_variables(self, charger_id: str, keys: list[str], snapshot: Snapshot) -> None:
        refs: dict[VariableRef, str] = {}
        for key in keys:
            try:
                refs[self._ref_for(charger_id, key)] = key
            except ValueError as exc:
                snapshot.notes.append(str(exc))
        max_items, max_bytes = await self._limits_201(charger_id, "GetVariables")
        requests = []
        for ref in refs:
            data: dict[str, Any] = {"component": ref.component_json(),
                                    "variable": ref.variable_json()}
            if ref.attribute != "Actual":
                data["attributeType"] = ref.attribute
            requests.append(data)
        for batch in self._batches(requests, max_items, max_bytes, "GetVariables"):
            answer = await self._call(charger_id, "GetVariables", {"getVariableData": batch})
            for result in answer.get("getVariableResult") or []:
                ref = VariableRef.from_ocpp(result["component"], result["variable"],
                                            result.get("attributeType"))
                key = refs.get(ref, ref.label())
                status = result.get("attributeStatus")
                item = snapshot.items.get(key)
                if status == "Accepted":
                    if item is None:
                        entry = VariableEntry(ref=ref, description=describe_201(
                            ref.component, ref.variable, ref.variable_instance),
                            **classify_201(ref))
                        item = ConfigItem.from_201(entry, is_standard_201(ref.component,
                                                                         ref.variable))
                        snapshot.items[key] = item
                    item.value = result.get("attributeValue")
                else:
                    snapshot.notes.append(f"{key}: {status}"
                                          f"{' ' + _status_info(result.get('attributeStatusInfo')) if result.get('attributeStatusInfo') else ''}")
                    if status in ("UnknownComponent", "UnknownVariable") and \
                            key not in snapshot.unknown_keys:
                        snapshot.unknown_keys.append(key)
        self._remember_limits(charger_id, snapshot)

    # ------------------------------------------------------------ planning
    def _check(self, version: str, base: Snapshot | None, key: str,
               value: str) -> tuple[str | None, str | None, ConfigItem | None]:
        """(problem, danger, item) for writing ``value`` to ``key``."""
        item = base.items.get(key) if base else None
        if not isinstance(value, str):
            return "The value must be text (in quotes).", None, item
        if version == "1.6":
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
        if version == "1.6":
            for key, value in to_send:
                try:
                    answer = await self._call(charger_id, "ChangeConfiguration",
                                              {"key": key, "value": value})
                    done(WriteResult(key, value, answer.get("status", "Error"), ""))
                except (CallError, CallTimeout, ConnectionClosed, InvalidPayload) as exc:
                    done(WriteResult(key, value, *_call_outcome(exc)))
        elif to_send:
            await self._set_variables(charger_id, to_send, done)
        return [results[k] for k in changes if k in results]

    async def _set_variables(self, charger_id: str, to_send: list[tuple[str, str]],
                             done: Callable[[WriteResult], None]) -> None:
        requests: list[dict[str, Any]] = []
        by_ref: dict[VariableRef, tuple[str, str]] = {}
        for key, value in to_send:
            ref = self._ref_for(charger_id, key)
            by_ref[ref] = (key, value)
            data: dict[str, Any] = {"attributeValue": value, "component": ref.component_json(),
                                    "variable": ref.variable_json()}
            if ref.attribute != "Actual":
                data["attributeType"] = ref.attribute
            requests.append(data)
        try:
            max_items, max_bytes = await self._limits_201(charger_id, "SetVariables")
        except ConnectionClosed as exc:
            for key, value in to_send:
                done(WriteResult(key, value, *_call_outcome(exc)))
            return
        for batch in self._batches(requests, max_items, max_bytes, "SetVariables"):
            batch_refs = [VariableRef.from_ocpp(r["component"], r["variable"],
                                                r.get("attributeType")) for r in batch]
            try:
                answer = await self._call(charger_id, "SetVariables", {"setVariableData": batch})
            except (CallError, CallTimeout, ConnectionClosed, InvalidPayload) as exc:
                for ref in batch_refs:
                    key, value = by_ref[ref]
                    done(WriteResult(key, value, *_call_outcome(exc)))
                continue
            answered: set[VariableRef] = set()
            for result in answer.get("setVariableResult") or []:
                try:
                    ref = VariableRef.from_ocpp(result["component"], result["variable"],
                                                result.get("attributeType"))
                except (KeyError, TypeError):
                    continue
                if ref not in by_ref:
                    continue
                answered.add(ref)
                key, value = by_ref[ref]
                done(WriteResult(key, value, result.get("attributeStatus", "Error"),
                                 _status_info(result.get("attributeStatusInfo"))))
            for ref in batch_refs:
                if ref not in answered:
                    key, value = by_ref[ref]
                    done(WriteResult(key, value, "Error",
                                     "The charger's answer did not mention this setting."))
