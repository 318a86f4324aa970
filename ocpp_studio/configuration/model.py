"""One view of a charger's configuration for both OCPP versions: items, snapshots,
write results, planned changes, diffs and redaction."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from ..capture.redaction import redact_value
from ..station.adapters import WRITE_TAKEN
from .catalogue16 import KeyInfo
from .devicemodel import VariableEntry, VariableRef

REDACTED = "••••••"

#: The charger's answers, then the studio's own outcomes: NotSent (never left the laptop),
#: Unknown (sent, but no answer came: the setting may or may not have changed), Error (the
#: charger answered with a CALLERROR or an answer that does not say).
WRITE_STATUSES = ("Accepted", "Rejected", "RebootRequired", "NotSupported", "UnknownComponent",
                  "UnknownVariable", "NotSupportedAttributeType", "NotSent", "Unknown", "Error")


@dataclass
class ConfigItem:
    key: str  # 1.6 key name or VariableRef.label()
    value: str | None
    readonly: bool
    known: bool  # in the 1.6 catalogue / a standard 2.0.1 variable
    description: str = ""
    type: str = "string"
    unit: str | None = None
    allowed: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    danger: str | None = None
    secret: bool = False
    uk_regulation: bool = False
    connectivity: bool = False
    default: str | None = None
    ref: VariableRef | None = None  # 2.0.1 only
    #: 2.0.1 extras (None for 1.6): mutability, persistent, constant, supports_monitoring
    mutability: str | None = None
    write_only: bool = False

    @classmethod
    def from_16(cls, key: str, value: str | None, readonly: bool, info: KeyInfo | None,
                vendor: KeyInfo | None = None) -> "ConfigItem":
        src = info or vendor
        assert src is not None
        return cls(key=key, value=value, readonly=readonly, known=info is not None,
                   description=src.description, type=src.type, unit=src.unit,
                   allowed=src.allowed, minimum=src.minimum, maximum=src.maximum,
                   danger=src.danger, secret=src.secret, uk_regulation=src.uk_regulation,
                   connectivity=src.connectivity, default=src.default,
                   write_only=src.access == "W")

    @classmethod
    def from_201(cls, entry: VariableEntry, known: bool) -> "ConfigItem":
        return cls(key=entry.ref.label(), value=entry.value,
                   readonly=entry.mutability == "ReadOnly", known=known,
                   description=entry.description, type=entry.data_type or "string",
                   unit=entry.unit, allowed=entry.values_list, minimum=entry.min_limit,
                   maximum=entry.max_limit, danger=entry.danger, secret=entry.secret,
                   uk_regulation=entry.uk_regulation, connectivity=entry.connectivity,
                   ref=entry.ref, mutability=entry.mutability,
                   write_only=entry.mutability == "WriteOnly")

    def to_entry(self) -> VariableEntry:
        """The 2.0.1 VariableEntry this item stands for (for validate_201)."""
        assert self.ref is not None
        return VariableEntry(ref=self.ref, value=self.value, mutability=self.mutability,
                             data_type=self.type, unit=self.unit, min_limit=self.minimum,
                             max_limit=self.maximum, values_list=self.allowed,
                             description=self.description, danger=self.danger,
                             secret=self.secret, uk_regulation=self.uk_regulation,
                             connectivity=self.connectivity)

    def to_json(self, redact_secrets: bool = True) -> dict[str, Any]:
        data = asdict(self)
        data["allowed"] = list(self.allowed)
        data["ref"] = self.ref.to_json() if self.ref else None
        if redact_secrets:
            data["value"] = redact(self.value, self)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "ConfigItem":
        data = dict(data)
        data["allowed"] = tuple(data.get("allowed") or ())
        data["ref"] = VariableRef.from_json(data["ref"]) if data.get("ref") else None
        names = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in data.items() if k in names})


@dataclass
class Snapshot:
    charger: str
    version: str  # the OCPP version label: "1.6", "2.0.1" or "2.1" (OcppAdapter.label)
    taken_us: int
    items: dict[str, ConfigItem] = field(default_factory=dict)
    unknown_keys: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def value(self, key: str) -> str | None:
        item = self.items.get(key)
        return None if item is None else item.value

    def to_json(self, redact_secrets: bool = True) -> dict[str, Any]:
        return {"charger": self.charger, "version": self.version, "taken_us": self.taken_us,
                "items": {k: v.to_json(redact_secrets) for k, v in self.items.items()},
                "unknown_keys": list(self.unknown_keys), "notes": list(self.notes)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Snapshot":
        return cls(charger=data["charger"], version=data["version"],
                   taken_us=int(data["taken_us"]),
                   items={k: ConfigItem.from_json(v) for k, v in (data.get("items") or {}).items()},
                   unknown_keys=list(data.get("unknown_keys") or []),
                   notes=list(data.get("notes") or []))


@dataclass
class WriteResult:
    key: str
    value: str
    status: str  # one of WRITE_STATUSES
    detail: str = ""  # statusInfo, or why not sent, in words

    @property
    def ok(self) -> bool:
        return self.status in WRITE_TAKEN

    def to_json(self, secret: bool = False) -> dict[str, Any]:
        return {"key": self.key, "value": REDACTED if secret else self.value,
                "status": self.status, "detail": self.detail}


@dataclass
class PlannedChange:
    key: str
    before: str | None
    after: str
    problem: str | None = None  # validation failure => will not be sent
    danger: str | None = None

    def to_json(self, secret: bool = False) -> dict[str, Any]:
        return {"key": self.key,
                "before": REDACTED if secret and self.before else self.before,
                "after": REDACTED if secret else self.after,
                "problem": self.problem, "danger": self.danger}


def diff(a: Snapshot, b: Snapshot) -> list[tuple[str, str | None, str | None]]:
    """(key, value in a, value in b) for every key whose value differs (or exists in one only)."""
    out = []
    for key in list(a.items) + [k for k in b.items if k not in a.items]:
        va, vb = a.value(key), b.value(key)
        if key not in a.items or key not in b.items or va != vb:
            out.append((key, va, vb))
    return out


def redact(value: str | None, item: ConfigItem | None) -> str | None:
    """``"••••••"`` instead of a secret's value (None and "" stay as they are)."""
    if item is not None and item.secret and value:
        return REDACTED
    # a JSON text value (2.0.1 NetworkConnectionProfiles) can hold passwords inside
    return redact_value(value) if value else value
