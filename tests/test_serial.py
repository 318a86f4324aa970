"""Serial debug port: patterns, console, observer, answer mode, unplug — pty pairs and loop://."""

import asyncio
import json
import os
import threading

import pytest
import serial

from conftest import BOOT_16, wait_for
from ocpp_studio.capture.store import CaptureStore
from ocpp_studio.core.records import Direction
from ocpp_studio.core.versions import OcppVersion
from ocpp_studio.station.central import CentralSystem
from ocpp_studio.transports.console_patterns import ExtractedFrame, LinePattern
from ocpp_studio.transports.serial_port import (
    RECONNECTED, UNPLUGGED, SerialConsole, SerialCsms, SerialObserver, SerialSettings, list_ports)

HB = '[2,"h1","Heartbeat",{}]'
HB_ANSWER = '[3,"h1",{"currentTime":"2026-01-01T00:00:00Z"}]'


def run(coro):
    return asyncio.run(coro)


# ---------------------------------------------------------------- patterns
def test_bare_pattern():
    pattern = LinePattern.bare()
    assert pattern.extract(HB) == ExtractedFrame(None, HB)
    assert pattern.extract("  " + HB + "\r\n") == ExtractedFrame(None, HB)
    assert pattern.extract("boot: " + HB) is None
    assert pattern.extract("[not json]") is None
    assert pattern.extract("") is None


@pytest.mark.parametrize("marker, direction", [
    ("send", Direction.TO_CSMS), ("SEND:", Direction.TO_CSMS), ("tx", Direction.TO_CSMS),
    ("TX:", Direction.TO_CSMS), (">>", Direction.TO_CSMS), ("->", Direction.TO_CSMS),
    ("sent:", Direction.TO_CSMS), ("Sent:", Direction.TO_CSMS),
    ("recv", Direction.TO_CHARGER), ("RX", Direction.TO_CHARGER), ("<<", Direction.TO_CHARGER),
    ("<-", Direction.TO_CHARGER), ("received:", Direction.TO_CHARGER),
    ("Received:", Direction.TO_CHARGER),
])
def test_arrows_pattern_each_marker(marker, direction):
    pattern = LinePattern.arrows()
    for prefix in ("", "2026-01-01 12:00:00.123 ", "[12345] I (ocpp) "):
        assert pattern.extract(f"{prefix}{marker} {HB}") == ExtractedFrame(direction, HB)
    assert pattern.extract(f"{marker}{HB}") == ExtractedFrame(direction, HB)


def test_arrows_pattern_non_matching():
    pattern = LinePattern.arrows()
    assert pattern.extract(HB) is None  # no marker
    assert pattern.extract("12:00 wifi connected") is None
    assert pattern.extract("send [1,2") is None
    assert pattern.extract('send {"a":1}') is None
    assert pattern.extract("sender " + HB) is None


def test_custom_regex_pattern():
    pattern = LinePattern.from_regex(r"OCPP (?P<direction>in|out) \| (?P<frame>.*)$")
    assert pattern.extract(f"OCPP out | {HB}") == ExtractedFrame(Direction.TO_CSMS, HB)
    assert pattern.extract(f"OCPP in | {HB}") == ExtractedFrame(Direction.TO_CHARGER, HB)
    assert pattern.extract("OCPP in | hello") is None
    no_direction = LinePattern.from_regex(r"frame=(?P<frame>\[.*\])")
    assert no_direction.extract(f"x frame={HB}") == ExtractedFrame(None, HB)
    with pytest.raises(ValueError):
        LinePattern.from_regex(r"(?P<direction>tx) (.*)")
    with pytest.raises(ValueError):
        LinePattern.from_regex(r"(?P<frame>[")
    assert LinePattern.named("bare").name == "bare"
    assert LinePattern.named("arrows").name == "arrows"
    assert LinePattern.named(r"(?P<frame>.*)").name == "custom"


def test_list_ports_returns_port_infos():
    ports = list_ports()
    assert isinstance(ports, list)
    for port in ports:
        assert isinstance(port.device, str)


