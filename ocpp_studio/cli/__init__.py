"""``ocpp-studio``: the GUI by default, headless subcommands for the rest.

    ocpp-studio [--demo] [--open CAPTURE]         open the window (with demo chargers)
    ocpp-studio serve [--host H] [--port P] ...   headless CSMS, one line per frame
    ocpp-studio demo-charger --url ws://H:P/ID --ocpp 1.6|2.0.1
    ocpp-studio call --api PORT CHARGER ACTION 'JSON'
    ocpp-studio export --capture DB OUT.jsonl / import --capture DB IN.jsonl
    ocpp-studio meter export CAPTURE --charger ID [--connector N] --csv FILE
    ocpp-studio config pull --api PORT CHARGER --out FILE.json [--snapshot] [--keys K1,K2]
    ocpp-studio config push --api PORT CHARGER FILE.json [--yes] [--dry-run]
    ocpp-studio offpeak show|clear --api PORT CHARGER
    ocpp-studio offpeak apply --api PORT CHARGER (--default | --hours FILE.json) [--delay S]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import sys
from datetime import datetime
from pathlib import Path
from typing import Any, Sequence
from urllib.parse import urlsplit, urlunsplit

from ..capture.redaction import redact_raw
from .. import __version__
from ..core.frames import loads
from ..core.records import ConnectionEvent, FrameRecord
from ..core.versions import OcppVersion
from ..settings import DEFAULT_PORT, AppSettings, default_capture_path

log = logging.getLogger(__name__)

def _ocpp_label(text: str) -> str:
    """``--ocpp``: '1.6', '2.0.1' (or 'ocpp1.6', ...) -> '1.6'/'2.0.1'; a usage error (exit 2)
    rather than a traceback for anything else."""
    try:
        return OcppVersion.parse(text).label
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None

_TYPE_NAMES = {2: "CALL", 3: "RESULT", 4: "ERROR", None: "?"}


def format_record(record: FrameRecord | ConnectionEvent, width: int = 200) -> str:
    """One readable line for a frame or connection event."""
    clock = datetime.fromtimestamp(record.ts_us / 1e6).strftime("%H:%M:%S.%f")[:-3]
    if isinstance(record, ConnectionEvent):
        detail = record.detail
        if record.kind == "connected":
            text = (f"connected from {detail.get('remote')} path {detail.get('path')} "
                    f"subprotocol {detail.get('subprotocol') or 'none'}"
                    f"{' user ' + detail['auth_user'] if detail.get('auth_user') else ''}")
        elif record.kind == "refused":
            text = f"REFUSED: {detail.get('reason')}"
        else:
            text = f"{record.kind} (code {detail.get('code')}) {detail.get('reason') or ''}".rstrip()
        return f"{clock} {record.charger:<16} ** {text}"
    kind = _TYPE_NAMES.get(record.message_type, "?")
    action = record.action or "-"
    latency = f" {record.latency_ms:.1f}ms" if record.latency_ms is not None else ""
    flag = f"  !! {record.problem}" if record.problem else ""
    if record.error_code and not record.problem:
        flag = f"  !! {record.error_code}"
    line = (f"{clock} {record.charger:<16} {record.direction.arrow:<6} {kind:<6} {action:<26}"
            f"{latency} {redact_raw(record.raw)}")
    if len(line) > width:
        line = line[: width - 1] + "…"
    return line + flag


API_HELP = "port of the control API of a running studio (its --api)"
TOKEN_FILE_HELP = ("file holding the token (default: the one the studio on --api PORT "
                   "registered, then the one beside the default capture)")


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ocpp-studio", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--demo", action="store_true",
                        help="open the window with two built-in demo chargers (1.6 and 2.0.1)")
    parser.add_argument("--open", metavar="CAPTURE", dest="open_path",
                        help="open a saved capture (.jsonl export or .db) in the window")
    _add_server_options(parser)
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}",
                        help="print the version and exit")
    parser.add_argument("--self-test", action="store_true",
                        help="check this installation offscreen (schemas, files, window, demo "
                        "chargers) and exit 0 when it works")
    commands = parser.add_subparsers(dest="command")

    serve = commands.add_parser("serve", help="run the local CSMS headless")
    _add_server_options(serve)
    serve.add_argument("--demo", action="store_true", help="also run the two demo chargers")
    serve.add_argument("--quiet", action="store_true", help="do not print frames")

    demo = commands.add_parser("demo-charger", help="run a simulated charger headless")
    demo.add_argument("--url", required=True, help="ws://HOST:PORT/PATH/CHARGER_ID")
    demo.add_argument("--ocpp", default="1.6", type=_ocpp_label, metavar="1.6|2.0.1",
                      help="OCPP version to speak (default 1.6)")
    demo.add_argument("--connectors", type=int, default=1, help="number of connectors (default 1)")
    demo.add_argument("--phases", type=int, choices=(1, 3), default=None,
                      help="supply phases (default 1 for 1.6, 3 for 2.0.1)")
    demo.add_argument("--password", help="HTTP Basic password (user = charger id)")
    demo.add_argument("--charge", action="store_true", help="plug in and charge after boot")

    call = commands.add_parser("call", help="send a CALL to a charger through the control API")
    call.add_argument("--api", type=int, required=True, metavar="PORT", help=API_HELP)
    call.add_argument("--token", help="API token (default: $OCPP_STUDIO_API_TOKEN or token file)")
    call.add_argument("--token-file", help=TOKEN_FILE_HELP)
    call.add_argument("--timeout", type=float, help="seconds to wait for the charger")
    call.add_argument("charger", help="charger id")
    call.add_argument("action", help="OCPP action, e.g. Reset or TriggerMessage")
    call.add_argument("payload", nargs="?", default="{}", help="JSON object (default {})")

    export = commands.add_parser("export", help="write a capture database as JSON Lines")
    export.add_argument("--capture", default=str(default_capture_path()),
                        help=f"capture database to read (default {default_capture_path()})")
    export.add_argument("output", help="JSON Lines file to write")
    export.add_argument("--reveal-secrets", action="store_true",
                        help="write charger passwords in clear (masked by default)")
    imp = commands.add_parser("import", help="read a JSON Lines capture into a database")
    imp.add_argument("--capture", default=str(default_capture_path()),
                     help=f"capture database to add to (default {default_capture_path()})")
    imp.add_argument("input", help="JSON Lines file to read")

    config = commands.add_parser("config", help="read or write a charger's configuration "
                                 "through the control API of a running studio")
    config_commands = config.add_subparsers(dest="config_command", required=True)
    pull = config_commands.add_parser(
        "pull", help="read every setting now and write a template (or the whole snapshot)")
    push = config_commands.add_parser(
        "push", help="show what a template or settings file changes, then write it")
    for sub in (pull, push):
        sub.add_argument("--api", type=int, required=True, metavar="PORT", help=API_HELP)
        sub.add_argument("--token", help="API token (default: $OCPP_STUDIO_API_TOKEN or token "
                         "file)")
        sub.add_argument("--token-file", help=TOKEN_FILE_HELP)
        sub.add_argument("charger", help="charger id")
    pull.add_argument("--out", required=True, metavar="FILE.json", help="file to write")
    pull.add_argument("--snapshot", action="store_true",
                      help="write the whole snapshot (all settings, read-only ones and "
                      "descriptions) instead of a template")
    pull.add_argument("--keys", help="comma-separated settings to put in the template")
    pull.add_argument("--name", default="", help="template name")
    pull.add_argument("--full", action="store_true",
                      help="2.0.1: FullInventory instead of ConfigurationInventory")
    push.add_argument("file", help="a template (see schemas/config-template.schema.json) or a "
                      "JSON object {setting: value}")
    push.add_argument("--yes", action="store_true",
                      help="do not ask; also confirms settings that can cut the charger off")
    push.add_argument("--dry-run", action="store_true", help="only show the plan")

    offpeak = commands.add_parser("offpeak", help="UK off-peak charging hours and randomised "
                                  "delay through the control API of a running studio")
    offpeak_commands = offpeak.add_subparsers(dest="offpeak_command", required=True)
    op_show = offpeak_commands.add_parser("show", help="what the studio installed")
    op_apply = offpeak_commands.add_parser("apply", help="install charging hours / delay")
    op_clear = offpeak_commands.add_parser("clear", help="remove everything the studio installed")
    for sub in (op_show, op_apply, op_clear):
        sub.add_argument("--api", type=int, required=True, metavar="PORT", help=API_HELP)
        sub.add_argument("--token", help="API token (default: $OCPP_STUDIO_API_TOKEN or token "
                         "file)")
        sub.add_argument("--token-file", help=TOKEN_FILE_HELP)
        sub.add_argument("charger", help="charger id")
    which = op_apply.add_mutually_exclusive_group()
    which.add_argument("--default", action="store_true",
                       help="the regulations' default hours (no charging 08-11, 16-22 weekdays)")
    which.add_argument("--hours", metavar="FILE.json", help="custom hours (WeeklyHours JSON)")
    op_apply.add_argument("--delay", type=int, metavar="SECONDS",
                          help="randomised delay, 0-1800 s (0 cancels)")

    commission = commands.add_parser(
        "commission", help="commission a charger without questions (fleet installs): run the "
        "standard flow with a commissioning profile and write the report")
    _add_server_options(commission)
    commission.add_argument("--profile", required=True,
                            help="commissioning profile JSON (schemas/commissioning-profile.schema.json)")
    commission.add_argument("--charger", required=True, help="the charger id to wait for")
    commission.add_argument("--report", required=True, metavar="OUT.html|OUT.pdf",
                            help="report file; the extension chooses the format: .html, or "
                            ".pdf (PDF is drawn with Qt)")
    commission.add_argument("--timeout", type=float, default=300.0,
                            help="seconds to wait for the charger to connect (default 300)")

    proxy = commands.add_parser("proxy", help="log the traffic between chargers and their "
                                "real CSMS: chargers connect here, frames are relayed unchanged")
    proxy.add_argument("--listen", type=int, required=True, metavar="PORT",
                       help="port the chargers connect to")
    proxy.add_argument("--host", default="0.0.0.0", help="address to listen on (default all)")
    proxy.add_argument("--upstream", required=True,
                       help="the real CSMS base URL, e.g. wss://csms.example.com/ocpp")
    proxy.add_argument("--ca-file", help="trust this CA file for the upstream's certificate")
    proxy.add_argument("--cert", metavar="FILE",
                       help="listen on wss:// with this certificate (PEM, chain included)")
    proxy.add_argument("--key", metavar="FILE", help="the private key of --cert (PEM)")
    proxy.add_argument("--capture", default=str(default_capture_path()),
                       help=f"capture database (default {default_capture_path()})")
    proxy.add_argument("--quiet", action="store_true", help="do not print frames")

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
    serial.add_argument("--ocpp", default="1.6", type=_ocpp_label, metavar="1.6|2.0.1",
                        help="version spoken in --answer mode (default 1.6)")
    serial.add_argument("--charger", help="charger id to record (default: the device name)")
    serial.add_argument("--capture", default=str(default_capture_path()),
                        help=f"capture database (default {default_capture_path()})")
    serial.add_argument("--quiet", action="store_true", help="do not print console lines")

    meter = commands.add_parser("meter", help="meter data of a capture")
    meter_commands = meter.add_subparsers(dest="meter_command", required=True)
    meter_export = meter_commands.add_parser(
        "export", help="write a charger's meter samples as CSV (one row per sample)")
    meter_export.add_argument("capture", help="capture database (.db)")
    meter_export.add_argument("--charger", required=True, help="charger id")
    meter_export.add_argument("--connector", help="only this connector (1.6) / EVSE (2.0.1)")
    meter_export.add_argument("--csv", required=True, metavar="FILE", help="CSV file to write")
    return parser


def _add_server_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default=argparse.SUPPRESS,
                        help="address to listen on (default 0.0.0.0: every interface)")
    parser.add_argument("--port", type=int, default=argparse.SUPPRESS,
                        help=f"websocket port (default {DEFAULT_PORT})")
    parser.add_argument("--capture", default=argparse.SUPPRESS,
                        help=f"capture database (default {default_capture_path()})")
    parser.add_argument("--tolerant", action="store_true", default=argparse.SUPPRESS,
                        help="record schema violations but still process the messages")
    parser.add_argument("--accept-no-subprotocol", action="store_true", default=argparse.SUPPRESS,
                        help="accept chargers that offer no OCPP subprotocol, as 1.6")
    parser.add_argument("--password", action="append", default=argparse.SUPPRESS,
                        metavar="CHARGER=PASSWORD", help="require HTTP Basic auth (repeatable)")
    parser.add_argument("--api", type=int, default=argparse.SUPPRESS, metavar="PORT",
                        help="enable the local control API on 127.0.0.1:PORT")


def _settings_from(args: argparse.Namespace, base: AppSettings) -> AppSettings:
    settings = base
    if "host" in args:
        settings.csms.host = args.host
    if "port" in args:
        settings.csms.port = args.port
    if "capture" in args:
        settings.capture_path = args.capture
    if getattr(args, "tolerant", False):
        settings.csms.tolerant = True
    if getattr(args, "accept_no_subprotocol", False):
        settings.csms.accept_missing_subprotocol = True
    for item in getattr(args, "password", None) or []:
        charger, sep, password = item.partition("=")
        if not sep:
            raise SystemExit(f"--password wants CHARGER=PASSWORD, got {item!r}")
        settings.csms.passwords[charger] = password
    if "api" in args:
        settings.api_port = args.api
    return settings


# ---------------------------------------------------------------------- serve
async def _serve(settings: AppSettings, demo: bool, quiet: bool) -> None:
    from ..service import Studio
    studio = Studio(settings)
    if not quiet:
        studio.store.recorded.connect(lambda record: print(format_record(record), flush=True))
    try:
        await studio.start()
    except OSError as exc:
        studio.store.close()
        raise SystemExit(f"Cannot listen on {settings.csms.host}:{settings.csms.port}: {exc}. "
                         "Is another CSMS running? Choose a port with --port.")
    print(f"OCPP Studio CSMS on port {studio.server.port}; capture: {studio.capture_path}",
          flush=True)
    for url in studio.server.urls():
        print(f"  point chargers at {url}/<chargerId>", flush=True)
    if studio.api is not None:
        print(f"Control API on http://127.0.0.1:{studio.api.port}/api/v1 token {studio.api.token}"
              f"{f' (also in {studio.api_token_file})' if studio.api_token_file else ''}",
              flush=True)
    if demo:
        studio.start_demo_chargers()
    try:
        await _until_terminated()
    finally:
        await studio.stop()  # also removes the registered API token


async def _until_terminated() -> None:
    """Wait for Ctrl+C or SIGTERM; SIGTERM returns so the caller's clean-up runs."""
    import signal
    stop = asyncio.get_running_loop().create_future()
    try:
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.cancel)
    except (NotImplementedError, RuntimeError):  # Windows: no signal handlers in the loop
        pass
    with contextlib.suppress(asyncio.CancelledError):
        await stop


