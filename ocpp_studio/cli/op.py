"""``op``: run one charger operation (issue 16 §1) through the control API of a running studio.

    ocpp-studio op reset --api PORT CHARGER [--field hard=yes] [--yes]
    ocpp-studio op availability --api PORT CHARGER --field status=Inoperative --yes
    ocpp-studio op --list --api PORT CHARGER       the operations of the charger's version

Exit status: 0 when the charger accepted, 1 when it refused or failed (the words say why),
3 when a dangerous value was not confirmed with ``--yes`` (the consequence is printed).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any, Sequence

from .common import add_api_client_options, api_failure, read_token

#: exit status when a dangerous operation was not confirmed
NOT_CONFIRMED = 3


class _OpParser(argparse.ArgumentParser):
    """``op --list --api P CHARGER`` has no NAME: argparse cannot make NAME optional before a
    required CHARGER when options come between them, so ``--list`` is read as NAME ``list``."""

    def parse_known_args(self, args: Sequence[str] | None = None,
                         namespace: argparse.Namespace | None = None) -> Any:
        if args is not None and "--list" in args:
            args = ["list", *(a for a in args if a != "--list")]
        return super().parse_known_args(args, namespace)


def register(commands: argparse._SubParsersAction) -> None:
    op = commands.add_parser("op", help="run a charger operation (reset, trigger, unlock, "
                             "availability, ...) through the control API",
                             description=__doc__,
                             formatter_class=argparse.RawDescriptionHelpFormatter)
    op.__class__ = _OpParser
    op.add_argument("name", metavar="NAME", help="the operation (see --list)")
    add_api_client_options(op)
    op.add_argument("--list", action="store_true",
                    help="list the operations of the charger's OCPP version and their fields")
    op.add_argument("--field", action="append", default=[], metavar="K=V",
                    help="a field of the operation (repeat for more)")
    op.add_argument("--yes", action="store_true",
                    help="confirm a dangerous operation (hard reset, Inoperative, ...)")
    op.add_argument("--timeout", type=float, help="seconds to wait for the charger's answer")
    op.add_argument("--json", action="store_true", help="print the whole result as JSON")
    op.set_defaults(func=run)


def _fields(pairs: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for pair in pairs:
        key, eq, value = pair.partition("=")
        if not eq or not key.strip():
            raise ValueError(f"--field wants K=V, not {pair!r}")
        out[key.strip()] = value
    return out


def _print_listing(listing: dict[str, Any]) -> None:
    print(f"Operations of {listing['charger']} (OCPP {listing['version']}):")
    for op in listing["operations"]:
        fields = []
        for f in op["fields"]:
            text = f["name"] + ("*" if f["required"] else "")
            if f["choices"]:
                text += "=" + "|".join(f["choices"])
            elif f["default"] is not None:
                text += f"={f['default']}"
            fields.append(text)
        danger = "  (dangerous: asks --yes)" if op["dangerous"] else ""
        print(f"  {op['name']:<28} {op['title']}{danger}")
        if fields:
            print(f"  {'':<28} fields: {', '.join(fields)}")


def run(args: argparse.Namespace) -> int:
    from ..api.client import ApiError, operations, run_operation
    token = read_token(args)
    if args.name == "list":
        try:
            _print_listing(operations(args.api, token, args.charger))
        except (ApiError, OSError) as exc:
            return api_failure(args, exc)
        return 0
    try:
        fields = _fields(args.field)
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2
    try:
        result = run_operation(args.api, token, args.charger, args.name, fields,
                               confirm=args.yes, timeout=args.timeout)
    except ApiError as exc:
        if exc.status == 409 and exc.body.get("needs_confirmation"):
            print(exc.body["words"].replace("Confirm to go ahead.", "Add --yes to go ahead."),
                  file=sys.stderr)
            return NOT_CONFIRMED
        return api_failure(args, exc)
    except OSError as exc:
        return api_failure(args, exc)
    if args.json:
        print(json.dumps(result, indent=2, default=str))
    else:
        stream = sys.stdout if result["ok"] else sys.stderr
        print(result["words"], file=stream)
        for linked in result["followed"]:
            print(f"  then #{linked['id']} {linked['action']}"
                  + (f": {linked['summary']}" if linked["summary"] else ""), file=stream)
        if result.get("waited_for"):
            print(f"  (no {result['waited_for']} followed within the operation's window)",
                  file=stream)
    return 0 if result["ok"] else 1