# ----------------------------------------------------------------- console
def test_console_reads_lines_from_pty_and_saves(pty_pair, tmp_path):
    async def scenario():
        console = SerialConsole(SerialSettings(pty_pair.device, baud=9600))
        seen = []
        console.line_received.connect(seen.append)
        await console.start()
        try:
            pty_pair.write("hello\r\nwor")
            pty_pair.write("ld \xe9\n")
            await wait_for(lambda: len(seen) == 2)
        finally:
            await console.stop()
        assert [line.text for line in seen] == ["hello", "world \xe9"]
        assert seen[1].raw_bytes == "world \xe9".encode()
        assert seen[0].raw_bytes == b"hello\r"  # the hex view shows the CR that came
        assert seen[0].hex.endswith("6f 0d")
        assert seen[0].ts_us <= seen[1].ts_us
        path = tmp_path / "console.txt"
        console.save(path)
        saved = path.read_text(encoding="utf-8").splitlines()
        assert saved[0].endswith("Z\thello") and saved[1].endswith("\tworld \xe9")
        assert console.status.kind == "closed"

    run(scenario())


def test_console_over_loop_url_writes_and_reads():
    async def scenario():
        console = SerialConsole(SerialSettings("loop://"))
        await console.start()
        try:
            await console.write("ping\n")
            await wait_for(lambda: [line.text for line in console.lines] == ["ping"])
        finally:
            await console.stop()

    run(scenario())


# ---------------------------------------------------------------- observer
def test_observer_records_frames_with_directions_and_leaves_other_lines(pty_pair):
    async def scenario():
        store = CaptureStore(":memory:")
        console = SerialConsole(SerialSettings(pty_pair.device))
        observer = SerialObserver(console, store, LinePattern.arrows(), charger="CP-serial")
        await observer.start()
        try:
            pty_pair.write("I (100) wifi: connected\n")
            pty_pair.write(f"I (200) ocpp: send {BOOT_16}\n")
            pty_pair.write('I (300) ocpp: recv [3,"boot-1",{"status":"Accepted","interval":60,'
                           '"currentTime":"2026-01-01T00:00:00Z"}]\n')
            pty_pair.write("I (400) ocpp: tx [2,broken\n")
            pty_pair.write("done\n")
            await wait_for(lambda: len(console.lines) == 5)
        finally:
            await observer.stop()
        frames = store.frames()
        assert len(frames) == 2 and observer.frames_recorded == 2
        boot, answer = frames
        assert boot.charger == "CP-serial" and boot.direction is Direction.TO_CSMS
        assert boot.raw == BOOT_16 and boot.action == "BootNotification"
        assert boot.message_type == 2 and boot.unique_id == "boot-1"
        assert boot.state == "observed" and boot.problem is None
        assert answer.direction is Direction.TO_CHARGER and answer.message_type == 3
        assert answer.unique_id == "boot-1" and answer.state == "observed"
        assert boot.ts_us == console.lines[1].ts_us
        # paired with its call, the time between the two console lines as its latency
        assert answer.pair_id == boot.id and answer.action == "BootNotification"
        assert answer.latency_ms == (console.lines[2].ts_us - console.lines[1].ts_us) / 1000
        # the BootNotification tells the version (1.6): frames are schema-checked
        assert boot.valid is True and answer.valid is True
        # The other lines stay in the console only.
        assert [line.text for line in console.lines][0] == "I (100) wifi: connected"

    run(scenario())


def test_observer_bare_guesses_direction_and_defaults_charger_to_device():
    async def scenario():
        store = CaptureStore(":memory:")
        console = SerialConsole(SerialSettings("loop://"))
        observer = SerialObserver(console, store)  # bare pattern
        await observer.start()
        try:
            await console.write(BOOT_16 + "\n" + '[3,"boot-1",{"status":"Accepted"}]\n'
                                + '[2,"r1","Reset",{"type":"Soft"}]\nnoise\n')
            await wait_for(lambda: len(console.lines) == 4)
        finally:
            await observer.stop()
        frames = store.frames()
        assert [f.charger for f in frames] == ["loop://"] * 3
        assert [f.direction for f in frames] == [Direction.TO_CSMS, Direction.TO_CHARGER,
                                                 Direction.TO_CHARGER]

    run(scenario())


