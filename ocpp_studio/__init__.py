"""OCPP Studio: talk OCPP 1.6J and 2.0.1 to EV chargers from a laptop."""

import os

from ._ocpp_enums import preload as _preload_ocpp_enums

# numpy's OpenBLAS starts a thread per core at import, and they spin: importing numpy took
# 0.27 s of CPU instead of 0.15-0.20 on a 2-core machine, the extra on the core the window
# (or the capture writer) needed. The studio does no linear algebra (ring buffers, sorted
# ids, min/max). Set before anything imports numpy; a user's own setting wins.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

#: the one place the version is written: pyproject.toml reads it from here (setuptools'
#: dynamic version), so the package metadata says the same. Not read back from that metadata
#: (importlib.metadata): its import (email, zipfile, csv...) was 60-80 ms of the window's
#: start (issue 17). The self-test checks that the installed metadata agrees.
__version__ = "0.1.0"

_preload_ocpp_enums()  # the ocpp package's enums without its calls and datatypes (issue 17)
