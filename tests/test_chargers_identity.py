"""Issue 12 item 5: chargers, ports and identities (refusal bookkeeping, forgetting)."""

import asyncio

import aiohttp
import pytest
from websockets.exceptions import InvalidStatus

from conftest import BOOT_16, exchange, raw_charger, running_csms, wait_for
from ocpp_studio.api.server import ControlApi
from ocpp_studio.station.central import Handshake


def run(coro):
    return asyncio.run(coro)


def _refuse(central, charger_id):
    central.record_refusal(Handshake(charger_id, f"/ocpp/{charger_id}", "127.0.0.1:1", [], None),
                           "Wrong password", 401)


def test_refused_only_chargers_are_bounded_but_every_refusal_is_kept():
    async def scenario():
        async with running_csms() as csms:
            central = csms.central
            central.refused_only_limit = 5
            # a real charger that was refused once must not be pushed out
            async with raw_charger(csms.url("REAL")) as ws:
                await exchange(ws, BOOT_16)
            _refuse(central, "REAL")
            for n in range(12):
                _refuse(central, f"BAD{n:02d}")
            refused_cards = sorted(c for c in central.stations if c.startswith("BAD"))
            assert refused_cards == [f"BAD{n:02d}" for n in range(7, 12)]  # oldest dropped
            assert "REAL" in central.stations
            assert len([e for e in csms.store.events() if e.kind == "refused"]) == 13
    run(scenario())


def test_real_refused_handshakes_do_not_grow_without_bound():
    async def scenario():
        async with running_csms(passwords={"OK": "secret-password"}) as csms:
            csms.central.refused_only_limit = 3
            for n in range(6):
                with pytest.raises(InvalidStatus):
                    async with raw_charger(csms.url(f"X{n}")):
                        pass
            assert sorted(csms.central.stations) == ["X3", "X4", "X5"]
    run(scenario())


def test_forget_a_charger_through_the_api_keeps_its_frames():
    async def scenario():
        async with running_csms() as csms:
            api = ControlApi(csms.central, csms.store, 0, token="t")
            await api.start()
            base = f"http://127.0.0.1:{api.port}/api/v1/chargers"
            try:
                async with aiohttp.ClientSession(headers={"Authorization": "Bearer t"}) as http:
                    async with raw_charger(csms.url("CP1")) as ws:
                        await exchange(ws, BOOT_16)
                        async with http.delete(f"{base}/CP1") as response:
                            assert response.status == 409
                            assert "connected" in (await response.json())["message"]
                    await wait_for(lambda: not csms.central.stations["CP1"].connected)
                    station = csms.central.stations["CP1"]
                    async with http.delete(f"{base}/CP1") as response:
                        assert response.status == 200
                    assert "CP1" not in csms.central.stations and station.forgotten
                    async with http.get(f"{base}/CP1") as response:
                        assert response.status == 404
                    async with http.delete(f"{base}/CP1") as response:
                        assert response.status == 404
                    assert len(csms.store.frames(charger="CP1")) == 2
                    # it can come back as a fresh card
                    async with raw_charger(csms.url("CP1")) as ws:
                        await exchange(ws, BOOT_16)
                    assert "CP1" in csms.central.stations
            finally:
                await api.stop()
    run(scenario())


def test_charger_list_forgets_a_charger_from_its_context_menu(qapp):
    from ocpp_studio.capture.store import CaptureStore
    from ocpp_studio.station.central import CentralSystem
    from ocpp_studio.ui.inspector.charger_list import ChargerList

    central = CentralSystem(CaptureStore(":memory:"))
    charger_list = ChargerList()
    charger_list.forget_handler = central.forget
    central.station_changed.connect(charger_list.update_station)
    _refuse(central, "GONE")
    station = central.station("LIVE")
    station.connected = True
    central.sessions["LIVE"] = object()  # a live session: cannot be forgotten
    charger_list.update_station(station)
    assert charger_list.card("GONE") is not None

    live_menu = charger_list.forget_actions("LIVE").actions()[0]
    assert live_menu.text() == "Forget this charger" and not live_menu.isEnabled()
    menu = charger_list.forget_actions("GONE").actions()[0]
    assert menu.isEnabled()
    menu.trigger()
    assert charger_list.card("GONE") is None and "GONE" not in central.stations
    assert charger_list.list.count() == 2  # "All chargers" + LIVE
    assert [e.kind for e in central.store.events("GONE")] == ["refused"]


