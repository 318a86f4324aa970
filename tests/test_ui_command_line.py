"""Issue 12 item 6, the window's side: the terminal says where chargers connect before the
window opens, and opening an export with damaged lines says how many and which."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import asyncio  # noqa: E402
from pathlib import Path  # noqa: E402

from ocpp_studio.capture.jsonl import export_jsonl  # noqa: E402
from ocpp_studio.capture.store import CaptureStore  # noqa: E402
from ocpp_studio.core.records import Direction, FrameRecord  # noqa: E402
from ocpp_studio.settings import AppSettings, CsmsSettings  # noqa: E402
from ocpp_studio.ui import app as app_module  # noqa: E402
from ocpp_studio.ui.common.preferences import ViewPreferences  # noqa: E402

from test_ui_main_window import loop, studio, wait_until  # noqa: E402

__all__ = ["loop"]


def test_the_terminal_says_where_chargers_connect_before_the_window_opens(
        loop, tmp_path, capsys, monkeypatch):
    printed_before_show: list[str] = []
    real_show = app_module.MainWindow.show

    def show(window):  # what the terminal said when the window appeared
        printed_before_show.append(capsys.readouterr().out)
        real_show(window)

    monkeypatch.setattr(app_module.MainWindow, "show", show)
    capture = tmp_path / "live.db"

    async def scenario():
        settings = AppSettings(csms=CsmsSettings(host="127.0.0.1", port=0),
                               capture_path=str(capture))
        run = app_module.StudioRun(settings)
        task = asyncio.ensure_future(run.run())
        try:
            await wait_until(lambda: run.window is not None and printed_before_show,
                             what="window shown")
            return run.server.port
        finally:
            run.window.close()
            await task

    port = loop.run_until_complete(scenario())
    out = printed_before_show[0]
    assert f"Chargers connect to ws://127.0.0.1:{port}/ocpp/<chargerId>" in out, out
    assert f"Capture: {capture}" in out, out


def test_opening_an_export_with_damaged_lines_says_how_many_and_which(loop, tmp_path):
    source = CaptureStore(tmp_path / "source.db")
    for n in range(3):
        source.record_frame(FrameRecord("CP1", Direction.TO_CSMS, f'[2,"h{n}","Heartbeat",{{}}]',
                                        ts_us=1_767_225_600_000_000 + n, connection_id=1,
                                        unique_id=f"h{n}", action="Heartbeat"))
    exported = tmp_path / "customer.jsonl"
    export_jsonl(source, exported)
    source.close()
    lines = exported.read_text(encoding="utf-8").splitlines()
    lines.insert(2, "{not json")  # becomes line 3
    lines.append("[1, 2, 3]")  # the last line
    exported.write_text("\n".join(lines) + "\n", encoding="utf-8")

    async def scenario():
        async with studio() as s:
            w = s.window
            w.preferences = ViewPreferences(path=tmp_path / "prefs.json")
            assert await w.open_capture(exported)
            return w.notice_label.text(), w.model.rowCount()

    notice, rows = loop.run_until_complete(scenario())
    assert rows == 3
    assert f"Skipped 2 damaged lines: 3, {len(lines)}" in notice, notice


def test_the_window_keeps_changed_passwords_in_the_users_settings(monkeypatch):
    """A password the wizard or the control API changes in the window (the charger accepted
    it) is saved where the next start reads it; a test or screenshot run saves nothing."""
    from ocpp_studio.settings import user_config_dir
    from ocpp_studio.ui import app
    monkeypatch.delenv("OCPP_STUDIO_SCREENSHOT", raising=False)
    monkeypatch.delenv("OCPP_STUDIO_QUIT_AFTER", raising=False)
    assert app.window_passwords_file() == user_config_dir() / "settings.json"
    monkeypatch.setenv("OCPP_STUDIO_QUIT_AFTER", "5")
    assert app.window_passwords_file() is None
