"""The GUI's security (issue 15): the charger card and the connection timeline say how a charger
is connected (wss, TLS version, client certificate) and why TLS refused it; the Security tab
lists installed certificates after Refresh, deletes one after a confirmation, shows security
events with critical ones raising an alert, and runs the guided upgrade. Real central system
over real TLS on 127.0.0.1 with the demo charger."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import asyncio  # noqa: E402
import json  # noqa: E402
import socket  # noqa: E402
from datetime import datetime, timedelta, timezone  # noqa: E402
from contextlib import asynccontextmanager  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any, AsyncIterator  # noqa: E402

import pytest  # noqa: E402
from conftest import loop, wait_until  # noqa: E402,F401
from cryptography.hazmat.primitives import serialization  # noqa: E402
from PySide6.QtWidgets import QMessageBox  # noqa: E402

from ocpp_studio.core.versions import OcppVersion  # noqa: E402
from ocpp_studio.demo import DemoCharger, DemoChargerConfig  # noqa: E402
from ocpp_studio.security.ca import StudioCA  # noqa: E402
from ocpp_studio.service import Studio  # noqa: E402
from ocpp_studio.settings import AppSettings, CsmsSettings  # noqa: E402
from ocpp_studio.ui.common import theme  # noqa: E402
from ocpp_studio.ui.main_window import MainWindow  # noqa: E402

PASSWORD = "0123456789abcdef0123456789abcdef"
TIMEOUT = 30.0


@asynccontextmanager
async def running_window(tmp_path: Path, **csms: Any) -> AsyncIterator[MainWindow]:
    settings = AppSettings(capture_path=":memory:",
                           csms=CsmsSettings(host="127.0.0.1", port=0, wss_port=0,
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


@asynccontextmanager
async def demo(window: MainWindow, charger_id: str, version: OcppVersion, *, wss: bool = True,
               **config: Any) -> AsyncIterator[DemoCharger]:
    server = window.studio.server
    base = (f"wss://127.0.0.1:{server.wss_port}/ocpp" if wss
            else f"ws://127.0.0.1:{server.port}/ocpp")
    charger = DemoCharger(base, DemoChargerConfig(charger_id=charger_id, version=version,
                                                  heartbeat_interval=300, **config))
    task = asyncio.create_task(charger.run())
    try:
        yield charger
    finally:
        await charger.stop()
        # after a reconnect the demo's run task may end cancelled by its own stop()
        done, _ = await asyncio.wait([task], timeout=10)
        assert done, "the demo charger did not stop"
        if not task.cancelled() and task.exception() is not None:
            raise task.exception()


def ca_file(tmp_path: Path) -> str:
    return str(tmp_path / "ca" / "ca.pem")


def client_certificate(tmp_path: Path, charger_id: str) -> dict[str, str]:
    cert, key = StudioCA(tmp_path / "ca").issue_client_certificate(charger_id)
    cert_file, key_file = tmp_path / f"{charger_id}.pem", tmp_path / f"{charger_id}-key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return {"client_cert_file": str(cert_file), "client_key_file": str(key_file)}


async def select(window: MainWindow, charger_id: str) -> None:
    """Select the charger's card once the list shows it (cards appear on a 150 ms timer)."""
    await wait_until(lambda: window.chargers.card(charger_id) is not None, TIMEOUT, "card")
    window.chargers.select_charger(charger_id)
    window.tabs.setCurrentWidget(window.security_panel)
    assert window.security_panel.charger_id == charger_id


def card_text(window: MainWindow, charger_id: str) -> str:
    card = window.chargers.card(charger_id)
    return card.plain_text() if card is not None else ""


def test_card_panel_and_timeline_show_tls_facts_of_a_profile_3_charger(loop, tmp_path):
    async def scenario():
        async with running_window(tmp_path, client_certificates="optional") as window:
            async with demo(window, "CP3", OcppVersion.V16, ca_file=ca_file(tmp_path),
                            **client_certificate(tmp_path, "CP3")) as charger:
                assert await charger.wait_booted(TIMEOUT)
                await wait_until(lambda: "client certificate CN=CP3 expires"
                                 in card_text(window, "CP3"), TIMEOUT, "TLS facts on the card")
                text = card_text(window, "CP3")
                assert "wss · TLS 1." in text and "not encrypted" not in text

                await select(window, "CP3")
                panel = window.security_panel
                panel.refresh()
                fields = panel.connection.fields
                assert fields["profile"].text().startswith("3:")
                assert "CN=CP3" in fields["certificate"].text()
                assert "Issuer:" in fields["certificate"].text()
                assert "client certificate" in fields["password"].text()

                timeline = window.show_timeline("CP3", live=True)
                details = [timeline.entries.topLevelItem(i).text(2)
                           for i in range(timeline.entries.topLevelItemCount())]
                assert any("wss · TLS 1." in d and "cipher:" in d for d in details)
                timeline.close()

    loop.run_until_complete(asyncio.wait_for(scenario(), 90))


