"""The studio's certificate management towards chargers (issue 15 §2): one
``CertificateManager`` per central system (``central.certificates``).

- SignCertificate (1.6 security whitepaper A02/A03 §SignCertificate; 2.0.1 A02/A03): the CSR is
  checked (``security/csr.py``); it is answered Accepted when it will be processed (policy
  ``auto`` or ``ask`` and every check passed), Rejected otherwise with the reason kept on the
  station. AFTER that answer has gone out, CertificateSigned carries the signed leaf and the
  studio CA (1.6: certificateChain; 2.0.1: certificateChain + certificateType as requested).
  With ``ask`` the CSR waits in the pending list until ``approve`` / ``reject``.
- The charger's answer to CertificateSigned is the only evidence that a certificate was
  installed; it is recorded on ``Station.security``.
- ``install`` / ``list_installed`` / ``delete`` / ``request_csr``: InstallCertificate,
  GetInstalledCertificateIds, DeleteCertificate and the CSR trigger, built by the version's
  certificate builders (``adapters/certificates.py``).

The studio CA (the signer) is built lazily: a studio that never signs nor installs it creates
no files.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from cryptography import x509

from ..core.clock import Clock, SystemClock
from ..core.events import Signal
from ..core.frames import loads
from ..core.records import Direction, FrameRecord, now_us
from ..core.rpc import CallError, CallTimeout, ConnectionClosed, InvalidPayload
from ..security.ca import CaError, StudioCA, load_pem_certificates, pem
from ..security.csr import check_csr, sign_csr
from ..settings import CsmsSettings, studio_ca_dir
from .adapters.base import Payload, status_info_text
from .adapters.certificates import CertificateRequests, csr_kind_of
from .adapters.operations import operation_requests
from .model import Station
from .security_state import (CsrRecord, InstalledRead, SecurityState, client_certificate_warning, csr_words,
                             find_installed, hash_data_of, hash_key, installed_warnings,
                             note_deleted, note_installed, note_listed, trust_warning)

if TYPE_CHECKING:
    from .central import CentralSystem

log = logging.getLogger(__name__)

SIGN_POLICIES = ("auto", "ask", "never")
#: what ``install`` takes instead of a PEM for the studio's own CA
STUDIO_CA = "studio-ca"
RPC_FAILURES = (CallError, CallTimeout, ConnectionClosed, InvalidPayload)
#: answers that change what the studio knows the charger holds
#: how often a connected charger's expiry and trust warnings are worked out again
REFRESH_EVERY = timedelta(hours=1)
_WATCHED = frozenset({"GetInstalledCertificateIds", "InstallCertificate", "DeleteCertificate"})



@dataclass
class CertificateOutcome:
    """What one certificate operation achieved, from the charger's answers only."""

    ok: bool
    words: str
    status: str | None = None  # the charger's answer's status
    answer: Any = None
    answer_frame_id: int | None = None  # the charger's answer: the evidence
    record: CsrRecord | None = None

    def to_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "words": self.words, "status": self.status,
                "answer": self.answer, "answer_frame_id": self.answer_frame_id,
                "csr": self.record.to_json() if self.record is not None else None}


def rpc_failure_words(action: str, exc: Exception) -> str:
    if isinstance(exc, CallError):
        code = getattr(exc.code, "value", exc.code)
        return f"The charger answered {action} with the error {code}: {exc.description}"
    if isinstance(exc, CallTimeout):
        return f"No answer to {action} in time"
    if isinstance(exc, InvalidPayload):
        return f"Not sent: {action} breaks the schema ({exc})"
    return f"The connection closed before the answer to {action}: {exc}"