# ------------------------------------------------------------- answer mode
def test_answer_mode_replies_to_boot_notification_over_pty(pty_pair):
    async def scenario():
        store = CaptureStore(":memory:")
        central = CentralSystem(store)
        console = SerialConsole(SerialSettings(pty_pair.device))
        csms = SerialCsms(console, central, OcppVersion.V16, charger_id="CP9")
        await csms.start()
        try:
            pty_pair.write(BOOT_16 + "\r\n")
            line = await asyncio.to_thread(pty_pair.read_line)
            answer = json.loads(line)
            assert answer[0] == 3 and answer[1] == "boot-1"
            assert answer[2]["status"] == "Accepted"
            station = central.stations["CP9"]
            assert station.connected and station.vendor == "Acme"
        finally:
            await csms.stop()
        assert not central.stations["CP9"].connected
        directions = [(f.direction, f.message_type) for f in store.frames()]
        assert directions == [(Direction.TO_CSMS, 2), (Direction.TO_CHARGER, 3)]
        kinds = [e.kind for e in store.events("CP9")]
        assert kinds == ["connected", "disconnected"]
        assert store.events("CP9")[0].detail["remote"] == "serial"

    run(scenario())


# ------------------------------------------------------------------ unplug
class FlakyPort:
    """A port the test can 'unplug': reads raise SerialException until replugged."""

    def __init__(self, controller: "Adapter") -> None:
        self.controller = controller
        self.alive = True

    @property
    def in_waiting(self) -> int:
        return len(self.controller.data)

    def read(self, size: int = 1) -> bytes:
        with self.controller.cond:
            if not self.alive or self.controller.unplugged:
                self.alive = False
                raise serial.SerialException("device reports readiness to read but returned no data")
            if not self.controller.data:
                self.controller.cond.wait(0.05)
            chunk, self.controller.data = self.controller.data[:size], self.controller.data[size:]
            return bytes(chunk)

    def write(self, data: bytes) -> int:
        self.controller.written += data
        return len(data)

    def flush(self) -> None:
        pass

    def close(self) -> None:
        self.alive = False


class Adapter:
    def __init__(self) -> None:
        self.cond = threading.Condition()
        self.data = bytearray()
        self.written = b""
        self.unplugged = False
        self.opens = 0

    def open(self, settings: SerialSettings) -> FlakyPort:
        with self.cond:
            if self.unplugged:
                raise serial.SerialException(f"could not open port {settings.device}: No such file")
            self.opens += 1
            return FlakyPort(self)

    def feed(self, text: str) -> None:
        with self.cond:
            self.data += text.encode()
            self.cond.notify_all()


def test_unplug_gives_clear_message_keeps_frames_and_reopens():
    async def scenario():
        store = CaptureStore(":memory:")
        adapter = Adapter()
        console = SerialConsole(SerialSettings("/dev/ttyUSB7"), opener=adapter.open,
                                retry_interval=0.01)
        statuses = []
        console.status_changed.connect(statuses.append)
        observer = SerialObserver(console, store, LinePattern.bare())
        await observer.start()
        try:
            adapter.feed(HB + "\npartial line")
            await wait_for(lambda: len(console.lines) == 1)
            adapter.unplugged = True
            await wait_for(lambda: console.status.kind == "unplugged")
            assert console.status.message == UNPLUGGED
            assert "unplugged" in UNPLUGGED and "waiting" in UNPLUGGED
            # Nothing received before is lost: the frame and the partial line.
            assert [f.raw for f in store.frames()] == [HB]
            assert [line.text for line in console.lines] == [HB, "partial line"]
            adapter.unplugged = False
            await wait_for(lambda: console.status.kind == "reconnected")
            assert console.status.message == RECONNECTED and adapter.opens == 2
            adapter.feed('[2,"h2","Heartbeat",{}]\n')
            await wait_for(lambda: len(store.frames()) == 2)
        finally:
            await observer.stop()
        kinds = [s.kind for s in statuses]
        assert kinds == ["open", "unplugged", "reconnected", "closed"]
        assert store.frames()[0].charger == "/dev/ttyUSB7"

    run(scenario())


