"""The Power tab: plot, gaps, windows, cadence, exports, 1-second button.

Most tests feed a small fake of the metering layer's interface (series, keys, power,
samples_added); the last one runs the real MeteringService with a demo charger over a real
CSMS when that layer is installed.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import asyncio  # noqa: E402
import contextlib  # noqa: E402
import csv  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from typing import Any, Callable  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from conftest import loop, wait_until  # noqa: E402,F401
import qasync  # noqa: E402

from ocpp_studio.core.events import Signal  # noqa: E402
from ocpp_studio.ui.power.power_panel import PowerPanel, cadence_text  # noqa: E402
from ocpp_studio.ui.power.power_plot import PowerPlot, step_arrays, with_gaps  # noqa: E402

T0 = 1_750_000_000.0  # a fixed "now" for the plot's clock


# ------------------------------------------------------------------ fakes
@dataclass(frozen=True)
class Key:
    charger: str
    connector: str
    measurand: str
    phase: str | None = None


@dataclass(frozen=True)
class Cadence:
    samples: int
    mean_interval_s: float | None
    jitter_s: float | None
    p95_interval_s: float | None
    last_ts_us: int | None


@dataclass(frozen=True)
class Sample:
    charger: str
    connector: str
    ts_us: int
    measurand: str
    value: float
    unit: str
    phase: str | None = None


class FakeSeries:
    def __init__(self, key: Key, unit: str) -> None:
        self.key, self.unit = key, unit
        self.t: list[float] = []
        self.v: list[float] = []

    def __len__(self) -> int:
        return len(self.t)

    def append(self, ts_s: float, value: float) -> None:
        self.t.append(ts_s)
        self.v.append(value)

    def arrays(self, since_s: float | None = None, until_s: float | None = None):
        t, v = np.array(self.t, float), np.array(self.v, float)
        lo = 0 if since_s is None else int(np.searchsorted(t, since_s, side="left"))
        hi = len(t) if until_s is None else int(np.searchsorted(t, until_s, side="right"))
        return t[lo:hi], v[lo:hi]

    def last(self):
        return (self.t[-1], self.v[-1]) if self.t else None

    def cadence(self, last_n: int = 120) -> Cadence:
        t = np.array(self.t[-last_n:])
        if len(t) < 2:
            return Cadence(len(t), None, None, None, None)
        d = np.diff(t)
        return Cadence(len(t), float(d.mean()), float(d.std()), float(np.percentile(d, 95)),
                       int(t[-1] * 1e6))


class FakeMetering:
    def __init__(self) -> None:
        self._series: dict[Key, FakeSeries] = {}
        self.samples_added: Signal[list[Sample]] = Signal("meter samples")

    def add(self, charger: str, connector: str, measurand: str, unit: str,
            points: list[tuple[float, float]], phase: str | None = None) -> FakeSeries:
        key = Key(charger, connector, measurand, phase)
        series = self._series.setdefault(key, FakeSeries(key, unit))
        for t, v in points:
            series.append(t, v)
        samples = [Sample(charger, connector, int(t * 1e6), measurand, v, unit, phase)
                   for t, v in points]
        self.samples_added.emit(samples)
        return series

    def series(self, key: Key) -> FakeSeries | None:
        return self._series.get(key)

    def keys(self, charger: str | None = None) -> list[Key]:
        return [k for k in self._series if charger is None or k.charger == charger]

    def connectors(self, charger: str) -> list[str]:
        return sorted({k.connector for k in self.keys(charger)})

    def power(self, charger: str, connector: str) -> FakeSeries | None:
        return self._series.get(Key(charger, connector, "Power.Active.Import"))


@dataclass
class Result:
    ok: bool
    enabled: bool
    changes: list
    explanation: str


class FakeOneSecond:
    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []
        self.enabled: set[str] = set()
        self.memory: dict[str, dict] = {}

    async def enable(self, charger_id: str) -> Result:
        await asyncio.sleep(0.01)
        self.calls.append(("enable", charger_id))
        self.enabled.add(charger_id)
        self.memory[charger_id] = {"MeterValueSampleInterval": "60"}
        return Result(True, True, [], f"{charger_id} now reports its power every second.")

    async def disable(self, charger_id: str) -> Result:
        await asyncio.sleep(0.01)
        self.calls.append(("disable", charger_id))
        self.enabled.discard(charger_id)
        self.memory.pop(charger_id, None)
        return Result(True, False, [], "Put back MeterValueSampleInterval=60.")

    def remembered(self, charger_id: str) -> dict | None:
        return self.memory.get(charger_id)

    def is_enabled(self, charger_id: str) -> bool:
        return charger_id in self.enabled


class FakeStation:
    def __init__(self, charger_id: str, connected: bool = True) -> None:
        self.charger_id, self.connected = charger_id, connected


class FakeCentral:
    def __init__(self, *chargers: str) -> None:
        self.stations = {c: FakeStation(c) for c in chargers}


def ramp(n: int, start: float = T0 - 300, step: float = 1.0,
         value: Callable[[int], float] = lambda i: 7000.0 + i) -> list[tuple[float, float]]:
    return [(start + i * step, value(i)) for i in range(n)]


# ------------------------------------------------------------------ harness


@pytest.fixture
def metering() -> FakeMetering:
    return FakeMetering()


@pytest.fixture
def plot(qtbot, metering):
    widget = PowerPlot(clock=lambda: T0)
    qtbot.addWidget(widget)
    widget.resize(900, 500)
    widget.set_metering(metering)
    return widget


def power_curve(plot: PowerPlot, name: str = "Connector 1"):
    return next(c for c in plot.curves if c.panel == "power" and c.name == name)


# ------------------------------------------------------------------ pure helpers
def test_with_gaps_inserts_nan_only_at_long_intervals():
    t = np.array([0, 1, 2, 3, 10, 11, 12], float)
    v = np.arange(7, dtype=float)
    gt, gv = with_gaps(t, v)
    assert len(gt) == 8
    assert np.isnan(gv[4]) and 3 < gt[4] < 10
    assert np.array_equal(gv[~np.isnan(gv)], v)
    same_t, _ = with_gaps(np.arange(5.0), np.arange(5.0))
    assert len(same_t) == 5


def test_step_arrays_hold_each_limit_until_the_next():
    @dataclass(frozen=True)
    class Step:
        start_s: float
        limit_w: float | None

    x, y = step_arrays([Step(10, 7000), Step(0, None), Step(20, 3680)], end_s=30)
    assert x.tolist() == [0, 10, 10, 20, 20, 30]
    assert np.isnan(y[0]) and y[2:].tolist() == [7000, 7000, 3680, 3680]


def test_cadence_text():
    assert cadence_text(None) == "—"
    assert cadence_text(Cadence(0, None, None, None, None)) == "—"
    assert cadence_text(Cadence(120, 1.0, 0.05, 1.1, 1)) == \
        "Reporting every 1.0 s (jitter ±0.05 s, 120 samples)"


# ------------------------------------------------------------------ the plot
def test_curve_matches_samples_in_w_then_kw(plot, metering):
    metering.add("CP1", "1", "Power.Active.Import", "W", ramp(60, value=lambda i: 700.0 + i))
    plot.set_charger("CP1")
    curve = power_curve(plot)
    x, y = curve.item.getOriginalDataset()
    assert np.allclose(x, [t for t, _ in ramp(60)])
    assert np.allclose(y, [700.0 + i for i in range(60)])
    assert plot.power_unit == "W"
    assert "Power (W)" in plot.plots["power"].getAxis("left").labelText

    metering.add("CP1", "1", "Power.Active.Import", "W", [(T0 - 200, 11_000.0)])
    plot.refresh()
    x, y = curve.item.getOriginalDataset()
    assert plot.power_unit == "kW"
    assert y[-1] == pytest.approx(11.0) and y[0] == pytest.approx(0.7)
    assert "Power (kW)" in plot.plots["power"].getAxis("left").labelText


def test_one_curve_per_connector_and_optional_panels(plot, metering):
    metering.add("CP1", "1", "Power.Active.Import", "W", ramp(30))
    metering.add("CP1", "2", "Power.Active.Import", "W", ramp(30, value=lambda i: 3000.0))
    for phase, amps in (("L1", 16.0), ("L2", 15.5), ("L3", 15.8)):
        metering.add("CP1", "1", "Current.Import", "A", ramp(30, value=lambda i, a=amps: a),
                     phase=phase)
    metering.add("CP2", "1", "Power.Active.Import", "W", ramp(30))
    plot.set_charger("CP1")
    assert [c.name for c in plot.curves] == ["Connector 1", "Connector 2"]
    plot.set_panel_visible("current", True)
    names = [(c.panel, c.name) for c in plot.curves]
    assert ("current", "Connector 1 L1") in names and ("current", "Connector 1 L3") in names
    current = next(c for c in plot.curves if c.name == "Connector 1 L2")
    assert np.allclose(current.item.getOriginalDataset()[1], 15.5)
    # panels share the time axis
    assert plot.plots["current"].getViewBox().linkedView(0) is plot.plots["power"].getViewBox()
    plot.set_panel_visible("current", False)
    assert all(c.panel == "power" for c in plot.curves)


def test_gaps_become_nan(plot, metering):
    points = ramp(20) + ramp(20, start=T0 - 200)
    metering.add("CP1", "1", "Power.Active.Import", "W", points)
    plot.set_charger("CP1")
    x, y = power_curve(plot).item.getOriginalDataset()
    assert len(y) == 41 and np.isnan(y[20]) and np.isfinite(np.delete(y, 20)).all()
    assert power_curve(plot).item.opts["connect"] == "finite"


def test_window_presets_change_the_visible_range(plot, metering):
    metering.add("CP1", "1", "Power.Active.Import", "W", ramp(3600, start=T0 - 7200, step=2))
    plot.set_charger("CP1")
    for name, span in (("1 min", 60), ("10 min", 600), ("1 h", 3600), ("24 h", 86_400)):
        plot.set_window(name)
        x0, x1 = plot.x_range()
        assert x1 == pytest.approx(T0, abs=1) and x1 - x0 == pytest.approx(span, rel=0.01), name
    plot.set_window("All")
    x0, x1 = plot.x_range()
    assert x0 <= T0 - 7200 + 1 and x0 > T0 - 7400 and x1 >= T0


def test_user_zoom_pauses_follow_and_new_data_does_not_scroll(plot, metering, qtbot):
    metering.add("CP1", "1", "Power.Active.Import", "W", ramp(300))
    plot.set_charger("CP1")
    plot.set_window("1 min")
    vb = plot.plots["power"].getViewBox()
    vb.sigRangeChangedManually.emit([True, False])  # what a wheel/drag emits
    assert plot.following is False
    plot.plots["power"].setXRange(T0 - 250, T0 - 200, padding=0)
    plot.clock = lambda: T0 + 100
    metering.add("CP1", "1", "Power.Active.Import", "W", [(T0 + 100, 5000.0)])
    plot.refresh()
    assert plot.x_range()[0] == pytest.approx(T0 - 250, abs=0.5)
    plot.set_following(True)
    assert plot.x_range()[1] == pytest.approx(T0 + 100, abs=1)


def test_crosshair_readout(plot, metering):
    metering.add("CP1", "1", "Power.Active.Import", "W", ramp(60))
    plot.set_charger("CP1")
    text = plot.show_readout(T0 - 300 + 10.2)
    assert "Connector 1: 7.01 kW" in text


def test_limit_overlay_drawn_in_plot_units(plot, metering):
    @dataclass(frozen=True)
    class Step:
        start_s: float
        limit_w: float | None

    metering.add("CP1", "1", "Power.Active.Import", "W", ramp(60, value=lambda i: 20_000.0))
    plot.set_charger("CP1")
    plot.set_limit([Step(T0 - 300, 22_000.0), Step(T0 - 100, 11_000.0)])
    x, y = plot.limit_item.getOriginalDataset()
    assert y.tolist()[:4] == [22.0, 22.0, 11.0, 11.0]
    assert plot.limit_item.scene() is not None
    assert "Limit" in [label.text for _, label in plot.legend.items]


def test_csv_export_of_visible_range(plot, metering, tmp_path):
    metering.add("CP1", "1", "Power.Active.Import", "W", ramp(300))
    metering.add("CP1", "1", "SoC", "Percent", ramp(300, value=lambda i: 50 + i // 60))
    plot.set_charger("CP1")
    plot.set_panel_visible("soc", True)
    plot.set_window("1 min")  # T0-60 .. T0: samples at T0-60 .. T0-1
    path = tmp_path / "power.csv"
    rows = plot.export_csv(path)
    with open(path, newline="", encoding="utf-8") as f:
        table = list(csv.reader(f))
    assert table[0] == ["time", "Power Connector 1 (W)", "SoC Connector 1 (%)"]
    assert rows == len(table) - 1 == 60
    assert table[1][1] == "7240" and table[1][2] == "54"
    assert table[-1][1] == "7299"
    assert table[1][0].startswith("20") and "T" in table[1][0]


def test_png_export_writes_a_file(plot, metering, tmp_path):
    metering.add("CP1", "1", "Power.Active.Import", "W", ramp(300))
    plot.set_charger("CP1")
    path = tmp_path / "power.png"
    assert plot.export_png(path)
    assert path.stat().st_size > 1000 and path.read_bytes()[:4] == b"\x89PNG"


# ------------------------------------------------------------------ the panel
@pytest.fixture
def panel(qtbot, metering):
    central = FakeCentral("CP1")
    one = FakeOneSecond()
    widget = PowerPanel(central, metering, one, clock=lambda: T0)
    qtbot.addWidget(widget)
    widget.resize(1000, 600)
    widget.set_charger("CP1")
    return widget


def test_empty_state_then_plot_and_cadence(panel, metering):
    assert panel.stack.currentWidget() is panel.empty
    assert "No power readings from CP1 yet" in panel.empty.text()
    assert "1-second power" in panel.empty.text()
    metering.add("CP1", "1", "Power.Active.Import", "W",
                 ramp(150, start=T0 - 150, value=lambda i: 7360.0))  # last one 1 s ago
    panel.plot.refresh()
    assert panel.stack.currentWidget() is panel.plot
    assert "Reporting every 1.0 s (jitter ±0.00 s, 120 samples)" in panel.cadence.text()
    assert "#a05a00" not in panel.cadence.text()
    assert "7.36 kW" in panel.latest.text()


def test_slow_cadence_is_amber(panel, metering):
    metering.add("CP1", "1", "Power.Active.Import", "W", ramp(20, start=T0 - 200, step=10))
    panel.plot.refresh()
    assert "Reporting every 10.0 s" in panel.cadence.text() and "#a05a00" in panel.cadence.text()


def test_one_second_button_calls_enable_and_disable(panel, loop):
    one = panel.one_second
    assert panel.one_second_button.isEnabled()

    async def scenario() -> None:
        panel.one_second_button.click()
        await panel.last_op.task
        assert one.calls == [("enable", "CP1")]
        assert panel.one_second_button.isChecked()
        assert "every second" in panel.status.text()
        panel.one_second_button.click()
        await panel.last_op.task
        assert one.calls[-1] == ("disable", "CP1")
        assert not panel.one_second_button.isChecked()
        assert "Put back" in panel.status.text()

    loop.run_until_complete(scenario())


def test_one_second_disabled_when_not_connected_and_restore_offered(panel, loop):
    one = panel.one_second
    one.memory["CP1"] = {"MeterValueSampleInterval": "300"}  # from an earlier session
    panel._refresh_controls()
    assert not panel.restore_button.isHidden()
    panel.central.stations["CP1"].connected = False
    panel._refresh_controls()
    assert not panel.one_second_button.isEnabled()
    assert not panel.restore_button.isEnabled()
    panel.central.stations["CP1"].connected = True
    panel._refresh_controls()

    async def scenario() -> None:
        panel.restore_button.click()
        await panel.last_op.task

    loop.run_until_complete(scenario())
    assert one.calls == [("disable", "CP1")]
    assert panel.restore_button.isHidden()


def test_failure_is_explained_in_words(panel, loop):
    async def broken(_charger: str) -> Result:
        raise TimeoutError()

    panel.one_second.enable = broken

    async def scenario() -> None:
        panel.one_second_button.click()
        await panel.last_op.task

    loop.run_until_complete(scenario())
    assert "did not answer in time" in panel.status.text()
    assert not panel.one_second_button.isChecked()


def test_all_chargers_selection_picks_a_charger_with_readings(qtbot, metering):
    metering.add("CP2", "1", "Power.Active.Import", "W", ramp(10))
    widget = PowerPanel(FakeCentral("CP1", "CP2"), metering, None, clock=lambda: T0)
    qtbot.addWidget(widget)
    widget.set_charger(None)
    assert widget.charger == "CP2"


# ------------------------------------------------------------------ real metering
def test_real_metering_demo_charger_reaches_the_plot(qtbot, loop, tmp_path):
    """A 1.6 demo charger charging over a real CSMS: its 1-second MeterValues reach the
    plot through the real MeteringService, with the cadence measured."""
    metering_mod = pytest.importorskip("ocpp_studio.metering.series")
    from ocpp_studio.capture.store import CaptureStore  # noqa: PLC0415
    from ocpp_studio.core.versions import OcppVersion  # noqa: PLC0415
    from ocpp_studio.demo import DemoCharger, DemoChargerConfig  # noqa: PLC0415
    from ocpp_studio.settings import CsmsSettings  # noqa: PLC0415
    from ocpp_studio.station.central import CentralSystem  # noqa: PLC0415
    from ocpp_studio.transports.websocket_server import CsmsServer  # noqa: PLC0415

    async def scenario() -> None:
        store = CaptureStore(":memory:")
        central = CentralSystem(store, CsmsSettings(host="127.0.0.1", port=0))
        metering = metering_mod.MeteringService()
        metering.attach(store)
        server = CsmsServer(central)
        await server.start()
        panel = PowerPanel(central, metering, None)
        qtbot.addWidget(panel)
        panel.resize(1000, 600)
        panel.show()
        panel.set_charger("DEMO-16")
        charger = DemoCharger(f"ws://127.0.0.1:{server.port}/ocpp/DEMO-16",
                              DemoChargerConfig(charger_id="DEMO-16", version=OcppVersion.V16,
                                                meter_interval=1, auto_charge=True, seed=1))
        task = asyncio.create_task(charger.run())
        try:
            deadline = asyncio.get_running_loop().time() + 15
            while True:
                panel.plot.refresh()
                curves = [c for c in panel.plot.curves if c.panel == "power"
                          and c.raw_t is not None and len(c.raw_t) >= 4]
                if curves:
                    break
                assert asyncio.get_running_loop().time() < deadline, "no power on the plot"
                await asyncio.sleep(0.2)
            series = metering.power("DEMO-16", curves[0].name.split()[-1])
            t, v = series.arrays()
            x, y = curves[0].item.getOriginalDataset()
            y = y * panel.plot.power_divisor
            assert np.allclose(x[np.isfinite(y)], t) and np.allclose(y[np.isfinite(y)], v)
            assert panel.stack.currentWidget() is panel.plot
            assert "Reporting every 1.0 s" in panel.cadence.text()
        finally:
            await charger.stop()
            task.cancel()
            with contextlib.suppress(BaseException):
                await task
            panel.detach()
            metering.detach()
            await server.stop()
            store.close()

    loop.run_until_complete(scenario())


def test_power_axis_fits_the_time_range_on_screen(plot, metering):
    """A 7 kW charge two hours ago must not flatten the 1 kW of the last minutes: the axis
    (and its unit) fit what is shown; "All" fits everything."""
    metering.add("CP1", "1", "Power.Active.Import", "W", ramp(60, start=T0 - 7200,
                                                               value=lambda i: 7000.0))
    metering.add("CP1", "1", "Power.Active.Import", "W", ramp(60, value=lambda i: 800.0))
    plot.set_charger("CP1")
    plot.set_window("10 min")
    y0, y1 = plot.plots["power"].getViewBox().viewRange()[1]
    assert plot.power_unit == "W" and y1 == pytest.approx(864, rel=0.01) and y0 == 0
    plot.set_window("All")
    plot.refresh()
    y0, y1 = plot.plots["power"].getViewBox().viewRange()[1]
    assert plot.power_unit == "kW" and y1 == pytest.approx(7.56, rel=0.01)


def test_restart_offered_when_the_charger_keeps_its_old_cadence(qtbot, loop, tmp_path):
    """A charger that takes the 1-second interval only from its next session
    (demo quirk interval-next-session): the panel says so from the samples, offers
    to restart the session, and after the restart reports every second."""
    from ocpp_studio.capture.store import CaptureStore  # noqa: PLC0415
    from ocpp_studio.core.versions import OcppVersion  # noqa: PLC0415
    from ocpp_studio.demo import DemoCharger, DemoChargerConfig  # noqa: PLC0415
    from ocpp_studio.metering.one_second import OneSecondMode  # noqa: PLC0415
    from ocpp_studio.metering.series import MeteringService  # noqa: PLC0415
    from ocpp_studio.settings import CsmsSettings  # noqa: PLC0415
    from ocpp_studio.station.central import CentralSystem  # noqa: PLC0415
    from ocpp_studio.transports.websocket_server import CsmsServer  # noqa: PLC0415

    async def scenario() -> None:
        store = CaptureStore(":memory:")
        central = CentralSystem(store, CsmsSettings(host="127.0.0.1", port=0))
        metering = MeteringService()
        metering.attach(store)
        server = CsmsServer(central)
        await server.start()
        mode = OneSecondMode(central, tmp_path / "restore.json", timeout=10,
                             measure_timeout_s=30)
        panel = PowerPanel(central, metering, mode)
        qtbot.addWidget(panel)
        panel.show()
        charger = DemoCharger(f"ws://127.0.0.1:{server.port}/ocpp/NEXT-1",
                              DemoChargerConfig(charger_id="NEXT-1", version=OcppVersion.V201,
                                                meter_interval=3, auto_charge=True,
                                                quirks=["interval-next-session"]))
        task = asyncio.create_task(charger.run())
        try:
            assert await charger.wait_booted(10)
            deadline = asyncio.get_running_loop().time() + 15
            while not central.stations["NEXT-1"].transactions:
                assert asyncio.get_running_loop().time() < deadline, "no session"
                await asyncio.sleep(0.1)
            panel.set_charger("NEXT-1")
            panel._refresh_controls()
            assert panel.restart_session_button.isHidden()
            panel.one_second_button.click()
            await asyncio.wait_for(panel.last_op.task, 60)
            assert "still reports every 3 s" in panel.status.text(), panel.status.text()
            assert "now reports" not in panel.status.text()
            assert not panel.restart_session_button.isHidden()
            panel.restart_session_button.click()
            await asyncio.wait_for(panel.last_op.task, 60)
            assert "now reports meter values every second" in panel.status.text()
            assert panel.restart_session_button.isHidden()
        finally:
            await charger.stop()
            task.cancel()
            with contextlib.suppress(BaseException):
                await task
            panel.detach()
            metering.detach()
            await server.stop()
            store.close()

    loop.run_until_complete(scenario())


# ------------------------------------------------------------------ issue 17: redraw cost
def _two_plots(qtbot):
    import pyqtgraph as pg
    view = pg.GraphicsLayoutWidget()
    qtbot.addWidget(view)
    view.resize(900, 400)
    a, b = view.addPlot(row=0, col=0), view.addPlot(row=1, col=0)
    view.show()
    return view, a, b


@pytest.mark.parametrize("span", [60.0, 3_600.0, 86_400.0, 200_000.0])
def test_peak_curve_draws_what_pyqtgraphs_own_downsampling_draws(qtbot, span):
    # PeakCurve clips and peak-downsamples itself (issue 17, redraw per tick); the points it
    # hands pyqtgraph must be the ones pyqtgraph's clipToView + autoDownsample(peak) drew.
    import pyqtgraph as pg
    from ocpp_studio.ui.power.peak_curve import PeakCurve
    rng = np.random.default_rng(3)
    t = T0 - 86_400 + np.arange(86_400, dtype=float)
    v = 7000 + 400 * np.sin(np.arange(86_400) / 900) + rng.normal(0, 30, 86_400)
    t, v = with_gaps(np.delete(t, range(40_000, 40_100)), np.delete(v, range(40_000, 40_100)))
    view, a, b = _two_plots(qtbot)
    theirs = pg.PlotDataItem(connect="finite")  # as PowerPlot set its curves up before
    a.setClipToView(True)
    a.setDownsampling(auto=True, mode="peak")
    theirs.opts["autoDownsampleFactor"] = 2.0
    a.addItem(theirs)
    theirs.setData(t, v)
    ours = PeakCurve(connect="finite", ds_factor=2.0)
    b.addItem(ours)
    ours.set_full(t, v)
    for plot in (a, b):
        plot.setXRange(T0 - span, T0, padding=0)
    qtbot.wait(10)
    (tx, ty), (ox, oy) = theirs.getData(), ours.getData()
    assert len(ox) < len(t) or span < 100
    assert np.array_equal(tx, ox) and np.array_equal(ty, oy, equal_nan=True)
    assert ours.getOriginalDataset()[0] is t or np.array_equal(ours.getOriginalDataset()[0], t)
    # PeakCurve keeps its data bounds and a pixel's size between scrolls: the same rect
    for ax in (0, 1):
        assert ours.dataBounds(ax) == theirs.curve.dataBounds(ax)
    assert ours.boundingRect() == theirs.curve.boundingRect()
    b.setXRange(T0 - 600, T0 - 300, padding=0)  # a pan or zoom redraws the part on screen
    a.setXRange(T0 - 600, T0 - 300, padding=0)
    assert np.array_equal(theirs.getData()[0], ours.getData()[0])


def test_gap_median_is_reused_until_the_series_grows_by_one_percent():
    from ocpp_studio.ui.power.curve_data import CurveData
    data = CurveData()
    t = np.concatenate([np.arange(0.0, 500.0), np.arange(520.0, 1000.0)])
    v = np.ones_like(t)
    series = RingSeries(t[:980], v[:980])
    for n in (980, 981, 990):
        series.set(t[:n], v[:n])
        data.sync(series)
        wt, wv = with_gaps(t[:n], v[:n])
        assert np.array_equal(data.x, wt) and np.array_equal(data.y, wv, equal_nan=True)
    small = CurveData()
    small.sync(RingSeries(np.array([0.0, 1.0]), np.array([1.0, 2.0])))
    assert len(small.x) == 2


class RingSeries:
    """arrays(since_s, until_s) as SampleSeries answers them, over arrays set by the test."""

    def __init__(self, t: np.ndarray, v: np.ndarray) -> None:
        self.set(t, v)
        self.full_reads = 0

    def set(self, t: np.ndarray, v: np.ndarray) -> None:
        self.t, self.v = np.asarray(t, float).copy(), np.asarray(v, float).copy()

    def __len__(self) -> int:
        return len(self.t)

    def arrays(self, since_s: float | None = None, until_s: float | None = None):
        lo = 0 if since_s is None else int(np.searchsorted(self.t, since_s, side="left"))
        hi = len(self.t) if until_s is None else int(
            np.searchsorted(self.t, until_s, side="right"))
        self.full_reads += since_s is None and until_s is None
        return self.t[lo:hi].copy(), self.v[lo:hi].copy()


def _reference(t: np.ndarray, v: np.ndarray, median: float) -> tuple[np.ndarray, np.ndarray]:
    """plot_data.with_gaps with a given median interval."""
    if len(t) < 3 or not median > 0:
        return t, v
    idx = np.flatnonzero(np.diff(t) > 3.0 * median)
    gap_t = (t[idx] + t[idx + 1]) / 2.0
    return np.insert(t, idx + 1, gap_t), np.insert(v, idx + 1, np.nan)


def test_curve_data_kept_up_to_date_by_new_samples_equals_a_fresh_read():
    # issue 17: the plot reads only the samples after its last one; gaps, axis range and
    # peak bins must be exactly those of the whole series read again, whatever happens to
    # it (appends with gaps, a replaced or inserted older sample, the oldest dropped)
    from ocpp_studio.ui.power.curve_data import CurveData
    from ocpp_studio.ui.power.peak_curve import peak_decimate
    rng = np.random.default_rng(7)
    t = np.arange(5_000, dtype=float)
    v = 7000 + rng.normal(0, 30, len(t))
    series = RingSeries(t, v)
    data = CurveData()
    data.sync(series)
    last_ds = 1
    for step in range(300):
        t, v = series.t, series.v
        action = rng.integers(0, 20)
        new_t = t[-1] + (1.0 if action else float(rng.integers(4, 60)))  # a gap now and then
        t, v = np.append(t, new_t), np.append(v, 7000 + rng.normal(0, 30))
        if action == 1 and step % 3 == 0:  # a full ring buffer drops its oldest
            t, v = t[2:], v[2:]
        if action == 2:  # a value replaced in the middle (the plot is told: reload)
            v = v.copy()
            v[len(v) // 2] = 9000.0
        series.set(t, v)
        data.sync(series, reload=action == 2)
        assert np.array_equal(data.t, t) and np.array_equal(data.v, v)
        gx, gy = _reference(t, v, data._median)
        assert np.array_equal(data.x, gx) and np.array_equal(data.y, gy, equal_nan=True)
        a, b = sorted(rng.integers(0, len(t), 2))
        b = max(b, a + 1)
        assert data.extremes(a, b) == (np.nanmin(v[a:b]), np.nanmax(v[a:b]))
        span = float(rng.choice([200.0, 2_000.0, 6_000.0]))
        for width in (500.0, 500.0):  # the second time from the van Herk table
            view = (float(t[-1]) - span, float(t[-1]))
            want = peak_decimate(gx, gy, view, width, 2.0, last_ds)
            got = data.decimate(view, width, 2.0, last_ds)
            assert got[2] == want[2]
            assert np.array_equal(got[0], want[0])
            assert np.array_equal(got[1], want[1], equal_nan=True)
        last_ds = want[2]
    assert series.full_reads < 60  # most ticks read only the new samples


def test_a_late_sample_makes_the_plot_read_the_series_again(plot, metering):
    # a value replaced before the last one is only noticed through samples_added
    metering.add("CP1", "1", "Power.Active.Import", "W", ramp(30, value=lambda i: 5000.0))
    plot.set_charger("CP1")
    plot.refresh()
    series = metering.power("CP1", "1")
    series.v[10] = 9000.0
    metering.samples_added.emit([Sample("CP1", "1", int(series.t[10] * 1e6),
                                        "Power.Active.Import", 9000.0, "W")])
    metering.add("CP1", "1", "Power.Active.Import", "W", [(series.t[-1] + 1, 5000.0)])
    plot.refresh()
    curve = power_curve(plot)
    assert curve.raw_v[10] == 9000.0 and len(curve.raw_v) == 31
    assert np.nanmax(curve.item.getOriginalDataset()[1]) * plot.power_divisor == 9000.0


def test_incremental_plot_draws_what_a_fresh_plot_draws(qtbot):
    # after many one-second ticks, the points on screen are those of a plot that read the
    # same series at once (same bins, same gaps, same axis range)
    metering_mod = pytest.importorskip("ocpp_studio.metering.series")
    rng = np.random.default_rng(5)
    series = metering_mod.SampleSeries(
        metering_mod.SeriesKey("CP1", "1", "Power.Active.Import", None), "W")
    start = T0 - 20_000
    for i in range(20_000):
        if not 9_000 <= i < 9_050:  # a gap
            series.append(start + i, 7000.0 + float(rng.normal(0, 30)))
    meter = FakeMetering()
    meter._series[Key("CP1", "1", "Power.Active.Import")] = series
    clock = [T0]
    plots = []
    for _ in range(2):
        p = PowerPlot(clock=lambda: clock[0])
        qtbot.addWidget(p)
        p.timer.stop()
        p.resize(900, 400)
        p.show()
        p.set_metering(meter)
        p.set_charger("CP1")
        p.set_window("All")
        plots.append(p)
    live, _ = plots
    for _ in range(40):
        clock[0] += 1.0
        series.append(clock[0], 7000.0 + float(rng.normal(0, 30)))
        live.refresh()
        qtbot.wait(1)
    fresh = PowerPlot(clock=lambda: clock[0])
    qtbot.addWidget(fresh)
    fresh.timer.stop()
    fresh.resize(900, 400)
    fresh.show()
    fresh.set_metering(meter)
    fresh.set_charger("CP1")
    fresh.set_window("All")
    qtbot.wait(1)
    (lx, ly), (fx, fy) = power_curve(live).item.getData(), power_curve(fresh).item.getData()
    assert len(lx) > 100 and np.isnan(ly).any()  # downsampled, with the gap
    assert np.array_equal(lx, fx) and np.array_equal(ly, fy, equal_nan=True)
    assert live.plots["power"].getViewBox().viewRange() == \
        fresh.plots["power"].getViewBox().viewRange()


@pytest.mark.parametrize("span", [40.0, 600.0, 3_600.0, 86_400.0, 40 * 86_400.0])
def test_time_axis_ticks_and_labels_are_date_axis_items(qtbot, span):
    # TimeAxis remembers tick sets and labels between scrolls (issue 17): each range must
    # still get exactly DateAxisItem's ticks and labels
    import pyqtgraph as pg
    from ocpp_studio.ui.power.time_axis import TimeAxis
    view = pg.GraphicsLayoutWidget()
    qtbot.addWidget(view)
    view.resize(900, 300)
    theirs = view.addPlot(row=0, col=0, axisItems={"bottom": pg.DateAxisItem("bottom")})
    ours = view.addPlot(row=1, col=0, axisItems={"bottom": TimeAxis("bottom")})
    view.show()
    qtbot.wait(10)
    a, b = theirs.getAxis("bottom"), ours.getAxis("bottom")
    for step in range(0, 400, 7):
        end = T0 + step * span / 97
        for axis in (a, b):
            axis.fontMetrics = view.fontMetrics()
        want = a.tickValues(end - span, end, 800)
        got = b.tickValues(end - span, end, 800)
        assert [(s, list(v)) for s, v in got] == [(s, list(v)) for s, v in want]
        for spacing, values in want:
            assert b.tickStrings(values, 1.0, spacing) == a.tickStrings(values, 1.0, spacing)
    ours.setXRange(T0 - span, T0, padding=0)
    theirs.setXRange(T0 - span, T0, padding=0)
    qtbot.wait(10)

    def shot(plot):
        rect = plot.getAxis("bottom").sceneBoundingRect()
        return view.grab(view.mapFromScene(rect).boundingRect()).toImage()
    assert shot(ours) == shot(theirs)
