"""The commissioning report: its data, as JSON (``schemas/commissioning-report.schema.json``)
and as a self-contained printable HTML page (``report_html``).

The verdict says "Commissioning complete" only when every step passed (or was skipped with a
reason) and every checklist item is met or not applicable (issue 14 §1); otherwise it names what
is outstanding.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ..settings import open_private
from .checklist import outstanding, plain, sentence, uk_checklist
from .model import OK, ChecklistItem, CommissioningContext, Evidence, StepRecord, StepStatus
from .report_html import report_html, week_svg

PASSWORD_HIDDEN = "shown to installer only"
FORMAT = "ocpp-studio/commissioning-report"
FORMAT_VERSION = 1

__all__ = ["CommissioningReport", "FORMAT", "FORMAT_VERSION", "PASSWORD_HIDDEN", "build_report",
           "uk_checklist", "week_svg", "write_report_json"]


@dataclass
class CommissioningReport:
    installer: str
    company: str
    site: str
    date: str
    charger: dict[str, Any]
    version: str
    steps: list[StepRecord]
    settings: list[tuple[str, str | None, str | None, str]]
    offpeak_hours: dict | None
    randomised_delay_s: int | None
    cadence: dict | None  # {"mean_s", "jitter_s", "samples"}
    test_charge: dict | None  # {"energy_wh", "duration_s", "peak_w"}
    security: dict  # {"profile", "password", "charger_profile", ...}
    checklist: list[ChecklistItem] = field(default_factory=list)
    capture_path: str | None = None
    offpeak_choice: str | None = None
    #: what the steps recorded for the checklist (offpeak, randomised_delay, clock, handover)
    details: dict[str, Any] = field(default_factory=dict)
    #: files attached to the report (a received log): name, path, size, sha256, received
    attachments: list[dict[str, Any]] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        """Every step passed, or was skipped with a reason."""
        return all(s.status is StepStatus.PASSED or
                   (s.status is StepStatus.SKIPPED and s.skip_reason) for s in self.steps)

    @property
    def skipped_after_failure(self) -> list[StepRecord]:
        """Steps the installer skipped after they had failed (the failure is kept in error)."""
        return [s for s in self.steps if s.status is StepStatus.SKIPPED and s.error]

    @property
    def outstanding(self) -> list[ChecklistItem]:
        """Checklist items neither met nor not applicable."""
        return outstanding(self.checklist)

    @property
    def complete(self) -> bool:
        return self.passed and not self.outstanding

    def verdict(self) -> tuple[str, str]:
        """(css class, plain words) for the top of the report."""
        skipped = self.skipped_after_failure
        skipped_words = ""
        if skipped:
            skipped_words = "{} failed and {} skipped".format(
                ", ".join(s.title for s in skipped), "was" if len(skipped) == 1 else "were")
        if self.complete:
            if skipped:
                return "warn", (f"Commissioning complete with exceptions: {skipped_words} — "
                                "see the reason below.")
            return "ok", "Commissioning complete"
        parts = []
        todo = self.outstanding
        if todo:
            parts.append(f"{len(todo)} checklist item{'s' if len(todo) != 1 else ''} "
                         f"outstanding ({', '.join(i.name for i in todo)})")
        failed = [s for s in self.steps if s.status is StepStatus.FAILED]
        not_done = [s for s in self.steps if s.status not in (StepStatus.PASSED,
                                                              StepStatus.FAILED,
                                                              StepStatus.SKIPPED)
                    or (s.status is StepStatus.SKIPPED and not s.skip_reason)]
        if failed:
            parts.append("failed: " + ", ".join(s.title for s in failed))
        if not_done:
            parts.append("not done: " + ", ".join(s.title for s in not_done))
        if skipped:
            parts.append(skipped_words)
        return ("bad" if failed or not_done else "warn",
                "Commissioning not complete: " + "; ".join(parts) + ". See what remains to do "
                "below.")

    def to_json(self) -> dict[str, Any]:
        css, words = self.verdict()
        return {
            "format": FORMAT, "format_version": FORMAT_VERSION,
            "installer": self.installer, "company": self.company, "site": self.site,
            "date": self.date, "charger": self.charger, "version": self.version,
            "passed": self.passed, "complete": self.complete,
            "verdict": words, "verdict_class": css,
            "outstanding": [i.name for i in self.outstanding],
            "steps": [_step_json(s) for s in self.steps],
            "settings": [{"key": k, "before": b, "after": a, "status": st,
                          "applied": str(st) in OK}
                         for k, b, a, st in self.settings],
            "offpeak_hours": self.offpeak_hours, "offpeak_choice": self.offpeak_choice,
            "offpeak": self.details.get("offpeak"),
            "randomised_delay_s": self.randomised_delay_s,
            "randomised_delay": self.details.get("randomised_delay"),
            "clock": self.details.get("clock"), "handover": self.details.get("handover"),
            "cadence": self.cadence, "test_charge": self.test_charge,
            "security": self.security,
            "checklist": [c.to_json() for c in self.checklist],
            "capture_path": self.capture_path,
            "attachments": self.attachments,
        }

    def to_html(self) -> str:
        return report_html(self.to_json())

    def checklist_lines(self) -> list[str]:
        """The checklist as the lines a person reads (CLI output, tests)."""
        return [item.line() for item in self.checklist]


def _step_json(record: StepRecord) -> dict[str, Any]:
    """A step for the report: one-line sentences, no raw JSON pasted into them."""
    data = record.to_json()
    data["summary"] = sentence(record.summary)
    data["evidence"] = [{"label": ev.label, "value": plain(ev.value), "detail": plain(ev.detail)}
                        for ev in record.evidence]
    return data


def _attachments(ctx: CommissioningContext) -> list[dict[str, Any]]:
    """The files attached for this charger (Operations tab, API, CLI: issue 16 §3)."""
    transfers = getattr(ctx.studio.central, "transfers", None)
    if transfers is None:
        return []
    try:
        return list(transfers.attachments(ctx.charger_id))
    except OSError:
        return []


def write_report_json(report: CommissioningReport, path: str | Path) -> Path:
    """The report data as JSON (``schemas/commissioning-report.schema.json``), owner-only like
    every report: it can hold the charger's password when the profile asks for it."""
    with open_private(path) as out:
        out.write(json.dumps(report.to_json(), indent=2, ensure_ascii=False, default=str) + "\n")
    return Path(path)


