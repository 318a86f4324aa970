"""``ca``: the studio's local certificate authority (security profiles 2 and 3).

    ocpp-studio ca export --out studio-ca.pem

writes the CA certificate (public, never the key) for chargers whose installer tools take a
root certificate file: a charger that trusts it accepts the studio's ``wss://`` server
certificate (``serve --wss-port``). The CA is made on first use, owner-only, in the user
config folder.
"""

from __future__ import annotations

import argparse

from .common import CommandError


def register(commands: argparse._SubParsersAction) -> None:
    ca = commands.add_parser("ca", help="the studio's certificate authority (wss://)")
    actions = ca.add_subparsers(dest="ca_command", required=True)
    export = actions.add_parser("export", help="write the CA certificate (PEM) for chargers")
    export.add_argument("--out", required=True, metavar="FILE",
                        help="where to write the certificate, e.g. studio-ca.pem")
    export.set_defaults(func=run_export)


def run_export(args: argparse.Namespace) -> int:
    from ..security.ca import CaError, StudioCA
    from ..settings import studio_ca_dir
    try:
        ca = StudioCA(studio_ca_dir())
        path = ca.export(args.out)
    except (CaError, OSError) as exc:
        raise CommandError(f"Cannot export the studio CA: {exc}") from None
    certificate = ca.certificate
    print(f"Wrote {path}: {certificate.subject.rfc4514_string()}, valid until "
          f"{certificate.not_valid_after_utc:%Y-%m-%d} (install it on the charger as the "
          "Central System / CSMS root certificate)")
    return 0
