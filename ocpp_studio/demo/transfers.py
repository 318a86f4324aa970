"""The demo charger's file transfers (issue 16 §5): GetDiagnostics / GetLog uploads and
UpdateFirmware / SignedUpdateFirmware downloads over HTTP and FTP, with every status.

``add_transfer_handlers(routes, two_x)`` registers the handlers on a version's table; each
version module calls it right after creating its ``Routes`` (2.1 copies the 2.0.1 table).
"""

from __future__ import annotations

from .routing import Routes


def add_transfer_handlers(routes: Routes, two_x: bool) -> None:
    """Register the transfer handlers of 1.6 or 2.x on ``routes``."""
