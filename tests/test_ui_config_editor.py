"""The Configuration tab as an installer uses it: read, search, edit, apply, restart,
dangerous keys, snapshots and templates.

Most tests use a small fake ConfigurationService (same interface, scripted answers) so
each kind of charger answer can be produced on demand; the last tests run the real
service against the demo chargers over a real CsmsServer on 127.0.0.1.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import asyncio  # noqa: E402
import json  # noqa: E402
import time  # noqa: E402
from typing import Any, Callable  # noqa: E402

import pytest  # noqa: E402
from conftest import loop, shut_down, wait_until  # noqa: E402,F401
import qasync  # noqa: E402

from ocpp_studio.configuration.devicemodel import VariableRef  # noqa: E402
from ocpp_studio.configuration.model import (  # noqa: E402
    ConfigItem, PlannedChange, Snapshot, WriteResult,
)
from ocpp_studio.ui.configuration import config_dialogs as dialogs  # noqa: E402
from ocpp_studio.ui.configuration import config_editor as ce  # noqa: E402
from ocpp_studio.ui.configuration.config_delegates import ConfigDelegate, MemberList, editor_kind  # noqa: E402
from ocpp_studio.ui.configuration.config_editor import (  # noqa: E402
    COL_RESULT, COL_SETTING, COL_UNIT, COL_VALUE, HIDDEN, ConfigEditor, TemplatePreview,
)






# ------------------------------------------------------------------ fakes
def items_16() -> dict[str, ConfigItem]:
    def item(key: str, value: str | None, **kw: Any) -> ConfigItem:
        kw.setdefault("readonly", False)
        kw.setdefault("known", True)
        return ConfigItem(key=key, value=value, **kw)
    return {i.key: i for i in [
        item("HeartbeatInterval", "300", type="integer", unit="s", minimum=0, default="300",
             description="How often the charger says it is alive", connectivity=True),
        item("MeterValueSampleInterval", "60", type="integer", unit="s", minimum=0,
             default="0", description="Seconds between power readings while charging"),
        item("LocalPreAuthorize", "false", type="boolean", default="false",
             description="Start charging for known cards before the central system answers"),
        item("MeterValuesSampledData", "Energy.Active.Import.Register", type="CSL",
             allowed=("Energy.Active.Import.Register", "Power.Active.Import", "Current.Import"),
             description="What the charger measures"),
        item("NumberOfConnectors", "1", type="integer", readonly=True,
             description="Number of connectors"),
        item("RandomisedDelay", "600", type="integer", unit="s", uk_regulation=True,
             description="Random delay before charging starts (UK)"),
        item("AuthorizationKey", "s3cretpassword1234", type="string", secret=True,
             danger="A wrong password locks the charger out of its central system.",
             description="Basic-auth password", connectivity=True),
        item("VendorFoo", "bar", known=False, description=""),
    ]}


class FakeService:
    """The ConfigurationService interface, scripted."""

    def __init__(self, version: str = "1.6", items: dict[str, ConfigItem] | None = None,
                 answers: dict[str, str] | None = None) -> None:
        self.version = version
        self.items = items or items_16()
        self.answers = answers or {}
        self.writes: list[tuple[dict[str, str], bool]] = []
        self._snapshots: dict[str, list[Snapshot]] = {}

    async def read_all(self, charger_id: str, full_inventory: bool = False) -> Snapshot:
        await asyncio.sleep(0.01)
        snap = Snapshot(charger=charger_id, version=self.version,
                        taken_us=time.time_ns() // 1000,
                        items={k: ConfigItem(**{**v.__dict__}) for k, v in self.items.items()},
                        notes=["Part 2 of 3 of the report did not arrive."]
                        if full_inventory else [])
        self._snapshots.setdefault(charger_id, []).append(snap)
        return snap

    def plan(self, charger_id: str, changes: dict[str, str],
             base: Snapshot | None = None) -> list[PlannedChange]:
        out = []
        for key, value in changes.items():
            item = self.items.get(key)
            problem = None
            if item is None:
                problem = "The charger does not have this setting."
            elif item.type == "integer" and not value.lstrip("-").isdigit():
                problem = f"{value!r} is not a whole number."
            out.append(PlannedChange(key, base.value(key) if base else None, value, problem,
                                     item.danger if item else None))
        return out

    async def write(self, charger_id: str, changes: dict[str, str],
                    confirm_dangerous: bool = False, progress: Any = None) -> list[WriteResult]:
        self.writes.append((dict(changes), confirm_dangerous))
        results = []
        for key, value in changes.items():
            if self.items[key].danger and not confirm_dangerous:
                results.append(WriteResult(key, value, "NotSent", "dangerous"))
                continue
            status = self.answers.get(key, "Accepted")
            if status in ("Accepted", "RebootRequired"):
                self.items[key].value = value
            results.append(WriteResult(key, value, status,
                                       "" if status == "Accepted" else f"charger said {status}"))
            if progress:
                progress(len(results), len(changes), results[-1])
        return results

    def snapshots(self, charger_id: str) -> list[Snapshot]:
        return list(self._snapshots.get(charger_id, []))

    def latest(self, charger_id: str) -> Snapshot | None:
        snaps = self._snapshots.get(charger_id)
        return snaps[-1] if snaps else None

    def reboot_needed(self, results: list[WriteResult]) -> bool:
        return any(r.status == "RebootRequired" for r in results)


class FakeCentral:
    def __init__(self) -> None:
        self.calls: list[tuple[str, str, Any]] = []
        self.stations: dict[str, Any] = {}

    async def call(self, charger_id: str, action: str, payload: Any, timeout: Any = None) -> Any:
        self.calls.append((charger_id, action, payload))
        return {"status": "Accepted"}


def make_editor(qtbot, service: Any = None, central: Any = None) -> ConfigEditor:
    editor = ConfigEditor(service or FakeService(), central or FakeCentral())
    qtbot.addWidget(editor)
    editor.resize(1200, 700)
    editor.show()
    editor.set_charger("CP-1")
    return editor


async def read(editor: ConfigEditor, **kw: Any) -> None:
    op = editor.read(**kw)
    assert op is not None
    await op.task


async def finish(op: Any) -> None:
    assert op is not None, "the operation did not start"
    await op.task


def row(editor: ConfigEditor, key: str):
    return editor.rows[key]


# ------------------------------------------------------------------ tests
def test_read_fills_table_with_plain_words(qtbot, loop):
    editor = make_editor(qtbot)
    assert editor.empty_label.isVisible() and "Read configuration" in editor.empty_label.text()
    loop.run_until_complete(read(editor))
    assert set(editor.rows) == set(items_16())
    assert row(editor, "HeartbeatInterval").text(COL_VALUE) == "300"
    assert row(editor, "HeartbeatInterval").text(COL_UNIT) == "s"
    assert row(editor, "NumberOfConnectors").text(3) == "read-only"
    assert "vendor" in row(editor, "VendorFoo").text(COL_SETTING)
    # secrets hidden until the row's show toggle is pressed
    assert row(editor, "AuthorizationKey").text(COL_VALUE) == HIDDEN
    toggle = editor.tree.itemWidget(row(editor, "AuthorizationKey"), COL_UNIT)
    toggle.click()
    assert row(editor, "AuthorizationKey").text(COL_VALUE) == "s3cretpassword1234"
    toggle.click()
    assert row(editor, "AuthorizationKey").text(COL_VALUE) == HIDDEN
    assert editor.snapshot_combo.count() == 1
    assert not editor.notes_label.isVisible() and not editor.unknown_label.isVisible()


def test_full_inventory_notes_are_shown(qtbot, loop):
    editor = make_editor(qtbot, FakeService(version="2.0.1"))
    loop.run_until_complete(read(editor, full_inventory=True))
    assert editor.notes_label.isVisible()
    assert "did not arrive" in editor.notes_label.text()


def test_search_and_filters(qtbot, loop):
    editor = make_editor(qtbot)
    loop.run_until_complete(read(editor))
    editor.search.setText("heartbeat")
    assert editor.visible_keys() == ["HeartbeatInterval"]
    editor.search.setText("power readings")  # descriptions are searched too
    assert editor.visible_keys() == ["MeterValueSampleInterval"]
    editor.search.setText("s3cret")  # secret values are not searchable
    assert editor.visible_keys() == []
    editor.search.clear()
    editor.only_uk.setChecked(True)
    assert editor.visible_keys() == ["RandomisedDelay"]
    editor.only_uk.setChecked(False)
    editor.only_changed.setChecked(True)
    assert editor.visible_keys() == ["MeterValueSampleInterval"]
    editor.only_changed.setChecked(False)
    editor.only_connectivity.setChecked(True)
    assert set(editor.visible_keys()) == {"HeartbeatInterval", "AuthorizationKey"}
    editor.only_connectivity.setChecked(False)
    editor.only_editable.setChecked(True)
    assert "NumberOfConnectors" not in editor.visible_keys()
    assert "12 of" not in editor.count_label.text()


def test_typed_editors(qtbot, loop):
    editor = make_editor(qtbot)
    loop.run_until_complete(read(editor))
    kinds = {k: editor_kind(i) for k, i in editor.snapshot.items.items()}
    assert kinds["LocalPreAuthorize"] == "bool"
    assert kinds["HeartbeatInterval"] == "int"
    assert kinds["MeterValuesSampledData"] == "members"
    assert kinds["VendorFoo"] == "text"
    # open the real editor in place on the CSL row, tick a member, commit
    target = row(editor, "MeterValuesSampledData")
    editor.tree.setCurrentItem(target, COL_VALUE)
    editor.tree.editItem(target, COL_VALUE)
    widget = editor.tree.indexWidget(editor.tree.currentIndex())
    assert isinstance(widget, MemberList)
    assert widget.value() == "Energy.Active.Import.Register"
    from PySide6.QtCore import Qt
    widget.item(1).setCheckState(Qt.CheckState.Checked)
    editor.delegate.setModelData(widget, editor.tree.model(), editor.tree.currentIndex())
    assert editor.pending == {
        "MeterValuesSampledData": "Energy.Active.Import.Register,Power.Active.Import"}
    # numbers are typed as text (never clamped); the editor names the allowed range
    target = row(editor, "HeartbeatInterval")
    editor.tree.setCurrentItem(target, COL_VALUE)
    editor.tree.editItem(target, COL_VALUE)
    field = editor.tree.indexWidget(editor.tree.currentIndex())
    assert field.text() == "300" and field.toolTip() == "Allowed: at least 0 s"
    # read-only rows get no editor
    index = editor.tree.indexFromItem(row(editor, "NumberOfConnectors"), COL_VALUE)
    assert ConfigDelegate.createEditor(editor.delegate, editor.tree.viewport(), None,
                                       index) is None


def test_invalid_edit_cannot_be_sent(qtbot, loop):
    editor = make_editor(qtbot)
    loop.run_until_complete(read(editor))
    editor.stage("VendorFoo", "baz")
    editor.stage("HeartbeatInterval", "soon")
    assert "HeartbeatInterval" in editor.problems
    assert not editor.apply_button.isEnabled()
    assert "not a whole number" in editor.pending_label.text()
    assert "not a whole number" in row(editor, "HeartbeatInterval").toolTip(COL_VALUE)
    editor.stage("HeartbeatInterval", "120")
    assert editor.apply_button.isEnabled()
    assert editor.apply_button.text() == "Apply 2 changes"
    editor.discard()
    assert not editor.pending and not editor.apply_button.isEnabled()


def test_apply_shows_each_result_in_place(qtbot, loop):
    service = FakeService(answers={"MeterValueSampleInterval": "Rejected",
                                   "VendorFoo": "NotSupported"})
    editor = make_editor(qtbot, service)
    loop.run_until_complete(read(editor))
    editor.stage("HeartbeatInterval", "120")
    editor.stage("MeterValueSampleInterval", "10")
    editor.stage("VendorFoo", "baz")
    loop.run_until_complete(finish(editor.apply()))
    assert service.writes == [({"HeartbeatInterval": "120", "MeterValueSampleInterval": "10",
                                "VendorFoo": "baz"}, False)]
    assert row(editor, "HeartbeatInterval").text(COL_RESULT) == "Accepted"
    assert row(editor, "HeartbeatInterval").text(COL_VALUE) == "120"
    assert row(editor, "MeterValueSampleInterval").text(COL_RESULT) == "Rejected"
    assert row(editor, "MeterValueSampleInterval").text(COL_VALUE) == "60"
    assert "charger said Rejected" in row(editor, "MeterValueSampleInterval").toolTip(COL_RESULT)
    assert row(editor, "VendorFoo").text(COL_RESULT) == "Not supported"
    green = row(editor, "HeartbeatInterval").background(COL_RESULT).color().name()
    red = row(editor, "VendorFoo").background(COL_RESULT).color().name()
    assert green == ce.GOOD[0] and red == ce.BAD[0]
    assert not editor.pending and not editor.restart_banner.isVisible()
    # the service's snapshot history is left as the charger reported it
    assert service.latest("CP-1").value("HeartbeatInterval") == "300"


def test_reboot_required_banner_and_reset(qtbot, loop, monkeypatch):
    service = FakeService(answers={"HeartbeatInterval": "RebootRequired",
                                   "LocalPreAuthorize": "RebootRequired"})
    central = FakeCentral()
    editor = make_editor(qtbot, service, central)
    loop.run_until_complete(read(editor))
    editor.stage("HeartbeatInterval", "120")
    editor.stage("LocalPreAuthorize", "true")
    loop.run_until_complete(finish(editor.apply()))
    assert editor.restart_banner.isVisible()
    assert "2 settings take effect after a restart" in editor.restart_label.text()
    assert row(editor, "HeartbeatInterval").background(COL_RESULT).color().name() == ce.AMBER[0]

    answers = iter([False, True])

    async def confirm(parent, charger, count):
        assert count == 2
        return next(answers)
    monkeypatch.setattr(dialogs, "confirm_restart", confirm)
    loop.run_until_complete(finish(editor.restart()))
    assert central.calls == [] and editor.restart_banner.isVisible()  # declined
    loop.run_until_complete(finish(editor.restart()))
    assert central.calls == [("CP-1", "Reset", {"type": "Soft"})]
    assert not editor.restart_banner.isVisible()


def test_reset_is_on_idle_for_201(qtbot, loop, monkeypatch):
    service = FakeService(version="2.0.1", answers={"HeartbeatInterval": "RebootRequired"})
    central = FakeCentral()
    editor = make_editor(qtbot, service, central)
    loop.run_until_complete(read(editor))
    editor.stage("HeartbeatInterval", "120")
    loop.run_until_complete(finish(editor.apply()))

    async def yes(*args):
        return True
    monkeypatch.setattr(dialogs, "confirm_restart", yes)
    loop.run_until_complete(finish(editor.restart()))
    assert central.calls == [("CP-1", "Reset", {"type": "OnIdle"})]


def test_dangerous_key_needs_confirmation(qtbot, loop, monkeypatch):
    service = FakeService()
    editor = make_editor(qtbot, service)
    loop.run_until_complete(read(editor))
    asked: list[list[str]] = []
    answer = {"value": False}

    async def confirm(parent, planned):
        asked.append([p.key for p in planned])
        assert all(p.danger for p in planned)
        return answer["value"]
    monkeypatch.setattr(dialogs, "confirm_danger", confirm)
    editor.stage("AuthorizationKey", "an0therGoodPassw0rd")
    editor.stage("HeartbeatInterval", "120")
    loop.run_until_complete(finish(editor.apply()))
    assert asked == [["AuthorizationKey"]]
    assert service.writes == []  # declined: nothing sent at all
    assert editor.pending  # and the edits are still there
    answer["value"] = True
    loop.run_until_complete(finish(editor.apply()))
    assert service.writes == [({"AuthorizationKey": "an0therGoodPassw0rd",
                                "HeartbeatInterval": "120"}, True)]
    assert row(editor, "AuthorizationKey").text(COL_RESULT) == "Accepted"
    assert row(editor, "AuthorizationKey").text(COL_VALUE) == HIDDEN


def test_danger_dialog_has_explicit_button(qtbot, loop):
    editor = make_editor(qtbot)
    plan = [PlannedChange("SecurityProfile", "1", "2", None, "The charger reconnects with TLS.")]

    async def scenario():
        task = asyncio.ensure_future(dialogs.confirm_danger(editor, plan))
        from PySide6.QtWidgets import QMessageBox
        await wait_until(lambda: editor.findChild(QMessageBox) is not None, what="dialog")
        box = editor.findChild(QMessageBox)
        assert "The charger reconnects with TLS." in box.text()
        assert "SecurityProfile" in box.text()
        [button] = [b for b in box.buttons() if b.text() == "I understand, apply"]
        button.click()
        return await task
    assert loop.run_until_complete(scenario()) is True


def test_201_tree_grouped_by_component(qtbot, loop):
    def var(component, variable, value, evse=None, connector=None, **kw):
        ref = VariableRef(component=component, variable=variable, evse=evse,
                          connector=connector)
        return ConfigItem(key=ref.label(), value=value, readonly=kw.pop("readonly", False),
                          known=True, ref=ref, **kw)
    items = [var("OCPPCommCtrlr", "HeartbeatInterval", "300", type="integer", unit="s"),
             var("SampledDataCtrlr", "TxUpdatedInterval", "1", type="integer", unit="s"),
             var("Connector", "AvailabilityState", "Available", evse=1, connector=1,
                 readonly=True)]
    editor = make_editor(qtbot, FakeService("2.0.1", {i.key: i for i in items}))
    loop.run_until_complete(read(editor))
    groups = [editor.tree.topLevelItem(i).text(0)
              for i in range(editor.tree.topLevelItemCount())]
    assert groups == ["OCPPCommCtrlr", "SampledDataCtrlr", "Connector · EVSE 1 · connector 1"]
    connector = editor.tree.topLevelItem(2).child(0)
    assert connector.text(COL_SETTING) == "AvailabilityState"
    assert "EVSE 1 Connector 1 / Connector.AvailabilityState" in connector.toolTip(COL_SETTING)
    assert editor.full_inventory.isVisible()
    editor.search.setText("TxUpdated")
    assert editor.tree.topLevelItem(0).isHidden() and not editor.tree.topLevelItem(1).isHidden()


def test_snapshots_and_compare(qtbot, loop):
    service = FakeService()
    editor = make_editor(qtbot, service)
    loop.run_until_complete(read(editor))
    service.items["HeartbeatInterval"].value = "60"
    service.items["AuthorizationKey"].value = "another-secret-value"
    loop.run_until_complete(read(editor))
    assert editor.snapshot_combo.count() == 2
    editor.snapshot_combo.setCurrentIndex(0)
    editor._snapshot_chosen(0)
    assert row(editor, "HeartbeatInterval").text(COL_VALUE) == "300"
    dialog = editor.compare()
    rows = {dialog.table.item(r, 0).text(): (dialog.table.item(r, 1).text(),
                                             dialog.table.item(r, 2).text())
            for r in range(dialog.table.rowCount())}
    assert rows == {"HeartbeatInterval": ("300", "60"), "AuthorizationKey": (HIDDEN, HIDDEN)}
    dialog.close()


def test_template_save_preview_apply_undo(qtbot, loop, monkeypatch, tmp_path):
    pytest.importorskip("ocpp_studio.configuration.templates")
    from ocpp_studio.configuration import templates
    service = FakeService()
    editor = make_editor(qtbot, service)
    loop.run_until_complete(read(editor))
    # save the selected rows as a template
    editor.tree.clearSelection()
    row(editor, "HeartbeatInterval").setSelected(True)
    row(editor, "MeterValueSampleInterval").setSelected(True)
    path = editor.save_template(selected=True, path=str(tmp_path / "site.json"))
    saved = json.loads(path.read_text())
    assert set(ce.template_changes(saved)) == {"HeartbeatInterval", "MeterValueSampleInterval"}
    # change the template, then apply it with a preview
    text = path.read_text().replace('"300"', '"900"')
    path.write_text(text)
    seen: list[list[tuple[str, ...]]] = []
    answer = {"value": False}

    async def confirm(parent, name, planned):
        preview = TemplatePreview(name, planned, parent)
        seen.append(preview.rows())
        preview.deleteLater()
        return answer["value"]
    monkeypatch.setattr(dialogs, "confirm_template", confirm)
    loop.run_until_complete(finish(editor.apply_template(path)))
    assert seen == [[("HeartbeatInterval", "300", "900", "")]]
    assert service.writes == []  # cancelled
    answer["value"] = True
    loop.run_until_complete(finish(editor.apply_template(path)))
    assert service.writes[-1][0] == {"HeartbeatInterval": "900"}
    assert row(editor, "HeartbeatInterval").text(COL_RESULT) == "Accepted"
    assert editor.undo_button.isVisible()
    loop.run_until_complete(finish(editor.undo_template()))
    assert service.writes[-1][0] == {"HeartbeatInterval": "300"}
    assert not editor.undo_button.isVisible()
    assert templates  # imported


def test_template_preview_lists_problems_and_dangers(qtbot):
    plan = [PlannedChange("HeartbeatInterval", "300", "900"),
            PlannedChange("MeterValueSampleInterval", "60", "60"),
            PlannedChange("Foo", None, "1", problem="The charger does not have this setting."),
            PlannedChange("SecurityProfile", "1", "2", danger="Reconnects with TLS.")]
    dialog = TemplatePreview("site", plan)
    qtbot.addWidget(dialog)
    assert dialog.rows() == [("HeartbeatInterval", "300", "900", ""),
                             ("Foo", "—", "1", "The charger does not have this setting."),
                             ("SecurityProfile", "1", "2", "Reconnects with TLS.")]
    assert "3</b> settings will change" in dialog.summary.text()
    assert "1 already have" in dialog.summary.text()
    assert dialog.apply_button.text() == "Apply 2 changes"


# ------------------------------------------------- the real service, demo chargers
@pytest.mark.parametrize("version", ["1.6", "2.0.1", "2.1"])
def test_main_window_tab_with_demo_charger(qtbot, loop, version, monkeypatch):
    from ocpp_studio.capture.store import CaptureStore
    from ocpp_studio.configuration.service import ConfigurationService
    from ocpp_studio.core.versions import OcppVersion
    from ocpp_studio.demo import DemoCharger, DemoChargerConfig
    from ocpp_studio.settings import CsmsSettings
    from ocpp_studio.station.central import CentralSystem
    from ocpp_studio.transports.websocket_server import CsmsServer
    from ocpp_studio.ui.main_window import MainWindow

    async def scenario() -> None:
        store = CaptureStore(":memory:")
        central = CentralSystem(store, CsmsSettings(host="127.0.0.1", port=0))
        server = CsmsServer(central)
        await server.start()
        service = ConfigurationService(central, report_timeout=10)
        window = MainWindow(central, store, urls=server.urls(), capture_path="(memory)",
                            configuration=service)
        window.show()
        charger = DemoCharger(f"ws://127.0.0.1:{server.port}/ocpp",
                              DemoChargerConfig(charger_id="CFG-1",
                                                version=OcppVersion.parse(version)))
        task = asyncio.create_task(charger.run())
        try:
            assert await charger.wait_booted()
            await wait_until(lambda: window.chargers.card("CFG-1") is not None, what="card")
            window.tabs.setCurrentWidget(window.config_editor)
            window.chargers.select_charger("CFG-1")
            editor = window.config_editor
            assert editor.charger == "CFG-1"
            await finish(editor.read())
            assert editor.snapshot is not None and len(editor.rows) > 5, editor.pending_label.text()
            if version == "1.6":
                key = "HeartbeatInterval"
            else:
                assert editor.tree.topLevelItemCount() > 1  # grouped by component
                key = next(k for k in editor.rows if k.endswith("OCPPCommCtrlr.HeartbeatInterval")
                           or k.endswith("HeartbeatCtrlr.Interval"))
            editor.stage(key, "123")
            assert not editor.problems, editor.problems
            await finish(editor.apply())
            assert editor.rows[key].text(COL_RESULT) in ("Accepted", "After restart")
            assert editor.rows[key].text(COL_VALUE) == "123"
            await finish(editor.read())
            assert editor.snapshot.value(key) == "123"
            assert editor.snapshot_combo.count() == 2
        finally:
            await shut_down(charger, task, window, server, store)

    loop.run_until_complete(asyncio.wait_for(scenario(), 60))


def test_results_without_an_answer_are_told_apart_from_refusals(qapp):
    """After a charger vanished mid-write: 'No answer' (amber, may or may not have changed)
    and 'Not sent' rows, and the summary says what to do."""
    from ocpp_studio.configuration.model import WriteResult  # noqa: PLC0415
    editor = ConfigEditor(None, None)
    lost = ("Sent, but the charger disconnected before answering (CP gone): the setting may "
            "or may not have changed. Read it again when the charger is back.")
    editor.show_results([
        WriteResult("HeartbeatInterval", "300", "Accepted", ""),
        WriteResult("MeterValueSampleInterval", "60", "Unknown", lost),
        WriteResult("ClockAlignedDataInterval", "900", "NotSent", "Not sent: CP is not connected"),
    ])
    text = editor.pending_label.text()
    assert "1 accepted" in text and "1 without an answer" in text
    assert "1 not accepted" in text and "Read it again when the charger is back" in text
    from ocpp_studio.ui.configuration.config_editor import STATUS_WORDS, status_colours  # noqa: PLC0415
    assert STATUS_WORDS["Unknown"] == "No answer" and STATUS_WORDS["NotSent"] == "Not sent"
    assert status_colours("Unknown") != status_colours("Rejected")
