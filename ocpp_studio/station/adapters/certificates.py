"""Certificate request builders (issue 15 §2), one mixin per OCPP version: 1.6 with the
security whitepaper's extension, 2.0.1 blocks A and M. Mixed into the operation builders
(``operations.py``) and so into each version's adapter.

Neutral words for certificate kinds, used by the operations, the API and the CLI:

- ``csms``: the root the charger checks the central system's server certificate against
  (1.6 ``CentralSystemRootCertificate``, 2.0.1 ``CSMSRootCertificate``);
- ``manufacturer``: the root for signed firmware (``ManufacturerRootCertificate``, both);
- ``v2g`` / ``mo``: ISO 15118 roots (2.0.1 ``V2GRootCertificate`` / ``MORootCertificate``;
  1.6 has none);
- ``v2g-chain``: 2.0.1 GetInstalledCertificateIds only (``V2GCertificateChain``, the
  charger's own ISO 15118 certificate).

Every builder is pure (an :class:`OcppRequest`); the ``*_from_answer`` readers turn the
charger's answers into :class:`InstalledCertificate` rows with the neutral kind.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar, Sequence

from .base import OcppRequest, Payload

#: Neutral kind -> the kinds a user may type (CLI/API words)
INSTALL_KINDS = ("csms", "manufacturer", "v2g", "mo")
CSR_KINDS = ("charging-station", "v2g")


class CertificateKindError(NotImplementedError):
    """A certificate kind the charger's OCPP version does not have (said in words); a
    NotImplementedError like ``adapters.operations.NotInThisVersion``."""


@dataclass
class InstalledCertificate:
    """One certificate a charger says it holds (its hash data, not the certificate)."""

    kind: str  # neutral kind ("csms", "manufacturer", "v2g", "mo", "v2g-chain", "?")
    certificate_type: str | None  # the version's own word, when the answer said it
    hash_data: Payload  # hashAlgorithm, issuerNameHash, issuerKeyHash, serialNumber
    children: list[Payload] = field(default_factory=list)  # 2.0.1 childCertificateHashData

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "certificate_type": self.certificate_type,
                "hash_data": dict(self.hash_data),
                "children": [dict(c) for c in self.children]}


def _unknown_kind(kind: str, known: Sequence[str]) -> CertificateKindError:
    return CertificateKindError(f"unknown certificate kind {kind!r}; use one of "
                                f"{', '.join(known)}")


class CertificateRequests:
    """What every version's certificate builders offer (1.6 security extension, 2.0.1 M)."""

    #: neutral kind -> the version's InstallCertificate certificateType
    install_types: ClassVar[dict[str, str]] = {}
    #: neutral kind -> the version's GetInstalledCertificateIds certificateType
    list_types: ClassVar[dict[str, str]] = {}
    #: how many kinds one GetInstalledCertificateIds may ask for (None: any number, or all)
    kinds_per_list_request: ClassVar[int | None] = None
    #: kinds listed when the caller names none
    default_list_kinds: ClassVar[tuple[str, ...]] = ("csms", "manufacturer")
    #: what the charger is told to ask for in a CSR, and the CertificateSigned kind
    csr_triggers: ClassVar[dict[str, str]] = {}
    #: the message carrying that trigger
    csr_trigger_action: ClassVar[str] = "TriggerMessage"

    def _install_type(self, kind: str) -> str:
        if kind in self.install_types:
            return self.install_types[kind]
        if kind in INSTALL_KINDS:
            raise CertificateKindError(
                f"OCPP {self._label()} has no {kind} root certificate; it can hold "
                f"{' and '.join(self.install_types)} roots")
        raise _unknown_kind(kind, tuple(self.install_types))

    def _label(self) -> str:
        version = getattr(self, "version", None)
        return version.label if version is not None else "?"

    def kind_of(self, certificate_type: str | None) -> str:
        """The neutral kind of the version's certificateType word ("?" when unknown)."""
        for table in (self.list_types, self.install_types):
            for kind, word in table.items():
                if word == certificate_type:
                    return kind
        return "?"

    # --------------------------------------------------------------- builders
    def install_certificate_request(self, kind: str, pem: str) -> OcppRequest:
        """InstallCertificate of a root certificate (PEM) of ``kind``."""
        return OcppRequest("InstallCertificate", {"certificateType": self._install_type(kind),
                                                  "certificate": pem})

    def installed_certificates_request(self, kinds: Sequence[str] = ()) -> OcppRequest:
        raise NotImplementedError

    def delete_certificate_request(self, hash_data: Payload) -> OcppRequest:
        """DeleteCertificate of the certificate with ``hash_data`` (as the charger listed it)."""
        keys = ("hashAlgorithm", "issuerNameHash", "issuerKeyHash", "serialNumber")
        missing = [k for k in keys if not hash_data.get(k)]
        if missing:
            raise ValueError(f"the certificate's hash data lacks {', '.join(missing)}")
        return OcppRequest("DeleteCertificate",
                           {"certificateHashData": {k: str(hash_data[k]) for k in keys}})

    def trigger_sign_certificate_request(self, kind: str = "charging-station") -> OcppRequest:
        """Ask the charger for a CSR (it then sends SignCertificate)."""
        if kind not in self.csr_triggers:
            if kind in CSR_KINDS:
                raise CertificateKindError(f"OCPP {self._label()} has no {kind} certificate "
                                           "to ask a CSR for")
            raise _unknown_kind(kind, tuple(self.csr_triggers))
        return OcppRequest(self.csr_trigger_action, {"requestedMessage": self.csr_triggers[kind]})

    def certificate_signed_request(self, chain: str, kind: str | None = None) -> OcppRequest:
        """CertificateSigned with the PEM ``chain`` (leaf first); ``kind`` is the
        SignCertificate's certificateType where the version has one."""
        raise NotImplementedError

    # ---------------------------------------------------------------- answers
    def installed_from_answer(self, answer: Any, asked: Sequence[str] = ()
                              ) -> list[InstalledCertificate]:
        raise NotImplementedError

    def listed_kinds(self, request: Any) -> list[str]:
        """The neutral kinds a GetInstalledCertificateIds request asked for ([] = all)."""
        raise NotImplementedError