# ------------------------------------------------------------------ demo charger
async def _demo_charger(args: argparse.Namespace) -> None:
    from ..demo import DemoChargerConfig, run_demo_charger
    parts = urlsplit(args.url)
    segments = [s for s in parts.path.split("/") if s]
    if parts.scheme not in ("ws", "wss") or not segments:
        raise SystemExit("--url must look like ws://HOST:PORT/PATH/CHARGER_ID")
    charger_id = segments[-1]
    base = urlunsplit((parts.scheme, parts.netloc, "/" + "/".join(segments[:-1]), "", ""))
    version = OcppVersion.parse(args.ocpp)
    phases = args.phases or (3 if version is OcppVersion.V201 else 1)
    config = DemoChargerConfig(
        charger_id=charger_id, version=version, connectors=args.connectors, phases=phases,
        max_current_a=16.0 if phases == 3 else 32.0, basic_auth_password=args.password,
        auto_charge=args.charge)
    await run_demo_charger(base.rstrip("/"), config)


# -------------------------------------------------------------------------- call
def _read_token(args: argparse.Namespace) -> str:
    if args.token:
        return args.token
    if os.environ.get("OCPP_STUDIO_API_TOKEN"):
        return os.environ["OCPP_STUDIO_API_TOKEN"]
    from ..api.client import token_candidates
    paths = ([Path(args.token_file)] if args.token_file
             else token_candidates(args.api, default_capture_path()))
    for path in paths:
        try:
            return path.read_text(encoding="utf-8").strip()
        except OSError:
            continue
    looked = " and ".join(str(path) for path in paths)
    raise SystemExit(f"No API token: is a studio with --api {args.api} running? Otherwise pass "
                     f"--token, set OCPP_STUDIO_API_TOKEN, or --token-file (looked in {looked})")


