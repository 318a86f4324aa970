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
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from ..core.clock import Clock, SystemClock
from ..core.events import Signal
from ..core.frames import loads
from ..core.records import Direction, FrameRecord, now_us
from ..security.ca import CaError, StudioCA, load_pem_certificates, pem
from ..security.csr import check_csr, sign_csr
from ..settings import CsmsSettings, studio_ca_dir
from .adapters.base import Payload, status_info_text
from .adapters.certificates import CertificateRequests, csr_kind_of
from .adapters.operations import operation_requests
from .certificate_calls import (  # noqa: F401 - RPC_FAILURES, rpc_failure_words and
    RPC_FAILURES, CertificateCalls, CertificateOutcome, rpc_failure_words)  # the outcome: public here
from .model import Station
from .security_state import (CsrRecord, SecurityState, client_certificate_warning,
                             installed_warnings, note_deleted, note_installed, note_listed,
                             trust_warning)

if TYPE_CHECKING:
    from cryptography import x509

    from .central import CentralSystem

log = logging.getLogger(__name__)

SIGN_POLICIES = ("auto", "ask", "never")
#: what ``install`` takes instead of a PEM for the studio's own CA
STUDIO_CA = "studio-ca"
#: answers that change what the studio knows the charger holds
#: how often a connected charger's expiry and trust warnings are worked out again
REFRESH_EVERY = timedelta(hours=1)
_WATCHED = frozenset({"GetInstalledCertificateIds", "InstallCertificate", "DeleteCertificate"})



class CertificateManager(CertificateCalls):
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
