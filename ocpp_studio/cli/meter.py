"""``meter export``: a charger's meter samples in a capture as CSV."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..capture.store import CaptureStore

METER_CSV_COLUMNS = ("time_utc", "charger", "connector", "measurand", "phase", "value", "unit",
                     "context", "transaction_id", "frame_id")


def register(commands: argparse._SubParsersAction) -> None:
    meter = commands.add_parser("meter", help="meter data of a capture")
    meter_commands = meter.add_subparsers(dest="meter_command", required=True)
    export = meter_commands.add_parser(
        "export", help="write a charger's meter samples as CSV (one row per sample)")
    export.add_argument("capture", help="capture database (.db)")
    export.add_argument("--charger", required=True, help="charger id")
    export.add_argument("--connector", help="only this connector (1.6) / EVSE (2.0.1)")
    export.add_argument("--csv", required=True, metavar="FILE", help="CSV file to write")
    export.set_defaults(func=export_csv)


def export_csv(args: argparse.Namespace) -> int:
    """Every meter sample of one charger in a capture, in time order."""
    path = Path(args.capture)
    store = _open(path)
    if store is None:
        return 2
    try:
        samples, problems = _samples(store, args.charger, args.connector)
    finally:
        store.close()
    if not samples:
        where = f" connector {args.connector}" if args.connector is not None else ""
        print(f"No meter samples for charger {args.charger!r}{where} in {path}.",
              file=sys.stderr)
        return 1
    _write_csv(samples, args.csv)
    note = f" ({problems} unreadable meter values skipped)" if problems else ""
    print(f"wrote {len(samples)} rows to {args.csv}{note}")
    return 0


def _open(path: Path) -> CaptureStore | None:
    """The capture database, or an export (what a customer sends) read into memory; None
    (after saying why) when there is nothing to read."""
    from ..capture.store import CaptureStore
    if not path.is_file():
        print(f"No capture file at {path}", file=sys.stderr)
        return None
    if path.suffix.lower() in (".jsonl", ".ndjson", ".json"):
        from ..capture.jsonl import import_jsonl
        store = CaptureStore(":memory:")
        result = import_jsonl(store, path)
        if result.errors:
            print(f"{len(result.errors)} unreadable line(s) skipped; first: {result.errors[0]}",
                  file=sys.stderr)
        return store
    from ..capture.existing import CaptureOpenError, open_existing
    try:
        return open_existing(path, notice=lambda text: print(text, file=sys.stderr))
    except CaptureOpenError as exc:
        print(exc, file=sys.stderr)
        return None


def _samples(store: CaptureStore, charger: str, connector: str | None) -> tuple[list[Any], int]:
    """The samples (of one connector, if given) in time order, and how many meter values
    could not be read. The same frames, order and transaction -> connector map as the
    plot's replay (MeteringService.load); rows are the samples themselves (series merge
    same-time ones)."""
    from ..metering.samples import meter_frames, samples_from_frame
    tx_map: dict[str, str] = {}
    samples = []
    problems = 0
    for record in meter_frames(store, charger):
        found, trouble = samples_from_frame(record, tx_map)
        problems += len(trouble)
        samples.extend(s for s in found if connector is None or s.connector == str(connector))
    samples.sort(key=lambda s: (s.ts_us, s.frame_id or 0))
    return samples, problems


def _write_csv(samples: list[Any], path: str) -> None:
    import csv

    from ..core.records import iso_from_us
    with open(path, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(METER_CSV_COLUMNS)
        for s in samples:
            writer.writerow([iso_from_us(s.ts_us), s.charger, s.connector, s.measurand,
                             s.phase or "", "" if s.value != s.value else repr(s.value), s.unit,
                             s.context or "", s.transaction_id or "", s.frame_id or ""])
