"""Showing what the charger has and what an action did, on the "Charging hours" tab.

``OffPeakViews`` is a mixin of ``OffPeakPanel``: it paints the panel's widgets from the
smart-charging service's answers (status, delay, results, the check).
"""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtGui import QColor
from PySide6.QtWidgets import QTreeWidgetItem

from ..common import theme
from .hours_words import hours_summary, step_failed, step_neutral
from .week_timeline import WeeklyHours


class OffPeakViews:
    """What is set up and what happened (a mixin of ``OffPeakPanel``)."""

    def show_status(self, status: Any, delay: Any = None) -> None:
        self.status = status
        if delay is not None:
            self.delay = delay
        installed = list(getattr(status, "installed", []) or [])
        text = "<b>" + html.escape(hours_summary(getattr(status, "hours", None))) + "</b>"
        if installed:
            text += (f"<br>{len(installed)} charging profile{'s' if len(installed) != 1 else ''}"
                     " installed by OCPP Studio on this charger.")
        if getattr(status, "override_active", False):
            text += (f"<br><b style='color:{theme.OVERRIDE_ON_TEXT}'>Override is on:</b> "
                     "this charge ignores the charging hours.")
        self.status_label.setText(text)
        details = str(getattr(status, "explanation", "") or "")
        self.details_text.setText(details)
        self.details_toggle.setVisible(bool(details))
        self.details_text.setVisible(bool(details) and self.details_toggle.isChecked())
        self.override_button.setChecked(bool(getattr(status, "override_active", False)))
        if not self._editing:
            self._show_hours(getattr(status, "hours", None))
        self._show_delay()
        if installed and self.last_result is None:
            self._show_installed(installed)
        self._update_state()

    def _show_hours(self, hours: Any) -> None:
        self.timeline.set_editable(False)
        self.timeline.set_hours(hours if hours is not None else WeeklyHours.all_allowed())
        self.hours_caption.setText("")  # the status line above says what is set up
        self.default_button.setChecked(hours is not None and self.status is not None
                                       and hours.allowed == WeeklyHours.uk_default().allowed)
        self.no_limits_button.setChecked(self.status is not None and (
            hours is None or hours.allowed == WeeklyHours.all_allowed().allowed))
        self.own_button.setChecked(self._editing or (
            self.status is not None and hours is not None
            and not self.default_button.isChecked() and not self.no_limits_button.isChecked()))

    def _show_delay(self) -> None:
        delay = self.delay
        if delay is None:
            self.delay_label.setText("Not read yet.")
            self.delay_method_label.hide()
            return
        method = getattr(delay, "method", "none")
        value = getattr(delay, "value_s", None)
        if method == "charger":
            now = (f"now <b>{value} s</b>" if value is not None else "value unknown")
            if value == 0:
                now = "now <b>off (0 s)</b>"
            self.delay_label.setText(
                f"The charger delays every start and change of charging by a random time, "
                f"{now}. Setting: <code>{html.escape(str(delay.key or 'RandomisedDelay'))}</code>.")
            self.delay_method_label.hide()
        else:
            now = (f" OCPP Studio delays each session by up to <b>{value} s</b>." if value
                   else " Press <b>Apply</b> and OCPP Studio adds the delay itself.")
            self.delay_label.setText("This charger has no randomised-delay setting of its own."
                                     + now)
            self.delay_method_label.setText(
                "<b>OCPP Studio does it instead</b> (the application note's second method): "
                "it installs a charging profile that holds each charge at 0 W for a random time "
                "of up to the chosen delay, and renews it after every charging session.<br>"
                "<b>What it cannot do:</b> it only works while OCPP Studio stays connected to "
                "the charger; it does not delay changes of charging rate the charger makes by "
                "itself, nor a restart after a power cut; and once OCPP Studio is unplugged the "
                "last profile stays as it is; some cars do not like 0 W at the start of a "
                "session. For a lasting delay ask the manufacturer for firmware with the "
                "<code>RandomisedDelay</code> setting.")
            self.delay_method_label.show()
        if value is not None and not self._busy:
            self.delay_spin.setValue(int(value))

    def show_result(self, result: Any) -> None:
        self.last_result = result
        self.steps.clear()
        failed = False
        for step in getattr(result, "steps", []) or []:
            item = QTreeWidgetItem([str(step.action), str(step.status), str(step.detail)])
            bad = step_failed(step)
            failed = failed or bad
            neutral = step_neutral(step)
            colour = QColor(theme.FAILED_TEXT if bad else theme.NOTHING_NEEDED_TEXT if neutral
                            else theme.DONE_TEXT)
            item.setForeground(1, colour)
            mark = "✗ " if bad else ("– " if neutral else "✓ ")
            item.setText(1, mark + str(step.status))
            item.setToolTip(2, str(step.detail))
            self.steps.addTopLevelItem(item)
        ok = bool(getattr(result, "ok", not failed))
        head = (f"<b style='color:{theme.DONE_TEXT}'>Done.</b> " if ok and not failed
                else f"<b style='color:{theme.FAILED_TEXT}'>Not everything worked.</b> ")
        self.results_explanation.setText(head + html.escape(
            getattr(result, "explanation", "") or "").replace("\n", "<br>"))
        rows = self.steps.topLevelItemCount()
        row_h = max(18, self.steps.sizeHintForRow(0)) if rows else 18
        self.steps.setFixedHeight(min(8, max(rows, 1)) * row_h
                                  + self.steps.header().sizeHint().height() + 6)
        self.steps.setVisible(rows > 0)
        self.results_box.show()
        self._show_installed(list(getattr(result, "installed", []) or []),
                             failed=failed or not ok)

    def _show_installed(self, installed: list[int], failed: bool = False) -> None:
        if installed:
            ids = ", ".join(str(i) for i in installed)
            self.installed_label.setText(
                f"Installed by OCPP Studio on this charger: charging profile"
                f"{'s' if len(installed) != 1 else ''} {ids}.")
        elif failed:
            self.installed_label.setText("Some steps failed. To be sure nothing half-applied "
                                         "is left on the charger, remove everything OCPP Studio "
                                         "installed.")
        else:
            self.installed_label.setText("")
        show = bool(installed) or failed
        self.clear_button.setVisible(show)
        self.installed_label.setVisible(bool(self.installed_label.text()))
        if show and not self.results_box.isVisible():
            self.steps.hide()
            self.results_explanation.setText("")
            self.results_box.show()

    def show_verification(self, verification: Any) -> None:
        self.verification = verification
        origin = getattr(verification, "origin", None) or getattr(verification, "start", None)
        # A charger reports its own maximum where nothing limits it: draw that as full power.
        known = [iv.limit_w for iv in verification.charger if iv.limit_w is not None]
        self.verify_timeline.set_intervals(
            [("Asked", verification.intended), ("Charger", verification.charger)],
            verification.differences, origin=origin,
            full_power_w=max(known) if known else None)
        self.verify_timeline.show()
        n = len(verification.differences)
        evidence = getattr(verification, "evidence", True if n == 0 else False)
        summary = html.escape(getattr(verification, "summary", "") or "")
        if evidence is None:
            # An empty, missing or negative schedule proves nothing: never a tick
            # (issue 14: a -1 W composite schedule was shown as a match).
            why = summary or "the charger gave no schedule that shows what it will do."
            self.verify_summary.setText(
                f"<b style='color:{theme.FAILED_TEXT}'>? Not verified</b>: {why} "
                "Charge a car at a peak time to see whether it stops.")
        elif evidence and n == 0:
            self.verify_summary.setText(f"<b style='color:{theme.DONE_TEXT}'>✓ The charger "
                                        "will do what was asked</b> for the next 7 days. Top "
                                        "bar of each day: what we asked for; bottom bar: what "
                                        "the charger says it will do.")
        else:
            self.verify_summary.setText(
                f"<b style='color:{theme.FAILED_TEXT}'>✗ {n} difference{'s' if n != 1 else ''}"
                "</b> between what was asked for (top bar of each day) and what the charger "
                "will do (bottom bar), outlined in red. Hover over a day for the times and limits.")
        notes = list(getattr(verification, "notes", []) or [])
        if summary and notes and html.escape(str(notes[0])) == summary:
            notes = notes[1:]  # the summary is also notes[0]: say it once
        self.verify_notes.setText("".join(f"• {html.escape(str(note))}<br>" for note in notes))
        self.verify_notes.setVisible(bool(notes))
