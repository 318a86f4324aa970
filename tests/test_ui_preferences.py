"""Edit › Preferences: change what lets chargers in while the studio runs, and take a
refused charger's card up on its offer. Real Studio on 127.0.0.1, real websocket clients."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import asyncio  # noqa: E402
import base64  # noqa: E402
import contextlib  # noqa: E402
import json  # noqa: E402
import socket  # noqa: E402
import stat  # noqa: E402
from contextlib import asynccontextmanager  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import AsyncIterator  # noqa: E402

from conftest import loop, wait_until  # noqa: E402,F401
from PySide6.QtWidgets import QDialogButtonBox, QMessageBox  # noqa: E402
from websockets.asyncio.client import connect  # noqa: E402
from websockets.exceptions import InvalidStatus  # noqa: E402

from ocpp_studio.service import Studio  # noqa: E402
from ocpp_studio.settings import AppSettings, CsmsSettings  # noqa: E402
from ocpp_studio.transports.addresses import find_free_port  # noqa: E402
from ocpp_studio.ui.inspector.charger_list import refusal_offer  # noqa: E402
from ocpp_studio.ui.main_window import MainWindow  # noqa: E402
from ocpp_studio.ui.common.preferences_dialog import (  # noqa: E402
    GENERATED_PASSWORD_LENGTH, PreferencesDialog,
)

BOOT = '[2,"b1","BootNotification",{"chargePointVendor":"Acme","chargePointModel":"W1"}]'
#: chargePointModel is required: strict mode answers a CALLERROR, tolerant mode answers
BAD_BOOT = '[2,"b2","BootNotification",{"chargePointVendor":"Acme"}]'


@asynccontextmanager
async def running_window(tmp_path: Path, **csms: object) -> AsyncIterator[MainWindow]:
    settings = AppSettings(capture_path=":memory:",
                           csms=CsmsSettings(host="127.0.0.1", port=0, **csms))
    studio = Studio(settings)
    await studio.start()
    window = MainWindow(studio.central, studio.store, urls=studio.urls(),
                        capture_path="(memory)", studio=studio)
    window.settings_path = tmp_path / "settings.json"  # never the user's own
    window.show()
    try:
        yield window
    finally:
        window.close()
        window.detach()
        await studio.stop()


def url(window: MainWindow, charger_id: str) -> str:
    return f"ws://127.0.0.1:{window.studio.server.port}/ocpp/{charger_id}"


async def answer_to(address: str, frame: str, subprotocols: list[str] | None = None,
                    **kwargs: object) -> list:
    """Connect as a charger, send one frame, return the parsed answer."""
    async with connect(address, subprotocols=subprotocols, **kwargs) as ws:
        await ws.send(frame)
        return json.loads(await asyncio.wait_for(ws.recv(), 10))


async def press_ok(window: MainWindow, dialog: PreferencesDialog) -> None:
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    assert window.preferences_task is not None
    await window.preferences_task


def test_refused_no_subprotocol_card_offers_the_setting_and_ok_lets_the_charger_in(loop, tmp_path):
    async def scenario():
        async with running_window(tmp_path) as window:
            address = url(window, "CP-NOPROTO")
            async with connect(address) as ws:  # offers no subprotocol: refused with 1002
                with contextlib.suppress(Exception):
                    await ws.recv()
            await wait_until(lambda: window.chargers.card("CP-NOPROTO") is not None,
                             what="card of the refused charger")
            card = window.chargers.card("CP-NOPROTO").plain_text()
            assert "Accept chargers that offer no subprotocol…" in card
            menu = window.charger_menu("CP-NOPROTO")  # right-click on the card
            offer = menu.actions()[0]
            assert offer.text() == "Accept chargers that offer no subprotocol…"
            assert menu.defaultAction() is offer
            offer.trigger()
            dialog = window.preferences_dialog
            assert dialog is not None and dialog.isVisible()
            assert dialog.tabs.tabText(dialog.tabs.currentIndex()) == "Central system"
            assert not dialog.accept_no_subprotocol.isChecked()
            dialog.accept_no_subprotocol.setChecked(True)
            await press_ok(window, dialog)

            # no restart: the same listener now lets it in and answers it as 1.6
            answer = await answer_to(address, BOOT)
            assert answer[0] == 3 and answer[2]["status"] == "Accepted"
            await wait_until(lambda: window.chargers.offer("CP-NOPROTO") is None
                             and "Refused" not in window.chargers.card("CP-NOPROTO").plain_text(),
                             what="card no longer refused")
            saved = json.loads(window.settings_path.read_text())
            assert saved["csms"]["accept_missing_subprotocol"] is True

    loop.run_until_complete(asyncio.wait_for(scenario(), 60))


def test_wrong_password_card_offers_the_password_and_a_generated_one_works(loop, tmp_path):
    async def scenario():
        async with running_window(tmp_path, passwords={"CP-PW": "old-password-123456"}) as window:
            address = url(window, "CP-PW")
            wrong = "Basic " + base64.b64encode(b"CP-PW:wrong").decode()
            with contextlib.suppress(InvalidStatus):
                async with connect(address, subprotocols=["ocpp1.6"],
                                   additional_headers={"Authorization": wrong}):
                    pass
            await wait_until(lambda: window.chargers.card("CP-PW") is not None, what="card")
            assert "Set this charger's password…" in window.chargers.card("CP-PW").plain_text()
            offer = window.charger_menu("CP-PW").actions()[0]
            assert offer.text() == "Set this charger's password…"
            offer.trigger()
            dialog = window.preferences_dialog
            assert dialog.tabs.tabText(dialog.tabs.currentIndex()) == "Passwords"
            assert dialog.passwords.item(dialog.passwords.currentRow(), 0).text() == "CP-PW"
            dialog.generate_for_selected()
            password = dialog.values().passwords["CP-PW"]
            assert len(password) == GENERATED_PASSWORD_LENGTH and password != "old-password-123456"
            await press_ok(window, dialog)

            old = "Basic " + base64.b64encode(b"CP-PW:old-password-123456").decode()
            try:
                await answer_to(address, BOOT, ["ocpp1.6"], additional_headers={"Authorization": old})
            except InvalidStatus as exc:
                assert exc.response.status_code == 401
            else:
                raise AssertionError("the old password still got in")
            new = "Basic " + base64.b64encode(f"CP-PW:{password}".encode()).decode()
            answer = await answer_to(address, BOOT, ["ocpp1.6"],
                                     additional_headers={"Authorization": new})
            assert answer[0] == 3

            # the file holds a password: only its owner may read it
            assert stat.S_IMODE(window.settings_path.stat().st_mode) == 0o600
            assert json.loads(window.settings_path.read_text())["csms"]["passwords"] == {
                "CP-PW": password}

            # removing the only password: chargers are no longer asked for one
            dialog = window.open_preferences("password", "CP-PW")
            dialog.remove_selected()
            await press_ok(window, dialog)
            assert (await answer_to(address, BOOT, ["ocpp1.6"]))[0] == 3

    loop.run_until_complete(asyncio.wait_for(scenario(), 60))


def test_tolerant_mode_applies_to_the_next_connection(loop, tmp_path):
    async def scenario():
        async with running_window(tmp_path) as window:
            address = url(window, "CP-SLOPPY")
            assert (await answer_to(address, BAD_BOOT, ["ocpp1.6"]))[0] == 4  # CALLERROR
            dialog = window.open_preferences()
            dialog.tolerant.setChecked(True)
            await press_ok(window, dialog)
            answer = await answer_to(address, BAD_BOOT, ["ocpp1.6"])
            assert answer[0] == 3, answer
            assert json.loads(window.settings_path.read_text())["csms"]["tolerant"] is True

    loop.run_until_complete(asyncio.wait_for(scenario(), 60))


def test_port_change_restarts_the_listener_and_updates_the_address(loop, tmp_path):
    async def scenario():
        async with running_window(tmp_path) as window:
            old_port = window.studio.server.port
            new_port = find_free_port("127.0.0.1", 20000)
            dialog = window.open_preferences("port")
            dialog.port.setValue(new_port)
            await press_ok(window, dialog)
            assert window.studio.server.port == new_port
            answer = await answer_to(f"ws://127.0.0.1:{new_port}/ocpp/CP-MOVED", BOOT, ["ocpp1.6"])
            assert answer[0] == 3
            with contextlib.suppress(OSError):  # nothing listens on the old port any more
                await answer_to(f"ws://127.0.0.1:{old_port}/ocpp/CP-OLD", BOOT, ["ocpp1.6"])
                raise AssertionError("the old port still answers")
            assert any(f":{new_port}/" in u for u in window.studio.urls())
            assert json.loads(window.settings_path.read_text())["csms"]["port"] == new_port

    loop.run_until_complete(asyncio.wait_for(scenario(), 60))


def test_a_password_changed_after_a_port_change_is_the_one_the_listener_checks(loop, tmp_path):
    """The guided upgrade and the Security tab write a charger's new password into the
    central system's settings once the charger accepted it (A01.FR.03/04). After a port change
    the listener runs on a copy of the settings: it must still check that same password, not
    the one from before the change."""
    async def scenario():
        async with running_window(tmp_path, passwords={"CP-PW": "old-password-123456"}) as window:
            new_port = find_free_port("127.0.0.1", 20000)
            dialog = window.open_preferences("port")
            dialog.port.setValue(new_port)
            await press_ok(window, dialog)
            # Preferences applied again (the listener now runs on its own settings object)
            dialog = window.open_preferences()
            dialog.tolerant.setChecked(True)
            await press_ok(window, dialog)
            window.central.settings.passwords["CP-PW"] = "new-password-abcdef"  # as the upgrade does
            address = f"ws://127.0.0.1:{new_port}/ocpp/CP-PW"
            new = "Basic " + base64.b64encode(b"CP-PW:new-password-abcdef").decode()
            answer = await answer_to(address, BOOT, ["ocpp1.6"],
                                     additional_headers={"Authorization": new})
            assert answer[0] == 3
            old = "Basic " + base64.b64encode(b"CP-PW:old-password-123456").decode()
            try:
                await answer_to(address, BOOT, ["ocpp1.6"], additional_headers={"Authorization": old})
            except InvalidStatus as exc:
                assert exc.response.status_code == 401
            else:
                raise AssertionError("the old password still lets the charger in")

    loop.run_until_complete(asyncio.wait_for(scenario(), 60))


def test_a_busy_port_is_refused_and_the_old_listener_kept(loop, tmp_path):
    async def scenario():
        async with running_window(tmp_path) as window:
            old_port = window.studio.server.port
            with socket.socket() as busy:
                busy.bind(("127.0.0.1", 0))
                busy.listen()
                dialog = window.open_preferences("port")
                dialog.port.setValue(busy.getsockname()[1])
                await press_ok(window, dialog)
            assert window.studio.server.port == old_port
            assert (await answer_to(url(window, "CP-STILL"), BOOT, ["ocpp1.6"]))[0] == 3
            boxes = [box for box in window.findChildren(QMessageBox) if box.isVisible()]
            assert any("cannot be used" in box.text() for box in boxes)
            # the port that did not work is not saved either (nothing else changed)
            assert not window.settings_path.exists()

    loop.run_until_complete(asyncio.wait_for(scenario(), 60))


def test_capture_location_is_saved_for_the_next_start(loop, tmp_path):
    async def scenario():
        async with running_window(tmp_path) as window:
            dialog = window.open_preferences("capture_path")
            assert dialog.tabs.tabText(dialog.tabs.currentIndex()) == "Capture"
            dialog.capture_path.setText(str(tmp_path / "site.db"))
            await press_ok(window, dialog)
            assert AppSettings.load(window.settings_path).capture_path == str(tmp_path / "site.db")
            assert "next time OCPP Studio starts" in window.notice_label.text()

    loop.run_until_complete(asyncio.wait_for(scenario(), 60))


def test_a_charger_listed_without_a_password_cannot_be_saved(qapp):
    from ocpp_studio.ui.common.preferences_dialog import PreferenceValues
    dialog = PreferencesDialog(PreferenceValues(port=9000, tolerant=False,
                                                accept_missing_subprotocol=False))
    dialog.open_at("password", "CP-NEW")
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    assert dialog.result() != dialog.DialogCode.Accepted
    assert "CP-NEW" in dialog.problem.text()


def test_only_refusals_a_setting_can_fix_get_an_offer():
    assert refusal_offer({"http_status": 401, "reason": "Wrong password"})[1] == "password"
    assert refusal_offer({"offered": [], "subprotocol": None})[1] == "accept_missing_subprotocol"
    # a charger offering OCPP 1.5 must be changed on the charger; no setting helps
    assert refusal_offer({"offered": ["ocpp1.5"], "subprotocol": None}) is None
    assert refusal_offer({"http_status": 404, "path": "/"}) is None