def _api_failure(args: argparse.Namespace, exc: Exception) -> int:
    """Say in one line why the control API did not do it; exit status 1."""
    from ..api.client import ApiError
    if isinstance(exc, ApiError):
        print(f"{exc.body.get('error', 'Error')}: {exc}", file=sys.stderr)
    else:
        print(f"Cannot reach the control API on 127.0.0.1:{args.api}: {exc}", file=sys.stderr)
    return 1


def _call(args: argparse.Namespace) -> int:
    from ..api.client import ApiError, call
    try:
        payload = loads(args.payload)
    except ValueError as exc:
        print(f"The payload is not JSON: {exc}", file=sys.stderr)
        return 2
    try:
        answer = call(args.api, _read_token(args), args.charger, args.action, payload, args.timeout)
    except (ApiError, OSError) as exc:
        return _api_failure(args, exc)
    print(json.dumps(json.loads(json.dumps(answer["payload"], default=float)), indent=2))
    for violation in answer.get("violations", []):
        print(f"schema violation {violation['path']}: {violation['message']}", file=sys.stderr)
    return 0


# ------------------------------------------------------------------------ config
def _config(args: argparse.Namespace) -> int:
    from urllib.parse import quote

    from ..api.client import ApiError, request
    token = _read_token(args)
    path = f"/chargers/{quote(args.charger, safe='')}/configuration"
    try:
        if args.config_command == "pull":
            return _config_pull(args, request(args.api, token, "GET",
                                              path + ("?full=1" if args.full else "")))
        return _config_push(args, lambda body: request(args.api, token, "POST", path, body))
    except (ApiError, OSError) as exc:
        return _api_failure(args, exc)


