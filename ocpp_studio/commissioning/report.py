"""The commissioning report: data (JSON) and a self-contained printable HTML page."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from .model import ChecklistItem, CommissioningContext, StepRecord, StepStatus

PASSWORD_HIDDEN = "shown to installer only"


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
    security: dict  # {"profile", "password"}
    checklist: list[ChecklistItem] = field(default_factory=list)
    capture_path: str | None = None
    offpeak_choice: str | None = None

    @property
    def passed(self) -> bool:
        return all(s.status is StepStatus.PASSED or
                   (s.status is StepStatus.SKIPPED and s.skip_reason) for s in self.steps)

    @property
    def skipped_after_failure(self) -> list[StepRecord]:
        """Steps the installer skipped after they had failed (the failure is kept in error)."""
        return [s for s in self.steps if s.status is StepStatus.SKIPPED and s.error]

    def verdict(self) -> tuple[str, str]:
        """(css class, plain words) for the top of the report."""
        if not self.passed:
            return "bad", "Commissioning incomplete: see the failed steps"
        skipped = self.skipped_after_failure
        if skipped:
            names = ", ".join(s.title for s in skipped)
            return "warn", (f"Commissioning complete with exceptions: {names} failed and "
                            "{} skipped — see the reason below".format(
                                "was" if len(skipped) == 1 else "were"))
        return "ok", "Commissioning complete"

    def to_json(self) -> dict[str, Any]:
        return {
            "installer": self.installer, "company": self.company, "site": self.site,
            "date": self.date, "charger": self.charger, "version": self.version,
            "passed": self.passed,
            "verdict": self.verdict()[1],
            "steps": [s.to_json() for s in self.steps],
            "settings": [{"key": k, "before": b, "after": a, "status": st}
                         for k, b, a, st in self.settings],
            "offpeak_hours": self.offpeak_hours, "offpeak_choice": self.offpeak_choice,
            "randomised_delay_s": self.randomised_delay_s,
            "cadence": self.cadence, "test_charge": self.test_charge,
            "security": self.security,
            "checklist": [c.to_json() for c in self.checklist],
            "capture_path": self.capture_path,
        }

    # ------------------------------------------------------------ HTML
    def to_html(self) -> str:
        e = html.escape

        def row(*cells: Any, head: bool = False) -> str:
            tag = "th" if head else "td"
            return "<tr>" + "".join(f"<{tag}>{e('' if c is None else str(c))}</{tag}>"
                                    for c in cells) + "</tr>"

        ident = self.charger
        parts = [
            "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
            f"<title>Commissioning report {e(str(ident.get('id', '')))}</title>",
            f"<style>{_CSS}</style></head><body>",
            f"<h1>Charger commissioning report</h1>",
            f"<p class='verdict {self.verdict()[0]}'>{e(self.verdict()[1])}</p>",
            "<table class='kv'>",
            row("Installer", self.installer or "—"), row("Company", self.company or "—"),
            row("Site", self.site or "—"), row("Date", self.date),
            row("Charger ID", ident.get("id")), row("Vendor", ident.get("vendor")),
            row("Model", ident.get("model")), row("Serial number", ident.get("serial")),
            row("Firmware", ident.get("firmware")), row("OCPP version", self.version),
            row("Connectors", ", ".join(ident.get("connectors") or []) or "—"),
            row("Supports", ", ".join(ident.get("features") or []) or "—"),
            "</table>",
            "<h2>Steps</h2><table>", row("Step", "Result", "What happened", head=True),
        ]
        for s in self.steps:
            why = s.summary + (f" (reason: {s.skip_reason})" if s.skip_reason and
                               s.skip_reason not in s.summary else "")
            parts.append(f"<tr class='{s.status.value}'><td>{e(s.title)}</td>"
                         f"<td>{e(s.status.value)}</td><td>{e(why)}</td></tr>")
        parts.append("</table>")
        parts += ["<h2>Settings applied</h2><table>",
                  row("Setting", "Before", "After", "Charger's answer", head=True)]
        parts += [row(k, "—" if b is None else b, a, st) for k, b, a, st in self.settings]
        parts.append("</table>")
        parts.append("<h2>UK off-peak charging hours</h2>")
        parts.append(f"<p>Owner's choice: <b>{e(self.offpeak_choice or '—')}</b>. "
                     f"Randomised delay: <b>{e(str(self.randomised_delay_s))} s</b> at most.</p>")
        parts.append(week_svg(self.offpeak_hours))
        parts.append("<h2>Metering</h2>")
        if self.cadence:
            parts.append(f"<p>1-second reporting measured over {self.cadence.get('samples')} "
                         f"samples: mean interval <b>{self.cadence['mean_s']:.2f} s</b>, jitter "
                         f"{self.cadence['jitter_s']:.2f} s.</p>")
        else:
            parts.append("<p>Not measured.</p>")
        parts.append("<h2>Test charge</h2>")
        if self.test_charge:
            t = self.test_charge
            energy = "not reported" if t.get("energy_wh") is None else f"{t['energy_wh']:.1f} Wh"
            parts.append(f"<p>Duration {t['duration_s']:.0f} s, energy {e(energy)}, peak power "
                         f"{t['peak_w']:.0f} W.</p>")
        else:
            parts.append("<p>Not done.</p>")
        parts.append("<h2>Security</h2><table class='kv'>")
        parts.append(row("Security profile (production)", self.security.get("profile")))
        parts.append(row("Basic-auth password", self.security.get("password")))
        parts.append("</table>")
        parts += ["<h2>UK Smart Charge Points Regulations checklist</h2><table>",
                  row("Requirement", "Status", "Evidence", head=True)]
        for c in self.checklist:
            css = {"met": "passed", "not met": "failed"}.get(c.status, "skipped")
            parts.append(f"<tr class='{css}'><td>{e(c.name)}</td><td>{e(c.status)}</td>"
                         f"<td>{e(c.evidence)}</td></tr>")
        parts.append("</table>")
        if self.capture_path:
            parts.append(f"<p class='small'>Capture of the commissioning run: "
                         f"<code>{e(self.capture_path)}</code></p>")
        parts.append("<h2>Evidence</h2>")
        for s in self.steps:
            if not s.evidence:
                continue
            parts.append(f"<h3>{e(s.title)}</h3><table class='ev'>")
            parts += [row(ev.label, ev.value, ev.detail) for ev in s.evidence]
            parts.append("</table>")
        parts.append("</body></html>")
        return "\n".join(parts)


_CSS = """
body{font-family:Helvetica,Arial,sans-serif;font-size:11pt;color:#111;max-width:60em;margin:1.5em auto}
h1{font-size:18pt;margin-bottom:.2em} h2{font-size:13pt;border-bottom:1px solid #999;margin-top:1.4em}
h3{font-size:11pt;margin-bottom:.2em}
table{border-collapse:collapse;width:100%;margin:.4em 0} td,th{border:1px solid #bbb;padding:3px 6px;
text-align:left;vertical-align:top} th{background:#eee} table.kv td:first-child{width:14em;font-weight:bold}
tr.passed td:nth-child(2){color:#1a6b1a;font-weight:bold} tr.failed td:nth-child(2){color:#a01010;font-weight:bold}
tr.skipped td:nth-child(2){color:#666} .verdict{font-weight:bold;padding:.4em;border:2px solid}
.verdict.ok{color:#1a6b1a} .verdict.bad{color:#a01010} .verdict.warn{color:#8a5a00} .small{font-size:9pt;color:#444}
table.ev{font-size:9pt} svg{max-width:100%} @media print{h2{page-break-after:avoid} table{page-break-inside:avoid}}
"""

DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def week_svg(hours: dict | None) -> str:
    """The 7-day off-peak chart: green = charging allowed, grey = blocked (peak)."""
    if not hours:
        return "<p>No charging hours installed: the charger may charge at any time.</p>"
    days = hours.get("days") or []
    slot_w, row_h, left, top = 12, 18, 40, 18
    # room on the right for half of the centred "24:00" label
    width, height = left + 48 * slot_w + 20, top + 7 * row_h + 20
    out = [f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}' "
           f"viewBox='0 0 {width} {height}' role='img' aria-label='weekly charging hours'>"]
    for h in range(0, 25, 3):
        x = left + h * 2 * slot_w
        out.append(f"<text x='{x}' y='12' font-size='9' text-anchor='middle'>{h:02d}:00</text>")
    for d, row in enumerate(days[:7]):
        y = top + d * row_h
        out.append(f"<text x='2' y='{y + 13}' font-size='10'>{DAYS[d]}</text>")
        for s, flag in enumerate(row):
            color = "#3c9a3c" if flag == "1" else "#c8c8c8"
            out.append(f"<rect x='{left + s * slot_w}' y='{y}' width='{slot_w}' "
                       f"height='{row_h - 3}' fill='{color}'/>")
    y = top + 7 * row_h + 12
    out.append(f"<rect x='{left}' y='{y - 9}' width='10' height='10' fill='#3c9a3c'/>"
               f"<text x='{left + 14}' y='{y}' font-size='9'>charging allowed</text>"
               f"<rect x='{left + 130}' y='{y - 9}' width='10' height='10' fill='#c8c8c8'/>"
               f"<text x='{left + 144}' y='{y}' font-size='9'>no charging (peak)</text></svg>")
    return "".join(out)


def uk_checklist(report_data: dict[str, Any]) -> list[ChecklistItem]:
    """The UK Smart Charge Points Regulations items, from report data (``to_json`` form or
    the same keys)."""
    items: list[ChecklistItem] = []
    choice = report_data.get("offpeak_choice")
    hours = report_data.get("offpeak_hours")
    default = None
    if hours:
        from ..smartcharging.offpeak import WeeklyHours
        default = WeeklyHours.from_json(hours).to_json() == WeeklyHours.uk_default().to_json()
    if choice is None:
        items.append(ChecklistItem("Default charging hours outside peak", "not met",
                                   "The off-peak step was not done."))
    elif choice == "default":
        items.append(ChecklistItem("Default charging hours outside peak",
                                   "met" if default else "not met",
                                   "UK default hours installed (no charging 08:00-11:00 and "
                                   "16:00-22:00 on weekdays)" if default else
                                   "The default hours were not installed."))
    else:
        items.append(ChecklistItem("Default charging hours outside peak", "met",
                                   f"Default hours offered; the owner chose '{choice}'."))
    items.append(ChecklistItem(
        "Owner's choice recorded (accept, remove or change)",
        "met" if choice else "not met",
        f"Owner's choice: {choice}" if choice else "No choice recorded."))
    delay = report_data.get("randomised_delay_s")
    if delay is None:
        items.append(ChecklistItem("Randomised delay", "not met", "Not set."))
    else:
        ok = 0 < int(delay) <= 1800
        items.append(ChecklistItem(
            "Randomised delay (up to 600 s by default, at most 1800 s)",
            "met" if ok else "not met",
            f"Up to {delay} s" + (" (default)" if int(delay) == 600 else "")
            + ("" if ok else "; 0 means the delay is cancelled or out of range")))
    cadence = report_data.get("cadence")
    if cadence and cadence.get("mean_s") is not None:
        ok = float(cadence["mean_s"]) <= 1.5
        items.append(ChecklistItem("1-second power measurement available over the network",
                                   "met" if ok else "not met",
                                   f"Measured mean interval {float(cadence['mean_s']):.2f} s over "
                                   f"{cadence.get('samples')} samples"))
    else:
        items.append(ChecklistItem("1-second power measurement available over the network",
                                   "not met", "Not measured."))
    security = report_data.get("security") or {}
    length = security.get("password_length")
    items.append(ChecklistItem(
        "Unique password of 16-40 random characters",
        "met" if length and 16 <= int(length) <= 40 else "not met",
        f"{length} random letters and digits generated for this charger" if length
        else "No password generated."))
    profile = security.get("profile")
    items.append(ChecklistItem(
        "Encrypted communication (security profile 2 or 3)",
        "met" if profile in (2, 3) else "not met",
        f"Security profile {profile} chosen for the production connection"
        if profile is not None else "No security profile chosen."))
    seen = security.get("security_log_seen")
    version = report_data.get("version")
    if seen:
        items.append(ChecklistItem("Security log", "met",
                                   "The charger sent SecurityEventNotification."))
    elif version == "1.6" and profile in (None, 0):
        items.append(ChecklistItem("Security log", "not applicable",
                                   "OCPP 1.6 without the security extension has no security log."))
    else:
        items.append(ChecklistItem("Security log", "not met",
                                   "No SecurityEventNotification seen during commissioning."))
    return items


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
    security.pop("password", None)
    security["password"] = (password if password and profile.include_password_in_report
                            else (PASSWORD_HIDDEN if password else None))
    steps = []
    for record in records:
        if not profile.include_password_in_report and any(ev.detail == "secret"
                                                          for ev in record.evidence):
            record = StepRecord(**{**record.__dict__, "evidence": [
                ev if ev.detail != "secret" else type(ev)(ev.label, PASSWORD_HIDDEN, "secret")
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
        capture_path=None if capture is None or str(capture) == ":memory:" else str(capture))
    report.checklist = uk_checklist(report.to_json())
    return report
