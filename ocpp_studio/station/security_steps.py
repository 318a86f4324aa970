"""The security upgrade's building blocks (issue 15 §1, §3): changing a charger's Basic-auth
password, installing and confirming the central system root, asking for the charger's own
certificate, and reading how a connection was made (the reconnect's evidence). Each returns
what the charger answered or showed; ``security_upgrade`` strings them together.

Passwords: what the charger's answer means for the password the studio expects.

1.6 security whitepaper A01.FR.02-04 (2.0.1 A01 likewise): the central system writes the
password (1.6 ``AuthorizationKey``, hex digits per A00.FR.205; 2.0.1
``SecurityCtrlr.BasicAuthPassword``). Only after Accepted does the studio's stored password for
that charger become the new one, and the old one stops working at the next handshake
(A01.FR.03); after Rejected or NotSupported, or no answer, the old one still works (A01.FR.04).
RebootRequired means the charger took it and uses it from its restart: the studio then expects
the new one too, and says the charger must restart.

The outcome is kept as evidence on the station (``Station.security.password_changes``): the
report's "Unique password" item is met only by an Accepted change. Passwords are never logged.
"""

from __future__ import annotations

import logging
from pathlib import Path
from collections import deque  # noqa: F401 - in the annotation
from typing import TYPE_CHECKING, Any, Callable

from ..core.lazy import lazy_module
from ..core.records import now_us
from ..settings import AppSettings
from .adapters.base import CALL_FAILURES
from .central import CentralSystem
from .model import Station
from .security_state import PasswordChange

if TYPE_CHECKING:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.x509 import ocsp
else:  # cryptography is imported on first use: ~0.1 s of every start (issue 17)
    x509 = lazy_module("cryptography.x509")
    hashes = lazy_module("cryptography.hazmat.primitives.hashes")
    ocsp = lazy_module("cryptography.x509.ocsp")

log = logging.getLogger(__name__)

ACCEPTED, REBOOT_REQUIRED = "Accepted", "RebootRequired"
#: answers after which the charger holds the new password (A01.FR.03; RebootRequired: later)
TAKEN = frozenset({ACCEPTED, REBOOT_REQUIRED})


def password_changes(station: Station) -> "deque[PasswordChange]":
    """The password changes tried on this station, oldest first
    (``SecurityState.password_changes``)."""
    return station.security.password_changes


def password_saver(path: Path | None, central: CentralSystem,
                   charger_id: str) -> Callable[[], object] | None:
    """A ``persist`` for ``change_password`` that saves only ``charger_id``'s new password
    into the settings file ``path`` (0600, ``AppSettings.save``; the rest of the file is kept
    as it was), so a restarted studio still lets the charger in (A01.FR.03: its old password
    no longer works). None when ``path`` is None (memory only). Never logs the password."""
    if path is None:
        return None

    def save() -> object:
        password = central.settings.passwords.get(charger_id)
        if password is None:
            return None
        stored = AppSettings.load(path)
        stored.csms.passwords[charger_id] = password
        try:
            stored.save(path)
        except OSError as exc:
            log.warning("%s: the new password could not be saved in %s: %s", charger_id,
                        path, exc)
            return None
        log.info("%s: the new password is saved in %s", charger_id, path)
        return path
    return save


def last_password_change(station: Station) -> PasswordChange | None:
    changes = password_changes(station)
    return changes[-1] if changes else None


async def change_password(central: CentralSystem, charger_id: str, password: str | None = None,
                          *, persist: Callable[[], object] | None = None,
                          timeout: float | None = None) -> PasswordChange:
    """Write a new password (generated in the version's form when not given) and apply
    A01.FR.03/04 to the studio's stored password. ``persist`` saves the settings (the
    window's preferences) once the stored password changed. Raises ``ConnectionClosed`` for a
    charger that is not connected (nothing was sent)."""
    adapter = central.adapter(charger_id, timeout)
    central.session(charger_id)  # not connected: say so before generating anything
    password = password or adapter.new_password()
    request = adapter.password_change_request(password)
    setting = adapter.basic_auth_password_setting
    try:
        status = _status(await adapter.send(request))
    except CALL_FAILURES as exc:
        status = f"no answer: {exc}"
    in_force = status in TAKEN
    first = not central.settings.passwords
    if in_force:
        central.settings.passwords[charger_id] = password
        if persist is not None:
            persist()
    words = _words(setting, status, len(password))
    if in_force and first:
        words += (" It is the studio's first charger password: from now on the studio asks "
                  "every charger for one (Preferences › Passwords).")
    change = PasswordChange(charger_id, setting, status, in_force, len(password), now_us(),
                            words)
    station = central.station(charger_id)
    password_changes(station).append(change)
    central.station_changed.emit(station)
    log.info("%s: %s change answered %s; studio expects the %s password", charger_id, setting,
             status, "new" if in_force else "old")
    return change


