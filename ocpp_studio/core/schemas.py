"""Validation against the official OCPP JSON schemas shipped in the ``ocpp`` package.

1.6 schemas are draft-04, 2.0.1 schemas draft-06 (OCPP-J 1.6 errata §3.8).
Schemas are loaded with ``parse_float=Decimal`` so that ``multipleOf: 0.1``
is checked exactly against payloads that were parsed the same way.

Each schema is compiled once, twice over: fastjsonschema (Python code generated
from the schema) answers the common question "is it valid?" quickly; only when it
says no (or cannot tell, e.g. a Decimal 5.0 for a draft-06 integer) does jsonschema
walk the payload to explain every violation, with the Decimal semantics above. The
fast check is trusted only when it passes, and it checks dates with the same
``date-time`` check as jsonschema, so it never accepts what jsonschema refuses.
``limit`` bounds how many violations are described (a 1 MB frame can break the
schema tens of thousands of times); the rest are counted, up to a bound, in one
summary entry.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from importlib import resources
from typing import Any, Literal

import fastjsonschema  # jsonschema is imported when first needed: 0.1-0.2 s of the start
from rfc3339_validator import validate_rfc3339


from .errors import Fault, fault_for_schema_keyword
from .versions import OcppVersion

#: "send": an OCPP 2.1 SEND message (OCPP-J 2.1 Part 4 §4.2.5), whose schema file is
#: named after the action alone (``NotifyPeriodicEventStream.json``) and has no response.
Kind = Literal["request", "response", "send"]

# jsonschema writes Decimal('1.5'); a user should read 1.5.
_MISSING = re.compile(r"^'([^']+)' is a required property$")
_DECIMAL_REPR = re.compile(r"Decimal\('([^']*)'\)")

_PACKAGE_DIR = {OcppVersion.V16: "v16", OcppVersion.V201: "v201", OcppVersion.V21: "v21"}


@dataclass(frozen=True, slots=True)
class Violation:
    """One schema rule a payload breaks."""

    path: str  # JSON path into the payload, e.g. "$.meterValue[0].timestamp"
    message: str  # jsonschema's sentence
    keyword: str  # the rule broken: type, required, enum, maxLength, format, …
    rule: Any  # the rule's value in the schema, e.g. 20 for maxLength: 20
    fault: Fault

    def as_dict(self) -> dict[str, Any]:
        return {"path": self.path, "message": self.message, "keyword": self.keyword,
                "rule": _plain(self.rule), "fault": self.fault.name}


def _plain(value: Any) -> Any:
    """Make a schema fragment JSON-serialisable (Decimals -> numbers)."""
    return json.loads(json.dumps(value, default=lambda d: float(d) if isinstance(d, Decimal) else str(d)))


def _json_path(parts: Any) -> str:
    path = "$"
    for part in parts:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


def _schema_file(version: OcppVersion, action: str, kind: Kind) -> str:
    if kind == "send":
        return f"{action}.json"
    if version.is_json_schema_draft04:
        return f"{action}Response.json" if kind == "response" else f"{action}.json"
    return f"{action}Response.json" if kind == "response" else f"{action}Request.json"


def _schema_dir(version: OcppVersion):
    return resources.files("ocpp") / _PACKAGE_DIR[version] / "schemas"


@lru_cache(maxsize=None)
def known_actions(version: OcppVersion) -> frozenset[str]:
    """Every action that has an official request schema for this version."""
    names = set()
    for entry in _schema_dir(version).iterdir():
        name = entry.name
        if not name.endswith(".json") or name.endswith("Response.json"):
            continue
        stem = name[: -len(".json")]
        if not version.is_json_schema_draft04:
            if not stem.endswith("Request"):
                continue
            stem = stem[: -len("Request")]
        names.add(stem)
    return frozenset(names)


@lru_cache(maxsize=None)
def send_actions(version: OcppVersion) -> frozenset[str]:
    """Actions sent as SEND, never answered (2.1: NotifyPeriodicEventStream): the 2.x
    schema files named after the action alone. 1.6 has none (its requests are named so)."""
    if version.is_json_schema_draft04:
        return frozenset()
    return frozenset(entry.name[: -len(".json")] for entry in _schema_dir(version).iterdir()
                     if entry.name.endswith(".json") and not entry.name.endswith(
                         ("Request.json", "Response.json")))


def _guarded_multiple_of(base_check: Any) -> Any:
    """multipleOf that reports, rather than raises on, numbers too large for
    Decimal arithmetic (1e400 % 0.1 raises decimal.InvalidOperation)."""

    def multiple_of(validator: Any, divisor: Any, instance: Any, schema: Any) -> Any:
        try:
            yield from list(base_check(validator, divisor, instance, schema))
        except ArithmeticError:
            from jsonschema import ValidationError
            yield ValidationError(
                f"{instance} is too large to check as a multiple of {divisor}")

    return multiple_of


def _is_integer(checker: Any, instance: Any) -> bool:
    if isinstance(instance, bool):
        return False
    if isinstance(instance, int):
        return True
    return isinstance(instance, Decimal) and instance == instance.to_integral_value()


@lru_cache(maxsize=None)
def _schema(version: OcppVersion, action: str, kind: Kind) -> Any:
    text = (_schema_dir(version) / _schema_file(version, action, kind)).read_text(encoding="utf-8")
    return json.loads(text, parse_float=Decimal)


def _is_date_time(value: object) -> bool:
    """jsonschema's own "date-time" check (jsonschema._format.is_datetime: RFC 3339 by
    rfc3339-validator, upper-cased), called directly: the fast path must not import
    jsonschema, which held the event loop ~0.1 s CPU at the first BootNotification."""
    return not isinstance(value, str) or validate_rfc3339(value.upper())


@lru_cache(maxsize=None)
def _fast_check(version: OcppVersion, action: str, kind: Kind) -> Any:
    """The schema compiled by fastjsonschema (raises on the first violation), or None
    when it cannot compile it (then jsonschema alone decides)."""
    try:
        return fastjsonschema.compile(_schema(version, action, kind), use_default=False,
                                      formats={"date-time": _is_date_time})
    except Exception:  # noqa: BLE001 - an optimisation only
        return None


def _passes_fast(version: OcppVersion, action: str, kind: Kind, payload: Any) -> bool:
    check = _fast_check(version, action, kind)
    if check is None:
        return False
    try:
        check(payload)
    except Exception:  # noqa: BLE001 - invalid, too deep, too large to divide: ask jsonschema
        return False
    return True


@lru_cache(maxsize=None)
def _validator(version: OcppVersion, action: str, kind: Kind) -> Any:
    from jsonschema import FormatChecker
    from jsonschema.validators import extend, validator_for
    schema = _schema(version, action, kind)
    base = validator_for(schema)
    base = extend(base, validators={
        "multipleOf": _guarded_multiple_of(base.VALIDATORS["multipleOf"])})
    if not version.is_json_schema_draft04:
        # draft-06+: 5.0 is an integer; our Decimal parsing must not change that.
        base = extend(base, type_checker=base.TYPE_CHECKER.redefine("integer", _is_integer))
    # The 1.6 schemas carry an "id" with a urn; nothing refers to it and
    # resolving it is not needed, so validation runs without a registry.
    return base(schema, format_checker=FormatChecker(formats=("date-time",)))


#: How many violations beyond ``limit`` are still counted for the summary entry.
COUNT_BEYOND_LIMIT = 1_000


#: At most this many violations are described per payload (issue 17: one 1 MB frame
#: stored 25 MB of violations); a capture keeps them with every frame.
MAX_VIOLATIONS = 50


def validate(version: OcppVersion, action: str, kind: Kind, payload: Any,
             limit: int | None = MAX_VIOLATIONS) -> list[Violation]:
    """The schema violations of a request or response payload; [] when valid.

    At most ``limit`` are described (None: all), followed by one entry with keyword
    "truncated" saying how many more there are (counted up to ``COUNT_BEYOND_LIMIT``).
    Raises KeyError when the version has no schema for the action.
    """
    if action not in (send_actions(version) if kind == "send" else known_actions(version)):
        raise KeyError(action)
    if _passes_fast(version, action, kind, payload):
        return []
    validator = _validator(version, action, kind)
    try:
        violations, more = _violations(validator, payload, limit)
    except RecursionError:
        # A payload the parser could still read can be too deep for jsonschema (and
        # for describing its errors): that is a malformed frame, not a studio failure.
        return [Violation(path="$", message="the payload is nested too deeply to check",
                          keyword="depth", rule=None, fault=Fault.FORMAT)]
    violations.sort(key=lambda v: (v.path, v.keyword))
    if more:
        at_least = "at least " if more > COUNT_BEYOND_LIMIT else ""
        shown = min(more, COUNT_BEYOND_LIMIT)
        violations.append(Violation(
            path="$", message=f"... and {at_least}{shown:,} more violations, not listed",
            keyword="truncated", rule=shown, fault=violations[0].fault if violations
            else Fault.FORMAT))
    return violations


def _violations(validator: Any, payload: Any,
                limit: int | None = None) -> tuple[list[Violation], int]:
    """The first ``limit`` violations described, and how many more were counted."""
    violations: list[Violation] = []
    errors = validator.iter_errors(payload)
    for error in errors:
        if limit is not None and len(violations) >= limit:
            return violations, 1 + sum(1 for _ in zip(range(COUNT_BEYOND_LIMIT), errors))
        parts = list(error.absolute_path)
        missing = _MISSING.match(error.message) if error.validator == "required" else None
        if missing:  # point at the field that is missing, not at its parent
            parts.append(missing.group(1))
        violations.append(Violation(
            path=_json_path(parts),
            message=_DECIMAL_REPR.sub(r"\1", error.message),
            keyword=str(error.validator),
            rule=error.validator_value,
            fault=fault_for_schema_keyword(str(error.validator)),
        ))
    return violations, 0


def first_fault(violations: list[Violation]) -> Fault:
    """The fault a CALLERROR reports for a list of violations.

    The most basic problem wins: wrong types before missing fields before
    bad values.
    """
    order = [Fault.TYPE_CONSTRAINT, Fault.OCCURRENCE_CONSTRAINT, Fault.FORMAT,
             Fault.PROPERTY_CONSTRAINT]
    faults = {v.fault for v in violations}
    for fault in order:
        if fault in faults:
            return fault
    return Fault.FORMAT


def __getattr__(name: str) -> Any:
    if name == "jsonschema":  # still importable from here, as before it was made lazy
        import jsonschema
        return jsonschema
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["Violation", "validate", "known_actions", "send_actions", "first_fault", "jsonschema"]
