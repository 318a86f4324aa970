"""Start a server for one transfer, hand back the ``Transfer`` (its URL, its outcome).

The server listens on the address the charger reached the studio on (``host``, from
``address.reachable_host``) and a free port, and stops by itself when the transfer is done,
failed or expired. ``Transfer.wait()`` returns once it has stopped.
"""

from __future__ import annotations

import logging
import ssl
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from ..core.clock import Clock, SystemClock
from ..transports.addresses import is_address_in_use
from .address import transfer_url
from .transfer import Scheme, Transfer

if TYPE_CHECKING:
    from .ftp import TransferFtpServer
    from .http import TransferHttpServer

log = logging.getLogger(__name__)

#: 1.6 GetDiagnostics files are typically a few MB; leave room for a verbose log bundle.
DEFAULT_MAX_UPLOAD_BYTES = 200 * 1024 * 1024
DEFAULT_TIMEOUT_S = 15 * 60.0


async def serve_upload(*, scheme: Scheme, host: str, folder: Path,
                       max_bytes: int | None = DEFAULT_MAX_UPLOAD_BYTES,
                       timeout: float = DEFAULT_TIMEOUT_S, default_name: str = "upload.bin",
                       port: int = 0, bind: str | None = None, http_auth: bool = True,
                       data_ports: list[int] | None = None,
                       ssl_context: ssl.SSLContext | None = None,
                       clock: Clock | None = None) -> Transfer:
    """Receive one file from a charger (diagnostics, a log) into ``folder``.

    ``transfer.url`` is a folder URL: the charger adds its own file name (1.6 GetDiagnostics
    ``location``, 2.0.1 GetLog ``log.remoteLocation``). ``folder`` must exist; nothing is
    written anywhere else.
    """
    folder = Path(folder).resolve()
    if not folder.is_dir():
        raise NotADirectoryError(f"upload folder {folder} does not exist")
    transfer = Transfer("upload", scheme, host, timeout, folder=folder, max_bytes=max_bytes,
                        default_name=default_name, http_auth=http_auth,
                        clock=clock or SystemClock())
    await _start(transfer, port, bind, data_ports, ssl_context, path=f"{transfer.token}/")
    return transfer


async def serve_download(*, scheme: Scheme, host: str, file: Path,
                         timeout: float = DEFAULT_TIMEOUT_S, port: int = 0,
                         bind: str | None = None, http_auth: bool = True,
                         data_ports: list[int] | None = None,
                         ssl_context: ssl.SSLContext | None = None,
                         clock: Clock | None = None) -> Transfer:
    """Serve ``file`` read-only for one complete download (a firmware image).

    ``transfer.url`` names the file (1.6 UpdateFirmware ``location``, 2.0.1 UpdateFirmware
    ``firmware.location``).
    """
    file = Path(file).resolve()
    if not file.is_file():
        raise FileNotFoundError(f"no file to serve at {file}")
    transfer = Transfer("download", scheme, host, timeout, file=file, http_auth=http_auth,
                        clock=clock or SystemClock())
    await _start(transfer, port, bind, data_ports, ssl_context,
                 path=f"{transfer.token}/{file.name}")
    return transfer


async def _start(transfer: Transfer, port: int, bind: str | None,
                 data_ports: list[int] | None, ssl_context: ssl.SSLContext | None,
                 path: str) -> None:
    # imported per transfer: aioftp and aiohttp are ~0.2 s of the window's start (issue 17)
    from .ftp import TransferFtpServer  # noqa: PLC0415
    from .http import TransferHttpServer  # noqa: PLC0415
    listen = bind or transfer.host
    server: TransferFtpServer | TransferHttpServer
    if (transfer.scheme == "https") != (ssl_context is not None):
        raise ValueError("https needs an ssl_context, and only https takes one")
    if transfer.scheme == "ftp":
        server = TransferFtpServer(transfer, data_ports)
        start = server.start
    elif transfer.scheme in ("http", "https"):
        server = TransferHttpServer(transfer, ssl_context)
        start = server.start
    else:
        raise ValueError(f"unknown scheme {transfer.scheme!r} (ftp, http or https)")
    try:
        await start(listen, port)
    except OSError as exc:
        if not (port and is_address_in_use(exc)):
            raise
        # the port the user chose (say one opened in the firewall) is taken: any free one
        log.warning("port %d is in use; the %s server takes a free one", port, transfer.scheme)
        await start(listen, 0)
    transfer.port = server.port if isinstance(server, TransferHttpServer) else server.address[1]
    with_auth = transfer.scheme == "ftp" or transfer.http_auth
    transfer.url = transfer_url(transfer.scheme, transfer.host, transfer.port, path,
                                transfer.user if with_auth else None,
                                transfer.password if with_auth else None)
    transfer._arm(server.stop)
    log.info("%s server for one %s on %s:%d", transfer.scheme, transfer.direction, listen,
             transfer.port)
