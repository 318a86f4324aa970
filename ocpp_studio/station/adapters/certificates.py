"""Certificate request builders (issue 15 §2), one mixin per OCPP version: 1.6 with the
security whitepaper's extension, 2.0.1 blocks A and M. Mixed into the operation builders
(``operations.py``) and so into each version's adapter."""

from __future__ import annotations


class CertificateRequests:
    """What every version's certificate builders offer (1.6 security extension, 2.0.1 M)."""


class Certificates16(CertificateRequests):
    """OCPP 1.6 security whitepaper: InstallCertificate, GetInstalledCertificateIds,
    DeleteCertificate, ExtendedTriggerMessage SignChargePointCertificate."""


class Certificates201(CertificateRequests):
    """OCPP 2.0.1 (A02, M03-M05): the same messages with 2.0.1 field names."""