def _config_pull(args: argparse.Namespace, data: dict) -> int:
    from ..configuration.model import Snapshot
    from ..configuration.templates import make_template, save_template
    from ..core.frames import dumps
    data = json.loads(dumps(data))  # numbers as plain JSON numbers, not Decimal
    snapshot = Snapshot.from_json(data)
    for note in snapshot.notes:
        print(f"note: {note}", file=sys.stderr)
    keys = [k.strip() for k in args.keys.split(",") if k.strip()] if args.keys else None
    if keys:
        missing = [k for k in keys if k not in snapshot.items]
        for key in missing:
            print(f"warning: {args.charger} has no setting {key}", file=sys.stderr)
    if args.snapshot:
        Path(args.out).write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n",
                                  encoding="utf-8")
        print(f"{len(snapshot.items)} settings of {args.charger} (OCPP {snapshot.version}) "
              f"written to {args.out}")
        return 0
    template = make_template(snapshot, keys, name=args.name)
    save_template(template, args.out)
    print(f"{len(template['settings'])} writable settings of {args.charger} "
          f"(OCPP {snapshot.version}) written to {args.out}")
    return 0


def _print_plan(plan: list[dict]) -> None:
    for change in plan:
        if change.get("unchanged"):
            continue
        mark = "  "
        if change.get("problem"):
            mark = "✗ "
        elif change.get("danger"):
            mark = "! "
        print(f"{mark}{change['key']}: {change['before']!s} -> {change['after']}")
        if change.get("problem"):
            print(f"      will not be sent: {change['problem']}")
        elif change.get("danger"):
            print(f"      DANGER: {change['danger']}")


