"""Certificate operations (issue 15 §2): install, list, delete, trigger a CSR.

Added to the operation catalogue by ``operations.py``; built with the version's
certificate request builders (``adapters/certificates.py``). What the charger answers
updates its security state through ``CertificateManager`` (which watches those answers
whoever sent them), so the Security tab shows what an operation found.
"""

from __future__ import annotations

from typing import Any

from ..core.versions import OcppVersion
from ..security.ca import CaError, load_pem_certificates
from .adapters.base import OcppAdapter, OcppRequest
from .adapters.certificates import CertificateRequests
from .adapters.operations import OperationRequests
from .operations_catalogue import Field, Follow, Operation, OperationError, Values

ALL = frozenset(OcppVersion)


def _certs(builders: OperationRequests) -> CertificateRequests:
    assert isinstance(builders, CertificateRequests)
    return builders


# ---------------------------------------------------------------- install
def _install_fields(b: OperationRequests) -> list[Field]:
    kinds = tuple(_certs(b).install_types)
    return [Field("kind", "choice", "csms", kinds,
                  help="csms: the root the charger checks the central system with; "
                  "manufacturer: for signed firmware" + ("; v2g / mo: ISO 15118 roots"
                                                         if "v2g" in kinds else "")),
            Field("certificate", "file", "studio-ca", required=True,
                  help="a PEM certificate file, or studio-ca for the studio's own CA")]


def _install(a: OcppAdapter, b: OperationRequests, v: Values, c: Any) -> OcppRequest:
    try:
        pem = resolve_pem(str(v["certificate"]), getattr(c, "central", None))
    except (ValueError, CaError) as exc:
        raise OperationError(f"InstallCertificate: {exc}") from None
    return _certs(b).install_certificate_request(v["kind"], pem)


def resolve_pem(source: str, central: Any) -> str:
    """A PEM given as text needs nothing else; "studio-ca" or a file through the central
    system's CertificateManager."""
    if central is not None:
        return str(central.certificates.resolve_pem(source))
    if "-----BEGIN CERTIFICATE-----" not in source:
        raise ValueError(f"{source!r} needs the studio: give the PEM text instead")
    load_pem_certificates(source)  # CaError in words when it is not one
    return source.strip() + "\n"


INSTALL_CERTIFICATE = Operation(
    "install-certificate", "InstallCertificate", ALL, _install_fields, _install,
    ok_statuses=frozenset({"Accepted"}))


# ------------------------------------------------------------------- list
def _list_fields(b: OperationRequests) -> list[Field]:
    builders = _certs(b)
    kinds = tuple(builders.list_types)
    if builders.kinds_per_list_request is None:  # the version can ask for every kind at once
        return [Field("kind", "choice", "all", ("all",) + kinds,
                      help="which certificates to list")]
    return [Field("kind", "choice", "csms", kinds, help="which certificates to list "
                  "(one kind per request in this version)")]


def _listed_count(answer: Any) -> int:
    if not isinstance(answer, dict):
        return 0
    # 1.6 certificateHashData / 2.0.1 certificateHashDataChain: whichever the answer has
    items = answer.get("certificateHashDataChain") or answer.get("certificateHashData") or []
    return len(items) if isinstance(items, list) else 0


def _list_words(answer: Any) -> str:
    status = answer.get("status") if isinstance(answer, dict) else None
    if status == "NotFound":
        return "The charger holds no certificate of that kind (NotFound)"
    count = _listed_count(answer)
    return f"The charger lists {count} certificate{'s' if count != 1 else ''} ({status})"


GET_INSTALLED = Operation(
    "get-installed-certificates", "GetInstalledCertificateIds", ALL, _list_fields,
    lambda a, b, v, c: _certs(b).installed_certificates_request(
        [] if v["kind"] == "all" else [v["kind"]]),
    ok_statuses=frozenset({"Accepted", "NotFound"}), words_of=_list_words)


# ----------------------------------------------------------------- delete
def _delete(a: OcppAdapter, b: OperationRequests, v: Values, c: Any) -> OcppRequest:
    text = str(v["serial"])
    try:
        parts = text.split("/")
        if len(parts) == 4:  # the full hash data: no list needed
            hash_data = dict(zip(("hashAlgorithm", "issuerNameHash", "issuerKeyHash",
                                  "serialNumber"), parts))
        else:
            hash_data = c.central.certificates.find_installed(c.charger_id, text)
        return _certs(b).delete_certificate_request(hash_data)
    except ValueError as exc:
        raise OperationError(f"DeleteCertificate: {exc}") from None


DELETE_CERTIFICATE = Operation(
    "delete-certificate", "DeleteCertificate", ALL,
    lambda b: [Field("serial", "text", None, required=True,
                     help="the certificate's serial number as the charger listed it (or "
                     "hashAlgorithm/issuerNameHash/issuerKeyHash/serialNumber)")],
    _delete,
    danger=lambda v: ("the charger stops trusting what this certificate signed; deleting "
                      "the CSMS root it checks the central system with cuts a charger at "
                      "security profile 2 or 3 off until a new one is installed"),
    ok_statuses=frozenset({"Accepted"}), dangerous_fields=("*",))


# ------------------------------------------------------------ trigger CSR
TRIGGER_CSR = Operation(
    "trigger-csr", "Ask for a CSR (SignCertificate)", ALL,
    lambda b: [Field("kind", "choice", "charging-station", tuple(_certs(b).csr_triggers),
                     help="the charger's own certificate (profile 3), or its ISO 15118 one")],
    lambda a, b, v, c: _certs(b).trigger_sign_certificate_request(v["kind"]),
    follows=lambda version, v, c: Follow(
        frozenset({"SignCertificate"}),
        lambda seen: any(action == "SignCertificate" for action, _ in seen),
        "SignCertificate", 30.0))

CERTIFICATE_OPERATIONS: tuple[Operation, ...] = (
    INSTALL_CERTIFICATE, GET_INSTALLED, DELETE_CERTIFICATE, TRIGGER_CSR)