def test_a_plain_ws_charger_says_not_encrypted(loop, tmp_path):
    async def scenario():
        async with running_window(tmp_path) as window:
            async with demo(window, "CP-WS", OcppVersion.V201, wss=False) as charger:
                assert await charger.wait_booted(TIMEOUT)
                await wait_until(lambda: "ws (not encrypted)" in card_text(window, "CP-WS"),
                                 TIMEOUT, "ws on the card")
                await select(window, "CP-WS")
                panel = window.security_panel
                assert panel.connection.fields["profile"].text().startswith("0:")
                assert panel.connection.upgrade_2.isEnabled()

    loop.run_until_complete(asyncio.wait_for(scenario(), 90))


def test_a_cn_mismatch_is_explained_on_the_card_with_what_to_do(loop, tmp_path):
    async def scenario():
        async with running_window(tmp_path, client_certificates="required") as window:
            # the certificate names another charger (A00.FR.405)
            async with demo(window, "CP-THIS", OcppVersion.V16, ca_file=ca_file(tmp_path),
                            **client_certificate(tmp_path, "CP-OTHER")):
                await wait_until(lambda: "Refused" in card_text(window, "CP-THIS"), TIMEOUT,
                                 "refusal on the card")
                text = card_text(window, "CP-THIS")
                assert "CN mismatch" in text and "CN = charger id" in text
                timeline = window.show_timeline("CP-THIS", live=True)
                details = [timeline.entries.topLevelItem(i).text(2)
                           for i in range(timeline.entries.topLevelItemCount())]
                assert any("CN mismatch" in d and "Client certificates to Optional" in d
                           for d in details)
                timeline.close()

    loop.run_until_complete(asyncio.wait_for(scenario(), 90))


def test_a_tls_refusal_before_the_charger_named_itself_is_shown_above_the_list(loop,
                                                                                tmp_path):
    other = StudioCA(tmp_path / "other")

    async def scenario():
        async with running_window(tmp_path, client_certificates="required") as window:
            # the charger's certificate comes from a CA the studio does not trust
            cert, key = other.issue_client_certificate("CP-X")
            files = {"client_cert_file": str(tmp_path / "x.pem"),
                     "client_key_file": str(tmp_path / "x-key.pem")}
            Path(files["client_cert_file"]).write_bytes(
                cert.public_bytes(serialization.Encoding.PEM))
            Path(files["client_key_file"]).write_bytes(key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption()))
            async with demo(window, "CP-X", OcppVersion.V16, ca_file=ca_file(tmp_path),
                            **files):
                banner = window.chargers.tls_refusal
                await wait_until(banner.isVisible, TIMEOUT, "TLS refusal banner")
                assert "TLS refused a connection" in banner.text()
                assert "unknown CA" in banner.text()
                assert "id is not known" in banner.text()

    loop.run_until_complete(asyncio.wait_for(scenario(), 90))


def test_a_charger_that_does_not_trust_the_studio_is_shown_above_the_list(loop, tmp_path):
    """A TLS 1.3 charger that refuses the studio's certificate hangs up without a word the
    server can read: the hang-up itself is shown, with what to do."""
    other = StudioCA(tmp_path / "other")

    async def scenario():
        async with running_window(tmp_path, passwords={"CP-T": PASSWORD}) as window:
            async with demo(window, "CP-T", OcppVersion.V201, ca_file=str(other.ca_file),
                            basic_auth_password=PASSWORD):
                banner = window.chargers.tls_refusal
                await wait_until(banner.isVisible, TIMEOUT, "TLS refusal banner")
                assert "closed before asking for a charger" in banner.text()
                assert "may not trust the studio" in banner.text()
                assert "ocpp-studio ca export" in banner.text()

    loop.run_until_complete(asyncio.wait_for(scenario(), 90))


