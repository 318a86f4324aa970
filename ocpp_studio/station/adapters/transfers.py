"""Log and firmware transfer request builders (issue 16 §3-4), one mixin per OCPP version:
1.6 GetDiagnostics/UpdateFirmware plus the security whitepaper's GetLog and
SignedUpdateFirmware, 2.0.1 GetLog (N01) and UpdateFirmware (L01). Mixed into the operation
builders (``operations.py``) and so into each version's adapter."""

from __future__ import annotations


class TransferRequests:
    """What every version's transfer builders offer."""


class Transfers16(TransferRequests):
    """OCPP 1.6 core and security whitepaper transfers."""


class Transfers201(TransferRequests):
    """OCPP 2.0.1 transfers."""