def test_answer_mode_closes_session_on_unplug_and_reopens():
    async def scenario():
        store = CaptureStore(":memory:")
        central = CentralSystem(store)
        adapter = Adapter()
        console = SerialConsole(SerialSettings("/dev/ttyUSB3"), opener=adapter.open,
                                retry_interval=0.01)
        csms = SerialCsms(console, central, OcppVersion.V16, charger_id="CP3")
        await csms.start()
        try:
            adapter.feed(BOOT_16 + "\n")
            await wait_for(lambda: b"\n" in adapter.written)
            assert json.loads(adapter.written.decode())[0] == 3
            adapter.unplugged = True
            await wait_for(lambda: not central.stations["CP3"].connected)
            adapter.unplugged = False
            await wait_for(lambda: central.stations["CP3"].connected)
        finally:
            await csms.stop()
        kinds = [e.kind for e in store.events("CP3")]
        assert kinds == ["connected", "disconnected", "connected", "disconnected"]
        assert len(store.frames()) == 2

    run(scenario())


def test_real_pty_unplug_reports_status(pty_pair):
    async def scenario():
        console = SerialConsole(SerialSettings(pty_pair.device), retry_interval=0.01)
        await console.start()
        try:
            pty_pair.write(HB + "\n")
            await wait_for(lambda: len(console.lines) == 1)
            os.close(pty_pair.master)  # the adapter goes away
            pty_pair.master = -1
            await wait_for(lambda: console.status is not None and console.status.kind == "unplugged")
            assert console.status.message == UNPLUGGED
            assert console.lines[0].text == HB
        finally:
            await console.stop()

    run(scenario())


def test_serial_command_records_observed_frames(tmp_path):
    """`ocpp-studio serial` on a pty: console lines printed, frames recorded as observed."""
    import asyncio
    import os
    import sqlite3
    import sys

    master, slave = os.openpty()
    device = os.ttyname(slave)
    db = tmp_path / "s.db"

    async def scenario():
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "ocpp_studio.cli", "serial", "--device", device,
            "--pattern", "arrows", "--charger", "CONSOLE-CP", "--capture", str(db),
            "--baud", "9600", "--data-bits", "7", "--parity", "E", "--stop-bits", "2",
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
        try:
            seen = ""
            for _ in range(300):  # the command opens the port, then reads what arrives
                os.write(master, b'12:00:01 tx -> [2,"a1","Heartbeat",{}]\r\nboot noise\r\n')
                try:
                    seen += (await asyncio.wait_for(process.stdout.readline(), 0.2)).decode()
                except TimeoutError:
                    continue
                if "Heartbeat" in seen:
                    break
            assert "Heartbeat" in seen, seen
            assert f"** Opened {device}" in seen, seen  # the port status is printed
            # printed after it was recorded; the capture is committed
            with sqlite3.connect(db) as conn:
                assert conn.execute("SELECT COUNT(*) FROM frames").fetchone()[0] >= 1
        finally:
            process.terminate()
            await process.wait()

    try:
        asyncio.run(scenario())
    finally:
        os.close(master)
        os.close(slave)
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT charger, direction, action, state FROM frames").fetchall()
    assert rows and rows[0] == ("CONSOLE-CP", "to_csms", "Heartbeat", "observed")


