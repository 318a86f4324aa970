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

from conftest import BOOT_16, client_ssl, running_csms, wait_for

HEARTBEAT = '[2,"hb-1","Heartbeat",{}]'


@asynccontextmanager
async def proxy_for(upstream_base: str, **kwargs) -> AsyncIterator[LoggingProxy]:
    proxy = LoggingProxy(CaptureStore(":memory:"), upstream_base, **kwargs)
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


# ------------------------------------------------------------------ edge cases
async def until_call(ws, action: str, timeout: float = 10) -> list:
    """The next CALL of ``action`` the charger receives (skipping others)."""
    while True:
        message = loads(await asyncio.wait_for(ws.recv(), timeout))
        if message[0] == 2 and message[2] == action:
            return message


async def booted(proxy: LoggingProxy, charger_id: str = "CP1", **kwargs):
    ws = await connect(proxy_url(proxy, charger_id), subprotocols=["ocpp1.6"], **kwargs)
    await ws.send(BOOT_16.replace("boot-1", f"boot-{charger_id}"))
    await recv_reply(ws, f"boot-{charger_id}")
    return ws


def upstream_never_saw(csms, unique_id: str) -> bool:
    return not [f for f in csms.store.frames() if f.unique_id == unique_id]


def test_injection_timeout_then_late_answer_is_flagged_and_kept_from_upstream() -> None:
    from ocpp_studio.core.rpc import CallTimeout

    async def scenario() -> None:
        async with running_csms() as csms, proxy_for(f"ws://127.0.0.1:{csms.server.port}") as proxy:
            ws = await booted(proxy)
            injected = asyncio.create_task(proxy.inject_detailed("CP1", "GetConfiguration", {},
                                                                 timeout=0.2))
            call = await until_call(ws, "GetConfiguration")
            with pytest.raises(CallTimeout):
                await injected  # the charger has not answered yet
            call_row = [f for f in proxy.store.frames() if f.unique_id == call[1]][0]
            assert proxy.store.frame(call_row.id).state == "timeout"
            await ws.send(dumps([3, call[1], {"configurationKey": []}]))  # too late
            await ws.send(HEARTBEAT)  # relayed after the late answer, in order
            await recv_reply(ws, "hb-1")
            late = [f for f in proxy.store.frames() if f.unique_id == call[1]
                    and f.direction is Direction.TO_CSMS]
            assert len(late) == 1 and late[0].state == "late"
            assert late[0].pair_id == call_row.id and late[0].action == "GetConfiguration"
            assert "Late answer" in late[0].problem
            assert proxy.store.frame(call_row.id).state == "timeout"  # stays timed out
            assert upstream_never_saw(csms, call[1])
            await ws.close()

    asyncio.run(scenario())


def test_injection_answered_with_callerror_raises_and_is_recorded() -> None:
    from ocpp_studio.core.rpc import CallError

    async def scenario() -> None:
        async with running_csms() as csms, proxy_for(f"ws://127.0.0.1:{csms.server.port}") as proxy:
            ws = await booted(proxy)
            injected = asyncio.create_task(proxy.inject("CP1", "Reset", {"type": "Soft"}))
            call = await until_call(ws, "Reset")
            await ws.send(dumps([4, call[1], "NotSupported", "no resets here", {}]))
            with pytest.raises(CallError) as raised:
                await asyncio.wait_for(injected, 10)
            assert raised.value.code == "NotSupported"
            assert raised.value.description == "no resets here"
            rows = [f for f in proxy.store.frames() if f.unique_id == call[1]]
            assert [f.message_type for f in rows] == [2, 4]
            assert rows[1].error_code == "NotSupported" and rows[1].pair_id == rows[0].id
            assert proxy.store.frame(rows[0].id).state == "error"
            await ws.send(HEARTBEAT)
            await recv_reply(ws, "hb-1")
            assert upstream_never_saw(csms, call[1])
            await ws.close()

    asyncio.run(scenario())


def test_inject_detailed_reports_schema_violations_latency_and_record() -> None:
    async def scenario() -> None:
        async with running_csms() as csms, proxy_for(f"ws://127.0.0.1:{csms.server.port}") as proxy:
            ws = await booted(proxy)
            injected = asyncio.create_task(proxy.inject_detailed("CP1", "GetConfiguration", {}))
            call = await until_call(ws, "GetConfiguration")
            await ws.send(dumps([3, call[1], {"configurationKey": "not a list"}]))
            reply = await asyncio.wait_for(injected, 10)
            assert reply.payload == {"configurationKey": "not a list"}
            assert [v.path for v in reply.violations] == ["$.configurationKey"]
            assert reply.latency_ms >= 0
            answer = proxy.store.frame(reply.record_id)
            assert answer.unique_id == call[1] and answer.valid is False
            assert "configurationKey" in answer.problem
            await ws.close()
        with pytest.raises(KeyError):
            await proxy.inject_detailed("CP1", "GetConfiguration", {})

    asyncio.run(scenario())