class CertificateManager:
    """Signing policy, the signer, and the certificate conversations with chargers."""

    def __init__(self, central: "CentralSystem", settings: CsmsSettings | None = None, *,
                 clock: Clock | None = None) -> None:
        self.central = central
        self.settings = settings or central.settings
        self.clock: Clock = clock or SystemClock()
        self._signer: StudioCA | None = None
        self._signer_factory: Callable[[], StudioCA] | None = None
        #: the root the studio's server certificate chains to (set by the service when
        #: wss:// is on); None: no "would not be trusted" warning
        self.server_root: Callable[[], x509.Certificate | None] = lambda: None
        #: (charger id, CSR record) whenever a CSR record changes
        self.csr_changed: Signal[tuple[str, CsrRecord]] = Signal("CSR changed")
        self._ids = itertools.count(1)
        #: when each charger's warnings were last worked out (``_refresh_if_due``)
        self._refreshed: dict[str, datetime] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        # whoever sends InstallCertificate / GetInstalledCertificateIds / DeleteCertificate
        # (these helpers, an operation, "Send message"), the answer updates the station
        central.store.recorded.connect(self._on_recorded)

    # ----------------------------------------------------------------- settings
    @property
    def policy(self) -> str:
        policy = getattr(self.settings, "sign_csrs", "auto")
        return policy if policy in SIGN_POLICIES else "auto"

    @property
    def organisation(self) -> str | None:
        return getattr(self.settings, "organisation", "") or None

    @property
    def warning_days(self) -> int:
        return int(getattr(self.settings, "certificate_warning_days", 30))

    # ------------------------------------------------------------------- signer
    def set_signer(self, signer: StudioCA | Callable[[], StudioCA] | None) -> None:
        """The CA that signs CSRs: a StudioCA, or a factory called on first use."""
        if signer is None or isinstance(signer, StudioCA):
            self._signer, self._signer_factory = signer, None
        else:
            self._signer, self._signer_factory = None, signer

    @property
    def signer(self) -> StudioCA:
        """The studio CA, built on first use (raises CaError when it cannot be)."""
        if self._signer is None:
            if self._signer_factory is not None:
                self._signer = self._signer_factory()
            else:
                folder = getattr(self.settings, "ca_dir", "") or studio_ca_dir()
                self._signer = StudioCA(folder, organisation=self.organisation
                                        or "OCPP Studio")
        return self._signer

    def ca_pem(self) -> str:
        return self.signer.certificate_pem()

    def resolve_pem(self, source: str) -> str:
        """A PEM certificate from ``source``: "studio-ca", a PEM text or a file path;
        ValueError in words when it is none of those."""
        text = source.strip()
        if text == STUDIO_CA:
            return self.ca_pem()
        if "-----BEGIN" not in text:
            path = Path(text).expanduser()
            try:
                text = path.read_text(encoding="ascii")
            except (OSError, UnicodeDecodeError) as exc:
                raise ValueError(f"cannot read the certificate file {source}: {exc}") from None
        try:
            certificates = load_pem_certificates(text)
        except (CaError, OSError) as exc:
            raise ValueError(str(exc)) from None
        if len(certificates) != 1:
            raise ValueError(f"InstallCertificate takes one certificate; {source} holds "
                             f"{len(certificates)}")
        return pem(certificates[0])

    # ------------------------------------------------------------ SignCertificate
    def on_sign_certificate(self, station: Station, payload: Payload) -> Payload:
        """The answer to a charger's SignCertificate (synchronous: the responder's handler);
        CertificateSigned follows once this answer has been sent."""
        certificate_type = payload.get("certificateType")
        record = CsrRecord(next(self._ids), now_us(), csr_kind_of(certificate_type),
                           certificate_type, str(payload.get("csr", "")))
        station.security.csrs.append(record)
        if self.policy == "never":
            return self._reject(station, record, "the studio is set not to sign CSRs "
                                "(sign CSRs: never)")
        check = check_csr(record.csr, station.charger_id, self.organisation)
        record.problems = list(check.problems)
        record.check_summary = check.summary()
        if not check.ok:
            return self._reject(station, record, check.summary())
        record.answer = "Accepted"
        if self.policy == "ask":
            record.outcome = "pending"
            log.info("CSR %d of %s waits for approval", record.id, station.charger_id)
            self._changed(station, record)
            return {"status": "Accepted"}
        try:
            self._sign(station, record)
        except (CaError, OSError) as exc:
            record.answer = ""
            return self._reject(station, record, f"the studio's CA cannot be used: {exc}")
        self._schedule_delivery(station, record)
        return {"status": "Accepted"}

    def _reject(self, station: Station, record: CsrRecord, reason: str) -> Payload:
        record.answer, record.outcome, record.reason = "Rejected", "rejected", reason
        record.decided_us = now_us()
        log.info("SignCertificate of %s answered Rejected: %s", station.charger_id, reason)
        self._changed(station, record)
        return {"status": "Rejected"}

    def _sign(self, station: Station, record: CsrRecord) -> None:
        signer = self.signer
        signed = sign_csr(signer, record.csr, station.charger_id, self.organisation)
        if signed.certificate is None or signed.chain_pem is None:
            raise CaError(signed.check.summary())
        # the leaf, then the CA (2.0.1 CertificateSigned: leaf first, then the chain)
        record.chain = signed.chain_pem + signer.certificate_pem()
        record.serial = format(signed.certificate.serial_number, "x")
        record.not_after = signed.certificate.not_valid_after_utc.isoformat()
        record.outcome = "signing"
        record.decided_us = now_us()

    def _schedule_delivery(self, station: Station, record: CsrRecord) -> None:
        """Send CertificateSigned once our SignCertificate answer is out: the responder's
        handler runs before the RPC endpoint records and writes its answer (core/rpc.py
        ``_on_call``), so the call starts from the session's ``after_answer``."""
        session = self.central.sessions.get(station.charger_id)
        if session is None:
            record.outcome, record.reason = "not-delivered", "the charger is not connected"
            self._changed(station, record)
            return

        def start() -> None:
            task = asyncio.get_running_loop().create_task(self._send_signed(station, record))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

        session.after_answer(start)
        self._changed(station, record)

    async def _send_signed(self, station: Station, record: CsrRecord) -> None:
        charger = station.charger_id
        builders = self._builders(charger)
        request = builders.certificate_signed_request(record.chain or "", record.kind)
        record.outcome = "sent"
        self._changed(station, record)
        try:
            reply = await self.central.call_detailed(charger, request.action, request.payload)
        except RPC_FAILURES as exc:
            record.outcome, record.reason = "not-delivered", rpc_failure_words(
                request.action, exc)
        else:
            answer = reply.payload if isinstance(reply.payload, dict) else {}
            record.charger_answer = str(answer.get("status"))
            record.charger_answer_info = status_info_text(answer.get("statusInfo"))
            record.answer_frame_id = reply.record_id
            record.outcome = "installed" if record.charger_answer == "Accepted" \
                else "refused-by-charger"
        log.info("CertificateSigned to %s: %s", charger, record.outcome)
        self._changed(station, record)

    def _changed(self, station: Station, record: CsrRecord) -> None:
        self.refresh(station)
        self.csr_changed.emit((station.charger_id, record))
        self.central.station_changed.emit(station)

    # ---------------------------------------------------------------- approvals
    def pending(self, charger_id: str | None = None) -> list[tuple[str, CsrRecord]]:
        """CSRs waiting for approval (``sign_csrs`` ask), oldest first."""
        out: list[tuple[str, CsrRecord]] = []
        for station in self.central.stations.values():
            if charger_id is None or station.charger_id == charger_id:
                out += [(station.charger_id, r) for r in station.security.pending()]
        return sorted(out, key=lambda item: item[1].received_us)

    def _pending_record(self, charger_id: str, csr_id: int) -> tuple[Station, CsrRecord]:
        station = self.central.stations.get(charger_id)
        record = station.security.csr(int(csr_id)) if station is not None else None
        if station is None or record is None:
            raise KeyError(f"no CSR {csr_id} from {charger_id}")
        if record.outcome != "pending":
            raise ValueError(f"CSR {csr_id} of {charger_id} is not waiting for approval "
                             f"({record.outcome})")
        return station, record

    async def approve(self, charger_id: str, csr_id: int) -> CsrRecord:
        """Sign a pending CSR and send CertificateSigned; the record says what the charger
        answered. KeyError for an unknown CSR, ValueError for one not pending."""
        station, record = self._pending_record(charger_id, csr_id)
        try:
            self._sign(station, record)
        except (CaError, OSError) as exc:
            record.outcome, record.reason = "not-delivered", f"cannot sign: {exc}"
            self._changed(station, record)
            return record
        await self._send_signed(station, record)
        return record

    def reject(self, charger_id: str, csr_id: int, reason: str = "") -> CsrRecord:
        """Refuse a pending CSR: no CertificateSigned is sent (it was answered Accepted, so
        the charger may send a new CSR after its wait, 2.0.1 A02.FR.17 / A03.FR.17)."""
        station, record = self._pending_record(charger_id, csr_id)
        record.outcome = "rejected"
        record.reason = reason or "you refused to sign it; no certificate was sent"
        record.decided_us = now_us()
        self._changed(station, record)
        return record

    # ------------------------------------------------------------------ warnings
    def refresh(self, station: Station) -> list[str]:
        """Work out the station's expiry and trust warnings now (injected clock)."""
        state: SecurityState = station.security
        now = self.clock.now()
        self._refreshed[station.charger_id] = now
        warnings: list[str] = []
        tls = None
        for connection in reversed(station.connections):
            if getattr(connection, "tls", None):
                tls = connection.tls
                break
        words = client_certificate_warning(tls, now, self.warning_days)
        if words:
            warnings.append(words)
        warnings += installed_warnings(state, now, self.warning_days)
        try:
            root = self.server_root()
        except (CaError, OSError, ValueError) as exc:
            log.info("no server root to compare installed certificates with: %s", exc)
            root = None
        trust = trust_warning(state, root)
        if trust:
            warnings.append(trust)
        state.warnings = warnings
        return warnings

    def _refresh_if_due(self, charger_id: str) -> None:
        """A charger connected for weeks: its warnings are worked out again at most every
        ``REFRESH_EVERY`` (by the injected clock) when it sends something (a Heartbeat at
        the latest), so "expires in 3 days" does not stay "in 30 days"."""
        last = self._refreshed.get(charger_id)
        now = self.clock.now()
        if last is not None and now - last < REFRESH_EVERY:
            return
        station = self.central.stations.get(charger_id)
        if station is None or station.version is None:
            return
        before = list(station.security.warnings)
        if self.refresh(station) != before:
            self.central.station_changed.emit(station)

    # ------------------------------------------------------- answers seen
    def _on_recorded(self, item: Any) -> None:
        if isinstance(item, FrameRecord) and item.message_type == 2 \
                and item.direction == Direction.TO_CSMS:
            self._refresh_if_due(item.charger)
            return
        if not isinstance(item, FrameRecord) or item.message_type != 3 \
                or item.direction != Direction.TO_CSMS or item.action not in _WATCHED:
            return
        station = self.central.stations.get(item.charger)
        if station is None or station.version is None or item.pair_id is None:
            return  # a charger seen through the proxy or a console is not ours to track
        request = self.central.store.frame(item.pair_id)
        try:
            asked = loads(request.raw)[3] if request is not None else None
            answer = loads(item.raw)[2]
        except (ValueError, IndexError, TypeError):
            return
        if not isinstance(asked, dict) or not isinstance(answer, dict):
            return
        builders = operation_requests(station.version)
        assert isinstance(builders, CertificateRequests)
        if item.action == "GetInstalledCertificateIds":
            note_listed(station.security, builders, asked, answer)
        elif answer.get("status") != "Accepted":
            return
        elif item.action == "InstallCertificate":
            note_installed(station.security, str(asked.get("certificate", "")))
        else:
            note_deleted(station.security, asked.get("certificateHashData") or {})
        self.refresh(station)
        self.central.station_changed.emit(station)

    def find_installed(self, charger_id: str, text: str) -> Payload:
        """The hash data of a listed certificate named by its serial number (as listed) or
        by "hashAlgorithm/issuerNameHash/issuerKeyHash/serialNumber"; ValueError in words."""
        station = self.central.stations.get(charger_id)
        return find_installed(station.security if station is not None else None,
                              charger_id, text)

    # ------------------------------------------------------------ operations
    def _builders(self, charger_id: str) -> CertificateRequests:
        builders = operation_requests(self.central.version_of(charger_id))
        assert isinstance(builders, CertificateRequests)
        return builders

    def _station(self, charger_id: str) -> Station:
        return self.central.station(charger_id)

    async def install(self, charger_id: str, kind: str, pem_text: str,
                      timeout: float | None = None) -> CertificateOutcome:
        """InstallCertificate of ``pem_text`` ("studio-ca", a PEM or a file path) as a root
        of ``kind``. Raises ValueError / NotImplementedError for unusable input."""
        self.central.session(charger_id)  # ConnectionClosed when it is not connected
        text = self.resolve_pem(pem_text)
        request = self._builders(charger_id).install_certificate_request(kind, text)
        try:
            reply = await self.central.call_detailed(charger_id, request.action,
                                                     request.payload, timeout)
        except RPC_FAILURES as exc:
            return CertificateOutcome(False, rpc_failure_words(request.action, exc))
        answer = reply.payload if isinstance(reply.payload, dict) else {}
        status = str(answer.get("status"))
        station = self._station(charger_id)
        if status == "Accepted":
            words = (f"The charger accepted the {kind} root certificate (InstallCertificate "
                     "Accepted); list its certificates to see it installed")
        else:
            info = status_info_text(answer.get("statusInfo"))
            words = f"The charger answered InstallCertificate {status}" + (
                f" ({info})" if info else "")
        self.central.station_changed.emit(station)
        return CertificateOutcome(status == "Accepted", words, status, answer, reply.record_id)

    async def list_installed(self, charger_id: str, kinds: list[str] | None = None,
                             timeout: float | None = None) -> InstalledRead:
        """GetInstalledCertificateIds (one per kind where the version needs it); kept on the
        station. Raises the RPC layer's errors when the charger gives no usable answer."""
        self.central.session(charger_id)  # ConnectionClosed when it is not connected
        builders = self._builders(charger_id)
        wanted = list(kinds or [])
        if builders.kinds_per_list_request == 1:
            wanted = wanted or list(builders.default_list_kinds)
            batches = [[kind] for kind in wanted]
        else:
            batches = [wanted]
        station = self._station(charger_id)
        for batch in batches:
            request = builders.installed_certificates_request(batch)
            answer = await self.central.call(charger_id, request.action, request.payload,
                                             timeout)
            # the recorded answer already updated the station; the same again is harmless
            # and covers a capture that does not publish (kept idempotent by kind)
            note_listed(station.security, builders, request.payload,
                              answer if isinstance(answer, dict) else {})
        self.refresh(station)
        self.central.station_changed.emit(station)
        assert station.security.installed is not None
        return station.security.installed

    def holds(self, charger_id: str, pem_text: str) -> bool | None:
        """Whether the charger's last list names the certificate (None: never listed)."""
        station = self.central.stations.get(charger_id)
        if station is None or station.security.installed is None:
            return None
        cert = x509.load_pem_x509_certificate(self.resolve_pem(pem_text).encode("ascii"))
        keys = {hash_key(hash_data_of(cert, None, a)) for a in ("SHA256", "SHA384", "SHA512")}
        return any(hash_key(c.hash_data) in keys
                   for c in station.security.installed.certificates)

    async def delete(self, charger_id: str, hash_data: Payload,
                     timeout: float | None = None) -> CertificateOutcome:
        """DeleteCertificate of the certificate with ``hash_data`` (as listed)."""
        self.central.session(charger_id)  # ConnectionClosed when it is not connected
        request = self._builders(charger_id).delete_certificate_request(hash_data)
        try:
            reply = await self.central.call_detailed(charger_id, request.action,
                                                     request.payload, timeout)
        except RPC_FAILURES as exc:
            return CertificateOutcome(False, rpc_failure_words(request.action, exc))
        answer = reply.payload if isinstance(reply.payload, dict) else {}
        status = str(answer.get("status"))
        station = self._station(charger_id)
        words = {"Accepted": "The charger deleted the certificate (DeleteCertificate Accepted)",
                 "NotFound": "The charger has no such certificate (DeleteCertificate NotFound)",
                 }.get(status, f"The charger answered DeleteCertificate {status}")
        info = status_info_text(answer.get("statusInfo"))
        self.central.station_changed.emit(station)
        return CertificateOutcome(status == "Accepted", words + (f" ({info})" if info else ""),
                                  status, answer, reply.record_id)

    async def request_csr(self, charger_id: str, timeout: float = 60.0,
                          kind: str = "charging-station", *,
                          stop_when_pending: bool = False) -> CertificateOutcome:
        """Ask the charger for a CSR and wait until it is signed and the charger answers
        CertificateSigned (or it is refused) within ``timeout`` seconds; with ``sign_csrs``
        ask, the wait includes the user's approval unless ``stop_when_pending``."""
        self.central.session(charger_id)  # ConnectionClosed when it is not connected
        request = self._builders(charger_id).trigger_sign_certificate_request(kind)
        station = self._station(charger_id)
        since = max((r.id for r in station.security.csrs), default=0)
        changed = asyncio.Event()

        def seen(item: tuple[str, CsrRecord]) -> None:
            if item[0] == charger_id and item[1].id > since:
                changed.set()

        self.csr_changed.connect(seen)
        try:
            try:
                reply = await self.central.call_detailed(charger_id, request.action,
                                                         request.payload)
            except RPC_FAILURES as exc:
                return CertificateOutcome(False, rpc_failure_words(request.action, exc))
            answer = reply.payload if isinstance(reply.payload, dict) else {}
            status = str(answer.get("status"))
            if status != "Accepted":
                return CertificateOutcome(False, f"The charger answered {request.action} "
                                          f"{status}: it will not send a CSR", status, answer,
                                          reply.record_id)
            record = await self._wait_final(station, since, changed, timeout,
                                            stop_when_pending)
        finally:
            self.csr_changed.disconnect(seen)
        return self._csr_outcome(record, timeout)

    async def _wait_final(self, station: Station, since: int, changed: asyncio.Event,
                          timeout: float, stop_when_pending: bool) -> CsrRecord | None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            latest = next((r for r in reversed(station.security.csrs) if r.id > since), None)
            if latest is not None and (latest.final or (
                    stop_when_pending and latest.outcome == "pending")):
                return latest
            remaining = deadline - loop.time()
            if remaining <= 0:
                return latest
            changed.clear()
            try:
                await asyncio.wait_for(changed.wait(), remaining)
            except TimeoutError:
                pass

    @staticmethod
    def _csr_outcome(record: CsrRecord | None, timeout: float) -> CertificateOutcome:
        if record is None:
            return CertificateOutcome(False, f"The charger accepted the trigger but sent no "
                                      f"SignCertificate within {timeout:g} s")
        words = csr_words(record)
        if not record.final and record.outcome != "pending":
            words += f" (still so after {timeout:g} s)"
        return CertificateOutcome(record.outcome == "installed", words,
                                  record.charger_answer, None, record.answer_frame_id, record)
