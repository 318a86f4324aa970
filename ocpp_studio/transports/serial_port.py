"""A charger's serial debug console (pyserial), as console lines and as frames.

- SerialConsole reads lines in a background thread (pyserial blocks) and hands
  them to the asyncio loop; it survives the adapter being pulled out and
  reopens the port when it comes back.
- SerialObserver extracts OCPP-J frames from console lines into a capture,
  marked "observed" (we did not answer them).
- SerialCsms answers as the CSMS when the charger speaks OCPP-J frames over
  the serial line itself, one frame per line.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, Callable

import serial
import serial.tools.list_ports

from ..capture.store import CaptureStore
from ..core.frames import FrameError, MessageType, parse_frame
from ..core.records import Direction, FrameRecord, iso_from_us, now_us
from ..core.versions import OcppVersion
from ..station.central import CentralSystem, ChargerSession, Handshake
from .console_patterns import LinePattern
from ..station.observed import SERIAL, ObservedStations
from .observed import ObservedExchange, version_from_boot

log = logging.getLogger(__name__)

UNPLUGGED = "The serial adapter was unplugged — waiting for it to come back"
RECONNECTED = "Reconnected"
#: Console lines kept in memory (about 100 MB at most for long lines); older ones are dropped.
MAX_LINES = 200_000


def waiting_message(device: str) -> str:
    return f"Waiting for {device} — is the adapter plugged in?"


def missing_message(device: str, ports: list["PortInfo"]) -> str:
    """A device that never appeared: most often a mistyped name. Say which ports exist."""
    if ports:
        found = "; ".join(p.label for p in ports)
        return (f"No serial device {device} exists on this computer (still waiting for it). "
                f"Ports here: {found}")
    return (f"No serial device {device} exists on this computer (still waiting for it), and "
            "no serial ports were found: is the adapter plugged in and its driver installed?")


# ------------------------------------------------------------------ ports
@dataclass(frozen=True)
class PortInfo:
    device: str
    description: str
    vid_pid: str  # "0403:6001", "" when not a USB device
    serial_number: str = ""  # the USB adapter's serial number, when it has one
    manufacturer: str = ""

    @property
    def label(self) -> str:
        """"/dev/ttyUSB0 — FT232R USB UART (0403:6001)", for a port chooser."""
        text = self.device
        if self.description and self.description not in ("n/a", self.device):
            text += f" — {self.description}"
        return text + (f" ({self.vid_pid})" if self.vid_pid else "")


def list_ports() -> list[PortInfo]:
    """The serial ports of this computer, sorted by device name."""
    ports = []
    for port in serial.tools.list_ports.comports():
        vid_pid = f"{port.vid:04X}:{port.pid:04X}" if port.vid is not None and port.pid is not None else ""
        ports.append(PortInfo(port.device, port.description or "", vid_pid,
                              port.serial_number or "", port.manufacturer or ""))
    return sorted(ports, key=lambda p: p.device)


class SerialOpenError(OSError):
    """The port exists but cannot be opened, or the device name is not usable;
    the message says why in plain words."""


def _errno_of(exc: BaseException) -> int | None:
    code = getattr(exc, "errno", None)
    if isinstance(code, int):
        return code
    cause = exc.__cause__ or exc.__context__
    return _errno_of(cause) if cause is not None and cause is not exc else None


def open_problem(device: str, exc: BaseException) -> SerialOpenError | None:
    """None when the device is simply not there (yet); else a SerialOpenError saying
    why it cannot be opened. pyserial gives an errno on Linux and macOS and only
    a message (with the Windows error's name) on Windows."""
    code, text = _errno_of(exc), str(exc)
    if isinstance(exc, ValueError):
        return SerialOpenError(f"{device!r} cannot be used: {exc}. Give a port such as "
                               "/dev/ttyUSB0 or COM3, or a pyserial URL such as loop://")
    if code in (errno.ENOENT, errno.ENODEV, errno.ENXIO) or "FileNotFoundError" in text \
            or "No such file" in text or "cannot find the file" in text:
        return None
    if code == errno.EBUSY or "busy" in text.lower() or "exclusively lock" in text \
            or (sys.platform == "win32" and ("PermissionError" in text or "Access is denied" in text)):
        return SerialOpenError(f"{device} is in use by another program (a terminal, the "
                               "charger maker's tool…): close it and try again")
    if code in (errno.EACCES, errno.EPERM) or "Permission denied" in text:
        hint = (" On Linux your user must be in the 'dialout' group (sudo usermod -aG dialout "
                "$USER, then log out and in again)." if sys.platform.startswith("linux") else "")
        return SerialOpenError(f"You may not open {device}: permission denied.{hint}")
    return SerialOpenError(f"Cannot open {device}: {exc}")


@dataclass(kw_only=True)
class LineSettings:
    """How the bits go down the wire: speed, framing, flow control (the charger's manual
    gives them; 115200 8N1 without flow control is the usual debug console)."""

    baud: int = 115200
    bytesize: int = 8
    parity: str = "N"  # N, E, O, M, S
    stopbits: float = 1
    xonxoff: bool = False
    rtscts: bool = False

    def line_settings(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(LineSettings)}


@dataclass
class SerialSettings(LineSettings):
    """A port (a device path or a pyserial URL) and its line settings."""

    device: str

    def open(self, timeout: float = 0.1) -> Any:
        """Open the port (a device path or a pyserial URL such as loop://)."""
        return serial.serial_for_url(
            self.device, baudrate=self.baud, bytesize=self.bytesize, parity=self.parity,
            stopbits=self.stopbits, xonxoff=self.xonxoff, rtscts=self.rtscts, timeout=timeout)


@dataclass(frozen=True)
class ConsoleLine:
    ts_us: int
    text: str
    raw_bytes: bytes

    @property
    def hex(self) -> str:
        return self.raw_bytes.hex(" ")


@dataclass(frozen=True)
class ConsoleStatus:
    kind: str  # open, waiting, missing, unplugged, reconnected, closed, error
    message: str


LineListener = Callable[[ConsoleLine], None]
StatusListener = Callable[[ConsoleStatus], None]


# ---------------------------------------------------------------- console
class SerialConsole:
    """Lines from a serial port, delivered on the asyncio loop.

    ``lines`` keeps the newest ``max_lines`` (a deque: index it, or use ``tail``);
    ``dropped_lines`` counts the older ones let go, so a console left open for
    days does not eat the memory.
    """

    def __init__(self, settings: SerialSettings, *, opener: Callable[[SerialSettings], Any] | None = None,
                 retry_interval: float = 1.0, max_line: int = 65536,
                 max_lines: int = MAX_LINES, missing_after: float = 3.0) -> None:
        self.settings = settings
        self._opener = opener or (lambda s: s.open())
        self.retry_interval = retry_interval
        #: seconds of waiting for a device never opened before saying it does not exist
        self.missing_after = missing_after
        self._waiting_since: float | None = None
        self._missing_reported = False
        self.max_line = max_line
        self.lines: deque[ConsoleLine] = deque(maxlen=max_lines)
        self.dropped_lines = 0
        self._ever_opened = False
        self.status: ConsoleStatus | None = None
        self._listeners: list[LineListener] = []
        self._status_listeners: list[StatusListener] = []
        self._port: Any = None
        self._write_lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    # listeners
    def add_listener(self, listener: LineListener) -> None:
        self._listeners.append(listener)

    def remove_listener(self, listener: LineListener) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    def add_status_listener(self, listener: StatusListener) -> None:
        self._status_listeners.append(listener)

    def remove_status_listener(self, listener: StatusListener) -> None:
        if listener in self._status_listeners:
            self._status_listeners.remove(listener)

    @property
    def connected(self) -> bool:
        return self._port is not None

    def tail(self, count: int) -> list[ConsoleLine]:
        """The newest ``count`` lines, oldest first."""
        count = min(count, len(self.lines))
        return [self.lines[i] for i in range(len(self.lines) - count, len(self.lines))]

    # lifecycle
    async def start(self) -> None:
        """Open the port and start reading.

        A device that is not there yet (adapter not plugged in) is waited for:
        status "waiting", then "open" when it appears. Raises SerialOpenError when
        the port exists but cannot be opened, or the device name is not usable.
        """
        if self._thread is not None:
            return
        self._loop = asyncio.get_running_loop()
        device = self.settings.device
        try:
            self._port = await asyncio.to_thread(self._opener, self.settings)
        except (serial.SerialException, OSError, ValueError) as exc:
            problem = open_problem(device, exc)
            if problem is not None:
                raise problem from exc
            self._port = None
            self._waiting_since = time.monotonic()
            self._set_status(ConsoleStatus("waiting", waiting_message(device)))
        else:
            self._ever_opened = True
            self._set_status(ConsoleStatus("open", f"Opened {device}"))
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name=f"serial {self.settings.device}",
                                        daemon=True)
        self._thread.start()

    async def stop(self) -> None:
        if self._thread is None:
            return
        self._stop.set()
        thread, self._thread = self._thread, None
        await asyncio.to_thread(thread.join, 5.0)
        self._close_port()
        self._set_status(ConsoleStatus("closed", f"Closed {self.settings.device}"))

    async def write(self, text: str) -> None:
        """Send text as UTF-8 (add the line ending yourself)."""
        data = text.encode("utf-8")
        await asyncio.to_thread(self._write_blocking, data)

    def _write_blocking(self, data: bytes) -> None:
        with self._write_lock:
            port = self._port
            if port is None:
                raise ConnectionError(f"{self.settings.device} is not open")
            try:
                port.write(data)
                port.flush()
            except (serial.SerialException, OSError) as exc:
                raise ConnectionError(f"writing to {self.settings.device} failed: {exc}") from exc

    def save(self, path: str | Path) -> None:
        """Write the console lines as "ISO time<TAB>text" (UTC receive time); a
        first "#" line says how many older lines were no longer kept, if any."""
        lines = list(self.lines)
        with open(path, "w", encoding="utf-8", newline="\n") as out:
            if self.dropped_lines:
                out.write(f"# {self.dropped_lines} older lines of {self.settings.device} were "
                          f"not kept (only the newest {self.lines.maxlen} are)\n")
            for line in lines:
                out.write(f"{iso_from_us(line.ts_us)}\t{line.text}\n")

    # reader thread
    def _close_port(self) -> None:
        port, self._port = self._port, None
        if port is not None:
            try:
                port.close()
            except Exception:  # noqa: BLE001
                pass

    def _run(self) -> None:
        buffer = b""
        port = self._port
        while not self._stop.is_set():
            if port is None:
                port = self._reopen()
                continue
            try:
                chunk = port.read(max(1, getattr(port, "in_waiting", 0) or 1))
            except (serial.SerialException, OSError, TypeError, AttributeError) as exc:
                if self._stop.is_set():
                    break
                if buffer:  # keep what arrived before the adapter went away
                    self._post_line(buffer)
                    buffer = b""
                log.info("serial port %s lost: %s", self.settings.device, exc)
                self._close_port()
                port = None
                self._post_status(ConsoleStatus("unplugged", UNPLUGGED))
                continue
            if not chunk:
                continue
            buffer += chunk
            while b"\n" in buffer:
                line, buffer = buffer.split(b"\n", 1)
                self._post_line(line)
            if len(buffer) > self.max_line:
                self._post_line(buffer)
                buffer = b""
        if buffer:
            self._post_line(buffer)

    def _reopen(self) -> Any:
        """Wait, then try to open the port again (in the reader thread)."""
        if self._stop.wait(self.retry_interval):
            return None
        try:
            port = self._opener(self.settings)
        except (serial.SerialException, OSError, ValueError) as exc:
            problem = open_problem(self.settings.device, exc)
            status = self.status
            if problem is not None and (status is None or status.message != str(problem)):
                # e.g. just plugged in, but not ours to open: say so, keep trying
                self._post_status(ConsoleStatus("error", str(problem)))
            elif problem is None:
                self._report_if_missing()
            return None
        self._port = port
        first = not self._ever_opened
        self._ever_opened = True
        self._post_status(ConsoleStatus("open", f"Opened {self.settings.device}") if first
                          else ConsoleStatus("reconnected", RECONNECTED))
        return port

    def _report_if_missing(self) -> None:
        """After a few seconds of waiting for a port never opened, say it does not exist
        (a mistyped /dev/ttyUSB9 would otherwise wait for ever) and list the ones that do."""
        since = self._waiting_since
        if (self._missing_reported or self._ever_opened or since is None
                or "://" in self.settings.device
                or time.monotonic() - since < self.missing_after):
            return
        self._missing_reported = True
        try:
            ports = list_ports()
        except Exception:  # noqa: BLE001 - listing is a hint only
            log.exception("cannot list serial ports")
            ports = []
        self._post_status(ConsoleStatus("missing", missing_message(self.settings.device, ports)))

    def _post_line(self, raw: bytes) -> None:
        # the text loses the CR of a CR LF ending; the bytes keep it (the hex view shows
        # exactly what came down the wire)
        text = raw.rstrip(b"\r").decode("utf-8", errors="replace")
        line = ConsoleLine(now_us(), text, raw)
        self._call_in_loop(self._deliver, line)

    def _post_status(self, status: ConsoleStatus) -> None:
        self._call_in_loop(self._set_status, status)

    def _call_in_loop(self, fn: Callable[..., None], arg: Any) -> None:
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        try:
            loop.call_soon_threadsafe(fn, arg)
        except RuntimeError:  # loop closed meanwhile
            pass

    def _deliver(self, line: ConsoleLine) -> None:
        if len(self.lines) == self.lines.maxlen:
            self.dropped_lines += 1
        self.lines.append(line)
        for listener in list(self._listeners):
            try:
                listener(line)
            except Exception:  # noqa: BLE001
                log.exception("serial console listener failed")

    def _set_status(self, status: ConsoleStatus) -> None:
        self.status = status
        for listener in list(self._status_listeners):
            try:
                listener(status)
            except Exception:  # noqa: BLE001
                log.exception("serial status listener failed")