def test_charger_dropping_without_close_frame_closes_upstream_and_is_recorded() -> None:
    async def scenario() -> None:
        async with running_csms() as csms, proxy_for(f"ws://127.0.0.1:{csms.server.port}") as proxy:
            seen: list[tuple[str, bool]] = []
            proxy.charger_changed.connect(
                lambda charger: seen.append((charger.charger_id, charger.connected)))
            ws = await booted(proxy)
            assert [c.charger_id for c in proxy.chargers()] == ["CP1"]
            ws.transport.abort()  # TCP reset: no close frame
            await wait_for(lambda: any(e.kind == "disconnected" for e in csms.store.events("CP1")))
            upstream_end = [e for e in csms.store.events("CP1") if e.kind == "disconnected"][0]
            assert upstream_end.detail["code"] == 1001
            await wait_for(lambda: any(e.kind == "disconnected" for e in proxy.store.events("CP1")))
            end = [e for e in proxy.store.events("CP1") if e.kind == "disconnected"][0].detail
            assert end["closed_by"] == "charger" and end["code"] == 1006
            assert end["forwarded_code"] == 1001
            assert proxy.chargers() == [] and seen == [("CP1", True), ("CP1", False)]
            assert not csms.central.stations["CP1"].connected

    asyncio.run(scenario())


def test_same_charger_twice_newer_connection_wins() -> None:
    from ocpp_studio.transports.proxy import REPLACED_REASON

    async def scenario() -> None:
        async with running_csms() as csms, proxy_for(f"ws://127.0.0.1:{csms.server.port}") as proxy:
            seen: list[tuple[bool, int | None]] = []
            proxy.charger_changed.connect(
                lambda charger: seen.append((charger.connected, charger.connection_id)))
            old = await booted(proxy)
            first_id = proxy.chargers()[0].connection_id
            new = await booted(proxy)
            with pytest.raises(ConnectionClosed):
                while True:
                    await asyncio.wait_for(old.recv(), 10)
            assert old.close_code == 1000 and old.close_reason == REPLACED_REASON
            # the new connection works end to end
            await new.send(HEARTBEAT)
            await recv_reply(new, "hb-1")
            [charger] = proxy.chargers()
            assert charger.connection_id != first_id and charger.version.label == "1.6"
            assert seen[:3] == [(True, first_id), (False, first_id), (True, charger.connection_id)]
            await wait_for(lambda: any(e.kind == "disconnected" for e in proxy.store.events("CP1")))
            ended = [e for e in proxy.store.events("CP1") if e.kind == "disconnected"]
            assert [e.connection_id for e in ended] == [first_id]
            assert ended[0].detail["closed_by"] == "proxy"
            assert REPLACED_REASON in ended[0].detail["reason"]
            # upstream: the old leg is gone, the new one is the live session
            await wait_for(lambda: len([e for e in csms.store.events("CP1")
                                        if e.kind == "disconnected"]) == 1)
            assert csms.central.stations["CP1"].connected
            await new.close()
            await wait_for(lambda: not csms.central.stations["CP1"].connected)
            await wait_for(lambda: proxy.chargers() == [])
            assert seen[-1] == (False, charger.connection_id) and len(seen) == 4

    asyncio.run(scenario())


# ----------------------------------------------------------------------- TLS
@asynccontextmanager
async def tls_upstream(cert) -> AsyncIterator[int]:
    """A wss:// CSMS on 127.0.0.1 that answers every CALL with an empty-ish CALLRESULT."""
    import ssl

    from websockets.asyncio.server import serve
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    cert.configure_cert(context)

    async def answer(websocket) -> None:
        async for text in websocket:
            message = loads(text)
            if message[0] == 2:
                await websocket.send(dumps([3, message[1], {"currentTime": "2026-01-01T00:00:00Z"}]))

    async with serve(answer, "127.0.0.1", 0, ssl=context, subprotocols=["ocpp1.6"]) as server:
        yield server.sockets[0].getsockname()[1]


