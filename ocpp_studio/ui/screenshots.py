"""Screenshots and timed quits for docs and CI, asked for through the environment.

Environment variables (hidden options, not for users):

``OCPP_STUDIO_SCREENSHOT=path.png``
    save a picture of the main window after ``OCPP_STUDIO_QUIT_AFTER`` seconds
    (default 8), then close the app.
``OCPP_STUDIO_QUIT_AFTER=seconds``
    close the app after this many seconds (with or without a screenshot).
``OCPP_STUDIO_SCREENSHOT_TAB=power``
    show the Power tab (the first charger with readings) before taking the screenshot;
    ``configuration`` (or ``configuration:CHARGER``) reads the configuration of the first
    connected charger (or CHARGER) and shows the Configuration tab; ``offpeak`` (or
    ``offpeak:CHARGER``) shows the Charging hours tab of the first connected charger and
    reads its status; ``offpeak-edit`` opens the hours editor; ``offpeak-verify`` also
    applies the default hours, checks them and scrolls to the check; ``wizard`` (or
    ``wizard:CHARGER``) opens the commissioning wizard on its Connect step and pictures
    the wizard. ``operations`` (or ``operations:CHARGER``) sends a soft reset from the
    Operations tab of the first connected charger and shows its answer and linked frames;
    ``operations-logs`` fetches its diagnostics log and attaches it to the report,
    ``operations-firmware`` updates it with a small 2.1.0.bin (both wait for the end).
    ``security`` (or ``security:CHARGER``) shows the Security tab of the first connected
    charger after moving it to security profile 3 with the guided upgrade (the studio needs
    a ``wss_port`` and client certificates ``optional``) and reading its certificates.

e.g. ``OCPP_STUDIO_SCREENSHOT=resources/screenshot-main-window.png xvfb-run -s "-screen 0
1400x900x24" python -c "from ocpp_studio.ui.app import run_gui; from ocpp_studio.settings import
AppSettings; run_gui(AppSettings(capture_path='/tmp/shot.db'), demo=True)"``
"""

from __future__ import annotations

import asyncio
import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QWidget

from .common.operations import AsyncOp

if TYPE_CHECKING:
    from .app import StudioRun

log = logging.getLogger(__name__)

SCREENSHOT_ENV = "OCPP_STUDIO_SCREENSHOT"
QUIT_AFTER_ENV = "OCPP_STUDIO_QUIT_AFTER"
SCREENSHOT_TAB_ENV = "OCPP_STUDIO_SCREENSHOT_TAB"
DEFAULT_SCREENSHOT_DELAY = 8.0


def automated() -> bool:
    """A screenshot or test run (OCPP_STUDIO_SCREENSHOT / _QUIT_AFTER): it must not touch the
    user's preferences or log file, and exceptions go to the test's own hook."""
    return bool(os.environ.get(SCREENSHOT_ENV) or os.environ.get(QUIT_AFTER_ENV))


def schedule_automation(run: StudioRun) -> AsyncOp[None] | None:
    """The screenshot and/or quit the environment asks for, as an operation (None: none)."""
    screenshot = os.environ.get(SCREENSHOT_ENV)
    quit_after = os.environ.get(QUIT_AFTER_ENV)
    if not screenshot and not quit_after:
        return None
    delay = float(quit_after) if quit_after else DEFAULT_SCREENSHOT_DELAY
    assert run.window is not None

    def failed(exc: BaseException) -> None:  # unattended (docs, CI): log it and end
        log.error("screenshot automation failed", exc_info=exc)
        if run.window is not None:
            run.window.close()
    return AsyncOp(run.window, lambda: _screenshot_then_quit(run, screenshot, delay),
                   on_failure=failed).run()


