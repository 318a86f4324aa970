"""The commissioning report as a self-contained printable HTML page, drawn from the report's
JSON data (``CommissioningReport.to_json``) so the page and the JSON always say the same.

Page one is what the installer hands over: the verdict, then — when anything is outstanding —
each item still to do with why and what fixes it, before any detail.
"""

from __future__ import annotations

import html
from typing import Any

from .checklist import plain

e = html.escape
#: checklist status -> the row style (green, red, amber, grey)
ITEM_CSS = {"met": "passed", "not met": "failed", "not verified": "unverified",
            "not applicable": "skipped"}


def _row(*cells: Any, head: bool = False) -> str:
    tag = "th" if head else "td"
    return "<tr>" + "".join(f"<{tag}>{e('' if c is None else str(c))}</{tag}>"
                            for c in cells) + "</tr>"


def report_html(data: dict[str, Any]) -> str:
    """The page for report data in ``CommissioningReport.to_json`` form."""
    ident = data.get("charger") or {}
    css, words = data["verdict_class"], data["verdict"]
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>Commissioning report {e(str(ident.get('id', '')))}</title>",
        f"<style>{_CSS}</style></head><body>",
        "<h1>Charger commissioning report</h1>",
        f"<p class='verdict {css}'><b>{e(words)}</b></p>",
    ]
    parts += _outstanding(data)
    parts += [
        "<table class='kv'>",
        _row("Installer", data.get("installer") or "—"), _row("Company", data.get("company") or "—"),
        _row("Site", data.get("site") or "—"), _row("Date", data.get("date")),
        _row("Charger ID", ident.get("id")), _row("Vendor", ident.get("vendor")),
        _row("Model", ident.get("model")), _row("Serial number", ident.get("serial")),
        _row("Firmware", ident.get("firmware")), _row("OCPP version", data.get("version")),
        _row("Connectors", ", ".join(ident.get("connectors") or []) or "—"),
        _row("Supports", ", ".join(ident.get("features") or []) or "—"),
        "</table>",
    ]
    parts += _checklist(data)
    parts += _steps(data)
    parts += _settings(data)
    parts += _sections(data)
    if data.get("capture_path"):
        parts.append(f"<p class='small'>Capture of the commissioning run: "
                     f"<code>{e(data['capture_path'])}</code></p>")
    parts += _attachments(data)
    parts.append("<h2>Evidence</h2>")
    for step in data.get("steps") or []:
        if not step.get("evidence"):
            continue
        parts.append(f"<h3>{e(step['title'])}</h3><table class='ev'>")
        parts += [_row(ev["label"], plain(ev["value"]), plain(ev.get("detail")))
                  for ev in step["evidence"]]
        parts.append("</table>")
    parts.append("</body></html>")
    return "\n".join(parts)


def _outstanding(data: dict[str, Any]) -> list[str]:
    """What remains to do, on page one, each with why and the fix."""
    todo = [c for c in data.get("checklist") or [] if c["name"] in data.get("outstanding", [])]
    failed = [s for s in data.get("steps") or [] if s["status"] not in ("passed", "skipped")]
    if not todo and not failed:
        return []
    out = ["<h2>What remains to do</h2><ol class='todo'>"]
    for c in todo:
        out.append(f"<li><b>{e(c['name'])}</b> — {e(c['status'])}. {e(c['evidence'])}"
                   + (f" <br><i>To do:</i> {e(c['action'])}" if c.get("action") else "")
                   + "</li>")
    for s in failed:
        state = "not done" if s["status"] == "pending" else s["status"]
        out.append(f"<li><b>Step: {e(s['title'])}</b> — {e(state)}. "
                   f"{e(plain(s.get('summary')))}</li>")
    out.append("</ol>")
    return out


def _checklist(data: dict[str, Any]) -> list[str]:
    out = ["<h2>UK Smart Charge Points Regulations checklist</h2><table>",
           _row("Requirement", "Status", "Evidence", "To do", head=True)]
    for c in data.get("checklist") or []:
        out.append(f"<tr class='{ITEM_CSS.get(c['status'], 'skipped')}'><td>{e(c['name'])}</td>"
                   f"<td>{e(c['status'])}</td><td>{e(c['evidence'])}</td>"
                   f"<td>{e(c.get('action') or '')}</td></tr>")
    out.append("</table>")
    return out


def _steps(data: dict[str, Any]) -> list[str]:
    out = ["<h2>Steps</h2><table>", _row("Step", "Result", "What happened", head=True)]
    for s in data.get("steps") or []:
        why = plain(s.get("summary"))
        reason = s.get("skip_reason")
        if reason and reason not in why:
            why += f" (reason: {plain(reason)})"
        out.append(f"<tr class='{e(s['status'])}'><td>{e(s['title'])}</td>"
                   f"<td>{e(s['status'])}</td><td>{e(why)}</td></tr>")
    out.append("</table>")
    return out


