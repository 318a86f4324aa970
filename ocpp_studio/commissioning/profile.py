"""The reusable commissioning profile: site defaults an installer keeps in a file
(format: ``schemas/commissioning-profile.schema.json``)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

OFFPEAK_CHOICES = ("default", "none", "custom")
FORMAT = "ocpp-studio/commissioning-profile"
FORMAT_VERSION = 1


@dataclass
class CommissioningProfile:
    installer_name: str = ""
    company: str = ""
    site_name: str = ""
    max_current_a: float = 32.0
    phases: int = 1
    heartbeat_interval_s: int = 300
    meter_interval_s: int = 60
    offpeak: str = "default"  # "default" | "none" | "custom"
    custom_hours: dict | None = None  # WeeklyHours.to_json() when offpeak == "custom"
    randomised_delay_s: int = 600
    security_profile: int = 2
    production_url: str = ""
    include_password_in_report: bool = False
    test_charge_seconds: int = 30

    def __post_init__(self) -> None:
        problems = self.problems()
        if problems:
            raise ValueError("; ".join(problems))

    def problems(self) -> list[str]:
        """What is wrong with the values, in plain words (empty when fine)."""
        out = []
        if not 0 < float(self.max_current_a) <= 1000:
            out.append("max_current_a must be above 0 A")
        if int(self.phases) not in (1, 3):
            out.append("phases must be 1 or 3")
        if int(self.heartbeat_interval_s) < 0:
            out.append("heartbeat_interval_s must be 0 or more")
        if int(self.meter_interval_s) < 0:
            out.append("meter_interval_s must be 0 or more")
        if self.offpeak not in OFFPEAK_CHOICES:
            out.append(f"offpeak must be one of {', '.join(OFFPEAK_CHOICES)}")
        if self.offpeak == "custom" and not self.custom_hours:
            out.append("offpeak 'custom' needs custom_hours")
        if not 0 <= int(self.randomised_delay_s) <= 1800:
            out.append("randomised_delay_s must be 0-1800 s")
        if int(self.security_profile) not in (0, 1, 2, 3):
            out.append("security_profile must be 0, 1, 2 or 3")
        if int(self.test_charge_seconds) < 0:
            out.append("test_charge_seconds must be 0 or more")
        return out

    def to_json(self) -> dict[str, Any]:
        return {"format": FORMAT, "format_version": FORMAT_VERSION, **asdict(self)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "CommissioningProfile":
        if not isinstance(data, dict):
            raise ValueError("a commissioning profile is a JSON object")
        if data.get("format", FORMAT) != FORMAT:
            raise ValueError(f"not a commissioning profile (format {data.get('format')!r})")
        names = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - names - {"format", "format_version"})
        if unknown:
            raise ValueError(f"unknown field(s) in commissioning profile: {', '.join(unknown)}")
        return cls(**{k: v for k, v in data.items() if k in names})

    @classmethod
    def load(cls, path: str | Path) -> "CommissioningProfile":
        return cls.from_json(json.loads(Path(path).read_text(encoding="utf-8")))

    def save(self, path: str | Path) -> None:
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(target.name + ".tmp")
        tmp.write_text(json.dumps(self.to_json(), indent=2) + "\n", encoding="utf-8")
        tmp.replace(target)
