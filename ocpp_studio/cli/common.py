"""What the commands share: argument types and options, the control API token, exit helpers
and the one-line view of a frame."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from datetime import datetime
from pathlib import Path
from typing import Any, Coroutine

from ..capture.redaction import redact_raw
from ..core.records import ConnectionEvent, FrameRecord
from ..core.versions import OcppVersion
from ..settings import DEFAULT_PORT, AppSettings, default_capture_path

#: ``--ocpp``'s metavar: every version the studio speaks, '1.6|2.0.1|2.1'
OCPP_METAVAR = "|".join(version.label for version in OcppVersion)

API_HELP = "port of the control API of a running studio (its --api)"
TOKEN_HELP = "API token (default: $OCPP_STUDIO_API_TOKEN or token file)"
TOKEN_FILE_HELP = ("file holding the token (default: the one the studio on --api PORT "
                   "registered, then the one beside the default capture)")


class CommandError(Exception):
    """A command cannot go on: ``main`` prints the message on stderr and exits with ``code``."""

    def __init__(self, message: str, code: int = 2) -> None:
        super().__init__(message)
        self.code = code


# ------------------------------------------------------------------- arguments
def ocpp_label(text: str) -> str:
    """``--ocpp``: '1.6', '2.0.1', '2.1' (or 'ocpp1.6', ...) -> the version's label; a usage
    error (exit 2) rather than a traceback for anything else."""
    try:
        return OcppVersion.parse(text).label
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def api_port(text: str) -> int:
    """``--api PORT``: 1-65535. Unlike ``--port 0`` (any free port), 0 is the saved setting
    for "API off": a studio given ``--api 0`` silently started no API at all."""
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid port {text!r}: give a number") from None
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"invalid port {port}: give one from 1 to 65535")
    return port


def add_ocpp_option(parser: argparse.ArgumentParser, help: str) -> None:
    """``--ocpp VERSION``, default 1.6."""
    parser.add_argument("--ocpp", default="1.6", type=ocpp_label, metavar=OCPP_METAVAR,
                        help=help)


def add_api_client_options(parser: argparse.ArgumentParser) -> None:
    """``--api PORT [--token T] [--token-file F] CHARGER``: a command that asks a running
    studio's control API about one charger."""
    parser.add_argument("--api", type=api_port, required=True, metavar="PORT", help=API_HELP)
    parser.add_argument("--token", help=TOKEN_HELP)
    parser.add_argument("--token-file", help=TOKEN_FILE_HELP)
    parser.add_argument("charger", help="charger id")


def add_server_options(parser: argparse.ArgumentParser) -> None:
    """The CSMS options of the window, ``serve`` and ``commission``. SUPPRESS: an option not
    given leaves the saved (window) or default setting alone (see ``settings_from``)."""
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
    parser.add_argument("--max-frame-bytes", type=int, default=argparse.SUPPRESS, metavar="N",
                        help="record but refuse unread (CALLERROR GenericError) frames over N "
                             "bytes (default 1 MiB)")
    parser.add_argument("--password", action="append", default=argparse.SUPPRESS,
                        metavar="CHARGER=PASSWORD", help="require HTTP Basic auth (repeatable)")
    parser.add_argument("--api", type=api_port, default=argparse.SUPPRESS, metavar="PORT",
                        help="enable the local control API on 127.0.0.1:PORT")


def settings_from(args: argparse.Namespace, base: AppSettings) -> AppSettings:
    """``base`` with the server options given on the command line."""
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
    if "max_frame_bytes" in args:
        settings.csms.max_frame_bytes = args.max_frame_bytes
    for item in getattr(args, "password", None) or []:
        charger, sep, password = item.partition("=")
        if not sep:
            raise SystemExit(f"--password wants CHARGER=PASSWORD, got {item!r}")
        settings.csms.passwords[charger] = password
    if "api" in args:
        settings.api_port = args.api
    return settings


# ------------------------------------------------------------------ control API
def read_token(args: argparse.Namespace) -> str:
    """--token, $OCPP_STUDIO_API_TOKEN, --token-file, or the file the studio on --api wrote."""
    if args.token:
        return str(args.token)
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


def api_failure(args: argparse.Namespace, exc: Exception) -> int:
    """Say in one line why the control API did not do it; exit status 1."""
    from ..api.client import ApiError
    if isinstance(exc, ApiError):
        print(f"{exc.body.get('error', 'Error')}: {exc}", file=sys.stderr)
    else:
        print(f"Cannot reach the control API on 127.0.0.1:{args.api}: {exc}", file=sys.stderr)
    return 1


# ---------------------------------------------------------------------- running
def run_async(main: Coroutine[Any, Any, int], *, interrupted: int = 0) -> int:
    """Run a long-lived command; Ctrl+C ends it with exit status ``interrupted``."""
    try:
        return asyncio.run(main)
    except KeyboardInterrupt:
        return interrupted


# ----------------------------------------------------------------------- output
_TYPE_NAMES = {2: "CALL", 3: "RESULT", 4: "ERROR", None: "?"}


def format_record(record: FrameRecord | ConnectionEvent, width: int = 200) -> str:
    """One readable line for a frame or connection event."""
    clock = datetime.fromtimestamp(record.ts_us / 1e6).strftime("%H:%M:%S.%f")[:-3]
    if isinstance(record, ConnectionEvent):
        return f"{clock} {record.charger:<16} ** {_event_text(record)}"
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


def _event_text(record: ConnectionEvent) -> str:
    detail = record.detail
    if record.kind == "connected":
        return (f"connected from {detail.get('remote')} path {detail.get('path')} "
                f"subprotocol {detail.get('subprotocol') or 'none'}"
                f"{' user ' + detail['auth_user'] if detail.get('auth_user') else ''}"
                f"{_security_text(detail.get('extra') or {})}")
    if record.kind == "refused":
        return f"REFUSED: {detail.get('reason')}"
    return f"{record.kind} (code {detail.get('code')}) {detail.get('reason') or ''}".rstrip()


def _security_text(extra: dict[str, Any]) -> str:
    """How a charger connected, as the handshake recorded it: TLS (security profiles 2/3),
    its client certificate, and which form of its password it sent (1.6 AuthorizationKey as
    hex text or as the bytes it encodes, A00.FR.205)."""
    words = []
    tls = extra.get("tls") or {}
    if tls:
        words.append(f"over TLS {tls.get('version', '?')} {tls.get('cipher', '')}".rstrip())
        cert = tls.get("client_certificate") or {}
        if cert:
            words.append(f"client certificate {cert.get('subject')} (until "
                         f"{str(cert.get('not_after', '?'))[:10]})")
    if extra.get("password_form"):
        words.append(f"password sent as {extra['password_form']}")
    return (", " + ", ".join(words)) if words else ""


def print_record(record: FrameRecord | ConnectionEvent) -> None:
    """Connected to ``CaptureStore.recorded``: each new frame or connection event as one line
    on stdout."""
    print(format_record(record), flush=True)
