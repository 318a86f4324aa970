"""``logs``: fetch a charger's diagnostics or security log (issue 16 §3) through the control
API of a running studio, which serves the upload itself (FTP or HTTP, one-time login).

    ocpp-studio logs get --api PORT CHARGER [--type diagnostics|security]
                         [--scheme ftp|http|https] --out DIR [--timeout S]
                         [--since TIME] [--until TIME] [--retries N] [--attach]
    ocpp-studio logs list --api PORT CHARGER          # received logs, earlier runs too
    ocpp-studio logs attach --api PORT CHARGER NAME   # onto its commissioning report

Prints the charger's statuses as they come, saves the log in DIR and exits 0; exits 1 with
the reason (the charger's last status and what to check) when no log arrives in time.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import uuid
from pathlib import Path
from typing import Any, Callable
from urllib.parse import quote

from .common import add_api_client_options, api_failure, read_token

#: how much longer than the transfer's own timeout the command waits for the studio's verdict
GRACE_S = 60.0


def register(commands: argparse._SubParsersAction) -> None:
    """Add the ``logs`` command."""
    logs = commands.add_parser("logs", help="fetch a charger's diagnostics or security log",
                               description=__doc__,
                               formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = logs.add_subparsers(dest="logs_command", required=True, metavar="get|list|attach")
    get = sub.add_parser("get", help="ask the charger to upload its log and save it")
    add_api_client_options(get)
    get.add_argument("--type", choices=("diagnostics", "security"), default="diagnostics",
                     help="1.6 GetDiagnostics / GetLog DiagnosticsLog, or GetLog SecurityLog "
                          "(the regulations' security log)")
    get.add_argument("--scheme", choices=("ftp", "http", "https"), default="ftp",
                     help="how the charger uploads (default ftp, what most chargers do; "
                          "https needs the studio's wss:// certificate: serve --wss-port)")
    get.add_argument("--out", required=True, type=Path, help="folder to save the log in")
    get.add_argument("--since", metavar="TIME",
                     help="oldest entry wanted, RFC 3339 (1.6 startTime / GetLog oldestTimestamp)")
    get.add_argument("--until", metavar="TIME",
                     help="latest entry wanted (1.6 stopTime / GetLog latestTimestamp)")
    get.add_argument("--retries", type=int, help="how often the charger retries the upload")
    get.add_argument("--timeout", type=float, default=600.0,
                     help="seconds the charger has to upload (default 600)")
    get.add_argument("--json", action="store_true", help="print the final transfer as JSON")
    get.add_argument("--attach", action="store_true",
                     help="attach the received log to the charger's commissioning report")
    get.set_defaults(func=run)
    listing = sub.add_parser("list", help="the logs received from a charger (earlier runs "
                             "too) and which are attached to its commissioning report")
    add_api_client_options(listing)
    listing.set_defaults(func=run_list)
    attach = sub.add_parser("attach", help="attach a received log to the charger's "
                            "commissioning report (listed with size, SHA-256, when received)")
    add_api_client_options(attach)
    attach.add_argument("name", help="the log's file name, as 'logs list' shows it")
    attach.set_defaults(func=run_attach)


# -- the control API, raw: transfers need bytes and forms, not only JSON -----------------

def api_raw(port: int, token: str, method: str, path: str, data: bytes | None = None,
            content_type: str = "application/json", timeout: float = 120.0) -> bytes:
    """One request to ``/api/v1{path}``; raises api.client.ApiError for an HTTP error.
    (The client, and urllib with it, is imported here, not at the top: every start of the
    window imports the command line's modules, and urllib.request took ~10 ms of it.)"""
    from ..api.client import open_api
    with open_api(port, token, method, path, data, content_type, timeout) as response:
        body: bytes = response.read()
        return body


def api_json(port: int, token: str, method: str, path: str, body: Any = None,
             timeout: float = 120.0) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    return json.loads(api_raw(port, token, method, path, data, timeout=timeout))


def multipart(fields: dict[str, str], file_field: str, file: Path) -> tuple[bytes, str]:
    """A multipart/form-data body (RFC 7578) with text fields and one file."""
    boundary = uuid.uuid4().hex
    parts: list[bytes] = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                     f"{value}\r\n".encode())
    filename = file.name.replace('"', "_")
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{file_field}"; '
                 f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'
                 .encode() + file.read_bytes() + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def follow(port: int, token: str, transfer: dict[str, Any], deadline: float,
           say: Callable[[str], None]) -> dict[str, Any]:
    """Wait for the transfer to finish (or ``deadline``), printing each new status."""
    shown = 0
    while True:
        for step in transfer["steps"][shown:]:
            say(f"  {step['status']}: {step['words']}")
        shown = len(transfer["steps"])
        remaining = deadline - time.monotonic()
        if transfer["finished"] or remaining <= 0:
            return transfer
        wait = max(1.0, min(remaining, 30.0))
        transfer = api_json(port, token, "GET", f"/transfers/{quote(transfer['id'])}"
                            f"?wait={wait:.0f}", timeout=wait + 30)


