"""The main window as a user sees it: real CSMS on 127.0.0.1, real chargers over websockets.

Async UI tests run on a qasync loop with ``run_until_complete`` and wait on
conditions (DESIGN.md: ``qtbot.waitSignal`` runs a nested Qt loop without a
running asyncio loop).
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import asyncio  # noqa: E402
import contextlib  # noqa: E402
import gc  # noqa: E402
import json  # noqa: E402
import socket  # noqa: E402
from contextlib import asynccontextmanager  # noqa: E402
from typing import Any, AsyncIterator, Callable  # noqa: E402

import pytest  # noqa: E402
from conftest import loop, wait_until  # noqa: E402,F401
import qasync  # noqa: E402
from PySide6.QtCore import Qt  # noqa: E402
from websockets.asyncio.client import ClientConnection, connect  # noqa: E402

from ocpp_studio.capture.store import CaptureStore  # noqa: E402
from ocpp_studio.core.records import ConnectionEvent, Direction, FrameRecord, MemoryRecorder  # noqa: E402
from ocpp_studio.core.rpc import RpcEndpoint  # noqa: E402
from ocpp_studio.core.versions import OcppVersion  # noqa: E402
from ocpp_studio.gc_pacing import StartPause  # noqa: E402
from ocpp_studio.settings import AppSettings, CsmsSettings  # noqa: E402
from ocpp_studio.station.central import CentralSystem  # noqa: E402
from ocpp_studio.transports.websocket_server import CsmsServer  # noqa: E402
from ocpp_studio.service import Studio as StudioService  # noqa: E402
from ocpp_studio.ui import app as app_module  # noqa: E402
from ocpp_studio.ui.common.formatting import pretty_json, severity  # noqa: E402
from ocpp_studio.ui.main_window import MainWindow  # noqa: E402
from ocpp_studio.ui.inspector.message_model import Column, MessageTableModel  # noqa: E402
from ocpp_studio.ui.inspector.send_dialog import csms_actions  # noqa: E402


# ------------------------------------------------------------------ harness




class Studio:
    """CSMS + main window, as run_gui builds them, on a random port."""

    def __init__(self, store: CaptureStore, central: CentralSystem, server: CsmsServer,
                 window: MainWindow) -> None:
        self.store, self.central, self.server, self.window = store, central, server, window

    def url(self, charger_id: str) -> str:
        return f"ws://127.0.0.1:{self.server.port}/ocpp/{charger_id}"

    def rows(self) -> list[FrameRecord | ConnectionEvent]:
        return self.window.visible_records()

    def frames(self) -> list[FrameRecord]:
        return [r for r in self.rows() if isinstance(r, FrameRecord)]

    def cell(self, row: int, column: Column, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        return self.window.model.index(row, column).data(role)


@asynccontextmanager
async def studio(**settings: Any) -> AsyncIterator[Studio]:
    store = CaptureStore(":memory:")
    central = CentralSystem(store, CsmsSettings(host="127.0.0.1", port=0, **settings))
    server = CsmsServer(central)
    await server.start()
    window = MainWindow(central, store, urls=server.urls(), capture_path="(memory)")
    window.show()
    try:
        yield Studio(store, central, server, window)
    finally:
        window.close()
        await server.stop()
        store.close()


class ScriptedCharger:
    """A charger we script: an RpcEndpoint in the charger role over a real websocket."""

    def __init__(self, ws: ClientConnection, charger_id: str, version: OcppVersion,
                 handler: Callable[[str, Any], Any]) -> None:
        self.ws = ws
        self.endpoint = RpcEndpoint(version=version, role="charger", charger_id=charger_id,
                                    send=ws.send, recorder=MemoryRecorder(), handler=handler)
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        with contextlib.suppress(Exception):
            async for message in self.ws:
                await self.endpoint.receive(message if isinstance(message, str)
                                            else message.decode())

    async def close(self) -> None:
        self.endpoint.close("test over")  # cancels handlers still running
        self._reader.cancel()
        with contextlib.suppress(BaseException):
            await self._reader
        await asyncio.sleep(0)  # let cancelled handler tasks finish


def answer_everything(action: str, payload: Any) -> Any:
    if action == "TriggerMessage":
        return {"status": "Accepted"}
    return {}


@asynccontextmanager
async def charger(url: str, charger_id: str, version: OcppVersion = OcppVersion.V16,
                  handler: Callable[[str, Any], Any] = answer_everything
                  ) -> AsyncIterator[ScriptedCharger]:
    async with connect(url, subprotocols=[version.value]) as ws:  # type: ignore[list-item]
        test_charger = ScriptedCharger(ws, charger_id, version, handler)
        try:
            yield test_charger
        finally:
            await test_charger.close()


async def boot_16(cp: ScriptedCharger, status: str = "Charging") -> None:
    await cp.endpoint.call("BootNotification", {
        "chargePointVendor": "Acme", "chargePointModel": "Wallbox Pro",
        "chargePointSerialNumber": "SN-0042", "firmwareVersion": "1.2.3"})
    await cp.endpoint.call("StatusNotification", {
        "connectorId": 1, "errorCode": "NoError", "status": status})


async def boot_201(cp: ScriptedCharger) -> None:
    await cp.endpoint.call("BootNotification", {
        "reason": "PowerUp", "chargingStation": {"vendorName": "Volta", "model": "Triple"}})
    await cp.endpoint.call("StatusNotification", {
        "timestamp": "2026-01-01T00:00:00Z", "connectorStatus": "Faulted", "evseId": 1,
        "connectorId": 1})


# -------------------------------------------------------------------- tests
def test_charger_appears_with_identity_status_and_paired_frames(loop):
    async def scenario():
        async with studio() as s:
            card_text = s.window.chargers.hint.text()
            assert "Point your charger's backend URL at" in card_text
            assert s.window.chargers.hint.isVisible()
            async with charger(s.url("CP-1"), "CP-1") as cp:
                await boot_16(cp)
                await wait_until(lambda: s.window.chargers.card("CP-1") is not None
                                 and "Charging" in s.window.chargers.card("CP-1").plain_text(),
                                 what="charger card with connector status")
                text = s.window.chargers.card("CP-1").plain_text()
                for expected in ("CP-1", "OCPP 1.6", "Connected", "Acme Wallbox Pro", "SN-0042",
                                 "FW 1.2.3", "1: Charging", "Last message"):
                    assert expected in text, (expected, text)
                assert not s.window.chargers.hint.isVisible()

                await wait_until(lambda: len(s.frames()) >= 4, what="four frames listed")
                frames = s.frames()
                boot_call = next(f for f in frames if f.action == "BootNotification"
                                 and f.message_type == 2)
                boot_result = next(f for f in frames if f.action == "BootNotification"
                                   and f.message_type == 3)
                row = s.rows().index(boot_result)
                assert s.cell(row, Column.DIRECTION) == "→ Charger"
                assert s.cell(row, Column.TYPE) == "RESULT"
                assert s.cell(row, Column.LATENCY).endswith("ms")
                assert boot_result.pair_id == boot_call.id
                call_row = s.rows().index(boot_call)
                assert s.cell(call_row, Column.DIRECTION) == "→ CSMS"
                assert s.cell(call_row, Column.TYPE) == "CALL"
                assert s.cell(call_row, Column.STATE) == "answered"
                assert s.cell(call_row, Column.LATENCY).endswith("ms")
                assert s.cell(call_row, Column.UNIQUE_ID) == boot_call.unique_id
                assert s.cell(call_row, Column.TIME).count(":") == 2
                assert s.cell(call_row, Column.ACTION, Qt.ItemDataRole.BackgroundRole) is None
                # the log lists frames only; connections are in the charger's timeline
                assert all(isinstance(r, FrameRecord) for r in s.rows())
            await wait_until(lambda: "Disconnected" in s.window.chargers.card("CP-1").plain_text(),
                             what="card shows the disconnect")

    loop.run_until_complete(asyncio.wait_for(scenario(), 60))


def test_malformed_frame_is_a_highlighted_problem_row(loop):
    async def scenario():
        async with studio() as s:
            async with charger(s.url("CP-BAD"), "CP-BAD") as cp:
                await boot_16(cp)
                await cp.ws.send("this is not json")
                await cp.endpoint.call("Heartbeat", {})
                await wait_until(lambda: any(getattr(r, "raw", None) == "this is not json"
                                             for r in s.rows()), what="bad frame listed")
                rows = s.rows()
                row = next(i for i, r in enumerate(rows) if getattr(r, "raw", "") == "this is not json")
                assert s.cell(row, Column.STATE) == "unreadable"
                assert s.cell(row, Column.TYPE) == "?"
                assert s.cell(row, Column.ACTION, Qt.ItemDataRole.BackgroundRole) is not None
                assert s.cell(row, Column.STATE, Qt.ItemDataRole.DecorationRole) is not None
                assert "not JSON" in s.cell(row, Column.ACTION, Qt.ItemDataRole.ToolTipRole)
                # our CALLERROR answer is a problem row too
                await wait_until(lambda: any(getattr(r, "message_type", None) == 4
                                             for r in s.rows()), what="CALLERROR listed")
                error_row = next(i for i, r in enumerate(s.rows())
                                 if getattr(r, "message_type", None) == 4)
                assert s.cell(error_row, Column.STATE).startswith("CALLERROR")
                assert severity(s.rows()[error_row]) == "error"
                # the detail pane says what is wrong
                s.window.select_row(row)
                assert s.window.detail.problem.isVisibleTo(s.window)
                assert "not JSON" in s.window.detail.problem.text()
                assert s.window.detail.raw.toPlainText() == "this is not json"
                # counts and the problems-only filter
                assert "with problems" in s.window.count_label.text()
                s.window.filter_bar.problems.setChecked(True)
                assert all(severity(r) for r in s.rows())
                assert len(s.rows()) == 2
                s.window.filter_bar.problems.setChecked(False)

    loop.run_until_complete(asyncio.wait_for(scenario(), 60))


def test_schema_violation_shows_path_and_message_in_detail_pane(loop):
    async def scenario():
        async with studio(tolerant=True) as s:
            async with charger(s.url("CP-SCHEMA"), "CP-SCHEMA") as cp:
                await boot_16(cp)
                # connectorId must be an integer: sent raw, past our own client-side check
                await cp.ws.send('[2,"sn-1","StatusNotification",{"connectorId":"one",'
                                 '"errorCode":"NoError","status":"Available"}]')
                await wait_until(lambda: any(getattr(r, "unique_id", None) == "sn-1"
                                             and r.message_type == 2 for r in s.rows()))
                row = next(i for i, r in enumerate(s.rows())
                           if getattr(r, "unique_id", None) == "sn-1" and r.message_type == 2)
                assert s.cell(row, Column.STATE) == "schema violation"
                s.window.select_row(row)
                problem = s.window.detail.problem.text()
                assert "$.connectorId" in problem
                assert "is not of type" in problem

    loop.run_until_complete(asyncio.wait_for(scenario(), 60))


def test_selecting_a_charger_filters_the_list_and_detail_shows_pretty_json(loop):
    async def scenario():
        async with studio() as s:
            async with charger(s.url("CP-A"), "CP-A") as a, \
                    charger(s.url("CP-B"), "CP-B", OcppVersion.V201) as b:
                await boot_16(a, status="Available")
                await boot_201(b)
                await wait_until(lambda: s.window.chargers.card("CP-B") is not None
                                 and "Faulted" in s.window.chargers.card("CP-B").plain_text())
                text_b = s.window.chargers.card("CP-B").plain_text()
                assert "OCPP 2.0.1" in text_b and "Volta Triple" in text_b
                assert "1/1: Faulted" in text_b
                await wait_until(lambda: {r.charger for r in s.rows()} == {"CP-A", "CP-B"}
                                 and len(s.frames()) >= 8, what="both chargers' frames")

                s.window.chargers.select_charger("CP-B")
                assert s.rows() and {r.charger for r in s.rows()} == {"CP-B"}
                # new frames from the other charger stay hidden while filtered
                await a.endpoint.call("Heartbeat", {})
                await asyncio.sleep(0.4)
                assert {r.charger for r in s.rows()} == {"CP-B"}

                boot_row = next(i for i, r in enumerate(s.rows())
                                if getattr(r, "action", None) == "BootNotification"
                                and r.message_type == 2)
                s.window.select_row(boot_row)
                shown = s.window.detail.request.text.toPlainText()
                assert shown == json.dumps(json.loads(s.rows()[boot_row].raw), indent=2)
                assert '\n  "BootNotification",\n' in shown
                assert "BootNotification" in s.window.detail.summary.text()
                assert not s.window.detail.problem.isVisibleTo(s.window)

                s.window.chargers.select_charger(None)  # "All chargers"
                assert {r.charger for r in s.rows()} == {"CP-A", "CP-B"}

    loop.run_until_complete(asyncio.wait_for(scenario(), 60))


def test_send_message_dialog_shows_reply_and_timeout_in_words(loop):
    async def scenario():
        async with studio(call_timeout=0.5) as s:
            async def never(action: str, payload: Any) -> Any:
                await asyncio.Event().wait()

            def handler(action: str, payload: Any) -> Any:
                return never(action, payload) if action == "Reset" else answer_everything(
                    action, payload)

            async with charger(s.url("CP-SEND"), "CP-SEND", handler=handler) as cp:
                await boot_16(cp)
                await wait_until(lambda: "CP-SEND" in s.central.sessions)
                dialog = s.window.open_send_dialog()
                assert dialog.charger.currentData() == "CP-SEND"
                actions = [dialog.action.itemText(i) for i in range(dialog.action.count())]
                assert "TriggerMessage" in actions and "BootNotification" not in actions
                dialog.action.setCurrentText("TriggerMessage")
                assert json.loads(dialog.payload.toPlainText()) == {
                    "requestedMessage": "StatusNotification"}
                dialog.send()
                await wait_until(lambda: "Accepted" in dialog.result_text(), what="reply shown")
                assert "Answer to TriggerMessage" in dialog.result_label.text()

                dialog.payload.setPlainText("{not json")
                dialog.send()
                assert "not valid JSON" in dialog.result_text()

                dialog.action.setCurrentText("Reset")
                dialog.payload.setPlainText('{"type": "Sideways"}')
                dialog.send()
                await wait_until(lambda: "not valid OCPP" in dialog.result_text())

                dialog.payload.setPlainText('{"type": "Soft"}')
                dialog.send()
                await wait_until(lambda: "No answer" in dialog.result_text(), what="timeout")
                # the CALL row turns into a timeout warning
                await wait_until(lambda: any(getattr(r, "action", None) == "Reset"
                                             and r.state == "timeout" for r in s.rows()),
                                 what="timeout row")
                row = next(i for i, r in enumerate(s.rows())
                           if getattr(r, "action", None) == "Reset")
                assert s.cell(row, Column.STATE) == "timeout"
                assert severity(s.rows()[row]) == "warning"
                dialog.close()

    loop.run_until_complete(asyncio.wait_for(scenario(), 60))


def test_csms_actions_exclude_charger_initiated():
    assert "BootNotification" not in csms_actions(OcppVersion.V16)
    assert "GetConfiguration" in csms_actions(OcppVersion.V16)
    assert "DataTransfer" in csms_actions(OcppVersion.V16)
    assert "GetVariables" in csms_actions(OcppVersion.V201)
    assert "TransactionEvent" not in csms_actions(OcppVersion.V201)


def test_busy_port_offers_a_free_one(loop):
    async def scenario():
        with socket.socket() as blocker:
            blocker.bind(("127.0.0.1", 0))
            blocker.listen()
            busy = blocker.getsockname()[1]
            settings = AppSettings(csms=CsmsSettings(host="127.0.0.1", port=busy),
                                   capture_path=":memory:")
            asked: list[tuple[int, int]] = []

            async def yes(port: int, alternative: int) -> bool:
                asked.append((port, alternative))
                return True

            async def no(port: int, alternative: int) -> bool:
                return False

            run = app_module.StudioRun(settings)
            run.studio = StudioService(settings)
            assert await run._start(yes)
            server = run.server
            try:
                assert asked and asked[0][0] == busy
                assert server.port == asked[0][1] != busy
                assert f":{server.port}/ocpp" in server.urls()[0]
            finally:
                await run.studio.stop()
            refused = app_module.StudioRun(settings)
            refused.studio = StudioService(settings)
            assert await refused._start(no) is False
            assert refused.server is None
            assert settings.csms.port == busy  # the caller's settings are left alone
            await refused.studio.stop()
        text = app_module.port_in_use_text(9000, 9001)
        assert text.startswith("Port 9000 is already in use — is another OCPP Studio or CSMS "
                               "running?")

    loop.run_until_complete(scenario())


def _bulk_store(path, count: int) -> CaptureStore:
    """A capture of ``count`` Heartbeat CALL/RESULT pairs, written in one transaction."""
    store = CaptureStore(path)
    base = 1_700_000_000_000_000
    rows = []
    for i in range(count):
        call = i % 2 == 0
        rows.append((base + i * 1000, f"CP-{i % 7}", 1, "to_csms" if call else "to_charger",
                     2 if call else 3, f"u{i // 2}", "Heartbeat", 1, None, None, None,
                     None if call else i, None if call else 1.5,
                     "answered" if call else None,
                     f'[2,"u{i // 2}","Heartbeat",{{}}]' if call
                     else f'[3,"u{i // 2}",{{"currentTime":"2026-01-01T00:00:00Z"}}]'))
    with store._db:
        store._db.execute("BEGIN")
        store._db.executemany(
            "INSERT INTO frames (ts_us, charger, connection_id, direction, message_type, "
            "unique_id, action, valid, violations, problem, error_code, pair_id, latency_ms, "
            "state, raw) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    store.close()  # opened again, the store gives new rows ids after these
    return CaptureStore(path)


def test_virtual_model_reads_rows_on_demand_and_caches_a_bounded_number(qapp, tmp_path):
    store = _bulk_store(tmp_path / "big.db", 50_000)
    try:
        model = MessageTableModel(store)
        assert model.rowCount() == 50_000
        assert model.index(0, Column.ACTION).data() == "Heartbeat"
        assert model.index(49_999, Column.TYPE).data() == "RESULT"
        assert model.index(0, Column.LATENCY).data() == "1.5 ms"  # the CALL shows its answer's
        # touch rows all over the capture: the cache stays bounded
        for row in range(0, 50_000, 97):
            model.index(row, Column.TIME).data()
        cache = model.cache
        assert len(cache) <= cache.max_pages
        assert len(cache) * cache.page_size < 50_000 // 2
        # a filter runs as a query; the rows are the matching frames
        from ocpp_studio.capture.query import FrameFilter
        model.set_filter(FrameFilter(chargers=frozenset({"CP-3"}), message_types=frozenset({2})))
        expected = sum(1 for i in range(0, 50_000, 2) if i % 7 == 3)
        assert model.rowCount() == expected
        assert {model.record_at(r).charger for r in range(0, expected, 500)} == {"CP-3"}
        # live frames: one rowsInserted per batch, only the matching ones
        inserts: list[tuple[int, int]] = []
        model.rowsInserted.connect(lambda parent, first, last: inserts.append((first, last)))
        batch = []
        for charger in ("CP-3", "CP-1", "CP-3"):
            record = FrameRecord(charger, Direction.TO_CSMS, '[2,"x","Heartbeat",{}]',
                                 message_type=2, unique_id="x", action="Heartbeat")
            store.record_frame(record)
            batch.append(record)
        assert model.append_records(batch) == 2
        assert inserts == [(expected, expected + 1)]
        assert model.rowCount() == expected + 2
    finally:
        store.close()


def test_live_batch_overlapping_the_opening_query_adds_each_frame_once(qapp):
    """The feed listens before the window's model runs its query: frames committed in
    between arrive in the first batch although the query already found them."""
    store = CaptureStore(":memory:")
    try:
        heard: list[FrameRecord] = []
        store.recorded.connect(lambda r: heard.append(r) if isinstance(r, FrameRecord) else None)
        for n in range(3):
            store.record_frame(FrameRecord("CP-1", Direction.TO_CSMS, f'[2,"{n}","Heartbeat",{{}}]',
                                           message_type=2, unique_id=str(n), action="Heartbeat"))
        model = MessageTableModel(store)  # sees frames 1-3 in the database
        assert model.rowCount() == 3
        store.record_frame(FrameRecord("CP-1", Direction.TO_CSMS, '[2,"3","Heartbeat",{}]',
                                       message_type=2, unique_id="3", action="Heartbeat"))
        assert model.append_records(heard) == 1  # frames 1-3 again, and the new one
        assert model.rowCount() == 4
        assert [model.record_at(r).unique_id for r in range(4)] == ["0", "1", "2", "3"]
    finally:
        store.close()


def test_pretty_json_keeps_numbers_exactly():
    raw = '[2,"x","SetChargingProfile",{"limit":0.30,"big":12345678901234567890,"e":[],"o":{}}]'
    pretty = pretty_json(raw)
    assert '"limit": 0.30' in pretty and "12345678901234567890" in pretty
    assert '"e": []' in pretty and '"o": {}' in pretty
    assert json.loads(pretty) == json.loads(raw)
    assert pretty_json('[2,"a,b","{x}",{"s":"q\\"}"}]') == (
        '[\n  2,\n  "a,b",\n  "{x}",\n  {\n    "s": "q\\"}"\n  }\n]')
    assert pretty_json("not json {") == "not json {"


def test_run_gui_starts_shows_and_shuts_down_cleanly(qapp, tmp_path, monkeypatch):
    shot = tmp_path / "shot.png"
    monkeypatch.setenv(app_module.SCREENSHOT_ENV, str(shot))
    monkeypatch.setenv(app_module.QUIT_AFTER_ENV, "0.5")
    capture = tmp_path / "capture.db"
    settings = AppSettings(csms=CsmsSettings(host="127.0.0.1", port=0),
                           capture_path=str(capture))
    assert app_module.run_gui(settings) == 0
    assert shot.stat().st_size > 1000
    assert capture.exists()
    # the store was closed and the port released: a second run works too
    monkeypatch.delenv(app_module.SCREENSHOT_ENV)
    assert app_module.run_gui(settings) == 0


def test_collections_wait_for_the_first_paint_then_the_start_is_frozen_out_of_them(loop,
                                                                                  tmp_path):
    """The command line holds garbage collections off over the window's start (a tenth of
    its CPU went to collections that freed nothing); the window's first paint turns them
    back on, with everything the start built frozen, and closing leaves gc as it was."""
    async def scenario():
        settings = AppSettings(csms=CsmsSettings(host="127.0.0.1", port=0),
                               capture_path=str(tmp_path / "c.db"))
        start_pause = StartPause()
        start_pause.pause()
        assert not gc.isenabled()
        run = app_module.StudioRun(settings, start_pause=start_pause)
        task = asyncio.ensure_future(run.run())
        try:
            await wait_until(lambda: run.gc_pacing is not None, what="the first paint")
            assert run.window is not None and run.window.isVisible()
            assert gc.isenabled() and not start_pause.paused
            assert gc.get_freeze_count() > 10_000  # modules, classes, the window's wrappers
            # the hidden tabs' pages were built after the first paint too (deferred_tabs.py)
            assert all(run.window.deferred_tabs.built(key) is not None
                       for key in ("configuration", "operations", "security", "proxy"))
        finally:
            if run.window is not None:
                run.window.close()
            assert await asyncio.wait_for(task, 20) == 0
        assert gc.isenabled() and gc.get_freeze_count() == 0

    gc.unfreeze()
    try:
        loop.run_until_complete(asyncio.wait_for(scenario(), 60))
    finally:
        gc.enable()
        gc.unfreeze()


def _demo_available() -> bool:
    try:
        from ocpp_studio.demo import DemoCharger, DemoChargerConfig  # noqa: F401
    except ImportError:
        return False
    return True


@pytest.mark.skipif(not _demo_available(), reason="ocpp_studio.demo not written yet")
def test_demo_mode_shows_both_demo_chargers(loop, tmp_path):
    async def scenario():
        settings = AppSettings(csms=CsmsSettings(host="127.0.0.1", port=0),
                               capture_path=str(tmp_path / "demo.db"))
        run = app_module.StudioRun(settings, demo=True)
        task = asyncio.ensure_future(run.run())
        try:
            await wait_until(lambda: run.window is not None, what="window shown")
            window = run.window
            for charger_id, version, connector in (("DEMO-16", "OCPP 1.6", "Connector 1: "),
                                                   ("DEMO-201", "OCPP 2.0.1", "EVSE 1/1: ")):
                def shown(charger_id: str = charger_id, connector: str = connector) -> bool:
                    card = window.chargers.card(charger_id)
                    return (card is not None and "Connected" in card.plain_text()
                            and connector in card.plain_text())

                await wait_until(shown, timeout=20, what=f"{charger_id} card")
                text = window.chargers.card(charger_id).plain_text()
                assert version in text and "OCPP Studio" in text, text
            await wait_until(lambda: {r.charger for r in window.visible_records()}
                             >= {"DEMO-16", "DEMO-201"}, what="demo frames")
        finally:
            if run.window is not None:
                run.window.close()
            assert await asyncio.wait_for(task, 20) == 0
        assert run.demo_chargers == [] and run.server is None

    loop.run_until_complete(asyncio.wait_for(scenario(), 60))


def test_a_refused_charger_gets_a_card_saying_what_to_change(loop):
    """'My charger doesn't show up' on site: a charger turned away at the handshake (wrong
    password, no common OCPP version) appears in the list with the reason and the fix."""
    import base64  # noqa: PLC0415
    from websockets.exceptions import InvalidStatus  # noqa: PLC0415

    async def scenario():
        async with studio(passwords={"CP-LOCKED": "right-password-1234",
                                     "CP-OLD": "old-password-12345"}) as s:
            base = f"ws://127.0.0.1:{s.server.port}/ocpp"
            wrong = "Basic " + base64.b64encode(b"CP-LOCKED:wrong").decode()
            with contextlib.suppress(InvalidStatus):
                async with connect(f"{base}/CP-LOCKED", subprotocols=["ocpp1.6"],
                                   additional_headers={"Authorization": wrong}):
                    pass
            old_auth = "Basic " + base64.b64encode(b"CP-OLD:old-password-12345").decode()
            async with connect(f"{base}/CP-OLD", subprotocols=["ocpp1.5"],
                               additional_headers={"Authorization": old_auth}) as ws:
                with contextlib.suppress(Exception):
                    await ws.recv()  # the server closes: no version in common
            await wait_until(lambda: s.window.chargers.card("CP-LOCKED") is not None
                             and s.window.chargers.card("CP-OLD") is not None,
                             what="cards for refused chargers")
            locked = s.window.chargers.card("CP-LOCKED").plain_text()
            assert "Disconnected" in locked and "Refused at" in locked
            assert "password did not match" in locked
            old = s.window.chargers.card("CP-OLD").plain_text()
            assert "offered subprotocol(s) ['ocpp1.5']" in old and "1.6J" in old
            # the right password: it gets in and the refusal is no longer shown
            right = "Basic " + base64.b64encode(b"CP-LOCKED:right-password-1234").decode()
            async with connect(f"{base}/CP-LOCKED", subprotocols=["ocpp1.6"],
                               additional_headers={"Authorization": right}) as ws:
                await ws.send('[2,"b1","BootNotification",{"chargePointVendor":"Acme",'
                              '"chargePointModel":"W1"}]')
                await ws.recv()
                await wait_until(lambda: "Connected" in s.window.chargers.card("CP-LOCKED")
                                 .plain_text(), what="card connected")
                assert "Refused" not in s.window.chargers.card("CP-LOCKED").plain_text()

    loop.run_until_complete(scenario())


# ------------------------------------------------------------- operations
def _visible_message_boxes(parent: Any) -> list[Any]:
    from PySide6.QtWidgets import QMessageBox  # noqa: PLC0415
    return [box for box in parent.findChildren(QMessageBox) if box.isVisible()]


def test_a_failing_operation_shows_its_message_instead_of_vanishing(qtbot, loop):
    from PySide6.QtWidgets import QWidget  # noqa: PLC0415

    from ocpp_studio.ui.common.operations import AsyncOp, operation_did_execute  # noqa: PLC0415
    widget = QWidget()
    qtbot.addWidget(widget)
    widget.show()
    executed: list[Any] = []
    operation_did_execute.connect(executed.append)

    async def scenario() -> None:
        async def broken() -> None:
            raise RuntimeError("the charger hung up")
        failed = AsyncOp(widget, broken, failure_title="Reset failed").run()
        await asyncio.wait_for(failed.task, 5)
        boxes = _visible_message_boxes(widget)
        assert [box.windowTitle() for box in boxes] == ["OCPP Studio — Reset failed"]
        assert "the charger hung up" in boxes[0].text()
        assert isinstance(failed.error, RuntimeError) and executed == []
        assert not failed.running()

        async def works() -> int:
            return 42
        answers: list[int] = []
        changes: list[int] = []
        worked = AsyncOp(widget, works, on_success=answers.append,
                         on_changed=changes.append).run()
        await asyncio.wait_for(worked.task, 5)
        assert answers == [42] and changes == [42] and executed == [worked]
        assert len(_visible_message_boxes(widget)) == 1  # no second box for a success

    try:
        loop.run_until_complete(scenario())
    finally:
        operation_did_execute.disconnect(executed.append)


def test_an_operation_ending_after_its_widget_closed_is_logged_not_shown(qapp, loop, caplog):
    import shiboken6  # noqa: PLC0415
    from PySide6.QtWidgets import QWidget  # noqa: PLC0415

    from ocpp_studio.ui.common.operations import AsyncOp  # noqa: PLC0415
    widget = QWidget()
    told: list[BaseException] = []

    async def scenario() -> None:
        gate = asyncio.Event()

        async def late() -> None:
            await gate.wait()
            raise RuntimeError("the answer came too late")
        op = AsyncOp(widget, late, on_failure=told.append, failure_title="Read failed").run()
        shiboken6.delete(widget)  # the tab was closed while the charger was asked
        gate.set()
        await asyncio.wait_for(op.task, 5)

    with caplog.at_level("WARNING", logger="ocpp_studio.ui.common.operations"):
        loop.run_until_complete(scenario())
    assert told == []  # the deleted widget was not touched
    assert "Read failed after its window closed: the answer came too late" in caplog.text


def test_opening_a_capture_from_the_menu_shows_a_failure_nobody_foresaw(loop, tmp_path,
                                                                        monkeypatch):
    from ocpp_studio.ui.inspector import capture_files  # noqa: PLC0415

    def broken_import(store: Any, path: Any, report: Any) -> Any:
        raise RuntimeError("the disk went away")
    monkeypatch.setattr(capture_files, "import_jsonl", broken_import)
    capture = tmp_path / "customer.jsonl"
    capture.write_text('{"kind": "frame"}\n', encoding="utf-8")

    async def scenario() -> None:
        async with studio() as s:
            op = s.window.open_capture_in_background(capture)  # File › Open, Recent, a drop
            await asyncio.wait_for(op.task, 10)
            boxes = _visible_message_boxes(s.window)
            assert [box.windowTitle() for box in boxes] == ["OCPP Studio — Cannot open capture"]
            assert "the disk went away" in boxes[0].text()
            assert s.window.store is s.window.live_store  # the view stays on the live capture
    loop.run_until_complete(asyncio.wait_for(scenario(), 30))
