"""The logging proxy over loopback: charger -> proxy -> real CSMS (two real websockets servers)."""

from __future__ import annotations

import asyncio
import base64
import socket
from contextlib import asynccontextmanager
from typing import AsyncIterator

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from ocpp_studio.capture.store import CaptureStore
from ocpp_studio.core.frames import dumps, loads
from ocpp_studio.core.records import Direction
from ocpp_studio.transports.proxy import INJECT_PREFIX, LoggingProxy

from conftest import BOOT_16, running_csms, wait_for

HEARTBEAT = '[2,"hb-1","Heartbeat",{}]'


@asynccontextmanager
async def proxy_for(upstream_base: str) -> AsyncIterator[LoggingProxy]:
    proxy = LoggingProxy(CaptureStore(":memory:"), upstream_base)
    await proxy.start()
    try:
        yield proxy
    finally:
        await proxy.stop()


def proxy_url(proxy: LoggingProxy, charger_id: str = "CP1") -> str:
    return f"ws://127.0.0.1:{proxy.port}/ocpp/{charger_id}"


async def recv_reply(ws, unique_id: str, timeout: float = 10) -> str:
    """The next message answering unique_id (skipping any CALL the CSMS sends)."""
    while True:
        text = await asyncio.wait_for(ws.recv(), timeout)
        message = loads(text)
        if message[0] in (3, 4) and message[1] == unique_id:
            return text


def upstream_outgoing(store: CaptureStore, unique_id: str) -> str:
    rows = [f for f in store.frames(direction=Direction.TO_CHARGER) if f.unique_id == unique_id]
    assert len(rows) == 1, rows
    return rows[0].raw


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_frames_forwarded_byte_for_byte_and_both_legs_recorded() -> None:
    async def scenario() -> None:
        async with running_csms() as csms, proxy_for(f"ws://127.0.0.1:{csms.server.port}") as proxy:
            auth = "Basic " + base64.b64encode(b"CP1:secret").decode()
            async with connect(proxy_url(proxy), subprotocols=["ocpp1.6"],
                               additional_headers={"Authorization": auth}) as ws:
                assert ws.subprotocol == "ocpp1.6"
                await ws.send(BOOT_16)
                boot_reply = await recv_reply(ws, "boot-1")
                await ws.send(HEARTBEAT)
                hb_reply = await recv_reply(ws, "hb-1")
            # the charger got exactly what the CSMS sent
            assert boot_reply == upstream_outgoing(csms.store, "boot-1")
            assert hb_reply == upstream_outgoing(csms.store, "hb-1")
            # the CSMS got exactly what the charger sent
            upstream_in = {f.unique_id: f.raw for f in csms.store.frames(direction=Direction.TO_CSMS)}
            assert upstream_in["boot-1"] == BOOT_16 and upstream_in["hb-1"] == HEARTBEAT
            # the CSMS saw the forwarded subprotocol and Basic-auth user
            connected = [e for e in csms.store.events("CP1") if e.kind == "connected"]
            assert connected and connected[0].detail.get("auth_user") == "CP1"

            await wait_for(lambda: any(e.kind == "disconnected" for e in proxy.store.events("CP1")))
            frames = {(f.direction, f.unique_id): f for f in proxy.store.frames(charger="CP1")}
            for uid, action, sent, answer in (("boot-1", "BootNotification", BOOT_16, boot_reply),
                                              ("hb-1", "Heartbeat", HEARTBEAT, hb_reply)):
                call = frames[(Direction.TO_CSMS, uid)]
                response = frames[(Direction.TO_CHARGER, uid)]
                assert call.raw == sent and call.message_type == 2 and call.action == action
                assert response.raw == answer and response.message_type == 3
                assert response.pair_id == call.id and response.action == action
                assert response.latency_ms is not None and response.latency_ms >= 0
                assert proxy.store.frame(call.id).state == "answered"
                assert call.connection_id == response.connection_id is not None
            events = proxy.store.events("CP1")
            connected = [e for e in events if e.kind == "connected"][0]
            assert connected.detail["subprotocol"] == "ocpp1.6"
            assert connected.detail["offered"] == ["ocpp1.6"]
            assert connected.detail["auth_user"] == "CP1"
            assert connected.detail["path"] == "/ocpp/CP1"
            assert connected.detail["upstream"] == f"ws://127.0.0.1:{csms.server.port}/ocpp/CP1"
            disconnected = [e for e in events if e.kind == "disconnected"][0]
            assert disconnected.detail["closed_by"] == "charger"
            assert disconnected.detail["code"] == 1000

    asyncio.run(scenario())


def test_csms_call_through_proxy_is_paired_on_the_other_leg() -> None:
    async def scenario() -> None:
        async with running_csms() as csms, proxy_for(f"ws://127.0.0.1:{csms.server.port}") as proxy:
            async with connect(proxy_url(proxy), subprotocols=["ocpp1.6"]) as ws:
                await ws.send(BOOT_16)
                await recv_reply(ws, "boot-1")
                await wait_for(lambda: "CP1" in csms.central.sessions)
                call = asyncio.create_task(csms.central.call("CP1", "GetConfiguration", {}))
                while True:
                    message = loads(await asyncio.wait_for(ws.recv(), 10))
                    if message[0] == 2 and message[2] == "GetConfiguration":
                        break
                await ws.send(dumps([3, message[1], {"configurationKey": []}]))
                await asyncio.wait_for(call, 10)
            frames = [f for f in proxy.store.frames(charger="CP1") if f.unique_id == message[1]]
            assert [f.direction for f in frames] == [Direction.TO_CHARGER, Direction.TO_CSMS]
            assert frames[1].pair_id == frames[0].id and frames[1].action == "GetConfiguration"
            assert frames[1].latency_ms is not None

    asyncio.run(scenario())


