"""Help menu (log folder, About), the crash dialog, the log file and the self-test."""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtGui import QGuiApplication

from ocpp_studio import __version__, applog, resources, selftest
from ocpp_studio.capture.store import CaptureStore
from ocpp_studio.settings import CsmsSettings
from ocpp_studio.station.central import CentralSystem
from ocpp_studio.ui.crash import CrashHandler
from ocpp_studio.ui.help import about_text
from ocpp_studio.ui.main_window import MainWindow


def _raise_in_helper() -> None:
    raise ZeroDivisionError("charger said 1/0")


def _exc_info() -> tuple:
    try:
        _raise_in_helper()
    except ZeroDivisionError:
        return sys.exc_info()
    raise AssertionError("unreachable")


@pytest.fixture
def log_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "logs"
    monkeypatch.setattr(applog, "user_log_dir", lambda: folder)
    yield folder
    applog.remove_file_logging()


# ------------------------------------------------------------------- crash dialog
def test_crash_dialog_shows_the_traceback_and_copies_it(qtbot, log_dir, caplog):
    handler = CrashHandler()
    with caplog.at_level(logging.CRITICAL):
        handler(*_exc_info())
    dialog = handler.dialog
    assert dialog is not None and dialog.isVisible()
    qtbot.addWidget(dialog)
    details = dialog.details.toPlainText()
    assert "ZeroDivisionError: charger said 1/0" in details
    assert "_raise_in_helper" in details and f"OCPP Studio {__version__}" in details
    assert "unexpected error" in caplog.text  # logged too (to the log file in the app)
    dialog.copy_button.click()
    assert QGuiApplication.clipboard().text() == details
    assert dialog.copy_button.text() == "Copied"
    # a second error while it is open goes into the same dialog
    handler(*_exc_info())
    assert handler.dialog is dialog
    assert dialog.details.toPlainText().count("ZeroDivisionError: charger said 1/0") == 2
    handler.uninstall()
    assert handler.dialog is None


def test_crash_handler_catches_an_exception_in_a_slot_and_the_app_carries_on(qtbot, log_dir):
    handler = CrashHandler().install()
    try:
        assert sys.excepthook is handler
        QTimer.singleShot(0, _raise_in_helper)
        qtbot.waitUntil(lambda: handler.dialog is not None, timeout=5000)
        assert "charger said 1/0" in handler.dialog.details.toPlainText()
        ran: list[bool] = []
        QTimer.singleShot(0, lambda: ran.append(True))  # the event loop still works
        qtbot.waitUntil(lambda: ran == [True], timeout=5000)
    finally:
        handler.uninstall()
    assert sys.excepthook is not handler


# ------------------------------------------------------------------- Help menu
def test_about_text_names_version_and_every_path(log_dir, tmp_path):
    text = about_text(tmp_path / "capture.db")
    assert f"OCPP Studio {__version__}" in text
    assert str(log_dir / "ocpp-studio.log") in text
    assert str(tmp_path / "capture.db") in text
    assert "Python 3." in text and "Qt 6." in text and "Settings folder:" in text


def test_main_window_help_menu_opens_about_with_the_log_path(qtbot, log_dir, monkeypatch):
    opened: list[str] = []
    monkeypatch.setattr("ocpp_studio.ui.help.QDesktopServices.openUrl",
                        lambda url: opened.append(url.toLocalFile()) or True)
    store = CaptureStore(":memory:")
    window = MainWindow(CentralSystem(store, CsmsSettings(host="127.0.0.1", port=0)), store,
                        urls=[], capture_path="(memory)")
    qtbot.addWidget(window)
    menus = [a.text() for a in window.menuBar().actions()]
    assert menus[-1] == "&Help"
    window.about_action.trigger()
    boxes = [w for w in QGuiApplication.topLevelWindows() if w.isVisible()]
    from PySide6.QtWidgets import QApplication, QMessageBox
    box = next(w for w in QApplication.topLevelWidgets()
               if isinstance(w, QMessageBox) and w.isVisible())
    assert boxes and str(log_dir / "ocpp-studio.log") in box.text()
    box.close()
    window.open_log_action.trigger()
    assert opened == [str(log_dir)] and log_dir.is_dir()
    window.detach()
    store.close()


# ------------------------------------------------------------------- log file
def test_file_logging_writes_to_the_user_log_dir_and_keeps_the_console_quiet(log_dir):
    root = logging.getLogger()
    console = logging.StreamHandler()
    root.addHandler(console)
    level = root.level
    root.setLevel(logging.WARNING)
    try:
        path = applog.setup_file_logging()
        assert path == log_dir / "ocpp-studio.log"
        assert applog.setup_file_logging() == path  # idempotent: one handler
        logging.getLogger("ocpp_studio.test").info("charger CP001 booted")
        assert console.level == logging.WARNING  # the console shows what it showed before
        applog.remove_file_logging()
        assert root.level == logging.WARNING and console.level == logging.NOTSET
        text = path.read_text(encoding="utf-8")
        assert f"OCPP Studio {__version__}" in text and "charger CP001 booted" in text
    finally:
        root.removeHandler(console)
        root.setLevel(level)


# ------------------------------------------------------------------- self-test
def test_qt_free_self_test_checks_pass_from_source():
    checks = selftest.qt_free_checks()
    assert [c.name for c in checks if not c.ok] == [], [c.line() for c in checks]


def test_self_test_names_the_files_missing_from_a_bundle(tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert resources.resource_path("icons/x.png") == tmp_path / "resources" / "icons" / "x.png"
    failed = {c.name: c.detail for c in selftest.qt_free_checks() if not c.ok}
    assert "icons/ocpp-studio.png" in failed["bundled files"]
    assert "capture-line.schema.json" in failed["JSON schema tools"]


def test_self_test_command_runs_the_app_with_demo_chargers(tmp_path):
    exe = Path(sys.executable).with_name("ocpp-studio")
    result = subprocess.run([str(exe), "--self-test"], capture_output=True, text=True,
                            timeout=90, cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "studio with demo chargers" in result.stdout and "self-test passed" in result.stdout
    assert list(tmp_path.iterdir()) == []  # nothing written where it was started


def test_long_running_cli_command_logs_to_the_file_and_leaves_logging_as_it_was(log_dir,
                                                                                 tmp_path):
    from ocpp_studio.cli import main
    root = logging.getLogger()
    before = (root.level, list(root.handlers), [h.level for h in root.handlers])
    assert main(["proxy", "--listen", "0", "--capture", str(tmp_path / "p.db"),
                 "--upstream", "http://not-a-websocket.example"]) == 2
    assert (root.level, list(root.handlers), [h.level for h in root.handlers]) == before
    assert f"OCPP Studio {__version__}" in (log_dir / "ocpp-studio.log").read_text()
