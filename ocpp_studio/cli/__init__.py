"""``ocpp-studio``: the GUI by default, headless subcommands for the rest.

    ocpp-studio [--demo] [--open CAPTURE]         open the window (with demo chargers)
    ocpp-studio serve [--host H] [--port P] ...   headless CSMS, one line per frame
    ocpp-studio demo-charger --url ws://H:P/ID --ocpp 1.6|2.0.1|2.1
    ocpp-studio call --api PORT CHARGER ACTION 'JSON'
    ocpp-studio op NAME --api PORT CHARGER [--field K=V ...] [--yes]   (op --list: the list)
    ocpp-studio export --capture DB OUT.jsonl / import --capture DB IN.jsonl
    ocpp-studio meter export CAPTURE --charger ID [--connector N] --csv FILE
    ocpp-studio config pull --api PORT CHARGER --out FILE.json [--snapshot] [--keys K1,K2]
    ocpp-studio config push --api PORT CHARGER FILE.json [--yes] [--dry-run]
    ocpp-studio offpeak show|clear --api PORT CHARGER
    ocpp-studio offpeak apply --api PORT CHARGER (--default | --hours FILE.json) [--delay S]
    ocpp-studio ca export --out studio-ca.pem     the studio CA's certificate, for chargers
"""

# One module per command (group): ``register(commands)`` adds its parser and
# ``set_defaults(func=RUN)``, where RUN(args) returns the exit status; commands that run for
# hours also set ``log_to_file=True``. A new option goes into its command's ``register``.

from __future__ import annotations

import argparse
import logging
import sys
from typing import Sequence

from .. import __version__
from ..settings import AppSettings
from . import (ca, call, capture, cert, commission, config, demo_charger, firmware, logs,
               meter, offpeak, op, proxy, security, serial_console, serve)
from .common import CommandError, add_server_options, format_record, settings_from

__all__ = ["main", "format_record"]

#: the subcommands, in the order ``--help`` lists them
COMMANDS = (serve, demo_charger, call, op, capture, config, offpeak, commission, proxy,
            serial_console, meter, ca, cert, security, logs, firmware)


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ocpp-studio", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--demo", action="store_true",
                        help="open the window with two built-in demo chargers (1.6 and 2.0.1)")
    parser.add_argument("--open", metavar="CAPTURE", dest="open_path",
                        help="open a saved capture (.jsonl export or .db) in the window")
    add_server_options(parser)
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}",
                        help="print the version and exit")
    parser.add_argument("--self-test", action="store_true",
                        help="check this installation offscreen (schemas, files, window, demo "
                        "chargers) and exit 0 when it works")
    parser.set_defaults(func=_window, log_to_file=False)  # no subcommand: the window
    commands = parser.add_subparsers(dest="command")
    for command in COMMANDS:
        command.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _build_parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if args.self_test:
        from ..ui.self_test import run_self_test
        return run_self_test()
    if not args.log_to_file:
        return _run(args)
    from ..applog import remove_file_logging, setup_file_logging
    setup_file_logging()  # long-running: also to the log file (the GUI's is set up in run_gui)
    try:
        return _run(args)
    finally:
        remove_file_logging()


def _run(args: argparse.Namespace) -> int:
    """The command's exit status; a capture another studio holds is one plain line naming
    that process, exit 2."""
    from ..capture.lock import CaptureInUse
    try:
        return int(args.func(args))
    except CaptureInUse as exc:
        print(exc, file=sys.stderr)
        return 2
    except CommandError as exc:
        print(exc, file=sys.stderr)
        return exc.code


def _window(args: argparse.Namespace) -> int:
    from ..gc_pacing import StartPause
    start_pause = StartPause()
    start_pause.pause()  # no collections over the window's imports, until its first paint
    from ..ui.app import run_gui
    settings = settings_from(args, AppSettings.load())
    return run_gui(settings, demo=args.demo, open_path=args.open_path, start_pause=start_pause)
