"""Configuration templates: a chosen set of settings saved as JSON
(``schemas/config-template.schema.json``), applied to a charger with a preview, a result
per key and an undo that writes the previous values back."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

from .model import PlannedChange, Snapshot, WriteResult

FORMAT = "ocpp-studio-config-template"

#: The same schema as schemas/config-template.schema.json (a test keeps them equal).
TEMPLATE_SCHEMA: dict[str, Any] = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "$id": "https://ocpp-studio.invalid/schemas/config-template.schema.json",
    "title": "OCPP Studio configuration template",
    "description": (
        "A set of charger settings to apply to one or more chargers. For OCPP 1.6 the keys "
        "of 'settings' are configuration key names (e.g. HeartbeatInterval); for OCPP 2.0.1 "
        "they are variable labels: [EVSE n [Connector m] / ]Component[[instance]].Variable"
        "[[instance]][ (Target|MinSet|MaxSet)], e.g. SampledDataCtrlr.TxUpdatedInterval or "
        "OCPPCommCtrlr.MessageTimeout[Default]. Values are strings exactly as OCPP carries "
        "them. Passwords are left out unless the user asked to include them."),
    "type": "object",
    "required": ["format", "version", "ocpp_version", "settings"],
    "properties": {
        "format": {"const": FORMAT},
        "version": {"const": 1, "description": "Version of this file format."},
        "name": {"type": "string", "description": "What the template is for."},
        "ocpp_version": {"enum": ["1.6", "2.0.1", "2.1"]},  # OcppVersion labels
        "created": {"type": "string",
                    "description": "When the template was made, ISO 8601 UTC."},
        "source": {"type": "object",
                   "description": "Where the values were read: charger id, snapshot time.",
                   "properties": {"charger": {"type": "string"},
                                  "taken_us": {"type": "integer"}}},
        "settings": {
            "type": "object",
            "description": "Setting name -> value to write.",
            "additionalProperties": {"type": "string", "maxLength": 1000},
            "propertyNames": {"minLength": 1, "maxLength": 500},
        },
        "notes": {"type": "object", "additionalProperties": {"type": "string"},
                  "description": "Optional description per setting, for people reading "
                                 "the file; ignored when applying."},
    },
    "additionalProperties": False,
}


class TemplateError(ValueError):
    """A template file that cannot be used, with the reason in words."""


def make_template(snapshot: Snapshot, keys: list[str] | None = None, name: str = "",
                  include_secrets: bool = False, writable_only: bool = True) -> dict[str, Any]:
    """A template of the snapshot's values (or of ``keys`` only).

    Read-only settings and settings without a value are left out (they cannot be written),
    and so are secrets unless ``include_secrets``."""
    chosen = keys if keys is not None else list(snapshot.items)
    settings: dict[str, str] = {}
    notes: dict[str, str] = {}
    for key in chosen:
        item = snapshot.items.get(key)
        if item is None or item.value is None:
            continue
        if writable_only and item.readonly:
            continue
        if item.secret and not include_secrets:
            continue
        settings[key] = item.value
        if item.description:
            notes[key] = item.description
    return {"format": FORMAT, "version": 1, "name": name, "ocpp_version": snapshot.version,
            "created": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "source": {"charger": snapshot.charger, "taken_us": snapshot.taken_us},
            "settings": settings, "notes": notes}


def check_template(data: Any) -> dict[str, Any]:
    """``data`` if it is a valid template, else TemplateError saying what is wrong."""
    import jsonschema  # when a template is read: not on every start (issue 17)
    validator = jsonschema.Draft7Validator(TEMPLATE_SCHEMA)
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        first = errors[0]
        where = "/".join(str(p) for p in first.absolute_path) or "the top level"
        raise TemplateError(f"Not a valid configuration template: at {where}: {first.message}"
                            + (f" (and {len(errors) - 1} more problem(s))"
                               if len(errors) > 1 else ""))
    return data


def load_template(path: str | Path) -> dict[str, Any]:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise TemplateError(f"Cannot read {path}: {exc.strerror or exc}") from None
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise TemplateError(f"{path} is not JSON: {exc}") from None
    return check_template(data)


def save_template(template: dict[str, Any], path: str | Path) -> None:
    check_template(template)
    Path(path).write_text(json.dumps(template, indent=2, ensure_ascii=False) + "\n",
                          encoding="utf-8")


def template_changes(template: dict[str, Any]) -> dict[str, str]:
    return dict(template.get("settings") or {})


async def preview(service: Any, charger_id: str, template: dict[str, Any]) -> list[PlannedChange]:
    """What applying the template would change, against a fresh read of the charger."""
    check_template(template)
    base = await service.read_all(charger_id)
    _check_version(template, base)
    return service.plan(charger_id, template_changes(template), base)


def _check_version(template: dict[str, Any], base: Snapshot) -> None:
    if template["ocpp_version"] != base.version:
        raise TemplateError(f"The template is for OCPP {template['ocpp_version']} but the "
                            f"charger speaks OCPP {base.version}.")


async def apply_template(service: Any, charger_id: str, template: dict[str, Any],
                         confirm_dangerous: bool = False,
                         progress: Callable[[int, int, WriteResult], None] | None = None,
                         ) -> tuple[list[WriteResult], dict[str, str]]:
    """Write the settings that differ from the charger's current values.

    Returns the results (settings that already have the value are not written and not
    listed) and the undo map: previous value of every setting that was Accepted or
    RebootRequired (write-only settings, whose previous value cannot be read, are not in it).
    """
    check_template(template)
    base = service.latest(charger_id)
    if base is None:
        base = await service.read_all(charger_id)
    _check_version(template, base)
    planned = service.plan(charger_id, template_changes(template), base)
    changes = {p.key: p.after for p in planned if p.before != p.after or p.before is None}
    results = await service.write(charger_id, changes, confirm_dangerous=confirm_dangerous,
                                  progress=progress)
    before = {p.key: p.before for p in planned}
    undo_map = {r.key: before[r.key] for r in results
                if r.status in ("Accepted", "RebootRequired") and before.get(r.key) is not None}
    return results, undo_map  # type: ignore[return-value]


async def undo(service: Any, charger_id: str, undo_map: dict[str, str],
               confirm_dangerous: bool = True) -> list[WriteResult]:
    """Write the previous values back (dangerous ones too: the user confirmed them before)."""
    return await service.write(charger_id, dict(undo_map), confirm_dangerous=confirm_dangerous)
