"""Edit › Preferences › Security (issue 15 §1): turning wss:// on restarts the listener with TLS
from the studio CA, the exported CA is what a charger must trust, bad certificate files are
refused before anything stops, and each charger's password can be generated. Real Studio on
127.0.0.1, real TLS clients."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import asyncio  # noqa: E402
import json  # noqa: E402
import ssl  # noqa: E402
from contextlib import asynccontextmanager  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import AsyncIterator  # noqa: E402

from conftest import loop, wait_until  # noqa: E402,F401
from PySide6.QtWidgets import QDialogButtonBox, QMessageBox, QPushButton  # noqa: E402
from websockets.asyncio.client import connect  # noqa: E402

from ocpp_studio.security.passwords import MAX_LENGTH, MIN_LENGTH  # noqa: E402
from ocpp_studio.service import Studio  # noqa: E402
from ocpp_studio.settings import AppSettings, CsmsSettings  # noqa: E402
from ocpp_studio.ui.common.preferences_dialog import PreferencesDialog  # noqa: E402
from ocpp_studio.ui.main_window import MainWindow  # noqa: E402

BOOT = '[2,"b1","BootNotification",{"chargePointVendor":"Acme","chargePointModel":"W1"}]'


@asynccontextmanager
async def running_window(tmp_path: Path, **csms: object) -> AsyncIterator[MainWindow]:
    settings = AppSettings(capture_path=":memory:",
                           csms=CsmsSettings(host="127.0.0.1", port=0,
                                             ca_dir=str(tmp_path / "ca"), **csms))
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


async def press_ok(window: MainWindow, dialog: PreferencesDialog) -> None:
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    assert window.preferences_task is not None
    await window.preferences_task


async def boot_over_wss(port: int, charger_id: str, ca_file: Path) -> list:
    context = ssl.create_default_context(cafile=str(ca_file))
    async with connect(f"wss://127.0.0.1:{port}/ocpp/{charger_id}", ssl=context,
                       subprotocols=["ocpp1.6"]) as ws:
        await ws.send(BOOT)
        return json.loads(await asyncio.wait_for(ws.recv(), 10))


def test_turning_wss_on_restarts_the_listener_with_the_exported_studio_ca(loop, tmp_path):
    async def scenario():
        async with running_window(tmp_path) as window:
            assert window.studio.server.wss_port is None
            dialog = window.open_preferences()
            dialog.tabs.setCurrentWidget(dialog.security)
            tab = dialog.security
            assert tab.use_studio_ca.isChecked() and not tab.wss_port.isEnabled()
            tab.wss_enabled.setChecked(True)
            tab.wss_port.setValue(0)  # any free port (tests never pick one)
            assert "created in" in tab.ca_note.text()  # not made just by looking
            assert not (tmp_path / "ca" / "ca.pem").exists()
            ca_file = tab.export_ca(tmp_path / "studio-ca.pem")
            assert "SHA-256 fingerprint" in tab.ca_note.text()
            assert "BEGIN CERTIFICATE" in ca_file.read_text()
            assert "PRIVATE KEY" not in ca_file.read_text()
            await press_ok(window, dialog)

            port = window.studio.server.wss_port
            assert port is not None
            answer = await boot_over_wss(port, "CP-TLS", ca_file)
            assert answer[0] == 3 and answer[2]["status"] == "Accepted"
            assert any(u.startswith("wss://") for u in window.studio.urls())
            saved = json.loads(window.settings_path.read_text())["csms"]
            assert saved["wss_port"] == 0 and saved["client_certificates"] == "off"
            # the ws:// port stays where it was and is not written
            assert "port" not in saved or saved["port"] == AppSettings().csms.port

            # and off again: the listener restarts without wss://
            dialog = window.open_preferences()
            dialog.security.wss_enabled.setChecked(False)
            await press_ok(window, dialog)
            assert window.studio.server.wss_port is None
            assert not any(u.startswith("wss://") for u in window.studio.urls())
            assert json.loads(window.settings_path.read_text())["csms"]["wss_port"] is None

    loop.run_until_complete(asyncio.wait_for(scenario(), 60))


def test_a_certificate_without_its_key_cannot_be_saved(loop, tmp_path):
    async def scenario():
        async with running_window(tmp_path) as window:
            dialog = window.open_preferences()
            tab = dialog.security
            tab.wss_enabled.setChecked(True)
            tab.use_files.setChecked(True)
            cert = tmp_path / "server.pem"
            cert.write_text("not a certificate")
            tab.cert_file.setText(str(cert))
            dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
            assert dialog.isVisible() and window.preferences_task is None
            assert dialog.tabs.currentWidget() is tab
            assert "private key" in dialog.problem.text()

    loop.run_until_complete(asyncio.wait_for(scenario(), 60))


def test_an_unusable_certificate_is_said_and_the_old_listener_kept(loop, tmp_path):
    async def scenario():
        async with running_window(tmp_path, wss_port=0) as window:
            studio = window.studio
            old_port = studio.server.wss_port
            ca_file = studio.wss_endpoint and Path(studio.settings.csms.ca_dir) / "ca.pem"
            dialog = window.open_preferences()
            tab = dialog.security
            tab.use_files.setChecked(True)
            for name in ("server.pem", "server-key.pem"):
                (tmp_path / name).write_text("garbage")
            tab.cert_file.setText(str(tmp_path / "server.pem"))
            tab.key_file.setText(str(tmp_path / "server-key.pem"))
            await press_ok(window, dialog)
            boxes = [box for box in window.findChildren(QMessageBox) if box.isVisible()]
            assert any("cannot be used" in box.text() for box in boxes)
            assert studio.server.wss_port == old_port
            assert studio.settings.csms.tls_cert_file == ""
            answer = await boot_over_wss(old_port, "CP-STILL", ca_file)
            assert answer[0] == 3
            saved = json.loads(window.settings_path.read_text())["csms"] \
                if window.settings_path.exists() else {}
            assert not saved.get("tls_cert_file")

    loop.run_until_complete(asyncio.wait_for(scenario(), 60))


def test_each_charger_row_generates_its_own_password_and_says_the_charger_needs_it(loop,
                                                                                    tmp_path):
    async def scenario():
        async with running_window(tmp_path, passwords={"CP-A": "a" * 20,
                                                       "CP-B": "b" * 20}) as window:
            dialog = window.open_preferences("password", "CP-B")
            table = dialog.passwords
            row_b = next(r for r in range(table.rowCount()) if table.item(r, 0).text() == "CP-B")
            button = table.cellWidget(row_b, 2)
            assert isinstance(button, QPushButton) and button.text() == "Generate"
            assert "same password" in button.toolTip() and "Security tab" in button.toolTip()
            button.click()
            values = dialog.values().passwords
            assert values["CP-A"] == "a" * 20
            assert MIN_LENGTH <= len(values["CP-B"]) <= MAX_LENGTH
            assert values["CP-B"].isalnum() and values["CP-B"] != "b" * 20
            button.click()
            assert dialog.values().passwords["CP-B"] != values["CP-B"]

    loop.run_until_complete(asyncio.wait_for(scenario(), 60))


def test_csr_signing_organisation_and_warning_days_apply_at_once_and_are_saved(loop, tmp_path):
    async def scenario():
        async with running_window(tmp_path) as window:
            dialog = window.open_preferences()
            tab = dialog.security
            tab.sign_csrs.setCurrentIndex(tab.sign_csrs.findData("ask"))
            tab.organisation.setText("Acme Charging Ltd")
            tab.warning_days.setValue(45)
            await press_ok(window, dialog)
            settings = window.central.settings
            assert (settings.sign_csrs, settings.organisation,
                    settings.certificate_warning_days) == ("ask", "Acme Charging Ltd", 45)
            assert window.central.certificates.warning_days == 45
            saved = json.loads(window.settings_path.read_text())["csms"]
            assert saved["sign_csrs"] == "ask" and saved["organisation"] == "Acme Charging Ltd"
            assert saved["certificate_warning_days"] == 45
            assert window.studio.server.wss_port is None  # nothing restarted for these

    loop.run_until_complete(asyncio.wait_for(scenario(), 60))
