"""``export`` and ``import``: a capture database to JSON Lines and back."""

from __future__ import annotations

import argparse
import logging
import sys

from ..settings import default_capture_path

log = logging.getLogger(__name__)


def register(commands: argparse._SubParsersAction) -> None:
    export = commands.add_parser("export", help="write a capture database as JSON Lines")
    export.add_argument("--capture", default=str(default_capture_path()),
                        help=f"capture database to read (default {default_capture_path()})")
    export.add_argument("output", help="JSON Lines file to write")
    export.add_argument("--reveal-secrets", action="store_true",
                        help="write charger passwords in clear (masked by default)")
    export.set_defaults(func=export_capture)
    imp = commands.add_parser("import", help="read a JSON Lines capture into a database")
    imp.add_argument("--capture", default=str(default_capture_path()),
                     help=f"capture database to add to (default {default_capture_path()})")
    imp.add_argument("input", help="JSON Lines file to read")
    imp.set_defaults(func=import_capture)


def export_capture(args: argparse.Namespace) -> int:
    from ..capture.existing import CaptureOpenError, open_existing
    from ..capture.jsonl import export_jsonl
    try:
        # export reads: a wrong path must not create an empty capture and "write 0 lines"
        store = open_existing(args.capture, notice=lambda text: print(text, file=sys.stderr))
    except CaptureOpenError as exc:
        print(f"Cannot export: {exc}", file=sys.stderr)
        return 2
    try:
        lines = export_jsonl(store, args.output, reveal_secrets=args.reveal_secrets)
    except Exception as exc:  # export_jsonl removed its partial file: say so, exit 1
        log.debug("export failed", exc_info=True)
        print(f"export failed, nothing written to {args.output}: {exc}", file=sys.stderr)
        return 1
    finally:
        store.close()
    print(f"wrote {lines} lines to {args.output}")
    return 0


def import_capture(args: argparse.Namespace) -> int:
    from ..capture.jsonl import import_jsonl
    from ..capture.store import CaptureStore
    store = CaptureStore(args.capture)
    try:
        result = import_jsonl(store, args.input)
    finally:
        store.close()
    print(f"imported {result.frames} frames and {result.events} events into {args.capture}")
    for error in result.errors[:20]:
        print(f"  skipped {error}", file=sys.stderr)
    return 1 if result.errors else 0