def test_refresh_lists_installed_certificates_and_delete_asks_first(loop, tmp_path):
    async def scenario():
        async with running_window(tmp_path, passwords={"CP2": PASSWORD}) as window:
            async with demo(window, "CP2", OcppVersion.V201, ca_file=ca_file(tmp_path),
                            basic_auth_password=PASSWORD) as charger:
                assert await charger.wait_booted(TIMEOUT)
                await select(window, "CP2")
                credentials = window.security_panel.connection.fields["password"].text()
                assert "HTTP Basic user CP2, password sent as text" in credentials
                box = window.security_panel.certificates
                await wait_until(box.refresh_button.isEnabled, TIMEOUT, "Refresh enabled")
                await box.refresh().task
                window._refresh_stations()
                kinds = [box.table.item(r, 0).text() for r in range(box.table.rowCount())]
                assert "Central system root" in kinds
                assert "listed 1 certificate" in box.outcome.text()

                # Install… a (manufacturer's) root from a file, then it is listed with its
                # expiry (the studio knows the PEM it installed)
                maker = StudioCA(tmp_path / "maker", organisation="Maker GmbH")
                await box.install("manufacturer", str(maker.ca_file)).task
                assert "accepted the manufacturer root" in box.outcome.text()
                await box.refresh().task
                window._refresh_stations()
                rows = {box.table.item(r, 0).text(): r for r in range(box.table.rowCount())}
                assert box.table.item(rows["Manufacturer root"], 1).text()[:2] == "20"
                assert "Maker GmbH" in box.table.item(rows["Manufacturer root"], 2).text()

                box.table.selectRow(rows["Manufacturer root"])
                box.ask_delete()
                confirmation = box.confirmation
                assert confirmation is not None and confirmation.isVisible()
                assert "cuts it off" in confirmation.text()
                confirmation.button(QMessageBox.StandardButton.Yes).click()
                await wait_until(lambda: box.operation is not None
                                 and box.operation.task.done(), TIMEOUT, "delete answered")
                assert "deleted the certificate" in box.outcome.text()
                window._refresh_stations()
                kinds = [box.table.item(r, 0).text() for r in range(box.table.rowCount())]
                assert "Manufacturer root" not in kinds and "Central system root" in kinds

    loop.run_until_complete(asyncio.wait_for(scenario(), 90))


def test_a_critical_security_event_raises_an_alert_on_the_card_and_the_tab(loop, tmp_path):
    async def scenario():
        async with running_window(tmp_path, passwords={"CP2": PASSWORD}) as window:
            async with demo(window, "CP2", OcppVersion.V16, ca_file=ca_file(tmp_path),
                            basic_auth_password=PASSWORD) as charger:
                assert await charger.wait_booted(TIMEOUT)
                assert "Security alert" not in card_text(window, "CP2")
                charger.send_security_event("TamperDetectionActivated", "enclosure opened")
                await wait_until(lambda: "Security alert: TamperDetectionActivated"
                                 in card_text(window, "CP2"), TIMEOUT, "alert on the card")
                await select(window, "CP2")
                events = window.security_panel.events
                assert "critical security event" in events.alert.text()
                rows = {events.table.item(r, 1).text(): r
                        for r in range(events.table.rowCount())}
                row = rows["TamperDetectionActivated (critical)"]
                assert events.table.item(row, 2).text() == "enclosure opened"
                assert events.table.item(row, 1).background().color() == \
                    theme.ROW_BACKGROUND["error"]

                # the connection timeline lists it too, critical in the colour of a problem
                timeline = window.show_timeline("CP2", live=True)
                titles = timeline.entry_titles()
                assert "Security event: TamperDetectionActivated (critical)" in titles
                item = timeline.entries.topLevelItem(
                    titles.index("Security event: TamperDetectionActivated (critical)"))
                assert "tech info: enclosure opened" in item.text(2)
                assert item.foreground(1).color() == theme.ROW_FOREGROUND["error"]
                assert "critical)" in timeline.summary.text()
                timeline.close()

    loop.run_until_complete(asyncio.wait_for(scenario(), 90))


