"""A charger's serial debug console (pyserial), as console lines and as frames.

- SerialConsole reads lines in a background thread (pyserial blocks) and hands
  them to the asyncio loop; it survives the adapter being pulled out and
  reopens the port when it comes back.
- SerialObserver extracts OCPP-J frames from console lines and hands them to a
  passive endpoint (``core.observed``), which records them marked "observed"
  (we did not answer them).
- SerialCsms answers as the CSMS when the charger speaks OCPP-J frames over
  the serial line itself, one frame per line.

Ports, line settings and open errors are in ``serial_devices`` (imported here too).
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import serial

from ..core.actions import CHARGER_INITIATED
from ..core.events import Signal
from ..core.frames import FrameError, MessageType, parse_frame
from ..core.observed import ObservedCards, ObservedEndpoint
from ..core.records import Direction, FrameRecord, FrameRecorder, iso_from_us, now_us
from ..core.sessions import Handshake, Session, SessionHost
from ..core.versions import OcppVersion
from .console_patterns import LinePattern
from .serial_devices import (  # noqa: F401 - the port names are imported from here too
    LineSettings, PortInfo, SerialOpenError, SerialSettings, list_ports, missing_message,
    open_problem, waiting_message,
)

log = logging.getLogger(__name__)

UNPLUGGED = "The serial adapter was unplugged — waiting for it to come back"
RECONNECTED = "Reconnected"
#: Console lines kept in memory (about 100 MB at most for long lines); older ones are dropped.
MAX_LINES = 200_000
#: the source name of console chargers' cards (station.observed.SERIAL)
SERIAL = "serial"


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


@dataclass(frozen=True)
class ConsoleFrame:
    """A frame taken from a console line, and its record in the capture."""

    line: ConsoleLine
    record: FrameRecord


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
        #: each line read, on the loop
        self.line_received: Signal[ConsoleLine] = Signal("serial console line")
        #: each change of the port's status (open, waiting, unplugged…), on the loop
        self.status_changed: Signal[ConsoleStatus] = Signal("serial console status")
        self._port: Any = None
        self._write_lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

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
        self.line_received.emit(line)

    def _set_status(self, status: ConsoleStatus) -> None:
        self.status = status
        self.status_changed.emit(status)


# --------------------------------------------------------------- observer
# Actions a charger starts, in any version (so an undirected CALL with one of them was
# sent by the charger).
_CHARGER_ACTIONS = frozenset().union(*CHARGER_INITIATED.values())


class SerialObserver:
    """Console lines → pattern → frames recorded as observed (we did not answer them):
    paired with their CALL, with the time between, and schema-checked once the OCPP
    version is known (given, or read from the charger's BootNotification)."""

    def __init__(self, console: SerialConsole, store: FrameRecorder,
                 pattern: LinePattern | None = None, charger: str | None = None,
                 version: OcppVersion | None = None,
                 stations: ObservedCards | None = None) -> None:
        self.console = console
        self.store = store
        self.pattern = pattern or LinePattern.bare()
        self.charger = charger or console.settings.device
        self.stations = stations
        self.exchange = ObservedEndpoint(store, self.charger, version, live=False,
                                         cards=stations, source=SERIAL)
        self._call_directions: dict[str, Direction] = {}
        self.frames_recorded = 0
        self._port_open = False
        #: each line a frame was taken from, with the frame's record
        self.frame_recorded: Signal[ConsoleFrame] = Signal("serial console frame")

    def attach(self) -> None:
        self.console.line_received.connect(self.on_line)
        self.console.status_changed.connect(self._on_status)

    def detach(self) -> None:
        self.console.line_received.disconnect(self.on_line)
        self.console.status_changed.disconnect(self._on_status)

    def _on_status(self, status: ConsoleStatus) -> None:
        """The charger's card says whether its console is being read.

        No card is made here: a port that never opens (a mistyped device) or shows no
        frame is no charger. The first frame makes the card (``on_line``)."""
        if status.kind not in ("open", "reconnected", "unplugged", "closed"):
            return
        self._port_open = status.kind in ("open", "reconnected")
        if self.stations is not None and self.stations.is_connected(self.charger) is not None:
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
            frame: Any = parse_frame(found.raw, self.exchange.version)
        except FrameError:
            frame = None  # recorded with the reason as its problem
        direction = found.direction
        if frame is not None:
            if direction is None:
                direction = self._guess(frame)
            if frame.message_type is MessageType.CALL:
                self._call_directions[frame.unique_id] = direction or Direction.TO_CSMS
        record = self.exchange.record(found.raw, direction or Direction.TO_CSMS, line.ts_us,
                                      frame)
        self.frames_recorded += 1
        if self.stations is not None \
                and self.stations.is_connected(self.charger) != self._port_open:
            # the first frame: now there is a charger to show, being read
            self.stations.set_connected(self.charger, SERIAL, self._port_open,
                                        self.exchange.version)
        self.frame_recorded.emit(ConsoleFrame(line, record))

    def _guess(self, frame: Any) -> Direction | None:
        if frame.message_type is MessageType.CALL or frame.message_type is MessageType.SEND:
            return Direction.TO_CSMS if frame.action in _CHARGER_ACTIONS else Direction.TO_CHARGER
        call = self._call_directions.get(frame.unique_id)
        if call is None:
            return None
        return call.opposite


# ------------------------------------------------------------ answer mode
class SerialCsms:
    """The charger speaks OCPP-J over the serial line, one frame per line; we answer."""

    def __init__(self, console: SerialConsole, central: SessionHost,
                 version: OcppVersion = OcppVersion.V16, charger_id: str | None = None) -> None:
        self.console = console
        self.central = central
        self.version = version
        self.charger_id = charger_id or console.settings.device
        self.session: Session | None = None
        self._queue: asyncio.Queue[str | None] = asyncio.Queue()
        self._worker: asyncio.Task | None = None

    async def start(self) -> None:
        self.console.line_received.connect(self._on_line)
        self.console.status_changed.connect(self._on_status)
        try:
            await self.console.start()  # "open" opens the session (_on_status)
        except BaseException:
            self.console.line_received.disconnect(self._on_line)
            self.console.status_changed.disconnect(self._on_status)
            raise
        self._worker = asyncio.create_task(self._feed())

    async def stop(self) -> None:
        self.console.line_received.disconnect(self._on_line)
        self.console.status_changed.disconnect(self._on_status)
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
