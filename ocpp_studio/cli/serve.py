"""``serve``: the local CSMS headless, one line per frame."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
from pathlib import Path
from typing import TYPE_CHECKING

from ..settings import AppSettings, user_config_dir
from .common import CommandError, add_server_options, print_record, run_async, settings_from

if TYPE_CHECKING:
    from ..service import Studio


def register(commands: argparse._SubParsersAction) -> None:
    serve = commands.add_parser("serve", help="run the local CSMS headless")
    add_server_options(serve)
    serve.add_argument("--demo", action="store_true", help="also run the two demo chargers")
    serve.add_argument("--quiet", action="store_true", help="do not print frames")
    tls = serve.add_argument_group(
        "TLS (security profiles 2 and 3)",
        "wss:// beside ws://. Without --cert/--key the server certificate comes from the "
        "studio's own CA (made on first use in the user config folder; give chargers its "
        "certificate with 'ocpp-studio ca export --out studio-ca.pem').")
    tls.add_argument("--wss-port", type=int, metavar="PORT",
                     help="also listen on wss:// on PORT")
    tls.add_argument("--cert", metavar="FILE",
                     help="server certificate chain (PEM) instead of the studio CA's")
    tls.add_argument("--key", metavar="FILE", help="the key of --cert (PEM)")
    tls.add_argument("--client-certs", choices=("required", "optional", "off"), default="off",
                     help="profile 3: chargers present a certificate from the studio CA or "
                     "--client-ca whose CN is the charger id (default off)")
    tls.add_argument("--client-ca", metavar="FILE",
                     help="CA certificate(s) (PEM) client certificates may chain to")
    certificates = serve.add_argument_group("Certificates (SignCertificate / CertificateSigned)")
    certificates.add_argument("--sign-csrs", choices=("auto", "ask", "never"), default="auto",
                              help="charger CSRs that pass every check: signed by the studio "
                              "CA at once (auto, default), after your approval (ask: "
                              "'ocpp-studio cert csr ...'), or refused (never)")
    certificates.add_argument("--organisation", metavar="O",
                              help="the organisation (O) charger CSRs must carry: what the "
                              "charger has as CpoName / SecurityCtrlr.OrganizationName")
    serve.set_defaults(func=run, log_to_file=True)


def run(args: argparse.Namespace) -> int:
    settings = settings_from(args, AppSettings())
    _tls_settings(args, settings)
    settings.csms.sign_csrs = getattr(args, "sign_csrs", None) or "auto"
    if getattr(args, "organisation", None):
        settings.csms.organisation = args.organisation
    passwords_file = _saved_passwords(settings)
    return run_async(_serve(settings, getattr(args, "demo", False), args.quiet, passwords_file))


def _saved_passwords(settings: AppSettings) -> Path:
    """The charger passwords the studio changed earlier (and the chargers accepted) are in the
    user's settings file, as the window keeps them: without them a restart would lock those
    chargers out (A01.FR.03: their old password no longer works). A --password given for the
    same charger wins. Returns the file, where new ones are saved too. Never prints one."""
    path = user_config_dir() / "settings.json"
    saved = AppSettings.load(path).csms.passwords if path.exists() else {}
    given = settings.csms.passwords
    taken = [cid for cid in saved if cid not in given]
    for cid in taken:
        given[cid] = saved[cid]
    differ = sorted(cid for cid in saved if cid in given and cid not in taken
                    and given[cid] != saved[cid])
    if taken:
        print(f"Passwords of {len(taken)} charger{'s' if len(taken) != 1 else ''} from {path} "
              f"({', '.join(sorted(taken))})", flush=True)
    if differ:
        print(f"--password differs from the password kept in {path} for {', '.join(differ)}: "
              "using --password", flush=True)
    return path


def _tls_settings(args: argparse.Namespace, settings: AppSettings) -> None:
    csms = settings.csms
    if args.wss_port is None:
        given = [name for name, value in (("--cert", args.cert), ("--key", args.key),
                                          ("--client-ca", args.client_ca)) if value]
        if args.client_certs != "off":
            given.append("--client-certs")
        if given:
            raise CommandError(f"{', '.join(given)} need --wss-port (TLS is on the wss:// "
                               "port only)")
        return
    if bool(args.cert) != bool(args.key):
        raise CommandError("--cert and --key go together: the certificate and its key")
    csms.wss_port = args.wss_port
    csms.tls_cert_file = args.cert or ""
    csms.tls_key_file = args.key or ""
    csms.client_certificates = args.client_certs
    csms.client_ca_file = args.client_ca or ""


async def _serve(settings: AppSettings, demo: bool, quiet: bool,
                 passwords_file: Path | None = None) -> int:
    from ..security.ca import CaError
    from ..service import Studio
    studio = Studio(settings)
    studio.passwords_file = passwords_file  # a password the studio changes is saved there
    try:
        studio.prepare_wss()
    except (CaError, OSError, ValueError) as exc:
        studio.store.close()
        raise CommandError(f"Cannot set up wss://: {exc}") from None
    if not quiet:
        studio.store.recorded.connect(print_record)
    try:
        await studio.start()
    except OSError as exc:
        studio.store.close()
        ports = f"{settings.csms.port}" + (f" / wss {settings.csms.wss_port}"
                                           if settings.csms.wss_port is not None else "")
        raise SystemExit(f"Cannot listen on {settings.csms.host}:{ports}: {exc}. "
                         "Is another CSMS running? Choose a port with --port"
                         f"{' / --wss-port' if settings.csms.wss_port is not None else ''}.")
    _print_addresses(studio)
    _print_tls(studio)
    if demo:
        studio.start_demo_chargers()
    from ..gc_pacing import pace_collections
    pacing = asyncio.create_task(pace_collections(), name="gc pacing")  # gc_pacing.py
    try:
        await _until_terminated()
    finally:
        pacing.cancel()
        await studio.stop()  # also removes the registered API token
    return 0


def _print_addresses(studio: Studio) -> None:
    print(f"OCPP Studio CSMS on port {studio.server.port}; capture: {studio.capture_path}",
          flush=True)
    for url in studio.server.urls():
        print(f"  point chargers at {url}/<chargerId>", flush=True)
    if studio.api is not None:
        print(f"Control API on http://127.0.0.1:{studio.api.port}/api/v1 token {studio.api.token}"
              f"{f' (also in {studio.api_token_file})' if studio.api_token_file else ''}",
              flush=True)


def _print_tls(studio: Studio) -> None:
    endpoint = studio.wss_endpoint
    if endpoint is None:
        return
    csms = studio.settings.csms
    if csms.tls_cert_file:
        print(f"wss:// with the server certificate {csms.tls_cert_file}", flush=True)
    else:
        from ..settings import studio_ca_dir
        folder = csms.ca_dir or studio_ca_dir()
        print(f"wss:// with a certificate from the studio CA in {folder} (chargers trust it "
              "with 'ocpp-studio ca export --out studio-ca.pem')", flush=True)
    if csms.client_certificates != "off":
        print(f"client certificates {csms.client_certificates}: CN must be the charger id",
              flush=True)


async def _until_terminated() -> None:
    """Wait for Ctrl+C or SIGTERM; SIGTERM returns so the caller's clean-up runs."""
    import signal
    stop = asyncio.get_running_loop().create_future()
    try:
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.cancel)
    except (NotImplementedError, RuntimeError):  # Windows: no signal handlers in the loop
        pass
    with contextlib.suppress(asyncio.CancelledError):
        await stop
