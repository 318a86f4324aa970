"""``security``: the guided security-profile upgrade and password changes (issue 15 §1, §3),
through the control API of a running studio.

    ocpp-studio security upgrade --api PORT CHARGER --profile 2|3 [--yes] [--timeout S]
    ocpp-studio security password --api PORT CHARGER [--generate]

``upgrade`` prints each step as it happens and a countdown while it waits for the charger to
come back over wss://. Exit status: 0 when the charger came back at the new profile, 1 when it
did not (the reason, what it last did and how to fall back are printed), 3 when the switch was
not confirmed (``--yes`` or the question).
``password`` writes a new password; exit 0 only when the charger answered Accepted (the studio
then accepts only the new one, A01.FR.03), 1 otherwise (the old one still works, A01.FR.04).
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from typing import Any, Iterator
from urllib.parse import quote

from .common import add_api_client_options, api_failure, read_token

NOT_CONFIRMED = 3


def register(commands: argparse._SubParsersAction) -> None:
    security = commands.add_parser(
        "security", help="move a charger to security profile 2 or 3; change its password",
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    actions = security.add_subparsers(dest="security_action", metavar="ACTION", required=True)
    upgrade = actions.add_parser("upgrade", help="guided upgrade to security profile 2 or 3")
    add_api_client_options(upgrade)
    upgrade.add_argument("--profile", type=int, choices=(2, 3), required=True,
                         help="2: TLS + password; 3: TLS + the charger's own certificate")
    upgrade.add_argument("--yes", action="store_true",
                         help="confirm the switch (it cannot be undone over OCPP)")
    upgrade.add_argument("--timeout", type=float, default=180.0, metavar="S",
                         help="seconds to wait for the charger to come back (default 180)")
    upgrade.add_argument("--new-password", action="store_true",
                         help="profile 2: write a new random password even when the studio "
                         "already holds one for the charger")
    upgrade.add_argument("--root", metavar="PEM",
                         help="the production CSMS root certificate file (default: the "
                         "studio CA)")
    upgrade.add_argument("--wss-url", help="the wss:// URL to give the charger (default: the "
                         "studio's, on the address the charger reached)")
    upgrade.set_defaults(func=run_upgrade)
    password = actions.add_parser("password", help="write a new Basic-auth password")
    add_api_client_options(password)
    password.add_argument("--generate", action="store_true",
                          help="let the studio generate it (16-40 random characters; 1.6: "
                          "a random hex AuthorizationKey); otherwise it is asked for")
    password.set_defaults(func=run_password)


# ------------------------------------------------------------------- password
def run_password(args: argparse.Namespace) -> int:
    from ..api.client import ApiError, request
    token = read_token(args)
    body: dict[str, Any] = {}
    if not args.generate:
        body["password"] = getpass.getpass(f"New password for {args.charger}: ")
    try:
        result = request(args.api, token, "POST",
                         f"/chargers/{quote(args.charger, safe='')}/security/password", body)
    except (ApiError, OSError) as exc:
        return api_failure(args, exc)
    stream = sys.stdout if result.get("accepted") else sys.stderr
    print(result.get("words", ""), file=stream)
    if result.get("in_force"):
        print(_kept_words(result), file=stream)
    return 0 if result.get("accepted") else 1


def _kept_words(result: dict[str, Any]) -> str:
    """Where the studio kept a new password the charger took (never the password)."""
    where = result.get("password_kept_in")
    if where:
        return (f"The studio saved the new password in {where} (readable by you only); the "
                "next 'ocpp-studio serve' and the window read it from there. Give the "
                "production central system the same one.")
    return ("The studio holds the new password in memory only: give it to the studio again "
            "after a restart (Preferences › Passwords or serve --password), and to the "
            "production central system.")


# -------------------------------------------------------------------- upgrade
def _confirm(warning: str) -> bool:
    print(warning, file=sys.stderr)
    if not sys.stdin.isatty():
        return False
    return input("Switch the charger's security profile now? [y/N] ").strip().lower() in (
        "y", "yes")


def run_upgrade(args: argparse.Namespace) -> int:
    from ..station.security_upgrade import DOWNGRADE_WARNING
    token = read_token(args)
    if not args.yes and not _confirm(DOWNGRADE_WARNING):
        print("Not confirmed: nothing was sent. Add --yes to go ahead.", file=sys.stderr)
        return NOT_CONFIRMED
    body: dict[str, Any] = {"profile": args.profile, "confirm": True, "timeout": args.timeout,
                            "new_password": args.new_password}
    if args.root:
        try:
            with open(args.root, encoding="ascii") as handle:
                body["root_pem"] = handle.read()
        except (OSError, UnicodeDecodeError) as exc:
            print(f"Cannot read {args.root}: {exc}", file=sys.stderr)
            return 2
    if args.wss_url:
        body["wss_url"] = args.wss_url
    result: dict[str, Any] | None = None
    seen: dict[str, dict[str, Any]] = {}
    try:
        for line in _stream(args.api, token, args.charger, body, args.timeout + 600):
            result = _show(line, seen) or result
    except Exception as exc:  # noqa: BLE001 - ApiError / OSError: said, not a traceback
        return api_failure(args, exc)
    if result is None:
        print("The studio ended the upgrade without a result.", file=sys.stderr)
        return 1
    return 0 if result.get("ok") else 1


def _stream(port: int, token: str, charger: str, body: dict[str, Any],
            timeout: float) -> Iterator[dict[str, Any]]:
    from ..api.client import open_api  # urllib: not at the window's start (logs.api_raw)
    response = open_api(port, token, "POST",
                        f"/chargers/{quote(charger, safe='')}/security/upgrade",
                        json.dumps(body).encode(), timeout=timeout)
    with response:
        for raw in response:
            if raw.strip():
                yield json.loads(raw.decode("utf-8"))


def _show(line: dict[str, Any], seen: dict[str, dict[str, Any]]) -> dict[str, Any] | None:
    """Print one line of the stream (a step's words when they change, its new evidence);
    the result line is returned. ``seen``: what was printed of each step so far."""
    event = line.get("event")
    if event == "start":
        print(f"Upgrading to security profile {line['profile']} on {line['wss_url']}",
              flush=True)
    elif event == "step":
        mark = {"done": "ok", "failed": "FAILED", "skipped": "skipped",
                "running": "..."}.get(line.get("state"), line.get("state"))
        shown = seen.setdefault(str(line.get("key")), {"said": None, "evidence": 0})
        said = (mark, line.get("words"))
        if line.get("words") and said != shown["said"]:
            print(f"[{mark}] {line['title']}: {line['words']}", flush=True)
        shown["said"] = said
        evidence = [str(e) for e in line.get("evidence") or []]
        for item in evidence[shown["evidence"]:]:  # what the charger answered, as it came
            if item.startswith("Confirmed: "):  # the warning itself was shown before
                item = "Confirmed: the switch cannot be undone over OCPP"
            if item != line.get("words"):
                print(f"      {item}", flush=True)
        shown["evidence"] = len(evidence)
    elif event == "countdown":
        remaining = int(line.get("remaining_s", 0))
        if remaining % 10 == 0 or remaining <= 5:
            print(f"  waiting for the charger over wss://: {remaining} s left", flush=True)
    elif event == "result":
        stream = sys.stdout if line.get("ok") else sys.stderr
        print(line.get("words", ""), file=stream, flush=True)
        if "password_kept_in" in line:
            print(_kept_words(line), file=stream, flush=True)
        if not line.get("ok") and line.get("fallback"):
            print(line["fallback"], file=stream)
        return line
    return None
