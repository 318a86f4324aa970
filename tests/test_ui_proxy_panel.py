"""The Proxy tab with real parts: a real upstream CSMS on 127.0.0.1, the studio's logging
proxy started from the tab, a charger connecting through it, a message injected from the
Send dialog."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import asyncio  # noqa: E402
import contextlib  # noqa: E402
import socket  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

from conftest import loop, running_csms, scripted_charger, wait_until  # noqa: E402,F401

from ocpp_studio.service import Studio  # noqa: E402
from ocpp_studio.settings import AppSettings, CsmsSettings  # noqa: E402
from ocpp_studio.ui.main_window import MainWindow  # noqa: E402
from ocpp_studio.ui.sources.proxy_panel import DEFAULT_PROXY_PORT, ProxyPanel, upstream_problem  # noqa: E402


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def make_studio(tmp_path: Path) -> Studio:
    return Studio(AppSettings(csms=CsmsSettings(host="127.0.0.1", port=0),
                              capture_path=str(tmp_path / "c.db")))


def answer(action: str, payload: Any) -> Any:
    if action == "TriggerMessage":
        return {"status": "Accepted"}
    return {}


def test_proxy_tab_relays_lists_chargers_and_injects(loop, tmp_path):
    async def scenario() -> None:
        studio = make_studio(tmp_path)
        window = MainWindow(studio.central, studio.store, capture_path=str(tmp_path / "c.db"),
                            studio=studio)
        window.show()
        panel = window.proxy_panel
        try:
            async with running_csms() as upstream:
                assert window.tabs.tabText(window.tabs.indexOf(panel)) == "Proxy"
                assert panel.port.value() == DEFAULT_PROXY_PORT != 9000
                assert panel.host == "127.0.0.1"  # the studio's own interfaces
                assert not panel.start_button.isEnabled()  # no upstream yet
                panel.upstream.setText("http://csms.example.com/ocpp")
                assert "ws://" in panel.upstream_error.text()
                assert not panel.start_button.isEnabled()

                port = free_port()
                panel.port.setValue(port)
                panel.upstream.setText(f"ws://127.0.0.1:{upstream.server.port}/ocpp")
                assert panel.upstream_error.isHidden() and panel.start_button.isEnabled()
                panel.start_proxy()
                await wait_until(lambda: studio.proxy is not None
                                 and "Listening" in panel.status_text(), what="proxy started")
                assert not panel.start_button.isEnabled() and panel.stop_button.isEnabled()
                urls = studio.proxy_urls()
                assert urls and all(str(port) in u for u in urls)
                assert [label.text() for label, _ in panel.url_rows] == \
                    [f"<b>{u}</b>" for u in urls]
                panel.url_rows[0][1].click()
                assert panel.status_text() == f"Copied {urls[0]}"
                assert "No charger has connected" in panel.empty_label.text()

                assert f"{urls[0]}/CP001 is passed on to ws://127.0.0.1:" \
                    f"{upstream.server.port}/ocpp/CP001" in panel.urls_hint.text()
                url = f"{urls[0]}/CP-PROXY"
                async with scripted_charger(url, answer):
                    await wait_until(lambda: panel.table.rowCount() == 1, what="table row")
                    cells = [panel.table.item(0, c).text() for c in range(5)]
                    assert cells[0] == "CP-PROXY" and cells[1] == "1.6"
                    assert cells[2].startswith("127.0.0.1")
                    assert cells[4] == f"ws://127.0.0.1:{upstream.server.port}/ocpp/CP-PROXY"
                    # the boot went through to the real central system
                    await wait_until(lambda: "CP-PROXY" in upstream.central.stations,
                                     what="upstream saw the charger")
                    # and it has a card in the charger list, marked as watched
                    await wait_until(lambda: window.chargers.card("CP-PROXY") is not None
                                     and "Connected" in window.chargers.card("CP-PROXY")
                                     .plain_text(), what="charger card")
                    card = window.chargers.card("CP-PROXY").plain_text()
                    assert "OCPP 1.6" in card and "seen through the proxy" in card

                    dialog = panel.open_send_dialog()
                    assert dialog is not None and dialog.through_proxy()
                    assert "through the proxy" in dialog.charger.currentText()
                    dialog.action.setCurrentText("TriggerMessage")
                    dialog.send()
                    await wait_until(lambda: "Accepted" in dialog.result_text(),
                                     what="injected answer shown")
                    assert "Answer to TriggerMessage" in dialog.result_label.text()
                    # the answer was consumed by the proxy, never passed upstream
                    assert not any(f.action == "TriggerMessage"
                                   for f in upstream.store.frames())
                    dialog.close()

                    # Ctrl+M lists it too
                    main_dialog = window.open_send_dialog()
                    labels = [main_dialog.charger.itemText(i)
                              for i in range(main_dialog.charger.count())]
                    assert any("CP-PROXY" in t and "through the proxy" in t for t in labels)
                    main_dialog.close()
                await wait_until(lambda: panel.table.rowCount() == 0, what="row removed")
                await wait_until(lambda: "Disconnected" in window.chargers.card("CP-PROXY")
                                 .plain_text(), what="card shows the charger left")

                panel.stop_proxy()
                await wait_until(lambda: studio.proxy is None
                                 and "not running" in panel.status_text(), what="stopped")
                assert panel.start_button.isEnabled() and panel.urls_box.isHidden()
        finally:
            window.close()
            window.detach()
            with contextlib.suppress(Exception):
                await studio.stop_proxy()
            await studio.stop()

    loop.run_until_complete(asyncio.wait_for(scenario(), 60))


def test_port_taken_is_said_plainly(loop, tmp_path):
    async def scenario() -> None:
        studio = make_studio(tmp_path)
        panel = ProxyPanel(studio)
        blocker = socket.socket()
        try:
            blocker.bind(("127.0.0.1", 0))
            blocker.listen()
            port = blocker.getsockname()[1]
            panel.port.setValue(port)
            panel.upstream.setText("wss://csms.example.com/ocpp")
            panel.start_proxy()
            await wait_until(lambda: "already in use" in panel.status_text(),
                             what="port taken explained")
            assert f"Port {port}" in panel.status_text()
            assert studio.proxy is None and panel.start_button.isEnabled()
        finally:
            blocker.close()
            panel.detach()
            with contextlib.suppress(Exception):
                await studio.stop_proxy()
            await studio.stop()

    loop.run_until_complete(asyncio.wait_for(scenario(), 30))


def test_upstream_addresses_are_checked_in_words():
    assert upstream_problem("wss://csms.example.com/ocpp") is None
    assert upstream_problem("ws://10.0.0.5:8080/steve/websocket/CentralSystemService") is None
    assert "ws://" in upstream_problem("https://csms.example.com")
    assert "server name" in upstream_problem("ws:///ocpp")
    assert "port" in upstream_problem("ws://host:99999/ocpp")
    assert upstream_problem("")


def test_not_available_without_a_studio(qapp):
    panel = ProxyPanel(None)
    assert "not available" in panel.not_available_label.text()
    panel.detach()


def test_proxy_tab_listens_on_wss_with_a_certificate(loop, tmp_path, tls):
    """A charger on security profile 2 connects with wss:// only: the tab takes a
    certificate and key, shows wss:// addresses, and relays over TLS."""
    from websockets.asyncio.client import connect  # noqa: PLC0415
    from conftest import BOOT_16, client_ssl  # noqa: PLC0415
    ca, _cert, files = tls

    async def scenario() -> None:
        studio = make_studio(tmp_path)
        panel = ProxyPanel(studio)
        try:
            async with running_csms() as upstream:
                panel.port.setValue(free_port())
                panel.upstream.setText(f"ws://127.0.0.1:{upstream.server.port}/ocpp")
                panel.cert_file.setText(files["cert"])
                panel.start_proxy()  # without the key: refused before anything starts
                assert "both the certificate and its key" in panel.status_text()
                assert studio.proxy is None
                panel.key_file.setText(files["key"])
                panel.start_proxy()
                await wait_until(lambda: studio.proxy is not None
                                 and "Listening" in panel.status_text(), what="proxy started")
                urls = studio.proxy_urls()
                assert urls and all(u.startswith("wss://") for u in urls)
                assert not panel.cert_file.isEnabled()  # settings are fixed while it runs
                async with connect(f"wss://127.0.0.1:{studio.proxy.port}/CP-TLS",
                                   subprotocols=["ocpp1.6"], ssl=client_ssl(ca)) as ws:
                    await ws.send(BOOT_16)
                    answer = await asyncio.wait_for(ws.recv(), 10)
                assert '"Accepted"' in answer
                assert "CP-TLS" in upstream.central.stations
        finally:
            panel.detach()
            with contextlib.suppress(Exception):
                await studio.stop_proxy()
            await studio.stop()

    loop.run_until_complete(asyncio.wait_for(scenario(), 30))