def test_proxy_listens_on_wss_with_a_certificate(tls) -> None:
    from ocpp_studio.transports.proxy import server_ssl_context
    ca, _cert, files = tls

    async def scenario() -> None:
        context = server_ssl_context(files["cert"], files["key"])
        async with running_csms() as csms, \
                proxy_for(f"ws://127.0.0.1:{csms.server.port}", ssl_context=context) as proxy:
            assert proxy.scheme == "wss"
            url = f"wss://127.0.0.1:{proxy.port}/ocpp/CP1"
            async with connect(url, subprotocols=["ocpp1.6"], ssl=client_ssl(ca)) as ws:
                await ws.send(HEARTBEAT)
                assert loads(await recv_reply(ws, "hb-1"))[0] == 3
            # a charger that does not trust the certificate cannot connect
            import ssl
            with pytest.raises(ssl.SSLCertVerificationError):
                await connect(url, subprotocols=["ocpp1.6"], ssl=ssl.create_default_context())

    asyncio.run(scenario())


def test_untrusted_wss_upstream_is_refused_and_accepted_with_ca_file(tls) -> None:
    ca, cert, files = tls

    async def scenario() -> None:
        async with tls_upstream(cert) as port:
            upstream = f"wss://127.0.0.1:{port}"
            async with proxy_for(upstream) as proxy:  # system CAs only
                async with connect(proxy_url(proxy), subprotocols=["ocpp1.6"]) as ws:
                    with pytest.raises(ConnectionClosed):
                        await asyncio.wait_for(ws.recv(), 10)
                    assert ws.close_code == 1013
                [refused] = proxy.store.events("CP1")
                assert refused.kind == "refused" and refused.detail["cause"] == "upstream_untrusted"
                assert "not trusted" in refused.detail["reason"]
            async with proxy_for(upstream, upstream_ca_file=files["ca"]) as proxy:
                async with connect(proxy_url(proxy), subprotocols=["ocpp1.6"]) as ws:
                    await ws.send(HEARTBEAT)
                    assert loads(await recv_reply(ws, "hb-1"))[0] == 3
                assert proxy.store.events("CP1")[0].kind == "connected"

    asyncio.run(scenario())


def test_proxy_command_wss_both_sides(tls, tmp_path) -> None:
    """`ocpp-studio proxy --cert --key --ca-file`: wss in, wss out."""
    import re
    import sys
    ca, cert, files = tls

    async def scenario() -> None:
        async with tls_upstream(cert) as port:
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "ocpp_studio.cli", "proxy", "--host", "127.0.0.1",
                "--listen", "0", "--upstream", f"wss://127.0.0.1:{port}", "--ca-file", files["ca"],
                "--cert", files["cert"], "--key", files["key"], "--quiet",
                "--capture", str(tmp_path / "p.db"),
                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
            try:
                line = (await asyncio.wait_for(process.stdout.readline(), 30)).decode()
                listen = re.search(r"proxy on port (\d+) \(wss://", line)
                assert listen, line
                url = f"wss://127.0.0.1:{listen.group(1)}/ocpp/CP1"
                async with connect(url, subprotocols=["ocpp1.6"], ssl=client_ssl(ca)) as ws:
                    await ws.send(HEARTBEAT)
                    assert loads(await recv_reply(ws, "hb-1"))[0] == 3
            finally:
                process.terminate()
                await process.wait()

    asyncio.run(scenario())


def test_proxy_command_refuses_bad_certificate_options(tmp_path, capsys) -> None:
    from ocpp_studio.cli import main
    common = ["proxy", "--listen", "0", "--capture", str(tmp_path / "p.db")]
    assert main(common + ["--upstream", "ws://127.0.0.1:1", "--cert", str(tmp_path / "c.pem")]) == 2
    assert "--cert and --key" in capsys.readouterr().err
    assert main(common + ["--upstream", "ws://127.0.0.1:1", "--cert", str(tmp_path / "c.pem"),
                          "--key", str(tmp_path / "k.pem")]) == 2
    assert "certificate" in capsys.readouterr().err
    assert main(common + ["--upstream", "http://csms.example.com"]) == 2
    assert "ws:// or wss://" in capsys.readouterr().err


