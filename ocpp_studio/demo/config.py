"""Settings of a demo charger."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Iterable, Mapping

from ..core.versions import OcppVersion
from .quirks import Quirks

log = logging.getLogger(__name__)


def default_phases(version: OcppVersion) -> int:
    """The demo's usual wall box per version: a 7.4 kW single-phase one for 1.6, an 11 kW
    three-phase one for 2.x."""
    return 1 if version is OcppVersion.V16 else 3


@dataclass
class DemoChargerConfig:
    """What the simulated charger is: identity, electrics, timing.

    ``phases=1, max_current_a=32, voltage_v=230`` is a 7.4 kW single-phase wall box;
    ``phases=3, max_current_a=16`` an 11 kW three-phase one.
    """

    charger_id: str = "DEMO-16"
    version: OcppVersion = OcppVersion.V16
    connectors: int = 1
    phases: int = 1
    max_current_a: float = 32.0
    voltage_v: float = 230.0
    vendor: str = "OCPP Studio"
    model: str = "Demo 7kW"
    serial: str = "DEMO-0001"
    firmware: str = "1.0.0"
    heartbeat_interval: int = 60
    meter_interval: int = 10
    auto_charge: bool = False
    basic_auth_password: str | None = None
    # -- security (issue 15 §5; demo/security.py, demo/tls.py)
    #: PEM file of CSMS root certificate(s) the charger trusts for wss:// (installed at the
    #: factory: listed by GetInstalledCertificateIds, deletable)
    ca_file: str | None = None
    #: PEM client certificate (chain) and its key for security profile 3
    client_cert_file: str | None = None
    client_key_file: str | None = None
    #: the profile to start at; None: derived from the URL and the credentials (security.py)
    security_profile: int | None = None
    csr_key: str = "ec"  # key of a new CSR: "ec" (P-256) or "rsa" (2048 bits)
    #: a charger that makes bad CSRs, to test a central system's checks: "wrong-cn" (CN is
    #: not the charger id), "not-pkcs10" (a certificate sent instead of a request), "rsa-1024"
    csr_fault: str | None = None
    #: a TLS 1.2-only charger offering one pair of the whitepaper's suites: "ecdhe-ecdsa" or
    #: "rsa" (A00.FR.318); None: TLS 1.2 or 1.3 with OpenSSL's defaults
    tls12_suites: str | None = None
    #: 1.6: failed connections with a new profile/URL before falling back (A05.FR.08);
    #: 2.x uses OCPPCommCtrlr.NetworkProfileConnectionAttempts (B10.FR.07)
    connection_attempts: int = 3
    # -- simulation details (optional)
    id_tag: str = "DEMO-TAG"  # used by auto_charge
    initial_energy_wh: float = 12_345.0  # the meter's register before the first session
    seed: int | None = None  # random noise seed, for reproducible runs
    reconnect_min_s: float = 0.5  # back-off after a lost connection, doubled up to max
    reconnect_max_s: float = 2.0
    call_timeout: float = 30.0
    unplug_delay_s: float = 1.0  # after a remote stop, the simulated driver unplugs
    #: Behaviours of third-party chargers (``quirks.py``): a Quirks, or names such as
    #: ``["rate-unit=W", "no-smart-charging"]``; an unknown name is a ValueError.
    quirks: Quirks | Iterable[str] | Mapping[str, str | None] = field(default_factory=Quirks)

    def __post_init__(self) -> None:
        if isinstance(self.version, str) and not isinstance(self.version, OcppVersion):
            self.version = OcppVersion.parse(self.version)
        if not isinstance(self.quirks, Quirks):
            self.quirks = Quirks.parse(self.quirks)
        for unused in self.quirks.unused_in(self.version):
            log.warning("%s: quirk %s has no effect", self.charger_id, unused)
        if self.connectors < 1:
            raise ValueError("a charger has at least one connector")
        if self.phases not in (1, 3):
            raise ValueError("phases must be 1 or 3")
        if self.security_profile not in (None, 0, 1, 2, 3):
            raise ValueError("security_profile must be 0, 1, 2 or 3")
        if self.csr_fault not in (None, "wrong-cn", "not-pkcs10", "rsa-1024"):
            raise ValueError("csr_fault must be wrong-cn, not-pkcs10 or rsa-1024")
        if self.tls12_suites not in (None, "ecdhe-ecdsa", "rsa"):
            raise ValueError("tls12_suites must be ecdhe-ecdsa or rsa")
        if self.csr_key not in ("ec", "rsa"):
            raise ValueError("csr_key must be 'ec' or 'rsa'")
        if bool(self.client_cert_file) != bool(self.client_key_file):
            raise ValueError("a client certificate needs its key (and the key its certificate)")
