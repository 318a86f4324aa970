"""Studio's sources the GUI starts and stops: a serial port and the logging proxy (no Qt)."""

from __future__ import annotations

import asyncio
import json
import socket
from pathlib import Path

import pytest
from websockets.asyncio.client import connect

from conftest import BOOT_16, running_csms, wait_for
from ocpp_studio.core.frames import loads
from ocpp_studio.core.records import Direction
from ocpp_studio.service import Studio
from ocpp_studio.settings import AppSettings, CsmsSettings
from ocpp_studio.transports.serial_prefs import SerialChoice

HB = '[2,"h1","Heartbeat",{}]'


async def recv_until(ws, unique_id: str, timeout: float = 10) -> str:
    """The next message answering unique_id (skipping any CALL the CSMS sends)."""
    while True:
        text = await asyncio.wait_for(ws.recv(), timeout)
        if loads(text)[1] == unique_id and loads(text)[0] in (3, 4):
            return text


def make_studio(tmp_path: Path) -> Studio:
    return Studio(AppSettings(csms=CsmsSettings(host="127.0.0.1", port=0),
                              capture_path=str(tmp_path / "c.db")))


# ------------------------------------------------------------------ serial
def test_observed_serial_frames_reach_the_capture(tmp_path, pty_pair) -> None:
    async def scenario() -> None:
        studio = make_studio(tmp_path)
        try:
            console = await studio.start_serial(pty_pair.device, SerialChoice(charger_id="WALLBOX"))
            assert studio.serial_console is console and console.status.kind == "open"
            pty_pair.write("I (10) boot: hello\n")
            pty_pair.write(f"I (20) ocpp: send {BOOT_16}\n")
            await wait_for(lambda: len(console.lines) == 2)
            [frame] = studio.store.frames()
            assert frame.charger == "WALLBOX" and frame.action == "BootNotification"
            seen = studio.observed.stations["WALLBOX"]  # its card in the charger list
            assert seen.connected and seen.vendor == "Acme" and seen.version.label == "1.6"
            assert studio.observed.sources["WALLBOX"] == "serial"
            assert frame.direction is Direction.TO_CSMS and frame.state == "observed"
            with pytest.raises(RuntimeError, match="close it first"):
                await studio.start_serial(pty_pair.device, SerialChoice())
            await studio.stop_serial()
            assert studio.serial_console is None and console.status.kind == "closed"
            assert not studio.observed.stations["WALLBOX"].connected
            # closed: another one may be opened now
            again = await studio.start_serial(pty_pair.device, SerialChoice(pattern="bare"))
            pty_pair.write(HB + "\n")
            await wait_for(lambda: len(studio.store.frames()) == 2)
            assert studio.store.frames()[1].charger == pty_pair.device  # default: device name
            assert again is studio.serial_console
        finally:
            await studio.stop()
        assert studio.serial_console is None

    asyncio.run(scenario())


def test_answer_mode_charger_appears_in_central(tmp_path, pty_pair) -> None:
    async def scenario() -> None:
        studio = make_studio(tmp_path)
        try:
            await studio.start_serial(pty_pair.device, SerialChoice(mode="answer", charger_id="CP-SER",
                                                                    ocpp_version="1.6"))
            pty_pair.write(BOOT_16 + "\n")
            answer = json.loads(await asyncio.to_thread(pty_pair.read_line))
            assert answer[:2] == [3, "boot-1"] and answer[2]["status"] == "Accepted"
            station = studio.central.stations["CP-SER"]
            assert station.connected and station.vendor == "Acme"
            await studio.stop_serial()
            assert not station.connected
        finally:
            await studio.stop()

    asyncio.run(scenario())


def test_unusable_serial_choice_is_refused_and_nothing_stays_open(tmp_path, pty_pair) -> None:
    async def scenario() -> None:
        studio = make_studio(tmp_path)
        try:
            with pytest.raises(ValueError, match="frame"):
                await studio.start_serial(pty_pair.device, SerialChoice(pattern=r"tx (.*)"))
            with pytest.raises(OSError, match="pyserial URL"):
                await studio.start_serial("nope://x", SerialChoice())
            assert studio.serial_console is None
            await studio.start_serial(pty_pair.device, SerialChoice())  # still possible
        finally:
            await studio.stop()

    asyncio.run(scenario())


