"""The demo charger's security (issue 15 §5): certificate store, CSR, the client
certificate, the security profile it connects with (and falls back from), and
SecurityEventNotification.

``DemoSecurity`` (one per charger, ``charger.security``) holds the state: the store, the
client certificate, the key of the last CSR, the queued security events. The CALLs that read
and change it (InstallCertificate, GetInstalledCertificateIds, DeleteCertificate,
CertificateSigned, the SignCertificate triggers) are answered in certificate_calls.py;
``add_security_handlers(routes, two_x)`` and ``trigger_sign_certificate`` are importable from
here too. Requirement ids: 1.6 security whitepaper edition 3 (A0x, M0x) and OCPP 2.0.1 Part 2
(same ids, blocks A, M).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from ..core.rpc import CallError, CallTimeout, ConnectionClosed
from .certificate_calls import (  # noqa: F401 - the handlers, importable from here as before
    add_security_handlers, certificate_signed, delete_certificate, extended_trigger_message,
    get_installed_ids, install_certificate, trigger_sign_certificate)
from .certstore import (CSMS_ROOTS, CertificateStore, hash_data, issued_by,  # noqa: F401
                        read_certificates, read_key, valid_at)
from .devicemodel import DeviceModel201
from .keys16 import ConfigurationKeys16
from .profiles import format_time
from .tls import (ConnectionPlan, PrivateKey, Target, client_context, explain_connect_failure,
                  initial_profile)  # noqa: F401 - initial_profile: for v16.py / v201.py

if TYPE_CHECKING:
    import ssl

    from .charger import DemoCharger

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class EventNames:
    """The names one version gives the security events the demo raises (1.6 whitepaper §8,
    2.0.1 appendix 'Security events')."""

    invalid_server: str
    invalid_client: str
    sign_trigger: str
    own_certificate: str


NAMES_16 = EventNames("InvalidCentralSystemCertificate", "InvalidChargePointCertificate",
                      "SignChargePointCertificate", "ChargePointCertificate")
NAMES_2X = EventNames("InvalidCsmsCertificate", "InvalidChargingStationCertificate",
                      "SignChargingStationCertificate", "ChargingStationCertificate")


@dataclass
class SecurityEvent:
    type: str
    timestamp: datetime
    tech_info: str | None = None
    push: bool = True  # sent to the central system, or only kept in the log
    sent: bool = False


class DemoSecurity:
    """One charger's security state and the connection settings derived from it."""

    def __init__(self, charger: "DemoCharger") -> None:
        self.ch = charger
        config = charger.config
        self.two_x = isinstance(charger.configuration, DeviceModel201)
        self.names = NAMES_2X if self.two_x else NAMES_16
        self.store = CertificateStore()
        root_kind = "CSMSRootCertificate" if self.two_x else "CentralSystemRootCertificate"
        for cert in read_certificates(config.ca_file):  # installed at the factory
            self.store.install(root_kind, cert)
        self.client_chain: list[x509.Certificate] = []
        self.client_key: PrivateKey | None = None
        if config.client_cert_file and config.client_key_file:
            self.client_chain = read_certificates(config.client_cert_file)
            self.client_key = read_key(config.client_key_file)
        #: the client certificate before the last CertificateSigned, kept until the new one
        #: has worked (1.6 A02.FR.10, 2.0.1 A02.FR.28)
        self.previous_client: tuple[list[x509.Certificate], PrivateKey] | None = None
        self.v2g_chain: list[x509.Certificate] = []
        self.pending_keys: dict[str, PrivateKey] = {}  # certificate type -> key of its CSR
        self.last_csr: str | None = None
        self.log: list[SecurityEvent] = []  # the security log (A04.FR.04)
        self.plan = ConnectionPlan()
        self.last_failure: str | None = None
        #: every fallback: (the target that failed, the one gone back to, the last reason)
        self.fallbacks: list[tuple[Target, Target, str]] = []
        self.tls: dict[str, Any] | None = None  # version, cipher, server of the connection
        self.server_certificate: x509.Certificate | None = None
        #: 2.x: the NetworkConfigurationPriority slot being tried, and the one that last
        #: worked (OCPPCommCtrlr.ActiveNetworkProfile)
        self.pending_slot: int | None = None
        self.good_slot = 0
        self._failure_reported = False
        self._sync_entries()
        self._watch_password()

    # ------------------------------------------------------------------ the profile
    @property
    def profile(self) -> int:
        store = self.ch.configuration
        if isinstance(store, DeviceModel201):
            return store.int_actual("SecurityCtrlr", "SecurityProfile")
        return store.int_value("SecurityProfile")

    def set_profile(self, profile: int) -> None:
        store = self.ch.configuration
        if isinstance(store, DeviceModel201):
            store.set_actual("SecurityCtrlr", "SecurityProfile", str(profile))
        elif isinstance(store, ConfigurationKeys16):
            store.keys["SecurityProfile"].value = str(profile)

    def organisation(self) -> str:
        store = self.ch.configuration
        if isinstance(store, DeviceModel201):
            return store.actual("SecurityCtrlr", "OrganizationName")
        return store.value("CpoName")

    def has_client_certificate(self) -> bool:
        return bool(self.client_chain) and self.client_key is not None

    def prerequisites_problem(self, new: int) -> str | None:
        """Why the charger cannot go to profile ``new`` now (whitepaper A05.FR.03/04, 2.0.1
        A05), or None."""
        now = self.ch.clock()
        if new >= 2 and not any(valid_at(c, now) for c in self.store.csms_roots()):
            return f"no valid {'CSMS' if self.two_x else 'Central System'} root certificate"
        if new == 3 and not self.has_client_certificate():
            return "no client certificate (send a CSR and CertificateSigned first)"
        return None

    # ------------------------------------------------------------------ connecting
    def target(self) -> Target:
        serial = (self.client_chain[0].serial_number
                  if self.profile == 3 and self.client_chain else None)
        return Target(self.ch.base_url, self.profile, serial)

    def connect_options(self) -> dict[str, Any]:
        """``ssl`` and the Basic-auth password for the next connection, from the URL and the
        profile; raises ``ProfileError`` when the profile cannot be met."""
        url, profile = self.ch.url, self.profile
        tls = url.startswith("wss://")
        if profile >= 2 and not tls:
            raise ProfileError(f"security profile {profile} needs TLS but the backend URL is "
                               f"{self.ch.base_url}; set a wss:// URL")
        if profile == 3 and not self.has_client_certificate():
            raise ProfileError("security profile 3 needs a client certificate; the charger "
                               "has none")
        options: dict[str, Any] = {
            # profile 3: the client certificate is the credential, no password (§2.5)
            "password": self.ch.protocol.auth_password() if profile in (1, 2) else None}
        if tls:
            options["ssl"] = self.ssl_context(client=profile == 3)
        return options

    def ssl_context(self, *, client: bool) -> "ssl.SSLContext":
        return client_context(self.store.csms_roots(),
                              client_chain=self.client_chain if client else (),
                              client_key=self.client_key if client else None,
                              tls12_suites=self.ch.config.tls12_suites)

    def connected(self, ssl_object: Any) -> None:
        """The websocket is open: remember what works (B10.FR.07) and the TLS used."""
        self.last_failure, self._failure_reported = None, False
        self.tls, self.server_certificate = None, None
        if ssl_object is not None:
            der = ssl_object.getpeercert(binary_form=True)
            self.server_certificate = x509.load_der_x509_certificate(der) if der else None
            self.tls = {"version": ssl_object.version(), "cipher": ssl_object.cipher()[0],
                        "profile": self.profile}
        if self.pending_slot is not None and isinstance(self.ch.configuration, DeviceModel201):
            self.good_slot, self.pending_slot = self.pending_slot, None
            self.ch.configuration.set_actual("OCPPCommCtrlr", "ActiveNetworkProfile",
                                             str(self.good_slot))
        previous = self.plan.succeeded(self.target())
        if self.target().client_serial is not None and self.previous_client is not None \
                and self.previous_client[0][0].serial_number != self.target().client_serial:
            self.previous_client = None  # A02.FR.10: the new certificate works
        if previous is not None and previous.profile != self.profile:
            self.raise_event("ReconfigurationOfSecurityParameters",
                             f"security profile {previous.profile} -> {self.profile}")

    def connection_failed(self, exc: BaseException) -> None:
        """Count a failed connection; report an untrusted server; fall back when due."""
        client = self.profile == 3 and self.has_client_certificate()
        reason, bad_server = explain_connect_failure(
            exc, tls=self.ch.url.startswith("wss://"), client_certificate=client)
        own = self.client_chain[0] if client else None
        if own is not None and not valid_at(own, self.ch.clock()):
            reason += (f"; the charger's own certificate expired on "
                       f"{own.not_valid_after_utc:%Y-%m-%d}"
                       if self.ch.clock() > own.not_valid_after_utc else
                       f"; the charger's own certificate is valid only from "
                       f"{own.not_valid_before_utc:%Y-%m-%d}")
        self.last_failure = reason
        log.info("%s: connection failed: %s", self.ch.config.charger_id, reason)
        if bad_server and not self._failure_reported:
            # A00.FR.309/.413 (2.0.1 A00.FR.311/.414): an invalid server certificate is a
            # security event, queued until the charger is connected again (A04.FR.02).
            self._failure_reported = True
            self.raise_event(self.names.invalid_server, reason[:255])
        back = self.plan.failed(self.target(), self._attempts())
        if back is not None:
            self.fallbacks.append((self.target(), back, reason))
            log.warning("%s: falling back to %s at security profile %d (A05.FR.08, "
                        "B10.FR.07)", self.ch.config.charger_id, back.base_url, back.profile)
            self.set_profile(back.profile)
            self.pending_slot = self.good_slot  # B10.FR.07: the slot that last worked
            old = self.previous_client
            if back.client_serial is not None and old is not None \
                    and old[0][0].serial_number == back.client_serial:
                # 2.0.1 A02.FR.28 / A03.FR.24: back to the old client certificate
                self.client_chain, self.client_key = old
            self.ch.base_url = back.base_url
            self.ch.url = back.base_url.rstrip("/") + "/" + self.ch.config.charger_id

    def _attempts(self) -> int:
        store = self.ch.configuration
        if isinstance(store, DeviceModel201):
            return store.int_actual("OCPPCommCtrlr", "NetworkProfileConnectionAttempts", 3)
        return self.ch.config.connection_attempts

    def server_root(self) -> x509.Certificate | None:
        """The CSMS root that verified the current connection (M04.FR.06)."""
        cert = self.server_certificate
        if cert is None or not self.ch.connected:
            return None
        for root in self.store.csms_roots():
            if issued_by(cert, root):
                return root
        return None

    # ------------------------------------------------------------------ security events
    def _watch_password(self) -> None:
        """A01.FR.11: a password change goes into the security log (never its value,
        A01.FR.12); it is not a critical event, so it is not pushed."""
        store = self.ch.configuration
        if isinstance(store, DeviceModel201):
            before = store.on_change

            def changed(var: Any, value: str) -> None:
                if before is not None:
                    before(var, value)
                if (var.component, var.name) == ("SecurityCtrlr", "BasicAuthPassword"):
                    self.raise_event("ReconfigurationOfSecurityParameters",
                                     "BasicAuthPassword changed", push=False)

            store.on_change = changed
        elif isinstance(store, ConfigurationKeys16):
            def guard(old: str, new: str) -> None:
                self.raise_event("ReconfigurationOfSecurityParameters",
                                 "AuthorizationKey changed", push=False)

            store.guards["AuthorizationKey"] = guard

    def log_lines(self) -> list[str]:
        """The security log, one line per event (for GetLog SecurityLog)."""
        return [f"{format_time(e.timestamp)} {e.type}"
                + (f" {e.tech_info}" if e.tech_info else "")
                + ("" if e.sent or not e.push else " (not delivered yet)") for e in self.log]

    def booted(self, reason: str) -> None:
        """A BootNotification was accepted: after a reset ResetOrReboot (the cause), then on
        every boot StartupOfTheDevice (both critical, whitepaper §8 / 2.0.1 appendix)."""
        if reason != "PowerUp":
            self.raise_event("ResetOrReboot", f"boot reason {reason}")
        self.raise_event("StartupOfTheDevice", f"boot reason {reason}")

    def raise_event(self, kind: str, tech_info: str | None = None, *,
                    push: bool = True) -> SecurityEvent:
        """Log a security event (A04.FR.04) and, unless ``push`` is False, queue it for the
        central system (A04.FR.01/02)."""
        event = SecurityEvent(kind, self.ch.clock(), tech_info, push=push)
        self.log.append(event)
        if push and self.ch.booted:
            self.ch.spawn(self.flush_events())
        return event

    async def flush_events(self) -> None:
        for event in [e for e in self.log if e.push and not e.sent]:
            payload: dict[str, Any] = {"type": event.type,
                                       "timestamp": format_time(event.timestamp)}
            if event.tech_info:
                payload["techInfo"] = event.tech_info[:255]
            if event.sent:
                continue
            event.sent = True
            try:
                await self.ch.call("SecurityEventNotification", payload)
            except (ConnectionClosed, CallTimeout) as exc:
                event.sent = False  # A04.FR.02: delivered after the next connection
                log.info("%s: security event queued: %s", self.ch.config.charger_id, exc)
                return
            except CallError as exc:
                log.info("%s: SecurityEventNotification refused: %s",
                         self.ch.config.charger_id, exc)

    # ------------------------------------------------------------------ CSR
    def make_csr(self, certificate_type: str) -> str:
        """A new key pair (A02.FR.02, kept in memory only: A02.FR.05) and its PKCS#10 CSR,
        PEM (A02.FR.03), CN = charger id, O = CpoName / OrganizationName (A02.FR.13)."""
        config = self.ch.config
        fault = config.csr_fault  # a faulty charger, to test a central system's checks
        key: PrivateKey = (
            rsa.generate_private_key(public_exponent=65537,
                                     key_size=1024 if fault == "rsa-1024" else 2048)
            if config.csr_key == "rsa" or fault == "rsa-1024"
            else ec.generate_private_key(ec.SECP256R1()))
        common_name = config.charger_id + ("-WRONG" if fault == "wrong-cn" else "")
        subject = [x509.NameAttribute(NameOID.COMMON_NAME, common_name)]
        organisation = self.organisation()
        if organisation:
            subject.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation))
        self.pending_keys[certificate_type] = key
        if fault == "not-pkcs10":  # a self-signed certificate where a request belongs
            now = self.ch.clock()
            cert = (x509.CertificateBuilder().subject_name(x509.Name(subject))
                    .issuer_name(x509.Name(subject)).public_key(key.public_key())
                    .serial_number(x509.random_serial_number()).not_valid_before(now)
                    .not_valid_after(now + timedelta(days=1)).sign(key, hashes.SHA256()))
            self.last_csr = cert.public_bytes(serialization.Encoding.PEM).decode("ascii")
            return self.last_csr
        csr = (x509.CertificateSigningRequestBuilder()
               .subject_name(x509.Name(subject)).sign(key, hashes.SHA256()))
        self.last_csr = csr.public_bytes(serialization.Encoding.PEM).decode("ascii")
        return self.last_csr

    def accept_signed(self, chain_pem: str, certificate_type: str) -> str | None:
        """Take the chain of CertificateSigned; why it is refused, or None (A02.FR.06)."""
        try:
            chain = x509.load_pem_x509_certificates(chain_pem.encode("ascii", "replace"))
        except ValueError:
            return "not a PEM certificate chain"
        leaf, key = chain[0], self.pending_keys.get(certificate_type)
        if key is None:
            return "no CSR is waiting for a certificate of this type"
        if leaf.public_key().public_numbers() != key.public_key().public_numbers():
            return "the certificate is not for the key of the charger's last CSR"
        names = leaf.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
        common_name = str(names[0].value) if names else None
        if common_name != self.ch.config.charger_id:
            return f"CN is {common_name!r}, not the charger id {self.ch.config.charger_id!r}"
        if not valid_at(leaf, self.ch.clock()):
            return "the certificate is expired or not yet valid"
        issuer = next((c for c in chain[1:] if c.subject == leaf.issuer), None) \
            or self.store.issuer_of(leaf)
        if issuer is None or not issued_by(leaf, issuer):
            return "the certificate's issuer is not in the chain nor installed"
        del self.pending_keys[certificate_type]
        if certificate_type == self.names.own_certificate:
            # A02.FR.08: used from the next connection (already valid: checked above)
            if self.client_chain and self.client_key is not None:
                self.previous_client = (self.client_chain, self.client_key)
            self.client_chain, self.client_key = chain, key
        else:
            self.v2g_chain = chain
        return None

    def _sync_entries(self) -> None:
        store = self.ch.configuration
        if isinstance(store, DeviceModel201):
            store.set_actual("SecurityCtrlr", "CertificateEntries", str(len(self.store.entries)))


def network_target_after_reboot(sec: DemoSecurity, dm: DeviceModel201) -> str | None:
    """2.0.1 B10.FR.04: after a reboot the charger connects with the first entry of
    NetworkConfigurationPriority: its URL (returned) and its securityProfile (applied here).
    A slot holds what SetNetworkProfile stored there (B09.FR.01), the active one too (the
    new data is used from this reboot on); slot 0 without such data is the connection the
    demo started with (None: keep the current one). The slot becomes ActiveNetworkProfile
    once the connection works (``DemoSecurity.connected``)."""
    for slot in dm.actual("OCPPCommCtrlr", "NetworkConfigurationPriority").split(","):
        slot = slot.strip()
        if not slot.isdigit():
            return None
        data = dm.network_profiles.get(int(slot))
        if data is None and slot == "0":
            sec.pending_slot = 0
            return None
        if data is not None:
            sec.pending_slot = int(slot)
            sec.set_profile(int(data["securityProfile"]))
            return str(data["ocppCsmsUrl"])
    return None


class ProfileError(OSError):
    """The configured security profile cannot be met by the URL or the certificates."""
