"""The Operations tab and the charger card's operations, as an installer uses them: a real
CentralSystem on 127.0.0.1 over websockets, the real demo charger, the main window on a
qasync loop (conditions awaited, no sleeps)."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import asyncio  # noqa: E402
from contextlib import asynccontextmanager  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any, AsyncIterator  # noqa: E402

import pytest  # noqa: E402
from conftest import loop, shut_down, wait_until  # noqa: E402,F401
from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtWidgets import QApplication, QMessageBox  # noqa: E402

from ocpp_studio.capture.store import CaptureStore  # noqa: E402
from ocpp_studio.core.versions import OcppVersion  # noqa: E402
from ocpp_studio.demo import DemoCharger, DemoChargerConfig  # noqa: E402
from ocpp_studio.settings import CsmsSettings  # noqa: E402
from ocpp_studio.station.central import CentralSystem  # noqa: E402
from ocpp_studio.station.model import Station  # noqa: E402
from ocpp_studio.transports.websocket_server import CsmsServer  # noqa: E402
from ocpp_studio.ui.main_window import MainWindow  # noqa: E402
from ocpp_studio.ui.operations.local_list_editor import LocalListEditor  # noqa: E402
from ocpp_studio.ui.operations.operation_page import OperationPage  # noqa: E402
from ocpp_studio.ui.operations.operation_runner import NOT_SENT  # noqa: E402
from ocpp_studio.ui.operations.operations_panel import OperationsPanel  # noqa: E402

V16, V201 = OcppVersion.V16, OcppVersion.V201


@asynccontextmanager
async def window_with_demo(version: OcppVersion, charger_id: str = "OPS-1",
                           files: Path | None = None, quirks: tuple[str, ...] = ()
                           ) -> AsyncIterator[tuple[MainWindow, DemoCharger, CaptureStore]]:
    store = CaptureStore(":memory:")
    central = CentralSystem(store, CsmsSettings(host="127.0.0.1", port=0))
    if files is not None:
        central.transfers.folder = files
    server = CsmsServer(central)
    await server.start()
    window = MainWindow(central, store, urls=server.urls(), capture_path="(memory)")
    window.show()
    charger = DemoCharger(f"ws://127.0.0.1:{server.port}/ocpp",
                          DemoChargerConfig(charger_id=charger_id, version=version,
                                            reconnect_min_s=0.1, reconnect_max_s=0.2,
                                            quirks=list(quirks)))
    task = asyncio.create_task(charger.run())
    try:
        assert await charger.wait_booted(10)
        # the boot's StatusNotifications first, so they are not taken for a consequence
        await wait_until(lambda: any(c.status != "Unknown" for label, c in
                                     central.stations[charger_id].connectors.items()
                                     if label != "0"), what="boot status")
        await wait_until(lambda: window.chargers.card(charger_id) is not None, what="card")
        window.open_operations(charger_id)
        yield window, charger, store
    finally:
        await shut_down(charger, task, window, server, store)


async def finished(op: Any, timeout: float = 60) -> None:
    assert op is not None and op.task is not None
    await asyncio.wait_for(asyncio.shield(op.task), timeout)


async def transfer_to_the_end(view: Any, timeout: float, what: str) -> Any:
    """Press a Logs/Firmware page's start button; its transfer's progress once finished."""
    view.start_button.click()
    await finished(view.last_op)
    await wait_until(lambda: view.progress.progress is not None
                     and view.progress.progress.finished, timeout=timeout, what=what)
    return view.progress.progress


def frames(store: CaptureStore, action: str) -> list[Any]:
    return store.frames(action=action)


def page(panel: OperationsPanel, name: str) -> OperationPage:
    found = panel.page(name)
    assert isinstance(found, OperationPage), name
    return found


def message_box() -> QMessageBox | None:
    return next((w for w in QApplication.topLevelWidgets()
                 if isinstance(w, QMessageBox) and w.isVisible()), None)


async def the_question() -> QMessageBox:
    """The question the studio asks (a visible message box), once it is up."""
    await wait_until(lambda: message_box() is not None, what="the question")
    box = message_box()
    assert box is not None
    return box


def press(box: QMessageBox, text: str) -> None:
    next(b for b in box.buttons() if b.text() == text).click()


# ------------------------------------------------------------------ sending from the tab
@pytest.mark.parametrize("version", [V16, V201])
def test_soft_reset_from_the_panel_answers_in_words_and_links_the_boot(qtbot: Any, loop: Any,
                                                                        version: OcppVersion
                                                                        ) -> None:
    async def scenario() -> None:
        async with window_with_demo(version) as (window, charger, store):
            panel = window.operations_panel
            assert window.tabs.currentWidget() is panel
            reset = page(panel, "reset")
            panel.show_page("reset")
            assert reset.send_button.isEnabled()
            assert not reset.form.values()["hard"]  # soft by default
            reset.send_button.click()
            await finished(panel.last_op)
            view = panel.result_view
            assert view.words.text() == "Accepted: the charger restarts now"
            result = view.result
            assert result.ok and not result.needs_confirmation
            lines = view.frame_lines()
            assert lines[0].startswith(f"#{result.request_frame_id} → Reset")
            boots = [i for i in range(view.frames.count())
                     if "BootNotification" in view.frames.item(i).text()]
            assert boots, lines
            # the linked boot opens in the Messages tab, even when the filter hid it
            window.filter_bar.actions.set_selected(frozenset({"Heartbeat"}))
            assert window.model.row_of_id(result.followed[-1].id) is None
            item = view.frames.item(boots[0])
            rect = view.frames.visualItemRect(item)
            qtbot.mouseClick(view.frames.viewport(), Qt.MouseButton.LeftButton,
                             pos=rect.center())
            assert window.tabs.currentWidget() is window.right_splitter
            frame = store.frame(window.selected_frame_id())
            assert frame is not None and frame.action == "BootNotification"
            assert panel.charger == "OPS-1" and window.filter_bar.selected_charger() == "OPS-1"
            assert panel.result_view.result is result  # still there when the tab is back
            assert frame.id == result.followed[
                [f.action for f in result.followed].index("BootNotification")].id
    loop.run_until_complete(asyncio.wait_for(scenario(), 120))


def test_a_hard_reset_asks_with_its_consequence_and_no_sends_nothing(qtbot: Any,
                                                                     loop: Any) -> None:
    async def scenario() -> None:
        async with window_with_demo(V16) as (window, charger, store):
            panel = window.operations_panel
            menu = window.charger_menu("OPS-1")
            hard = next(a for a in menu.actions() if a.text() == "Reset (hard)…")
            hard.trigger()
            box = await the_question()
            assert "A hard reset restarts the charger at once" in box.text()
            assert "cut off" in box.text()
            press(box, "Cancel")
            await finished(panel.last_op)
            assert panel.result_view.words.text() == NOT_SENT
            assert panel.result_view.result.needs_confirmation
            assert frames(store, "Reset") == []
            menu.deleteLater()
    loop.run_until_complete(asyncio.wait_for(scenario(), 120))


def test_confirmed_inoperative_is_sent_and_links_the_unavailable_status(qtbot: Any,
                                                                        loop: Any) -> None:
    async def scenario() -> None:
        async with window_with_demo(V201) as (window, charger, store):
            panel = window.operations_panel
            op = window.run_operation("OPS-1", "availability", {"status": "Inoperative"})
            box = await the_question()
            assert "out of service" in box.text()
            press(box, "Send anyway")
            await finished(op)
            result = panel.result_view.result
            assert result.ok, result.words
            assert any("Unavailable" in line for line in panel.result_view.frame_lines())
            assert frames(store, "ChangeAvailability")
    loop.run_until_complete(asyncio.wait_for(scenario(), 120))


# ------------------------------------------------------------------------- the forms
def _panel_for(version: OcppVersion, qtbot: Any) -> OperationsPanel:
    central = CentralSystem(CaptureStore(":memory:"), CsmsSettings(host="127.0.0.1", port=0))
    central.stations["C"] = Station("C", version=version)  # known, offline
    panel = OperationsPanel(central)
    qtbot.addWidget(panel)
    panel.set_charger("C")
    return panel


def test_the_forms_follow_the_chargers_version(qtbot: Any) -> None:
    v16, v201 = _panel_for(V16, qtbot), _panel_for(V201, qtbot)
    assert set(page(v16, "reset").form.controls) == {"hard"}
    assert set(page(v201, "reset").form.controls) == {"hard", "evse"}
    assert set(page(v16, "unlock").form.controls) == {"connector"}
    assert set(page(v201, "unlock").form.controls) == {"evse", "connector"}
    assert v16.page("clear-customer-information") is None  # 2.0.1 only
    assert isinstance(v201.page("clear-customer-information"), OperationPage)
    assert v201.events is not None and v16.events is None  # NotifyEvent: 2.0.1
    # the help text of the spec's field is the tooltip
    hard = page(v16, "reset").form.controls["hard"]
    assert "hard" in hard.toolTip() and "confirm" in hard.toolTip()
    # every operation of the version is reachable from a page
    from ocpp_studio.station.operations import operations_for
    for panel, version in ((v16, V16), (v201, V201)):
        assert {op.name for op in operations_for(version)} <= set(panel.pages)


@pytest.mark.parametrize("version", [V16, V201, OcppVersion.V21])
def test_every_form_gives_values_its_operation_accepts(qtbot: Any,
                                                       version: OcppVersion) -> None:
    """Each form's untouched values are what the operation takes (defaults of the right type),
    or it says which required field is missing — for every operation of the version,
    including those added by other issues (certificates, transfers)."""
    from ocpp_studio.station.adapters.operations import operation_requests
    from ocpp_studio.station.operations import OperationError, coerce_fields, operations_for
    panel = _panel_for(version, qtbot)
    builders = operation_requests(version)
    for op in operations_for(version):
        form_page = panel.page(op.name)
        if not isinstance(form_page, OperationPage):
            continue  # the local list editor has its own test
        values = form_page.form.values()
        try:
            coerced = coerce_fields(op, builders, values)
        except OperationError as exc:
            assert "needs" in str(exc), (op.name, values, exc)
            continue
        for spec in op.describe(version)["fields"]:
            if spec["default"] is not None:
                assert coerced[spec["name"]] == spec["default"], (op.name, spec)


def test_an_offline_charger_says_why_and_sends_nothing(qtbot: Any) -> None:
    panel = _panel_for(V16, qtbot)
    reset = page(panel, "reset")
    assert not reset.send_button.isEnabled()
    assert "not connected" in reset.send_button.toolTip()
    assert "not connected" in panel.state.text()
    assert panel.send("reset", "Reset", {}) is None
    assert "not connected" in panel.result_view.words.text()


# ---------------------------------------------------------------------- local list
def test_local_list_full_send_then_version_read(qtbot: Any, loop: Any) -> None:
    async def scenario() -> None:
        async with window_with_demo(V201) as (window, charger, store):
            panel = window.operations_panel
            editor = panel.page("send-local-list")
            assert isinstance(editor, LocalListEditor)
            assert panel.page("local-list-version") is editor
            panel.show_page("send-local-list")
            await finished(editor.read_version())
            assert editor.known_version == 0
            assert "version 0" in editor.version_label.text()
            editor.add_entry("TAG-A", "Accepted")
            editor.add_entry("TAG-B", "Blocked")
            assert editor.new_version.value() == 1
            editor.update_kind.setCurrentText("Full")
            await finished(editor.send_list())
            result = panel.result_view.result
            assert result.ok, result.words
            assert result.words == "Accepted: the local authorization list was updated"
            tokens = [entry["idToken"]["idToken"] for entry in
                      result.request["localAuthorizationList"]]
            assert tokens == ["TAG-A", "TAG-B"]
            await finished(editor.read_version())
            assert editor.known_version == 1
            assert editor.new_version.value() == 2
    loop.run_until_complete(asyncio.wait_for(scenario(), 120))


# --------------------------------------------------------------------- context menu
def test_the_card_menu_offers_the_common_operations(qtbot: Any, loop: Any) -> None:
    async def scenario() -> None:
        async with window_with_demo(V16) as (window, charger, store):
            menu = window.charger_menu("OPS-1")
            texts = [a.text() for a in menu.actions() if a.text()]
            for wanted in ("Reset (soft)", "Reset (hard)…", "Start a test charge",
                           "Stop the charge", "Unlock the connector",
                           "Take out of service (Inoperative)…",
                           "Trigger StatusNotification", "All operations…"):
                assert wanted in texts, texts
            assert all(a.isEnabled() for a in menu.actions() if a.text())
            window.tabs.setCurrentIndex(0)
            next(a for a in menu.actions() if a.text() == "All operations…").trigger()
            assert window.tabs.currentWidget() is window.operations_panel
            assert window.operations_panel.charger == "OPS-1"
            for text, view in (("Fetch a log…", window.operations_panel.logs),
                               ("Update firmware…", window.operations_panel.firmware)):
                next(a for a in menu.actions() if a.text() == text).trigger()
                assert view is not None and window.operations_panel.stack.currentWidget() \
                    is view, text
            trigger = next(a for a in menu.actions()
                           if a.text() == "Trigger StatusNotification")
            trigger.trigger()
            await finished(window.operations_panel.last_op)
            result = window.operations_panel.result_view.result
            assert result.ok, result.words
            assert any("StatusNotification" in line
                       for line in window.operations_panel.result_view.frame_lines())
            menu.deleteLater()
            await charger.stop()
            await wait_until(lambda: not window.central.stations["OPS-1"].connected,
                             what="offline")
            offline = window.charger_menu("OPS-1")
            reset = next(a for a in offline.actions() if a.text() == "Reset (soft)")
            assert not reset.isEnabled() and "not connected" in reset.toolTip()
            offline.deleteLater()
    loop.run_until_complete(asyncio.wait_for(scenario(), 120))


# ------------------------------------------------------------------- logs and firmware
def test_a_diagnostics_log_over_ftp_arrives_and_is_listed_with_open_and_reveal(
        qtbot: Any, loop: Any, tmp_path: Path, monkeypatch: Any) -> None:
    from PySide6.QtGui import QDesktopServices
    opened: list[str] = []
    monkeypatch.setattr(QDesktopServices, "openUrl",
                        staticmethod(lambda url: opened.append(url.toLocalFile()) or True))

    async def scenario() -> None:
        async with window_with_demo(V16, files=tmp_path / "files") as (window, charger, store):
            panel = window.operations_panel
            logs = panel.logs
            assert logs is not None and panel.show_page("logs") is logs
            logs.kind.setCurrentIndex(logs.kind.findData("diagnostics"))
            logs.scheme.setCurrentIndex(logs.scheme.findData("ftp"))
            progress = await transfer_to_the_end(logs, 60, "the upload")
            assert progress.ok, progress.words
            assert progress.action == "GetDiagnostics"
            assert "the charger reported Uploaded" in logs.progress.words.text()
            lines = logs.progress.step_lines()
            assert "Uploading" in lines[0] and "Uploaded" in lines[-1]
            assert "✓ Uploading" in logs.progress.stages.text()
            assert logs.files.count() == 1
            assert progress.file.name in logs.files.item(0).text()
            logs.open_button.click()
            logs.reveal_button.click()
            assert opened == [str(progress.file), str(progress.file.parent)]
            assert progress.file.parent.parent == tmp_path / "files"
            # a status line selects its frame in the Messages tab
            item = logs.progress.steps.item(0)
            logs.progress.steps.itemClicked.emit(item)
            frame = store.frame(window.selected_frame_id())
            assert frame is not None and frame.action == "DiagnosticsStatusNotification"
    loop.run_until_complete(asyncio.wait_for(scenario(), 120))


def _signing_files(tmp_path: Path) -> tuple[Path, Path]:
    """An EC firmware signing key and its certificate (test_transfers.signing_pair) as files."""
    from test_transfers import signing_pair
    key, cert = signing_pair("ec")
    key_path, cert_path = tmp_path / "signing.key", tmp_path / "signing.pem"
    key_path.write_bytes(key)
    cert_path.write_text(cert)
    return key_path, cert_path


@pytest.mark.parametrize("signed", [False, True])
def test_a_firmware_update_shows_each_stage_and_the_version_after_the_reboot(
        qtbot: Any, loop: Any, tmp_path: Path, signed: bool) -> None:
    image = tmp_path / "7.2.bin"
    image.write_bytes(b"firmware image " * 2000)

    async def scenario() -> None:
        async with window_with_demo(V201, files=tmp_path / "files") as (window, charger,
                                                                        store):
            panel = window.operations_panel
            view = panel.firmware
            assert view is not None and panel.show_page("firmware") is view
            view.file.edit.setText(str(image))
            view.expected.setText("7.2")
            if signed:
                key, cert = _signing_files(tmp_path)
                view.signed.setChecked(True)
                view.certificate.edit.setText(str(cert))
                view.with_key.setChecked(True)
                view.key.edit.setText(str(key))
            progress = await transfer_to_the_end(view, 90, "the update")
            assert progress.ok, progress.words
            assert "rebooted with firmware 7.2 as expected" in view.progress.words.text()
            stages = view.progress.stages.text()
            for stage in ("Downloading", "Downloaded", "Installing", "Installed"):
                assert f"✓ {stage}" in stages
            statuses = [line.split(": ")[1].split(" — ")[0]
                        for line in view.progress.step_lines()]
            assert statuses[-1] == "Installed"
            assert ("SignatureVerified" in statuses) == signed
    loop.run_until_complete(asyncio.wait_for(scenario(), 150))


def test_a_bad_signature_is_a_failure_in_the_chargers_words(qtbot: Any, loop: Any,
                                                            tmp_path: Path) -> None:
    image = tmp_path / "8.0.bin"
    image.write_bytes(b"firmware image " * 100)
    key, cert = _signing_files(tmp_path)
    signature = tmp_path / "bad.sig"
    signature.write_text("AAAA")

    async def scenario() -> None:
        async with window_with_demo(V201, files=tmp_path / "files") as (window, charger,
                                                                        store):
            view = window.operations_panel.firmware
            assert view is not None
            view.file.edit.setText(str(image))
            view.signed.setChecked(True)
            view.certificate.edit.setText(str(cert))
            view.with_signature.setChecked(True)
            view.signature.edit.setText(str(signature))
            progress = await transfer_to_the_end(view, 90, "the verdict")
            assert not progress.ok
            assert "InvalidSignature" in progress.last_status
            assert "signature does not verify" in view.progress.words.text()
            assert "✗" in view.progress.stages.text()
    loop.run_until_complete(asyncio.wait_for(scenario(), 150))


# ------------------------------------------------------------- monitors and NotifyEvent
def test_a_monitor_set_from_the_form_and_its_notify_event_under_monitoring(
        qtbot: Any, loop: Any) -> None:
    """A charger we did not write (a scripted 2.0.1 endpoint): the SetVariableMonitoring
    form's request, then the NotifyEvent it sends, listed under Monitoring."""
    from conftest import scripted_charger
    requests: list[Any] = []

    def handler(action: str, payload: Any) -> Any:
        requests.append((action, payload))
        if action == "SetVariableMonitoring":
            data = payload["setMonitoringData"][0]
            return {"setMonitoringResult": [{
                "id": 7, "status": "Accepted", "type": data["type"],
                "severity": data["severity"], "component": data["component"],
                "variable": data["variable"]}]}
        return {}

    async def scenario() -> None:
        store = CaptureStore(":memory:")
        central = CentralSystem(store, CsmsSettings(host="127.0.0.1", port=0))
        server = CsmsServer(central)
        await server.start()
        window = MainWindow(central, store, urls=server.urls(), capture_path="(memory)")
        window.show()
        try:
            async with scripted_charger(f"ws://127.0.0.1:{server.port}/ocpp/MON-1", handler,
                                        "ocpp2.0.1") as endpoint:
                await wait_until(lambda: window.chargers.card("MON-1") is not None,
                                 what="card")
                panel = window.open_operations("MON-1")
                form = page(panel, "set-variable-monitoring")
                panel.show_page("set-variable-monitoring")
                form.form.set_values({"component": "EVSE", "variable": "Power",
                                      "type": "UpperThreshold", "value": 7400.0,
                                      "evse": 1})
                form.send_button.click()
                await finished(panel.last_op)
                assert panel.result_view.result.ok, panel.result_view.words.text()
                action, payload = requests[-1]
                assert action == "SetVariableMonitoring"
                data = payload["setMonitoringData"][0]
                assert data["value"] == 7400.0 and data["component"]["evse"]["id"] == 1
                await endpoint.call("NotifyEvent", {
                    "generatedAt": "2026-11-26T10:00:00Z", "seqNo": 0, "eventData": [{
                        "eventId": 1, "timestamp": "2026-11-26T10:00:00Z",
                        "trigger": "Alerting", "actualValue": "7520",
                        "component": {"name": "EVSE", "evse": {"id": 1}},
                        "variable": {"name": "Power"}, "variableMonitoringId": 7,
                        "eventNotificationType": "CustomMonitor", "cleared": False}]})
                events = panel.events
                assert events is not None and panel.show_page("events") is events
                await wait_until(lambda: events.table.rowCount() == 1, what="the event")
                cells = [events.table.item(0, c).text()
                         for c in range(events.table.columnCount())]
                assert cells == ["2026-11-26 10:00:00", "EVSE (EVSE 1)", "Power", "7520",
                                 "Alerting", "CustomMonitor", "no"]
        finally:
            window.close()
            window.detach()
            await server.stop()
            store.close()
    loop.run_until_complete(asyncio.wait_for(scenario(), 60))


