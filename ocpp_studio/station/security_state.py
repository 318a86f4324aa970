"""What the studio knows about one charger's security (issue 15 §2, §4): its security events,
the CSRs it sent and what became of them, the certificates it says it holds, the ISO 15118
requests the studio could not serve, and the expiry warnings worked out from those.

Plain data kept on ``Station.security``; ``station/certificates.py`` (the CertificateManager)
and the responder fill it in. "Signed and installed" is only ever said from the charger's own
answer to CertificateSigned (``CsrRecord.charger_answer``).
"""

from __future__ import annotations

from collections import deque
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from ..core.lazy import lazy_module
from ..core.records import now_us

if TYPE_CHECKING:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.x509 import ocsp
else:  # cryptography is imported on first use: ~0.1 s of every start (issue 17)
    x509 = lazy_module("cryptography.x509")
    hashes = lazy_module("cryptography.hazmat.primitives.hashes")
    ocsp = lazy_module("cryptography.x509.ocsp")

EVENTS_KEPT = 200
CSRS_KEPT = 50
PASSWORD_CHANGES_KEPT = 20

#: Critical security events: "Yes" in the 1.6 security whitepaper ed. 3 §8 table or in the
#: 2.0.1 Appendix security events table (security_events.csv). 2.0.1 made the certificate and
#: TLS events critical; their 1.6 names (InvalidCentralSystemCertificate, ...) are flagged too,
#: since they report the same thing (issue 15 §4 lists InvalidCentralSystemCertificate).
CRITICAL_EVENTS = frozenset({
    "FirmwareUpdated", "SettingSystemTime", "StartupOfTheDevice", "ResetOrReboot",
    "SecurityLogWasCleared", "MemoryExhaustion", "TamperDetectionActivated",
    "InvalidFirmwareSignature", "InvalidFirmwareSigningCertificate",
    "InvalidCsmsCertificate", "InvalidCentralSystemCertificate",
    "InvalidChargingStationCertificate", "InvalidChargePointCertificate",
    "InvalidTLSVersion", "InvalidTLSCipherSuite",
    "MaintenanceLoginAccepted", "MaintenanceLoginFailed",
})
#: Critical events that are routine on a bench (every boot sends them): flagged critical as
#: the tables say, but they raise no alert on the card.
ROUTINE_CRITICAL = frozenset({"StartupOfTheDevice", "ResetOrReboot", "SettingSystemTime"})


@dataclass
class SecurityEvent:
    """One SecurityEventNotification (1.6 whitepaper §5.2.8, 2.0.1 A04)."""

    type: str
    timestamp: str | None  # as the charger sent it
    tech_info: str | None
    received_us: int = field(default_factory=now_us)

    @property
    def critical(self) -> bool:
        return self.type in CRITICAL_EVENTS

    @property
    def alert(self) -> bool:
        """Critical and worth interrupting the installer for."""
        return self.critical and self.type not in ROUTINE_CRITICAL

    def to_json(self) -> dict[str, Any]:
        return {"type": self.type, "timestamp": self.timestamp, "tech_info": self.tech_info,
                "critical": self.critical, "alert": self.alert,
                "received_us": self.received_us}


@dataclass
class CsrRecord:
    """One SignCertificate from the charger and what became of it.

    ``outcome``: "pending" (waiting for the user's approval), "rejected" (answered Rejected:
    ``reason`` says why), "signing" (answered Accepted, CertificateSigned being sent), "sent"
    (CertificateSigned sent, no answer yet), "installed" (the charger answered
    CertificateSigned Accepted: the only evidence of an installed certificate),
    "refused-by-charger" (it answered Rejected), "not-delivered" (no usable answer).
    """

    id: int
    received_us: int
    kind: str  # "charging-station" or "v2g"
    certificate_type: str | None  # the SignCertificate's own word (2.0.1), None in 1.6
    csr: str
    problems: list[str] = field(default_factory=list)
    check_summary: str = ""
    answer: str = ""  # what the studio answered to SignCertificate
    outcome: str = "pending"
    reason: str = ""
    serial: str | None = None
    not_after: str | None = None
    chain: str | None = None
    charger_answer: str | None = None  # CertificateSigned status from the charger
    charger_answer_info: str = ""
    answer_frame_id: int | None = None  # the charger's CertificateSigned answer frame
    decided_us: int | None = None

    @property
    def final(self) -> bool:
        return self.outcome in ("rejected", "installed", "refused-by-charger", "not-delivered")

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "received_us": self.received_us, "kind": self.kind,
                "certificate_type": self.certificate_type, "problems": list(self.problems),
                "check": self.check_summary, "answer": self.answer, "outcome": self.outcome,
                "reason": self.reason, "serial": self.serial, "not_after": self.not_after,
                "charger_answer": self.charger_answer,
                "charger_answer_info": self.charger_answer_info,
                "answer_frame_id": self.answer_frame_id, "decided_us": self.decided_us,
                "words": csr_words(self)}


