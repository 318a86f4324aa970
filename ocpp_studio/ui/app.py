"""Start the desktop app: Qt + qasync, the capture store, the local CSMS, the main window.

Hidden options for docs and CI (screenshots, a timed quit): see ``screenshots.py``.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from pathlib import Path
from typing import Any, Awaitable, Callable

# The studio (no Qt) before PySide6: once imported, PySide6 reads the source of every module
# imported after it (shibokensupport feature_imported -> inspect.getsource, looking for
# "PySide6"), a tenth of the start; modules imported before it are not read (issue 17).
from ..applog import remove_file_logging, setup_file_logging
from ..capture.lock import CaptureInUse
from ..capture.store import CaptureStore
from ..gc_pacing import StartPause, pace_collections
from ..resources import APP_ICON_PNG, APP_ICON_PNG_256, resource_path
from ..service import Studio
from ..settings import AppSettings, user_config_dir
from ..station.central import CentralSystem
from ..transports.addresses import find_free_port, is_address_in_use
from ..transports.websocket_server import CsmsServer
# ...and what only the window's widgets import: numpy's ~85 modules (the message list's
# capture/query.py), the operations catalogue, pyserial (Serial console tab)
from ..capture import query as _query  # noqa: F401
from ..station import operations as _operations  # noqa: F401
from ..transports import serial_port as _serial_port  # noqa: F401

# PySide6 before qasync: qasync then takes it from sys.modules instead of first trying to
# import PyQt5, PyQt6 and PySide2 (failed imports walk the whole path: a slower start)
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox, QWidget
import qasync  # noqa: I001 - after PySide6, see above

from .common.operations import AsyncOp
from .crash import CrashHandler
from .main_window import MainWindow
from .screenshots import (  # noqa: F401 - the environment's names, as tests know them
    QUIT_AFTER_ENV, SCREENSHOT_ENV, automated, schedule_automation,
)
from .common.preferences import ViewPreferences

log = logging.getLogger(__name__)

MIN_POINT_SIZE = 10
#: the demo chargers start after the first paint, or after this long without one
FIRST_PAINT_FALLBACK_MS = 2000

#: ask(busy_port, free_port) -> use the free port?
AskOtherPort = Callable[[int, int], Awaitable[bool]]


# ------------------------------------------------------------------ helpers
def port_in_use_text(port: int, alternative: int) -> str:
    return (f"Port {port} is already in use — is another OCPP Studio or CSMS running?\n\n"
            f"OCPP Studio can listen on port {alternative} instead; chargers must then be "
            f"pointed at that port. Or quit, close the other program and start again.\n\n"
            f"To use another port every time, choose it in the settings (csms.port in "
            f"settings.json) or start OCPP Studio with --port.")


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


class _FirstPaint(QObject):
    """Calls ``callback`` once, from the event loop, after ``widget`` was first painted."""

    def __init__(self, widget: QWidget, callback: Callable[[], None]) -> None:
        super().__init__(widget)
        self.widget, self.callback = widget, callback
        self.done = False
        widget.installEventFilter(self)
        # a window that is never painted (minimised at start...) still gets its callback
        QTimer.singleShot(FIRST_PAINT_FALLBACK_MS, self, self.fire)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if watched is self.widget and event.type() == QEvent.Type.Paint and not self.done:
            QTimer.singleShot(0, self, self.fire)  # after this paint is on screen
        return False

    def fire(self) -> None:
        if not self.done:
            self.done = True
            self.widget.removeEventFilter(self)
            self.callback()


def after_first_paint(widget: QWidget, callback: Callable[[], None]) -> None:
    """Run ``callback`` once ``widget`` (just shown) has been painted: work that is not
    needed for the first picture (the demo chargers) must not delay it (issue 17)."""
    _FirstPaint(widget, callback)


# ------------------------------------------------------------------ the app
class StudioRun:
    """One run of the GUI: the Studio behind the window, and the window."""

    def __init__(self, settings: AppSettings, demo: bool = False,
                 open_path: str | None = None, start_pause: StartPause | None = None) -> None:
        self.settings = settings
        self.demo = demo
        self.open_path = open_path
        #: automatic garbage collections held off since the start (cli), until the first paint
        self.start_pause = start_pause
        #: the window's paced full collections (gc_pacing.py), from its first paint on
        self.gc_pacing: asyncio.Task[None] | None = None
        self.studio: Studio | None = None
        self.window: MainWindow | None = None
        #: the offer to resume an unfinished commissioning, once the window is up
        self.resume_op: AsyncOp[bool] | None = None

    @property
    def server(self) -> CsmsServer | None:
        return self.studio.server if self.studio else None

    @property
    def store(self) -> CaptureStore | None:
        return self.studio.store if self.studio else None

    @property
    def central(self) -> CentralSystem | None:
        return self.studio.central if self.studio else None

    async def _open_studio(self) -> bool:
        """Studio on the capture file; one another studio holds: offer another file."""
        while True:
            try:
                self.studio = Studio(self.settings)
                self.studio.passwords_file = window_passwords_file()
                return True
            except CaptureInUse as exc:
                other = await choose_other_capture(str(exc))
                if other is None:
                    return False
                self.settings.capture_path = other  # this run only: settings are not saved

    async def run(self) -> int:
        capture_path = self.settings.resolved_capture_path()
        try:
            if not await self._open_studio():
                return 1
            capture_path = self.settings.resolved_capture_path()
        except Exception as exc:  # noqa: BLE001 - sqlite3/OSError: tell the user, do not crash
            await _error_box("OCPP Studio — cannot open the capture file",
                             f"The capture file {capture_path} cannot be opened:\n{exc}\n\n"
                             "Choose another capture file in the settings.")
            return 1
        try:
            return await self._run_studio(capture_path)
        finally:
            await self.shutdown()

    async def _start(self, ask: AskOtherPort) -> bool:
        """Listen for chargers; if the port is taken, offer a free one."""
        assert self.studio is not None
        csms = self.settings.csms
        try:
            await self.studio.start()
            return True
        except OSError as exc:
            if not is_address_in_use(exc):
                raise
        alternative = find_free_port(csms.host, csms.port)
        if not await ask(csms.port, alternative):
            return False
        await self.studio.start(port=alternative)
        return True

    async def _run_studio(self, capture_path: Path) -> int:
        assert self.studio is not None
        try:
            started = await self._start(ask_other_port_dialog)
        except OSError as exc:
            await _error_box("OCPP Studio — cannot listen for chargers",
                             f"The central system cannot listen on "
                             f"{self.settings.csms.host}:{self.settings.csms.port}:\n{exc}")
            return 1
        if not started:
            return 1
        # In the terminal (scripts/launch) before the window opens: what to type into a charger.
        # A windowed build (pythonw, PyInstaller) has no stdout.
        if sys.stdout is not None:
            for url in self.studio.urls():
                print(f"Chargers connect to {url}/<chargerId>", flush=True)
            print(f"Capture: {capture_path}", flush=True)
        self.window = MainWindow(self.studio.central, self.studio.store, urls=self.studio.urls(),
                                 capture_path=capture_path, preferences=self._preferences(),
                                 metering=self.studio.metering,
                                 one_second=self.studio.one_second,
                                 configuration=self.studio.configuration,
                                 smart_charging=self.studio.smart_charging,
                                 commissioning=self.studio.commissioning,
                                 studio=self.studio)
        closed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.window.closed.connect(lambda: closed.done() or closed.set_result(None))
        self.window.show()
        if self.studio.api is not None:
            self.window.notify(f"Control API on http://127.0.0.1:{self.studio.api.port}/api/v1 "
                               f"(token in {self.studio.api_token_file})", 30_000)
        after_first_paint(self.window, self._after_first_paint)
        if self.open_path:
            await self.window.open_capture(self.open_path)
        automation = self._schedule_automation()
        if automation is None:
            self.resume_op = AsyncOp(self.window, self.offer_resume,
                                     failure_title="Cannot offer to resume the commissioning"
                                     ).run()
        try:
            await closed
        finally:
            if automation is not None:
                automation.cancel()
        return 0

    async def offer_resume(self, ask: Callable[[str], Awaitable[bool]] | None = None) -> bool:
        """A commissioning run was left unfinished (the app closed mid-way): offer to resume."""
        assert self.window is not None
        from ..commissioning.state_files import saved_states
        paths = saved_states(self.window.live_capture_path)
        if not paths:  # the usual start: the engine and its steps are not needed
            return False
        try:
            from ..commissioning.engine import CommissioningRun
        except ImportError:
            return False
        for path in paths:
            pending = CommissioningRun.pending_state(path)
            if pending:
                break
        else:
            return False
        text = (f"The commissioning of charger {pending.get('charger_id')} was not finished "
                f"({pending.get('done')} of {pending.get('total')} steps done).\n\n"
                "Continue where you left off?")
        if not await (ask or _ask_resume_dialog)(text):
            return False
        try:
            run = CommissioningRun.resume(self.studio, path)
        except Exception as exc:  # noqa: BLE001 - a damaged state file: say so, carry on
            log.warning("cannot resume commissioning from %s: %s", path, exc)
            self.window.notify(f"Could not resume the commissioning: {exc}", 15_000)
            return False
        self.window.open_commissioning(run=run, resume=True)
        return True

    def _preferences(self) -> ViewPreferences:
        # Screenshots and tests must not touch (or depend on) the user's real preferences.
        if automated():
            return ViewPreferences()
        return ViewPreferences.load()

    def _after_first_paint(self) -> None:
        """The window is on screen: what did not have to delay it."""
        window = self.window
        is_open = window is not None and window.isVisible()
        if window is not None and is_open:  # before a tab switch or a charger needs them,
            window.deferred_tabs.build_all()  # and frozen out of collections with the rest
        if self.start_pause is not None:
            self.start_pause.started()  # the start's objects frozen, collections back on
        if not is_open:
            return  # closed before its first paint: shutdown has run or is running
        if self.gc_pacing is None:
            self.gc_pacing = asyncio.create_task(pace_collections(), name="gc pacing")
        if self.demo:  # the demo's start would delay the first paint
            self.start_demo()

    # ---------------------------------------------------------------- demo
    def start_demo(self) -> None:
        assert self.studio is not None and self.window is not None
        try:
            self.studio.start_demo_chargers()
        except ImportError as exc:
            log.warning("demo chargers unavailable: %s", exc)
            self.window.notify("Demo chargers are not available in this build", 10_000)

    @property
    def demo_chargers(self) -> list[tuple[Any, asyncio.Task]]:
        return self.studio.demo_chargers if self.studio else []

    async def stop_demo(self) -> None:
        if self.studio is not None:
            await self.studio.stop_demo_chargers()

    # ----------------------------------------------------------- automation
    def _schedule_automation(self) -> AsyncOp[None] | None:
        return schedule_automation(self)

    # ------------------------------------------------------------- shutdown
    async def shutdown(self) -> None:
        if self.window is not None:
            self.window.detach()
        if self.studio is not None:
            await self.studio.stop()
        if self.gc_pacing is not None:
            self.gc_pacing.cancel()  # unfreezes: the collector as it was
            await asyncio.gather(self.gc_pacing, return_exceptions=True)


async def _ask_resume_dialog(text: str) -> bool:
    box = QMessageBox(QMessageBox.Icon.Question, "OCPP Studio — unfinished commissioning", text)
    resume = box.addButton("Resume", QMessageBox.ButtonRole.AcceptRole)
    box.addButton("Not now", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(resume)
    answer: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
    box.finished.connect(lambda _r: answer.done() or answer.set_result(box.clickedButton() is resume))
    box.open()
    try:
        return await answer
    finally:
        box.deleteLater()


async def choose_other_capture(message: str) -> str | None:
    """The capture is in use by another studio: open another file, or quit (None)."""
    box = QMessageBox(QMessageBox.Icon.Warning, "OCPP Studio — capture file in use", message)
    other = box.addButton("Open another capture file…", QMessageBox.ButtonRole.AcceptRole)
    box.addButton("Quit", QMessageBox.ButtonRole.RejectRole)
    done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    box.finished.connect(lambda _r: done.done() or done.set_result(None))
    box.open()
    await done
    if box.clickedButton() is not other:
        return None
    dialog = QFileDialog(None, "Capture file for this studio", "",
                         "Capture database (*.db);;All files (*)")
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    dialog.setOption(QFileDialog.Option.DontConfirmOverwrite)  # an existing capture is fine
    chosen: asyncio.Future[str | None] = asyncio.get_running_loop().create_future()
    dialog.fileSelected.connect(lambda path: chosen.done() or chosen.set_result(path))
    dialog.rejected.connect(lambda: chosen.done() or chosen.set_result(None))
    dialog.open()
    return await chosen


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


def app_icon() -> QIcon:
    """The window icon (resources/icons, drawn by packaging/make_icons.py)."""
    icon = QIcon()
    for name in (APP_ICON_PNG, APP_ICON_PNG_256):
        path = resource_path(name)
        if path.is_file():
            icon.addFile(str(path))
    return icon


def make_app() -> QApplication:
    """The QApplication as the app (and its self-test) uses it: name, icon, fonts."""
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("OCPP Studio")
    app.setApplicationDisplayName("OCPP Studio")
    app.setWindowIcon(app_icon())
    # We end the run ourselves (after a clean shutdown) when the main window closes.
    app.setQuitOnLastWindowClosed(False)
    _readable_fonts(app)
    return app


def window_passwords_file() -> Path | None:
    """Where a charger password the studio changed (wizard, control API; the charger accepted
    it, A01.FR.03) is saved so the next start still lets the charger in: the user's
    settings.json, which the window loads at start. None in a screenshot or test run, which
    must not touch the user's settings."""
    return None if automated() else user_config_dir() / "settings.json"


def run_gui(settings: AppSettings, demo: bool = False, open_path: str | None = None,
            start_pause: StartPause | None = None) -> int:
    """Run the desktop app until its window is closed; returns the exit status.
    ``start_pause``: automatic garbage collections held off since the program started (the
    command line pauses them before importing the window), resumed after the first paint."""
    app = make_app()
    crash = None
    if not automated():
        setup_file_logging()
        crash = CrashHandler().install()
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    run = StudioRun(settings, demo, open_path, start_pause)
    try:
        with loop:
            return loop.run_until_complete(run.run())
    finally:
        if start_pause is not None:
            start_pause.started()  # a start that ended before the window was painted
        asyncio.set_event_loop(None)
        if crash is not None:
            crash.uninstall()
            remove_file_logging()
