"""Start the desktop app: Qt + qasync, the capture store, the local CSMS, the main window.

Hidden options for docs and CI (environment variables):

``OCPP_STUDIO_SCREENSHOT=path.png``
    save a picture of the main window after ``OCPP_STUDIO_QUIT_AFTER`` seconds
    (default 8), then close the app.
``OCPP_STUDIO_QUIT_AFTER=seconds``
    close the app after this many seconds (with or without a screenshot).

e.g. ``OCPP_STUDIO_SCREENSHOT=resources/screenshot-main-window.png xvfb-run -s "-screen 0
1400x900x24" python -c "from ocpp_studio.ui.app import run_gui; from ocpp_studio.settings import
AppSettings; run_gui(AppSettings(capture_path='/tmp/shot.db'), demo=True)"``
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import errno
import logging
import os
import socket
import sys
from pathlib import Path
from typing import Any, Awaitable, Callable

import qasync
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from ..capture.store import CaptureStore
from ..core.versions import OcppVersion
from ..settings import AppSettings, CsmsSettings
from ..station.central import CentralSystem
from ..transports.websocket_server import CsmsServer
from .main_window import MainWindow

log = logging.getLogger(__name__)

SCREENSHOT_ENV = "OCPP_STUDIO_SCREENSHOT"
QUIT_AFTER_ENV = "OCPP_STUDIO_QUIT_AFTER"
DEFAULT_SCREENSHOT_DELAY = 8.0
MIN_POINT_SIZE = 10

#: "Port in use" on Linux/macOS (errno) and Windows (WSAEADDRINUSE).
_ADDRESS_IN_USE = {errno.EADDRINUSE, 10048}

#: ask(busy_port, free_port) -> use the free port?
AskOtherPort = Callable[[int, int], Awaitable[bool]]


# ------------------------------------------------------------------ helpers
def is_address_in_use(exc: BaseException) -> bool:
    return isinstance(exc, OSError) and (exc.errno in _ADDRESS_IN_USE
                                         or getattr(exc, "winerror", None) == 10048)


def find_free_port(host: str, start: int, attempts: int = 20) -> int:
    """The first port after ``start`` we can bind on ``host``, else one the OS picks."""
    bind_host = "" if host in ("0.0.0.0", "::") else host
    for port in list(range(start + 1, start + 1 + attempts)) + [0]:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            try:
                probe.bind((bind_host, port))
            except OSError:
                continue
            return probe.getsockname()[1]
    raise OSError("no free port found")


def port_in_use_text(port: int, alternative: int) -> str:
    return (f"Port {port} is already in use — is another OCPP Studio or CSMS running?\n\n"
            f"OCPP Studio can listen on port {alternative} instead; chargers must then be "
            f"pointed at that port. Or quit, close the other program and start again. "
            f"To keep a different port, choose another port in the settings "
            f"(csms.port in settings.json).")


async def ask_other_port_dialog(port: int, alternative: int,
                                parent: QWidget | None = None) -> bool:
    """Show the 'port in use' question without blocking the event loop."""
    box = QMessageBox(QMessageBox.Icon.Warning, "OCPP Studio — port in use",
                      port_in_use_text(port, alternative), parent=parent)
    use = box.addButton(f"Use port {alternative}", QMessageBox.ButtonRole.AcceptRole)
    box.addButton("Quit", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(use)
    answer: asyncio.Future[bool] = asyncio.get_running_loop().create_future()

    def done(_result: int) -> None:
        if not answer.done():
            answer.set_result(box.clickedButton() is use)

    box.finished.connect(done)
    box.open()
    try:
        return await answer
    finally:
        box.deleteLater()


async def start_server(central: CentralSystem, settings: CsmsSettings,
                       ask: AskOtherPort) -> CsmsServer | None:
    """Start the CSMS; if the port is taken, offer a free one. None = the user gave up."""
    server = CsmsServer(central, settings)
    try:
        await server.start()
        return server
    except OSError as exc:
        if not is_address_in_use(exc):
            raise
        busy = settings.port
    alternative = find_free_port(settings.host, busy)
    if not await ask(busy, alternative):
        return None
    other = dataclasses.replace(settings, port=alternative)
    server = CsmsServer(central, other)
    await server.start()
    return server


def demo_configs() -> list[Any]:
    """The two built-in demo chargers."""
    from ..demo import DemoChargerConfig  # noqa: PLC0415 - optional until the demo lands

    common = dict(vendor="OCPP Studio", firmware="demo-1.0", auto_charge=True)
    return [
        DemoChargerConfig(charger_id="DEMO-16", version=OcppVersion.V16, connectors=1, phases=1,
                          max_current_a=32.0, voltage_v=230.0, model="Demo Wallbox 7.4 kW",
                          serial="DEMO16-0001", **common),
        DemoChargerConfig(charger_id="DEMO-201", version=OcppVersion.V201, connectors=1,
                          phases=3, max_current_a=16.0, voltage_v=230.0,
                          model="Demo Wallbox 11 kW", serial="DEMO201-0001", **common),
    ]


def loopback_url(server: CsmsServer) -> str:
    host = server.settings.host
    if host in ("0.0.0.0", "", "::"):
        host = "127.0.0.1"
    return f"ws://{host}:{server.port}/ocpp"


# ------------------------------------------------------------------ the app
class StudioRun:
    """One run of the GUI: what it started, so it can stop it again in order."""

    def __init__(self, settings: AppSettings, demo: bool = False) -> None:
        self.settings = settings
        self.demo = demo
        self.store: CaptureStore | None = None
        self.central: CentralSystem | None = None
        self.server: CsmsServer | None = None
        self.window: MainWindow | None = None
        self.demo_chargers: list[tuple[Any, asyncio.Task]] = []

    async def run(self) -> int:
        capture_path = self.settings.resolved_capture_path()
        try:
            self.store = CaptureStore(capture_path)
        except Exception as exc:  # noqa: BLE001 - sqlite3/OSError: tell the user, do not crash
            await _error_box("OCPP Studio — cannot open the capture file",
                             f"The capture file {capture_path} cannot be opened:\n{exc}\n\n"
                             "Choose another capture file in the settings.")
            return 1
        try:
            return await self._run_with_store(capture_path)
        finally:
            await self.shutdown()

    async def _run_with_store(self, capture_path: Path) -> int:
        assert self.store is not None
        self.central = CentralSystem(self.store, self.settings.csms)
        try:
            self.server = await start_server(self.central, self.settings.csms,
                                             ask_other_port_dialog)
        except OSError as exc:
            await _error_box("OCPP Studio — cannot listen for chargers",
                             f"The central system cannot listen on "
                             f"{self.settings.csms.host}:{self.settings.csms.port}:\n{exc}")
            return 1
        if self.server is None:
            return 1
        self.window = MainWindow(self.central, self.store, urls=self.server.urls(),
                                 capture_path=capture_path)
        closed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.window.closed.connect(lambda: closed.done() or closed.set_result(None))
        self.window.show()
        if self.demo:
            self.start_demo()
        automation = self._schedule_automation()
        try:
            await closed
        finally:
            if automation is not None:
                automation.cancel()
        return 0

    # ---------------------------------------------------------------- demo
    def start_demo(self) -> None:
        assert self.server is not None and self.window is not None
        try:
            from ..demo import DemoCharger  # noqa: PLC0415
            configs = demo_configs()
        except ImportError as exc:
            log.warning("demo chargers unavailable: %s", exc)
            self.window.statusBar().showMessage("Demo chargers are not available in this build",
                                                10_000)
            return
        url = loopback_url(self.server)
        for config in configs:
            charger = DemoCharger(url, config)
            task = asyncio.create_task(charger.run(), name=f"demo {config.charger_id}")
            task.add_done_callback(_log_demo_end)
            self.demo_chargers.append((charger, task))

    async def stop_demo(self) -> None:
        chargers, self.demo_chargers = self.demo_chargers, []
        for charger, task in chargers:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(charger.stop(), 5)
            if not task.done():
                task.cancel()
            with contextlib.suppress(BaseException):
                await task

    # ----------------------------------------------------------- automation
    def _schedule_automation(self) -> asyncio.Task | None:
        screenshot = os.environ.get(SCREENSHOT_ENV)
        quit_after = os.environ.get(QUIT_AFTER_ENV)
        if not screenshot and not quit_after:
            return None
        delay = float(quit_after) if quit_after else DEFAULT_SCREENSHOT_DELAY
        return asyncio.create_task(self._screenshot_then_quit(screenshot, delay))

    async def _screenshot_then_quit(self, path: str | None, delay: float) -> None:
        await asyncio.sleep(delay)
        assert self.window is not None
        if path:
            self._prepare_screenshot()
            await asyncio.sleep(0.3)  # let the selection paint
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            if not self.window.grab().save(path):
                log.error("could not save screenshot to %s", path)
            else:
                log.info("screenshot saved to %s", path)
        self.window.close()

    def _prepare_screenshot(self) -> None:
        """Show a message in full, as a user would after clicking one."""
        window = self.window
        assert window is not None
        if window.table.currentIndex().isValid():
            return
        records = window.visible_records()
        for row, record in enumerate(records):
            if getattr(record, "action", None) == "BootNotification" and \
                    getattr(record, "message_type", None) == 2:
                window.select_row(row)
                window.table.scrollToBottom()
                return

    # ------------------------------------------------------------- shutdown
    async def shutdown(self) -> None:
        if self.window is not None:
            self.window.detach()
        await self.stop_demo()
        if self.server is not None:
            try:
                await asyncio.wait_for(self.server.stop(), 5)
            except (TimeoutError, OSError) as exc:
                log.warning("server did not stop cleanly: %s", exc)
            self.server = None
        if self.store is not None:
            self.store.close()
            self.store = None


def _log_demo_end(task: asyncio.Task) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("demo charger %s stopped: %s", task.get_name(), task.exception())


async def _error_box(title: str, text: str) -> None:
    box = QMessageBox(QMessageBox.Icon.Critical, title, text)
    done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    box.finished.connect(lambda _r: done.done() or done.set_result(None))
    box.open()
    await done


def _readable_fonts(app: QApplication) -> None:
    font = app.font()
    if 0 < font.pointSizeF() < MIN_POINT_SIZE:
        font.setPointSizeF(MIN_POINT_SIZE)
        app.setFont(font)


def run_gui(settings: AppSettings, demo: bool = False) -> int:
    """Run the desktop app until its window is closed; returns the exit status."""
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("OCPP Studio")
    app.setApplicationDisplayName("OCPP Studio")
    # We end the run ourselves (after a clean shutdown) when the main window closes.
    app.setQuitOnLastWindowClosed(False)
    _readable_fonts(app)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    run = StudioRun(settings, demo)
    try:
        with loop:
            return loop.run_until_complete(run.run())
    finally:
        asyncio.set_event_loop(None)