@pytest.mark.parametrize("version", [OcppVersion.V16, OcppVersion.V201], ids=["1.6", "2.0.1"])
def test_the_guided_upgrade_moves_a_profile_1_charger_to_2_then_3(loop, tmp_path, version):
    async def upgrade(window: MainWindow, profile: int) -> Any:
        panel = window.security_panel
        button = panel.connection.upgrade_2 if profile == 2 else panel.connection.upgrade_3
        await wait_until(button.isEnabled, TIMEOUT, f"profile {profile} button")
        dialog = panel.open_upgrade(profile)
        assert dialog.url.text().startswith("wss://127.0.0.1:")
        operation = dialog.start()
        await wait_until(lambda: dialog.confirmation is not None
                         and dialog.confirmation.isVisible(), TIMEOUT, "confirmation")
        # asked only after the root is installed and confirmed, before anything is switched
        assert "cannot be moved back down" in dialog.confirmation.text()
        assert "✓" in dialog.rows["root"][0].text()
        assert "lists it" in dialog.step_text("root")
        dialog.confirmation.button(QMessageBox.StandardButton.Yes).click()
        await asyncio.wait_for(asyncio.shield(operation.task), 120)
        assert dialog.upgrade.result.ok, dialog.result.text()
        assert "came back over wss://" in dialog.step_text("reconnect")
        dialog.close()
        return dialog

    async def scenario():
        async with running_window(tmp_path, passwords={"CP-UP": PASSWORD},
                                  client_certificates="optional") as window:
            async with demo(window, "CP-UP", version, wss=False,
                            basic_auth_password=PASSWORD) as charger:
                assert await charger.wait_booted(TIMEOUT)
                await select(window, "CP-UP")
                assert "ws (not encrypted)" in card_text(window, "CP-UP")
                await upgrade(window, 2)
                await wait_until(lambda: "wss · TLS 1." in card_text(window, "CP-UP"),
                                 TIMEOUT, "wss on the card")
                window.security_panel.refresh()
                assert window.security_panel.connection.fields["profile"].text().startswith(
                    "2:")
                dialog = await upgrade(window, 3)
                assert "installed" in dialog.step_text("certificate").lower() or \
                    "accepted" in dialog.step_text("certificate").lower()
                await wait_until(lambda: "client certificate CN=CP-UP"
                                 in card_text(window, "CP-UP"), TIMEOUT, "profile 3 card")
                csrs = window.security_panel.csrs.table
                window.security_panel.refresh()
                assert csrs.rowCount() >= 1
                assert csrs.item(0, 2).text() == "Installed (charger accepted)"

    loop.run_until_complete(asyncio.wait_for(scenario(), 300))


def test_in_ask_mode_a_pending_csr_is_approved_from_the_tab(loop, tmp_path):
    async def scenario():
        async with running_window(tmp_path, passwords={"CP2": PASSWORD},
                                  sign_csrs="ask") as window:
            async with demo(window, "CP2", OcppVersion.V201, ca_file=ca_file(tmp_path),
                            basic_auth_password=PASSWORD) as charger:
                assert await charger.wait_booted(TIMEOUT)
                await select(window, "CP2")
                box = window.security_panel.csrs
                assert not box.approve_button.isVisible()
                asked = asyncio.ensure_future(
                    window.central.certificates.request_csr("CP2", timeout=60))
                await wait_until(lambda: box.table.rowCount() == 1, TIMEOUT, "pending CSR")
                assert box.table.item(0, 2).text() == "Waiting for your approval"
                assert box.approve_button.isVisible() and not box.approve_button.isEnabled()
                box.table.selectRow(0)
                assert box.approve_button.isEnabled()
                await box.approve_selected().task
                await asyncio.wait_for(asked, 60)
                window._refresh_stations()
                assert box.table.item(0, 2).text() == "Installed (charger accepted)"
                assert "accepted the signed certificate" in box.outcome.text()
                assert not box.approve_button.isVisible()

    loop.run_until_complete(asyncio.wait_for(scenario(), 90))


def test_an_upgrade_the_charger_does_not_come_back_from_says_what_it_did_and_how_to_fall_back(
        loop, tmp_path):
    async def scenario():
        async with running_window(tmp_path, passwords={"CP-BACK": PASSWORD}) as window:
            async with demo(window, "CP-BACK", OcppVersion.V16, wss=False,
                            basic_auth_password=PASSWORD) as charger:
                assert await charger.wait_booted(TIMEOUT)
                await select(window, "CP-BACK")
                panel = window.security_panel
                # no client certificates asked for: profile 3 cannot work, and says why
                assert not panel.connection.upgrade_3.isEnabled()
                assert "Client certificates" in panel.connection.upgrade_note.text()
                dialog = panel.open_upgrade(2)
                dialog.reconnect_timeout_s = 8
                # a wss:// address where nothing listens: the charger cannot come back
                with socket.socket() as unused:
                    unused.bind(("127.0.0.1", 0))
                    dialog.url.setText(f"wss://127.0.0.1:{unused.getsockname()[1]}/ocpp")
                operation = dialog.start()
                await wait_until(lambda: dialog.confirmation is not None, TIMEOUT, "question")
                dialog.confirmation.button(QMessageBox.StandardButton.Yes).click()
                await wait_until(lambda: "left" in dialog.countdown.text(), TIMEOUT,
                                 "countdown")
                await asyncio.wait_for(asyncio.shield(operation.task), 60)
                assert not dialog.upgrade.result.ok
                assert "✗" in dialog.rows["reconnect"][0].text()
                result = dialog.result.text()
                assert "did not come back over wss://" in result
                assert "What the charger last did" in result or "Last seen" in result
                assert "How to fall back" in result and "web page" in result
                assert dialog.start_button.isEnabled()  # Try again
                dialog.close()

    loop.run_until_complete(asyncio.wait_for(scenario(), 120))


