"""``cert``: certificates a charger holds: list, install, delete, and CSRs (issue 15), through
the control API of a running studio.

    ocpp-studio cert list    --api PORT CHARGER [--kind csms] [--cached]
    ocpp-studio cert install --api PORT CHARGER --kind csms (--file ROOT.pem | --studio-ca)
    ocpp-studio cert delete  --api PORT CHARGER SERIAL --yes
    ocpp-studio cert csr     --api PORT CHARGER [--kind charging-station|v2g] [--wait S]
    ocpp-studio cert pending --api PORT CHARGER          CSRs waiting for approval
    ocpp-studio cert approve --api PORT CHARGER CSR_ID   (serve --sign-csrs ask)
    ocpp-studio cert reject  --api PORT CHARGER CSR_ID [--reason TEXT]
    ocpp-studio cert events  --api PORT CHARGER          its security events

Exit status: 0 when the charger did it (its own answer says so), 1 when it refused or did not
answer (the words say why), 3 when ``delete`` was not confirmed with ``--yes``.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from .common import add_api_client_options, api_failure, read_token

NOT_CONFIRMED = 3


def register(commands: argparse._SubParsersAction) -> None:
    """Add the ``cert`` command and its sub-commands."""
    cert = commands.add_parser("cert", help="certificates a charger holds (list, install, "
                               "delete) and its CSRs, through the control API",
                               description=__doc__,
                               formatter_class=argparse.RawDescriptionHelpFormatter)
    actions = cert.add_subparsers(dest="cert_command", metavar="COMMAND", required=True)

    def sub(name: str, help_text: str) -> argparse.ArgumentParser:
        parser = actions.add_parser(name, help=help_text)
        add_api_client_options(parser)
        parser.add_argument("--json", action="store_true", help="print the answer as JSON")
        return parser

    listing = sub("list", "ask the charger which certificates it holds")
    listing.add_argument("--kind", action="append", default=[],
                         help="csms, manufacturer, v2g, mo, v2g-chain (repeat; default: "
                         "what the version lists by default)")
    listing.add_argument("--cached", action="store_true",
                         help="show what the studio last learnt, without asking the charger")
    listing.set_defaults(func=_list)

    install = sub("install", "install a root certificate on the charger")
    install.add_argument("--kind", required=True, choices=("csms", "manufacturer", "v2g", "mo"),
                         help="csms: the root the charger checks the central system with")
    source = install.add_mutually_exclusive_group(required=True)
    source.add_argument("--file", help="the PEM certificate to install")
    source.add_argument("--studio-ca", action="store_true", help="the studio's own CA")
    install.add_argument("--timeout", type=float, help="seconds to wait for the answer")
    install.set_defaults(func=_install)

    delete = sub("delete", "delete a certificate the charger listed")
    delete.add_argument("serial", help="its serial number, as 'cert list' shows it")
    delete.add_argument("--yes", action="store_true", help="confirm: the charger stops "
                        "trusting what it signed (its only CSMS root: it cannot reach wss://)")
    delete.set_defaults(func=_delete)

    csr = sub("csr", "ask the charger for a CSR; sign it and send CertificateSigned")
    csr.add_argument("--kind", default="charging-station",
                     choices=("charging-station", "v2g"),
                     help="the certificate to ask for: the charger's own (for profile 3, "
                     "default) or its ISO 15118 V2G certificate (2.x only)")
    csr.add_argument("--wait", type=float, default=60.0,
                     help="seconds to wait for the CSR and the charger's answer (default 60)")
    csr.set_defaults(func=_csr)

    sub("pending", "CSRs waiting for approval (serve --sign-csrs ask)").set_defaults(
        func=_pending)
    approve = sub("approve", "sign a pending CSR and send CertificateSigned")
    approve.add_argument("csr_id", type=int, help="the CSR's number, as 'cert pending' lists it")
    approve.set_defaults(func=_approve)
    reject = sub("reject", "refuse a pending CSR")
    reject.add_argument("csr_id", type=int, help="the CSR's number, as 'cert pending' lists it")
    reject.add_argument("--reason", default="",
                        help="why, in a few words (kept with the CSR on the charger's card)")
    reject.set_defaults(func=_reject)
    sub("events", "the charger's security events").set_defaults(func=_events)


# ------------------------------------------------------------------ plumbing
def _path(args: argparse.Namespace, tail: str = "") -> str:
    return f"/chargers/{quote(args.charger, safe='')}{tail}"


def _ask(args: argparse.Namespace, method: str, path: str, body: Any = None,
         timeout: float = 120.0) -> Any:
    from ..api.client import request
    return request(args.api, read_token(args), method, path, body, timeout=timeout)


def _run(args: argparse.Namespace, method: str, path: str, body: Any = None,
         timeout: float = 120.0) -> tuple[int, Any]:
    """(exit status, answer): 1 with the reason printed when the API said no."""
    from ..api.client import ApiError
    try:
        return 0, _ask(args, method, path, body, timeout)
    except (ApiError, OSError) as exc:
        return api_failure(args, exc), None


def _outcome(args: argparse.Namespace, answer: dict[str, Any]) -> int:
    if args.json:
        print(json.dumps(answer, indent=2, default=str))
    else:
        print(answer["words"], file=sys.stdout if answer["ok"] else sys.stderr)
        if answer.get("answer_frame_id") is not None:
            print(f"  the charger's answer: frame #{answer['answer_frame_id']}")
    return 0 if answer["ok"] else 1


def _day(us: int | None) -> str:
    if not us:
        return "?"
    return datetime.fromtimestamp(us / 1e6, timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


# ------------------------------------------------------------------ commands
def _list(args: argparse.Namespace) -> int:
    query = "" if args.cached else "?" + urlencode([("read", "1")] +
                                                   [("kind", k) for k in args.kind])
    status, state = _run(args, "GET", _path(args, "/certificates") + query)
    if status:
        return status
    if args.json:
        print(json.dumps(state, indent=2, default=str))
        return 0
    print("\n".join(state_lines(state)))
    return 0


def state_lines(state: dict[str, Any]) -> list[str]:
    """The security state as ``cert list`` prints it."""
    out: list[str] = []
    installed = state.get("installed")
    if installed is None:
        out.append(f"{state['charger']}: its certificates were never listed")
    else:
        certificates = installed["certificates"]
        out.append(f"{state['charger']} holds {len(certificates)} certificate"
                   f"{'s' if len(certificates) != 1 else ''} (GetInstalledCertificateIds "
                   f"{installed['status']}, {_day(installed['read_us'])})")
        for item in certificates:
            data = item["hash_data"]
            out.append(f"  {item['kind']:<13} serial {data.get('serialNumber')}  "
                       f"issuer key {str(data.get('issuerKeyHash', ''))[:16]}…")
    for words in state.get("warnings") or []:
        out.append(f"warning: {words}")
    for record in (state.get("csrs") or [])[-3:]:
        out.append(f"CSR {record['id']}: {record['words']}")
    for refusal in (state.get("iso15118") or [])[-3:]:
        out.append(f"ISO 15118: {refusal['words']}")
    return out


def _install(args: argparse.Namespace) -> int:
    if args.studio_ca:
        certificate = "studio-ca"
    else:
        try:  # the file is read here: the studio may run on another account
            certificate = Path(args.file).read_text(encoding="ascii")
        except (OSError, UnicodeDecodeError) as exc:
            print(f"Cannot read {args.file}: {exc}", file=sys.stderr)
            return 2
    body: dict[str, Any] = {"kind": args.kind, "certificate": certificate}
    if args.timeout is not None:
        body["timeout"] = args.timeout
    status, answer = _run(args, "POST", _path(args, "/certificates/install"), body)
    return status or _outcome(args, answer)


def _delete(args: argparse.Namespace) -> int:
    if not args.yes:
        print(f"Not sent: deleting certificate {args.serial} makes the charger stop trusting "
              "what it signed; if it is the charger's only CSMS root, a charger at security "
              "profile 2 or 3 cannot reach the studio. Add --yes to go ahead.", file=sys.stderr)
        return NOT_CONFIRMED
    status, answer = _run(args, "POST", _path(args, "/certificates/delete"),
                          {"serial": args.serial})
    return status or _outcome(args, answer)


def _csr(args: argparse.Namespace) -> int:
    status, answer = _run(args, "POST", _path(args, "/certificates/trigger-csr"),
                          {"kind": args.kind, "timeout": args.wait}, timeout=args.wait + 60)
    if status:
        return status
    code = _outcome(args, answer)
    record = answer.get("csr") or {}
    if record.get("outcome") == "pending" and not args.json:
        print(f"  approve it: ocpp-studio cert approve --api {args.api} {args.charger} "
              f"{record['id']}", file=sys.stderr)
    return code


def _pending(args: argparse.Namespace) -> int:
    status, answer = _run(args, "GET", "/csrs?" + urlencode({"charger": args.charger}))
    if status:
        return status
    if args.json:
        print(json.dumps(answer, indent=2, default=str))
    elif not answer:
        print(f"No CSR from {args.charger} waits for approval")
    for record in [] if args.json else answer:
        print(f"CSR {record['id']} ({_day(record['received_us'])}): {record['check']}")
    return 0


def _decided(args: argparse.Namespace, answer: dict[str, Any], good: str) -> int:
    if args.json:
        print(json.dumps(answer, indent=2, default=str))
    else:
        print(answer["words"])
    return 0 if answer["outcome"] == good else 1


def _approve(args: argparse.Namespace) -> int:
    status, answer = _run(args, "POST", _path(args, f"/csrs/{args.csr_id}/approve"))
    return status or _decided(args, answer, "installed")


def _reject(args: argparse.Namespace) -> int:
    status, answer = _run(args, "POST", _path(args, f"/csrs/{args.csr_id}/reject"),
                          {"reason": args.reason})
    return status or _decided(args, answer, "rejected")


def _events(args: argparse.Namespace) -> int:
    status, answer = _run(args, "GET", _path(args, "/security-events"))
    if status:
        return status
    if args.json:
        print(json.dumps(answer, indent=2, default=str))
        return 0
    if not answer:
        print(f"{args.charger} sent no security event")
    for event in answer:
        flag = "CRITICAL " if event["critical"] else ""
        info = f" — {event['tech_info']}" if event.get("tech_info") else ""
        print(f"{event.get('timestamp') or _day(event['received_us'])}  {flag}{event['type']}"
              f"{info}")
    return 0