def not_finished(transfer: dict[str, Any]) -> str:
    last = transfer.get("last_status")
    return (f"Still not finished when the command stopped waiting: {transfer['words']}; "
            + (f"the charger's last status was {last}" if last
               else "the charger has reported no status"))


def announce_and_follow(args: argparse.Namespace, token: str, transfer: dict[str, Any],
                        what: str) -> dict[str, Any]:
    """Say the request went out with the studio's words, then ``follow`` it until it
    finishes or the command's --timeout (plus GRACE_S) is over."""
    print(f"{transfer['action'] or what} sent to {args.charger}: {transfer['words']}")
    return follow(args.api, token, transfer, time.monotonic() + args.timeout + GRACE_S, print)


def failure(transfer: dict[str, Any]) -> int:
    """A transfer that did not end well: its words (or what is still open) on stderr; 1."""
    print(transfer["words"] if transfer["finished"] else not_finished(transfer),
          file=sys.stderr)
    return 1


def run(args: argparse.Namespace) -> int:
    from ..api.client import ApiError
    token = read_token(args)
    charger = quote(args.charger, safe="")
    try:
        transfer = api_json(args.api, token, "POST", f"/chargers/{charger}/logs",
                            {"type": args.type, "scheme": args.scheme,
                             "timeout": args.timeout, "oldest": args.since,
                             "latest": args.until, "retries": args.retries})
        transfer = announce_and_follow(args, token, transfer, "Log request")
        if not transfer["ok"]:
            return failure(transfer)
        data = api_raw(args.api, token, "GET", f"/transfers/{quote(transfer['id'])}/file")
        if args.attach:
            api_json(args.api, token, "POST", f"/chargers/{charger}/attachments",
                     {"transfer": transfer["id"]})
    except (ApiError, OSError) as exc:
        return api_failure(args, exc)
    args.out.mkdir(parents=True, exist_ok=True)
    target = args.out / transfer["file_name"]
    target.write_bytes(data)
    if args.json:
        print(json.dumps(transfer, indent=2))
    print(f"{transfer['words']}\nSaved to {target}")
    if args.attach:
        print(f"Attached to {args.charger}'s commissioning report")
    return 0


def run_list(args: argparse.Namespace) -> int:
    from ..api.client import ApiError
    charger = quote(args.charger, safe="")
    try:
        files = api_json(args.api, read_token(args), "GET", f"/chargers/{charger}/logs")
    except (ApiError, OSError) as exc:
        return api_failure(args, exc)
    if not files:
        print(f"No logs received from {args.charger} yet")
    for item in files:
        print(f"{item['name']}  {item['size']:,} bytes  received {item['received']}"
              + ("  (attached to the report)" if item["attached"] else ""))
    return 0


def run_attach(args: argparse.Namespace) -> int:
    from ..api.client import ApiError
    charger = quote(args.charger, safe="")
    try:
        attached = api_json(args.api, read_token(args), "POST",
                            f"/chargers/{charger}/attachments", {"name": args.name})
    except (ApiError, OSError) as exc:
        return api_failure(args, exc)
    for item in attached:
        print(f"{item['name']}  {item['size']:,} bytes  SHA-256 {item['sha256']}"
              if not item["missing"] else f"{item['name']}  (no longer there)")
    print(f"These files will be listed in {args.charger}'s commissioning report")
    return 0
