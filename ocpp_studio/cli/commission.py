"""``commission``: commission a charger without questions (fleet installs) with a
commissioning profile, and write the report. A new report format is one suffix in
``REPORT_SUFFIXES`` and one branch in ``_write_report``."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..settings import AppSettings
from .common import CommandError, add_server_options, run_async, settings_from

if TYPE_CHECKING:
    from ..commissioning.profile import CommissioningProfile

#: report formats ``commission --report`` writes, chosen by the file's extension
REPORT_SUFFIXES = (".html", ".htm", ".pdf", ".json")

#: how a step's status reads in the summary
_MARKS = {"passed": "ok", "skipped": "skipped", "failed": "FAILED"}

#: exit codes, so a fleet script can tell "complete" from "report written, work remains"
EXIT_COMPLETE = 0       # every step passed and every checklist item is met or not applicable
EXIT_STEP_FAILED = 1    # a step failed (or never ran): the report says which and why
EXIT_OUTSTANDING = 3    # the steps ran, but checklist items are not met or not verified


def register(commands: argparse._SubParsersAction) -> None:
    commission = commands.add_parser(
        "commission", help="commission a charger without questions (fleet installs): run the "
        "standard flow with a commissioning profile and write the report")
    add_server_options(commission)
    commission.add_argument("--profile", required=True,
                            help="commissioning profile JSON (schemas/commissioning-profile.schema.json)")
    commission.add_argument("--charger", required=True, help="the charger id to wait for")
    commission.add_argument("--report", required=True, metavar="OUT.html|OUT.pdf|OUT.json",
                            help="report file; the extension chooses the format: .html, "
                            ".pdf (PDF is drawn with Qt), or .json (the report data, "
                            "schemas/commissioning-report.schema.json)")
    commission.epilog = (f"Exit status: {EXIT_COMPLETE} commissioning complete; "
                         f"{EXIT_STEP_FAILED} a step failed; {EXIT_OUTSTANDING} the steps ran "
                         "but checklist items are outstanding (the report lists them).")
    commission.add_argument("--timeout", type=float, default=300.0,
                            help="seconds to wait for the charger to connect (default 300)")
    commission.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..commissioning.profile import CommissioningProfile
    try:
        profile = CommissioningProfile.load(args.profile)
    except (OSError, ValueError) as exc:
        raise CommandError(f"Cannot use the profile {args.profile}: {exc}") from None
    if Path(args.report).suffix.lower() not in REPORT_SUFFIXES:
        raise CommandError(f"--report {args.report}: the report is written as .html, .pdf or "
                           ".json; give a file name ending in one of those")
    settings = settings_from(args, AppSettings())
    return run_async(_commission(settings, profile, args), interrupted=130)


async def _commission(settings: AppSettings, profile: CommissioningProfile,
                      args: argparse.Namespace) -> int:
    from ..service import Studio
    studio = Studio(settings)
    try:
        await studio.start()
    except OSError as exc:
        studio.store.close()
        raise CommandError(f"Cannot listen on {settings.csms.host}:{settings.csms.port}: "
                           f"{exc}") from None
    try:
        for url in studio.urls():
            print(f"Waiting for {args.charger}: point it at {url}", flush=True)
        run = await studio.commissioning.run_headless(args.charger, profile, args.timeout)
        for record in run.records.values():
            mark = _MARKS.get(_status(record), str(record.status))
            print(f"  {mark:<8} {record.title}: {record.summary}", flush=True)
        report = run.report()
        if args.report.lower().endswith(".json"):
            from ..commissioning.report import write_report_json
            write_report_json(report, args.report)
        else:
            _write_report(report.to_html(), args.report)
        print(f"report: {args.report}", flush=True)
        print(report.verdict()[1], flush=True)  # what remains to do, as page one says it
        for item in report.outstanding:
            print(f"  {item.line()}", flush=True)
        failed = [r for r in run.records.values() if _status(r) not in ("passed", "skipped")]
        if failed:
            return EXIT_STEP_FAILED
        # A report with outstanding items is not a commissioned charger: say so in the exit
        # code too, or a fleet script would file it as done (rule 4).
        return EXIT_OUTSTANDING if report.outstanding else EXIT_COMPLETE
    finally:
        await studio.stop()


def _status(record: Any) -> str:
    """A step record's status as text ('passed', 'skipped', 'failed', ...)."""
    return str(getattr(record.status, "value", record.status))


def _write_report(html_text: str, path: str) -> None:
    """Owner-only (0600), like every file the studio writes: the report can hold the
    charger's new password when the profile asks for it."""
    from ..settings import open_private, private_file
    if path.lower().endswith(".pdf"):
        from ..ui.commissioning.report_pdf import write_report_pdf  # Qt draws the PDF
        private_file(path)
        write_report_pdf(html_text, path)
    else:
        with open_private(path) as report:
            report.write(html_text)
