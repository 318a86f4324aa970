"""Log retrieval and firmware updates through the studio's own file server (issue 16 §2-4).

``central.transfers`` is a :class:`TransferManager`. Public interface (Qt-free; the
Operations panel, the API and the CLI use only this)::

    job = await central.transfers.get_log(charger, "diagnostics" | "security",
                                          scheme="ftp" | "http" | "https", oldest=, latest=,
                                          retries=, retry_interval=, timeout=, max_bytes=)
    job = await central.transfers.update_firmware(charger, Path(file),
                                                  scheme="http" | "https" | "ftp",
                                                  signing_certificate=PEM, signature=b64,
                                                  signing_key=PEM bytes, key_password=,
                                                  expect_version=, retrieve=, retries=,
                                                  retry_interval=, timeout=)
    progress = await job.wait()           # a TransferProgress once finished
    job.snapshot()                        # the TransferProgress now
    central.transfers.progress            # Signal[TransferProgress]: every job, every change
    central.transfers.jobs(charger=None)  # newest last; .job(id); await .cancel(id)
    await central.transfers.close()       # stop every running transfer (studio closing)
    central.transfers.folder              # where received logs are kept (beside the capture)
    central.transfers.received_logs(charger)  # its logs on disk, earlier runs too
    central.transfers.attach(charger, path)   # onto its commissioning report; .attachments()

Both start methods return once the charger has answered the request (or raise
:class:`TransferError` for unusable input, ``ConnectionClosed`` when the charger is not
connected); a refusal is a finished job with ``state == REFUSED`` and words. The server
listens on the address the charger reached the studio on (``Handshake.local``), with a
random path, one-time credentials and (uploads) a size limit, writing only into
``folder/<charger>/``; it stops when the transfer ends.

``TransferProgress.steps`` are the charger's own status messages in order, each in plain
words. "Uploaded"/"Installed" (``state == DONE``) is only said from the charger's
evidence: the log file that arrived, the Installed status and the BootNotification after
the reboot (whose firmware version is compared with ``expect_version``). A charger that
never uploads or downloads ends FAILED with what the server saw, its last status and what
to check (the laptop's address, firewall, FTP passive mode).
"""

from __future__ import annotations

import itertools
import logging
import re
import ssl
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from ..core.clock import Clock, SystemClock
from ..core.events import Signal
from ..core.frames import loads
from ..core.records import Direction, FrameRecord
from ..core.rpc import CallError, CallTimeout, ConnectionClosed, InvalidPayload
from ..fileserver import TransferState, reachable_host, serve_download, serve_upload
from .adapters import adapter_for
from .adapters.base import OcppRequest
from .adapters.operations import operation_requests
from .adapters.transfers import LogKind
from .transfer_files import ReceivedFile, received_files
from .transfer_files import attach as attach_file
from .transfer_files import attachments as attached_files
from .transfer_jobs import (JobState, Kind, TransferError, TransferJob, TransferProgress,
                            TransferStep, ftp_data_ports)
from .transfer_signing import SigningError, signature_to_send
from .transfer_words import (FIRMWARE_FAILURES, LOG_FAILURES, LOG_SUCCESS,
                             firmware_status_words, log_status_words, refusal_words,
                             server_saw)

log = logging.getLogger(__name__)

__all__ = ["JobState", "Kind", "TransferError", "TransferJob", "TransferManager",
           "TransferProgress", "TransferStep"]

Scheme = Literal["ftp", "http", "https"]
#: after the log file arrived, how long to wait for the charger's own "Uploaded"
UPLOADED_GRACE_S = 10.0
#: after "Installed", how long to wait for the reboot's BootNotification
REBOOT_WAIT_S = 120.0
#: after the download, how long the charger may take to report Installed (or a failure)
INSTALL_TIMEOUT_S = 1800.0


_SAFE = re.compile(r"[^A-Za-z0-9._-]")


def _charger_folder(root: Path, charger: str, make: bool = True) -> Path:
    name = _SAFE.sub("_", charger).lstrip(".") or "charger"
    folder = root / name
    if make:
        folder.mkdir(parents=True, exist_ok=True)
    return folder


