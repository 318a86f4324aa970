"""The message inspector as a support engineer uses it: filters, pairing, problems,
capture files (open, export round trip), the connection timeline, keyboard.

Live parts run a real CSMS on 127.0.0.1 with scripted chargers (the harness of
test_ui_main_window); file parts use real CaptureStore files in tmp_path.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import asyncio  # noqa: E402
import csv  # noqa: E402
import json  # noqa: E402
from pathlib import Path  # noqa: E402

from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl  # noqa: E402
from PySide6.QtGui import QDropEvent, QGuiApplication  # noqa: E402

from ocpp_studio.capture.jsonl import export_jsonl  # noqa: E402
from ocpp_studio.capture.store import CaptureStore  # noqa: E402
from ocpp_studio.core.records import ConnectionEvent, Direction, FrameRecord  # noqa: E402
from ocpp_studio.core.versions import OcppVersion  # noqa: E402
from ocpp_studio.ui.common import theme  # noqa: E402
from ocpp_studio.ui.inspector.message_model import Column  # noqa: E402
from ocpp_studio.ui.common.preferences import ViewPreferences  # noqa: E402
from ocpp_studio.ui.inspector.timeline_dialog import TimelineDialog  # noqa: E402

from test_ui_main_window import (  # noqa: E402
    boot_16, boot_201, charger, loop, studio, wait_until,
)

__all__ = ["loop"]  # the qasync loop fixture

T0 = 1_767_225_600_000_000  # 2026-01-01T00:00:00Z


# ------------------------------------------------------------------ a capture
def make_capture(path: Path) -> CaptureStore:
    """A small capture with every kind of problem, recorded the way the RPC layer does."""
    store = CaptureStore(path)
    t = T0

    def frame(charger_id: str, direction: Direction, raw: str, **kw) -> FrameRecord:
        nonlocal t
        t += 2_000_000
        record = FrameRecord(charger_id, direction, raw, ts_us=t, connection_id=1, **kw)
        store.record_frame(record)
        return record

    def answer(call: FrameRecord, raw: str, state: str, **kw) -> FrameRecord:
        nonlocal t
        t += 40_000
        record = FrameRecord(call.charger, Direction.TO_CHARGER if call.direction ==
                             Direction.TO_CSMS else Direction.TO_CSMS, raw, ts_us=t,
                             connection_id=1, unique_id=call.unique_id, action=call.action,
                             pair_id=call.id, latency_ms=40.0, **kw)
        store.record_response(record, state)
        return record

    store.record_event(ConnectionEvent("CP-1", "connected", {
        "path": "/ocpp/CP-1", "remote": "10.0.0.7:50123", "offered": ["ocpp1.6"],
        "subprotocol": "ocpp1.6", "auth_user": None, "version": "1.6"}, ts_us=T0,
        connection_id=1))
    boot = frame("CP-1", Direction.TO_CSMS,
                 '[2,"b1","BootNotification",{"chargePointVendor":"Acme",'
                 '"chargePointModel":"W1"}]', message_type=2, unique_id="b1",
                 action="BootNotification", valid=True, state="pending")
    answer(boot, '[3,"b1",{"status":"Accepted","currentTime":"2026-01-01T00:00:02Z",'
                 '"interval":300}]', "answered", message_type=3, valid=True)
    bad = frame("CP-1", Direction.TO_CSMS,
                '[2,"s1","StatusNotification",{"connectorId":"one","errorCode":"NoError",'
                '"status":"Available"}]', message_type=2, unique_id="s1",
                action="StatusNotification", valid=False, state="pending",
                problem="The message breaks the OCPP 1.6 schema",
                violations=[{"path": "$.connectorId", "message": "'one' is not of type "
                             "'integer'", "keyword": "type", "rule": "integer",
                             "fault": "TypeConstraintViolation"}])
    answer(bad, '[4,"s1","TypeConstraintViolation","connectorId must be an integer",{}]',
           "error", message_type=4, error_code="TypeConstraintViolation")
    for i in range(3):
        hb = frame("CP-2", Direction.TO_CSMS, f'[2,"h{i}","Heartbeat",{{}}]', message_type=2,
                   unique_id=f"h{i}", action="Heartbeat", valid=True, state="pending")
        answer(hb, f'[3,"h{i}",{{"currentTime":"2026-01-01T00:00:10Z"}}]', "answered",
               message_type=3, valid=True)
    reset = frame("CP-1", Direction.TO_CHARGER, '[2,"r1","Reset",{"type":"Soft"}]',
                  message_type=2, unique_id="r1", action="Reset", valid=True, state="pending")
    store.set_call_state(reset.id, "timeout")
    frame("CP-1", Direction.TO_CSMS, "garbage{", problem="The message is not JSON")
    store.record_event(ConnectionEvent("CP-1", "disconnected", {"code": 1006, "reason": ""},
                                       ts_us=t + 900_000_000, connection_id=1))
    store.record_event(ConnectionEvent("CP-1", "refused", {
        "path": "/ocpp/CP-1", "remote": "10.0.0.7:50200", "offered": [], "subprotocol": None,
        "reason": "the charger offered no OCPP subprotocol"}, ts_us=t + 1_000_000_000))
    store.record_event(ConnectionEvent("CP-1", "connected", {
        "path": "/ocpp/CP-1", "remote": "10.0.0.7:50300", "offered": ["ocpp1.6"],
        "subprotocol": "ocpp1.6", "version": "1.6"}, ts_us=t + 1_100_000_000, connection_id=2))
    return store


def lines_without_export_time(path: Path) -> list[dict]:
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert lines[0]["type"] == "header"
    lines[0].pop("exported_at")
    return lines


# ---------------------------------------------------------------------- live
def test_live_filters_pairing_and_follow_newest(loop):
    async def scenario():
        async with studio() as s:
            w = s.window
            async with charger(s.url("CP-A"), "CP-A") as a, \
                    charger(s.url("CP-B"), "CP-B", OcppVersion.V201) as b:
                await boot_16(a, status="Available")
                await boot_201(b)
                for _ in range(15):
                    await a.endpoint.call("Heartbeat", {})
                await wait_until(lambda: w.model.rowCount() >= 38, what="frames listed live")
                total = w.model.rowCount()
                assert w.count_label.text().startswith(f"{total} frames")

                # free text (debounced), case-insensitive
                w.filter_bar.text.setText("acme")
                await wait_until(lambda: w.model.rowCount() < total, what="text filter")
                assert w.model.rowCount() == 1  # CP-A's BootNotification CALL
                assert "acme" in s.rows()[0].raw.lower()
                assert f"1</b> of {total} frames" in w.count_label.text()
                w.filter_bar.text.clear()
                await wait_until(lambda: w.model.rowCount() == total)

                # actions (several) x charger; the charger list agrees with the combo
                w.filter_bar.actions.set_selected({"StatusNotification", "BootNotification"})
                assert {r.action for r in s.rows()} == {"StatusNotification",
                                                       "BootNotification"}
                w.filter_bar.set_charger("CP-B")
                assert {r.charger for r in s.rows()} == {"CP-B"} and len(s.rows()) == 4
                assert w.chargers.selected_charger() == "CP-B"
                w.chargers.select_charger("CP-A")  # one click in the charger list
                assert w.filter_bar.selected_charger() == "CP-A"
                assert {r.charger for r in s.rows()} == {"CP-A"} and len(s.rows()) == 4
                # direction and type combine too
                w.filter_bar.direction.setCurrentIndex(1)  # → CSMS
                w.filter_bar.message_type.setCurrentIndex(1)  # CALL
                assert [r.action for r in s.rows()] == ["BootNotification",
                                                        "StatusNotification"]
                w.filter_bar.clear()
                assert w.model.rowCount() == total and w.chargers.selected_charger() is None

                # live frames go through the filter: CP-B's heartbeat stays hidden
                w.filter_bar.set_charger("CP-A")
                shown = w.model.rowCount()
                await b.endpoint.call("Heartbeat", {})
                await a.endpoint.call("Heartbeat", {})
                await wait_until(lambda: w.model.rowCount() == shown + 2, what="CP-A live")
                await asyncio.sleep(0.3)
                assert {r.charger for r in s.rows()} == {"CP-A"}
                w.filter_bar.clear()
                total = w.model.rowCount()

                # pairing: select a CALL -> its answer is highlighted, both shown side by side
                call_row = next(i for i, r in enumerate(s.rows())
                                if r.action == "BootNotification" and r.charger == "CP-B"
                                and r.message_type == 2)
                w.select_row(call_row)
                call = s.rows()[call_row]
                answer_row = next(i for i, r in enumerate(s.rows()) if r.pair_id == call.id)
                assert w.model.partner_id == s.rows()[answer_row].id
                brush = w.model.index(answer_row, Column.ACTION).data(
                    Qt.ItemDataRole.BackgroundRole)
                assert brush.color() == theme.PARTNER_BACKGROUND
                assert '"BootNotification"' in w.detail.request.text.toPlainText()
                assert '"status": "Accepted"' in w.detail.response.text.toPlainText()
                assert w.detail.raw.toPlainText() == call.raw
                w.detail.go_partner.click()  # and the other way round
                assert w.table.currentIndex().row() == answer_row
                assert w.model.partner_id == call.id
                assert w.detail.go_partner.text() == "Go to request"

                # follow newest turns off when scrolling up, on again at the bottom
                bar = w.table.verticalScrollBar()
                await wait_until(lambda: bar.maximum() > 0, what="a scroll bar")
                w.follow_button.setChecked(True)
                bar.setValue(0)
                assert not w.follow_button.isChecked()
                await a.endpoint.call("Heartbeat", {})
                await wait_until(lambda: w.model.rowCount() > total)
                assert bar.value() == 0  # not dragged away while reading
                bar.setValue(bar.maximum())
                assert w.follow_button.isChecked()

    loop.run_until_complete(asyncio.wait_for(scenario(), 60))


# --------------------------------------------------------------------- files
def test_capture_file_opens_exports_round_trip_and_problems_navigate(loop, tmp_path):
    source = make_capture(tmp_path / "source.db")
    exported = tmp_path / "customer.jsonl"
    export_jsonl(source, exported)
    frame_count = source.count_frames()
    source.close()

    async def scenario():
        async with studio() as s:
            w = s.window
            w.preferences = ViewPreferences(path=tmp_path / "prefs.json")
            live_rows = w.model.rowCount()
            assert await w.open_capture(exported)
            assert "customer.jsonl" in w.windowTitle()
            assert w.file_banner.isVisibleTo(w) and w.back_action.isEnabled()
            assert w.model.rowCount() == frame_count
            assert f"{frame_count} frames" in w.count_label.text()
            assert "4 with problems" in w.count_label.text()
            assert [w.filter_bar.charger.itemText(i)
                    for i in range(w.filter_bar.charger.count())] == [
                "All chargers", "CP-1", "CP-2"]
            assert ViewPreferences.load(tmp_path / "prefs.json").recent_files == [
                str(exported.resolve())]

            # export everything from the view: identical to the file opened
            again = tmp_path / "again.jsonl"
            w.export_jsonl(again)
            assert lines_without_export_time(again) == lines_without_export_time(exported)

            # next / previous problem (F8 / Shift+F8)
            problem_rows = [i for i, r in enumerate(s.rows())
                            if w.model.index(i, Column.STATE).data(
                                Qt.ItemDataRole.DecorationRole) is not None]
            assert len(problem_rows) == 4  # violation, its CALLERROR, timeout, unreadable
            w.next_problem_action.trigger()
            assert w.table.currentIndex().row() == problem_rows[0]
            assert "$.connectorId" in w.detail.problem.text()
            assert w.detail.violation_rows() == [["Request", "$.connectorId", "type: integer",
                                                  "'one' is not of type 'integer'"]]
            assert "TypeConstraintViolation" in w.detail.response.text.toPlainText()
            w.next_problem_action.trigger()
            w.next_problem_action.trigger()
            assert w.table.currentIndex().row() == problem_rows[2]
            assert w.model.index(problem_rows[2], Column.STATE).data() == "timeout"
            w.prev_problem_action.trigger()
            assert w.table.currentIndex().row() == problem_rows[1]

            # Ctrl+C copies the selected frame exactly as on the wire
            w.copy_action.trigger()
            assert QGuiApplication.clipboard().text() == s.rows()[problem_rows[1]].raw

            # export only the filtered rows (JSON Lines) and the visible columns (CSV)
            w.filter_bar.problems.setChecked(True)
            assert w.model.rowCount() == 4 and all(r.raw for r in s.rows())
            filtered = tmp_path / "problems.jsonl"
            w.export_jsonl(filtered, filtered=True)
            frames = [line for line in lines_without_export_time(filtered)
                      if line["type"] == "frame"]
            assert [f["raw"] for f in frames] == [r.raw for r in s.rows()]
            # the menu's export runs in a worker thread with its own connection: same lines
            in_background = tmp_path / "problems-bg.jsonl"
            assert await w.export_jsonl_in_background(in_background, filtered=True) == \
                len(lines_without_export_time(filtered)) - 1
            assert lines_without_export_time(in_background) == lines_without_export_time(filtered)
            everything = tmp_path / "all-bg.jsonl"
            await w.export_jsonl_in_background(everything)
            assert lines_without_export_time(everything) == lines_without_export_time(exported)
            w.table.setColumnHidden(Column.UNIQUE_ID, True)
            table = tmp_path / "problems.csv"
            assert w.export_csv(table) == 4
            with open(table, encoding="utf-8", newline="") as f:
                rows = list(csv.reader(f))
            assert rows[0] == ["Time", "Charger", "Direction", "Type", "Action", "Latency",
                               "State", "Raw"]
            assert rows[-1][1:5] == ["CP-1", "→ CSMS", "?", ""]
            assert rows[-1][6:] == ["unreadable", "garbage{"]
            # the menu's CSV export gives way to the event loop between steps of rows
            # (the chargers' connections run there): same file, other tasks ran meanwhile
            ticks = []

            async def other_work():
                while True:
                    ticks.append(1)
                    await asyncio.sleep(0)
            worker = asyncio.ensure_future(other_work())
            stepped = tmp_path / "problems-stepped.csv"
            assert await w.export_csv_in_steps(stepped, rows_per_step=1) == 4
            worker.cancel()
            assert stepped.read_bytes() == table.read_bytes()
            assert len(ticks) >= 4

            # back to the live capture
            w.back_to_live()
            assert w.windowTitle() == "OCPP Studio" and not w.file_banner.isVisibleTo(w)
            assert w.model.rowCount() == live_rows

            # a capture database opens as it is; dropping a file on the window opens it
            mime = QMimeData()
            mime.setUrls([QUrl.fromLocalFile(str(tmp_path / "source.db"))])
            drop = QDropEvent(QPointF(20, 20), Qt.DropAction.CopyAction, mime,
                              Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
            w.dropEvent(drop)
            await wait_until(lambda: "source.db" in w.windowTitle(), what="dropped file open")
            assert w.model.rowCount() == frame_count

            # not a capture: refused, nothing changed
            other = tmp_path / "notes.jsonl"
            other.write_text("hello\n", encoding="utf-8")
            assert not await w.open_capture(other)
            assert "source.db" in w.windowTitle()

    loop.run_until_complete(asyncio.wait_for(scenario(), 60))


def test_utc_toggle_is_remembered(loop, tmp_path):
    store = make_capture(tmp_path / "c.db")
    store.close()

    async def scenario():
        async with studio() as s:
            w = s.window
            w.preferences = ViewPreferences(path=tmp_path / "prefs.json")
            assert await w.open_capture(tmp_path / "c.db")
            assert not w.model.index(0, Column.TIME).data().endswith("Z")
            w.utc_action.setChecked(True)
            assert w.model.index(0, Column.TIME).data() == "00:00:02.000Z"
            assert w.filter_bar.zone_label.text() == "UTC"
            assert ViewPreferences.load(tmp_path / "prefs.json").show_utc

    loop.run_until_complete(asyncio.wait_for(scenario(), 60))


def test_timeline_dialog_shows_plain_words(qapp, tmp_path):
    store = make_capture(tmp_path / "t.db")
    try:
        dialog = TimelineDialog(store, "CP-1")
        titles = dialog.entry_titles()
        assert titles[0].startswith("Connected from 10.0.0.7:50123 (ocpp1.6")
        assert any(t.startswith("Rebooted (BootNotification") for t in titles)
        assert any(t.startswith("Disconnected: connection lost without a closing handshake "
                                "(code 1006)") for t in titles)
        assert any(t.startswith("Refused: the charger offered no OCPP subprotocol")
                   for t in titles)
        assert any(t.startswith("No message for") for t in titles)  # silence before the drop
        summary = dialog.summary.text()
        assert "2 connects" in summary and "1 reconnect" in summary and "1 refused" in summary
        assert "1006: 1×" in summary and "online" in summary
        # details say what the handshake offered and chose
        first = dialog.entries.topLevelItem(0)
        assert "offered: ocpp1.6" in first.text(2) and "chosen: ocpp1.6" in first.text(2)
        dialog.charger.setCurrentIndex(dialog.charger.findData("CP-2"))
        assert dialog.windowTitle().endswith("CP-2")
        dialog.close()
        dialog.deleteLater()
        qapp.processEvents()
    finally:
        store.close()


def test_opening_a_large_export_shows_progress_and_can_be_cancelled(loop, tmp_path,
                                                                     monkeypatch):
    """A support engineer who opened the wrong million-frame file can stop it: the live
    view stays, nothing of the half-read file is kept."""
    import threading  # noqa: PLC0415
    from ocpp_studio.capture import jsonl  # noqa: PLC0415
    from ocpp_studio.ui.inspector import capture_files as capture_files_module  # noqa: PLC0415
    source = make_capture(tmp_path / "source.db")
    exported = tmp_path / "big.jsonl"
    export_jsonl(source, exported)
    source.close()
    monkeypatch.setattr(jsonl, "IMPORT_CHUNK_LINES", 5)
    first_chunk_read, cancelled = threading.Event(), threading.Event()
    temp_dirs: list[Path] = []

    def import_held_after_the_first_chunk(store, path, progress):
        temp_dirs.append(Path(store.path).parent)

        def held(done: int, total: int) -> bool:
            first_chunk_read.set()
            assert cancelled.wait(10), "the test did not press Cancel"
            return progress(done, total)
        return jsonl.import_jsonl(store, path, held)

    monkeypatch.setattr(capture_files_module, "import_jsonl", import_held_after_the_first_chunk)

    async def scenario():
        async with studio() as s:
            w = s.window
            w.preferences = ViewPreferences(path=tmp_path / "prefs.json")
            opening = asyncio.ensure_future(w.open_capture(exported))
            await wait_until(first_chunk_read.is_set, what="first chunk read")
            assert w.import_dialog is not None
            assert w.import_dialog.labelText().startswith("Opening big.jsonl…")
            from PySide6.QtWidgets import QPushButton  # noqa: PLC0415
            [cancel_button] = [b for b in w.import_dialog.findChildren(QPushButton)
                               if b.text() == "Cancel"]
            cancel_button.click()  # the user presses Cancel
            cancelled.set()
            assert await opening is False
            assert w.opened_path is None and "big.jsonl" not in w.windowTitle()
            assert "cancelled" in w.notice_label.text()
            assert w.import_dialog is None
            assert temp_dirs and not temp_dirs[0].exists()  # the half-read copy is gone

    loop.run_until_complete(scenario())