async def _screenshot_then_quit(run: StudioRun, path: str | None, delay: float) -> None:
    await asyncio.sleep(delay)
    assert run.window is not None
    if path:
        _prepare_screenshot(run)
        await _prepare_configuration_screenshot(run)
        await _prepare_offpeak_screenshot(run)
        await _prepare_operations_screenshot(run)
        await _prepare_security_screenshot(run)
        target = _prepare_wizard_screenshot(run) or run.window
        await asyncio.sleep(0.3)  # let the selection paint
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        if not target.grab().save(path):
            log.error("could not save screenshot to %s", path)
        else:
            log.info("screenshot saved to %s", path)
    run.window.close()


def _prepare_screenshot(run: StudioRun) -> None:
    """Show a message in full, as a user would after clicking one."""
    window = run.window
    assert window is not None
    if os.environ.get(SCREENSHOT_TAB_ENV, "").lower() == "power":
        window.tabs.setCurrentWidget(window.power_tab)
        window.power_panel.set_window("1 min")
        return
    if window.table.currentIndex().isValid():
        return
    for row in range(min(window.model.rowCount(), 500)):
        record = window.model.record_at(row)
        if record is not None and record.action == "BootNotification" \
                and record.message_type == 2:
            window.select_row(row)
            return


def _prepare_wizard_screenshot(run: StudioRun) -> QWidget | None:
    """For OCPP_STUDIO_SCREENSHOT_TAB=wizard[:CHARGER]: open the commissioning wizard
    (on its Connect page) and picture it instead of the main window."""
    choice = os.environ.get(SCREENSHOT_TAB_ENV, "")
    if not choice.lower().startswith("wizard"):
        return None
    assert run.window is not None
    wizard = run.window.open_commissioning(choice.partition(":")[2] or None)
    if wizard is None:
        return None
    wizard.next()  # from the installer details to the Connect step
    return wizard


async def _prepare_configuration_screenshot(run: StudioRun) -> None:
    """For OCPP_STUDIO_SCREENSHOT_TAB=configuration[:CHARGER]: read, then show the tab."""
    choice = os.environ.get(SCREENSHOT_TAB_ENV, "")
    if not choice.lower().startswith("configuration"):
        return
    window = run.window
    assert window is not None and run.central is not None
    charger = _chosen_charger(run, choice)
    window.tabs.setCurrentWidget(window.config_editor)
    if charger is None:
        return
    window.chargers.select_charger(charger)
    window.config_editor.set_charger(charger)
    await _finish_for_screenshot(window.config_editor.read(), 15, "configuration read")


async def _prepare_offpeak_screenshot(run: StudioRun) -> None:
    """For OCPP_STUDIO_SCREENSHOT_TAB=offpeak[-verify][:CHARGER]: show the Charging hours
    tab; with -verify, install the default hours and check them first."""
    choice = os.environ.get(SCREENSHOT_TAB_ENV, "")
    if not choice.lower().startswith("offpeak"):
        return
    window = run.window
    assert window is not None and run.central is not None
    kind = choice.partition(":")[0]
    charger = _chosen_charger(run, choice)
    panel = window.offpeak_panel
    window.tabs.setCurrentWidget(panel)
    if charger is None:
        return
    window.chargers.select_charger(charger)
    panel.set_charger(charger)
    steps = [lambda: panel.last_op]
    if kind.lower().endswith("-verify"):
        steps += [panel.install_default_hours, lambda: panel.last_op, panel.verify]
    for step in steps:
        for _ in range(100):  # wait for the previous operation (e.g. the status read)
            if not panel._busy:
                break
            await asyncio.sleep(0.1)
        await _finish_for_screenshot(step(), 20, "off-peak step")
    if kind.lower().endswith("-verify"):
        panel.scroll_to(panel.verify_timeline)
    elif kind.lower().endswith("-edit"):
        panel.choose_own_hours()
        panel.timeline.paint_cells(5, 0, 6, 13, False)  # e.g. no charging weekend nights


