"""``demo-charger``: a simulated charger, headless. Its options map onto DemoChargerConfig:
a new simulation option is one ``add_argument`` in ``register`` and one field in
``_config``."""

from __future__ import annotations

import argparse
import logging
from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

from ..core.versions import OcppVersion
from ..demo.quirks import describe as describe_quirks, quirk_argument
from .common import add_ocpp_option, run_async

if TYPE_CHECKING:
    from ..demo import DemoChargerConfig


def register(commands: argparse._SubParsersAction) -> None:
    demo = commands.add_parser("demo-charger", help="run a simulated charger headless")
    demo.add_argument("--url", required=True,
                      help="ws://HOST:PORT/PATH/CHARGER_ID, or wss://... for security "
                      "profiles 2 and 3")
    add_ocpp_option(demo, help="OCPP version to speak (default 1.6)")
    demo.add_argument("--connectors", type=int, default=1, help="number of connectors (default 1)")
    demo.add_argument("--phases", type=int, choices=(1, 3), default=None,
                      help="supply phases (default 1 for 1.6, 3 for 2.0.1 and 2.1)")
    demo.add_argument("--password", help="HTTP Basic password (user = charger id): "
                      "profile 1 over ws://, 2 over wss://")
    demo.add_argument("--ca", metavar="FILE",
                      help="PEM root certificate(s) the charger trusts for wss:// (the studio's:"
                      " ocpp-studio ca export --out FILE)")
    demo.add_argument("--client-cert", metavar="FILE",
                      help="PEM client certificate for security profile 3 (CN = charger id)")
    demo.add_argument("--client-key", metavar="FILE", help="the client certificate's key")
    demo.add_argument("--security-profile", type=int, choices=(0, 1, 2, 3),
                      help="the profile to start at (default: from the URL and credentials)")
    demo.add_argument("--csr-key", choices=("ec", "rsa"), default="ec",
                      help="key of the CSRs it makes: EC P-256 (default) or RSA 2048")
    demo.add_argument("--csr-fault", choices=("wrong-cn", "not-pkcs10", "rsa-1024"),
                      help="make bad CSRs, to see a central system refuse them")
    demo.add_argument("--tls12-suites", choices=("ecdhe-ecdsa", "rsa"),
                      help="behave like a TLS 1.2-only charger offering one pair of the "
                      "security whitepaper's cipher suites")
    demo.add_argument("--charge", action="store_true", help="plug in and charge after boot")
    demo.add_argument("--quirk", action="append", default=[], type=quirk_argument,
                      metavar="NAME[=VALUE]", help="behave like a third-party charger "
                      f"(repeatable; see README, 'Demo charger quirks'): {describe_quirks()}")
    demo.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    logging.getLogger("ocpp_studio.demo").setLevel(logging.INFO)
    return run_async(_demo_charger(args))


async def _demo_charger(args: argparse.Namespace) -> int:
    from ..demo import run_demo_charger
    base, charger_id = _split_url(args.url)
    if base.startswith("wss://") and not args.ca:
        raise SystemExit("wss:// needs --ca FILE: the charger verifies the central system "
                         "against the root certificates it holds")
    if bool(args.client_cert) != bool(args.client_key):
        raise SystemExit("--client-cert and --client-key go together")
    await run_demo_charger(base, _config(args, charger_id))
    return 0


def _split_url(url: str) -> tuple[str, str]:
    """ws://HOST:PORT/PATH/CHARGER_ID -> ('ws://HOST:PORT/PATH', 'CHARGER_ID')."""
    parts = urlsplit(url)
    segments = [s for s in parts.path.split("/") if s]
    if parts.scheme not in ("ws", "wss") or not segments:
        raise SystemExit("--url must look like ws://HOST:PORT/PATH/CHARGER_ID")
    base = urlunsplit((parts.scheme, parts.netloc, "/" + "/".join(segments[:-1]), "", ""))
    return base.rstrip("/"), segments[-1]


def _config(args: argparse.Namespace, charger_id: str) -> DemoChargerConfig:
    from ..demo import DemoChargerConfig
    from ..demo.config import default_phases
    version = OcppVersion.parse(args.ocpp)
    phases = args.phases or default_phases(version)
    return DemoChargerConfig(
        charger_id=charger_id, version=version, connectors=args.connectors, phases=phases,
        max_current_a=16.0 if phases == 3 else 32.0, basic_auth_password=args.password,
        auto_charge=args.charge, quirks=args.quirk, ca_file=args.ca,
        client_cert_file=args.client_cert, client_key_file=args.client_key,
        security_profile=args.security_profile, csr_key=args.csr_key,
        csr_fault=args.csr_fault, tls12_suites=args.tls12_suites)
