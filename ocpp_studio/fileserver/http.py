"""The HTTP(S) side of a transfer: an aiohttp app that answers one path and nothing else.

The charger is told ``http://user:password@host:port/<token>/`` (an upload folder: PUT
``/<token>/<name>``, or POST a raw body or ``multipart/form-data`` to ``/<token>/``) or
``http://user:password@host:port/<token>/<file>`` (a download: GET/HEAD). HTTP clients send
the URL's user and password as Basic authentication (RFC 7617); with ``http_auth`` off the
secret path alone admits, for chargers that drop the user part.

The request body is streamed to the file, counted as it comes: an upload going over the limit
is cut off (413, connection closed), its partial file removed. Path traversal is refused with
400 before anything else: ``..``, backslashes, and encoded dots, slashes or backslashes
(``%2e``, ``%2f``, ``%5c``) anywhere in the raw path.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import logging
import re
import ssl
from urllib.parse import unquote

from aiohttp import BodyPartReader, web
from aiohttp.client_exceptions import ClientPayloadError

from .transfer import (Transfer, TransferBusy, TransferState, UploadEnded, UploadTooLarge,
                       safe_file_name)

log = logging.getLogger(__name__)

CHUNK = 64 * 1024
CLOSE_GRACE_S = 2.0
_ENCODED_TRAVERSAL = re.compile(r"%(2e|2f|5c|00|25)", re.IGNORECASE)
_FILENAME = re.compile(r'filename\*?=(?:UTF-8\'\')?"?([^";]+)"?', re.IGNORECASE)


class TransferHttpServer:
    """An HTTP server for one transfer; ``start`` then let the transfer stop it."""

    def __init__(self, transfer: Transfer, ssl_context: ssl.SSLContext | None = None) -> None:
        self.transfer = transfer
        self._ssl = ssl_context
        self._runner: web.AppRunner | None = None
        self._handlers: set[asyncio.Task[object]] = set()
        self.port = 0

    async def start(self, host: str, port: int) -> int:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=CLOSE_GRACE_S)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port, ssl_context=self._ssl)
        await site.start()
        assert site._server is not None
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self.port

    async def stop(self) -> None:
        """Stop listening; a request still sending when the transfer failed or expired is cut off
        now rather than after aiohttp's graceful-shutdown wait."""
        if self.transfer.state != TransferState.DONE:
            for handler in list(self._handlers):
                handler.cancel()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # -- one request ----------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        task = asyncio.current_task()
        assert task is not None
        self._handlers.add(task)
        try:
            return await self._answer(request)
        finally:
            self._handlers.discard(task)

    async def _answer(self, request: web.Request) -> web.StreamResponse:
        transfer = self.transfer
        peer = request.transport.get_extra_info("peername") if request.transport else None
        transfer._connection(str(peer[0]) if peer else "?")
        name = self._name_in(request)
        if name is None:
            return web.Response(status=400, text="path refused\n")
        if transfer.state.finished:
            return web.Response(status=410, text="this transfer is over\n")
        if transfer.http_auth and not self._authorised(request):
            return web.Response(status=401, text="wrong or missing credentials\n",
                                headers={"WWW-Authenticate": 'Basic realm="ocpp-studio"'})
        transfer.logged_in = True
        if transfer.direction == "upload":
            if request.method not in ("PUT", "POST"):
                return web.Response(status=405, headers={"Allow": "PUT, POST"})
            return await self._receive(request, name)
        if request.method not in ("GET", "HEAD"):
            return web.Response(status=405, headers={"Allow": "GET, HEAD"})
        assert transfer.file is not None
        if name != transfer.file.name:
            transfer._note(f"the charger asked for a file named {name!r}, not {transfer.file.name!r}")
            return web.Response(status=404, text="no such file\n")
        return await self._send(request)

    def _name_in(self, request: web.Request) -> str | None:
        """The file name part of the path ('' for the folder itself), or None: refused."""
        raw = request.rel_url.raw_path
        decoded = request.path
        parts = decoded.split("/")[1:]
        token = self.transfer.token
        refused = (_ENCODED_TRAVERSAL.search(raw) or "\\" in decoded
                   or any(p in (".", "..") for p in parts) or ".." in raw.split("/"))
        if refused:
            self.transfer._note(f"a request for {raw[:80]!r} tried to leave its folder: refused")
            return None
        if not parts or parts[0] != token or len(parts) > 2:
            self.transfer._note(f"the charger asked for {raw[:80]!r}, not the path it was given")
            return None
        name = parts[1] if len(parts) == 2 else ""
        return safe_file_name(name, "") if name else ""

    def _authorised(self, request: web.Request) -> bool:
        header = request.headers.get("Authorization", "")
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "basic":
            self.transfer._note("an HTTP request came without the user and password of its URL")
            return False
        try:
            user, _, password = base64.b64decode(value.strip(), validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            user, password = "", ""
        if self.transfer.credentials_ok(user, password):
            return True
        self.transfer._note(f"an HTTP request came with wrong credentials (user {user!r})")
        return False

    # -- uploads (charger -> studio) -------------------------------------------------

    async def _receive(self, request: web.Request, name: str) -> web.StreamResponse:
        transfer = self.transfer
        limit = transfer.max_bytes
        declared = request.content_length
        if limit is not None and declared is not None and declared > limit:
            transfer._fail(f"the upload was bigger than the limit of {limit:,} bytes "
                           f"(the charger announced {declared:,}); it was refused")
            return await _cut_off(request)
        reader = request.content
        part: BodyPartReader | None = None
        if request.method == "POST" and request.content_type.startswith("multipart/"):
            multipart = await request.multipart()
            async for candidate in multipart:
                if isinstance(candidate, BodyPartReader) and candidate.filename is not None:
                    part = candidate
                    # aiohttp and browsers percent-encode the form's file name: decode it once
                    from_form = safe_file_name(unquote(candidate.filename), "")
                    if from_form is None:
                        transfer._note(f"a form file name {candidate.filename[:80]!r} tried to "
                                       "leave its folder: refused")
                        return web.Response(status=400, text="path refused\n")
                    name = name or from_form
                    break
            if part is None:
                transfer._note("a multipart POST came without a file part")
                return web.Response(status=400, text="no file in the form\n")
        elif not name:
            match = _FILENAME.search(request.headers.get("Content-Disposition", ""))
            if match:
                from_header = safe_file_name(unquote(match.group(1)), "")
                if from_header is None:
                    transfer._note("a Content-Disposition file name tried to leave its folder: refused")
                    return web.Response(status=400, text="path refused\n")
                name = from_header
        try:
            upload = transfer._begin_upload(name or transfer.default_name)
        except TransferBusy as exc:
            return web.Response(status=409, text=f"not now: {exc}\n")
        try:
            if part is not None:
                while chunk := await part.read_chunk(CHUNK):
                    upload.write(chunk)
            else:
                async for chunk in reader.iter_chunked(CHUNK):
                    upload.write(chunk)
        except UploadTooLarge:
            return await _cut_off(request)
        except UploadEnded:
            return await _cut_off(request, 410, "the transfer has ended; upload cut off")
        except (ClientPayloadError, ConnectionError, OSError) as exc:
            upload.discard(f"an HTTP upload broke off after {upload.bytes:,} bytes ({exc})")
            raise
        except BaseException:
            upload.discard(f"an HTTP upload broke off after {upload.bytes:,} bytes")
            raise
        saved = upload.commit()
        return web.Response(status=201, text=f"stored {saved.name}\n")

    # -- downloads (studio -> charger) ----------------------------------------------

    async def _send(self, request: web.Request) -> web.StreamResponse:
        transfer = self.transfer
        served = transfer.file
        assert served is not None
        size = served.stat().st_size
        response = web.StreamResponse(headers={"Content-Type": "application/octet-stream"})
        response.content_length = size
        await response.prepare(request)
        if request.method == "HEAD":
            return response
        transfer._begin_send()
        try:
            with served.open("rb") as source:
                while chunk := source.read(CHUNK):
                    await response.write(chunk)
                    transfer._sent(len(chunk))
            await response.write_eof()
        except (ConnectionError, OSError) as exc:
            transfer._interrupted(f"an HTTP download broke off after {transfer.bytes:,} bytes ({exc})")
            raise
        transfer._done(served)
        return response


async def _cut_off(request: web.Request, status: int = 413,
                   text: str = "the file is bigger than allowed; upload cut off") -> web.StreamResponse:
    """Answer, then close: aiohttp would otherwise linger reading the rest of the body."""
    response = web.Response(status=status, text=text + "\n")
    response.force_close()
    await response.prepare(request)
    await response.write_eof()
    if request.transport is not None:
        request.transport.close()
    return response
