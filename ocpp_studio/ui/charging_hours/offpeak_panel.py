"""The "Charging hours" tab: UK off-peak setup for the selected charger, in plain words.

The owner's three choices (default off-peak hours, no limits, own hours painted on a week
timeline), the override for this charge, the randomised delay, a check of what the charger
will really do, and the result of every action with a one-click way to remove what
OCPP Studio installed. All protocol work is in ``SmartChargingService``; this widget only
calls it as asyncio tasks (qasync loop) and shows the answers.
"""

from __future__ import annotations

import html
import logging
import time
from datetime import datetime
from typing import Any, Awaitable, Callable
from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import (
    QButtonGroup, QFrame, QMessageBox, QGroupBox, QHBoxLayout, QLabel, QProgressBar, QPushButton,
    QRadioButton, QScrollArea, QSizePolicy, QSpinBox, QToolButton, QTreeWidget,
    QTreeWidgetItem, QVBoxLayout, QWidget,
)

from ..common.operations import AsyncOp
from .week_timeline import WeeklyHours, WeekTimeline

from ...smartcharging.offpeak import OFFPEAK_CLOCK_CHANGE_EXPLANATION

log = logging.getLogger(__name__)

UK_ZONE = "Europe/London"
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
DEFAULT_DELAY_S = 600
MAX_DELAY_S = 1800
OK_STATUSES = {"accepted", "ok", "done", "applied", "success", "succeeded", "installed",
               "cleared", "removed", "skipped", "unchanged", "not needed"}
NEUTRAL_STATUSES = {"skipped", "unchanged", "not needed"}

BIG_BUTTON = """
QPushButton {{ text-align: left; padding: 10px 14px; border: 1px solid {border};
              border-radius: 6px; background: {bg}; font-size: 11pt; }}
QPushButton:hover {{ border-color: #1565c0; }}
QPushButton:checked {{ border: 2px solid #1565c0; background: #e3f0fd; }}
QPushButton:disabled {{ color: #9a9a9a; background: #f3f3f3; border-color: #dddddd; }}
"""


def step_neutral(step: Any) -> bool:
    status = str(getattr(step, "status", "")).strip().lower()
    if status == "unknown" and "clear" in str(getattr(step, "action", "")).lower():
        return True  # ClearChargingProfile "Unknown": the charger no longer had it
    return status in NEUTRAL_STATUSES


def step_failed(step: Any) -> bool:
    status = str(getattr(step, "status", "")).strip().lower()
    return not (status.startswith("accepted") or status in OK_STATUSES or step_neutral(step))


def hours_summary(hours: Any) -> str:
    """Plain words for a week of hours."""
    if hours is None:
        return "No charging-hours limits: the car charges whenever it is plugged in."
    allowed = hours.allowed
    if all(all(day) for day in allowed):
        return "No charging-hours limits: the car charges whenever it is plugged in."
    if allowed == WeeklyHours.uk_default().allowed:
        return ("Default off-peak hours: no charging on weekdays 08:00–11:00 and 16:00–22:00; "
                "charging any time at weekends.")
    blocked = sum(1 for day in allowed for cell in day if not cell) / 2
    return f"Own charging hours: charging is blocked for {blocked:g} hours a week."


