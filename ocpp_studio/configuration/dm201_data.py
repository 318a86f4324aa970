"""Descriptions of the standard OCPP 2.0.1 components and variables, read from
``ocpp_studio/resources/dm201.json``.

That file is generated from the OCPP 2.0.1 appendices (Appendices_CSV_v1.4: components.csv,
variables.csv, dm_components_vars.csv) by ``scripts/generate_dm201.py``; descriptions are cut
to their first sentence. Regenerate it rather than editing it by hand."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

DATA_FILE = "resources/dm201.json"


def _load() -> dict[str, Any]:
    # importlib.resources finds the file in a source checkout, an installed wheel and a
    # PyInstaller bundle alike (pyproject.toml package-data, packaging/ocpp-studio.spec).
    text = (resources.files("ocpp_studio") / DATA_FILE).read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


_DATA = _load()

#: component name -> description
COMPONENTS: dict[str, str] = dict(_DATA["components"])

#: generic variable name -> (dataType, unit, description)
VARIABLES: dict[str, tuple[str | None, str | None, str]] = {
    name: (entry["dataType"], entry["unit"], entry["description"])
    for name, entry in _DATA["variables"].items()}

#: (component, variable, instance) -> (required, dataType, unit, description)
COMPONENT_VARIABLES: dict[tuple[str, str, str | None], tuple[bool, str | None, str | None, str]] = {
    (entry["component"], entry["variable"], entry["instance"]):
        (entry["required"], entry["dataType"], entry["unit"], entry["description"])
    for entry in _DATA["component_variables"]}

del _DATA
