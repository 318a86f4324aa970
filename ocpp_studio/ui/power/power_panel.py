"""The Power tab: the live plot with its toolbar, the reporting cadence, the limit
overlay and the 1-second power switch, for the charger selected on the left."""

from __future__ import annotations

import html
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QButtonGroup, QCheckBox, QFileDialog, QHBoxLayout, QLabel, QPushButton,
    QStackedWidget, QToolButton, QVBoxLayout, QWidget,
)

from ..common import theme
from ..common.operations import AsyncOp
from .power_plot import WINDOWS, PowerPlot, format_value

if TYPE_CHECKING:
    from ...metering.one_second import OneSecondMode
    from ...metering.series import MeteringService
    from ...station.central import CentralSystem

log = logging.getLogger(__name__)

AMBER_CADENCE_S = 1.5
#: a reading is "now" until this many reporting intervals pass without a new one ...
STALE_INTERVALS = 3
#: ... but never sooner than this (one late frame is not a stopped charge)
STALE_MIN_S = 5.0
#: the interval assumed when the cadence is not known yet (a single reading)
UNKNOWN_INTERVAL_S = 60.0
BUTTON_STYLE = theme.PLOT_WINDOW_BUTTON_STYLE
BODY_STYLE = f"QLabel {{ color: {theme.BODY_TEXT}; }}"


def cadence_text(cadence: Any) -> str:
    """'Reporting every 1.0 s (jitter ±0.05 s, 120 samples)', or '—' when unknown."""
    if cadence is None or cadence.mean_interval_s is None:
        return "—"
    text = f"Reporting every {cadence.mean_interval_s:.1f} s"
    extra = []
    if cadence.jitter_s is not None:
        extra.append(f"jitter ±{cadence.jitter_s:.2f} s")
    extra.append(f"{cadence.samples} sample{'s' if cadence.samples != 1 else ''}")
    return f"{text} ({', '.join(extra)})"


def age_text(age_s: float) -> str:
    """'4 s', '12 min', '2 h 5 min' — how long ago the last reading came."""
    age = max(0, int(age_s))
    if age < 60:
        return f"{age} s"
    if age < 3600:
        return f"{age // 60} min"
    return f"{age // 3600} h {age % 3600 // 60} min"


def is_stale(age_s: float, interval_s: float | None) -> bool:
    """Has the charger missed a few readings, so the last value is no longer 'now'?"""
    interval = interval_s if interval_s else UNKNOWN_INTERVAL_S
    return age_s > max(STALE_INTERVALS * interval, STALE_MIN_S)


