"""``firmware``: update a charger's firmware from a file (issue 16 §4) through the control API
of a running studio, which serves the file itself (HTTP or FTP, one-time login).

    ocpp-studio firmware update --api PORT CHARGER FILE [--scheme http|https|ftp]
        [--signing-cert CERT.pem (--signature SIG | --signing-key KEY.pem [--key-password P])]
        [--expect-version V] [--timeout S]

Signed updates (1.6 security SignedUpdateFirmware, 2.0.1 UpdateFirmware with a signature; the
UK regulations' secure update, §2.8.3): give the manufacturer's firmware signing certificate
and either the signature (base64, or a file holding it) or the signing key to make it with
(SHA-256 over the whole file; RSA-PSS or ECDSA). Prints the charger's statuses as they come;
exits 0 only when the charger reported Installed (and, with --expect-version, rebooted with
that version), 1 otherwise with the reason.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from urllib.parse import quote

from .common import add_api_client_options, api_failure, read_token
from .logs import announce_and_follow, api_raw, failure, multipart


def register(commands: argparse._SubParsersAction) -> None:
    """Add the ``firmware`` command."""
    firmware = commands.add_parser("firmware", help="update a charger's firmware from a file",
                                   description=__doc__,
                                   formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = firmware.add_subparsers(dest="firmware_command", required=True, metavar="update")
    update = sub.add_parser("update", help="serve a firmware file and have the charger "
                            "install it")
    add_api_client_options(update)
    update.add_argument("file", type=Path, help="the firmware image")
    update.add_argument("--scheme", choices=("http", "https", "ftp"), default="http",
                        help="how the charger downloads it (default http; https needs the "
                             "studio's wss:// certificate: serve --wss-port)")
    update.add_argument("--signing-cert", type=Path, metavar="CERT",
                        help="the firmware signing certificate (PEM) for a signed update")
    update.add_argument("--signature", metavar="SIG",
                        help="the signature: base64 text, or a file holding it")
    update.add_argument("--signing-key", type=Path, metavar="KEY",
                        help="a private key (PEM) to sign the file with instead")
    update.add_argument("--key-password", help="the signing key's password, if it has one")
    update.add_argument("--expect-version", metavar="V",
                        help="the firmware version the charger should boot with afterwards")
    update.add_argument("--timeout", type=float, default=1800.0,
                        help="seconds to wait for Installed (default 1800)")
    update.add_argument("--json", action="store_true", help="print the final transfer as JSON")
    update.set_defaults(func=run)


def _fields(args: argparse.Namespace) -> dict[str, str]:
    fields = {"scheme": args.scheme}
    if args.signing_cert is not None:
        fields["signing_certificate"] = args.signing_cert.read_text(encoding="ascii")
    if args.signature:
        given = Path(args.signature)
        fields["signature"] = (given.read_text(encoding="ascii").strip() if given.is_file()
                               else args.signature.strip())
    if args.signing_key is not None:
        fields["signing_key"] = args.signing_key.read_text(encoding="ascii")
    if args.key_password:
        fields["key_password"] = args.key_password
    if args.expect_version:
        fields["expect_version"] = args.expect_version
    return fields


def run(args: argparse.Namespace) -> int:
    from ..api.client import ApiError
    if not args.file.is_file():
        print(f"No firmware file at {args.file}", file=sys.stderr)
        return 2
    if (args.signature or args.signing_key) and args.signing_cert is None:
        print("A signed update needs --signing-cert", file=sys.stderr)
        return 2
    if args.signature and args.signing_key:
        print("Give --signature or --signing-key, not both", file=sys.stderr)
        return 2
    token = read_token(args)
    try:
        body, content_type = multipart(_fields(args), "file", args.file)
    except OSError as exc:
        print(f"Cannot read: {exc}", file=sys.stderr)
        return 2
    charger = quote(args.charger, safe="")
    try:
        transfer = json.loads(api_raw(args.api, token, "POST", f"/chargers/{charger}/firmware",
                                      body, content_type))
        transfer = announce_and_follow(args, token, transfer, "Firmware update")
    except (ApiError, OSError) as exc:
        return api_failure(args, exc)
    if args.json:
        print(json.dumps(transfer, indent=2))
    if not transfer["ok"]:
        return failure(transfer)
    print(transfer["words"])
    return 0