def _slot_walk(hours: Any, weekday: int, slot: int, allowed: bool) -> tuple[int, int] | None:
    """The first (weekday, slot) from here, at most a week ahead, whose state is ``allowed``."""
    for step in range(7 * 48):
        day, at = (weekday + (slot + step) // 48) % 7, (slot + step) % 48
        if hours.allowed[day][at] == allowed:
            return day, at
    return None


def _when(now_day: int, day: int, slot: int) -> str:
    clock = f"{slot // 2:02d}:{(slot % 2) * 30:02d}"
    return clock if day == now_day else f"{DAY_NAMES[day]} {clock}"


def hours_effect_now(hours: Any, now_s: float, tz: str = UK_ZONE) -> str:
    """What installing ``hours`` does at ``now_s``, in the owner's words (UK local time)."""
    local = datetime.fromtimestamp(now_s, ZoneInfo(tz))
    weekday, slot = local.weekday(), (local.hour * 60 + local.minute) // 30
    stamp = f"It is {DAY_NAMES[weekday]} {local:%H:%M} now"
    if not hours.is_allowed(weekday, local.hour * 60 + local.minute):
        resume = _slot_walk(hours, weekday, slot, True)
        until = f" until {_when(weekday, *resume)}" if resume else ""
        return (f"{stamp}, inside the blocked hours: the charger will stop charging now"
                f"{until}. A car plugged in now will wait{until}.")
    pause = _slot_walk(hours, weekday, slot, False)
    later = f" The next pause starts {_when(weekday, *pause)}." if pause else ""
    return f"{stamp}, outside the blocked hours: charging is not interrupted now.{later}"


class OffPeakPanel(QWidget):
    """UK off-peak charging hours, override, randomised delay and a check, for one charger."""

    status_changed = Signal(str)

    def __init__(self, service: Any = None, central: Any = None,
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

        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self.scroll = scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        outer.addWidget(scroll)
        body = QWidget()
        scroll.setWidget(body)
        layout = QVBoxLayout(body)
        layout.setContentsMargins(12, 10, 12, 10)
        layout.setSpacing(10)

        # ------------------------------------------------------------ header
        header = QHBoxLayout()
        self.title = QLabel()
        self.title.setTextFormat(Qt.TextFormat.RichText)
        title_font = QFont(self.title.font())
        title_font.setPointSizeF(title_font.pointSizeF() + 2)
        self.title.setFont(title_font)
        header.addWidget(self.title)
        header.addStretch(1)
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)
        self.progress.setMaximumWidth(120)
        self.progress.setMaximumHeight(12)
        self.progress.hide()
        header.addWidget(self.progress)
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.setToolTip("Ask the charger again what is set up")
        header.addWidget(self.refresh_button)
        layout.addLayout(header)
        self.status_label = QLabel()
        self.status_label.setWordWrap(True)
        self.status_label.setTextFormat(Qt.TextFormat.RichText)
        self.status_label.setStyleSheet("QLabel { background: #f1f6fb; border: 1px solid #c9dcef;"
                                        " border-radius: 6px; padding: 8px; }")
        layout.addWidget(self.status_label)
        self.details_toggle = self._disclosure("What exactly is installed")
        self.details_text = QLabel()
        self.details_text.setWordWrap(True)
        self.details_text.setStyleSheet("color: #444; padding-left: 18px")
        self.details_text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.details_text.hide()
        self.details_toggle.hide()
        self.details_toggle.toggled.connect(self.details_text.setVisible)
        layout.addWidget(self.details_toggle)
        layout.addWidget(self.details_text)
        self.busy_label = QLabel()
        self.busy_label.setWordWrap(True)
        self.busy_label.setStyleSheet("color: #555")
        layout.addWidget(self.busy_label)

        # ---------------------------------------------------- charging hours
        hours_box = QGroupBox("Charging hours")
        hours_layout = QVBoxLayout(hours_box)
        intro = QLabel("UK law asks for charging outside the busy hours by default. The owner "
                       "chooses — now or any time later:")
        intro.setWordWrap(True)
        hours_layout.addWidget(intro)
        choices = QHBoxLayout()
        self.default_button = self._big_button(
            "Use the default off-peak hours\n(recommended)", "#eef7ee", "#7cb57f",
            "No charging on weekdays 08:00–11:00 and 16:00–22:00 (UK peak times); charging "
            "any time at weekends.")
        self.no_limits_button = self._big_button(
            "No charging-hours limits\n(charge whenever plugged in)", "#ffffff", "#bbbbbb",
            "Remove the charging-hours profiles: the car charges as soon as it is plugged in.")
        self.own_button = self._big_button(
            "Choose my own hours…\n(paint them on a week)", "#ffffff", "#bbbbbb",
            "Paint the hours when charging is allowed, day by day.")
        for button in (self.default_button, self.no_limits_button, self.own_button):
            choices.addWidget(button, 1)
        hours_layout.addLayout(choices)

        self.hours_caption = QLabel()
        self.hours_caption.setWordWrap(True)
        self.hours_caption.setTextFormat(Qt.TextFormat.RichText)
        hours_layout.addWidget(self.hours_caption)
        # the editor toolbar (shown while choosing own hours)
        self.editor_bar = QWidget()
        bar = QHBoxLayout(self.editor_bar)
        bar.setContentsMargins(0, 0, 0, 0)
        bar.addWidget(QLabel("Paint:"))
        self.brush_allow = QRadioButton("Charging allowed")
        self.brush_block = QRadioButton("No charging")
        self.brush_allow.setChecked(True)
        self._brush_group = QButtonGroup(self)
        self._brush_group.addButton(self.brush_allow)
        self._brush_group.addButton(self.brush_block)
        bar.addWidget(self.brush_allow)
        bar.addWidget(self.brush_block)
        bar.addStretch(1)
        self.reset_defaults_button = QPushButton("Start from the defaults")
        self.allow_all_button = QPushButton("Allow all")
        bar.addWidget(self.reset_defaults_button)
        bar.addWidget(self.allow_all_button)
        hours_layout.addWidget(self.editor_bar)
        self.timeline = WeekTimeline()
        hours_layout.addWidget(self.timeline)
        self.editor_buttons = QWidget()
        eb = QHBoxLayout(self.editor_buttons)
        eb.setContentsMargins(0, 0, 0, 0)
        self.edit_summary = QLabel()
        eb.addWidget(self.edit_summary, 1)
        self.cancel_edit_button = QPushButton("Cancel")
        self.apply_hours_button = QPushButton("Apply these hours")
        self.apply_hours_button.setDefault(True)
        self.apply_hours_button.setStyleSheet(
            "QPushButton { background: #1565c0; color: white; padding: 6px 16px; "
            "border-radius: 4px; } QPushButton:disabled { background: #9fb7d3; }")
        eb.addWidget(self.cancel_edit_button)
        eb.addWidget(self.apply_hours_button)
        hours_layout.addWidget(self.editor_buttons)
        layout.addWidget(hours_box)

        # ---------------------------------------------- override + delay row
        row = QHBoxLayout()
        override_box = QGroupBox("Override for this charge")
        ov = QVBoxLayout(override_box)
        self.override_button = QPushButton("Charge now, ignoring the charging hours")
        self.override_button.setCheckable(True)
        self.override_button.setMinimumHeight(40)
        self.override_button.setStyleSheet(
            "QPushButton { padding: 6px 12px; border: 1px solid #bbbbbb; border-radius: 6px; }"
            "QPushButton:checked { background: #f0a000; color: #1f1f1f; border-color: #b57800; }"
            "QPushButton:disabled { color: #9a9a9a; }")
        ov.addWidget(self.override_button)
        self.override_label = QLabel()
        self.override_label.setWordWrap(True)
        ov.addWidget(self.override_label)
        ov.addStretch(1)
        row.addWidget(override_box, 1)

        delay_box = QGroupBox("Randomised delay")
        dl = QVBoxLayout(delay_box)
        self.delay_label = QLabel()
        self.delay_label.setWordWrap(True)
        self.delay_label.setTextFormat(Qt.TextFormat.RichText)
        dl.addWidget(self.delay_label)
        spin_row = QHBoxLayout()
        spin_row.addWidget(QLabel("Wait up to"))
        self.delay_spin = QSpinBox()
        self.delay_spin.setRange(0, MAX_DELAY_S)
        self.delay_spin.setSingleStep(60)
        self.delay_spin.setValue(DEFAULT_DELAY_S)
        self.delay_spin.setSuffix(" s")
        self.delay_spin.setToolTip("600 s (10 minutes) is the UK default; up to 1800 s; "
                                   "0 cancels the delay")
        spin_row.addWidget(self.delay_spin)
        self.delay_minutes = QLabel()
        self.delay_minutes.setStyleSheet("color: #555")
        spin_row.addWidget(self.delay_minutes)
        spin_row.addStretch(1)
        self.delay_apply_button = QPushButton("Apply")
        spin_row.addWidget(self.delay_apply_button)
        dl.addLayout(spin_row)
        self.delay_method_label = QLabel()
        self.delay_method_label.setWordWrap(True)
        self.delay_method_label.setTextFormat(Qt.TextFormat.RichText)
        self.delay_method_label.setStyleSheet("QLabel { background: #fff8e1; border: 1px solid "
                                              "#f0d48a; border-radius: 4px; padding: 6px; }")
        dl.addWidget(self.delay_method_label)
        dl.addStretch(1)
        row.addWidget(delay_box, 1)
        layout.addLayout(row)

        # ----------------------------------------------------------- verify
        verify_box = QGroupBox("Check")
        vl = QVBoxLayout(verify_box)
        vrow = QHBoxLayout()
        self.verify_button = QPushButton("Check what the charger will do")
        self.verify_button.setMinimumHeight(34)
        vrow.addWidget(self.verify_button)
        self.verify_summary = QLabel("Reads the charger's own schedule for the next 7 days and "
                                     "compares it with what was asked for.")
        self.verify_summary.setWordWrap(True)
        self.verify_summary.setTextFormat(Qt.TextFormat.RichText)
        vrow.addWidget(self.verify_summary, 1)
        vl.addLayout(vrow)
        self.verify_timeline = WeekTimeline()
        self.verify_timeline.hide()
        vl.addWidget(self.verify_timeline)
        self.verify_notes = QLabel()
        self.verify_notes.setWordWrap(True)
        self.verify_notes.setTextFormat(Qt.TextFormat.RichText)
        self.verify_notes.hide()
        vl.addWidget(self.verify_notes)
        layout.addWidget(verify_box)

        # ---------------------------------------------------------- results
        self.results_box = QGroupBox("What happened")
        rl = QVBoxLayout(self.results_box)
        self.results_explanation = QLabel()
        self.results_explanation.setWordWrap(True)
        self.results_explanation.setTextFormat(Qt.TextFormat.RichText)
        rl.addWidget(self.results_explanation)
        self.steps = QTreeWidget()
        self.steps.setHeaderLabels(["Step", "Result", "Details"])
        self.steps.setRootIsDecorated(False)
        self.steps.setAlternatingRowColors(True)
        self.steps.setColumnWidth(0, 260)
        self.steps.setColumnWidth(1, 110)
        rl.addWidget(self.steps)
        clear_row = QHBoxLayout()
        self.installed_label = QLabel()
        self.installed_label.setWordWrap(True)
        clear_row.addWidget(self.installed_label, 1)
        self.clear_button = QPushButton("Remove everything OCPP Studio installed")
        self.clear_button.setStyleSheet(
            "QPushButton { background: #c62828; color: white; padding: 6px 14px; "
            "border-radius: 4px; } QPushButton:disabled { background: #e6a3a3; }")
        clear_row.addWidget(self.clear_button)
        rl.addLayout(clear_row)
        self.results_box.hide()
        layout.addWidget(self.results_box)

        # ----------------------------------------------------- clock change
        self.clock_toggle = self._disclosure("About clock changes (GMT / BST)")
        layout.addWidget(self.clock_toggle)
        self.clock_text = QLabel(OFFPEAK_CLOCK_CHANGE_EXPLANATION)
        self.clock_text.setWordWrap(True)
        self.clock_text.setStyleSheet("color: #444; padding-left: 18px")
        self.clock_text.hide()
        layout.addWidget(self.clock_text)
        layout.addStretch(1)

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

    @staticmethod
    def _disclosure(text: str) -> QToolButton:
        button = QToolButton()
        button.setText(text)
        button.setCheckable(True)
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        button.setArrowType(Qt.ArrowType.RightArrow)
        button.setStyleSheet("QToolButton { border: none; color: #1565c0; }")
        button.toggled.connect(lambda on: button.setArrowType(
            Qt.ArrowType.DownArrow if on else Qt.ArrowType.RightArrow))
        return button

    @staticmethod
    def _big_button(text: str, bg: str, border: str, tip: str) -> QPushButton:
        button = QPushButton(text)
        button.setCheckable(True)
        button.setMinimumHeight(62)
        button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        button.setStyleSheet(BIG_BUTTON.format(bg=bg, border=border))
        button.setToolTip(tip)
        return button

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
        station = getattr(self.central, "stations", {}).get(self.charger)
        if station is None:
            return self.central is None
        return bool(getattr(station, "connected", True))

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
        return self._apply_hours(WeeklyHours.uk_default(), "Installing the default off-peak hours…")

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
            text += ("<br><b style='color:#8a5a00'>Override is on:</b> this charge ignores the "
                     "charging hours.")
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
                "session. For a lasting delay ask the manufacturer for firmware with the <code>RandomisedDelay</code> setting.")
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
            colour = QColor("#c62828") if bad else (QColor("#757575") if neutral
                                                    else QColor("#2e7d32"))
            item.setForeground(1, colour)
            mark = "✗ " if bad else ("– " if neutral else "✓ ")
            item.setText(1, mark + str(step.status))
            item.setToolTip(2, str(step.detail))
            self.steps.addTopLevelItem(item)
        ok = bool(getattr(result, "ok", not failed))
        head = ("<b style='color:#2e7d32'>Done.</b> " if ok and not failed
                else "<b style='color:#c62828'>Not everything worked.</b> ")
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
        if n == 0:
            self.verify_summary.setText("<b style='color:#2e7d32'>✓ The charger will do what "
                                        "was asked</b> for the next 7 days. Top bar of each day: "
                                        "what we asked for; bottom bar: what the charger says "
                                        "it will do.")
        else:
            self.verify_summary.setText(
                f"<b style='color:#c62828'>✗ {n} difference{'s' if n != 1 else ''}</b> between "
                "what was asked for (top bar of each day) and what the charger will do (bottom "
                "bar), outlined in red. Hover over a day for the times and limits.")
        notes = list(getattr(verification, "notes", []) or [])
        self.verify_notes.setText("".join(f"• {html.escape(str(note))}<br>" for note in notes))
        self.verify_notes.setVisible(bool(notes))

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
        self.busy_label.setStyleSheet("color: #c62828")

    def _say(self, text: str) -> None:
        self.busy_label.setStyleSheet("color: #555")
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
                station = getattr(self.central, "stations", {}).get(self.charger)
                version = getattr(station, "version", None)
            if version is not None:
                text = getattr(version, "label", None) or str(version).replace("ocpp", "")
                label += f" <span style='color:#555'>· OCPP {html.escape(str(text))}</span>"
            if not connected:
                label += " <span style='color:#c62828'>· not connected</span>"
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