def _status(answer: Any) -> str:
    """The status of a ChangeConfiguration.conf or of the one SetVariables result."""
    if not isinstance(answer, dict):
        return "Error"
    if "status" in answer:
        return str(answer["status"])
    results = answer.get("setVariableResult") or []
    if results and isinstance(results[0], dict):
        return str(results[0].get("attributeStatus", "Error"))
    return "Error"


def _words(setting: str, status: str, length: int) -> str:
    if status == ACCEPTED:
        return (f"The charger accepted the new {length}-character password ({setting}); the "
                "studio now accepts only the new one (A01.FR.03).")
    if status == REBOOT_REQUIRED:
        return (f"The charger took the new {length}-character password ({setting}) but uses "
                "it only after a restart; the studio now expects the new one: restart the "
                "charger.")
    if status.startswith("no answer"):
        return (f"The charger gave no answer to the new password ({status}); the studio keeps "
                "accepting the old one. Whether the charger changed it is unknown.")
    return (f"The charger answered {status} to the new password ({setting}); the studio keeps "
            "accepting the old one (A01.FR.04).")


# ------------------------------------------------------------ root certificate (step 1)
def _manager(central: CentralSystem) -> Any:
    """The CertificateManager (``central.certificates``), None where the studio has none."""
    return getattr(central, "certificates", None)


def _status_word(result: Any) -> str:
    if isinstance(result, str):
        return result
    if getattr(result, "ok", None) is not None and getattr(result, "status", None) is None:
        return f"no answer: {getattr(result, 'words', '')}"  # CertificateOutcome, no answer
    if isinstance(result, dict):
        return _status(result)
    for name in ("status", "answer"):
        value = getattr(result, name, None)
        if isinstance(value, str):
            return value
    return "Error"


async def install_root(central: CentralSystem, charger_id: str, pem: str,
                       timeout: float | None = None) -> str:
    """InstallCertificate of ``pem`` as the central system root (1.6
    CentralSystemRootCertificate, 2.0.1 CSMSRootCertificate): the charger's answer, or
    "no answer: ..."."""
    manager = _manager(central)
    try:
        if manager is not None:
            return _status_word(await manager.install(charger_id, "csms", pem, timeout))
        adapter = central.adapter(charger_id, timeout)
        return _status(await adapter.send(adapter.install_certificate_request("csms", pem)))
    except CALL_FAILURES as exc:
        return f"no answer: {exc}"


def _hash_key(data: dict[str, Any]) -> tuple[str, str, str]:
    serial = str(data.get("serialNumber", "")).lower().lstrip("0") or "0"
    return (str(data.get("hashAlgorithm", "")).upper(),
            str(data.get("issuerNameHash", "")).lower(), serial)


def _root_keys(pem: str) -> set[tuple[str, str, str]]:
    """The (algorithm, issuerNameHash, serial) a charger lists for the root in ``pem``
    (CertificateHashDataType = the OCSP CertID fields, RFC 6960)."""
    certificate = x509.load_pem_x509_certificate(pem.encode("ascii"))
    keys = set()
    for name, algorithm in (("SHA256", hashes.SHA256()), ("SHA384", hashes.SHA384()),
                            ("SHA512", hashes.SHA512())):
        request = ocsp.OCSPRequestBuilder().add_certificate(
            certificate, certificate, algorithm).build()
        keys.add(_hash_key({"hashAlgorithm": name,
                            "issuerNameHash": request.issuer_name_hash.hex(),
                            "serialNumber": format(request.serial_number, "x")}))
    return keys