def _config_push(args: argparse.Namespace, post: Any) -> int:
    from ..configuration.templates import TemplateError, check_template
    try:
        data = json.loads(Path(args.file).read_text(encoding="utf-8"))
        if isinstance(data, dict) and "format" in data:
            check_template(data)
        elif not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
            raise TemplateError(f"{args.file} is neither a template nor a JSON object of "
                                f"setting -> string value")
    except (OSError, ValueError) as exc:
        print(f"Cannot use {args.file}: {exc}", file=sys.stderr)
        return 2
    preview = post({"changes": data, "dry_run": True})
    plan = preview["plan"]
    changing = [p for p in plan if not p.get("unchanged")]
    print(f"{args.charger} (OCPP {preview['version']}): {len(changing)} of {len(plan)} "
          f"settings would change")
    _print_plan(plan)
    if args.dry_run or not changing:
        return 0
    dangerous = any(p.get("danger") and not p.get("problem") for p in changing)
    if not args.yes:
        if not sys.stdin.isatty():
            print("Not applied: pass --yes to apply without asking.", file=sys.stderr)
            return 1
        prompt = ("Some settings can cut the charger off (see DANGER). Type 'yes' to apply: "
                  if dangerous else "Apply? [y/N] ")
        answer = input(prompt).strip().lower()
        if answer not in (("yes",) if dangerous else ("y", "yes")):
            print("Nothing written.")
            return 1
    result = post({"changes": data, "confirm_dangerous": True})
    failed = 0
    for item in result["results"]:
        ok = item["status"] in ("Accepted", "RebootRequired")
        failed += not ok
        detail = f" ({item['detail']})" if item.get("detail") else ""
        print(f"{'ok' if ok else '!!'} {item['key']} = {item['value']}: {item['status']}{detail}")
    if result.get("reboot_required"):
        print("The charger needs a reset for some settings to take effect "
              "(ocpp-studio call ... Reset).")
    if result.get("undo"):
        print("Previous values (to undo): " + json.dumps(result["undo"]))
    return 1 if failed else 0


