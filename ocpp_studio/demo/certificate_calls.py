"""The demo charger's answers to the certificate CALLs (issue 15 §5): InstallCertificate,
GetInstalledCertificateIds, DeleteCertificate, CertificateSigned, the SignCertificate
triggers and, in 1.6, ExtendedTriggerMessage.

``add_security_handlers(routes, two_x)`` registers them on a version's table; each version
module calls it right after creating its ``Routes`` (2.1 copies the 2.0.1 table). The state
they read and change is the charger's ``DemoSecurity`` (``charger.security``, security.py,
which also exports these names). Requirement ids: 1.6 security whitepaper edition 3 (A0x,
M0x) and OCPP 2.0.1 Part 2 (same ids, blocks A, M).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from cryptography import x509

from .certstore import CSMS_ROOTS, hash_data, valid_at
from .routing import Routes

if TYPE_CHECKING:
    from .security import DemoSecurity

log = logging.getLogger(__name__)


def _security(protocol: Any) -> DemoSecurity:
    return protocol.ch.security


def install_certificate(protocol: Any, payload: dict[str, Any]) -> dict[str, Any]:
    sec = _security(protocol)
    try:
        cert = x509.load_pem_x509_certificate(payload["certificate"].encode("ascii", "replace"))
    except ValueError:
        return {"status": "Rejected"}  # M05.FR.06: not a (PEM) certificate
    constraints = _basic_constraints(cert)
    if not valid_at(cert, sec.ch.clock()) or (constraints is not None and not constraints.ca):
        return {"status": "Rejected"}  # M05.FR.06: expired, or not a CA certificate
    status = sec.store.install(payload["certificateType"], cert)
    sec._sync_entries()
    log.info("%s: InstallCertificate %s -> %s", sec.ch.config.charger_id,
             payload["certificateType"], status)
    return {"status": status}


def _basic_constraints(cert: x509.Certificate) -> x509.BasicConstraints | None:
    try:
        return cert.extensions.get_extension_for_class(x509.BasicConstraints).value
    except x509.ExtensionNotFound:
        return None


def get_installed_ids(protocol: Any, payload: dict[str, Any], two_x: bool) -> dict[str, Any]:
    sec = _security(protocol)
    if not two_x:  # 1.6: one certificateType, a flat list (M03)
        found = [sec.store.hash_of(e) for e in sec.store.roots({payload["certificateType"]})]
        return ({"status": "Accepted", "certificateHashData": found} if found
                else {"status": "NotFound"})
    wanted = set(payload.get("certificateType") or [])
    chains = [{"certificateType": e.kind, "certificateHashData": sec.store.hash_of(e)}
              for e in sec.store.roots(wanted or None)]
    if sec.v2g_chain and (not wanted or "V2GCertificateChain" in wanted):
        chains.append({"certificateType": "V2GCertificateChain",
                       "certificateHashData": hash_data(sec.v2g_chain[0], (
                           sec.v2g_chain[1] if len(sec.v2g_chain) > 1 else None))})
    return ({"status": "Accepted", "certificateHashDataChain": chains} if chains
            else {"status": "NotFound"})


def delete_certificate(protocol: Any, payload: dict[str, Any]) -> dict[str, Any]:
    sec = _security(protocol)
    entry = sec.store.find(payload["certificateHashData"])
    if entry is None:
        return {"status": "NotFound"}  # M04.FR.04; the charger's own one is never listed
    if entry.kind in CSMS_ROOTS and entry.certificate == sec.server_root():
        return {"status": "Failed"}  # M04.FR.06: it verifies the current connection
    sec.store.entries.remove(entry)
    sec._sync_entries()
    log.info("%s: DeleteCertificate %s", sec.ch.config.charger_id, entry.kind)
    return {"status": "Accepted"}


def certificate_signed(protocol: Any, payload: dict[str, Any]) -> dict[str, Any]:
    sec = _security(protocol)
    kind = payload.get("certificateType") or sec.names.own_certificate
    problem = sec.accept_signed(payload["certificateChain"], kind)
    if problem is not None:
        log.info("%s: CertificateSigned rejected: %s", sec.ch.config.charger_id, problem)
        sec.raise_event(sec.names.invalid_client, problem[:255])  # A02.FR.07
        return {"status": "Rejected"}
    log.info("%s: CertificateSigned accepted; the new certificate is used from the next "
             "connection", sec.ch.config.charger_id)
    return {"status": "Accepted"}


def trigger_sign_certificate(protocol: Any, certificate_type: str | None) -> dict[str, Any]:
    """ExtendedTriggerMessage SignChargePointCertificate / TriggerMessage
    SignChargingStationCertificate, SignV2GCertificate: Accepted, then SignCertificate."""
    sec = _security(protocol)
    kind = certificate_type or sec.names.own_certificate

    async def send() -> None:
        payload: dict[str, Any] = {"csr": sec.make_csr(kind)}
        if sec.two_x:
            payload["certificateType"] = kind
        reply = await sec.ch.call("SignCertificate", payload)
        log.info("%s: SignCertificate %s", sec.ch.config.charger_id, reply.get("status"))

    sec.ch.later(send)
    return {"status": "Accepted"}


def extended_trigger_message(protocol: Any, payload: dict[str, Any]) -> dict[str, Any]:
    """1.6 whitepaper ExtendedTriggerMessage: the certificate and log triggers here, the rest
    as TriggerMessage answers them."""
    message = payload["requestedMessage"]
    if message == "SignChargePointCertificate":
        return trigger_sign_certificate(protocol, None)
    if message == "LogStatusNotification":
        protocol.ch.later(lambda: protocol.ch.call("LogStatusNotification", {"status": "Idle"}))
        return {"status": "Accepted"}
    trigger = protocol.routes.get("TriggerMessage")
    return trigger(protocol, payload) if trigger else {"status": "NotImplemented"}


def add_security_handlers(routes: Routes, two_x: bool) -> None:
    """Register the security handlers of 1.6 (whitepaper) or 2.x on ``routes``."""
    routes.on("InstallCertificate")(install_certificate)
    routes.on("GetInstalledCertificateIds")(
        lambda protocol, payload: get_installed_ids(protocol, payload, two_x))
    routes.on("DeleteCertificate")(delete_certificate)
    routes.on("CertificateSigned")(certificate_signed)
    if not two_x:
        routes.on("ExtendedTriggerMessage")(extended_trigger_message)


__all__ = ["add_security_handlers", "install_certificate", "get_installed_ids",
           "delete_certificate", "certificate_signed", "trigger_sign_certificate",
           "extended_trigger_message"]
