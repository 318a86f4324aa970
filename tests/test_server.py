"""The local CSMS over real websockets on 127.0.0.1."""

import asyncio
import base64

import pytest
import websockets
from websockets.exceptions import InvalidStatus

from conftest import BOOT_16, BOOT_201, exchange, raw_charger, running_csms, wait_for
from ocpp_studio.core.rpc import ConnectionClosed
from ocpp_studio.transports.websocket_server import charger_id_from_path


def run(coro):
    return asyncio.run(coro)


@pytest.mark.parametrize("path, expected", [
    ("/ocpp/CP001", "CP001"), ("/CP001?x=1", "CP001"),
    ("/ocppj/RDAM%20123", "RDAM 123"), ("/", ""),
    # an empty last segment is no charger id, not the segment before it
    ("/ocpp/", ""), ("/a/b/c/CP001/", ""),
])
def test_charger_id_is_the_last_path_segment(path, expected):
    assert charger_id_from_path(path) == expected


def test_handshake_is_recorded_and_station_learns_identity():
    async def scenario():
        async with running_csms() as csms:
            async with raw_charger(csms.url("CP1", "/any/path/here"), "ocpp1.6") as ws:
                answer = await exchange(ws, BOOT_16)
                assert answer[0] == 3 and answer[2]["status"] == "Accepted"
                assert answer[2]["interval"] == 300
                await exchange(ws, '[2,"s1","StatusNotification",{"connectorId":1,'
                                   '"errorCode":"NoError","status":"Charging"}]')
                station = csms.central.stations["CP1"]
                assert station.connected and station.vendor == "Acme"
                assert station.connectors["1"].status == "Charging"
            await wait_for(lambda: not csms.central.stations["CP1"].connected)
            connected, disconnected = csms.store.events("CP1")
            assert connected.kind == "connected"
            assert connected.detail["path"] == "/any/path/here/CP1"
            assert connected.detail["offered"] == ["ocpp1.6"]
            assert connected.detail["subprotocol"] == "ocpp1.6"
            assert disconnected.kind == "disconnected" and disconnected.detail["code"] == 1000
    run(scenario())


def test_charger_preference_order_picks_the_version():
    async def scenario():
        async with running_csms() as csms:
            url = csms.url("CP2")
            async with websockets.connect(url, subprotocols=["ocpp2.0.1", "ocpp1.6"]) as ws:
                assert ws.subprotocol == "ocpp2.0.1"
                answer = await exchange(ws, BOOT_201)
                assert answer[2]["status"] == "Accepted"
            assert csms.store.events("CP2")[0].detail["offered"] == ["ocpp2.0.1", "ocpp1.6"]
    run(scenario())


def test_no_subprotocol_is_refused_with_the_reason_recorded():
    async def scenario():
        async with running_csms() as csms:
            async with raw_charger(csms.url("CP3"), None) as ws:
                # OCPP-J §3.2: finish the handshake without a subprotocol, then close.
                with pytest.raises(websockets.ConnectionClosed):
                    await ws.recv()
                assert ws.close_code == 1002
            refused = csms.store.events("CP3")[0]
            assert refused.kind == "refused"
            assert "offered no OCPP subprotocol" in refused.detail["reason"]
            assert "CP3" not in csms.central.sessions
    run(scenario())


def test_unsupported_subprotocol_is_refused_naming_what_was_offered():
    async def scenario():
        async with running_csms() as csms:
            async with raw_charger(csms.url("CP4"), "ocpp1.5") as ws:
                with pytest.raises(websockets.ConnectionClosed):
                    await ws.recv()
            assert "Charger offered ocpp1.5" in csms.store.events("CP4")[0].detail["reason"]
    run(scenario())


