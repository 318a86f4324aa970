"""The "Charging hours" tab: UK off-peak setup for the selected charger, in plain words.

The owner's three choices (default off-peak hours, no limits, own hours painted on a week
timeline), the override for this charge, the randomised delay, a check of what the charger
will really do, and the result of every action with a one-click way to remove what
OCPP Studio installed. All protocol work is in ``SmartChargingService``; this widget only
calls it as operations (qasync loop) and shows the answers.

The panel is put together from ``hours_words`` (plain words), ``offpeak_layout`` (the
widgets), ``offpeak_views`` (showing answers) and this module (state and actions).
"""

from __future__ import annotations

import html
import logging
import time
from typing import TYPE_CHECKING, Any, Awaitable, Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QMessageBox, QWidget

from ..common import theme
from ..common.operations import AsyncOp
from .hours_words import (
    DAY_NAMES, DEFAULT_DELAY_S, MAX_DELAY_S, UK_ZONE, hours_effect_now, hours_summary,
    step_failed, step_neutral,
)
from .offpeak_layout import OffPeakLayout
from .offpeak_views import OffPeakViews
from .week_timeline import WeeklyHours

if TYPE_CHECKING:
    from ...smartcharging.service import SmartChargingService
    from ...station.central import CentralSystem

log = logging.getLogger(__name__)

#: the panel's public names, wherever the part that defines them lives
__all__ = ["DAY_NAMES", "DEFAULT_DELAY_S", "MAX_DELAY_S", "UK_ZONE", "OffPeakPanel",
           "hours_effect_now", "hours_summary", "step_failed", "step_neutral"]


