"""Where the app finds the files it ships beside its code: ``resources/`` (icons) and
``schemas/`` (our own JSON schemas read at runtime).

From a source checkout (or an editable install) they are the repository's folders; in a
PyInstaller bundle they are copied into the bundle (``sys._MEIPASS``) under the same names by
``packaging/ocpp-studio.spec``. Nothing is ever written here: user data, configuration and logs
live in the per-user directories (``settings.user_data_dir`` …, ``applog.user_log_dir``).
"""

from __future__ import annotations

import sys
from pathlib import Path

#: The app icon in every size and format the packaging needs (packaging/make_icons.py).
APP_ICON_PNG = "icons/ocpp-studio.png"
APP_ICON_PNG_256 = "icons/ocpp-studio-256.png"
APP_ICON_ICO = "icons/ocpp-studio.ico"
APP_ICON_ICNS = "icons/ocpp-studio.icns"


def is_frozen() -> bool:
    """True in a PyInstaller build."""
    return bool(getattr(sys, "frozen", False)) and hasattr(sys, "_MEIPASS")


def base_dir() -> Path:
    """The folder holding ``resources/`` and ``schemas/``: the bundle, or the repository."""
    if is_frozen():
        return Path(getattr(sys, "_MEIPASS"))
    return Path(__file__).resolve().parents[1]


def resource_path(name: str) -> Path:
    """``resources/<name>``, e.g. ``resource_path(APP_ICON_PNG)``. The path may not exist."""
    return base_dir() / "resources" / name


def schema_path(name: str) -> Path:
    """``schemas/<name>``, e.g. ``schema_path("capture-line.schema.json")``."""
    return base_dir() / "schemas" / name


#: Files the running app reads; the self-test fails when one is missing from a bundle.
RUNTIME_FILES: tuple[tuple[str, str], ...] = (
    ("resources", APP_ICON_PNG),
    ("resources", APP_ICON_PNG_256),
    ("schemas", "capture-line.schema.json"),
)


def runtime_file(kind: str, name: str) -> Path:
    return resource_path(name) if kind == "resources" else schema_path(name)
