"""OCPP Studio: talk OCPP 1.6J and 2.0.1 to EV chargers from a laptop."""

from importlib.metadata import PackageNotFoundError, version

from ._ocpp_enums import preload as _preload_ocpp_enums

try:  # one version, pyproject.toml's; packaged builds carry the metadata (copy_metadata)
    __version__ = version("ocpp-studio")
except PackageNotFoundError:  # a checkout that was never installed
    __version__ = "0.0.0+unknown"

_preload_ocpp_enums()  # the ocpp package's enums without its calls and datatypes (issue 17)
