"""The demo charger's security (issue 15 §5): certificate store, CSR, InstallCertificate,
GetInstalledCertificateIds, DeleteCertificate, CertificateSigned, security profile switch.

``add_security_handlers(routes, two_x)`` registers the handlers on a version's table; each
version module calls it right after creating its ``Routes`` (2.1 copies the 2.0.1 table).
"""

from __future__ import annotations

from .routing import Routes


def add_security_handlers(routes: Routes, two_x: bool) -> None:
    """Register the security handlers of 1.6 (whitepaper) or 2.x on ``routes``."""
