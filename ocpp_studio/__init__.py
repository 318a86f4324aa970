"""OCPP Studio: talk OCPP 1.6J and 2.0.1 to EV chargers from a laptop."""

import os
from importlib.metadata import PackageNotFoundError, version

from ._ocpp_enums import preload as _preload_ocpp_enums

# numpy's OpenBLAS starts a thread per core at import, and they spin: importing numpy took
# 0.27 s of CPU instead of 0.15-0.20 on a 2-core machine, the extra on the core the window
# (or the capture writer) needed. The studio does no linear algebra (ring buffers, sorted
# ids, min/max). Set before anything imports numpy; a user's own setting wins.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

try:  # one version, pyproject.toml's; packaged builds carry the metadata (copy_metadata)
    __version__ = version("ocpp-studio")
except PackageNotFoundError:  # a checkout that was never installed
    __version__ = "0.0.0+unknown"

_preload_ocpp_enums()  # the ocpp package's enums without its calls and datatypes (issue 17)