def explain_error(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    if isinstance(exc, TimeoutError):
        return "The charger did not answer in time. Check it is still connected and try again."
    return text


class PowerPanel(QWidget):
    """Toolbar, readouts and the plot; ``set_charger`` chooses what is plotted."""

    operation_done = Signal(str)  # the explanation shown after a 1-second switch / limit read

    def __init__(self, central: CentralSystem | None = None,
                 metering: MeteringService | None = None,
                 one_second: OneSecondMode | None = None,
                 parent: QWidget | None = None, **plot_options: Any) -> None:
        super().__init__(parent)
        self.central = central
        self.metering = metering
        self.one_second = one_second
        self.charger: str | None = None
        self.auto_charger = True  # "All chargers" selected: plot the first with readings
        self._busy = False
        self.last_op: AsyncOp | None = None

        self.plot = PowerPlot(**plot_options)

        # ------------------------------------------------------------ header
        self.title = QLabel()
        self.title.setTextFormat(Qt.TextFormat.RichText)
        self.latest = QLabel()
        self.latest.setTextFormat(Qt.TextFormat.RichText)
        self.latest.setStyleSheet("QLabel { font-size: 15pt; }")
        self.cadence = QLabel("—")
        self.cadence.setTextFormat(Qt.TextFormat.RichText)
        self.cadence.setToolTip("How often the charger reports power: the mean interval between "
                                "the last 120 readings and how much it varies")
        header = QHBoxLayout()
        header.addWidget(self.title)
        header.addSpacing(16)
        header.addWidget(self.latest)
        header.addStretch(1)
        header.addWidget(self.cadence)
        header.addSpacing(10)

        # ----------------------------------------------------------- toolbar
        tools = QHBoxLayout()
        tools.setSpacing(4)
        self.window_buttons: dict[str, QToolButton] = {}
        self.window_group = QButtonGroup(self)
        self.window_group.setExclusive(True)
        tools.addWidget(QLabel("Show:"))
        for name in WINDOWS:
            button = QToolButton()
            button.setText(name)
            button.setCheckable(True)
            button.setStyleSheet(BUTTON_STYLE)
            button.setToolTip(f"Show the last {name} and follow new readings"
                              if name != "All" else "Show all readings and follow new ones")
            button.clicked.connect(lambda _c=False, n=name: self.set_window(n))
            self.window_group.addButton(button)
            self.window_buttons[name] = button
            tools.addWidget(button)
        self.window_buttons[self.plot.window_name].setChecked(True)
        self.pause_button = QToolButton()
        self.pause_button.setText("Pause")
        self.pause_button.setCheckable(True)
        self.pause_button.setStyleSheet(BUTTON_STYLE)
        self.pause_button.setToolTip("Stop scrolling (readings are still collected). Zooming or "
                                     "dragging the plot pauses too; press again to follow.")
        self.pause_button.toggled.connect(lambda on: self.plot.set_following(not on))
        self.plot.follow_changed.connect(self._follow_changed)
        tools.addSpacing(6)
        tools.addWidget(self.pause_button)
        tools.addSpacing(14)
        self.panel_boxes: dict[str, QCheckBox] = {}
        for panel, text in (("current", "Current"), ("voltage", "Voltage"), ("soc", "SoC"),
                            ("energy", "Energy")):
            box = QCheckBox(text)
            box.setToolTip(f"Show a {text.lower()} panel under the power")
            box.toggled.connect(lambda on, p=panel: self.plot.set_panel_visible(p, on))
            self.panel_boxes[panel] = box
            tools.addWidget(box)
        tools.addStretch(1)
        self.limit_button = QPushButton("Read limit")
        self.limit_button.setToolTip("Ask the charger for the power limit it is obeying "
                                     "(its composite schedule) and draw it over the power")
        self.limit_button.clicked.connect(self.read_limit)
        self.csv_button = QPushButton("Save CSV…")
        self.csv_button.setToolTip("Save the readings in the visible time range as CSV")
        self.csv_button.clicked.connect(self._export_csv_dialog)
        self.png_button = QPushButton("Save PNG…")
        self.png_button.setToolTip("Save a picture of the plot")
        self.png_button.clicked.connect(self._export_png_dialog)
        tools.addWidget(self.limit_button)
        tools.addWidget(self.csv_button)
        tools.addWidget(self.png_button)

        # --------------------------------------------------- 1-second power
        self.one_second_button = QPushButton("1-second power")
        self.one_second_button.setCheckable(True)
        self.one_second_button.setStyleSheet(theme.ONE_SECOND_BUTTON_STYLE)
        self.one_second_button.setToolTip(
            "Ask the charger to report its power every second (UK Smart Charge Points "
            "Regulations). Switching off puts back the settings it had before.")
        self.one_second_button.clicked.connect(self._one_second_clicked)
        self.restore_button = QPushButton("Restore previous reporting settings")
        self.restore_button.setToolTip("This charger was switched to 1-second power earlier; "
                                       "put back the reporting settings it had before")
        self.restore_button.clicked.connect(self.restore_previous)
        self.restore_button.hide()
        # Some chargers take the 1-second interval only from the next session (issue 14):
        # offered only when the samples, not the answer, showed the old cadence.
        self.restart_session_button = QPushButton("Restart the charging session")
        self.restart_session_button.setToolTip(
            "Stop the running session and start a new one, then watch whether the charger "
            "reports every second")
        self.restart_session_button.clicked.connect(self.restart_session)
        self.restart_session_button.hide()
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.status.setStyleSheet(BODY_STYLE)
        header.addWidget(self.one_second_button)
        header.addWidget(self.restore_button)
        header.addWidget(self.restart_session_button)
        self.status.hide()

        # ----------------------------------------------------- plot / empty
        self.empty = QLabel()
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self.empty.setStyleSheet(theme.EMPTY_PLOT_STYLE)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.empty)
        self.stack.addWidget(self.plot)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(4)
        layout.addLayout(header)
        layout.addLayout(tools)
        layout.addWidget(self.status)
        layout.addWidget(self.stack, 1)

        self.plot.refreshed.connect(self._refresh_readouts)
        self.timer = QTimer(self)
        self.timer.setInterval(1000)
        self.timer.timeout.connect(self._refresh_controls)
        # the age of the last reading grows without new samples (a paused plot does not
        # emit refreshed), so the readouts are redrawn every second too
        self.timer.timeout.connect(self._refresh_readouts)
        self.timer.start()
        if metering is not None:
            self.plot.set_metering(metering)
        self._refresh_readouts()
        self._refresh_controls()

    # --------------------------------------------------------------- charger
    def set_charger(self, charger: str | None) -> None:
        """The charger list's selection (None = all chargers: plot the first one with
        power readings, or the first connected one)."""
        self.auto_charger = charger is None
        self._choose(charger if charger is not None else self._auto_pick())

    def _choose(self, charger: str | None) -> None:
        if charger != self.charger:
            self.charger = charger
            self.plot.set_charger(charger)
            self.status.clear()
            self.status.hide()
        self._refresh_readouts()
        self._refresh_controls()

    def _auto_pick(self) -> str | None:
        if self.metering is not None:
            chargers = sorted({k.charger for k in self.metering.keys()})
            for charger in chargers:
                if any(self.metering.power(charger, c) is not None
                       for c in self.metering.connectors(charger)):
                    return charger
            if chargers:
                return chargers[0]
        if self.central is not None:
            stations = sorted(self.central.stations.values(), key=lambda s: s.charger_id)
            connected = [s.charger_id for s in stations if s.connected]
            if connected:
                return connected[0]
        return self.charger

    def is_connected(self) -> bool:
        if self.central is None or self.charger is None:
            return False
        station = self.central.stations.get(self.charger)
        return bool(station is not None and station.connected)

    def detach(self) -> None:
        self.timer.stop()
        self.plot.detach()

    # ------------------------------------------------------------- readouts
    def set_window(self, name: str) -> None:
        self.window_buttons[name].setChecked(True)
        self.plot.set_window(name)

    def _follow_changed(self, following: bool) -> None:
        if self.pause_button.isChecked() == following:
            self.pause_button.blockSignals(True)
            self.pause_button.setChecked(not following)
            self.pause_button.blockSignals(False)
        self.pause_button.setText("Paused — click to follow" if not following else "Pause")

    def _refresh_readouts(self) -> None:
        charger = self.charger
        name = html.escape(charger) if charger else "no charger"
        self.title.setText(f"<b>Power</b> — {name}")
        if self.metering is None:
            self.empty.setText("Power readings are not available in this build.")
            self.stack.setCurrentWidget(self.empty)
            self.latest.clear()
            self.cadence.setText("—")
            return
        if charger is None:
            self.empty.setText("No charger yet. When a charger connects and starts a charge, "
                               "its power is plotted here.")
            self.stack.setCurrentWidget(self.empty)
            self.latest.clear()
            self.cadence.setText("—")
            return
        power_curves = [c for c in self.plot.curves
                        if c.panel == "power" and c.raw_t is not None and len(c.raw_t)]
        if not self.plot.has_data():
            self.empty.setText(f"No power readings from {charger} yet — start a charge, "
                               "or switch on 1-second power.")
            self.stack.setCurrentWidget(self.empty)
        else:
            self.stack.setCurrentWidget(self.plot)
        latest = []
        cadences = []
        for curve in power_curves:
            series = curve.fetch()
            cadence = series.cadence() if series is not None else None
            interval = cadence.mean_interval_s if cadence is not None else None
            age = self.plot.clock() - float(curve.raw_t[-1])
            stale = is_stale(age, interval)
            latest.append(self._latest_text(curve, len(power_curves) > 1, age, stale))
            cadences.append(self._cadence_html(curve, cadence, len(power_curves) > 1, age,
                                               stale))
        self.latest.setText(" &nbsp; ".join(latest))
        self.cadence.setText("<br>".join(cadences) if cadences else "—")

    @staticmethod
    def _latest_text(curve: Any, several: bool, age: float, stale: bool) -> str:
        """'Now: 7.19 kW (2 s ago)', or greyed 'Last reading: 7.19 kW, 12 min ago'."""
        value = format_value(float(curve.raw_v[-1]), "W")
        if stale:
            label = curve.name if several else "Last reading"
            return (f"<span style='color:{theme.STALE_TEXT};'>{html.escape(label)}: "
                    f"<b>{value}</b>, {age_text(age)} ago</span>")
        colour = curve.item.opts["pen"].color().name()
        label = curve.name if several else "Now"
        return (f"<span style='color:{colour};'>{html.escape(label)}: <b>{value}</b></span>"
                f" <span style='color:{theme.STALE_TEXT}; font-size:9pt;'>({age_text(age)} ago)"
                "</span>")

    @staticmethod
    def _cadence_html(curve: Any, cadence: Any, several: bool, age: float,
                      stale: bool) -> str:
        text = cadence_text(cadence)
        slow = (cadence is not None and cadence.mean_interval_s is not None
                and cadence.mean_interval_s > AMBER_CADENCE_S)
        if stale:
            was = f" — it was {text[0].lower()}{text[1:]}" if text != "—" else ""
            text = (f"<span style='color:{theme.LATE_TEXT}; font-weight:600;'>No reading for "
                    f"{html.escape(age_text(age))}</span>{html.escape(was)}")
        elif slow:
            text = (f"<span style='color:{theme.LATE_TEXT}; font-weight:600;'>"
                    f"{html.escape(text)}</span>")
        else:
            text = html.escape(text)
        if several:
            text = f"{html.escape(curve.name)}: {text}"
        return text

    def _refresh_controls(self) -> None:
        charger = self.charger
        if self.auto_charger and not self.plot.has_data():
            pick = self._auto_pick()
            if pick != charger:
                self._choose(pick)
                return
        connected = self.is_connected()
        have = self.one_second is not None and charger is not None
        self.one_second_button.setEnabled(have and connected and not self._busy)
        self.limit_button.setEnabled(charger is not None and connected and not self._busy
                                     and self.central is not None)
        if not connected and charger is not None:
            self.one_second_button.setToolTip(f"{charger} is not connected")
        enabled = bool(have and self.one_second.is_enabled(charger))
        if self.one_second_button.isChecked() != enabled and not self._busy:
            self.one_second_button.setChecked(enabled)
        remembered = self.one_second.remembered(charger) if have else None
        self.restore_button.setVisible(bool(remembered is not None and not enabled))
        self.restore_button.setEnabled(connected and not self._busy)

    # -------------------------------------------------------- 1-second power
    def _one_second_clicked(self, on: bool) -> AsyncOp | None:
        return self.switch_one_second(on)

    def switch_one_second(self, on: bool) -> AsyncOp | None:
        if self.one_second is None or self.charger is None:
            return None
        charger = self.charger
        work = (lambda: self.one_second.enable(charger)) if on else \
            (lambda: self.one_second.disable(charger))
        verb = "Switching on" if on else "Switching off"
        return self._run(work, f"{verb} 1-second power for {charger}…")

    def restore_previous(self) -> AsyncOp | None:
        if self.one_second is None or self.charger is None:
            return None
        charger = self.charger
        return self._run(lambda: self.one_second.disable(charger),
                         f"Restoring the reporting settings {charger} had before…")

    def restart_session(self) -> AsyncOp | None:
        if self.one_second is None or self.charger is None:
            return None
        charger = self.charger
        return self._run(lambda: self.one_second.restart_session(charger),
                         f"Restarting the charging session on {charger} and watching its "
                         "meter values…")

    def _run(self, work: Any, start_text: str) -> AsyncOp:
        def start() -> None:
            self._busy = True
            self.status.setText(start_text)
            self.status.show()
            self._refresh_controls()

        def done(result: Any) -> None:
            self._busy = False
            self._show_result(result.explanation, ok=result.ok)
            self.restart_session_button.setVisible(
                bool(getattr(result, "restart_suggested", False)))
            self._refresh_controls()

        def failed(exc: BaseException) -> None:
            self._busy = False
            self._show_result(f"That did not work: {explain_error(exc)}", ok=False)
            self._refresh_controls()

        self.last_op = AsyncOp(self, work, on_start=start, on_success=done,
                               on_failure=failed).run()
        return self.last_op

    def _show_result(self, text: str, ok: bool) -> None:
        self.status.setStyleSheet("QLabel { color: %s; }" % (
            theme.OUTCOME_OK_TEXT if ok else theme.OUTCOME_FAILED_TEXT))
        self.status.setText(text)
        self.status.show()
        self.operation_done.emit(text)

    # ----------------------------------------------------------------- limit
    def read_limit(self) -> AsyncOp | None:
        if self.charger is None or self.central is None:
            return None
        charger = self.charger
        connectors = self.metering.connectors(charger) if self.metering is not None else []
        connector = sorted(connectors)[0] if connectors else "1"

        async def work() -> list:
            from ...metering.limits import read_limit  # noqa: PLC0415 - optional layer
            return await read_limit(self.central, charger, connector)

        def start() -> None:
            self._busy = True
            self.status.setStyleSheet(BODY_STYLE)
            self.status.setText(f"Asking {charger} for the limit it is obeying…")
            self.status.show()
            self._refresh_controls()

        def done(steps: list) -> None:
            self._busy = False
            if charger == self.charger:
                self.plot.set_limit(steps)
            if not steps:
                self._show_result(f"{charger} reports no limit for connector {connector}.",
                                  ok=True)
            else:
                current = [s for s in steps if s.limit_w is not None]
                text = (f"Limit read from {charger} (connector {connector}): "
                        + (f"now {format_value(current[0].limit_w, 'W')}" if current
                           else "no limit") + ". It is the dashed orange line.")
                self._show_result(text, ok=True)
            self._refresh_controls()

        def failed(exc: BaseException) -> None:
            self._busy = False
            self._show_result(f"Could not read the limit from {charger}: "
                              f"{explain_error(exc)}", ok=False)
            self._refresh_controls()

        self.last_op = AsyncOp(self, work, on_start=start, on_success=done,
                               on_failure=failed).run()
        return self.last_op

    # ---------------------------------------------------------------- export
    def _suggested(self, suffix: str) -> str:
        return str(Path.home() / f"power-{self.charger or 'charger'}.{suffix}")

    def _export_csv_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export visible range as CSV",
                                              self._suggested("csv"), "CSV (*.csv)")
        if path:
            try:
                rows = self.plot.export_csv(path)
            except OSError as exc:
                self._show_result(f"Cannot write {path}: {exc}", ok=False)
                return
            self._show_result(f"Saved {rows:,} rows to {Path(path).name}", ok=True)

    def _export_png_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export plot as PNG",
                                              self._suggested("png"), "PNG image (*.png)")
        if path:
            ok = self.plot.export_png(path)
            self._show_result(f"Saved {Path(path).name}" if ok else f"Cannot write {path}",
                              ok=ok)