# ------------------------------------------------------------ port listing
def test_port_label_and_list_ports_fills_usb_details(monkeypatch):
    from types import SimpleNamespace

    from ocpp_studio.transports.serial_port import PortInfo
    usb = PortInfo("/dev/ttyUSB0", "FT232R USB UART", "0403:6001", "A10K1XYZ", "FTDI")
    assert usb.label == "/dev/ttyUSB0 — FT232R USB UART (0403:6001)"
    assert PortInfo("/dev/ttyS0", "n/a", "").label == "/dev/ttyS0"
    assert PortInfo("COM1", "Communications Port (COM1)", "").label == \
        "COM1 — Communications Port (COM1)"
    fake = [SimpleNamespace(device="/dev/ttyUSB1", description="CP2102", vid=0x10C4, pid=0xEA60,
                            serial_number="0001", manufacturer="Silicon Labs"),
            SimpleNamespace(device="/dev/ttyS0", description="n/a", vid=None, pid=None,
                            serial_number=None, manufacturer=None)]
    monkeypatch.setattr(serial.tools.list_ports, "comports", lambda: fake)
    assert list_ports() == [PortInfo("/dev/ttyS0", "n/a", "", "", ""),
                            PortInfo("/dev/ttyUSB1", "CP2102", "10C4:EA60", "0001", "Silicon Labs")]


# ------------------------------------------------------- opening problems
def test_console_waits_for_a_device_that_is_not_there_yet(pty_pair, tmp_path):
    """Started before the adapter is plugged in: 'waiting', then 'open' when it appears."""
    from ocpp_studio.transports.serial_port import waiting_message

    async def scenario():
        device = str(tmp_path / "ttyUSB-later")  # does not exist yet
        console = SerialConsole(SerialSettings(device), retry_interval=0.01)
        statuses = []
        console.status_changed.connect(statuses.append)
        await console.start()
        try:
            assert console.status.kind == "waiting"
            assert console.status.message == f"Waiting for {device} — is the adapter plugged in?"
            assert console.status.message == waiting_message(device)
            os.symlink(pty_pair.device, device)  # the adapter is plugged in
            await wait_for(lambda: console.status.kind == "open")
            pty_pair.write("hello\n")
            await wait_for(lambda: [line.text for line in console.lines] == ["hello"])
        finally:
            await console.stop()
        assert [s.kind for s in statuses] == ["waiting", "open", "closed"]

    run(scenario())


def pyserial_failure(code: int, text: str):
    """An opener failing the way pyserial's POSIX backend does."""
    def opener(settings):
        raise serial.SerialException(code, f"could not open port {settings.device}: "
                                           f"[Errno {code}] {text}: '{settings.device}'")
    return opener


@pytest.mark.parametrize("code, text, expected", [
    (13, "Permission denied", "permission denied"),
    (16, "Device or resource busy", "in use by another program"),
])
def test_port_that_exists_but_cannot_be_opened_raises_plainly(monkeypatch, code, text, expected):
    import sys

    from ocpp_studio.transports.serial_port import SerialOpenError
    monkeypatch.setattr(sys, "platform", "linux")

    async def scenario():
        console = SerialConsole(SerialSettings("/dev/ttyUSB0"), opener=pyserial_failure(code, text))
        with pytest.raises(SerialOpenError) as raised:
            await console.start()
        assert expected in str(raised.value) and "/dev/ttyUSB0" in str(raised.value)
        if code == 13:
            assert "'dialout' group" in str(raised.value)
        assert isinstance(raised.value, OSError) and console.status is None

    run(scenario())


def test_invalid_device_url_raises_plainly():
    from ocpp_studio.transports.serial_port import SerialOpenError

    async def scenario():
        with pytest.raises(SerialOpenError, match="cannot be used.*pyserial URL"):
            await SerialConsole(SerialSettings("foo://bar")).start()

    run(scenario())


def test_answer_mode_opens_the_charger_only_when_the_port_appears(pty_pair, tmp_path):
    async def scenario():
        store = CaptureStore(":memory:")
        central = CentralSystem(store)
        device = str(tmp_path / "ttyACM-later")
        console = SerialConsole(SerialSettings(device), retry_interval=0.01)
        csms = SerialCsms(console, central, OcppVersion.V16, charger_id="CP-LATER")
        await csms.start()
        try:
            assert console.status.kind == "waiting" and "CP-LATER" not in central.sessions
            os.symlink(pty_pair.device, device)
            await wait_for(lambda: "CP-LATER" in central.sessions)
            pty_pair.write(BOOT_16 + "\n")
            answer = json.loads(await asyncio.to_thread(pty_pair.read_line))
            assert answer[1] == "boot-1" and answer[2]["status"] == "Accepted"
        finally:
            await csms.stop()
        assert [e.kind for e in store.events("CP-LATER")] == ["connected", "disconnected"]

    run(scenario())


