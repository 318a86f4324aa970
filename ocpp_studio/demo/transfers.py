"""The demo charger's file transfers (issue 16 §5): GetDiagnostics / GetLog uploads and
UpdateFirmware / SignedUpdateFirmware downloads over HTTP and FTP, with every status.

``add_transfer_handlers(routes, two_x)`` registers the handlers on a version's table; each
version module calls it right after creating its ``Routes`` (2.1 copies the 2.0.1 table).

What the demo really does, as a charger would:

- a log request: answers with a file name, sends Uploading, uploads a generated log to the
  URL it was given (FTP with aioftp, passive mode; HTTP(S) with aiohttp: 1.6 POSTs a
  multipart form, as many 1.6 chargers do, 2.x PUTs the file; HTTPS trusts the CA of
  its ``ca_file``, as for wss://), then Uploaded or
  UploadFailed/UploadFailure. 1.6: GetDiagnostics + DiagnosticsStatusNotification; the
  security whitepaper's GetLog + LogStatusNotification (with requestId); 2.x GetLog.
- a firmware update: Downloading, downloads the file (HTTP GET / FTP RETR), Downloaded;
  for a signed one checks the signature over the whole file against the signing
  certificate (RSA-PSS or ECDSA, SHA-256; L01.FR.04) -> SignatureVerified or
  InvalidSignature; Installing, Installed, then reboots and boots with the new firmware
  version: the downloaded file's name without its extension ("2.0.1.bin" -> "2.0.1").
- quirk ``transfer-fail=download|upload|install|signature|never-upload`` fails at that stage
  (never-upload: accepts, says Uploading, and never sends a byte).
"""

from __future__ import annotations

import base64
import binascii
import logging
import ssl
from pathlib import Path, PurePosixPath
from typing import Any, Awaitable, Callable
from urllib.parse import unquote, urlsplit

import aiohttp
import aioftp
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from .profiles import format_time
from .routing import Routes

log = logging.getLogger(__name__)

TIMEOUT_S = 60.0


# -- the wire: upload and download ----------------------------------------------------

def _ftp_target(url: str) -> tuple[str, int, str, str, str]:
    parts = urlsplit(url)
    return (parts.hostname or "", parts.port or 21, unquote(parts.username or "anonymous"),
            unquote(parts.password or ""), unquote(parts.path) or "/")


def _tls(ca_file: str | None) -> ssl.SSLContext:
    """HTTPS: the server must chain to the CA the charger trusts (its ``ca_file``, the one
    it checks the central system's wss:// certificate with), else the system's."""
    return ssl.create_default_context(cafile=ca_file) if ca_file \
        else ssl.create_default_context()


async def upload(url: str, name: str, data: bytes, *, post: bool = False,
                 ca_file: str | None = None) -> None:
    """Send ``data`` as ``name`` to the folder URL ``url`` (raises on any failure)."""
    if url.startswith("ftp://"):
        host, port, user, password, folder = _ftp_target(url)
        async with aioftp.Client.context(host, port, user, password,
                                         socket_timeout=TIMEOUT_S) as client:
            async with client.upload_stream(PurePosixPath(folder) / name) as stream:
                await stream.write(data)
        return
    target = url if url.endswith("/") else url + "/"
    timeout = aiohttp.ClientTimeout(total=TIMEOUT_S)
    connector = aiohttp.TCPConnector(ssl=_tls(ca_file)) if url.startswith("https:") else None
    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:
        if post:
            form = aiohttp.FormData()
            form.add_field("file", data, filename=name, content_type="text/plain")
            response = await session.post(target, data=form)
        else:
            response = await session.put(target + name, data=data)
        async with response:
            response.raise_for_status()