class OffPeakPanel(OffPeakLayout, OffPeakViews, QWidget):
    """UK off-peak charging hours, override, randomised delay and a check, for one charger."""

    status_changed = Signal(str)

    def __init__(self, service: SmartChargingService | None = None,
                 central: CentralSystem | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.service = service
        self.central = central
        self.charger: str | None = None
        self.status: Any = None
        self.last_result: Any = None
        self.verification: Any = None
        self.delay: Any = None
        self.last_op: AsyncOp | None = None
        self._busy = False
        self._editing = False
        self._was_connected = False
        #: seconds since the epoch; tests set it to put "now" inside or outside a peak
        self.clock: Callable[[], float] = time.time


        self._build_page()

        # ---------------------------------------------------------- signals
        self.refresh_button.clicked.connect(lambda: self.refresh())
        self.default_button.clicked.connect(lambda: self.use_defaults())
        self.no_limits_button.clicked.connect(lambda: self.no_limits())
        self.own_button.clicked.connect(self.choose_own_hours)
        self.apply_hours_button.clicked.connect(lambda: self.apply_own_hours())
        self.cancel_edit_button.clicked.connect(self.cancel_editing)
        self.reset_defaults_button.clicked.connect(
            lambda: self._set_edit_hours(WeeklyHours.uk_default()))
        self.allow_all_button.clicked.connect(
            lambda: self._set_edit_hours(WeeklyHours.all_allowed()))
        self.brush_allow.toggled.connect(lambda on: setattr(self.timeline, "brush", on))
        self.timeline.changed.connect(self._edit_changed)
        self.override_button.clicked.connect(lambda on: self.set_override(on))
        self.delay_apply_button.clicked.connect(lambda: self.apply_delay())
        self.delay_spin.valueChanged.connect(self._delay_minutes)
        self.verify_button.clicked.connect(lambda: self.verify())
        self.clear_button.clicked.connect(lambda: self.clear())
        self.clock_toggle.toggled.connect(self.clock_text.setVisible)
        self._delay_minutes(self.delay_spin.value())
        self._show_delay()
        self._show_hours(None)
        self._update_state()


    # ---------------------------------------------------------- charger
    def set_charger(self, charger_id: str | None) -> None:
        if charger_id == self.charger:
            return
        self.charger = charger_id
        self.status = None
        self.delay = None
        self.verification = None
        self.last_result = None
        self._editing = False
        self.results_box.hide()
        self.verify_timeline.hide()
        self.verify_notes.hide()
        self.verify_summary.setText("Reads the charger's own schedule for the next 7 days and "
                                    "compares it with what was asked for.")
        self._show_hours(None)
        self._was_connected = self.connected()
        self._update_state()
        if self._was_connected:
            self.refresh()

    def connected(self) -> bool:
        if self.charger is None:
            return False
        if self.central is None:
            return True  # shown without a central system: nothing says otherwise
        station = self.central.stations.get(self.charger)
        return station is not None and station.connected

    def refresh_connection(self) -> None:
        """Call when stations change: enables buttons and reads the status on (re)connect."""
        now = self.connected()
        was, self._was_connected = self._was_connected, now
        self._update_state()
        if now and not was and not self._busy:
            self.refresh()

    # ------------------------------------------------------------ actions
    def _run(self, what: str, work: Callable[[], Awaitable[Any]],
             done: Callable[[Any], None]) -> AsyncOp | None:
        if self.service is None:
            self._say("Charging-hours setup is not available in this build.")
            return None
        if self.charger is None:
            self._say("Choose a charger on the left first.")
            return None
        if self._busy:
            return None
        if not self.connected():
            self._say(f"{self.charger} is not connected. Charging hours can only be set while "
                      "the charger is connected.")
            return None
        charger = self.charger

        def success(result: Any) -> None:
            self._set_busy(False)
            self._say("")
            if charger == self.charger:
                done(result)
            self._update_state()

        self.last_op = AsyncOp(self, work, on_start=lambda: self._set_busy(True, what),
                               on_success=success, on_failure=self._failed).run()
        return self.last_op

    def refresh(self) -> AsyncOp | None:
        charger = self.charger

        async def work() -> tuple[Any, Any]:
            status = await self.service.status(charger)
            delay = getattr(status, "delay", None)
            if delay is None:
                try:
                    delay = await self.service.randomised_delay(charger)
                except Exception:  # noqa: BLE001 - the status is still worth showing
                    delay = None
            return status, delay

        def done(result: tuple[Any, Any]) -> None:
            self.show_status(*result)
            self._say("")

        return self._run(f"Asking {charger} what is set up…", work, done)

    def use_defaults(self) -> AsyncOp | None:
        """Install the UK default hours after the owner agreed to what happens right now."""
        hours = WeeklyHours.uk_default()
        if self.charger is None or not self.connected() or self._busy:
            return self._apply_hours(hours, "")  # says why nothing can be sent
        if not self.confirm_hours(hours, "Use the default off-peak hours?"):
            log.info("default off-peak hours for %s: the owner said no", self.charger)
            self._say("Nothing was changed.")
            current = getattr(self.status, "hours", None)  # the click toggled the button
            self.default_button.setChecked(current is not None and not self._editing and
                                           current.allowed == hours.allowed)
            return None
        return self.install_default_hours()

    def install_default_hours(self) -> AsyncOp | None:
        """Install the UK default hours now (the owner has already agreed)."""
        return self._apply_hours(WeeklyHours.uk_default(),
                                 "Installing the default off-peak hours…")

    def confirm_hours(self, hours: Any, title: str) -> bool:
        """Ask before installing: it can stop a charge at once, so say so first."""
        text = (f"{hours_summary(hours)}\n\n{hours_effect_now(hours, self.clock())}\n\n"
                f"Install these charging hours on {self.charger}?")
        answer = QMessageBox.question(
            self, title, text,
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No)
        return answer == QMessageBox.StandardButton.Yes

    def no_limits(self) -> AsyncOp | None:
        charger = self.charger
        self._editing = False
        return self._run("Removing the charging-hours limits…",
                         lambda: self.service.remove_hours(charger), self._after_action)

    def choose_own_hours(self) -> None:
        current = getattr(self.status, "hours", None)
        start = current if current is not None and current.allowed != \
            WeeklyHours.all_allowed().allowed else WeeklyHours.uk_default()
        self._editing = True
        self._set_edit_hours(start)
        self.brush_allow.setChecked(True)
        self._update_state()

    def _set_edit_hours(self, hours: Any) -> None:
        self.timeline.set_hours(hours)
        self._edit_changed()

    def _edit_changed(self) -> None:
        self.edit_summary.setText(hours_summary(self.timeline.hours()))

    def cancel_editing(self) -> None:
        self._editing = False
        self._show_hours(getattr(self.status, "hours", None))
        self._update_state()

    def apply_own_hours(self) -> AsyncOp | None:
        return self._apply_hours(self.timeline.hours(), "Installing your charging hours…")

    def _apply_hours(self, hours: Any, what: str) -> AsyncOp | None:
        charger = self.charger

        def done(result: Any) -> None:
            self._editing = False
            self._after_action(result)

        return self._run(what, lambda: self.service.apply_hours(charger, hours), done)

    def set_override(self, on: bool) -> AsyncOp | None:
        charger = self.charger
        op = self._run("Turning the override on…" if on else "Turning the override off…",
                       lambda: self.service.override(charger, on), self._after_action)
        if op is None:  # not sent: show the real state again
            self.override_button.setChecked(bool(getattr(self.status, "override_active", False)))
        return op

    def apply_delay(self, seconds: int | None = None) -> AsyncOp | None:
        charger = self.charger
        value = self.delay_spin.value() if seconds is None else seconds
        what = ("Cancelling the randomised delay…" if value == 0
                else f"Setting the randomised delay to {value} s…")
        return self._run(what, lambda: self.service.set_randomised_delay(charger, value),
                         self._after_action)

    def verify(self, days: int = 7) -> AsyncOp | None:
        charger = self.charger
        return self._run(f"Reading what {charger} will do over the next {days} days…",
                         lambda: self.service.verify(charger, days), self.show_verification)

    def clear(self) -> AsyncOp | None:
        charger = self.charger
        return self._run("Removing everything OCPP Studio installed…",
                         lambda: self.service.clear(charger), self._after_action)

    def _after_action(self, result: Any) -> None:
        self.show_result(result)
        self.refresh_after_action()

    def refresh_after_action(self) -> None:
        """Read the status again so the page shows what is really there now."""
        if self.connected() and not self._busy:
            charger = self.charger

            async def work() -> tuple[Any, Any]:
                status = await self.service.status(charger)
                return status, getattr(status, "delay", None) or self.delay

            self._run("Reading back what is set up…", work, lambda r: self.show_status(*r))

    def scroll_to(self, widget: QWidget) -> None:
        self.scroll.ensureWidgetVisible(widget, 0, 40)

    # --------------------------------------------------------------- show
    # --------------------------------------------------------------- state
    def _set_busy(self, busy: bool, text: str = "") -> None:
        self._busy = busy
        self.progress.setVisible(busy)
        if busy:
            self._say(text)
        self._update_state()

    def _failed(self, exc: BaseException) -> None:
        self._set_busy(False)
        if isinstance(exc, TimeoutError):
            text = "The charger did not answer in time. Check it is still connected."
        elif type(exc).__module__.startswith("ocpp_studio") or isinstance(exc, OSError):
            text = str(exc) or type(exc).__name__
        else:  # a bug rather than a charger answer: say what it was
            text = f"unexpected error ({type(exc).__name__}: {exc})"
        self._say(f"Failed: {text}")
        self.busy_label.setStyleSheet(f"color: {theme.FAILED_TEXT}")

    def _say(self, text: str) -> None:
        self.busy_label.setStyleSheet(theme.MUTED_LABEL_STYLE)
        self.busy_label.setText(text)
        self.busy_label.setVisible(bool(text))
        self.status_changed.emit(text)

    def _delay_minutes(self, value: int) -> None:
        if value == 0:
            self.delay_minutes.setText("(off — no delay)")
        else:
            self.delay_minutes.setText(f"({value / 60:g} min)")


    def _update_state(self) -> None:
        connected = self.connected()
        can = connected and self.service is not None and not self._busy
        if self.charger is None:
            label = "No charger selected"
        else:
            label = html.escape(self.charger)
            version = getattr(self.status, "version", None)
            if version is None:
                station = self.central.stations.get(self.charger) if self.central else None
                version = station.version if station is not None else None
            if version is not None:
                text = getattr(version, "label", None) or str(version).replace("ocpp", "")
                label += (f" <span style='color:{theme.MUTED_TEXT}'>"
                          f"· OCPP {html.escape(str(text))}</span>")
            if not connected:
                label += f" <span style='color:{theme.FAILED_TEXT}'>· not connected</span>"
        self.title.setText(f"<b>{label}</b>")
        if self.service is None:
            self.status_label.setText("Charging-hours setup is not available in this build.")
        elif self.charger is None:
            self.status_label.setText("Choose a charger on the left to set up its charging "
                                      "hours.")
        elif self.status is None:
            self.status_label.setText(
                "Reading what is set up…" if self._busy else
                (f"{html.escape(self.charger)} is not connected. Connect it to see and change "
                 "its charging hours." if not connected else "Press Refresh to read what is "
                                                             "set up."))
        for button in (self.default_button, self.no_limits_button, self.own_button,
                       self.refresh_button, self.override_button, self.delay_apply_button,
                       self.verify_button, self.clear_button, self.apply_hours_button):
            button.setEnabled(can)
        self.delay_spin.setEnabled(can)
        self.editor_bar.setVisible(self._editing)
        self.editor_buttons.setVisible(self._editing)
        self.timeline.set_editable(self._editing and not self._busy)
        self.timeline.show_peaks = True
        self.hours_caption.setVisible(self._editing)
        if self._editing:
            self.hours_caption.setText("<b>Choose your hours:</b> drag across days and hours "
                                       "to paint them; the right mouse button always paints "
                                       "“No charging”. Dashed outlines: UK peak times.")
            self.own_button.setChecked(True)
            self.default_button.setChecked(False)
            self.no_limits_button.setChecked(False)
        self.override_label.setText(
            "On: this charge ignores the charging hours until the car is unplugged."
            if self.override_button.isChecked() else
            "For the owner: charge right away this once. The charging hours come back "
            "after this charging session.")