# ------------------------------------------------------------------- proxy
def test_proxy_start_relay_and_stop(tmp_path) -> None:
    async def scenario() -> None:
        studio = make_studio(tmp_path)
        try:
            async with running_csms() as csms:
                upstream = f"ws://127.0.0.1:{csms.server.port}/ocpp"
                proxy = await studio.start_proxy(0, upstream, host="127.0.0.1")
                assert studio.proxy is proxy
                assert studio.proxy_urls() == [f"ws://127.0.0.1:{proxy.port}"]
                url = studio.proxy_urls()[0] + "/CP-P"  # as the charger builds it
                async with connect(url, subprotocols=["ocpp1.6"]) as ws:
                    await ws.send(BOOT_16)
                    answer = loads(await recv_until(ws, "boot-1"))
                    assert answer[2]["status"] == "Accepted"
                    assert [c.charger_id for c in proxy.chargers()] == ["CP-P"]
                    await ws.send('[2,"st-1","StatusNotification",{"connectorId":1,'
                                  '"errorCode":"NoError","status":"Charging"}]')
                    await recv_until(ws, "st-1")
                    # the charger list's card: what the charger said about itself
                    seen = studio.observed.stations["CP-P"]
                    assert studio.observed.sources["CP-P"] == "proxy"
                    assert seen.connected and seen.version.label == "1.6"
                    assert (seen.vendor, seen.model) == ("Acme", "Wallbox")
                    assert seen.connectors["1"].status == "Charging"
                    assert "CP-P" not in studio.central.stations  # never answered by us
                await wait_for(lambda: not studio.observed.stations["CP-P"].connected)
                # the real CSMS saw the charger at its own path
                assert csms.central.stations["CP-P"].vendor == "Acme"
                assert csms.store.events("CP-P")[0].detail["path"] == "/ocpp/CP-P"
                # both legs are in the studio's capture
                directions = [f.direction for f in studio.store.frames(charger="CP-P")]
                assert directions == [Direction.TO_CSMS, Direction.TO_CHARGER] * 2
                port = proxy.port
                with pytest.raises(RuntimeError):
                    await studio.start_proxy(0, upstream)
                await studio.stop_proxy()
                assert studio.proxy is None and studio.proxy_urls() == []
                with pytest.raises(OSError):
                    await connect(f"ws://127.0.0.1:{port}/CP-P", open_timeout=5)
        finally:
            await studio.stop()

    asyncio.run(scenario())


def test_proxy_start_refuses_taken_port_and_bad_upstream(tmp_path) -> None:
    async def scenario() -> None:
        studio = make_studio(tmp_path)
        with socket.socket() as taken:
            taken.bind(("127.0.0.1", 0))
            taken.listen()
            try:
                with pytest.raises(OSError):
                    await studio.start_proxy(taken.getsockname()[1], "ws://127.0.0.1:9",
                                             host="127.0.0.1")
                for bad in ("http://csms.example.com/ocpp", "csms.example.com", "wss://"):
                    with pytest.raises(ValueError, match="ws:// or wss://"):
                        await studio.start_proxy(0, bad, host="127.0.0.1")
                with pytest.raises(ValueError, match="certificate and its key"):
                    await studio.start_proxy(0, "wss://csms.example.com", host="127.0.0.1",
                                             cert_file="cert.pem")
                assert studio.proxy is None
            finally:
                await studio.stop()

    asyncio.run(scenario())


def test_proxy_urls_on_wss_and_studio_stop_stops_the_proxy(tmp_path) -> None:
    trustme = pytest.importorskip("trustme")
    cert = trustme.CA().issue_cert("127.0.0.1")
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert.cert_chain_pems[0].write_to_path(str(cert_file))
    cert.private_key_pem.write_to_path(str(key_file))

    async def scenario() -> None:
        studio = make_studio(tmp_path)
        proxy = await studio.start_proxy(0, "wss://csms.example.com/ocpp", host="127.0.0.1",
                                         cert_file=str(cert_file), key_file=str(key_file))
        assert studio.proxy_urls() == [f"wss://127.0.0.1:{proxy.port}"]
        port = proxy.port
        await studio.stop()
        assert studio.proxy is None
        with pytest.raises(OSError):
            await asyncio.open_connection("127.0.0.1", port)

    asyncio.run(scenario())