async def download(url: str, ca_file: str | None = None) -> tuple[str, bytes]:
    """The file at ``url`` (HTTP GET or FTP RETR): its name and bytes."""
    if url.startswith("ftp://"):
        host, port, user, password, path = _ftp_target(url)
        chunks = []
        async with aioftp.Client.context(host, port, user, password,
                                         socket_timeout=TIMEOUT_S) as client:
            async with client.download_stream(path) as stream:
                async for block in stream.iter_by_block():
                    chunks.append(block)
        return PurePosixPath(path).name, b"".join(chunks)
    timeout = aiohttp.ClientTimeout(total=TIMEOUT_S)
    connector = aiohttp.TCPConnector(ssl=_tls(ca_file)) if url.startswith("https:") else None
    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:
        async with session.get(url) as response:
            response.raise_for_status()
            return PurePosixPath(unquote(urlsplit(url).path)).name, await response.read()


def signature_ok(data: bytes, certificate_pem: str, signature_b64: str) -> bool:
    """L01.FR.04 / L01.FR.12: the signature over the entire file, SHA-256, checked with the
    signing certificate's key (RSA-PSS, any salt length; or ECDSA)."""
    try:
        public = x509.load_pem_x509_certificate(certificate_pem.encode()).public_key()
        raw = base64.b64decode(signature_b64, validate=True)
        if isinstance(public, rsa.RSAPublicKey):
            public.verify(raw, data, padding.PSS(mgf=padding.MGF1(hashes.SHA256()),
                                                 salt_length=padding.PSS.AUTO), hashes.SHA256())
        elif isinstance(public, ec.EllipticCurvePublicKey):
            public.verify(raw, data, ec.ECDSA(hashes.SHA256()))
        else:
            return False
    except (ValueError, binascii.Error, InvalidSignature):
        return False
    return True


def _certificate_ok(pem: str) -> bool:
    try:
        x509.load_pem_x509_certificate(pem.encode())
    except ValueError:
        return False
    return True


def log_text(ch: Any, kind: str) -> bytes:
    """A generated log: what the demo knows about itself, one line per fact."""
    now = format_time(ch.clock())
    c = ch.config
    lines = [f"{now} {c.charger_id} {kind} log (OCPP Studio demo charger)",
             f"{now} vendor={c.vendor} model={c.model} serial={c.serial} firmware={c.firmware}",
             f"{now} boots={getattr(ch, 'boot_count', 0)} connectors={c.connectors}"]
    for conn in ch.connectors.values():
        lines.append(f"{now} connector {conn.id}: {conn.status}, "
                     f"{conn.energy_wh:.0f} Wh, transaction {conn.tx.id if conn.tx else '-'}")
    if kind == "security":  # GetLog SecurityLog: the demo's own security log (A04.FR.04)
        lines += ch.security.log_lines() or [f"{now} no security events"]
        return ("\n".join(lines) + "\n").encode()
    lines += [f"{now} line {i}: nothing to report" for i in range(40)]
    return ("\n".join(lines) + "\n").encode()


def _status_sender(ch: Any, action: str,
                   request_id: int | None) -> Callable[[str], Awaitable[None]]:
    """Sends one status of a transfer in ``action`` (with the request's id from 1.6 security
    and 2.x on; 1.6 DiagnosticsStatus/FirmwareStatusNotification carry none)."""
    async def status(value: str) -> None:
        body: dict[str, Any] = {"status": value}
        if request_id is not None:
            body["requestId"] = request_id
        await ch.call(action, body)
    return status


# -- one version's handlers -------------------------------------------------------------