def test_oversized_path_and_headers_are_recorded_as_refusals():
    async def scenario():
        async with running_csms() as csms:
            port = csms.server.port
            with pytest.raises(InvalidStatus) as caught:
                async with raw_charger(f"ws://127.0.0.1:{port}/ocpp/" + "x" * 100_000):
                    pass
            assert caught.value.response.status_code == 414
            with pytest.raises(InvalidStatus) as caught:
                async with raw_charger(csms.url("CPH"), additional_headers={"X-Big": "y" * 100_000}):
                    pass
            assert caught.value.response.status_code == 431
            await wait_for(lambda: len(csms.store.events()) == 2)
            too_long, too_large = csms.store.events()
            assert too_long.kind == "refused" and too_long.detail["http_status"] == 414
            assert "URL is too long" in too_long.detail["reason"]
            assert too_large.detail["http_status"] == 431
            assert "headers are too large" in too_large.detail["reason"]
            assert not csms.central.stations  # nothing to put on a card
    run(scenario())


def test_absurd_charger_id_is_refused_and_a_long_one_flagged():
    async def scenario():
        async with running_csms() as csms:
            with pytest.raises(InvalidStatus) as caught:
                async with raw_charger(csms.url("C" * 8000)):
                    pass
            assert caught.value.response.status_code == 400
            refused = csms.store.events()[0]
            assert "8000 characters long" in refused.detail["reason"]
            assert "at most 48" in refused.detail["reason"]
            assert not csms.central.stations
            long_id = "L" * 60
            async with raw_charger(csms.url(long_id)) as ws:
                await exchange(ws, BOOT_16)
            connected = csms.store.events(long_id)[0]
            assert connected.kind == "connected"
            assert "60 characters long; OCPP 2.0.1 allows at most 48" in \
                connected.detail["extra"]["identity_warning"]
            # a normal id carries no warning
            async with raw_charger(csms.url("CP1")) as ws:
                await exchange(ws, BOOT_16)
            assert "identity_warning" not in csms.store.events("CP1")[0].detail["extra"]
    run(scenario())


async def _handshake_and_stop_reading(port: int, charger_id: str):
    """A charger that opens its websocket, then never reads its socket again."""
    import base64 as b64
    import os
    import socket

    sock = socket.socket()
    # a tiny receive window, so the studio's sends fill it at once
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.setblocking(False)
    loop = asyncio.get_running_loop()
    await loop.sock_connect(sock, ("127.0.0.1", port))
    key = b64.b64encode(os.urandom(16)).decode()
    request = (f"GET /ocpp/{charger_id} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
               "Upgrade: websocket\r\nConnection: Upgrade\r\n"
               f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
               "Sec-WebSocket-Protocol: ocpp1.6\r\n\r\n")
    await loop.sock_sendall(sock, request.encode())
    response = b""
    while b"\r\n\r\n" not in response:
        response += await loop.sock_recv(sock, 1)
    assert response.startswith(b"HTTP/1.1 101")
    return sock


def test_charger_that_stops_reading_is_closed_with_the_reason():
    from ocpp_studio.capture.store import CaptureStore
    from ocpp_studio.core.rpc import ConnectionClosed
    from ocpp_studio.settings import CsmsSettings
    from ocpp_studio.station.central import CentralSystem
    from ocpp_studio.transports.websocket_server import CsmsServer

    async def scenario():
        store = CaptureStore(":memory:")
        central = CentralSystem(store, CsmsSettings(host="127.0.0.1", port=0))
        server = CsmsServer(central, write_timeout=0.3)
        await server.start()
        try:
            sock = await _handshake_and_stop_reading(server.port, "DEAF")
            await wait_for(lambda: "DEAF" in central.sessions)
            big = {"vendorId": "x", "data": "x" * 16_000_000}  # far beyond any socket buffer
            with pytest.raises(ConnectionClosed, match="stopped reading"):
                await central.call("DEAF", "DataTransfer", big, timeout=60, allow_invalid=True)
            await wait_for(lambda: not central.stations["DEAF"].connected)
            closed = store.events("DEAF")[-1]
            assert closed.kind == "disconnected"
            assert "stopped reading" in closed.detail["reason"]
            assert "blocked for more than 0.3 s" in closed.detail["reason"]
            sock.close()
        finally:
            await server.stop()
    run(scenario())
