"""The certificate messages the studio sends a charger (issue 15 §2), as the charger's answers
show them: InstallCertificate, GetInstalledCertificateIds, DeleteCertificate and the CSR
trigger (1.6 security whitepaper; 2.0.1 M03-M05, A02/A03), built by the version's certificate
builders (``adapters/certificates.py``). ``CertificateCalls`` is mixed into
``certificates.CertificateManager``; every outcome says only what the charger answered.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..core.lazy import lazy_module
from ..core.rpc import CallError, CallTimeout, ConnectionClosed, InvalidPayload
from .adapters.base import Payload, status_info_text
from .adapters.certificates import CertificateRequests
from .adapters.operations import operation_requests
from .model import Station
from .security_state import (CsrRecord, InstalledRead, csr_words, find_installed, hash_data_of,
                             hash_key, note_listed)

if TYPE_CHECKING:
    from cryptography import x509

    from ..core.events import Signal
    from .central import CentralSystem
else:  # cryptography is imported on first use: ~0.1 s of every start (issue 17)
    x509 = lazy_module("cryptography.x509")

log = logging.getLogger(__name__)

RPC_FAILURES = (CallError, CallTimeout, ConnectionClosed, InvalidPayload)


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


class CertificateCalls:
    """The manager's requests to chargers (needs ``central``, ``csr_changed``, ``refresh``,
    ``resolve_pem`` from the manager)."""

    central: "CentralSystem"
    csr_changed: "Signal[tuple[str, CsrRecord]]"

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