# ------------------------------------------------------------ bounded lines
def test_console_keeps_only_the_newest_lines_and_says_so_when_saving(tmp_path):
    async def scenario():
        console = SerialConsole(SerialSettings("loop://"), max_lines=3)
        await console.start()
        try:
            await console.write("".join(f"line {i}\n" for i in range(5)))
            await wait_for(lambda: console.dropped_lines == 2)
        finally:
            await console.stop()
        assert [line.text for line in console.lines] == ["line 2", "line 3", "line 4"]
        assert [line.text for line in console.tail(2)] == ["line 3", "line 4"]
        path = tmp_path / "console.txt"
        console.save(path)
        saved = path.read_text(encoding="utf-8").splitlines()
        assert saved[0].startswith("# 2 older lines") and len(saved) == 4
        assert saved[1].endswith("Z\tline 2") and saved[3].endswith("Z\tline 4")

    run(scenario())


def test_pattern_errors_are_plain_value_errors():
    with pytest.raises(ValueError, match="named group 'frame'"):
        LinePattern.named(r"tx (?P<direction>\w+)")
    with pytest.raises(ValueError, match="not a valid regular expression"):
        LinePattern.named(r"(?P<frame>\[")
    with pytest.raises(ValueError):
        LinePattern.named("")


# ------------------------------------------------------------ preferences
def test_serial_preferences_remember_per_adapter(tmp_path, caplog):
    from ocpp_studio.transports.serial_port import PortInfo
    from ocpp_studio.transports.serial_prefs import SerialChoice, SerialPreferences, adapter_key

    ftdi = PortInfo("/dev/ttyUSB0", "FT232R USB UART", "0403:6001", "A10K1XYZ")
    same_adapter_elsewhere = PortInfo("/dev/ttyUSB3", "FT232R USB UART", "0403:6001", "A10K1XYZ")
    builtin = PortInfo("/dev/ttyS0", "n/a", "")
    assert adapter_key(ftdi) == "usb:0403:6001:A10K1XYZ"
    assert adapter_key(PortInfo("COM4", "USB Serial", "1A86:7523")) == "usb:1A86:7523:"
    assert adapter_key(builtin) == "/dev/ttyS0"

    path = tmp_path / "cfg" / "serial-ports.json"
    prefs = SerialPreferences(path)
    assert prefs.choice_for(ftdi) == SerialChoice()
    choice = SerialChoice(baud=9600, parity="E", stopbits=1.5, mode="answer",
                          charger_id="CP7", ocpp_version="2.0.1")
    prefs.remember(ftdi, choice)
    prefs.remember(builtin, SerialChoice(pattern=r"OCPP (?P<frame>\[.*\])"))
    again = SerialPreferences(path)  # a new session
    assert again.choice_for(same_adapter_elsewhere) == choice
    assert again.choice_for(builtin).pattern == r"OCPP (?P<frame>\[.*\])"
    assert again.choice_for("/dev/ttyS0").pattern == r"OCPP (?P<frame>\[.*\])"
    assert choice.settings("/dev/ttyUSB3") == SerialSettings(
        "/dev/ttyUSB3", baud=9600, parity="E", stopbits=1.5)
    assert [p.name for p in path.parent.iterdir()] == ["serial-ports.json"]  # no temp left

    path.write_text("{not json", encoding="utf-8")
    with caplog.at_level("WARNING"):
        assert again.choice_for(ftdi) == SerialChoice()
    assert "unreadable" in caplog.text
    again.remember(ftdi, choice)  # an unreadable file is replaced, not a crash
    assert SerialPreferences(path).choice_for(ftdi) == choice


