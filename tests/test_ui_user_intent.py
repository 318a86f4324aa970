"""Issue 12 item 4: the GUI must do what the user asked, not something near it."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest  # noqa: F401
from conftest import loop, wait_until  # noqa: F401
from test_ui_main_window import answer_everything, boot_16, charger, studio


def test_send_dialog_sends_the_edited_payload_even_while_chargers_report(loop):
    received: list[tuple[str, Any]] = []

    def handler(action: str, payload: Any) -> Any:
        received.append((action, payload))
        return answer_everything(action, payload)

    async def scenario():
        async with studio() as s:
            async with charger(s.url("CP-EDIT"), "CP-EDIT", handler=handler) as cp:
                await boot_16(cp)
                await wait_until(lambda: "CP-EDIT" in s.central.sessions)
                dialog = s.window.open_send_dialog()
                dialog.action.setCurrentText("Reset")
                assert json.loads(dialog.payload.toPlainText()) == {"type": "Soft"}
                dialog.payload.setPlainText('{"type": "Hard"}')
                # the charger keeps talking: the window refreshes its charger list
                await cp.endpoint.call("StatusNotification", {
                    "connectorId": 1, "errorCode": "NoError", "status": "Finishing"})
                await wait_until(lambda: not s.window._dirty
                                 and any(c.status == "Finishing" for c in
                                         s.central.stations["CP-EDIT"].connectors.values()), what="station refreshed")
                s.window._dirty["CP-EDIT"] = s.central.stations["CP-EDIT"]
                s.window._refresh_stations()
                assert json.loads(dialog.payload.toPlainText()) == {"type": "Hard"}
                dialog.send()
                await wait_until(lambda: any(a == "Reset" for a, _ in received), what="reset")
                assert ("Reset", {"type": "Hard"}) in received
                # choosing another message still offers its example
                dialog.action.setCurrentText("TriggerMessage")
                assert json.loads(dialog.payload.toPlainText()) == {
                    "requestedMessage": "StatusNotification"}
                dialog.close()

    loop.run_until_complete(asyncio.wait_for(scenario(), 60))


# ------------------------------------------------------------ configuration editor
from PySide6.QtCore import QCoreApplication, Qt  # noqa: E402
from PySide6.QtWidgets import QLineEdit  # noqa: E402

from ocpp_studio.configuration.model import ConfigItem  # noqa: E402
from ocpp_studio.ui.configuration.config_delegates import ConnectorList, MemberList  # noqa: E402
from ocpp_studio.ui.configuration.config_editor import COL_VALUE  # noqa: E402
from test_ui_config_editor import FakeService, items_16, make_editor, read  # noqa: E402


def ranged_items() -> dict[str, ConfigItem]:
    items = items_16()
    for extra in [
        ConfigItem("ChargeRatePercent", "50", readonly=False, known=True, type="integer",
                   unit="%", minimum=0, maximum=100),
        ConfigItem("MaxCurrent", "32", readonly=False, known=True, type="decimal", unit="A",
                   minimum=6, maximum=63),
        ConfigItem("ShortCode", "9999", readonly=False, known=True, type="integer",
                   minimum=0, maximum=9999),
        ConfigItem("ConnectorPhaseRotation", "0.NotApplicable,1.NotApplicable",
                   readonly=False, known=True, type="CSL",
                   allowed=("NotApplicable", "Unknown", "RST", "RTS", "SRT", "STR", "TRS",
                            "TSR")),
    ]:
        items[extra.key] = extra
    items["MeterValuesSampledData"].value = "Power.Active.Import,Energy.Active.Import.Register,Voltage"
    return items


def open_value_editor(editor, key: str):
    target = editor.rows[key]
    editor.tree.setCurrentItem(target, COL_VALUE)
    editor.tree.editItem(target, COL_VALUE)
    return editor.tree.indexWidget(editor.tree.currentIndex())


def type_and_enter(qtbot, editor, key: str, text: str) -> None:
    widget = open_value_editor(editor, key)
    assert isinstance(widget, QLineEdit)
    widget.selectAll()
    qtbot.keyClicks(widget, text)
    qtbot.keyClick(widget, Qt.Key.Key_Return)
    QCoreApplication.processEvents()  # the delegate commits Enter through a queued call


@pytest.mark.parametrize("key, typed, words", [
    ("ChargeRatePercent", "150", "allowed: 0 to 100 %"),
    ("MaxCurrent", "500", "allowed: 6 to 63 A"),
    ("ShortCode", "99999999999999", "allowed: 0 to 9999"),
    ("ChargeRatePercent", "-5", "allowed: 0 to 100 %"),
    ("ChargeRatePercent", "ten", "not a whole number"),
])
def test_out_of_range_number_is_rejected_as_typed(qtbot, loop, key, typed, words):
    editor = make_editor(qtbot, FakeService(items=ranged_items()))
    loop.run_until_complete(read(editor))
    type_and_enter(qtbot, editor, key, typed)
    assert editor.pending[key] == typed  # never cut or clamped
    assert editor.rows[key].text(COL_VALUE) == typed
    assert words in editor.problems[key]
    assert words in editor.pending_label.text()
    assert not editor.apply_button.isEnabled()


def test_number_in_range_is_kept_exactly(qtbot, loop):
    editor = make_editor(qtbot, FakeService(items=ranged_items()))
    loop.run_until_complete(read(editor))
    type_and_enter(qtbot, editor, "MaxCurrent", "16.5")
    assert editor.pending == {"MaxCurrent": "16.5"} and not editor.problems
    assert editor.apply_button.isEnabled()


def test_phase_rotation_editor_shows_each_connector_and_keeps_the_value(qtbot, loop):
    editor = make_editor(qtbot, FakeService(items=ranged_items()))
    loop.run_until_complete(read(editor))
    widget = open_value_editor(editor, "ConnectorPhaseRotation")
    assert isinstance(widget, ConnectorList)
    assert {k: c.currentText() for k, c in widget.combos.items()} == {
        "0": "NotApplicable", "1": "NotApplicable"}
    qtbot.keyClick(widget.combos["0"], Qt.Key.Key_Return)  # Enter, nothing changed
    QCoreApplication.processEvents()
    assert editor.tree.indexWidget(editor.tree.currentIndex()) is None  # editor closed
    assert editor.pending == {}
    assert editor.rows["ConnectorPhaseRotation"].text(COL_VALUE) == \
        "0.NotApplicable,1.NotApplicable"
    widget = open_value_editor(editor, "ConnectorPhaseRotation")
    widget.combos["1"].setCurrentText("RST")
    qtbot.keyClick(widget.combos["1"], Qt.Key.Key_Return)
    QCoreApplication.processEvents()
    assert editor.pending == {"ConnectorPhaseRotation": "0.NotApplicable,1.RST"}


def test_member_list_keeps_order_and_unknown_members_until_changed(qtbot, loop):
    editor = make_editor(qtbot, FakeService(items=ranged_items()))
    loop.run_until_complete(read(editor))
    widget = open_value_editor(editor, "MeterValuesSampledData")
    assert isinstance(widget, MemberList)
    assert widget.findItems("Voltage", Qt.MatchFlag.MatchExactly)
    editor.delegate.setModelData(widget, editor.tree.model(), editor.tree.currentIndex())
    assert editor.pending == {}


def test_discard_clears_the_not_sent_line(qtbot, loop):
    editor = make_editor(qtbot, FakeService(items=ranged_items()))
    loop.run_until_complete(read(editor))
    editor.stage("HeartbeatInterval", "120")
    assert "1</b> change not sent yet" in editor.pending_label.text()
    editor.discard()
    assert "not sent" not in editor.pending_label.text()
    editor.stage("ChargeRatePercent", "150")
    editor.discard()
    assert "cannot be sent" not in editor.pending_label.text()


# ------------------------------------------------------------------ charging hours
from datetime import datetime as _dt  # noqa: E402
from zoneinfo import ZoneInfo  # noqa: E402

from PySide6.QtWidgets import QMessageBox  # noqa: E402

from test_ui_offpeak import make_panel, names  # noqa: E402


def uk_time(text: str) -> float:
    return _dt.fromisoformat(text).replace(tzinfo=ZoneInfo("Europe/London")).timestamp()


def ask_and_answer(monkeypatch, answer) -> list[str]:
    asked: list[str] = []

    def question(parent, title, text, *args):
        asked.append(text)
        return answer

    monkeypatch.setattr(QMessageBox, "question", question)
    return asked


def test_default_hours_ask_first_and_say_charging_stops_now_in_a_peak(qtbot, loop, monkeypatch):
    panel, service = make_panel(qtbot, loop)
    panel.clock = lambda: uk_time("2026-11-24T17:05")  # a Tuesday, inside 16:00-22:00
    asked = ask_and_answer(monkeypatch, QMessageBox.StandardButton.No)
    panel.default_button.click()
    assert len(asked) == 1
    assert "the charger will stop charging now until 22:00" in asked[0]
    assert "apply_hours" not in names(service)  # declined: nothing installed
    assert not panel.default_button.isChecked()
    assert panel.busy_label.text() == "Nothing was changed."

    asked = ask_and_answer(monkeypatch, QMessageBox.StandardButton.Yes)
    panel.default_button.click()
    loop.run_until_complete(wait_until(lambda: not panel._busy, what="installed"))
    assert "apply_hours" in names(service)


def test_default_hours_question_outside_a_peak(qtbot, loop, monkeypatch):
    panel, service = make_panel(qtbot, loop)
    panel.clock = lambda: uk_time("2026-11-27T22:30")  # Friday evening, off-peak
    asked = ask_and_answer(monkeypatch, QMessageBox.StandardButton.No)
    panel.default_button.click()
    assert "charging is not interrupted now" in asked[0]
    assert "The next pause starts Monday 08:00" in asked[0]
    assert "apply_hours" not in names(service)


# ------------------------------------------------------------------ power
from test_ui_power_plot import T0, metering, panel, ramp  # noqa: E402,F401


def test_power_readout_shows_the_age_and_stops_saying_now(panel, metering):
    # a charge reporting every 1.5 s; the last reading came 1.5 s before "now"
    metering.add("CP1", "1", "Power.Active.Import", "W",
                 ramp(40, start=T0 - 1.5 * 40, step=1.5, value=lambda i: 7190.0))
    panel.plot.refresh()
    assert "Now: <b>7.19 kW</b>" in panel.latest.text()
    assert "(1 s ago)" in panel.latest.text()
    assert "Reporting every 1.5 s" in panel.cadence.text()
    # twelve minutes later, no new reading: the time source moves, nobody sleeps
    panel.plot.clock = lambda: T0 + 12 * 60
    panel.timer.timeout.emit()
    assert "Now" not in panel.latest.text()
    assert "Last reading: <b>7.19 kW</b>, 12 min ago" in panel.latest.text()
    assert "No reading for 12 min" in panel.cadence.text()
    assert "it was reporting every 1.5 s" in panel.cadence.text()


def test_current_and_voltage_panels_have_a_phase_legend(panel, metering):
    for measurand, unit, value in (("Current.Import", "A", 16.0), ("Voltage", "V", 230.0)):
        for phase in ("L1", "L2", "L3"):
            metering.add("CP1", "1", measurand, unit, ramp(10, start=T0 - 10,
                                                           value=lambda i: value), phase=phase)
    metering.add("CP1", "1", "Power.Active.Import", "W", ramp(10, start=T0 - 10))
    for name in ("current", "voltage"):
        panel.plot.set_panel_visible(name, True)
    panel.plot.refresh()
    for name in ("current", "voltage"):
        legend = panel.plot.legends[name]
        assert [label.text for _, label in legend.items] == ["L1", "L2", "L3"], name


# ------------------------------------------------------------------ messages
from PySide6.QtWidgets import QHeaderView  # noqa: E402

from ocpp_studio.ui.inspector.message_model import Column  # noqa: E402
from ocpp_studio.ui.inspector.timeline_dialog import TimelineDialog  # noqa: E402


def test_clicking_a_row_stops_follow_newest_and_keeps_it_in_view(qtbot, loop):
    long_id = "heartbeat-long-message-id-0000000001"  # 36: the most OCPP-J allows

    async def scenario():
        async with studio() as s:
            s.window.resize(1000, 500)
            async with charger(s.url("CP-FOLLOW"), "CP-FOLLOW") as cp:
                await boot_16(cp)
                for _ in range(40):
                    await cp.endpoint.call("Heartbeat", {})
                await cp.ws.send(f'[2,"{long_id}","Heartbeat",{{}}]')
                await wait_until(lambda: sum(getattr(r, "unique_id", None) == long_id
                                             for r in s.rows()) == 2, what="answered")
                QCoreApplication.processEvents()  # the queued scroll to the newest row
                table = s.window.table
                assert s.window.follow_button.isChecked()
                row = next(i for i, r in enumerate(s.rows())
                           if getattr(r, "unique_id", None) == long_id)
                rect = table.visualRect(s.window.model.index(row, Column.ACTION))
                assert table.viewport().rect().contains(rect)  # followed into view
                qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton,
                                 pos=rect.center())
                assert not s.window.follow_button.isChecked()
                assert s.window.selected_frame_id() == s.rows()[row].id
                before = s.window.model.rowCount()
                for _ in range(40):
                    await cp.endpoint.call("Heartbeat", {})
                await wait_until(lambda: s.window.model.rowCount() >= before + 80,
                                 what="more rows")
                await asyncio.sleep(0)  # let queued scroll requests run, if any
                QCoreApplication.processEvents()
                index = s.window.model.index(row, Column.ACTION)
                assert table.viewport().rect().intersects(table.visualRect(index))
                # the cut message id: resizable column, full text on hover and in the pane
                header = table.horizontalHeader()
                assert header.sectionResizeMode(Column.UNIQUE_ID) == \
                    QHeaderView.ResizeMode.Interactive
                tip = s.cell(row, Column.UNIQUE_ID, Qt.ItemDataRole.ToolTipRole)
                assert long_id in tip
                assert long_id in s.window.detail.summary.text()

    loop.run_until_complete(asyncio.wait_for(scenario(), 60))


def test_timeline_details_can_be_resized_and_read_in_full(qapp, tmp_path):
    from test_ui_inspector import make_capture
    store = make_capture(tmp_path / "t.db")
    try:
        dialog = TimelineDialog(store, "CP-1")
        header = dialog.entries.header()
        for column in range(3):
            assert header.sectionResizeMode(column) == QHeaderView.ResizeMode.Interactive
        item = next(dialog.entries.topLevelItem(i)
                    for i in range(dialog.entries.topLevelItemCount())
                    if dialog.entries.topLevelItem(i).text(2))
        tip = item.toolTip(2)
        for fact in item.text(2).split("  ·  "):
            assert fact in tip
        assert dialog.entries.columnWidth(2) >= dialog.entries.header().sectionSizeHint(2)
        dialog.close()
    finally:
        store.close()
