"""``serial``: a charger's serial debug console, the same source as the window's Serial
console tab (Studio.start_serial)."""

from __future__ import annotations

import argparse
import asyncio

from ..settings import AppSettings, default_capture_path
from .common import CommandError, add_ocpp_option, run_async


def register(commands: argparse._SubParsersAction) -> None:
    serial = commands.add_parser("serial", help="read a charger's serial debug console")
    serial.add_argument("--device", required=True, help="e.g. /dev/ttyUSB0 or COM3")
    serial.add_argument("--baud", type=int, default=115200, help="baud rate (default 115200)")
    serial.add_argument("--data-bits", type=int, choices=(5, 6, 7, 8), default=8,
                        help="data bits (default 8)")
    serial.add_argument("--parity", choices=("N", "E", "O", "M", "S"), default="N",
                        help="none, even, odd, mark, space (default N)")
    serial.add_argument("--stop-bits", type=float, choices=(1, 1.5, 2), default=1,
                        help="stop bits (default 1)")
    serial.add_argument("--flow", choices=("none", "rtscts", "xonxoff"), default="none",
                        help="flow control (default none)")
    serial.add_argument("--pattern", default="arrows",
                        help="bare, arrows (send/recv, tx/rx, >>/<<, ->) or a regex with named "
                        "groups 'frame' and 'direction'")
    serial.add_argument("--answer", action="store_true",
                        help="the charger speaks OCPP-J over the line; answer as the CSMS")
    add_ocpp_option(serial, help="version spoken in --answer mode (default 1.6)")
    serial.add_argument("--charger", help="charger id to record (default: the device name)")
    serial.add_argument("--capture", default=str(default_capture_path()),
                        help=f"capture database (default {default_capture_path()})")
    serial.add_argument("--quiet", action="store_true", help="do not print console lines")
    serial.set_defaults(func=run, log_to_file=True)


def run(args: argparse.Namespace) -> int:
    return run_async(_serial(args))


async def _serial(args: argparse.Namespace) -> int:
    from ..service import Studio
    from ..transports.serial_prefs import SerialChoice
    choice = SerialChoice(baud=args.baud, bytesize=args.data_bits, parity=args.parity,
                          stopbits=args.stop_bits, rtscts=args.flow == "rtscts",
                          xonxoff=args.flow == "xonxoff",
                          mode="answer" if args.answer else "observe", pattern=args.pattern,
                          charger_id=args.charger or "", ocpp_version=args.ocpp)
    studio = Studio(AppSettings(capture_path=args.capture))
    try:
        console = await studio.start_serial(args.device, choice)
    except (OSError, ValueError) as exc:
        await studio.stop()
        raise CommandError(f"Cannot use {args.device}: {exc}") from None
    console.status_changed.connect(lambda status: print(f"** {status.message}", flush=True))
    if console.status is not None:
        print(f"** {console.status.message}", flush=True)
    if not args.quiet:  # after the recorder: a line is in the capture before it is shown
        console.line_received.connect(lambda line: print(line.text, flush=True))
    try:
        await asyncio.Future()
    finally:
        await studio.stop()
    return 0