def _settings(data: dict[str, Any]) -> list[str]:
    """Applied and refused settings apart: a refused one is not "applied" (issue 14)."""
    settings = data.get("settings") or []
    applied = [s for s in settings if s["applied"]]
    refused = [s for s in settings if not s["applied"]]
    out = ["<h2>Settings applied</h2>"]
    if applied:
        out += ["<table>", _row("Setting", "Before", "After", "Charger's answer", head=True)]
        out += [_row(s["key"], "—" if s["before"] is None else plain(s["before"]),
                     plain(s["after"]), s["status"]) for s in applied]
        out.append("</table>")
    else:
        out.append("<p>None.</p>")
    if refused:
        out += ["<h2>Settings the charger did not take</h2><table>",
                _row("Setting", "Asked for", "Charger's answer", head=True)]
        out += [_row(s["key"], plain(s["after"]), s["status"]) for s in refused]
        out.append("</table>")
    return out


def _sections(data: dict[str, Any]) -> list[str]:
    out = ["<h2>UK off-peak charging hours</h2>"]
    delay = data.get("randomised_delay") or {}
    delay_words = ("not set" if data.get("randomised_delay_s") is None else
                   f"up to {data['randomised_delay_s']} s, on the charger's own setting"
                   if delay.get("method") == "charger" else
                   "not on the charger: to be provided by the production central system")
    out.append(f"<p>Owner's choice: <b>{e(data.get('offpeak_choice') or '—')}</b>. "
               f"Randomised delay: <b>{e(delay_words)}</b>.</p>")
    out.append(week_svg(data.get("offpeak_hours")))
    out.append("<h2>Metering</h2>")
    cadence = data.get("cadence")
    if cadence:
        out.append(f"<p>1-second reporting measured over {cadence.get('samples')} samples: mean "
                   f"interval <b>{cadence['mean_s']:.2f} s</b>, jitter "
                   f"{cadence['jitter_s']:.2f} s.</p>")
    else:
        out.append("<p>Not measured.</p>")
    out.append("<h2>Test charge</h2>")
    test = data.get("test_charge")
    if test:
        energy = "not reported" if test.get("energy_wh") is None else f"{test['energy_wh']:.1f} Wh"
        out.append(f"<p>Duration {test['duration_s']:.0f} s, energy {e(energy)}, peak power "
                   f"{test['peak_w']:.0f} W.</p>")
    else:
        out.append("<p>Not done.</p>")
    security = data.get("security") or {}
    current = security.get("charger_profile")
    out += ["<h2>Security</h2><table class='kv'>",
            _row("Security profile (chosen for production)", security.get("profile")),
            _row("Security profile (on the charger)", "not reported" if current is None
                 else current),
            _row("Basic-auth password", security.get("password")),
            _row("Seen over TLS", _tls_text(security.get("tls"))), "</table>"]
    events = security.get("events") or []
    out.append("<h3>Security events seen during commissioning</h3>")
    if events:
        out.append("<table><tr><th>Type</th><th>Time (charger)</th><th>Details</th></tr>")
        out += [f"<tr><td>{e(ev.get('type'))}{' (critical)' if ev.get('critical') else ''}"
                f"</td><td>{e(ev.get('timestamp') or '')}</td>"
                f"<td>{e(ev.get('tech_info') or '')}</td></tr>" for ev in events]
        out.append("</table>")
    else:
        out.append("<p>None.</p>")
    return out


def _attachments(data: dict[str, Any]) -> list[str]:
    """The files attached to the report (a charger's received log), with what identifies
    them: size, SHA-256 and when they were received."""
    files = data.get("attachments") or []
    if not files:
        return []
    out = ["<h2>Attachments</h2><table>",
           _row("File", "Size (bytes)", "SHA-256", "Received", head=True)]
    for item in files:
        if item.get("missing"):
            out.append(_row(item.get("name"), "—", "file no longer there", "—"))
            continue
        out.append(_row(item.get("name"), f"{item.get('size'):,}", item.get("sha256"),
                        item.get("received")))
    out.append("</table>")
    return out


def _tls_text(tls: Any) -> str:
    if not tls:
        return "no: not seen connected over wss:// during commissioning"
    who = "client certificate" if tls.get("client_certificate") else "password"
    how = ", ".join(str(v) for v in (tls.get("tls_version"), tls.get("cipher")) if v)
    return f"yes: wss:// with its {who}, security profile {tls.get('profile')}" + (
        f" ({how})" if how else "")


_CSS = """
body{font-family:Helvetica,Arial,sans-serif;font-size:11pt;color:#111;max-width:60em;margin:1.5em auto}
h1{font-size:18pt;margin-bottom:.2em} h2{font-size:13pt;border-bottom:1px solid #999;margin-top:1.4em}
h3{font-size:11pt;margin-bottom:.2em}
table{border-collapse:collapse;width:100%;margin:.4em 0} td,th{border:1px solid #bbb;padding:3px 6px;
text-align:left;vertical-align:top} th{background:#eee} table.kv td:first-child{width:14em;font-weight:bold}
tr.passed td:nth-child(2){color:#1a6b1a;font-weight:bold} tr.failed td:nth-child(2){color:#a01010;font-weight:bold}
tr.skipped td:nth-child(2){color:#666} tr.unverified td:nth-child(2){color:#8a5a00;font-weight:bold}
ol.todo li{margin:.3em 0} .verdict{font-weight:bold;padding:.4em;border:2px solid}
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
