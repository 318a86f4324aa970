"""OCPP Studio: talk OCPP 1.6J and 2.0.1 to EV chargers from a laptop."""

import os
from typing import Any

from ._ocpp_enums import preload as _preload_ocpp_enums

# numpy's OpenBLAS starts a thread per core at import, and they spin: importing numpy took
# 0.27 s of CPU instead of 0.15-0.20 on a 2-core machine, the extra on the core the window
# (or the capture writer) needed. The studio does no linear algebra (ring buffers, sorted
# ids, min/max). Set before anything imports numpy; a user's own setting wins.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


def _read_version() -> str:
    """pyproject.toml's version, from the installed metadata (packaged builds carry it:
    copy_metadata). importlib.metadata (with email, zipfile and csv) takes ~0.05 s of a
    2-core machine's start, and the window's start never shows the version (issue 17):
    ``__version__`` is read on first use."""
    from importlib.metadata import PackageNotFoundError, version
    try:
        return version("ocpp-studio")
    except PackageNotFoundError:  # a checkout that was never installed
        return "0.0.0+unknown"


def __getattr__(name: str) -> Any:  # PEP 562: ``__version__`` is read on first use
    if name == "__version__":
        value = _read_version()
        globals()["__version__"] = value  # later reads find the attribute itself
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


_preload_ocpp_enums()  # the ocpp package's enums without its calls and datatypes (issue 17)