def test_missing_subprotocol_accepted_as_16_when_allowed():
    async def scenario():
        async with running_csms(accept_missing_subprotocol=True) as csms:
            async with raw_charger(csms.url("CP5"), None) as ws:
                answer = await exchange(ws, BOOT_16)
                assert answer[2]["status"] == "Accepted"
            assert csms.central.stations["CP5"].version.label == "1.6"
    run(scenario())


def test_url_without_charger_id_gets_404():
    async def scenario():
        async with running_csms() as csms:
            with pytest.raises(InvalidStatus) as caught:
                async with raw_charger(f"ws://127.0.0.1:{csms.server.port}/"):
                    pass
            assert caught.value.response.status_code == 404
            assert "no charger id" in csms.store.events()[0].detail["reason"]
    run(scenario())


def test_trailing_slash_is_refused_not_a_charger_called_ocpp():
    async def scenario():
        async with running_csms() as csms:
            with pytest.raises(InvalidStatus) as caught:
                async with raw_charger(f"ws://127.0.0.1:{csms.server.port}/ocpp/"):
                    pass
            assert caught.value.response.status_code == 404
            assert "ocpp" not in csms.central.stations
            refused = csms.store.events()[0]
            assert refused.kind == "refused" and "ends with '/'" in refused.detail["reason"]
    run(scenario())


def _basic(user, password):
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def test_basic_auth_per_charger_password():
    async def scenario():
        async with running_csms(passwords={"CP6": "correct-horse-battery"}) as csms:
            for headers, reason in [({}, "sent no HTTP Basic credentials"),
                                    (_basic("CP6", "wrong"), "Wrong password"),
                                    (_basic("other", "correct-horse-battery"), "is not the charger id")]:
                with pytest.raises(InvalidStatus) as caught:
                    async with raw_charger(csms.url("CP6"), additional_headers=headers):
                        pass
                assert caught.value.response.status_code == 401
                assert reason in csms.store.events()[-1].detail["reason"]
            async with raw_charger(csms.url("CP6"),
                                   additional_headers=_basic("CP6", "correct-horse-battery")) as ws:
                assert (await exchange(ws, BOOT_16))[2]["status"] == "Accepted"
            connected = [e for e in csms.store.events("CP6") if e.kind == "connected"]
            assert connected[0].detail["auth_user"] == "CP6"
    run(scenario())


def test_many_chargers_at_once():
    async def scenario():
        async with running_csms() as csms:
            async def one(n):
                async with raw_charger(csms.url(f"CP-{n:02d}")) as ws:
                    await exchange(ws, BOOT_16)
                    await exchange(ws, f'[2,"hb{n}","Heartbeat",{{}}]')
            await asyncio.gather(*(one(n) for n in range(25)))
            assert len(csms.central.stations) == 25
            assert len(csms.store.frames(limit=1000)) == 25 * 4
            assert all(f.valid for f in csms.store.frames(limit=1000))
    run(scenario())


def test_charger_vanishing_mid_operation_gives_a_clear_error():
    async def scenario():
        async with running_csms() as csms:
            ws = await websockets.connect(csms.url("CP7"), subprotocols=["ocpp1.6"])
            await exchange(ws, BOOT_16)
            call = asyncio.create_task(csms.central.call("CP7", "GetConfiguration", {}))
            await ws.recv()  # the charger got the CALL ... and drops off the network
            ws.transport.abort()
            with pytest.raises(ConnectionClosed, match="CP7 disconnected before answering GetConfiguration"):
                await call
            frames = csms.store.frames(charger="CP7", action="GetConfiguration")
            assert frames[0].state == "lost"
            with pytest.raises(ConnectionClosed, match="is not connected"):
                await csms.central.call("CP7", "GetConfiguration", {})
            with pytest.raises(ConnectionClosed, match="has never connected"):
                await csms.central.call("NOPE", "GetConfiguration", {})
            assert csms.store.events("CP7")[-1].kind == "disconnected"
    run(scenario())


