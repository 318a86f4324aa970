"""The studio's own file server: one FTP or HTTP server per charger file transfer.

OCPP makes the charger fetch or upload files by URL (1.6 GetDiagnostics / UpdateFirmware,
1.6-security and 2.0.1 GetLog / (Signed)UpdateFirmware). Instead of asking the installer to
run a server, the studio starts one on demand for exactly one transfer, on the address the
charger reached it on, with a random path and one-time credentials, and stops it afterwards::

    transfer = await serve_upload(scheme="ftp", host=reachable_host(sockname),
                                  folder=data_dir, max_bytes=50_000_000, timeout=600)
    send GetDiagnostics(location=transfer.url)
    outcome = await transfer.wait()        # DONE with outcome.path, or FAILED/EXPIRED with .reason

HTTP (and HTTPS, with a certificate the caller gives) is aiohttp, which the control API already
uses. FTP is **aioftp** rather than pyftpdlib:

- aioftp is asyncio-native, so the server runs on the studio's own event loop (qasync in the
  GUI, asyncio in the CLI) beside the websocket server: the ``Transfer`` is updated on that
  loop, no thread or lock. pyftpdlib (2.x, maintained too, Python 3.6+ baseline) brings its own
  select/epoll IOLoop, which would need a thread per server and cross-thread hand-offs.
- Both are maintained (aioftp 0.28.x in 2026, pyftpdlib 2.2.0 in 2026); aioftp is typed
  (py.typed), pure Python, and its only dependency is the standard library.
- Passive mode: aioftp has PASV and EPSV, an optional fixed range of data ports (for a firewall
  rule) and a forced PASV address; pyftpdlib has those plus active mode (PORT). Chargers'
  FTP clients (mostly libcurl or vendor code behind NAT) use passive mode, so PORT is not
  missed; aioftp answers it 502.
- Per-user home folders and permissions: both. We go further in either: our own user manager
  (one login, spent when the transfer ends) and our own STOR/RETR, which refuse a path that
  leaves the transfer's folder rather than clamping it, and write through ``transfer.Upload``.
- Upload size limits: neither has one (both only throttle speed), so STOR counts bytes itself
  and cuts the upload off at the caller's limit.

Nothing here imports Qt; progress is a ``core.events.Signal``.
"""

from .address import reachable_host, transfer_url
from .serve import DEFAULT_MAX_UPLOAD_BYTES, DEFAULT_TIMEOUT_S, serve_download, serve_upload
from .transfer import Transfer, TransferProgress, TransferState, safe_file_name

__all__ = [
    "DEFAULT_MAX_UPLOAD_BYTES",
    "DEFAULT_TIMEOUT_S",
    "Transfer",
    "TransferProgress",
    "TransferState",
    "reachable_host",
    "safe_file_name",
    "serve_download",
    "serve_upload",
    "transfer_url",
]