async def _prepare_operations_screenshot(run: StudioRun) -> None:
    """For OCPP_STUDIO_SCREENSHOT_TAB=operations[:CHARGER]: a real answer in the tab (a soft
    reset, whose reboot is linked from the result)."""
    choice = os.environ.get(SCREENSHOT_TAB_ENV, "")
    kind = choice.partition(":")[0].lower()
    if kind not in ("operations", "operations-logs", "operations-firmware"):
        return
    window = run.window
    assert window is not None and run.central is not None
    charger = _chosen_charger(run, choice)
    if charger is None:
        window.tabs.setCurrentWidget(window.operations_panel)
        return
    if kind != "operations":
        await _prepare_transfer_screenshot(run, charger, kind.partition("-")[2])
        return
    await _finish_for_screenshot(window.run_operation(charger, "reset", {"hard": False}), 60,
                                 "reset")


async def _prepare_transfer_screenshot(run: StudioRun, charger: str, page: str) -> None:
    """``operations-logs``: fetch the charger's diagnostics log over FTP and attach it to its
    report; ``operations-firmware``: update it with a small image named 2.1.0.bin (the demo
    reboots with that version). Both wait for the end, as the user would."""
    import tempfile
    window = run.window
    assert window is not None
    panel = window.open_operations(charger)
    view = panel.logs if page == "logs" else panel.firmware
    if view is None:
        return
    panel.show_page(page)
    if page == "logs":
        op = view.fetch()
    else:
        image = Path(tempfile.mkdtemp(prefix="ocpp-studio-shot-")) / "2.1.0.bin"
        image.write_bytes(b"demo firmware image\n" * 4096)
        view.file.edit.setText(str(image))
        view.expected.setText("2.1.0")
        op = view.update_firmware()
    try:
        if op is not None and op.task is not None:
            await asyncio.wait_for(asyncio.shield(op.task), 60)
        for _ in range(900):  # the upload, or the download, install and reboot
            shown = view.progress.progress
            if shown is not None and shown.finished:
                break
            await asyncio.sleep(0.2)
    except Exception as exc:  # noqa: BLE001 - a screenshot of the failure is fine too
        log.warning("%s for the screenshot failed: %s", page, exc)
    if page == "logs" and view.files.count():
        view.attach(view.files.item(0))


async def _prepare_security_screenshot(run: StudioRun) -> None:
    """For OCPP_STUDIO_SCREENSHOT_TAB=security[:CHARGER]: the Security tab of a charger moved
    to profile 3 by the guided upgrade (its Switch confirmed), its certificates read."""
    choice = os.environ.get(SCREENSHOT_TAB_ENV, "")
    if not choice.lower().startswith("security"):
        return
    window = run.window
    assert window is not None and run.central is not None
    charger = _chosen_charger(run, choice)
    panel = window.security_panel
    window.tabs.setCurrentWidget(panel)
    if charger is None:
        return
    window.chargers.select_charger(charger)
    panel.set_charger(charger)
    if panel.connection.upgrade_3.isEnabled():
        dialog = panel.open_upgrade(3)

        async def yes(_warning: str = "") -> bool:
            return True
        dialog.confirm_switch = yes  # type: ignore[method-assign]
        await _finish_for_screenshot(dialog.start(), 90, "security upgrade")
        dialog.close()
    await asyncio.sleep(1)  # the card and the tab catch up with the reconnection
    await _finish_for_screenshot(panel.certificates.refresh(), 20, "certificate list")
    window.chargers.select_charger(charger)
    panel.refresh()


def _chosen_charger(run: StudioRun, choice: str) -> str | None:
    """The charger named in the screenshot tab (``tab:CHARGER``) when the studio knows it,
    else the first connected one (None: none is)."""
    assert run.central is not None
    wanted = choice.partition(":")[2] or None
    chargers = [cid for cid, station in sorted(run.central.stations.items())
                if station.connected]
    return wanted if wanted in run.central.stations else (chargers[0] if chargers else None)


async def _finish_for_screenshot(op: AsyncOp | None, timeout: float, what: str) -> None:
    if op is None or op.task is None:
        return
    try:
        await asyncio.wait_for(asyncio.shield(op.task), timeout)
    except Exception as exc:  # noqa: BLE001 - a screenshot of the failure is fine too
        log.warning("%s for the screenshot failed: %s", what, exc)
