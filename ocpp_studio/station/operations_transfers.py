"""Log and firmware transfer operations (issue 16 §3-4): the charger fetches or uploads a
file from/to the studio's own file server.

Added to the operation catalogue by ``operations.py``; built with the version's transfer
request builders (``adapters/transfers.py``).
"""

from __future__ import annotations

from .operations_catalogue import Operation

TRANSFER_OPERATIONS: tuple[Operation, ...] = ()