# --------------------------------------------------------------- observer
# Actions a charger starts (so an undirected CALL with one of them was sent by the charger).
_CHARGER_ACTIONS = {
    "Authorize", "BootNotification", "DataTransfer", "DiagnosticsStatusNotification",
    "FirmwareStatusNotification", "Heartbeat", "MeterValues", "StartTransaction",
    "StatusNotification", "StopTransaction", "TransactionEvent", "NotifyReport",
    "NotifyEvent", "SecurityEventNotification", "LogStatusNotification", "SignCertificate",
    "NotifyChargingLimit", "ReportChargingProfiles", "NotifyEVChargingNeeds",
    "ClearedChargingLimit", "NotifyMonitoringReport", "NotifyCustomerInformation",
    "NotifyDisplayMessages", "NotifyEVChargingSchedule", "PublishFirmwareStatusNotification",
    "ReservationStatusUpdate", "Get15118EVCertificate", "GetCertificateStatus",
}


class SerialObserver:
    """Console lines → pattern → frames recorded as observed (we did not answer them):
    paired with their CALL, with the time between, and schema-checked once the OCPP
    version is known (given, or read from the charger's BootNotification)."""

    def __init__(self, console: SerialConsole, store: CaptureStore,
                 pattern: LinePattern | None = None, charger: str | None = None,
                 version: OcppVersion | None = None,
                 stations: ObservedStations | None = None) -> None:
        self.console = console
        self.store = store
        self.pattern = pattern or LinePattern.bare()
        self.charger = charger or console.settings.device
        self.stations = stations
        self.exchange = ObservedExchange(store, self.charger, version, live=False,
                                         stations=stations, source=SERIAL)
        self._call_directions: dict[str, Direction] = {}
        self.frames_recorded = 0
        self._port_open = False
        #: called with (line, record) for each line a frame was taken from
        self._frame_listeners: list[Callable[[ConsoleLine, FrameRecord], None]] = []

    def add_frame_listener(self, listener: Callable[[ConsoleLine, FrameRecord], None]) -> None:
        self._frame_listeners.append(listener)

    def remove_frame_listener(self, listener: Callable[[ConsoleLine, FrameRecord], None]) -> None:
        if listener in self._frame_listeners:
            self._frame_listeners.remove(listener)

    def attach(self) -> None:
        self.console.add_listener(self.on_line)
        self.console.add_status_listener(self._on_status)

    def detach(self) -> None:
        self.console.remove_listener(self.on_line)
        self.console.remove_status_listener(self._on_status)

    def _on_status(self, status: ConsoleStatus) -> None:
        """The charger's card says whether its console is being read.

        No card is made here: a port that never opens (a mistyped device) or shows no
        frame is no charger. The first frame makes the card (``on_line``)."""
        if status.kind not in ("open", "reconnected", "unplugged", "closed"):
            return
        self._port_open = status.kind in ("open", "reconnected")
        if self.stations is not None and self.charger in self.stations.stations:
            self.stations.set_connected(self.charger, SERIAL, self._port_open,
                                        self.exchange.version)

    async def start(self) -> None:
        self.attach()
        try:
            await self.console.start()
        except BaseException:
            self.detach()
            raise

    async def stop(self) -> None:
        await self.console.stop()
        self.detach()

    def on_line(self, line: ConsoleLine) -> None:
        found = self.pattern.extract(line.text)
        if found is None:
            return  # stays in the console only
        try:
            frame: Any = parse_frame(found.raw)
        except FrameError:
            frame = None  # recorded with the reason as its problem
        direction = found.direction
        if frame is not None:
            if direction is None:
                direction = self._guess(frame)
            if frame.message_type is MessageType.CALL:
                self._call_directions[frame.unique_id] = direction or Direction.TO_CSMS
                if self.exchange.version is None:
                    self.exchange.version = version_from_boot(frame.action, frame.payload)
        record = self.exchange.record(found.raw, direction or Direction.TO_CSMS, line.ts_us,
                                      frame)
        self.frames_recorded += 1
        if self.stations is not None:
            known = self.stations.stations.get(self.charger)
            if known is None or known.connected != self._port_open:
                # the first frame: now there is a charger to show, being read
                self.stations.set_connected(self.charger, SERIAL, self._port_open,
                                            self.exchange.version)
        for listener in list(self._frame_listeners):
            listener(line, record)

    def _guess(self, frame: Any) -> Direction | None:
        if frame.message_type is MessageType.CALL:
            return Direction.TO_CSMS if frame.action in _CHARGER_ACTIONS else Direction.TO_CHARGER
        call = self._call_directions.get(frame.unique_id)
        if call is None:
            return None
        return call.opposite