# ----------------------------------------------------------------------- offpeak
def _offpeak(args: argparse.Namespace) -> int:
    from urllib.parse import quote

    from ..api.client import ApiError, request
    token = _read_token(args)
    path = f"/chargers/{quote(args.charger, safe='')}/offpeak"
    try:
        if args.offpeak_command == "show":
            data = json.loads(json.dumps(request(args.api, token, "GET", path), default=float))
            print(json.dumps(data, indent=2))
            return 0
        if args.offpeak_command == "clear":
            result = request(args.api, token, "DELETE", path)
        else:
            body: dict[str, Any] = {}
            if args.default:
                body["hours"] = "default"
            elif args.hours:
                try:
                    body["hours"] = json.loads(Path(args.hours).read_text(encoding="utf-8"))
                except (OSError, ValueError) as exc:
                    print(f"Cannot use {args.hours}: {exc}", file=sys.stderr)
                    return 2
            if args.delay is not None:
                body["randomised_delay_s"] = args.delay
            if not body:
                print("Give --default, --hours FILE.json and/or --delay SECONDS", file=sys.stderr)
                return 2
            result = request(args.api, token, "POST", path, body, timeout=300)
    except (ApiError, OSError) as exc:
        return _api_failure(args, exc)
    for step in result.get("steps", []):
        ok = step["status"].startswith("Accepted") or step["status"] == "Unknown"
        print(f"{'ok' if ok else '!!'} {step['action']} {step['detail']}: {step['status']}")
    print(result.get("explanation", ""))
    print("installed: " + (", ".join(f"#{i}" for i in result.get("installed", [])) or "nothing"))
    return 0 if result.get("ok") else 1