class Certificates16(CertificateRequests):
    """OCPP 1.6 security whitepaper: InstallCertificate, GetInstalledCertificateIds,
    DeleteCertificate, ExtendedTriggerMessage SignChargePointCertificate."""

    # whitepaper ed. 3 §5.2.1 / §6 CertificateUseEnumType: two roots only, no ISO 15118
    install_types = {"csms": "CentralSystemRootCertificate",
                     "manufacturer": "ManufacturerRootCertificate"}
    list_types = install_types
    # GetInstalledCertificateIds.req has one required certificateType (whitepaper §5.2.5)
    kinds_per_list_request = 1
    # ExtendedTriggerMessage (whitepaper §4.3.4 / A02.FR.01 "SignChargePointCertificate")
    csr_triggers = {"charging-station": "SignChargePointCertificate"}
    csr_trigger_action = "ExtendedTriggerMessage"

    def installed_certificates_request(self, kinds: Sequence[str] = ()) -> OcppRequest:
        wanted = list(kinds) or ["csms"]
        if len(wanted) != 1:
            raise CertificateKindError("OCPP 1.6 lists one certificate kind per "
                                       "GetInstalledCertificateIds; ask once per kind")
        kind = wanted[0]
        if kind not in self.list_types:
            raise CertificateKindError(f"OCPP 1.6 has no {kind} certificates to list; it "
                                       "holds csms and manufacturer roots")
        return OcppRequest("GetInstalledCertificateIds",
                           {"certificateType": self.list_types[kind]})

    def listed_kinds(self, request: Any) -> list[str]:
        word = request.get("certificateType") if isinstance(request, dict) else None
        return [self.kind_of(word)] if word else []

    def certificate_signed_request(self, chain: str, kind: str | None = None) -> OcppRequest:
        # whitepaper §5.2.2 CertificateSigned.req: certificateChain only
        return OcppRequest("CertificateSigned", {"certificateChain": chain})

    def installed_from_answer(self, answer: Any, asked: Sequence[str] = ()
                              ) -> list[InstalledCertificate]:
        # GetInstalledCertificateIds.conf certificateHashData: no type per entry, so each
        # one is of the kind asked for
        kind = asked[0] if asked else "?"
        items = (answer or {}).get("certificateHashData") or [] if isinstance(answer, dict) \
            else []
        return [InstalledCertificate(kind, self.list_types.get(kind), dict(item))
                for item in items if isinstance(item, dict)]