def csr_words(record: CsrRecord) -> str:
    """The CSR's story in one sentence, from what was verified."""
    if record.outcome == "pending":
        return ("The charger sent a CSR that passed every check; answered Accepted, waiting "
                "for your approval to sign it")
    if record.outcome == "rejected":
        return f"Answered SignCertificate Rejected: {record.reason}"
    if record.outcome == "signing":
        return "Answered Accepted; sending CertificateSigned"
    if record.outcome == "sent":
        return "CertificateSigned sent; the charger has not answered yet"
    if record.outcome == "installed":
        return (f"The charger accepted the signed certificate (serial {record.serial}, valid "
                f"until {record.not_after}): CertificateSigned answered Accepted")
    if record.outcome == "refused-by-charger":
        info = f" ({record.charger_answer_info})" if record.charger_answer_info else ""
        return f"The charger answered CertificateSigned {record.charger_answer}{info}"
    return f"CertificateSigned was not delivered: {record.reason}"


@dataclass
class InstalledRead:
    """The last GetInstalledCertificateIds answers: what the charger said it holds."""

    read_us: int
    kinds: list[str]  # kinds asked ([] = every kind)
    status: str  # Accepted / NotFound (per kind in 1.6: the last one)
    certificates: list[Any] = field(default_factory=list)  # adapters InstalledCertificate


@dataclass(frozen=True)
class PasswordChange:
    """One attempt to change a charger's password, as the charger answered it
    (``security_steps.change_password``; A01.FR.03/04)."""

    charger_id: str
    setting: str       # AuthorizationKey / SecurityCtrlr.BasicAuthPassword
    status: str        # the charger's answer, or "no answer: ..."
    in_force: bool     # the studio now expects the new password (A01.FR.03)
    length: int        # characters of the new password (never the password itself)
    at_us: int
    words: str         # what happened, in plain words

    @property
    def accepted(self) -> bool:
        return self.status == "Accepted"

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Iso15118Refusal:
    action: str
    received_us: int
    words: str

    def to_json(self) -> dict[str, Any]:
        return {"action": self.action, "received_us": self.received_us, "words": self.words}