def test_upstream_drop_closes_the_charger_and_is_recorded() -> None:
    async def scenario() -> None:
        async with running_csms() as csms, proxy_for(f"ws://127.0.0.1:{csms.server.port}") as proxy:
            async with connect(proxy_url(proxy), subprotocols=["ocpp1.6"]) as ws:
                await ws.send(BOOT_16)
                await recv_reply(ws, "boot-1")
                await csms.server.stop()  # the upstream goes away (closes with 1001)
                with pytest.raises(ConnectionClosed):
                    while True:
                        await asyncio.wait_for(ws.recv(), 10)
                assert ws.close_code == 1001
            await wait_for(lambda: any(e.kind == "disconnected" for e in proxy.store.events("CP1")))
            kinds = [e.kind for e in proxy.store.events("CP1")]
            assert kinds == ["connected", "disconnected"]
            detail = proxy.store.events("CP1")[-1].detail
            assert detail["closed_by"] == "upstream" and detail["code"] == 1001

    asyncio.run(scenario())


def test_upstream_unreachable_closes_the_charger() -> None:
    async def scenario() -> None:
        async with proxy_for(f"ws://127.0.0.1:{free_port()}") as proxy:
            async with connect(proxy_url(proxy), subprotocols=["ocpp1.6"]) as ws:
                with pytest.raises(ConnectionClosed):
                    await asyncio.wait_for(ws.recv(), 10)
                assert ws.close_code == 1013
            events = proxy.store.events("CP1")
            assert [e.kind for e in events] == ["refused"]
            assert events[0].detail["cause"] == "upstream_unreachable"
            assert events[0].detail["status"] is None and events[0].detail["reason"]

    asyncio.run(scenario())


def test_upstream_refusal_records_http_status() -> None:
    async def scenario() -> None:
        async with running_csms(passwords={"CP1": "right"}) as csms, \
                proxy_for(f"ws://127.0.0.1:{csms.server.port}") as proxy:
            auth = "Basic " + base64.b64encode(b"CP1:wrong").decode()
            async with connect(proxy_url(proxy), subprotocols=["ocpp1.6"],
                               additional_headers={"Authorization": auth}) as ws:
                with pytest.raises(ConnectionClosed):
                    await asyncio.wait_for(ws.recv(), 10)
                assert ws.close_code == 1011
            events = proxy.store.events("CP1")
            assert [e.kind for e in events] == ["refused"]
            assert events[0].detail["cause"] == "upstream_refused"
            assert events[0].detail["status"] == 401

    asyncio.run(scenario())


def test_injection_is_answered_and_not_forwarded_upstream() -> None:
    async def scenario() -> None:
        async with running_csms() as csms, proxy_for(f"ws://127.0.0.1:{csms.server.port}") as proxy:
            async with connect(proxy_url(proxy), subprotocols=["ocpp1.6"]) as ws:
                await ws.send(BOOT_16)
                await recv_reply(ws, "boot-1")
                result = asyncio.create_task(proxy.inject("CP1", "GetConfiguration", {}))
                while True:
                    message = loads(await asyncio.wait_for(ws.recv(), 10))
                    if message[0] == 2 and message[2] == "GetConfiguration":
                        break
                injected_id = message[1]
                assert injected_id.startswith(INJECT_PREFIX) and len(injected_id) <= 36
                answer = {"configurationKey": [{"key": "HeartbeatInterval", "readonly": False,
                                                "value": "300"}]}
                await ws.send(dumps([3, injected_id, answer]))
                assert await asyncio.wait_for(result, 10) == answer
                # the link still works afterwards
                await ws.send(HEARTBEAT)
                await recv_reply(ws, "hb-1")
            assert not [f for f in csms.store.frames() if f.unique_id == injected_id]
            assert not csms.store.frames(text=INJECT_PREFIX)
            frames = [f for f in proxy.store.frames(charger="CP1") if f.unique_id == injected_id]
            assert [f.direction for f in frames] == [Direction.TO_CHARGER, Direction.TO_CSMS]
            assert frames[1].pair_id == frames[0].id and frames[1].latency_ms is not None
            assert proxy.store.frame(frames[0].id).state == "answered"

    asyncio.run(scenario())


def test_proxy_command_relays_and_prints_frames(tmp_path):
    """`ocpp-studio proxy` in front of a real CSMS: a charger boots through it."""
    import re
    import sys

    from conftest import BOOT_16, exchange, raw_charger, running_csms

    async def scenario():
        async with running_csms() as csms:
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "ocpp_studio.cli", "proxy", "--host", "127.0.0.1",
                "--listen", "0", "--upstream", f"ws://127.0.0.1:{csms.server.port}",
                "--capture", str(tmp_path / "p.db"),
                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
            try:
                line = (await asyncio.wait_for(process.stdout.readline(), 30)).decode()
                port = re.search(r"proxy on port (\d+)", line).group(1)
                async with raw_charger(f"ws://127.0.0.1:{port}/ocpp/VIA-PROXY") as ws:
                    answer = await exchange(ws, BOOT_16)
                assert answer[2]["status"] == "Accepted"
                assert csms.central.stations["VIA-PROXY"].vendor == "Acme"
                printed = ""
                while "RESULT" not in printed:
                    printed += (await asyncio.wait_for(process.stdout.readline(), 30)).decode()
                assert "VIA-PROXY" in printed and "BootNotification" in printed
            finally:
                process.terminate()
                await process.wait()
    asyncio.run(scenario())