def test_reconnect_replaces_a_half_open_connection():
    async def scenario():
        async with running_csms() as csms:
            first = await websockets.connect(csms.url("CP8"), subprotocols=["ocpp1.6"])
            await exchange(first, BOOT_16)
            async with raw_charger(csms.url("CP8")) as second:
                await exchange(second, '[2,"hb","Heartbeat",{}]')
                events = csms.store.events("CP8")
                latest = [e for e in events if e.kind == "connected"][-1]
                assert csms.central.sessions["CP8"].connection_id == latest.connection_id
                replaced = [e for e in events if e.kind == "disconnected"][0]
                assert "replaced by a new connection" in replaced.detail["reason"]
                station = csms.central.stations["CP8"]
                assert station.connected and len(station.connections) == 2
                # the stale socket is closed by the studio
                with pytest.raises(websockets.ConnectionClosed):
                    await asyncio.wait_for(first.recv(), 10)
            await wait_for(lambda: not csms.central.stations["CP8"].connected)
    run(scenario())


def test_oversized_frame_closes_the_connection_with_the_reason_recorded():
    async def scenario():
        async with running_csms(max_message_bytes=4096) as csms:
            async with raw_charger(csms.url("CP9")) as ws:
                await exchange(ws, BOOT_16)
                await ws.send('[2,"big","DataTransfer",{"vendorId":"x","data":"' + "x" * 10000 + '"}]')
                with pytest.raises(websockets.ConnectionClosed):
                    await ws.recv()
            await wait_for(lambda: csms.store.events("CP9")[-1].kind == "disconnected")
            closed = csms.store.events("CP9")[-1].detail
            assert closed["code"] == 1009 and "larger than the maximum message size" in closed["reason"]
            # what was received before is all still there
            assert [f.action for f in csms.store.frames(charger="CP9")] == ["BootNotification"] * 2
    run(scenario())


def test_boot_rejected_then_other_calls_get_security_error():
    async def scenario():
        async with running_csms(boot_status="Rejected") as csms:
            async with raw_charger(csms.url("CP10"), "ocpp2.0.1") as ws:
                assert (await exchange(ws, BOOT_201))[2]["status"] == "Rejected"
                answer = await exchange(ws, '[2,"hb","Heartbeat",{}]')
                assert answer[0] == 4 and answer[2] == "SecurityError"
    run(scenario())


def test_transactions_tracked_in_both_versions():
    async def scenario():
        async with running_csms() as csms:
            async with raw_charger(csms.url("T16")) as ws:
                await exchange(ws, BOOT_16)
                start = await exchange(ws, '[2,"st","StartTransaction",{"connectorId":1,"idTag":"TAG1",'
                                           '"meterStart":1000,"timestamp":"2026-01-01T00:00:00Z"}]')
                tx = start[2]["transactionId"]
                assert str(tx) in csms.central.stations["T16"].transactions
                await exchange(ws, f'[2,"sp","StopTransaction",{{"transactionId":{tx},'
                                   '"meterStop":3000,"timestamp":"2026-01-01T01:00:00Z"}]')
                assert not csms.central.stations["T16"].transactions
                assert csms.central.stations["T16"].finished_transactions[-1].meter_stop_wh == 3000
            async with raw_charger(csms.url("T201"), "ocpp2.0.1") as ws:
                await exchange(ws, BOOT_201)
                answer = await exchange(ws, '[2,"te","TransactionEvent",{"eventType":"Started",'
                    '"timestamp":"2026-01-01T00:00:00Z","triggerReason":"Authorized","seqNo":0,'
                    '"transactionInfo":{"transactionId":"abc","chargingState":"Charging"},'
                    '"evse":{"id":1,"connectorId":1},"idToken":{"idToken":"TAG","type":"ISO14443"}}]')
                assert answer[2]["idTokenInfo"]["status"] == "Accepted"
                assert csms.central.stations["T201"].transactions["abc"].connector == "1/1"
    run(scenario())
