"""``serve``: the local CSMS headless, one line per frame."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
from typing import TYPE_CHECKING

from ..settings import AppSettings
from .common import add_server_options, print_record, run_async, settings_from

if TYPE_CHECKING:
    from ..service import Studio


def register(commands: argparse._SubParsersAction) -> None:
    serve = commands.add_parser("serve", help="run the local CSMS headless")
    add_server_options(serve)
    serve.add_argument("--demo", action="store_true", help="also run the two demo chargers")
    serve.add_argument("--quiet", action="store_true", help="do not print frames")
    serve.set_defaults(func=run, log_to_file=True)


def run(args: argparse.Namespace) -> int:
    settings = settings_from(args, AppSettings())
    return run_async(_serve(settings, getattr(args, "demo", False), args.quiet))


async def _serve(settings: AppSettings, demo: bool, quiet: bool) -> int:
    from ..service import Studio
    studio = Studio(settings)
    if not quiet:
        studio.store.recorded.connect(print_record)
    try:
        await studio.start()
    except OSError as exc:
        studio.store.close()
        raise SystemExit(f"Cannot listen on {settings.csms.host}:{settings.csms.port}: {exc}. "
                         "Is another CSMS running? Choose a port with --port.")
    _print_addresses(studio)
    if demo:
        studio.start_demo_chargers()
    try:
        await _until_terminated()
    finally:
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