def test_serial_choice_validation():
    from ocpp_studio.transports.serial_prefs import SerialChoice
    SerialChoice().validate()
    SerialChoice(mode="answer", pattern="(", ocpp_version="2.0.1").validate()  # pattern unused
    for bad in (SerialChoice(pattern="(?P<frame>"), SerialChoice(mode="listen"),
                SerialChoice(mode="answer", ocpp_version="3.0")):
        with pytest.raises(ValueError):
            bad.validate()


def test_observed_console_frames_show_schema_faults_and_unmatched_answers():
    async def scenario():
        store = CaptureStore(":memory:")
        console = SerialConsole(SerialSettings("loop://"))
        observer = SerialObserver(console, store, LinePattern.arrows(), charger="CP-serial")
        seen = []
        observer.frame_recorded.connect(
            lambda found: seen.append((found.line.text, found.record.id)))
        await observer.start()
        try:
            await console.write(
                '>> [3,"old-7",{}]\n'  # the console was opened mid-session
                f">> {BOOT_16}\n"
                '<< [3,"boot-1",{"status":"Accepted","interval":60,'
                '"currentTime":"2026-01-01T00:00:00Z"}]\n'
                '>> [2,"st-1","StatusNotification",{"connectorId":"one","errorCode":"NoError",'
                '"status":"Available"}]\n'
                "boot done\n")
            await wait_for(lambda: len(console.lines) == 5)
        finally:
            await observer.stop()
        old, boot, boot_answer, status = store.frames()
        assert old.state == "unmatched" and "matches no call seen" in old.problem
        assert status.valid is False and status.state == "observed"
        assert any(v["path"] == "$.connectorId" for v in status.violations)
        assert "does not match the schema" in status.problem
        # the console pane hears which line each recorded frame came from
        assert [record_id for _text, record_id in seen] == [old.id, boot.id, boot_answer.id,
                                                            status.id]
        assert seen[3][0].startswith(">> [2,\"st-1\"")

    run(scenario())


# ------------------------------------------------- a mistyped device name
def test_mistyped_device_is_reported_missing_with_the_ports_that_exist(monkeypatch, tmp_path):
    """/dev/ttyUSB9 that does not exist: say so after a while, list real ports, no card."""
    from types import SimpleNamespace

    from ocpp_studio.station.observed import ObservedStations

    fake = [SimpleNamespace(device="/dev/ttyUSB0", description="FT232R USB UART", vid=0x0403,
                            pid=0x6001, serial_number="A1", manufacturer="FTDI")]
    monkeypatch.setattr(serial.tools.list_ports, "comports", lambda: fake)

    async def scenario():
        device = str(tmp_path / "ttyUSB9")  # never appears
        console = SerialConsole(SerialSettings(device), retry_interval=0.01, missing_after=0.05)
        stations = ObservedStations()
        observer = SerialObserver(console, CaptureStore(":memory:"), charger="CP-TYPO",
                                  stations=stations)
        await observer.start()
        try:
            await wait_for(lambda: console.status.kind == "missing")
            message = console.status.message
            assert f"No serial device {device} exists" in message
            assert "/dev/ttyUSB0 — FT232R USB UART (0403:6001)" in message
        finally:
            await observer.stop()
        assert "CP-TYPO" not in stations.stations  # no card for a port that never opened

    run(scenario())


def test_observed_console_gets_a_card_only_once_a_frame_is_seen(pty_pair):
    from ocpp_studio.station.observed import ObservedStations

    async def scenario():
        stations = ObservedStations()
        console = SerialConsole(SerialSettings(pty_pair.device))
        observer = SerialObserver(console, CaptureStore(":memory:"), charger="CP-LATE",
                                  stations=stations)
        await observer.start()
        try:
            pty_pair.write("just a log line\n")
            await wait_for(lambda: len(console.lines) == 1)
            assert "CP-LATE" not in stations.stations
            pty_pair.write(HB + "\n")
            await wait_for(lambda: "CP-LATE" in stations.stations)
            assert stations.stations["CP-LATE"].connected
        finally:
            await observer.stop()
        assert not stations.stations["CP-LATE"].connected

    run(scenario())