# ----------------------------------------------------------------- proxy, serial
async def _proxy(args: argparse.Namespace) -> int:
    from ..capture.store import CaptureStore
    from ..transports.proxy import LoggingProxy, check_upstream_url, server_ssl_context
    if bool(args.cert) != bool(args.key):
        print("Give both --cert and --key to listen on wss://", file=sys.stderr)
        return 2
    try:
        check_upstream_url(args.upstream)
        listen_ssl = server_ssl_context(args.cert, args.key) if args.cert else None
    except ValueError as exc:
        print(f"Cannot start the proxy: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # ssl.SSLError is an OSError
        print(f"Cannot use the certificate {args.cert} / key {args.key}: {exc}", file=sys.stderr)
        return 2
    store = CaptureStore(args.capture)
    if not args.quiet:
        store.recorded.connect(lambda record: print(format_record(record), flush=True))
    proxy = LoggingProxy(store, args.upstream.rstrip("/"), host=args.host, port=args.listen,
                         ssl_context=listen_ssl, upstream_ca_file=args.ca_file)
    try:
        await proxy.start()
    except OSError as exc:
        store.close()
        print(f"Cannot listen on {args.host}:{args.listen}: {exc}", file=sys.stderr)
        return 2
    print(f"OCPP Studio proxy on port {proxy.port} ({proxy.scheme}://{args.host}:{proxy.port}) "
          f"-> {args.upstream}; capture: {args.capture}", flush=True)
    try:
        await asyncio.Future()
    finally:
        await proxy.stop()
        store.close()
    return 0


async def _serial(args: argparse.Namespace) -> int:
    """The same serial source as the window's Serial console tab (Studio.start_serial)."""
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
        print(f"Cannot use {args.device}: {exc}", file=sys.stderr)
        return 2
    console.add_status_listener(lambda status: print(f"** {status.message}", flush=True))
    if console.status is not None:
        print(f"** {console.status.message}", flush=True)
    if not args.quiet:  # after the recorder: a line is in the capture before it is shown
        console.add_listener(lambda line: print(line.text, flush=True))
    try:
        await asyncio.Future()
    finally:
        await studio.stop()
    return 0


# -------------------------------------------------------------------- commission
#: report formats ``commission --report`` writes, chosen by the file's extension
REPORT_SUFFIXES = (".html", ".htm", ".pdf")


def _commission(args: argparse.Namespace) -> int:
    from ..commissioning.profile import CommissioningProfile
    try:
        profile = CommissioningProfile.load(args.profile)
    except (OSError, ValueError) as exc:
        print(f"Cannot use the profile {args.profile}: {exc}", file=sys.stderr)
        return 2
    if Path(args.report).suffix.lower() not in REPORT_SUFFIXES:
        print(f"--report {args.report}: the report is written as .html or .pdf; give a file "
              f"name ending in one of those", file=sys.stderr)
        return 2
    settings = _settings_from(args, AppSettings())
    try:
        return asyncio.run(_commission_run(settings, profile, args))
    except KeyboardInterrupt:
        return 130


async def _commission_run(settings: AppSettings, profile: Any, args: argparse.Namespace) -> int:
    from ..service import Studio
    studio = Studio(settings)
    try:
        await studio.start()
    except OSError as exc:
        studio.store.close()
        print(f"Cannot listen on {settings.csms.host}:{settings.csms.port}: {exc}", file=sys.stderr)
        return 2
    try:
        for url in studio.urls():
            print(f"Waiting for {args.charger}: point it at {url}", flush=True)
        run = await studio.commissioning.run_headless(args.charger, profile, args.timeout)
        for record in run.records.values():
            mark = {"passed": "ok", "skipped": "skipped", "failed": "FAILED"}.get(
                str(getattr(record.status, "value", record.status)), str(record.status))
            print(f"  {mark:<8} {record.title}: {record.summary}", flush=True)
        report = run.report()
        _write_report(report.to_html(), args.report)
        print(f"report: {args.report}", flush=True)
        failed = [r for r in run.records.values()
                  if str(getattr(r.status, "value", r.status)) not in ("passed", "skipped")]
        return 1 if failed else 0
    finally:
        await studio.stop()


def _write_report(html_text: str, path: str) -> None:
    """Owner-only (0600), like every file the studio writes: the report can hold the
    charger's new password when the profile asks for it."""
    from ..settings import open_private, private_file
    if path.lower().endswith(".pdf"):
        from ..ui.commissioning.report_pdf import write_report_pdf  # Qt draws the PDF
        private_file(path)
        write_report_pdf(html_text, path)
    else:
        with open_private(path) as report:
            report.write(html_text)


# ------------------------------------------------------------------------- main
def main(argv: Sequence[str] | None = None) -> int:
    args = _build_parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if args.self_test:
        from ..ui.self_test import run_self_test
        return run_self_test()
    if args.command not in LOGGED_COMMANDS:
        return _dispatch_capture_in_use(args)
    from ..applog import remove_file_logging, setup_file_logging
    setup_file_logging()  # long-running: also to the log file (the GUI's is set up in run_gui)
    try:
        return _dispatch_capture_in_use(args)
    finally:
        remove_file_logging()


def _dispatch_capture_in_use(args: argparse.Namespace) -> int:
    """A capture another studio holds: one plain line naming that process, exit 2."""
    from ..capture.lock import CaptureInUse
    try:
        return _dispatch(args)
    except CaptureInUse as exc:
        print(exc, file=sys.stderr)
        return 2


#: commands that run for hours and log to the user's log file, as the window does
LOGGED_COMMANDS = ("serve", "proxy", "serial")


def _dispatch(args: argparse.Namespace) -> int:
    command = args.command
    if command == "call":
        return _call(args)
    if command in ("export", "import"):
        return _export_import(args)
    if command == "meter":
        return _meter_export(args)
    if command == "config":
        return _config(args)
    if command == "offpeak":
        return _offpeak(args)
    if command == "commission":
        return _commission(args)
    if command in ("proxy", "serial"):
        try:
            return asyncio.run(_proxy(args) if command == "proxy" else _serial(args))
        except KeyboardInterrupt:
            return 0
    if command == "demo-charger":
        logging.getLogger("ocpp_studio.demo").setLevel(logging.INFO)
        try:
            asyncio.run(_demo_charger(args))
        except KeyboardInterrupt:
            pass
        return 0
    settings = _settings_from(args, AppSettings() if command == "serve" else AppSettings.load())
    if command == "serve":
        try:
            asyncio.run(_serve(settings, getattr(args, "demo", False), args.quiet))
        except KeyboardInterrupt:
            pass
        return 0
    from ..ui.app import run_gui
    return run_gui(settings, demo=args.demo, open_path=args.open_path)


def _export_import(args: argparse.Namespace) -> int:
    from ..capture.existing import CaptureOpenError, open_existing
    from ..capture.jsonl import export_jsonl, import_jsonl
    from ..capture.store import CaptureStore
    try:
        # export reads: a wrong path must not create an empty capture and "write 0 lines"
        store = open_existing(args.capture) if args.command == "export" else CaptureStore(
            args.capture)
    except CaptureOpenError as exc:
        print(f"Cannot export: {exc}", file=sys.stderr)
        return 2
    try:
        if args.command == "export":
            try:
                lines = export_jsonl(store, args.output, reveal_secrets=args.reveal_secrets)
            except Exception as exc:  # export_jsonl removed its partial file: say so, exit 1
                logging.getLogger(__name__).debug("export failed", exc_info=True)
                print(f"export failed, nothing written to {args.output}: {exc}", file=sys.stderr)
                return 1
            print(f"wrote {lines} lines to {args.output}")
            return 0
        result = import_jsonl(store, args.input)
        print(f"imported {result.frames} frames and {result.events} events into {args.capture}")
        for error in result.errors[:20]:
            print(f"  skipped {error}", file=sys.stderr)
        return 1 if result.errors else 0
    finally:
        store.close()


METER_CSV_COLUMNS = ("time_utc", "charger", "connector", "measurand", "phase", "value", "unit",
                     "context", "transaction_id", "frame_id")


def _meter_export(args: argparse.Namespace) -> int:
    """``meter export``: every meter sample of one charger in a capture, in time order."""
    import csv

    from ..capture.store import CaptureStore
    from ..core.records import iso_from_us
    from ..metering.samples import meter_frames, samples_from_frame

    path = Path(args.capture)
    if not path.is_file():
        print(f"No capture file at {path}", file=sys.stderr)
        return 2
    if path.suffix.lower() in (".jsonl", ".ndjson", ".json"):
        # an export (what a customer sends): read into a capture kept in memory
        from ..capture.jsonl import import_jsonl
        store = CaptureStore(":memory:")
        result = import_jsonl(store, path)
        if result.errors:
            print(f"{len(result.errors)} unreadable line(s) skipped; first: {result.errors[0]}",
                  file=sys.stderr)
    else:
        from ..capture.existing import CaptureOpenError, open_existing
        try:
            store = open_existing(path)
        except CaptureOpenError as exc:
            print(exc, file=sys.stderr)
            return 2
    try:
        # The same frames, order and transaction -> connector map as the plot's replay
        # (MeteringService.load); rows are the samples themselves (series merge same-time ones).
        records = meter_frames(store, args.charger)
        tx_map: dict[str, str] = {}
        samples = []
        problems = 0
        for record in records:
            found, trouble = samples_from_frame(record, tx_map)
            problems += len(trouble)
            samples.extend(s for s in found
                           if args.connector is None or s.connector == str(args.connector))
    finally:
        store.close()
    if not samples:
        where = f" connector {args.connector}" if args.connector is not None else ""
        print(f"No meter samples for charger {args.charger!r}{where} in {path}.",
              file=sys.stderr)
        return 1
    samples.sort(key=lambda s: (s.ts_us, s.frame_id or 0))
    with open(args.csv, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(METER_CSV_COLUMNS)
        for s in samples:
            writer.writerow([iso_from_us(s.ts_us), s.charger, s.connector, s.measurand,
                             s.phase or "", "" if s.value != s.value else repr(s.value), s.unit,
                             s.context or "", s.transaction_id or "", s.frame_id or ""])
    note = f" ({problems} unreadable meter values skipped)" if problems else ""
    print(f"wrote {len(samples)} rows to {args.csv}{note}")
    return 0

