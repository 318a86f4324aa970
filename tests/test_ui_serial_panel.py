"""The Serial console tab with real parts: a pty pair stands in for the USB-UART adapter
(the panel opens the slave end by its name, the test plays the charger on the master end),
a real Studio records what is found in the console, the real main window shows it.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import asyncio  # noqa: E402
import contextlib  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402
from conftest import loop, wait_until  # noqa: E402,F401

from ocpp_studio.core.records import Direction  # noqa: E402
from ocpp_studio.service import Studio  # noqa: E402
from ocpp_studio.settings import AppSettings, CsmsSettings  # noqa: E402
from ocpp_studio.transports.serial_prefs import SerialPreferences  # noqa: E402
from ocpp_studio.ui.main_window import MainWindow  # noqa: E402
from ocpp_studio.ui.sources.serial_panel import SerialPanel, pattern_error  # noqa: E402

BOOT = ('[2,"1","BootNotification",{"chargePointVendor":"Acme","chargePointModel":'
        '"Wallbox"}]')
BOOT_ANSWER = '[3,"1",{"status":"Accepted","currentTime":"2026-11-21T09:00:00Z","interval":300}]'
CONSOLE = [
    "U-Boot 2020.04 (Nov 02 2026 - 10:11:12 +0000)",
    "[    1.204] wifi: connected to SITE-WIFI",
    f"2026-11-21T09:00:00Z >> {BOOT}",
    f"2026-11-21T09:00:00Z << {BOOT_ANSWER}",
    "[    2.010] relay: self test ok",
]


def make_studio(tmp_path: Path) -> Studio:
    return Studio(AppSettings(csms=CsmsSettings(host="127.0.0.1", port=0),
                              capture_path=str(tmp_path / "c.db")))


async def stop_all(studio: Studio, *widgets: object) -> None:
    for widget in widgets:
        with contextlib.suppress(Exception):
            widget.detach()  # type: ignore[attr-defined]
        with contextlib.suppress(Exception):
            widget.close()  # type: ignore[attr-defined]
    with contextlib.suppress(Exception):
        await studio.stop_serial()
    await studio.stop()


def test_console_lines_frames_hex_send_and_save(loop, tmp_path, pty_pair):
    async def scenario() -> None:
        studio = make_studio(tmp_path)
        prefs = SerialPreferences(tmp_path / "serial.json")
        window = MainWindow(studio.central, studio.store, capture_path=str(tmp_path / "c.db"),
                            studio=studio)
        # the window builds its tab with the default preferences; use a private file here
        panel = SerialPanel(studio, preferences=prefs)
        window.show()
        panel.show()
        try:
            assert window.tabs.tabText(window.tabs.indexOf(window.serial_panel)) == \
                "Serial console"
            panel.form.set_device(pty_pair.device)
            panel.form.pattern_combo.setCurrentIndex(panel.form.pattern_combo.findData("arrows"))
            panel.form.charger_id.setText("CP-SERIAL")
            assert panel.connect_button.isEnabled()
            panel.connect_port()
            await wait_until(lambda: panel.console is not None, what="port open")
            await wait_until(lambda: "Connected to" in panel.status_text(), what="status")
            assert pty_pair.device in panel.status_text()

            pty_pair.write_lines(CONSOLE)
            await wait_until(lambda: "relay: self test ok" in panel.console_text(),
                             what="console lines shown")
            lines = panel.console_text().splitlines()
            # on screen, under its header row, taller than that row
            view = panel.console_view.view
            assert view.isVisibleTo(panel) and view.height() > panel.connect_button.height()
            boot_line = next(line for line in lines if "BootNotification" in line)
            assert "→ log" in boot_line
            wifi_line = next(line for line in lines if "wifi" in line)
            assert "→ log" not in wifi_line
            assert boot_line[:12].count(":") == 2 and boot_line[8] == "."  # HH:MM:SS.mmm
            assert "5 lines, " in panel.console_view.count_label.text()
            assert "2 OCPP messages found" in panel.console_view.count_label.text()

            # observed frames in the store and in the message log of the window
            await wait_until(lambda: len(studio.store.frames(charger="CP-SERIAL")) == 2,
                             what="frames recorded")
            frames = studio.store.frames(charger="CP-SERIAL")
            assert frames[0].action == "BootNotification"
            assert frames[0].direction == Direction.TO_CSMS
            assert frames[1].direction == Direction.TO_CHARGER
            assert all(f.state == "observed" for f in frames)
            await wait_until(lambda: sum(1 for r in window.visible_records()
                                         if getattr(r, "charger", None) == "CP-SERIAL") == 2,
                             what="frames in the message log")
            # the boot's row shows the time until its answer, as for the studio's own calls
            rows = [r for r in window.visible_records() if r.charger == "CP-SERIAL"]
            boot_row = window.visible_records().index(rows[0])
            from ocpp_studio.ui.common.formatting import latency_text  # noqa: PLC0415
            from ocpp_studio.ui.inspector.message_model import Column  # noqa: PLC0415
            assert frames[1].pair_id == frames[0].id and frames[1].latency_ms is not None
            assert window.model.index(boot_row, Column.LATENCY).data() == \
                latency_text(frames[1].latency_ms)
            # and the charger has a card in the charger list
            await wait_until(lambda: window.chargers.card("CP-SERIAL") is not None,
                             what="charger card")
            await wait_until(lambda: "seen on the serial console"
                             in window.chargers.card("CP-SERIAL").plain_text(), what="card text")

            # hex: the bytes of each line
            panel.console_view.hex_button.setChecked(True)
            assert "5b 32 2c 22 31 22" in panel.console_text()  # [2,"1"
            assert "U-Boot" not in panel.console_text()
            panel.console_view.hex_button.setChecked(False)
            assert "U-Boot 2020.04" in panel.console_text()

            # send a line, with the chosen line ending
            panel.send_edit.setText("help")
            panel.send_edit.returnPressed.emit()
            await wait_until(lambda: pty_pair.read_available().endswith(b"help\n"),
                             what="line sent")
            panel.line_ending.setCurrentIndex(panel.line_ending.findData("\r\n"))
            panel.send_edit.setText("status")
            panel.send_line()
            await wait_until(lambda: pty_pair.read_available().endswith(b"status\r\n"),
                             what="CR LF line sent")
            await wait_until(lambda: "sent  status" in panel.console_text(), what="echo")

            # save: every line with its time
            saved = tmp_path / "console.txt"
            assert panel.save_console(saved)
            text = saved.read_text(encoding="utf-8")
            assert "U-Boot 2020.04" in text and "BootNotification" in text
            assert len(text.splitlines()) == 5

            # many lines at once arrive in batches, the pane stays bounded
            pty_pair.write_lines([f"log line {i}" for i in range(3000)])
            await wait_until(lambda: "log line 2999" in panel.console_text(), timeout=20,
                             what="burst shown")
            assert "3,005 lines" in panel.console_view.count_label.text()

            panel.disconnect_port()
            await wait_until(lambda: "Disconnected" in panel.status_text(), what="closed")
            assert studio.serial_console is None
            assert panel.connect_button.isEnabled()
        finally:
            await stop_all(studio, panel, window)

    loop.run_until_complete(asyncio.wait_for(scenario(), 60))


def test_bad_pattern_is_explained_and_blocks_connect(qapp, tmp_path):
    studio = make_studio(tmp_path)
    try:
        panel = SerialPanel(studio, preferences=SerialPreferences(tmp_path / "serial.json"))
        panel.form.set_device("loop://")
        assert panel.connect_button.isEnabled()
        panel.form.pattern_combo.setCurrentIndex(panel.form.pattern_combo.findData("custom"))
        assert panel.form.regex.isVisible() or not panel.isVisible()
        assert not panel.connect_button.isEnabled()  # nothing typed yet

        panel.form.regex.setText(r"OCPP (?P<frame>\[.*")
        assert not panel.form.pattern_error.isHidden()
        assert "cannot be used" in panel.form.pattern_error.text()
        assert not panel.connect_button.isEnabled()

        panel.form.regex.setText(r"OCPP: (\[.*\])")
        assert "frame" in panel.form.pattern_error.text()
        assert not panel.connect_button.isEnabled()

        panel.form.regex.setText(r"OCPP (?P<direction>tx|rx): (?P<frame>\[.*\])")
        assert panel.form.pattern_error.isHidden()
        assert panel.connect_button.isEnabled()
        assert pattern_error(panel.form.regex.text()) is None

        # a bad pattern does not matter when the charger speaks OCPP itself
        panel.form.regex.setText("(")
        assert not panel.connect_button.isEnabled()
        panel.form.answer_radio.setChecked(True)
        assert panel.form.pattern_error.isHidden() and panel.connect_button.isEnabled()
        panel.detach()
    finally:
        studio.store.close()


def test_choices_are_remembered_per_port(loop, tmp_path, pty_pair):
    async def scenario() -> None:
        studio = make_studio(tmp_path)
        prefs_path = tmp_path / "serial.json"
        panel = SerialPanel(studio, preferences=SerialPreferences(prefs_path))
        try:
            panel.form.set_device(pty_pair.device)
            panel.form.baud.setEditText("9600")
            panel.form.parity.setCurrentIndex(panel.form.parity.findData("E"))
            panel.form.pattern_combo.setCurrentIndex(panel.form.pattern_combo.findData("custom"))
            panel.form.regex.setText(r"OCPP> (?P<frame>\[.*\])")
            panel.form.charger_id.setText("CP-BENCH")
            panel.connect_port()
            await wait_until(lambda: panel.console is not None, what="open")
            assert panel.console.settings.baud == 9600
            pty_pair.write_lines(["OCPP> " + BOOT, "noise"])
            await wait_until(lambda: "noise" in panel.console_text(), what="lines")
            assert "1 OCPP message found" in panel.console_view.count_label.text()
            panel.disconnect_port()
            await wait_until(lambda: panel.console is None and panel.connect_button.isEnabled(),
                             what="closed")

            # another port starts from the defaults
            panel.form.set_device("loop://")
            assert panel.form.baud.currentText() == "115200"
            assert panel.form.pattern_combo.currentData() != "custom"
            # back to the first: what was used with it
            panel.form.set_device(pty_pair.device)
            assert panel.form.baud.currentText() == "9600"
            assert panel.form.parity.currentData() == "E"
            assert panel.form.regex.text() == r"OCPP> (?P<frame>\[.*\])"
            assert panel.form.charger_id.text() == "CP-BENCH"

            # and after a restart (a new panel over the same file)
            again = SerialPanel(studio, preferences=SerialPreferences(prefs_path))
            again.form.set_device(pty_pair.device)
            assert again.form.baud.currentText() == "9600"
            assert again.form.charger_id.text() == "CP-BENCH"
            again.detach()
        finally:
            await stop_all(studio, panel)

    loop.run_until_complete(asyncio.wait_for(scenario(), 60))


def test_answer_mode_makes_the_charger_a_normal_charger(loop, tmp_path, pty_pair):
    async def scenario() -> None:
        studio = make_studio(tmp_path)
        panel = SerialPanel(studio, preferences=SerialPreferences(tmp_path / "serial.json"))
        try:
            panel.form.set_device(pty_pair.device)
            panel.form.answer_radio.setChecked(True)
            panel.form.charger_id.setText("CP-UART")
            panel.connect_port()
            await wait_until(lambda: panel.console is not None, what="open")
            assert "answers as the central system of CP-UART" in panel.status_text()
            pty_pair.write_lines([BOOT])
            await wait_until(lambda: b'"Accepted"' in pty_pair.read_available(),
                             what="boot answered over the serial line")
            assert "CP-UART" in studio.central.stations
            await wait_until(lambda: "1 OCPP message found" in panel.console_view.count_label.text(),
                             what="count")
        finally:
            await stop_all(studio, panel)

    loop.run_until_complete(asyncio.wait_for(scenario(), 60))


def test_missing_port_is_waited_for_and_unusable_names_explained(loop, tmp_path):
    async def scenario() -> None:
        studio = make_studio(tmp_path)
        panel = SerialPanel(studio, preferences=SerialPreferences(tmp_path / "serial.json"))
        try:
            # an adapter not plugged in (yet): waited for, in amber
            panel.form.set_device("/dev/ttyUSB-not-there")
            panel.connect_port()
            await wait_until(lambda: "Waiting for" in panel.status_text(), what="waiting")
            assert "/dev/ttyUSB-not-there" in panel.status_text()
            assert "#8e5a00" in panel.status_label.styleSheet()  # amber
            assert panel.disconnect_button.isEnabled() and not panel.send_button.isEnabled()
            panel.disconnect_port()
            await wait_until(lambda: panel.connect_button.isEnabled(), what="closed")

            # a name that cannot be a port: the SerialOpenError text, in red
            panel.form.set_device("nonsense://port")
            panel.connect_port()
            await wait_until(lambda: panel.operation.task.done(), what="open attempt")
            await asyncio.sleep(0)
            assert panel.console is None
            text = panel.status_text()
            assert "nonsense://port" in text and "Traceback" not in text
            assert "#a3261e" in panel.status_label.styleSheet()  # red
            assert panel.connect_button.isEnabled()
        finally:
            await stop_all(studio, panel)

    loop.run_until_complete(asyncio.wait_for(scenario(), 30))


def test_ports_are_listed_each_time_the_tab_is_shown_not_at_start(loop, tmp_path,
                                                                 monkeypatch):
    """An installer plugs the adapter in while looking at another tab: showing the Serial
    console tab lists it, without pressing Refresh; building the window lists nothing."""
    import serial.tools.list_ports
    from types import SimpleNamespace

    plugged: list[SimpleNamespace] = []
    monkeypatch.setattr(serial.tools.list_ports, "comports", lambda: list(plugged))

    def listed(panel: SerialPanel) -> list[str]:
        combo = panel.form.port_combo
        return [combo.itemData(i) for i in range(combo.count())]

    async def scenario() -> None:
        studio = make_studio(tmp_path)
        plugged.append(SimpleNamespace(device="/dev/ttyS0", description="n/a", vid=None,
                                       pid=None, serial_number=None, manufacturer=None))
        panel = SerialPanel(studio, preferences=SerialPreferences(tmp_path / "serial.json"))
        try:
            assert listed(panel) == []  # not listed while the window is built
            panel.show()
            assert listed(panel) == ["/dev/ttyS0"]
            panel.hide()
            plugged.append(SimpleNamespace(device="/dev/ttyUSB0", description="FT232R USB UART",
                                           vid=0x0403, pid=0x6001, serial_number="A1",
                                           manufacturer="FTDI"))
            panel.show()
            assert listed(panel) == ["/dev/ttyS0", "/dev/ttyUSB0"]
        finally:
            await stop_all(studio, panel)

    loop.run_until_complete(asyncio.wait_for(scenario(), 30))


def test_not_available_without_a_studio(qapp):
    panel = SerialPanel(None)
    assert "not available" in panel.not_available_label.text()
    panel.detach()
