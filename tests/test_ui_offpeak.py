"""The Charging hours tab as an owner/installer uses it: the three choices, painting own
hours, override, randomised delay, the check, results and the clear button.

Most tests use a scripted fake SmartChargingService (same interface); the last test runs the
real service against a demo charger over a real CsmsServer on 127.0.0.1 when it is available.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import asyncio  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from types import SimpleNamespace  # noqa: E402
from typing import Any  # noqa: E402

import pytest  # noqa: E402
from conftest import loop, shut_down, wait_until  # noqa: E402,F401
from PySide6.QtCore import QPoint, Qt  # noqa: E402

from ocpp_studio.smartcharging.evaluator import Interval  # noqa: E402
from ocpp_studio.smartcharging.offpeak import WeeklyHours  # noqa: E402
from ocpp_studio.ui.charging_hours.offpeak_panel import OffPeakPanel  # noqa: E402
from ocpp_studio.ui.charging_hours.week_timeline import WeekTimeline  # noqa: E402


def answer_yes(monkeypatch: Any) -> list:
    """Answer the "Use the default off-peak hours?" question with Yes; returns the texts asked."""
    from PySide6.QtWidgets import QMessageBox
    asked: list = []

    def question(parent: Any, title: str, text: str, *args: Any) -> Any:
        asked.append(text)
        return QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "question", question)
    return asked


# ------------------------------------------------------------------ fakes
@dataclass
class Step:
    action: str
    detail: str
    status: str


@dataclass
class Result:
    ok: bool
    steps: list
    explanation: str
    installed: list = field(default_factory=list)


@dataclass
class Delay:
    supported: bool
    key: str | None
    value_s: int | None
    method: str


@dataclass
class Verification:
    intended: list
    charger: list
    differences: list
    notes: list


@dataclass
class Status:
    charger: str
    version: str
    hours: Any
    installed: list
    delay: Any
    override_active: bool
    explanation: str


class FakeService:
    def __init__(self, delay: Delay | None = None) -> None:
        self.calls: list[tuple] = []
        self.hours: Any = None
        self.installed: list[int] = []
        self.override_on = False
        self.delay = delay or Delay(True, "RandomisedDelay", 600, "charger")
        self.next_result: Result | None = None

    def _result(self, text: str) -> Result:
        result = self.next_result or Result(True, [Step("SetChargingProfile 1", "stack 1",
                                                        "Accepted")], text, list(self.installed))
        self.next_result = None
        return result

    async def status(self, charger_id: str) -> Status:
        self.calls.append(("status", charger_id))
        await asyncio.sleep(0.01)
        return Status(charger_id, "1.6", self.hours, list(self.installed), self.delay,
                      self.override_on, "Status in plain words.")

    async def apply_hours(self, charger_id: str, hours: Any, max_power_w: Any = None) -> Result:
        self.calls.append(("apply_hours", charger_id, hours))
        await asyncio.sleep(0.01)
        self.hours, self.installed = hours, [1, 2]
        return self._result("Charging hours installed.")

    async def remove_hours(self, charger_id: str) -> Result:
        self.calls.append(("remove_hours", charger_id))
        self.hours, self.installed = None, []
        return self._result("Charging hours removed.")

    async def override(self, charger_id: str, on: bool) -> Result:
        self.calls.append(("override", charger_id, on))
        self.override_on = on
        return self._result("Override on." if on else "Override off.")

    async def randomised_delay(self, charger_id: str) -> Delay:
        self.calls.append(("randomised_delay", charger_id))
        return self.delay

    async def set_randomised_delay(self, charger_id: str, seconds: int) -> Result:
        self.calls.append(("set_randomised_delay", charger_id, seconds))
        self.delay = Delay(self.delay.supported, self.delay.key, seconds, self.delay.method)
        return self._result(f"Delay set to {seconds} s.")

    async def verify(self, charger_id: str, days: int = 7) -> Verification:
        self.calls.append(("verify", charger_id, days))
        day = 86400
        intended = [Interval(0, 8 * 3600, None), Interval(8 * 3600, 11 * 3600, 0),
                    Interval(11 * 3600, 7 * day, None)]
        # like a real charger: its own maximum where nothing limits it
        charger = [Interval(0, 8 * 3600, 7400), Interval(8 * 3600, 10 * 3600, 0),
                   Interval(10 * 3600, 11 * 3600, 3700), Interval(11 * 3600, 7 * day, 7400)]
        return Verification(intended, charger, [Interval(10 * 3600, 11 * 3600, 3700)],
                            ["The charger allows 3.7 kW on Monday 10:00–11:00."])

    async def clear(self, charger_id: str) -> Result:
        self.calls.append(("clear", charger_id))
        self.hours, self.installed = None, []
        return self._result("Everything removed.")


def central(charger: str = "CP-1", connected: bool = True) -> Any:
    return SimpleNamespace(stations={charger: SimpleNamespace(connected=connected,
                                                              version="1.6")})


def make_panel(qtbot: Any, loop: Any, service: Any = None, connected: bool = True
               ) -> tuple[OffPeakPanel, Any]:
    service = service or FakeService()
    panel = OffPeakPanel(service, central(connected=connected))
    qtbot.addWidget(panel)
    panel.resize(1100, 900)
    panel.show()
    panel.set_charger("CP-1")
    if connected:
        loop.run_until_complete(wait_until(lambda: panel.status is not None and not panel._busy,
                                           what="status read"))
    return panel, service


def idle(loop: Any, panel: OffPeakPanel) -> None:
    loop.run_until_complete(wait_until(lambda: not panel._busy, what="panel idle"))


def names(service: FakeService) -> list[str]:
    return [call[0] for call in service.calls]


# --------------------------------------------------------------- timeline
def cell_centre(timeline: WeekTimeline, day: int, slot: int) -> QPoint:
    return timeline.cell_rect(day, slot).center()


def test_painting_cells_changes_hours(qtbot: Any) -> None:
    timeline = WeekTimeline(editable=True)
    qtbot.addWidget(timeline)
    timeline.resize(900, 260)
    timeline.show()
    timeline.set_hours(WeeklyHours.all_allowed())
    timeline.brush = False
    with qtbot.waitSignal(timeline.changed, timeout=1000):
        qtbot.mousePress(timeline, Qt.MouseButton.LeftButton, pos=cell_centre(timeline, 0, 2))
        qtbot.mouseMove(timeline, cell_centre(timeline, 2, 5))
        qtbot.mouseRelease(timeline, Qt.MouseButton.LeftButton, pos=cell_centre(timeline, 2, 5))
    hours = timeline.hours()
    assert isinstance(hours, WeeklyHours)
    for day in range(3):
        assert hours.allowed[day][2:6] == [False] * 4
        assert hours.allowed[day][1] and hours.allowed[day][6]
    assert all(hours.allowed[3])
    # the right button always paints "no charging"; the left with the allow brush repaints
    timeline.brush = True
    qtbot.mouseClick(timeline, Qt.MouseButton.LeftButton, pos=cell_centre(timeline, 1, 3))
    assert timeline.hours().allowed[1][3]
    qtbot.mouseClick(timeline, Qt.MouseButton.RightButton, pos=cell_centre(timeline, 6, 47))
    assert not timeline.hours().allowed[6][47]
    assert "Sunday 23:30–00:00" in timeline.tooltip_at(cell_centre(timeline, 6, 47)) \
        or "Sunday 23:30–24:00" in timeline.tooltip_at(cell_centre(timeline, 6, 47))


def test_read_only_timeline_ignores_the_mouse(qtbot: Any) -> None:
    timeline = WeekTimeline(editable=False)
    qtbot.addWidget(timeline)
    timeline.resize(900, 260)
    timeline.show()
    timeline.set_hours(WeeklyHours.uk_default())
    before = timeline.hours().allowed
    qtbot.mouseClick(timeline, Qt.MouseButton.RightButton, pos=cell_centre(timeline, 5, 3))
    assert timeline.hours().allowed == before


def test_own_hours_start_from_the_defaults_with_weekday_peaks_blocked(qtbot: Any, loop: Any
                                                                      ) -> None:
    panel, service = make_panel(qtbot, loop)
    panel.own_button.click()
    assert panel.timeline.editable and panel.editor_bar.isVisible()
    allowed = panel.timeline.hours().allowed
    for day in range(5):  # weekdays: 08:00-11:00 and 16:00-22:00 blocked
        assert not any(allowed[day][16:22]) and not any(allowed[day][32:44])
        assert all(allowed[day][0:16]) and all(allowed[day][22:32]) and all(allowed[day][44:])
    assert all(allowed[5]) and all(allowed[6])  # weekends free
    # paint Saturday morning blocked, then apply: the service gets exactly that
    panel.brush_block.setChecked(True)
    t = panel.timeline
    qtbot.mousePress(t, Qt.MouseButton.LeftButton, pos=cell_centre(t, 5, 0))
    qtbot.mouseMove(t, cell_centre(t, 5, 3))
    qtbot.mouseRelease(t, Qt.MouseButton.LeftButton, pos=cell_centre(t, 5, 3))
    assert "blocked for 47 hours" in panel.edit_summary.text()
    panel.apply_hours_button.click()
    idle(loop, panel)
    call = next(c for c in service.calls if c[0] == "apply_hours")
    assert call[2].allowed[5][0:4] == [False] * 4 and all(call[2].allowed[5][4:])
    assert not panel._editing and not panel.timeline.editable
    assert "Charging hours installed." in panel.results_explanation.text()


def test_cancel_leaves_the_charger_alone(qtbot: Any, loop: Any) -> None:
    panel, service = make_panel(qtbot, loop)
    panel.own_button.click()
    panel.cancel_edit_button.click()
    assert not panel._editing and not panel.editor_bar.isVisible()
    assert "apply_hours" not in names(service)


def test_default_button_applies_uk_defaults_and_shows_the_result(qtbot: Any, loop: Any,
                                                                 monkeypatch: Any) -> None:
    panel, service = make_panel(qtbot, loop)
    answer_yes(monkeypatch)
    panel.default_button.click()
    idle(loop, panel)
    call = next(c for c in service.calls if c[0] == "apply_hours")
    assert call[1] == "CP-1" and call[2].allowed == WeeklyHours.uk_default().allowed
    assert panel.results_box.isVisible()
    assert panel.steps.topLevelItemCount() == 1
    assert "Accepted" in panel.steps.topLevelItem(0).text(1)
    assert "Charging hours installed." in panel.results_explanation.text()
    # read back: the status now says "default" and the clear button offers to remove 1, 2
    assert names(service)[-1] == "status"
    assert panel.default_button.isChecked()
    assert panel.clear_button.isVisibleTo(panel) and "1, 2" in panel.installed_label.text()


def test_no_limits_button_removes_hours(qtbot: Any, loop: Any) -> None:
    panel, service = make_panel(qtbot, loop)
    panel.no_limits_button.click()
    idle(loop, panel)
    assert ("remove_hours", "CP-1") in service.calls
    assert "Charging hours removed." in panel.results_explanation.text()
    assert panel.no_limits_button.isChecked()


def test_override_toggle(qtbot: Any, loop: Any) -> None:
    panel, service = make_panel(qtbot, loop)
    panel.override_button.click()
    idle(loop, panel)
    assert ("override", "CP-1", True) in service.calls
    assert panel.override_button.isChecked()
    assert "Override is on" in panel.status_label.text()
    assert panel.details_text.text() == "Status in plain words."
    panel.override_button.click()
    idle(loop, panel)
    assert ("override", "CP-1", False) in service.calls
    assert not panel.override_button.isChecked()


def test_randomised_delay_on_a_charger_with_the_key(qtbot: Any, loop: Any) -> None:
    panel, service = make_panel(qtbot, loop)
    assert panel.delay_spin.value() == 600
    assert "RandomisedDelay" in panel.delay_label.text()
    assert not panel.delay_method_label.isVisibleTo(panel)
    assert panel.delay_spin.maximum() == 1800
    panel.delay_spin.setValue(900)
    panel.delay_apply_button.click()
    idle(loop, panel)
    assert ("set_randomised_delay", "CP-1", 900) in service.calls
    assert "Delay set to 900 s." in panel.results_explanation.text()
    panel.delay_spin.setValue(0)  # 0 cancels
    assert "off" in panel.delay_minutes.text()
    panel.delay_apply_button.click()
    idle(loop, panel)
    assert ("set_randomised_delay", "CP-1", 0) in service.calls


def test_randomised_delay_without_charger_support_is_explained(qtbot: Any, loop: Any) -> None:
    panel, _service = make_panel(qtbot, loop, FakeService(Delay(False, None, None,
                                                                "csms-profile")))
    assert "no randomised-delay setting" in panel.delay_label.text()
    assert "Press <b>Apply</b>" in panel.delay_label.text()
    assert panel.delay_method_label.isVisibleTo(panel)
    text = panel.delay_method_label.text()
    assert "OCPP Studio does it instead" in text and "cannot do" in text


def test_verification_marks_differences(qtbot: Any, loop: Any) -> None:
    panel, service = make_panel(qtbot, loop)
    panel.verify_button.click()
    idle(loop, panel)
    assert ("verify", "CP-1", 7) in service.calls
    timeline = panel.verify_timeline
    assert timeline.isVisibleTo(panel) and timeline.mode == "limits"
    assert len(timeline.tracks) == 2 and timeline.tracks[0][0] == "Asked"
    assert len(timeline._diff_segments) == 1
    seg = timeline._diff_segments[0]
    assert (seg.row, seg.start_min, seg.end_min) == (0, 600, 660)
    assert "1 difference" in panel.verify_summary.text()
    assert "3.7 kW" in panel.verify_notes.text()
    # the tooltip over the difference tells both sides
    x = round(timeline._x(630))
    tip = timeline.tooltip_at(QPoint(x, timeline.TOP + timeline._row_h() // 2))
    assert "Different" in tip and "limited to 3.7 kW" in tip and "no charging" in tip
    # the charger's own maximum counts as full power, not as a limit
    tip = timeline.tooltip_at(QPoint(round(timeline._x(300)), timeline.TOP + 5))
    assert "full power (7.4 kW, the charger's maximum)" in tip and "Different" not in tip


def test_verification_with_posix_times_is_drawn_in_uk_local_time(qtbot: Any) -> None:
    from datetime import datetime
    from zoneinfo import ZoneInfo
    uk = ZoneInfo("Europe/London")
    start = datetime(2026, 3, 27, 0, 0, tzinfo=uk).timestamp()  # Friday before BST starts
    peak = datetime(2026, 3, 30, 8, 0, tzinfo=uk).timestamp()  # Monday 08:00 BST
    timeline = WeekTimeline()
    qtbot.addWidget(timeline)
    timeline.set_intervals([("Asked", [Interval(start, peak, None),
                                       Interval(peak, peak + 3 * 3600, 0)])])
    assert timeline.row_labels[0].startswith("Fri") and timeline.row_labels[3].startswith("Mon")
    blocked = [s for s in timeline._segments if s.limit_w == 0]
    assert [(s.row, s.start_min, s.end_min) for s in blocked] == [(3, 480, 660)]


def test_clear_button_appears_after_a_failed_step(qtbot: Any, loop: Any, monkeypatch: Any) -> None:
    panel, service = make_panel(qtbot, loop)
    answer_yes(monkeypatch)
    assert not panel.clear_button.isVisibleTo(panel)
    service.next_result = Result(False, [
        Step("SetChargingProfile 1 (daily peaks)", "stack level 1", "Accepted"),
        Step("SetChargingProfile 2 (weekend)", "the charger said no", "Rejected")],
        "The charger refused the weekend profile. Try again, or remove what was installed.",
        [])
    panel.default_button.click()
    idle(loop, panel)
    assert panel.clear_button.isVisibleTo(panel)
    assert "✗ Rejected" in panel.steps.topLevelItem(1).text(1)
    assert "Not everything worked" in panel.results_explanation.text()
    panel.clear_button.click()
    idle(loop, panel)
    assert ("clear", "CP-1") in service.calls
    assert "Everything removed." in panel.results_explanation.text()
    assert not panel.clear_button.isVisibleTo(panel)


def test_buttons_disabled_when_not_connected_or_busy(qtbot: Any, loop: Any) -> None:
    panel, service = make_panel(qtbot, loop, connected=False)
    assert not panel.default_button.isEnabled() and not panel.verify_button.isEnabled()
    assert "not connected" in panel.status_label.text()
    assert service.calls == []
    panel.central.stations["CP-1"].connected = True
    panel.refresh_connection()
    assert panel._busy and not panel.default_button.isEnabled()  # reading the status
    idle(loop, panel)
    assert panel.default_button.isEnabled()
    assert names(service)[0] == "status"


def test_clock_change_text_is_shown_on_request(qtbot: Any, loop: Any) -> None:
    from ocpp_studio.smartcharging.offpeak import OFFPEAK_CLOCK_CHANGE_EXPLANATION
    panel, _ = make_panel(qtbot, loop)
    assert not panel.clock_text.isVisibleTo(panel)
    panel.clock_toggle.click()
    assert panel.clock_text.isVisibleTo(panel)
    assert panel.clock_text.text() == OFFPEAK_CLOCK_CHANGE_EXPLANATION


def test_failure_is_reported_in_plain_words(qtbot: Any, loop: Any) -> None:
    service = FakeService()

    async def slow(charger_id: str, days: int = 7) -> Any:
        raise TimeoutError()

    panel, _ = make_panel(qtbot, loop, service)
    service.verify = slow  # type: ignore[method-assign]
    panel.verify_button.click()
    idle(loop, panel)
    assert "did not answer in time" in panel.busy_label.text()
    assert panel.verify_button.isEnabled()


def test_main_window_has_a_charging_hours_tab(qtbot: Any, loop: Any) -> None:
    from ocpp_studio.capture.store import CaptureStore
    from ocpp_studio.settings import CsmsSettings
    from ocpp_studio.station.central import CentralSystem
    from ocpp_studio.ui.main_window import MainWindow
    store = CaptureStore(":memory:")
    central_system = CentralSystem(store, CsmsSettings(host="127.0.0.1", port=0))
    window = MainWindow(central_system, store, smart_charging=FakeService())
    qtbot.addWidget(window)
    titles = [window.tabs.tabText(i) for i in range(window.tabs.count())]
    assert titles[:4] == ["Messages", "Power", "Configuration", "Charging hours"]
    assert window.tabs.indexOf(window.offpeak_panel) == 3  # built when asked for, in place
    window.detach()


# ------------------------------------------------- the real service, demo chargers
@pytest.mark.timesensitive
@pytest.mark.parametrize("version", ["1.6", "2.0.1", "2.1"])
def test_charging_hours_tab_with_demo_charger(qtbot: Any, loop: Any, version: str,
                                              tmp_path: Any, monkeypatch: Any) -> None:
    answer_yes(monkeypatch)
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from ocpp_studio.capture.store import CaptureStore
    from ocpp_studio.core.clock import FixedClock
    from ocpp_studio.core.versions import OcppVersion
    from ocpp_studio.demo import DemoCharger, DemoChargerConfig
    from ocpp_studio.settings import CsmsSettings
    from ocpp_studio.smartcharging.service import SmartChargingService
    from ocpp_studio.station.central import CentralSystem
    from ocpp_studio.transports.websocket_server import CsmsServer
    # studio and charger at a weekday evening peak: the verification must still match
    clock = FixedClock(datetime(2026, 11, 25, 17, 30, tzinfo=ZoneInfo("Europe/London")))
    from ocpp_studio.ui.main_window import MainWindow

    async def finish(op: Any) -> None:
        assert op is not None and op.task is not None
        await asyncio.wait_for(asyncio.shield(op.task), 30)

    async def scenario() -> None:
        store = CaptureStore(":memory:")
        central_system = CentralSystem(store, CsmsSettings(host="127.0.0.1", port=0))
        server = CsmsServer(central_system)
        await server.start()
        service = SmartChargingService(central_system, state_path=tmp_path / "sc.json",
                                       call_timeout=10, clock=clock)
        window = MainWindow(central_system, store, urls=server.urls(), capture_path="(memory)",
                            smart_charging=service)
        window.show()
        charger = DemoCharger(f"ws://127.0.0.1:{server.port}/ocpp",
                              DemoChargerConfig(charger_id="OP-1", auto_charge=True,
                                                version=OcppVersion.parse(version)),
                              clock=clock)
        task = asyncio.create_task(charger.run())
        panel = window.offpeak_panel
        try:
            assert await charger.wait_booted()
            await wait_until(lambda: window.chargers.card("OP-1") is not None, what="card")
            window.tabs.setCurrentWidget(panel)
            window.chargers.select_charger("OP-1")
            assert panel.charger == "OP-1"
            await wait_until(lambda: panel.status is not None and not panel._busy,
                             timeout=30, what="status")
            await finish(panel.use_defaults())
            await wait_until(lambda: not panel._busy, timeout=30, what="read back")
            result = panel.last_result
            assert result is not None and result.ok, (result, panel.busy_label.text())
            assert panel.default_button.isChecked()
            assert panel.clear_button.isVisibleTo(panel)  # something is installed
            await finish(panel.verify())
            assert panel.verification is not None
            assert panel.verification.charger, panel.verification.notes
            assert panel.verify_timeline.isVisibleTo(panel)
            assert not panel.verification.differences, panel.verification.notes
            assert "will do what was asked" in panel.verify_summary.text()
            await finish(panel.clear())
            await wait_until(lambda: not panel._busy, timeout=30, what="read back")
            assert panel.last_result.ok and not panel.last_result.installed
        finally:
            await shut_down(charger, task, window, server, store)

    loop.run_until_complete(asyncio.wait_for(scenario(), 90))


@pytest.mark.parametrize("version", ["1.6", "2.0.1", "2.1"])
def test_check_without_evidence_is_not_shown_as_a_match(qtbot: Any, loop: Any, version: str,
                                                        tmp_path: Any) -> None:
    """A charger that cannot report its schedule (SetChargingProfile/GetCompositeSchedule
    not implemented) must read "Not verified", never "✓ will do what was asked"."""
    from ocpp_studio.capture.store import CaptureStore
    from ocpp_studio.core.versions import OcppVersion
    from ocpp_studio.demo import DemoCharger, DemoChargerConfig
    from ocpp_studio.settings import CsmsSettings
    from ocpp_studio.smartcharging.service import SmartChargingService
    from ocpp_studio.station.central import CentralSystem
    from ocpp_studio.transports.websocket_server import CsmsServer
    from ocpp_studio.ui.main_window import MainWindow

    async def scenario() -> None:
        store = CaptureStore(":memory:")
        central_system = CentralSystem(store, CsmsSettings(host="127.0.0.1", port=0))
        server = CsmsServer(central_system)
        await server.start()
        service = SmartChargingService(central_system, state_path=tmp_path / "sc.json",
                                       call_timeout=10)
        window = MainWindow(central_system, store, urls=server.urls(), capture_path="(memory)",
                            smart_charging=service)
        window.show()
        charger = DemoCharger(f"ws://127.0.0.1:{server.port}/ocpp",
                              DemoChargerConfig(charger_id="NOSC-1", auto_charge=True,
                                                version=OcppVersion.parse(version),
                                                quirks=["no-smart-charging"]))
        task = asyncio.create_task(charger.run())
        panel = window.offpeak_panel
        try:
            assert await charger.wait_booted()
            await wait_until(lambda: window.chargers.card("NOSC-1") is not None, what="card")
            window.tabs.setCurrentWidget(panel)
            window.chargers.select_charger("NOSC-1")
            await wait_until(lambda: panel.status is not None and not panel._busy,
                             timeout=30, what="status")
            op = panel.verify()
            assert op is not None and op.task is not None
            await asyncio.wait_for(asyncio.shield(op.task), 30)
            assert panel.verification is not None
            assert panel.verification.evidence is None
            text = panel.verify_summary.text()
            assert "Not verified" in text, text
            assert "will do what was asked" not in text
        finally:
            await shut_down(charger, task, window, server, store)

    loop.run_until_complete(asyncio.wait_for(scenario(), 90))
