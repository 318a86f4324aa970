"""Capture export and import as JSON Lines (format: schemas/capture-line.schema.json).

Frames and events are written in the order they happened; raw frames are kept
exactly as on the wire. Import re-numbers ids so a file can be merged into a
database that already holds frames, keeping request/response pairs intact.
"""

from __future__ import annotations

import itertools
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Sequence

import fastjsonschema

from ..resources import schema_path
from ..settings import open_private
from ..core.records import ConnectionEvent, Direction, FrameRecord, iso_from_us, now_us
from .redaction import redact_raw
from .store import CaptureStore

FORMAT = "ocpp-studio-capture"
FORMAT_VERSION = 1
#: Lines imported per transaction.
IMPORT_CHUNK_LINES = 20_000
#: Frames read per query when exporting a filtered view.
EXPORT_BATCH = 5_000


def frame_line(record: FrameRecord, reveal_secrets: bool = True) -> dict[str, Any]:
    """One export line. With reveal_secrets=False, passwords in the raw frame are masked."""
    raw = record.raw if reveal_secrets else redact_raw(record.raw)
    return {
        "type": "frame", "id": record.id, "ts": iso_from_us(record.ts_us), "ts_us": record.ts_us,
        "charger": record.charger, "connection_id": record.connection_id,
        "direction": record.direction.value, "message_type": record.message_type,
        "unique_id": record.unique_id, "action": record.action, "valid": record.valid,
        "violations": record.violations, "problem": record.problem,
        "error_code": record.error_code, "pair_id": record.pair_id,
        "latency_ms": record.latency_ms, "state": record.state, "raw": raw,
    }


def event_line(event: ConnectionEvent) -> dict[str, Any]:
    return {"type": "event", "id": event.id, "ts": iso_from_us(event.ts_us), "ts_us": event.ts_us,
            "charger": event.charger, "connection_id": event.connection_id, "kind": event.kind,
            "detail": event.detail}


def _merged(frames: Iterable[FrameRecord], events: list[ConnectionEvent],
            reveal_secrets: bool) -> Iterator[dict[str, Any]]:
    """Frames and events interleaved by time (events first on a tie)."""
    pending = iter(events)
    next_event = next(pending, None)
    for record in frames:
        while next_event is not None and next_event.ts_us <= record.ts_us:
            yield event_line(next_event)
            next_event = next(pending, None)
        yield frame_line(record, reveal_secrets)
    while next_event is not None:
        yield event_line(next_event)
        next_event = next(pending, None)


