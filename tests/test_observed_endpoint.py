"""The passive endpoint for watched traffic (proxy relays, serial console), without sockets."""

import asyncio

import pytest

from ocpp_studio.core.observed import OBSERVED, ObservedEndpoint
from ocpp_studio.core.records import CallState, Direction, MemoryRecorder
from ocpp_studio.core.rpc import CallTimeout, ConnectionClosed
from ocpp_studio.core.versions import OcppVersion

TO_CSMS, TO_CHARGER = Direction.TO_CSMS, Direction.TO_CHARGER
STREAM = '{"id":1,"pending":0,"basetime":"2026-01-01T00:00:00Z","data":[{"t":0,"v":"230.1"}]}'


def test_relayed_call_and_answer_are_paired_with_latency():
    recorder = MemoryRecorder()
    endpoint = ObservedEndpoint(recorder, "CP1", OcppVersion.V16)
    assert endpoint.relay('[2,"b1","Heartbeat",{}]', TO_CSMS, ts_us=1_000_000)
    assert endpoint.relay('[3,"b1",{"currentTime":"2026-01-01T00:00:00Z"}]', TO_CHARGER,
                          ts_us=1_250_000)
    call, answer = recorder.frames
    assert answer.pair_id == call.id and answer.action == "Heartbeat"
    assert answer.latency_ms == 250 and answer.state == CallState.ANSWERED.value
    assert recorder.call_states[call.id] == CallState.ANSWERED.value


def test_console_frames_stay_observed_and_an_answer_to_nothing_is_unmatched():
    recorder = MemoryRecorder()
    endpoint = ObservedEndpoint(recorder, "CP1", OcppVersion.V16, live=False)
    endpoint.record('[3,"old",{}]', TO_CHARGER)
    endpoint.record('[2,"hb","Heartbeat",{}]', TO_CSMS)
    old, call = recorder.frames
    assert old.state == CallState.UNMATCHED.value and "matches no call seen" in old.problem
    assert call.state == OBSERVED


def test_ocpp21_send_and_callresulterror_are_recorded_and_open_no_call():
    recorder = MemoryRecorder()
    endpoint = ObservedEndpoint(recorder, "CP21", OcppVersion.V21)
    assert endpoint.relay(f'[6,"s1","NotifyPeriodicEventStream",{STREAM}]', TO_CSMS)
    assert endpoint.relay('[6,"s2","NotifyPeriodicEventStream",{"id":1}]', TO_CSMS)
    assert endpoint.relay('[5,"x1","GenericError","what is this",{}]', TO_CHARGER)
    good, bad, error = recorder.frames
    assert good.message_type == 6 and good.valid is True and good.state is None
    assert bad.valid is False and "does not match the schema" in bad.problem
    assert error.message_type == 5 and error.error_code == "GenericError"
    assert "what is this" in error.problem
    assert not endpoint._watched  # noqa: SLF001 - a SEND waits for no answer


def test_ocpp21_types_are_unknown_on_a_201_link():
    recorder = MemoryRecorder()
    endpoint = ObservedEndpoint(recorder, "CP2", OcppVersion.V201)
    assert endpoint.relay(f'[6,"s1","NotifyPeriodicEventStream",{STREAM}]', TO_CSMS)
    assert "unknown message type id" in recorder.frames[0].problem


def test_studio_call_answer_is_consumed_and_a_late_one_too():
    async def scenario():
        recorder = MemoryRecorder()
        endpoint = ObservedEndpoint(recorder, "CP1", OcppVersion.V16)
        sent: list[str] = []

        async def send(text):
            sent.append(text)

        with pytest.raises(CallTimeout, match="CP1 did not answer Reset within 0.05 s"):
            await endpoint.call_detailed("Reset", {"type": "Soft"}, send, timeout=0.05)
        unique_id = sent[0].split('"')[1]
        assert unique_id.startswith("studio-")
        # the late answer stays with the studio: not passed on to the real central system
        assert not endpoint.relay(f'[3,"{unique_id}",{{"status":"Accepted"}}]', TO_CSMS)
        call, late = recorder.frames
        assert recorder.call_states[call.id] == CallState.TIMEOUT.value
        assert late.state == CallState.LATE.value and "Late answer to Reset" in late.problem

        task = asyncio.create_task(endpoint.call_detailed("ClearCache", {}, send))
        while len(sent) < 2:
            await asyncio.sleep(0)
        second = sent[1].split('"')[1]
        assert not endpoint.relay(f'[3,"{second}",{{"status":"Rejected"}}]', TO_CSMS)
        reply = await task
        assert reply.payload == {"status": "Rejected"} and reply.violations == []

        third = asyncio.create_task(endpoint.call_detailed("ClearCache", {}, send))
        while len(sent) < 3:
            await asyncio.sleep(0)
        endpoint.close()
        with pytest.raises(ConnectionClosed, match="disconnected before answering ClearCache"):
            await third
        assert recorder.call_states[recorder.frames[-1].id] == CallState.LOST.value
    asyncio.run(scenario())