def build_report(ctx: CommissioningContext, records: list[StepRecord],
                 started_us: int) -> CommissioningReport:
    """The report of a run: its context (what the steps found) and its records in order."""
    profile = ctx.profile
    station = ctx.studio.central.stations.get(ctx.charger_id)
    identity = dict(ctx.data.get("identity") or {})
    if station is not None:
        for key in ("vendor", "model", "serial", "firmware"):
            identity.setdefault(key, getattr(station, key))
    identity["id"] = ctx.charger_id
    version = identity.get("version") or ctx.version
    password = ctx.choices.get("password")
    security = dict(ctx.data.get("security") or {})
    from .security_seen import security_events, tls_seen
    # what the charger showed during the whole run, up to the report (issue 15 §3, §4)
    security["tls"] = tls_seen(ctx, started_us) or security.get("tls")
    security["events"] = security_events(ctx, started_us)
    security["security_log_seen"] = bool(security["events"]
                                         or security.get("security_log_seen"))
    security.pop("password", None)
    security["password"] = (password if password and profile.include_password_in_report
                            else (PASSWORD_HIDDEN if password else None))
    steps = []
    for record in records:
        if not profile.include_password_in_report and any(ev.detail == "secret"
                                                          for ev in record.evidence):
            record = StepRecord(**{**record.__dict__, "evidence": [
                ev if ev.detail != "secret" else Evidence(ev.label, PASSWORD_HIDDEN, "secret")
                for ev in record.evidence]})
        steps.append(record)
    offpeak = ctx.data.get("offpeak") or {}
    capture = getattr(ctx.studio, "capture_path", None)
    report = CommissioningReport(
        installer=profile.installer_name, company=profile.company, site=profile.site_name,
        date=datetime.fromtimestamp(started_us / 1e6, timezone.utc).astimezone()
        .strftime("%Y-%m-%d %H:%M %Z"),
        charger=identity, version=str(version), steps=steps,
        settings=[tuple(s) for s in ctx.settings_changed],  # type: ignore[misc]
        offpeak_hours=offpeak.get("hours"), offpeak_choice=offpeak.get("choice"),
        randomised_delay_s=ctx.data.get("randomised_delay_s"),
        cadence=ctx.data.get("cadence"), test_charge=ctx.data.get("test_charge"),
        security=security,
        capture_path=None if capture is None or str(capture) == ":memory:" else str(capture),
        details={k: ctx.data.get(k) for k in ("offpeak", "randomised_delay", "clock",
                                               "handover")},
        attachments=_attachments(ctx))
    report.checklist = uk_checklist(report.to_json())
    return report