# ------------------------------------------------------------ answer mode
class SerialCsms:
    """The charger speaks OCPP-J over the serial line, one frame per line; we answer."""

    def __init__(self, console: SerialConsole, central: CentralSystem,
                 version: OcppVersion = OcppVersion.V16, charger_id: str | None = None) -> None:
        self.console = console
        self.central = central
        self.version = version
        self.charger_id = charger_id or console.settings.device
        self.session: ChargerSession | None = None
        self._queue: asyncio.Queue[str | None] = asyncio.Queue()
        self._worker: asyncio.Task | None = None

    async def start(self) -> None:
        self.console.add_listener(self._on_line)
        self.console.add_status_listener(self._on_status)
        try:
            await self.console.start()  # "open" opens the session (_on_status)
        except BaseException:
            self.console.remove_listener(self._on_line)
            self.console.remove_status_listener(self._on_status)
            raise
        self._worker = asyncio.create_task(self._feed())

    async def stop(self) -> None:
        self.console.remove_listener(self._on_line)
        self.console.remove_status_listener(self._on_status)
        if self._worker is not None:
            await self._queue.put(None)
            await self._worker
            self._worker = None
        self._close("serial port closed")
        await self.console.stop()

    def _open(self) -> None:
        handshake = Handshake(charger_id=self.charger_id, path=self.console.settings.device,
                              remote="serial", offered=[], subprotocol=self.version.value)
        self.session = self.central.open_session(handshake, self.version, self._send, self._disconnect)

    def _close(self, reason: str) -> None:
        session, self.session = self.session, None
        if session is not None:
            self.central.close_session(session, None, reason)

    async def _send(self, text: str) -> None:
        await self.console.write(text + "\n")

    async def _disconnect(self) -> None:
        self._close("closed by the studio")

    def _on_line(self, line: ConsoleLine) -> None:
        text = line.text.strip()
        if text:
            self._queue.put_nowait(text)

    def _on_status(self, status: ConsoleStatus) -> None:
        if status.kind == "unplugged":
            self._close("serial adapter unplugged")
        elif status.kind in ("open", "reconnected") and self.session is None:
            self._open()

    async def _feed(self) -> None:
        while True:
            text = await self._queue.get()
            if text is None:
                return
            session = self.session
            if session is None:
                continue
            try:
                await session.receive(text)
            except Exception:  # noqa: BLE001
                log.exception("serial frame handling failed")
