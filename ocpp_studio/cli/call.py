"""``call``: send one CALL to a charger through the control API of a running studio."""

from __future__ import annotations

import argparse
import json
import sys

from ..core.frames import loads
from .common import add_api_client_options, api_failure, read_token


def register(commands: argparse._SubParsersAction) -> None:
    call = commands.add_parser("call", help="send a CALL to a charger through the control API")
    add_api_client_options(call)
    call.add_argument("--timeout", type=float, help="seconds to wait for the charger")
    call.add_argument("action", help="OCPP action, e.g. Reset or TriggerMessage")
    call.add_argument("payload", nargs="?", default="{}", help="JSON object (default {})")
    call.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..api.client import ApiError, call
    try:
        payload = loads(args.payload)
    except ValueError as exc:
        print(f"The payload is not JSON: {exc}", file=sys.stderr)
        return 2
    try:
        answer = call(args.api, read_token(args), args.charger, args.action, payload, args.timeout)
    except (ApiError, OSError) as exc:
        return api_failure(args, exc)
    print(json.dumps(json.loads(json.dumps(answer["payload"], default=float)), indent=2))
    for violation in answer.get("violations", []):
        print(f"schema violation {violation['path']}: {violation['message']}", file=sys.stderr)
    return 0