def test_relayed_frames_are_schema_checked_and_unanswered_calls_end_lost() -> None:
    """A support engineer watching a charger through the proxy sees its schema faults as
    the inspector shows the studio's own traffic; a call the charger never answered
    because it left is recorded as lost, not left pending for ever."""
    async def scenario() -> None:
        async with running_csms() as csms, proxy_for(f"ws://127.0.0.1:{csms.server.port}") as proxy:
            bad = ('[2,"st-1","StatusNotification",{"connectorId":"one","errorCode":"NoError",'
                   '"status":"Available"}]')
            async with connect(proxy_url(proxy), subprotocols=["ocpp1.6"]) as ws:
                await ws.send(BOOT_16)
                await recv_reply(ws, "boot-1")
                await ws.send(bad)
                error = loads(await recv_reply(ws, "st-1"))
                assert error[0] == 4  # the real CSMS refused it …
                await wait_for(lambda: "CP1" in csms.central.sessions)
                asyncio.create_task(csms.central.call("CP1", "GetConfiguration", {}))
                while True:  # … and the CSMS's next call is never answered: the charger leaves
                    message = loads(await asyncio.wait_for(ws.recv(), 10))
                    if message[0] == 2 and message[2] == "GetConfiguration":
                        break
            await wait_for(lambda: any(e.kind == "disconnected" for e in proxy.store.events("CP1")))
            frames = {(f.direction, f.unique_id): f for f in proxy.store.frames(charger="CP1")}
            call = frames[(Direction.TO_CSMS, "st-1")]
            assert call.raw == bad  # recorded as it was on the wire
            assert call.valid is False
            assert any(v["path"] == "$.connectorId" for v in call.violations), call.violations
            assert "StatusNotification payload does not match the schema" in call.problem
            answer = frames[(Direction.TO_CHARGER, "st-1")]
            assert answer.pair_id == call.id and answer.error_code == error[2]
            assert proxy.store.frame(call.id).state == "error"
            unanswered = frames[(Direction.TO_CHARGER, message[1])]
            assert proxy.store.frame(unanswered.id).state == "lost"

    asyncio.run(scenario())


def test_url_without_charger_id_is_refused_and_recorded_not_relayed() -> None:
    """``/ocpp/`` names no charger: refused with the reason, never a charger called ''."""
    async def scenario() -> None:
        async with running_csms() as csms, \
                proxy_for(f"ws://127.0.0.1:{csms.server.port}") as proxy:
            from websockets.exceptions import InvalidStatus
            with pytest.raises(InvalidStatus) as refused:
                async with connect(f"ws://127.0.0.1:{proxy.port}/ocpp/", subprotocols=["ocpp1.6"]):
                    pass
            assert refused.value.response.status_code == 404
            [event] = proxy.store.events()
            assert event.kind == "refused" and event.detail["cause"] == "no_charger_id"
            assert "no charger id" in event.detail["reason"]
            assert csms.store.events() == []  # the upstream never saw it

    asyncio.run(scenario())


def test_upstream_credentials_never_reach_the_log(caplog) -> None:
    from ocpp_studio.transports.proxy import without_credentials
    assert without_credentials("wss://user:s3cret@csms.example/ocpp") == "wss://•••@csms.example/ocpp"

    async def scenario() -> None:
        async with proxy_for(f"ws://user:s3cret@127.0.0.1:{free_port()}"):
            pass

    with caplog.at_level("DEBUG"):
        asyncio.run(scenario())
    assert "s3cret" not in caplog.text


def test_ocpp21_send_is_relayed_recorded_on_both_legs_and_never_answered() -> None:
    """OCPP 2.1 Part 4 §4.2.5: NotifyPeriodicEventStream goes as a SEND [6]; the proxy
    records it (schema-checked for 2.1) and forwards it; nobody answers it."""
    stream = ('[6,"pes-1","NotifyPeriodicEventStream",{"id":1,"pending":0,'
              '"basetime":"2026-01-01T00:00:00Z","data":[{"t":0,"v":"230.1"}]}]')

    async def scenario() -> None:
        async with running_csms() as csms, proxy_for(f"ws://127.0.0.1:{csms.server.port}") as proxy:
            async with connect(proxy_url(proxy, "CP21"), subprotocols=["ocpp2.1"]) as ws:
                assert ws.subprotocol == "ocpp2.1"
                await ws.send(stream)
                await ws.send(HEARTBEAT)
                answer = await recv_reply(ws, "hb-1")  # the SEND got nothing back before it
                assert loads(answer)[0] == 3
                await wait_for(lambda: [f for f in csms.store.frames() if f.unique_id == "pes-1"])
            relayed = [f for f in proxy.store.frames(charger="CP21") if f.unique_id == "pes-1"]
            upstream = [f for f in csms.store.frames() if f.unique_id == "pes-1"]
            for rows in (relayed, upstream):
                assert len(rows) == 1 and rows[0].raw == stream
                assert rows[0].message_type == 6 and rows[0].valid and rows[0].problem is None
            assert not [f for f in proxy.store.frames(charger="CP21")
                        if f.unique_id == "pes-1" and f.direction is Direction.TO_CHARGER]

    asyncio.run(scenario())