class Certificates201(CertificateRequests):
    """OCPP 2.0.1 (A02, M03-M05): the same messages with 2.0.1 field names."""

    # 2.0.1 Part 2 InstallCertificateUseEnumType (M05)
    install_types = {"csms": "CSMSRootCertificate",
                     "manufacturer": "ManufacturerRootCertificate",
                     "v2g": "V2GRootCertificate", "mo": "MORootCertificate"}
    # GetCertificateIdUseEnumType (M03) adds the charger's own V2G chain
    list_types = {**install_types, "v2g-chain": "V2GCertificateChain"}
    kinds_per_list_request = None
    # TriggerMessage MessageTriggerEnumType (A02.FR.xx / A03): the two CSR kinds
    csr_triggers = {"charging-station": "SignChargingStationCertificate",
                    "v2g": "SignV2GCertificate"}
    #: CertificateSigningUseEnumType of SignCertificate / CertificateSigned
    signed_types = {"charging-station": "ChargingStationCertificate",
                    "v2g": "V2GCertificate"}

    def installed_certificates_request(self, kinds: Sequence[str] = ()) -> OcppRequest:
        payload: Payload = {}
        types: list[str] = []
        for kind in kinds:
            if kind not in self.list_types:
                raise _unknown_kind(kind, tuple(self.list_types))
            types.append(self.list_types[kind])
        if types:  # M03: omitted = every type
            payload["certificateType"] = types
        return OcppRequest("GetInstalledCertificateIds", payload)

    def listed_kinds(self, request: Any) -> list[str]:
        words = request.get("certificateType") if isinstance(request, dict) else None
        return [self.kind_of(w) for w in words or []]

    def certificate_signed_request(self, chain: str, kind: str | None = None) -> OcppRequest:
        # A02.FR.05 / A03.FR.05: certificateType as the SignCertificate asked (absent there:
        # ChargingStationCertificate, the default of A02)
        word = self.signed_types.get(kind or "", kind) or "ChargingStationCertificate"
        return OcppRequest("CertificateSigned", {"certificateChain": chain,
                                                 "certificateType": word})

    def installed_from_answer(self, answer: Any, asked: Sequence[str] = ()
                              ) -> list[InstalledCertificate]:
        items = (answer or {}).get("certificateHashDataChain") or [] \
            if isinstance(answer, dict) else []
        out: list[InstalledCertificate] = []
        for item in items:
            if not isinstance(item, dict):
                continue
            word = item.get("certificateType")
            out.append(InstalledCertificate(
                self.kind_of(word), word, dict(item.get("certificateHashData") or {}),
                [dict(c) for c in item.get("childCertificateHashData") or []
                 if isinstance(c, dict)]))
        return out


def csr_kind_of(certificate_type: str | None) -> str:
    """The neutral CSR kind of a SignCertificate's certificateType (2.0.1
    CertificateSigningUseEnumType; 1.6 sends none: the charger's own certificate)."""
    return "v2g" if certificate_type == "V2GCertificate" else "charging-station"