class _Transfers:
    """The handlers of one version (``two_x``): message names and fields differ, the
    behaviour does not."""

    def __init__(self, two_x: bool) -> None:
        self.two_x = two_x

    # logs
    def get_diagnostics(self, protocol: Any, payload: dict[str, Any]) -> dict[str, Any]:
        ch = protocol.ch
        name = f"{ch.config.charger_id}-diagnostics.log"
        ch.later(lambda: self._upload(ch, payload["location"], name, "diagnostics",
                                      "DiagnosticsStatusNotification", None))
        return {"fileName": name}  # 1.6 §6.25

    def get_log(self, protocol: Any, payload: dict[str, Any]) -> dict[str, Any]:
        ch = protocol.ch
        kind = "security" if payload["logType"] == "SecurityLog" else "diagnostics"
        name = f"{ch.config.charger_id}-{kind}.log"
        request_id = int(payload["requestId"])
        ch.later(lambda: self._upload(ch, payload["log"]["remoteLocation"], name, kind,
                                      "LogStatusNotification", request_id))
        return {"status": "Accepted", "filename": name}

    async def _upload(self, ch: Any, location: str, name: str, kind: str, action: str,
                      request_id: int | None) -> None:
        failure = "UploadFailed" if request_id is None else "UploadFailure"
        status = _status_sender(ch, action, request_id)
        fail = ch.quirks.transfer_fail
        await status("Uploading")
        if fail == "never-upload":
            log.info("%s: quirk never-upload: the log is never sent", ch.config.charger_id)
            return
        if fail == "upload":
            await status(failure)
            return
        try:
            await upload(location, name, log_text(ch, kind), post=not self.two_x,
                         ca_file=ch.config.ca_file)
        except (OSError, aiohttp.ClientError, aioftp.StatusCodeError, TimeoutError) as exc:
            log.info("%s: log upload to the central system failed: %s",
                     ch.config.charger_id, exc)
            await status(failure)
            return
        await status("Uploaded")

    # firmware
    def update_firmware_16(self, protocol: Any, payload: dict[str, Any]) -> dict[str, Any]:
        ch = protocol.ch
        ch.later(lambda: self._firmware(ch, payload["location"], None, None, None,
                                        "FirmwareStatusNotification"))
        return {}  # 1.6 §6.51: an empty answer

    def signed_update_firmware(self, protocol: Any, payload: dict[str, Any]) -> dict[str, Any]:
        """1.6 security SignedUpdateFirmware and 2.x UpdateFirmware: the same FirmwareType."""
        ch = protocol.ch
        firmware = payload["firmware"]
        certificate = firmware.get("signingCertificate")
        if certificate is not None and not _certificate_ok(certificate):
            return {"status": "InvalidCertificate"}  # L01.FR.24
        action = "FirmwareStatusNotification" if self.two_x else \
            "SignedFirmwareStatusNotification"
        ch.later(lambda: self._firmware(ch, firmware["location"], int(payload["requestId"]),
                                        certificate, firmware.get("signature"), action))
        return {"status": "Accepted"}

    async def _firmware(self, ch: Any, location: str, request_id: int | None,
                        certificate: str | None, signature: str | None, action: str) -> None:
        status = _status_sender(ch, action, request_id)
        fail = ch.quirks.transfer_fail
        await status("Downloading")
        if fail == "download":
            await status("DownloadFailed")
            return
        try:
            name, data = await download(location, ch.config.ca_file)
        except (OSError, aiohttp.ClientError, aioftp.StatusCodeError, TimeoutError) as exc:
            log.info("%s: firmware download failed: %s", ch.config.charger_id, exc)
            await status("DownloadFailed")
            return
        await status("Downloaded")
        signed = request_id is not None and certificate is not None
        if signed:
            assert certificate is not None
            if fail == "signature" or not signature or not signature_ok(data, certificate,
                                                                        signature):
                await status("InvalidSignature")  # L01.FR.03: and a security event
                # queued until delivered and kept in the security log (A04.FR.01/02/04)
                ch.send_security_event("InvalidFirmwareSignature",
                                       "the firmware signature does not verify")
                return
            await status("SignatureVerified")
        await status("Installing")
        if fail == "install":
            await status("InstallationFailed")
            return
        version = Path(name).stem or name
        ch.config.firmware = version
        await status("Installed")
        log.info("%s: firmware %s installed; rebooting", ch.config.charger_id, version)
        await ch.reboot("FirmwareUpdate")


def add_transfer_handlers(routes: Routes, two_x: bool) -> None:
    """Register the transfer handlers of 1.6 or 2.x on ``routes``."""
    handlers = _Transfers(two_x)
    routes.on("GetLog")(handlers.get_log)
    if two_x:
        routes.on("UpdateFirmware")(handlers.signed_update_firmware)
    else:
        routes.on("GetDiagnostics")(handlers.get_diagnostics)
        routes.on("UpdateFirmware")(handlers.update_firmware_16)
        routes.on("SignedUpdateFirmware")(handlers.signed_update_firmware)