@dataclass
class SecurityState:
    """Per charger: events, CSRs, installed certificates, refusals, warnings."""

    events: deque[SecurityEvent] = field(default_factory=lambda: deque(maxlen=EVENTS_KEPT))
    csrs: deque[CsrRecord] = field(default_factory=lambda: deque(maxlen=CSRS_KEPT))
    installed: InstalledRead | None = None
    #: PEMs the studio installed itself, by hash key: the only certificates whose expiry the
    #: studio knows (the charger lists hashes, not certificates)
    installed_pems: dict[str, str] = field(default_factory=dict)
    iso15118: deque[Iso15118Refusal] = field(default_factory=lambda: deque(maxlen=50))
    #: the last expiry / trust warnings (``certificates.CertificateManager.refresh``)
    warnings: list[str] = field(default_factory=list)
    #: the password changes tried on this charger, oldest first (never the passwords)
    password_changes: deque[PasswordChange] = field(
        default_factory=lambda: deque(maxlen=PASSWORD_CHANGES_KEPT))

    @property
    def last_password_change(self) -> PasswordChange | None:
        return self.password_changes[-1] if self.password_changes else None

    def add_event(self, event: SecurityEvent) -> SecurityEvent:
        self.events.append(event)
        return event

    @property
    def alerts(self) -> list[SecurityEvent]:
        return [e for e in self.events if e.alert]

    def csr(self, csr_id: int) -> CsrRecord | None:
        for record in self.csrs:
            if record.id == csr_id:
                return record
        return None

    def pending(self) -> list[CsrRecord]:
        return [r for r in self.csrs if r.outcome == "pending"]

    def summary(self) -> dict[str, Any]:
        """A compact part for ``Station.summary()``."""
        last_csr = self.csrs[-1] if self.csrs else None
        return {
            "events": len(self.events),
            "alerts": [e.type for e in self.alerts][-5:],
            "pending_csrs": len(self.pending()),
            "last_csr": csr_words(last_csr) if last_csr else None,
            "installed": (len(self.installed.certificates)
                          if self.installed is not None else None),
            "warnings": list(self.warnings),
            "password_change": (self.last_password_change.words
                                if self.last_password_change else None),
        }

    def to_json(self) -> dict[str, Any]:
        installed = None
        if self.installed is not None:
            installed = {"read_us": self.installed.read_us, "kinds": self.installed.kinds,
                         "status": self.installed.status,
                         "certificates": [c.to_json() for c in self.installed.certificates]}
        return {"events": [e.to_json() for e in self.events],
                "csrs": [r.to_json() for r in self.csrs],
                "installed": installed,
                "iso15118": [r.to_json() for r in self.iso15118],
                "warnings": list(self.warnings),
                "password_changes": [c.to_json() for c in self.password_changes]}


# ------------------------------------------------------------------ certificate hashes
def hash_data_of(certificate: x509.Certificate, issuer: x509.Certificate | None = None,
                 algorithm: str = "SHA256") -> dict[str, str]:
    """OCPP CertificateHashDataType of ``certificate`` (2.0.1 Part 2 §2.6; 1.6 whitepaper
    CertificateHashDataType): the OCSP CertID fields (RFC 6960), issuer = itself for a root.
    Built with cryptography's OCSP request builder, which computes exactly those hashes."""
    chosen = {"SHA256": hashes.SHA256(), "SHA384": hashes.SHA384(),
              "SHA512": hashes.SHA512()}[algorithm.upper()]
    request = ocsp.OCSPRequestBuilder().add_certificate(
        certificate, issuer or certificate, chosen).build()
    return {"hashAlgorithm": algorithm.upper(),
            "issuerNameHash": request.issuer_name_hash.hex(),
            "issuerKeyHash": request.issuer_key_hash.hex(),
            "serialNumber": format(request.serial_number, "x")}


def hash_key(hash_data: dict[str, Any]) -> str:
    """One comparable text per certificate: chargers differ in hex case and leading zeros
    of the serial (2.0.1 says no leading zeros)."""
    serial = str(hash_data.get("serialNumber", "")).lower().lstrip("0") or "0"
    return "/".join([str(hash_data.get("hashAlgorithm", "")).upper(),
                     str(hash_data.get("issuerNameHash", "")).lower(),
                     str(hash_data.get("issuerKeyHash", "")).lower(), serial])


def certificate_key(certificate: x509.Certificate, algorithm: str = "SHA256") -> str:
    return hash_key(hash_data_of(certificate, algorithm=algorithm))


