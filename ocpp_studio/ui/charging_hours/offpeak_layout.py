"""The widgets of the "Charging hours" tab, built section by section.

``OffPeakLayout`` is a mixin of ``OffPeakPanel``: it only creates and places the widgets
(``self.<name>``) that the panel fills in and connects; colours and styles come from theme.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QButtonGroup, QFrame, QGroupBox, QHBoxLayout, QLabel, QProgressBar, QPushButton,
    QRadioButton, QScrollArea, QSizePolicy, QSpinBox, QToolButton, QTreeWidget, QVBoxLayout,
    QWidget,
)

from ...smartcharging.offpeak import OFFPEAK_CLOCK_CHANGE_EXPLANATION
from ..common import theme
from .hours_words import DEFAULT_DELAY_S, MAX_DELAY_S
from .week_timeline import WeekTimeline


class OffPeakLayout:
    """Builds the tab's widgets (a mixin of ``OffPeakPanel``)."""

    def _build_page(self) -> None:
        """A scrolling page with the sections one under the other."""
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
        self._build_header(layout)
        self._build_hours(layout)
        self._build_override_and_delay(layout)
        self._build_check(layout)
        self._build_results(layout)
        self._build_clock_note(layout)
        layout.addStretch(1)

    def _build_header(self, layout: QVBoxLayout) -> None:
        """The title, Refresh, the status in words and what is installed."""
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
        self.status_label.setStyleSheet(theme.SETUP_SUMMARY_STYLE)
        layout.addWidget(self.status_label)
        self.details_toggle = self._disclosure("What exactly is installed")
        self.details_text = QLabel()
        self.details_text.setWordWrap(True)
        self.details_text.setStyleSheet(theme.EXPLANATION_STYLE)
        self.details_text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.details_text.hide()
        self.details_toggle.hide()
        self.details_toggle.toggled.connect(self.details_text.setVisible)
        layout.addWidget(self.details_toggle)
        layout.addWidget(self.details_text)
        self.busy_label = QLabel()
        self.busy_label.setWordWrap(True)
        self.busy_label.setStyleSheet(theme.MUTED_LABEL_STYLE)
        layout.addWidget(self.busy_label)

    def _build_hours(self, layout: QVBoxLayout) -> None:
        """The three choices and the week editor for the owner's own hours."""
        hours_box = QGroupBox("Charging hours")
        hours_layout = QVBoxLayout(hours_box)
        intro = QLabel("UK law asks for charging outside the busy hours by default. The owner "
                       "chooses — now or any time later:")
        intro.setWordWrap(True)
        hours_layout.addWidget(intro)
        choices = QHBoxLayout()
        self.default_button = self._big_button(
            "Use the default off-peak hours\n(recommended)", theme.CHOICE_RECOMMENDED,
            "No charging on weekdays 08:00–11:00 and 16:00–22:00 (UK peak times); charging "
            "any time at weekends.")
        self.no_limits_button = self._big_button(
            "No charging-hours limits\n(charge whenever plugged in)", theme.CHOICE_OTHER,
            "Remove the charging-hours profiles: the car charges as soon as it is plugged in.")
        self.own_button = self._big_button(
            "Choose my own hours…\n(paint them on a week)", theme.CHOICE_OTHER,
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
        self.apply_hours_button.setStyleSheet(theme.PRIMARY_BUTTON_STYLE)
        eb.addWidget(self.cancel_edit_button)
        eb.addWidget(self.apply_hours_button)
        hours_layout.addWidget(self.editor_buttons)
        layout.addWidget(hours_box)

    def _build_override_and_delay(self, layout: QVBoxLayout) -> None:
        """The override for this charge beside the randomised delay."""
        row = QHBoxLayout()
        override_box = QGroupBox("Override for this charge")
        ov = QVBoxLayout(override_box)
        self.override_button = QPushButton("Charge now, ignoring the charging hours")
        self.override_button.setCheckable(True)
        self.override_button.setMinimumHeight(40)
        self.override_button.setStyleSheet(theme.OVERRIDE_BUTTON_STYLE)
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
        self.delay_minutes.setStyleSheet(theme.MUTED_LABEL_STYLE)
        spin_row.addWidget(self.delay_minutes)
        spin_row.addStretch(1)
        self.delay_apply_button = QPushButton("Apply")
        spin_row.addWidget(self.delay_apply_button)
        dl.addLayout(spin_row)
        self.delay_method_label = QLabel()
        self.delay_method_label.setWordWrap(True)
        self.delay_method_label.setTextFormat(Qt.TextFormat.RichText)
        self.delay_method_label.setStyleSheet(theme.DELAY_METHOD_STYLE)
        dl.addWidget(self.delay_method_label)
        dl.addStretch(1)
        row.addWidget(delay_box, 1)
        layout.addLayout(row)

    def _build_check(self, layout: QVBoxLayout) -> None:
        """Check what the charger will do (its own schedule vs what was asked)."""
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

    def _build_results(self, layout: QVBoxLayout) -> None:
        """What happened: each step's result and the way to remove it all."""
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
        self.clear_button.setStyleSheet(theme.REMOVE_BUTTON_STYLE)
        clear_row.addWidget(self.clear_button)
        rl.addLayout(clear_row)
        self.results_box.hide()
        layout.addWidget(self.results_box)

    def _build_clock_note(self, layout: QVBoxLayout) -> None:
        """About clock changes (GMT / BST), opened on demand."""
        self.clock_toggle = self._disclosure("About clock changes (GMT / BST)")
        layout.addWidget(self.clock_toggle)
        self.clock_text = QLabel(OFFPEAK_CLOCK_CHANGE_EXPLANATION)
        self.clock_text.setWordWrap(True)
        self.clock_text.setStyleSheet(theme.EXPLANATION_STYLE)
        self.clock_text.hide()
        layout.addWidget(self.clock_text)
        layout.addStretch(1)

    @staticmethod
    def _disclosure(text: str) -> QToolButton:
        button = QToolButton()
        button.setText(text)
        button.setCheckable(True)
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        button.setArrowType(Qt.ArrowType.RightArrow)
        button.setStyleSheet(theme.DISCLOSURE_STYLE)
        button.toggled.connect(lambda on: button.setArrowType(
            Qt.ArrowType.DownArrow if on else Qt.ArrowType.RightArrow))
        return button

    @staticmethod
    def _big_button(text: str, colours: dict[str, str], tip: str) -> QPushButton:
        """One of the three big choices; ``colours`` is theme.CHOICE_RECOMMENDED or _OTHER."""
        button = QPushButton(text)
        button.setCheckable(True)
        button.setMinimumHeight(62)
        button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        button.setStyleSheet(theme.CHOICE_BUTTON_STYLE.format(**colours))
        button.setToolTip(tip)
        return button