def test_a_charger_that_never_uploads_says_its_last_status_and_can_be_stopped(
        qtbot: Any, loop: Any, tmp_path: Path) -> None:
    async def scenario() -> None:
        async with window_with_demo(V201, files=tmp_path / "files",
                                    quirks=("transfer-fail=never-upload",)) as (window,
                                                                                charger, store):
            logs = window.operations_panel.logs
            assert logs is not None
            window.operations_panel.show_page("logs")
            logs.scheme.setCurrentIndex(logs.scheme.findData("http"))
            logs.fetch_button.click()
            await finished(logs.last_op)
            await wait_until(lambda: logs.progress.progress is not None
                             and logs.progress.progress.last_status == "Uploading",
                             timeout=30, what="Uploading")
            assert not logs.progress.progress.finished
            assert logs.progress.cancel_button.isVisible()
            assert "✓ Uploading" in logs.progress.stages.text()
            assert "· Uploaded" in logs.progress.stages.text()  # not claimed
            logs.progress.cancel_button.click()
            await wait_until(lambda: logs.progress.progress.finished, timeout=30,
                             what="stopped")
            assert not logs.progress.progress.ok
            words = logs.progress.words.text()
            assert words.startswith("Stopped in the studio")
            assert "last status was Uploading" in words
            assert logs.files.count() == 0
            assert not logs.progress.cancel_button.isVisible()
    loop.run_until_complete(asyncio.wait_for(scenario(), 120))