# ------------------------------------------------------------------ expiry warnings
def _parse_time(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def expiry_words(what: str, not_after: datetime, now: datetime, days: int) -> str | None:
    """A warning when ``not_after`` is within ``days`` of ``now`` (or past)."""
    if not_after <= now:
        return f"{what} expired on {not_after:%Y-%m-%d}: the charger cannot use it"
    if not_after - now <= timedelta(days=days):
        left = (not_after - now).days
        return (f"{what} expires on {not_after:%Y-%m-%d} ({left} day{'s' if left != 1 else ''} "
                "left): renew it before the charger goes offline")
    return None


def client_certificate_warning(tls: dict[str, Any] | None, now: datetime,
                               days: int) -> str | None:
    """The charger's client certificate (from the TLS handshake) near or past expiry."""
    client = (tls or {}).get("client_certificate") or {}
    not_after = _parse_time(client.get("not_after"))
    if not_after is None:
        return None
    return expiry_words("The charger's client certificate", not_after, now, days)


def installed_warnings(state: SecurityState, now: datetime, days: int) -> list[str]:
    """Installed certificates whose PEM the studio knows (it installed them) near expiry."""
    out: list[str] = []
    if state.installed is None:
        return out
    for item in state.installed.certificates:
        pem_text = state.installed_pems.get(hash_key(item.hash_data))
        if pem_text is None:
            continue
        try:
            cert = x509.load_pem_x509_certificate(pem_text.encode("ascii"))
        except ValueError:
            continue
        words = expiry_words(f"The installed {item.kind} root "
                             f"({cert.subject.rfc4514_string()})",
                             cert.not_valid_after_utc, now, days)
        if words:
            out.append(words)
    return out


def trust_warning(state: SecurityState, server_root: x509.Certificate | None) -> str | None:
    """The studio's server certificate would not be trusted: the charger listed its CSMS
    roots and none is the root the studio's server certificate chains to."""
    if server_root is None or state.installed is None:
        return None
    if state.installed.kinds and "csms" not in state.installed.kinds:
        return None  # the CSMS roots were not asked for
    wanted = {certificate_key(server_root, a) for a in ("SHA256", "SHA384", "SHA512")}
    roots = [c for c in state.installed.certificates if c.kind == "csms"]
    if any(hash_key(c.hash_data) in wanted for c in roots):
        return None
    return ("No CSMS root installed on the charger matches the studio's CA: over wss:// the "
            "charger would not trust the studio's server certificate; install the studio CA "
            "first (install-certificate csms studio-ca)")


# ------------------------------------------------------------------ what the charger said
def note_listed(state: SecurityState, builders: Any, asked: dict[str, Any],
                answer: dict[str, Any]) -> None:
    """A GetInstalledCertificateIds answer replaces what was known of the kinds it was asked
    about (all of them when it asked for every kind); ``builders`` are the version's
    certificate builders (``adapters/certificates.py``)."""
    kinds = builders.listed_kinds(asked)
    found = builders.installed_from_answer(answer, kinds)
    old = state.installed
    kept = [c for c in old.certificates if kinds and c.kind not in kinds] if old else []
    all_kinds = sorted(set((old.kinds if old and kinds else []) + kinds))
    state.installed = InstalledRead(now_us(), all_kinds, str(answer.get("status")),
                                    kept + found)


def note_installed(state: SecurityState, pem_text: str) -> None:
    """Remember a PEM the charger accepted (InstallCertificate Accepted): it lists hashes
    only, so this is how the expiry of what it holds becomes known."""
    try:
        cert = x509.load_pem_x509_certificate(pem_text.encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        return
    for algorithm in ("SHA256", "SHA384", "SHA512"):
        state.installed_pems[hash_key(hash_data_of(cert, None, algorithm))] = pem_text


def note_deleted(state: SecurityState, hash_data: Any) -> None:
    """DeleteCertificate Accepted: the certificate is gone from the list."""
    if state.installed is None or not isinstance(hash_data, dict):
        return
    gone = hash_key(hash_data)
    state.installed.certificates = [c for c in state.installed.certificates
                                    if hash_key(c.hash_data) != gone]


def _key_from_text(text: str) -> str:
    parts = text.split("/")
    if len(parts) != 4:
        return ""
    return hash_key({"hashAlgorithm": parts[0], "issuerNameHash": parts[1],
                     "issuerKeyHash": parts[2], "serialNumber": parts[3]})


def find_installed(state: SecurityState | None, charger_id: str,
                   text: str) -> dict[str, Any]:
    """The hash data of a listed certificate named by its serial number (as listed) or by
    "hashAlgorithm/issuerNameHash/issuerKeyHash/serialNumber"; ValueError in words."""
    if state is None or state.installed is None:
        raise ValueError(f"list {charger_id}'s certificates first "
                         "(get-installed-certificates): the charger names them by hash")
    wanted = text.strip().lower()
    for item in state.installed.certificates:
        serial = str(item.hash_data.get("serialNumber", "")).lower().lstrip("0")
        if wanted.lstrip("0") == serial or hash_key(item.hash_data) == _key_from_text(wanted):
            return dict(item.hash_data)
    raise ValueError(f"{charger_id} listed no certificate with serial {text!r}; list its "
                     "certificates again")