class TransferManager:
    """Every log fetch and firmware update of one central system (see the module doc)."""

    def __init__(self, central: Any, folder: Path | None = None,
                 clock: Clock | None = None) -> None:
        self.central = central
        self._folder = Path(folder) if folder is not None else None
        self.clock = clock or SystemClock()
        self.progress: Signal[TransferProgress] = Signal("transfer progress")
        self._jobs: dict[str, TransferJob] = {}
        self._watching: list[TransferJob] = []
        self._ids = itertools.count(1)
        # request ids unlikely to repeat across studio runs (a charger may remember them)
        self._request_ids = itertools.count(int(self.clock.now().timestamp()) % 1_000_000 + 1)
        self._listening = False
        #: the server certificate for HTTPS transfers (``use_tls``); None: no HTTPS
        self.tls_context: ssl.SSLContext | None = None
        #: overridable for tests and the API (seconds)
        self.uploaded_grace_s = UPLOADED_GRACE_S
        self.reboot_wait_s = REBOOT_WAIT_S
        self.install_timeout_s = INSTALL_TIMEOUT_S

    # -- where files go ---------------------------------------------------------------

    @property
    def folder(self) -> Path:
        """Where received logs and uploaded firmware are kept (made on first use)."""
        if self._folder is None:
            self._folder = Path(tempfile.mkdtemp(prefix="ocpp-studio-files-"))
        self._folder.mkdir(parents=True, exist_ok=True)
        return self._folder

    def use_tls(self, certificates: list[tuple[Path, Path]]) -> None:
        """Offer HTTPS with these (certificate chain, key) files: the studio's wss:// server
        certificates, which chargers that connect over wss already trust. No client
        certificates are asked: the one-time login in the URL is the credential."""
        from ..security.tls import server_context
        self.tls_context = server_context(certificates)

    @folder.setter
    def folder(self, path: Path) -> None:
        self._folder = Path(path)

    def received_logs(self, charger: str) -> list[ReceivedFile]:
        """The logs this charger uploaded, this run and earlier ones, newest first."""
        return received_files(_charger_folder(self.folder, charger, make=False))

    def attach(self, charger: str, path: Path) -> ReceivedFile:
        """Attach a file (a received log) to the charger's commissioning report."""
        return attach_file(_charger_folder(self.folder, charger), path)

    def attachments(self, charger: str, digest: bool = True) -> list[dict[str, Any]]:
        """The attached files: name, path, size, sha256, received (``transfer_files``)."""
        return attached_files(_charger_folder(self.folder, charger, make=False), digest)

    def firmware_target(self, name: str) -> Path:
        """A new file in the data folder for an uploaded firmware image (API body): its own
        folder, so the image keeps its exact name (chargers and people read the version
        in it) and never overwrites an earlier one."""
        clean = _SAFE.sub("_", Path(name.replace("\\", "/")).name).lstrip(".") or "firmware.bin"
        folder = self.folder / "firmware"
        folder.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix="upload-", dir=folder)) / clean

    # -- jobs -----------------------------------------------------------------------

    def jobs(self, charger: str | None = None) -> list[TransferJob]:
        return [j for j in self._jobs.values() if charger is None or j.charger == charger]

    def job(self, job_id: str) -> TransferJob:
        return self._jobs[job_id]

    async def cancel(self, job_id: str) -> TransferProgress:
        job = self._jobs[job_id]
        job.finish(JobState.FAILED, "stopped in the studio; the charger may still report "
                   "statuses for it")
        return await job.wait()

    async def close(self) -> None:
        """Stop every running transfer and its server (the studio is closing)."""
        for job in self.jobs():
            if not job.state.finished:
                job.finish(JobState.FAILED, "the studio was closed before it ended")
                await job.wait()

    def _new_job(self, charger: str, kind: Kind, what: str, scheme: str) -> TransferJob:
        for other in self.jobs(charger):
            if other.kind == kind and not other.state.finished:
                raise TransferError(f"a {other.what} transfer from {charger} is still running "
                                    f"(id {other.id}); wait for it or cancel it first")
        job = TransferJob(self, f"t{next(self._ids)}", charger, kind, what, scheme,
                          next(self._request_ids))
        self._jobs[job.id] = job
        return job

    async def _serving(self, job: TransferJob, host: str, start: Any) -> Any:
        """The started server's Transfer; a server that cannot start forgets the job and
        says why (TransferError), so it never blocks the next attempt."""
        try:
            return await start
        except OSError as exc:
            del self._jobs[job.id]
            raise TransferError(f"The studio cannot start its {job.scheme.upper()} server on "
                                f"{host}, the address the charger reached it on: {exc}") from None

    def _check_scheme(self, scheme: str, what: str) -> None:
        if scheme not in ("ftp", "http", "https"):
            raise TransferError(f"{what} scheme must be ftp, http or https, not {scheme!r}")
        if scheme == "https" and self.tls_context is None:
            raise TransferError("HTTPS needs the studio's TLS server certificate: start the "
                                "studio with a wss:// port (serve --wss-port), which makes one")

    def _tls(self, scheme: str) -> ssl.SSLContext | None:
        return self.tls_context if scheme == "https" else None

    def _data_ports(self, scheme: str) -> list[int] | None:
        """The FTP passive data ports of the settings ("50000-50010", "50000"), or None."""
        text = str(getattr(self.central.settings, "transfer_ftp_data_ports", "") or "").strip()
        return ftp_data_ports(text) if scheme == "ftp" and text else None

    def _host_for(self, charger: str) -> str:
        session = self.central.session(charger)  # ConnectionClosed when not connected
        return reachable_host(session.handshake.local or None)

    def _prepare(self, charger: str, kind: Kind, what: str,
                 scheme: str) -> tuple[str, Any, list[int] | None, TransferJob]:
        """Where the server listens, the version's request builders, the FTP data ports
        and the new job (ConnectionClosed / TransferError before any job exists)."""
        host = self._host_for(charger)
        builders = operation_requests(adapter_for(self.central.version_of(charger)))
        ports = self._data_ports(scheme)
        return host, builders, ports, self._new_job(charger, kind, what, scheme)

    # -- logs -----------------------------------------------------------------------

    async def get_log(self, charger: str, kind: LogKind = "diagnostics", *,
                      scheme: Scheme = "ftp", oldest: datetime | str | None = None,
                      latest: datetime | str | None = None, retries: int | None = None,
                      retry_interval: int | None = None, timeout: float | None = None,
                      max_bytes: int | None = None) -> TransferJob:
        """Start a one-shot upload server and ask the charger for its log (1.6
        GetDiagnostics §5.8 or security GetLog; 2.0.1 GetLog N01)."""
        if kind not in ("diagnostics", "security"):
            raise TransferError(f"log type must be diagnostics or security, not {kind!r}")
        self._check_scheme(scheme, "upload")
        host, builders, ports, job = self._prepare(charger, "log", f"{kind} log", scheme)
        settings = self.central.settings
        job.transfer = await self._serving(job, host, serve_upload(
            scheme=scheme, host=host, folder=_charger_folder(self.folder, charger),
            max_bytes=max_bytes if max_bytes is not None else settings.transfer_max_upload_bytes,
            timeout=timeout if timeout is not None else settings.transfer_timeout_s,
            default_name=f"{kind}-log.bin", data_ports=ports, ssl_context=self._tls(scheme),
            clock=self.clock))
        job.transfer.progress.connect(lambda _p: job.changed())
        request = builders.log_request(kind, job.transfer.url, job.request_id, oldest=oldest,
                                       latest=latest, retries=retries,
                                       retry_interval=retry_interval)
        self._watch(job, builders.log_status_actions, builders)
        await self._send(job, request)
        if job.state.finished:
            return job
        accepted, status, name = builders.log_answer(request, job.answer)
        if not accepted:
            words = ("The charger has no diagnostics to upload (GetDiagnostics.conf without "
                     "a fileName)" if status is None else refusal_words(request.action, status))
            job.finish(JobState.REFUSED, words)
            return job
        job.state = JobState.RUNNING
        job.words = (f"accepted; waiting for the charger to upload {name or 'the log'} "
                     f"over {scheme.upper()}")
        job.spawn(self._follow_upload(job))
        job.changed()
        return job

    async def _follow_upload(self, job: TransferJob) -> None:
        assert job.transfer is not None
        outcome = await job.transfer.wait()
        if job.state.finished:
            return
        if outcome.state == TransferState.DONE and outcome.path is not None:
            job.file, job.size = outcome.path, outcome.path.stat().st_size
            job.words = f"received {job.file.name} ({job.size:,} bytes)"
            if job.last_status in LOG_SUCCESS:
                self._log_done(job)
            else:
                job.changed()
                job.later(self.uploaded_grace_s, lambda: self._log_done(job))
            return
        job.finish(JobState.FAILED, f"No log arrived: {outcome.reason}; "
                   f"{job.last_status_text()}")

    def _log_done(self, job: TransferJob) -> None:
        assert job.file is not None
        said = ("the charger reported Uploaded" if job.last_status in LOG_SUCCESS
                else "the charger did not report Uploaded")
        job.finish(JobState.DONE, f"Received {job.file.name} ({job.size:,} bytes) in "
                   f"{job.file.parent}; {said}")

    def _log_status(self, job: TransferJob, status: str) -> None:
        if status in LOG_FAILURES:
            transfer = job.transfer
            if transfer is not None and transfer.state in (TransferState.FAILED,
                                                           TransferState.EXPIRED):
                # the server ended it first (too big, stopped): its reason is the cause
                job.finish(JobState.FAILED, f"No log arrived: {transfer.reason}; then "
                           f"{log_status_words(status)}")
                return
            seen = transfer.timeout_reason(timer=False) if transfer else ""
            job.finish(JobState.FAILED, f"The charger gave up: {log_status_words(status)}"
                       + (f". What the file server saw: {seen}" if seen else ""))
        elif status in LOG_SUCCESS and job.file is not None:
            self._log_done(job)

    # -- firmware -------------------------------------------------------------------

    async def update_firmware(self, charger: str, file: Path, *, scheme: Scheme = "http",
                              signing_certificate: str | None = None,
                              signature: str | None = None, signing_key: bytes | None = None,
                              key_password: bytes | None = None,
                              expect_version: str | None = None,
                              retrieve: datetime | str | None = None,
                              retries: int | None = None, retry_interval: int | None = None,
                              timeout: float | None = None) -> TransferJob:
        """Serve ``file`` for one download and ask the charger to install it (1.6 §5.19
        UpdateFirmware, security SignedUpdateFirmware, 2.0.1 UpdateFirmware L01/L02)."""
        file = Path(file)
        if not file.is_file():
            raise TransferError(f"no firmware file at {file}")
        self._check_scheme(scheme, "download")
        signature, notes = self._signature(file, signing_certificate, signature, signing_key,
                                           key_password)
        host, builders, ports, job = self._prepare(charger, "firmware", f"firmware {file.name}",
                                                   scheme)
        job.file, job.size = file, file.stat().st_size
        job.expected_version = expect_version or None
        job.transfer = await self._serving(job, host, serve_download(
            scheme=scheme, host=host, file=file,
            timeout=timeout if timeout is not None else self.central.settings.transfer_timeout_s,
            data_ports=ports, ssl_context=self._tls(scheme), clock=self.clock))
        job.transfer.progress.connect(lambda p: self._served(job, p.state))
        try:
            request = builders.firmware_request(
                job.transfer.url, job.request_id, retrieve or self.clock.now(),
                signing_certificate=signing_certificate, signature=signature,
                retries=retries, retry_interval=retry_interval)
        except ValueError as exc:
            await job.transfer.stop(str(exc))
            del self._jobs[job.id]
            raise TransferError(str(exc)) from None
        self._watch(job, builders.firmware_status_actions | {"BootNotification"}, builders)
        await self._send(job, request)
        if job.state.finished:
            return job
        accepted, status = builders.firmware_answer(request, job.answer)
        if not accepted:
            job.finish(JobState.REFUSED, refusal_words(request.action, status))
            return job
        job.state = JobState.RUNNING
        job.words = " ".join([f"{request.action} accepted; serving {file.name} over "
                              f"{scheme.upper()}, waiting for the charger to download it",
                              *notes])
        job.changed()
        return job

    @staticmethod
    def _signature(file: Path, certificate: str | None, signature: str | None,
                   key: bytes | None, password: bytes | None) -> tuple[str | None, list[str]]:
        """The signature to send and notes in words (``transfer_signing.signature_to_send``)."""
        try:
            return signature_to_send(file, certificate, signature, key, password)
        except SigningError as exc:
            raise TransferError(str(exc)) from None

    def _served(self, job: TransferJob, state: TransferState) -> None:
        if job.state.finished:
            return
        if state == TransferState.DONE:
            job.downloaded = True
            job.later(self.install_timeout_s, lambda: job.finish(
                JobState.FAILED, f"The charger downloaded the firmware but did not report "
                f"Installed within {self.install_timeout_s:g} s; {job.last_status_text()}"))
        elif state in (TransferState.FAILED, TransferState.EXPIRED) and job.transfer:
            job.finish(JobState.FAILED, f"The firmware was not downloaded: "
                       f"{job.transfer.reason}; {job.last_status_text()}")
            return
        job.changed()

    def _firmware_status(self, job: TransferJob, status: str) -> None:
        if status in FIRMWARE_FAILURES:
            seen = server_saw(job.transfer) if status == "DownloadFailed" else ""
            job.finish(JobState.FAILED, f"Not installed: {firmware_status_words(status)}"
                       + (f". What the file server saw: {seen}" if seen else ""))
        elif status == "Installed":
            job.installed = True
            if job.booted_after:
                self._firmware_done(job)
            else:
                job.later(self.reboot_wait_s, lambda: self._firmware_done(job))

    def _boot(self, job: TransferJob, version: str | None) -> None:
        job.booted_after = True
        job.reported_version = version
        if job.installed:
            self._firmware_done(job)
        else:
            job.changed()

    def _firmware_done(self, job: TransferJob) -> None:
        if not job.booted_after:
            words = (f"The charger reported Installed but did not reboot within "
                     f"{self.reboot_wait_s:g} s, so its new firmware version is not confirmed")
            job.finish(JobState.DONE if job.expected_version is None else JobState.FAILED,
                       words)
            return
        seen = job.reported_version or "no version"
        if job.expected_version and job.reported_version != job.expected_version:
            job.finish(JobState.FAILED, f"The charger reported Installed, but after the "
                       f"reboot it names firmware {seen}, not the expected "
                       f"{job.expected_version}")
            return
        job.finish(JobState.DONE, f"Installed: the charger reported Installed and rebooted "
                   f"with firmware {seen}"
                   + (" as expected" if job.expected_version else ""))

    # -- the request and the charger's messages ---------------------------------------

    async def _send(self, job: TransferJob, request: OcppRequest) -> None:
        job.action = request.action
        job.words = f"{request.action} sent; waiting for the answer"
        job.changed()
        try:
            reply = await self.central.call_detailed(job.charger, request.action,
                                                     request.payload)
        except CallError as exc:
            code = exc.code.value if hasattr(exc.code, "value") else str(exc.code)
            job.finish(JobState.REFUSED, f"The charger answered {request.action} with an "
                       f"error {code}: {exc.description or 'no description'}"
                       + (" — it does not support this message" if "NotSupported" in code
                          or "NotImplemented" in code else ""))
        except CallTimeout:
            job.finish(JobState.REFUSED, f"No answer to {request.action} in time")
        except InvalidPayload as exc:
            job.finish(JobState.REFUSED, "Not sent: the request breaks the schema: " + "; ".join(
                f"{v.path} {v.message}" for v in exc.violations))
        except ConnectionClosed as exc:
            job.finish(JobState.REFUSED, f"The connection closed before the answer: {exc}")
        else:
            job.answer = reply.payload
            job.accepted_at_frame = reply.record_id

    def _watch(self, job: TransferJob, actions: frozenset[str], builders: Any) -> None:
        job.actions, job.builders = actions, builders
        self._watching.append(job)
        if not self._listening:
            self.central.store.recorded.connect(self._recorded)
            self._listening = True

    def _unwatch(self, job: TransferJob) -> None:
        if job in self._watching:
            self._watching.remove(job)

    def _recorded(self, record: Any) -> None:
        if not isinstance(record, FrameRecord) or record.direction != Direction.TO_CSMS \
                or record.message_type != 2 or not self._watching:
            return
        for job in list(self._watching):
            if record.charger == job.charger and record.action in job.actions:
                try:
                    payload = loads(record.raw)[3]
                except (ValueError, IndexError, TypeError):
                    continue
                if isinstance(payload, dict):
                    self._message(job, record, payload)

    def _message(self, job: TransferJob, record: FrameRecord, payload: dict[str, Any]) -> None:
        action = record.action or ""
        if action == "BootNotification":
            if job.steps or job.downloaded:  # a reboot after the update began
                self._boot(job, job.builders.boot_firmware(payload))
            return
        request_id = payload.get("requestId")
        if request_id is not None and request_id != job.request_id:
            return  # another request's status (an earlier update, a trigger)
        status = str(payload.get("status"))
        failures = LOG_FAILURES if job.kind == "log" else FIRMWARE_FAILURES
        words = log_status_words(status) if job.kind == "log" else firmware_status_words(status)
        job.steps.append(TransferStep(action, status, words, record.id,
                                      self.clock.now().isoformat(timespec="seconds"),
                                      status in failures))
        if job.kind == "log":
            self._log_status(job, status)
        else:
            self._firmware_status(job, status)
        if not job.state.finished:
            job.changed()