def export_jsonl(store: CaptureStore, path: str | Path,
                 frames: Iterable[FrameRecord] | None = None,
                 events: list[ConnectionEvent] | None = None, *,
                 reveal_secrets: bool = False) -> int:
    """Write the whole capture (or the given frames/events) to ``path``; return lines written.

    Charger passwords in frames are masked unless ``reveal_secrets`` (issue 5: never
    in clear in exports unless the user asks)."""
    frames = store.iter_frames() if frames is None else frames
    events = store.events() if events is None else events
    from .. import __version__
    count = 0
    target = Path(path)
    # Written beside the target and renamed at the end: a failed export leaves no
    # truncated file behind (nor destroys an earlier export of the same name).
    partial = target.with_name(f".{target.name}.part")
    try:
        with open_private(partial) as out:
            header = {"type": "header", "format": FORMAT, "version": FORMAT_VERSION,
                      "exported_at": iso_from_us(now_us()),
                      "application": f"OCPP Studio {__version__}"}
            out.write(json.dumps(header) + "\n")
            for line in _merged(frames, events, reveal_secrets):
                out.write(json.dumps(line, ensure_ascii=False) + "\n")
                count += 1
        os.replace(partial, target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return count



def export_jsonl_file(db_path: str | Path, out_path: str | Path,
                      frame_ids: Sequence[int] | None = None,
                      events: list[ConnectionEvent] | None = None, *,
                      reveal_secrets: bool = False) -> int:
    """Export from a capture file through its own read-only connection, so it can
    run in a worker thread while the live capture keeps recording. ``frame_ids``
    limits the export to those frames (a filtered view), read in batches."""
    from .query import frames_by_ids
    reader = CaptureStore(db_path, read_only=True)
    try:
        frames = None
        if frame_ids is not None:
            ids = list(frame_ids)
            frames = (record for start in range(0, len(ids), EXPORT_BATCH)
                      for record in frames_by_ids(reader, ids[start:start + EXPORT_BATCH]))
        return export_jsonl(reader, out_path, frames=frames, events=events,
                            reveal_secrets=reveal_secrets)
    finally:
        reader.close()


@dataclass
class ImportResult:
    frames: int = 0
    events: int = 0
    errors: list[str] = field(default_factory=list)  # "line N: why"


def _line_validators() -> dict[str, Any]:
    """One compiled validator per line type. fastjsonschema turns the schema into
    Python code: about 60 times faster than jsonschema on capture lines, which
    matters when a support engineer opens a million-frame export."""
    schema = json.loads(_schema_path().read_text(encoding="utf-8"))
    return {kind: fastjsonschema.compile({"$schema": schema["$schema"],
                                          "$ref": f"#/$defs/{kind}", "$defs": schema["$defs"]})
            for kind in ("header", "frame", "event")}


def _schema_path() -> Path:
    return schema_path("capture-line.schema.json")  # the repository's or the bundle's schemas/


class ImportCancelled(Exception):
    """The import was stopped by its progress callback (the user pressed Cancel)."""


#: Told (bytes read, bytes in the file) after each chunk; returns False to stop the import.
ImportProgress = Callable[[int, int], bool]


def import_jsonl(store: CaptureStore, path: str | Path,
                 progress: ImportProgress | None = None) -> ImportResult:
    """Read a JSON Lines capture into ``store``. Bad lines are reported, not fatal.

    ``progress`` is called after every chunk of lines (from the importing thread); when it
    returns False the import stops with ImportCancelled, the chunks before it committed."""
    validators = _line_validators()
    result = ImportResult()
    frame_ids: dict[int, int] = {}
    connection_ids: dict[int, int] = {}
    total = os.path.getsize(path)
    done = 0

    def connection(old: int | None) -> int | None:
        if old is None:
            return None
        if old not in connection_ids:
            connection_ids[old] = store.new_connection_id()
        return connection_ids[old]

    with open(path, "rb") as lines:  # bytes: the position is known for the progress
        numbered = enumerate(lines, start=1)
        while True:
            chunk = list(itertools.islice(numbered, IMPORT_CHUNK_LINES))
            if not chunk:
                break
            with store.bulk_import():  # one transaction per chunk, not per frame
                for number, raw in chunk:
                    done += len(raw)
                    try:
                        text = raw.decode("utf-8")
                    except UnicodeDecodeError:
                        result.errors.append(f"line {number}: not UTF-8 text")
                        continue
                    _import_line(store, validators, number, text, result, frame_ids, connection)
            if progress is not None and not progress(done, total):
                raise ImportCancelled(f"stopped after {result.frames} frames")
    return result


def _import_line(store: CaptureStore, validators: dict[str, Any], number: int, text: str,
                 result: ImportResult, frame_ids: dict[int, int], connection: Any) -> None:
    if not text.strip():
        return
    try:
        line = json.loads(text)
    except ValueError as exc:
        result.errors.append(f"line {number}: not JSON ({exc})")
        return
    validator = validators.get(line.get("type")) if isinstance(line, dict) else None
    if validator is None:
        result.errors.append(f"line {number}: not a header, frame or event line")
        return
    try:
        validator(line)
    except fastjsonschema.JsonSchemaValueException as error:
        message = error.message.replace("data", "line", 1)
        result.errors.append(f"line {number}: {_shorten(message)}")
        return
    if line["type"] == "header":
        return
    if line["type"] == "event":
        store.record_event(ConnectionEvent(
            line["charger"], line["kind"], line["detail"], ts_us=line["ts_us"],
            connection_id=connection(line.get("connection_id"))))
        result.events += 1
        return
    record = FrameRecord(
        charger=line["charger"], direction=Direction(line["direction"]), raw=line["raw"],
        ts_us=line["ts_us"], connection_id=connection(line.get("connection_id")),
        message_type=line.get("message_type"), unique_id=line.get("unique_id"),
        action=line.get("action"), valid=line.get("valid"),
        violations=line.get("violations") or [], problem=line.get("problem"),
        error_code=line.get("error_code"),
        pair_id=frame_ids.get(line["pair_id"]) if line.get("pair_id") else None,
        latency_ms=line.get("latency_ms"), state=line.get("state"))
    frame_ids[line["id"]] = store.record_frame(record)
    result.frames += 1


def _shorten(text: str, limit: int = 160) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
