"""``ocpp-studio --self-test``: prove a build works without a person looking at it.

Runs offscreen: the Qt-free checks (``selftest.py``: version, bundled files, OCPP schemas,
JSON-schema tools), then the real app on 127.0.0.1 (a free port) with the two demo chargers, a
main window and a capture in a temporary folder; waits until both chargers booted and their
frames reached the message log, then closes everything. Prints one line per check and exits 0,
or 1 naming what failed. Writes nothing outside its temporary folder.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

from ..selftest import Check, qt_free_checks, run_check

if TYPE_CHECKING:
    from .app import StudioRun

DEMO_IDS = ("DEMO-16", "DEMO-201")
DEFAULT_TIMEOUT = 20.0
#: also write the lines to this file: a windowed Windows build has no console to print to
REPORT_ENV = "OCPP_STUDIO_SELF_TEST_REPORT"

_lines: list[str] = []


def _say(text: str) -> None:
    _lines.append(text)
    print(text, flush=True)  # print() does nothing when there is no console (sys.stdout None)


def _print(check: Check) -> None:
    _say(check.line())


def _write_report() -> None:
    path = os.environ.get(REPORT_ENV)
    if path:
        Path(path).write_text("\n".join(_lines) + "\n", encoding="utf-8")


def run_self_test(timeout: float = DEFAULT_TIMEOUT) -> int:
    """Run every check; 0 when all passed."""
    _lines.clear()
    try:
        return _run_all(timeout)
    finally:
        _write_report()


def _run_all(timeout: float) -> int:
    start = time.perf_counter()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    _say(f"OCPP Studio self-test (Python {sys.version.split()[0]}, {sys.platform}, "
         f"QT_QPA_PLATFORM={os.environ['QT_QPA_PLATFORM']})")
    checks = []
    for check in qt_free_checks():
        _print(check)
        checks.append(check)
    with tempfile.TemporaryDirectory(prefix="ocpp-studio-self-test-") as folder:
        for check in _qt_checks(Path(folder), timeout):
            _print(check)
            checks.append(check)
    failed = [c.name for c in checks if not c.ok]
    took = time.perf_counter() - start
    if failed:
        _say(f"SELF-TEST FAILED ({took:.1f} s): {', '.join(failed)}")
        return 1
    _say(f"self-test passed: {len(checks)} checks in {took:.1f} s")
    return 0


def _qt_checks(folder: Path, timeout: float) -> list[Check]:
    checks = [run_check("Qt", _qt_versions), run_check("UI modules", _import_ui)]
    if not all(c.ok for c in checks):
        return checks
    from .app import make_app
    app = make_app()
    checks.append(run_check("app icon", _icon_detail))
    checks.append(run_check("studio with demo chargers",
                            lambda: _run_studio(app, folder, timeout)))
    return checks


def _qt_versions() -> str:
    from PySide6 import __version__ as pyside_version
    from PySide6.QtCore import qVersion
    return f"PySide6 {pyside_version}, Qt {qVersion()}"


#: the pages the main window builds after its first paint (ui/common/deferred_tabs.py)
DEFERRED_TAB_MODULES = ["ocpp_studio.ui.configuration.config_editor",
                        "ocpp_studio.ui.charging_hours.offpeak_panel",
                        "ocpp_studio.ui.operations.operations_panel",
                        "ocpp_studio.ui.security.security_panel",
                        "ocpp_studio.ui.sources.serial_panel",
                        "ocpp_studio.ui.sources.proxy_panel"]


def _import_ui() -> str:
    """Every module the window needs (pyqtgraph pulls in QtOpenGL, the report QtSvg …)."""
    import importlib
    names = ["ocpp_studio.ui.app", "ocpp_studio.ui.main_window", "ocpp_studio.ui.commissioning.report_pdf",
             "ocpp_studio.ui.commissioning.commissioning_wizard", "pyqtgraph", "PySide6.QtSvg",
             # imported when first needed, not at start: the Power tab and the hidden tabs
             "ocpp_studio.ui.power.power_panel", *DEFERRED_TAB_MODULES]
    for name in names:
        importlib.import_module(name)
    return f"{len(names)} modules imported"


def _icon_detail() -> str:
    from PySide6.QtWidgets import QApplication
    icon = QApplication.windowIcon()
    if icon.isNull():
        raise RuntimeError("the app icon could not be loaded")
    sizes = sorted(s.width() for s in icon.availableSizes())
    return f"loaded, {sizes} px"


def _run_studio(app: object, folder: Path, timeout: float) -> str:
    import qasync
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    try:
        with loop:
            return loop.run_until_complete(_studio_scenario(folder, timeout))
    finally:
        asyncio.set_event_loop(None)


async def _studio_scenario(folder: Path, timeout: float) -> str:
    from ..settings import AppSettings, CsmsSettings
    from .app import StudioRun
    from .common.preferences import ViewPreferences

    class SelfTestRun(StudioRun):
        def _preferences(self) -> ViewPreferences:
            return ViewPreferences()  # never read or write the user's preferences

        async def offer_resume(self, ask: object = None) -> bool:  # type: ignore[override]
            return False

    settings = AppSettings(csms=CsmsSettings(host="127.0.0.1", port=0),
                           capture_path=str(folder / "self-test.db"))
    run = SelfTestRun(settings, demo=True)
    started = time.perf_counter()
    task = asyncio.ensure_future(run.run())
    try:
        await _wait(lambda: run.window is not None or task.done(), timeout, "the main window")
        if task.done():
            raise RuntimeError(f"the studio stopped at start (exit {task.result()})")
        window_s = time.perf_counter() - started
        await _wait(lambda: _booted(run), timeout, f"both demo chargers ({', '.join(DEMO_IDS)}) "
                    "booted")
        await _wait(lambda: _in_log(run), timeout, "frames of both chargers in the message log")
        ready_s = time.perf_counter() - started
        frames = run.store.count_frames() if run.store else 0
    finally:
        if run.window is not None:
            run.window.close()
        code = await asyncio.wait_for(task, timeout)
    if code != 0:
        raise RuntimeError(f"the studio ended with exit status {code}")
    return (f"window after {window_s:.2f} s, both chargers booted and {frames} frames captured "
            f"after {ready_s:.2f} s, closed cleanly")


def _booted(run: StudioRun) -> bool:
    central = run.central
    stations = central.stations if central is not None else {}
    return all(cid in stations and stations[cid].boot_count > 0 for cid in DEMO_IDS)


def _in_log(run: StudioRun) -> bool:
    window = run.window
    return window is not None and {r.charger for r in window.visible_records()} >= set(DEMO_IDS)


async def _wait(condition: object, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: not within {timeout:.0f} s")
        await asyncio.sleep(0.05)