async def confirm_root(central: CentralSystem, charger_id: str, pem: str,
                       timeout: float | None = None) -> tuple[bool, str]:
    """Whether GetInstalledCertificateIds lists the root in ``pem``, and what it said."""
    manager = _manager(central)
    try:
        if manager is not None:
            listed = await manager.list_installed(charger_id, ["csms"], timeout)
            items = getattr(listed, "certificates", listed)
        else:
            adapter = central.adapter(charger_id, timeout)
            answer = await adapter.send(adapter.installed_certificates_request(["csms"]))
            items = adapter.installed_from_answer(answer, ["csms"])
    except CALL_FAILURES as exc:
        return False, f"no answer to GetInstalledCertificateIds ({exc})"
    hashes_listed = [getattr(i, "hash_data", i) for i in items or []]
    wanted = _root_keys(pem)
    if any(isinstance(h, dict) and _hash_key(h) in wanted for h in hashes_listed):
        return True, f"lists it among {len(hashes_listed)} certificate(s)"
    return False, (f"the charger lists {len(hashes_listed)} certificate(s) and none is this "
                   "root")


# ------------------------------------------------------ charger certificate (step 2)
async def request_csr(central: CentralSystem, charger_id: str, timeout: float) -> Any:
    """Ask the charger for a CSR and wait until the studio signed it and the charger answered
    CertificateSigned (the CertificateManager's record), None without a manager."""
    manager = _manager(central)
    if manager is None:
        return None
    try:
        return await manager.request_csr(charger_id, timeout)
    except CALL_FAILURES as exc:
        return f"no answer: {exc}"
    except TimeoutError:
        return f"the charger sent no certificate signing request within {timeout:.0f} s"


def csr_outcome(result: Any) -> tuple[bool, str]:
    """(installed, words) of ``request_csr``'s result: installed only when the charger
    answered CertificateSigned Accepted."""
    if result is None:
        return False, ("This studio has no certificate manager to sign the charger's CSR "
                       "with.")
    if isinstance(result, str):
        return False, f"No charger certificate: {result}."
    record = getattr(result, "record", result)
    answer = getattr(record, "charger_answer", None)
    words = str(getattr(result, "words", None) or "")
    if answer == ACCEPTED and getattr(result, "ok", True):
        return True, (words or "The charger accepted the signed certificate "
                      "(CertificateSigned Accepted).").rstrip(".") + "."
    return False, (words or f"The charger's certificate was not installed "
                   f"(CertificateSigned: {answer or 'no answer'}).").rstrip(".") + "."


# ------------------------------------------------------ connections (step 4 evidence)
def connection_security(central: CentralSystem, charger_id: str,
                        connection_id: int | None = None) -> dict[str, Any] | None:
    """How a connection of the charger was made (the current one by default): {"connection_id",
    "scheme", "tls", "client_certificate", "profile"}; ``profile`` is what the handshake showed
    (3: TLS with a client certificate, 2: TLS with a password, 1: ws:// with a password,
    0: ws:// without), None when the connection is not known."""
    station = central.stations.get(charger_id)
    if station is None or not station.connections:
        return None
    record = (station.connections[-1] if connection_id is None else
              next((c for c in station.connections if c.connection_id == connection_id), None))
    if record is None:
        return None
    facts = _handshake_facts(central, charger_id, record.connection_id)
    scheme = getattr(record, "scheme", None) or facts.get("scheme") or "ws"
    tls = getattr(record, "tls", None) or facts.get("tls")
    client = (facts.get("authenticated_by") == "client certificate"
              or bool(isinstance(tls, dict) and tls.get("client_certificate")))
    password = bool(record.auth_user or facts.get("password_form"))
    profile: int | None
    if scheme == "wss":  # TLS without any credential is no profile at all
        profile = 3 if client else (2 if password else None)
    else:
        profile = 1 if password else 0
    return {"connection_id": record.connection_id, "scheme": scheme, "tls": tls,
            "client_certificate": client, "profile": profile,
            "connected_us": record.connected_us, "open": record.disconnected_us is None}


def _handshake_facts(central: CentralSystem, charger_id: str, connection_id: int) -> dict:
    session = central.sessions.get(charger_id)
    if session is not None and session.connection_id == connection_id:
        return dict(session.handshake.extra)
    for event in reversed(central.store.events(charger=charger_id)):
        if event.kind == "connected" and event.connection_id == connection_id:
            return dict((event.detail or {}).get("extra") or {})
    return {}


def choose_wss_url(urls: list[str], reached: str = "") -> str | None:
    """The studio's wss:// URL to give the charger: the one on the address the charger reached
    us on (its connection's local end) when the studio listens there, else the first."""
    wss = [u for u in urls if u.lower().startswith("wss://")]
    for url in wss:
        host = url.split("://", 1)[1].split("/", 1)[0].rsplit(":", 1)[0].strip("[]")
        if reached and host == reached:
            return url
    return wss[0] if wss else None
