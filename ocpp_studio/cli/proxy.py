"""``proxy``: chargers connect here, frames are relayed unchanged to their real CSMS and
recorded."""

from __future__ import annotations

import argparse
import asyncio
from typing import TYPE_CHECKING

from ..settings import default_capture_path
from .common import CommandError, print_record, run_async

if TYPE_CHECKING:
    import ssl


def register(commands: argparse._SubParsersAction) -> None:
    proxy = commands.add_parser("proxy", help="log the traffic between chargers and their "
                                "real CSMS: chargers connect here, frames are relayed unchanged")
    proxy.add_argument("--listen", type=int, required=True, metavar="PORT",
                       help="port the chargers connect to")
    proxy.add_argument("--host", default="0.0.0.0", help="address to listen on (default all)")
    proxy.add_argument("--upstream", required=True,
                       help="the real CSMS base URL, e.g. wss://csms.example.com/ocpp")
    proxy.add_argument("--ca-file", help="trust this CA file for the upstream's certificate")
    proxy.add_argument("--cert", metavar="FILE",
                       help="listen on wss:// with this certificate (PEM, chain included)")
    proxy.add_argument("--key", metavar="FILE", help="the private key of --cert (PEM)")
    proxy.add_argument("--capture", default=str(default_capture_path()),
                       help=f"capture database (default {default_capture_path()})")
    proxy.add_argument("--quiet", action="store_true", help="do not print frames")
    proxy.set_defaults(func=run, log_to_file=True)


def run(args: argparse.Namespace) -> int:
    return run_async(_proxy(args))


async def _proxy(args: argparse.Namespace) -> int:
    from ..capture.store import CaptureStore
    from ..transports.proxy import LoggingProxy
    listen_ssl = _listen_ssl(args)
    store = CaptureStore(args.capture)
    if not args.quiet:
        store.recorded.connect(print_record)
    proxy = LoggingProxy(store, args.upstream.rstrip("/"), host=args.host, port=args.listen,
                         ssl_context=listen_ssl, upstream_ca_file=args.ca_file)
    try:
        await proxy.start()
    except OSError as exc:
        store.close()
        raise CommandError(f"Cannot listen on {args.host}:{args.listen}: {exc}") from None
    print(f"OCPP Studio proxy on port {proxy.port} ({proxy.scheme}://{args.host}:{proxy.port}) "
          f"-> {args.upstream}; capture: {args.capture}", flush=True)
    try:
        await asyncio.Future()
    finally:
        await proxy.stop()
        store.close()
    return 0


def _listen_ssl(args: argparse.Namespace) -> ssl.SSLContext | None:
    """The wss:// context of --cert/--key (None: plain ws://), after checking --upstream."""
    from ..transports.proxy import check_upstream_url, server_ssl_context
    if bool(args.cert) != bool(args.key):
        raise CommandError("Give both --cert and --key to listen on wss://")
    try:
        check_upstream_url(args.upstream)
        return server_ssl_context(args.cert, args.key) if args.cert else None
    except ValueError as exc:
        raise CommandError(f"Cannot start the proxy: {exc}") from None
    except OSError as exc:  # ssl.SSLError is an OSError
        raise CommandError(f"Cannot use the certificate {args.cert} / key {args.key}: "
                           f"{exc}") from None