def test_a_client_certificate_near_expiry_puts_a_warning_on_the_card(loop, tmp_path):
    async def scenario():
        async with running_window(tmp_path, client_certificates="required",
                                  certificate_warning_days=30) as window:
            soon = datetime.now(timezone.utc) + timedelta(days=10)
            cert, key = StudioCA(tmp_path / "ca").issue_client_certificate("CP-OLD",
                                                                           not_after=soon)
            files = {"client_cert_file": str(tmp_path / "old.pem"),
                     "client_key_file": str(tmp_path / "old-key.pem")}
            Path(files["client_cert_file"]).write_bytes(
                cert.public_bytes(serialization.Encoding.PEM))
            Path(files["client_key_file"]).write_bytes(key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption()))
            async with demo(window, "CP-OLD", OcppVersion.V201, ca_file=ca_file(tmp_path),
                            **files) as charger:
                assert await charger.wait_booted(TIMEOUT)
                await wait_until(lambda: "client certificate expires on"
                                 in card_text(window, "CP-OLD"), TIMEOUT, "expiry warning")
                assert f"{soon:%Y-%m-%d}" in card_text(window, "CP-OLD")
                await select(window, "CP-OLD")
                assert "renew it" in window.security_panel.connection.fields["warnings"].text()

    loop.run_until_complete(asyncio.wait_for(scenario(), 90))


def test_write_a_new_password_keeps_it_only_once_the_charger_took_it(loop, tmp_path):
    async def scenario():
        async with running_window(tmp_path, passwords={"CP-PW": PASSWORD}) as window:
            async with demo(window, "CP-PW", OcppVersion.V201, ca_file=ca_file(tmp_path),
                            basic_auth_password=PASSWORD) as charger:
                assert await charger.wait_booted(TIMEOUT)
                await select(window, "CP-PW")
                panel = window.security_panel
                await panel.write_new_password().task
                words = panel.connection.password_outcome.text()
                assert "accepted the new" in words, words
                new = window.central.settings.passwords["CP-PW"]
                assert new != PASSWORD and 16 <= len(new) <= 40
                saved = json.loads(window.settings_path.read_text())["csms"]["passwords"]
                assert saved == {"CP-PW": new}
                assert new not in words  # never shown
                # kept in SecurityState.password_changes: in the station summary, and shown
                # again when the tab comes back to this charger
                station = window.central.stations["CP-PW"]
                [change] = station.security.password_changes
                assert change.accepted and change.length == len(new)
                assert station.summary()["security"]["password_change"] == change.words
                assert new not in json.dumps(station.security.to_json())
                panel.connection.password_outcome.setText("")
                panel.refresh()
                words = panel.connection.password_outcome.text()
                assert "Last password change" in words and "accepted the new" in words

    loop.run_until_complete(asyncio.wait_for(scenario(), 90))


def test_a_csr_failing_a_check_is_explained_on_the_card(loop, tmp_path):
    async def scenario():
        async with running_window(tmp_path, passwords={"CP2": PASSWORD},
                                  organisation="Acme Charging Ltd") as window:
            async with demo(window, "CP2", OcppVersion.V201, ca_file=ca_file(tmp_path),
                            basic_auth_password=PASSWORD) as charger:
                assert await charger.wait_booted(TIMEOUT)
                outcome = await window.central.certificates.request_csr("CP2", timeout=30)
                assert not outcome.ok
                await wait_until(lambda: "Certificate not issued" in card_text(window, "CP2"),
                                 TIMEOUT, "CSR refusal on the card")
                text = card_text(window, "CP2")
                assert "Rejected" in text and "Acme Charging Ltd" in text
                await select(window, "CP2")
                csrs = window.security_panel.csrs.table
                assert csrs.item(0, 2).text() == "Rejected"
                assert "Acme Charging Ltd" in csrs.item(0, 1).text()

    loop.run_until_complete(asyncio.wait_for(scenario(), 90))
