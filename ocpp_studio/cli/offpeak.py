"""``offpeak show|apply|clear``: UK off-peak charging hours and randomised delay through the
control API of a running studio."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, Callable
from urllib.parse import quote

from .common import add_api_client_options, api_failure, read_token

Send = Callable[..., Any]


def register(commands: argparse._SubParsersAction) -> None:
    offpeak = commands.add_parser("offpeak", help="UK off-peak charging hours and randomised "
                                  "delay through the control API of a running studio")
    offpeak_commands = offpeak.add_subparsers(dest="offpeak_command", required=True)
    show = offpeak_commands.add_parser("show", help="what the studio installed, and whether "
                                       "the charger's own schedule follows it")
    apply = offpeak_commands.add_parser("apply", help="install charging hours / delay")
    clear = offpeak_commands.add_parser("clear", help="remove everything the studio installed")
    for sub in (show, apply, clear):
        add_api_client_options(sub)
    which = apply.add_mutually_exclusive_group()
    which.add_argument("--default", action="store_true",
                       help="the regulations' default hours (no charging 08-11, 16-22 weekdays)")
    which.add_argument("--hours", metavar="FILE.json", help="custom hours (WeeklyHours JSON)")
    apply.add_argument("--delay", type=int, metavar="SECONDS",
                       help="randomised delay, 0-1800 s (0 cancels)")
    show.add_argument("--no-check", action="store_true",
                      help="do not read the charger's own schedule (GetCompositeSchedule)")
    show.set_defaults(func=show_offpeak)
    apply.set_defaults(func=apply_offpeak)
    clear.set_defaults(func=clear_offpeak)


def _sender(args: argparse.Namespace) -> Send:
    """``send(method, body=None, sub="", **options)``: a request to this charger's off-peak
    resource (the token is looked up first, as every control API command does)."""
    from ..api.client import request
    token = read_token(args)
    path = f"/chargers/{quote(args.charger, safe='')}/offpeak"

    def send(method: str, body: Any = None, sub: str = "", **options: Any) -> Any:
        return request(args.api, token, method, path + sub, body, **options)
    return send


def show_offpeak(args: argparse.Namespace) -> int:
    """The status as JSON (with the charger's own schedule check under "charger_schedule"),
    then the check in words on stderr. Exit 1 when hours are installed and the charger's
    schedule differs from them or gives no evidence that they are in force."""
    from ..api.client import ApiError
    send = _sender(args)
    try:
        data = json.loads(json.dumps(send("GET"), default=float))
        check = None
        if not getattr(args, "no_check", False):
            check = json.loads(json.dumps(send("GET", sub="/check", timeout=120),
                                          default=float))
            data["charger_schedule"] = check
        print(json.dumps(data, indent=2))
    except (ApiError, OSError) as exc:
        return api_failure(args, exc)
    if check is None:
        return 0
    print(f"Charger's own schedule: {check['summary']}", file=sys.stderr)
    for mismatch in check.get("mismatches", [])[3:]:
        print(f"  also {mismatch['where']}", file=sys.stderr)
    return 1 if data.get("hours") and check.get("evidence") is not True else 0


def clear_offpeak(args: argparse.Namespace) -> int:
    from ..api.client import ApiError
    send = _sender(args)
    try:
        result = send("DELETE")
    except (ApiError, OSError) as exc:
        return api_failure(args, exc)
    return _print_steps(result)


def apply_offpeak(args: argparse.Namespace) -> int:
    from ..api.client import ApiError
    send = _sender(args)
    body = _apply_body(args)
    if body is None:
        return 2
    try:
        result = send("POST", body, timeout=300)
    except (ApiError, OSError) as exc:
        return api_failure(args, exc)
    return _print_steps(result)


def _apply_body(args: argparse.Namespace) -> dict[str, Any] | None:
    """What ``apply`` asks for; None after saying what is wrong."""
    body: dict[str, Any] = {}
    if args.default:
        body["hours"] = "default"
    elif args.hours:
        try:
            body["hours"] = json.loads(Path(args.hours).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            print(f"Cannot use {args.hours}: {exc}", file=sys.stderr)
            return None
    if args.delay is not None:
        body["randomised_delay_s"] = args.delay
    if not body:
        print("Give --default, --hours FILE.json and/or --delay SECONDS", file=sys.stderr)
        return None
    return body


def _print_steps(result: dict[str, Any]) -> int:
    for step in result.get("steps", []):
        ok = step["status"].startswith("Accepted") or step["status"] == "Unknown"
        print(f"{'ok' if ok else '!!'} {step['action']} {step['detail']}: {step['status']}")
    print(result.get("explanation", ""))
    print("installed: " + (", ".join(f"#{i}" for i in result.get("installed", [])) or "nothing"))
    return 0 if result.get("ok") else 1
