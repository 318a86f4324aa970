"""Where unfinished commissioning runs are kept: state files beside the capture.

Apart from the engine (and Qt): the window looks for an unfinished run at every start, and
only a start that finds one needs the steps and the engine (commissioning/__init__.py).
"""

from __future__ import annotations

from pathlib import Path

STATE_SUFFIX = ".commissioning.json"


def state_path_for(capture_path: str | Path | None) -> Path | None:
    """Where an unfinished commissioning run is kept when no commissioning service names
    the file: beside the capture."""
    if capture_path is None or str(capture_path) == ":memory:":
        return None
    return Path(f"{capture_path}{STATE_SUFFIX}")


def saved_states(capture_path: str | Path | None) -> list[Path]:
    """Commissioning state files beside the capture (``<capture>.commissioning.json`` and the
    service's ``<capture>.commissioning-<charger>.json``), newest first."""
    if capture_path is None or str(capture_path) == ":memory:":
        return []
    capture = Path(capture_path)
    found = [p for p in capture.parent.glob(f"{capture.name}.commissioning*.json")
             if p.is_file()]
    return sorted(found, key=lambda p: p.stat().st_mtime, reverse=True)
