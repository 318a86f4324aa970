"""Quirk switches: behaviours seen on third-party chargers, reproduced by the demo charger.

Each switch is named as on the command line (``demo-charger --quirk NAME[=VALUE]``) and
in ``DemoChargerConfig(quirks=[...])``. They exist so that tests can show how the studio
copes with chargers we did not write (issue 14, "the demo charger learns these quirks";
DESIGN.md "Field behaviours seen on chargers we did not write").
"""

from __future__ import annotations

import argparse
import re
from dataclasses import dataclass, fields
from typing import Iterable, Mapping

from ..core.versions import OcppVersion

#: name -> (value it takes or None for a plain switch, what it does), for help and errors.
QUIRKS: dict[str, tuple[str | None, str]] = {
    "backend-url-key": ("NAME", "OCPP 1.6: the backend URL lives under the vendor key NAME "
                                "(e.g. CentralSystemAddress) instead of CentralSystemURL"),
    "rate-unit": ("W|A", "charging schedules only in this unit "
                         "(1.6 ChargingScheduleAllowedChargingRateUnit, 2.x "
                         "SmartChargingCtrlr.RateUnit); others are Rejected"),
    "composite-minus-one": (None, "GetCompositeSchedule for connector/EVSE 0 answers one "
                                  "period with limit -1 W, whatever is installed"),
    "no-smart-charging": (None, "SetChargingProfile, ClearChargingProfile and "
                                "GetCompositeSchedule get a CALLERROR (2.x NotImplemented, "
                                "1.6 NotSupported)"),
    "reconnect-without-boot": (None, "connects (and reconnects after a restart) without a "
                                     "BootNotification, as a charger booted earlier"),
    "interval-next-session": (None, "a changed sample interval applies only from the next "
                                    "transaction"),
    "report-drops-part-0": (None, "OCPP 2.x: NotifyReport part seqNo 0 is never sent"),
    "drops-answer": ("KEY", "OCPP 1.6: a ChangeConfiguration of KEY is applied and the "
                            "connection dropped at once, before the answer leaves (a charger "
                            "that restarts its link as soon as it takes the setting)"),
    "transfer-fail": ("download|upload|install|signature|never-upload",
                      "log uploads and firmware updates fail at that stage (never-upload: "
                      "says Uploading and never sends a byte)"),
}

#: the stages quirk transfer-fail can fail at (demo/transfers.py)
TRANSFER_FAIL_STAGES = ("download", "upload", "install", "signature", "never-upload")

_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_.\-]{0,49}$")


def describe() -> str:
    """Every quirk as NAME or NAME=VALUE, for ``--help`` and error messages."""
    return "; ".join(f"{name}{'=' + value if value else ''}"
                     for name, (value, _) in QUIRKS.items())


@dataclass(frozen=True)
class Quirks:
    """The quirk switches of one demo charger (all off by default)."""

    backend_url_key: str | None = None
    rate_unit: str | None = None  # "W" or "A"
    composite_minus_one: bool = False
    no_smart_charging: bool = False
    reconnect_without_boot: bool = False
    interval_next_session: bool = False
    report_drops_part_0: bool = False
    transfer_fail: str | None = None  # one of TRANSFER_FAIL_STAGES
    drops_answer: str | None = None  # a 1.6 configuration key

    @classmethod
    def parse(cls, items: Iterable[str] | Mapping[str, str | None]) -> "Quirks":
        """``["rate-unit=W", "no-smart-charging"]`` (or a name -> value mapping) -> Quirks.
        Raises ValueError naming the known quirks for an unknown name or a bad value."""
        pairs = (list(items.items()) if isinstance(items, Mapping)
                 else [_split(item) for item in items])
        values: dict[str, object] = {}
        for name, value in pairs:
            if name not in QUIRKS:
                raise ValueError(f"unknown quirk {name!r}; known quirks: {describe()}")
            wants, _ = QUIRKS[name]
            if wants is None:
                if value not in (None, ""):
                    raise ValueError(f"quirk {name!r} takes no value")
                values[_field(name)] = True
                continue
            if not value:
                raise ValueError(f"quirk {name!r} needs a value: {name}={wants}")
            if name == "rate-unit":
                value = value.upper()
                if value not in ("W", "A"):
                    raise ValueError("quirk 'rate-unit' is W or A")
            elif name == "transfer-fail":
                value = value.lower()
                if value not in TRANSFER_FAIL_STAGES:
                    raise ValueError("quirk 'transfer-fail' is one of "
                                     + ", ".join(TRANSFER_FAIL_STAGES))
            elif not _NAME.match(value):
                raise ValueError(f"quirk {name!r}: {value!r} is not a configuration key name")
            values[_field(name)] = value
        return cls(**values)  # type: ignore[arg-type]

    def unused_in(self, version: OcppVersion) -> list[str]:
        """The switches that mean nothing in this OCPP version (the demo warns of them)."""
        unused = []
        if version is OcppVersion.V16 and self.report_drops_part_0:
            unused.append("report-drops-part-0 (NotifyReport is OCPP 2.x)")
        if version is not OcppVersion.V16 and self.drops_answer:
            unused.append("drops-answer (a 1.6 ChangeConfiguration behaviour)")
        if version is not OcppVersion.V16 and self.backend_url_key:
            unused.append("backend-url-key (OCPP 2.x keeps the backend URL in the network "
                          "connection profiles)")
        return unused

    @property
    def names(self) -> list[str]:
        """The switches that are on, as NAME or NAME=VALUE."""
        out = []
        for f in fields(self):
            value = getattr(self, f.name)
            name = f.name.replace("_", "-")
            if value is True:
                out.append(name)
            elif value:
                out.append(f"{name}={value}")
        return out


def quirk_argument(text: str) -> str:
    """argparse ``type`` for ``--quirk NAME[=VALUE]``: an unknown name or a bad value is a
    usage error (exit 2) that lists the known quirks."""
    try:
        Quirks.parse([text])
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text


def _split(item: str) -> tuple[str, str | None]:
    name, sep, value = item.strip().partition("=")
    return name.strip().lower(), (value.strip() if sep else None)


def _field(name: str) -> str:
    return name.replace("-", "_")
