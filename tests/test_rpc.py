"""The RPC endpoint in both roles, linked in memory (no sockets needed here)."""

import asyncio
import json

import pytest

from ocpp_studio.capture.store import CaptureStore
from ocpp_studio.core.errors import Fault
from ocpp_studio.core.records import CallState, MemoryRecorder
from ocpp_studio.core.rpc import (
    CallError, CallTimeout, ConnectionClosed, InvalidPayload, RpcEndpoint,
)
from ocpp_studio.core.versions import OcppVersion

BOOT = {"chargePointVendor": "Acme", "chargePointModel": "W1"}
BOOT_ANSWER = {"status": "Accepted", "currentTime": "2026-01-01T00:00:00Z", "interval": 60}


class Link:
    """A CSMS endpoint and a charger endpoint wired back to back."""

    def __init__(self, csms_handler, charger_handler, version=OcppVersion.V16, **csms_options):
        self.store = CaptureStore(":memory:")
        self.charger_frames = MemoryRecorder()
        self.cut = False

        async def to_charger(text):
            if self.cut:
                raise ConnectionError("link cut")
            asyncio.get_running_loop().call_soon(asyncio.ensure_future, self.charger.receive(text))

        async def to_csms(text):
            if self.cut:
                raise ConnectionError("link cut")
            asyncio.get_running_loop().call_soon(asyncio.ensure_future, self.csms.receive(text))

        self.csms = RpcEndpoint(version=version, role="csms", charger_id="CP1", send=to_charger,
                                recorder=self.store, handler=csms_handler, **csms_options)
        self.charger = RpcEndpoint(version=version, role="charger", charger_id="CP1",
                                   send=to_csms, recorder=self.charger_frames,
                                   handler=charger_handler)


def run(coro):
    return asyncio.run(coro)


class GatedCharger:
    """A charger handler that holds every CALL until ``release`` is set."""

    def __init__(self, answer=None):
        self.release = asyncio.Event()
        self.seen = []
        self.answer = answer if answer is not None else {"status": "Accepted"}

    async def __call__(self, action, payload):
        self.seen.append(action)
        await self.release.wait()
        return self.answer


def test_call_is_recorded_paired_and_answered():
    async def scenario():
        link = Link(lambda a, p: BOOT_ANSWER, lambda a, p: {})
        answer = await link.charger.call("BootNotification", BOOT)
        assert answer["status"] == "Accepted"
        call, result = link.store.frames()
        assert call.action == "BootNotification" and call.state == CallState.ANSWERED.value
        assert result.pair_id == call.id and result.action == "BootNotification"
        assert result.latency_ms is not None and result.latency_ms >= 0
        assert call.valid and result.valid
    run(scenario())


def test_several_calls_in_flight_when_allowed():
    async def scenario():
        charger = GatedCharger()
        link = Link(lambda a, p: {}, charger, max_calls_in_flight=3)
        calls = [asyncio.create_task(link.csms.call("Reset", {"type": "Soft"})) for _ in range(3)]
        while len(charger.seen) < 3:  # all three reach the charger before any answer
            await asyncio.sleep(0.01)
        assert link.csms.calls_in_flight == 3
        charger.release.set()
        assert [c["status"] for c in await asyncio.gather(*calls)] == ["Accepted"] * 3
    run(scenario())


def test_one_call_at_a_time_by_default():
    async def scenario():
        charger = GatedCharger()
        link = Link(lambda a, p: {}, charger)
        calls = [asyncio.create_task(link.csms.call("Reset", {"type": "Soft"})) for _ in range(2)]
        while not charger.seen:
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.05)
        assert charger.seen == ["Reset"] and link.csms.calls_in_flight == 1
        charger.release.set()
        await asyncio.gather(*calls)
        assert charger.seen == ["Reset", "Reset"]
    run(scenario())


def test_timeout_is_a_clear_error_and_a_late_answer_is_flagged():
    async def scenario():
        charger = GatedCharger()
        link = Link(lambda a, p: {}, charger)
        with pytest.raises(CallTimeout, match="CP1 did not answer Reset within 0.2 s"):
            await link.csms.call("Reset", {"type": "Hard"}, timeout=0.2)
        call = link.store.frames()[0]
        assert call.state == CallState.TIMEOUT.value
        charger.release.set()
        while len(link.store.frames()) < 2:
            await asyncio.sleep(0.01)
        late = link.store.frames()[1]
        assert late.state == CallState.LATE.value and late.pair_id == call.id
        assert "Late answer to Reset" in late.problem
        assert link.store.frame(call.id).state == CallState.TIMEOUT.value
    run(scenario())


def test_unmatched_answer_is_recorded_not_dropped():
    async def scenario():
        link = Link(lambda a, p: {}, lambda a, p: {})
        await link.csms.receive('[3,"nobody-asked",{}]')
        frame = link.store.frames()[0]
        assert frame.state == CallState.UNMATCHED.value
        assert "matches no call" in frame.problem
    run(scenario())


def test_disconnect_fails_pending_calls_and_marks_them_lost():
    async def scenario():
        async def never(action, payload):
            await asyncio.Event().wait()

        link = Link(lambda a, p: {}, never)
        pending = asyncio.create_task(link.csms.call("GetConfiguration", {}))
        while link.csms.calls_in_flight == 0:
            await asyncio.sleep(0.01)
        link.csms.close("charger vanished")
        with pytest.raises(ConnectionClosed, match="disconnected before answering GetConfiguration"):
            await pending
        assert link.store.frames()[0].state == CallState.LOST.value
        with pytest.raises(ConnectionClosed):
            await link.csms.call("GetConfiguration", {})
    run(scenario())


def test_send_failure_is_connection_closed():
    async def scenario():
        link = Link(lambda a, p: {}, lambda a, p: {})
        link.cut = True
        with pytest.raises(ConnectionClosed):
            await link.csms.call("GetConfiguration", {})
        assert link.store.frames()[0].state == CallState.LOST.value
    run(scenario())


def test_callerror_answer_raises_call_error():
    async def scenario():
        def refusing(action, payload):
            raise CallError(Fault.NOT_SUPPORTED, "no reservations here")

        link = Link(lambda a, p: {}, refusing)
        with pytest.raises(CallError) as caught:
            await link.csms.call("ReserveNow", {"connectorId": 1, "expiryDate": "2030-01-01T00:00:00Z",
                                                "idTag": "A", "reservationId": 1})
        assert caught.value.code == "NotSupported"
        assert caught.value.description == "no reservations here"
        call, error = link.store.frames()
        assert call.state == CallState.ERROR.value and error.error_code == "NotSupported"
    run(scenario())


def test_handler_crash_becomes_internal_error():
    async def scenario():
        def broken(action, payload):
            raise RuntimeError("database on fire")

        link = Link(broken, lambda a, p: {})
        with pytest.raises(CallError) as caught:
            await link.charger.call("Heartbeat", {})
        assert caught.value.code == "InternalError"
        assert "database on fire" in caught.value.description
    run(scenario())


def test_invalid_outgoing_payload_is_refused_before_sending():
    async def scenario():
        link = Link(lambda a, p: {}, lambda a, p: {})
        with pytest.raises(InvalidPayload, match=r"\$.type"):
            await link.csms.call("Reset", {"type": "Gentle"})
        assert link.store.frames() == []  # nothing went on the wire
        with pytest.raises(InvalidPayload, match="not an OCPP 1.6 action"):
            await link.csms.call("Teleport", {})
    run(scenario())


def test_invalid_payload_can_be_sent_on_purpose_and_is_recorded_invalid():
    async def scenario():
        def charger(action, payload):
            raise CallError("PropertyConstraintViolation", "bad type")

        link = Link(lambda a, p: {}, charger)
        with pytest.raises(CallError):
            await link.csms.call("Reset", {"type": "Gentle"}, allow_invalid=True)
        call = link.store.frames()[0]
        assert call.valid is False and call.violations[0]["path"] == "$.type"
    run(scenario())


def test_response_breaking_the_schema_is_returned_and_recorded():
    async def scenario():
        link = Link(lambda a, p: {}, lambda a, p: {"status": "Maybe"})
        reply = await link.csms.call_detailed("Reset", {"type": "Soft"})
        assert reply.payload == {"status": "Maybe"}
        assert reply.violations[0].path == "$.status"
        assert link.store.frame(reply.record_id).valid is False
    run(scenario())


def test_unknown_error_code_in_answer_is_flagged():
    async def scenario():
        def charger(action, payload):
            raise CallError("TotallyBroken", "")

        link = Link(lambda a, p: {}, charger)
        with pytest.raises(CallError):
            await link.csms.call("ClearCache", {})
        error = link.store.frames()[1]
        assert error.valid is False and "is not an OCPP 1.6 error code" in error.problem
    run(scenario())


def test_duplicate_id_while_handling_is_refused():
    async def scenario():
        release = asyncio.Event()

        async def slow(action, payload):
            await release.wait()
            return {"currentTime": "2026-01-01T00:00:00Z"}

        sent = []

        async def capture(text):
            sent.append(text)

        csms = RpcEndpoint(version=OcppVersion.V201, role="csms", charger_id="CP1", send=capture,
                           recorder=MemoryRecorder(), handler=slow)
        await csms.receive('[2,"same","Heartbeat",{}]')
        await csms.receive('[2,"same","Heartbeat",{}]')
        assert sent and '"RpcFrameworkError"' in sent[0]
        release.set()
        while len(sent) < 2:
            await asyncio.sleep(0.01)
        assert sent[1].startswith('[3,"same"')
    run(scenario())


def test_cancelled_call_is_marked_lost_and_its_answer_late():
    async def scenario():
        charger = GatedCharger()
        link = Link(lambda a, p: {}, charger)
        task = asyncio.create_task(link.csms.call("Reset", {"type": "Soft"}))
        while link.csms.calls_in_flight == 0:
            await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert link.csms.calls_in_flight == 0
        assert link.store.frames()[0].state == CallState.LOST.value
        charger.release.set()
        while len(link.store.frames()) < 2:
            await asyncio.sleep(0.01)
        answer = link.store.frames()[1]
        assert answer.state == CallState.LATE.value and "was cancelled" in answer.problem
    run(scenario())


def _answering_csms(version=OcppVersion.V16):
    """A CSMS endpoint on a capture store that answers Heartbeat, and what it sent."""
    store = CaptureStore(":memory:")
    sent = []

    async def capture(text):
        sent.append(text)

    csms = RpcEndpoint(version=version, role="csms", charger_id="CP1", send=capture,
                       recorder=store, handler=lambda a, p: {"currentTime": "2026-01-01T00:00:00Z"})
    return csms, store, sent


def test_reused_message_id_is_a_problem_on_the_frame_and_still_answered():
    """OCPP-J §4.1.4: a CALL's id must differ from every earlier CALL id on the connection."""
    async def scenario():
        csms, store, sent = _answering_csms()
        await csms.receive('[2,"dup-1","Heartbeat",{}]')
        await csms.receive('[2,"other","Heartbeat",{}]')
        await csms.receive('[2,"dup-1","Heartbeat",{}]')
        assert [s[:10] for s in sent] == ['[3,"dup-1"', '[3,"other"', '[3,"dup-1"']
        first, _, again = store.frames(direction="to_csms")
        assert first.problem is None
        assert again.valid and "Duplicate message id 'dup-1'" in again.problem
        assert "Heartbeat" in again.problem and again.state == CallState.ANSWERED.value
        problems = store.frames(problems_only=True)
        assert [f.id for f in problems] == [again.id], "only the reused frame is a problem"
    run(scenario())


def test_reused_id_joins_other_problems_without_changing_the_answer():
    async def scenario():
        csms, store, sent = _answering_csms()
        await csms.receive('[2,"dup-2","Heartbeat",{}]')
        await csms.receive('[2,"dup-2","BootNotification",{"chargePointVendor":"Acme"}]')
        await csms.receive('[2,"dup-2","FooBar",{}]')
        _, broken, unknown = store.frames(direction="to_csms")
        assert "schema" in broken.problem and "Duplicate message id" in broken.problem
        assert "Unknown action" in unknown.problem and "Duplicate message id" in unknown.problem
        # The CALLERROR texts say what is wrong with the payload, as before.
        assert '"OccurenceConstraintViolation"' in sent[1] and "Duplicate" not in sent[1]
        assert '"NotImplemented"' in sent[2]
    run(scenario())


def test_ids_of_other_connections_are_not_duplicates():
    async def scenario():
        for _ in range(2):  # each endpoint is a connection of its own
            csms, store, _ = _answering_csms(OcppVersion.V201)
            await csms.receive('[2,"1","Heartbeat",{}]')
            assert store.frames()[0].problem is None
    run(scenario())


# ------------------------------------------------------------------ OCPP 2.1
STREAM = {"id": 1, "pending": 0, "basetime": "2026-01-01T00:00:00Z",
          "data": [{"t": 0, "v": "230.1"}]}


def _endpoint(version, role="csms", handler=None):
    sent, recorder = [], MemoryRecorder()

    async def capture(text):
        sent.append(text)

    endpoint = RpcEndpoint(version=version, role=role, charger_id="CP1", send=capture,
                           recorder=recorder, handler=handler or (lambda a, p: {}))
    return endpoint, sent, recorder


def test_ocpp21_send_is_validated_recorded_and_never_answered():
    """OCPP 2.1 Part 4 §4.2.5: a SEND gets no answer, not even a CALLERROR when it is wrong."""
    async def scenario():
        handled = []
        csms, sent, recorder = _endpoint(OcppVersion.V21,
                                         handler=lambda a, p: handled.append(a) or {})
        charger, to_csms, charger_frames = _endpoint(OcppVersion.V21, role="charger")
        await charger.send_unconfirmed("NotifyPeriodicEventStream", STREAM)
        assert to_csms[0].startswith('[6,"') and charger_frames.frames[0].message_type == 6
        await csms.receive(to_csms[0])
        await csms.receive('[6,"bad-1","NotifyPeriodicEventStream",{"id":"one"}]')
        await csms.receive('[6,"odd-1","Heartbeat",{}]')
        good, bad, odd = recorder.frames
        assert sent == []  # nothing answered
        assert handled == ["NotifyPeriodicEventStream"]  # the valid one is handed over
        assert good.message_type == 6 and good.action == "NotifyPeriodicEventStream"
        assert good.valid is True and good.problem is None and good.state is None
        assert bad.valid is False and "does not match the schema" in bad.problem
        assert any(v["path"] == "$.id" for v in bad.violations)
        assert "'Heartbeat' is not an OCPP 2.1 SEND message" in odd.problem
    run(scenario())


def test_ocpp21_send_whose_handler_fails_is_still_not_answered(caplog):
    async def scenario():
        async def failing(action, payload):
            raise CallError(Fault.NOT_SUPPORTED, "no streams here")

        csms, sent, recorder = _endpoint(OcppVersion.V21, handler=failing)
        await csms.receive(f'[6,"s-1","NotifyPeriodicEventStream",{json.dumps(STREAM)}]')
        for _ in range(5):
            await asyncio.sleep(0)
        assert sent == [] and recorder.frames[0].valid is True
        assert "handler for the SEND NotifyPeriodicEventStream from CP1 failed" in caplog.text
    run(scenario())


def test_ocpp21_send_with_a_broken_shape_is_recorded_not_answered():
    async def scenario():
        csms, sent, recorder = _endpoint(OcppVersion.V21)
        await csms.receive('[6,"s-1","NotifyPeriodicEventStream"]')
        assert sent == [] and recorder.frames[0].message_type == 6
        assert "a SEND is [6, id, action, payload]" in recorder.frames[0].problem
    run(scenario())


def test_ocpp21_send_refuses_what_is_not_a_send_message_or_breaks_the_schema():
    async def scenario():
        charger, to_csms, _ = _endpoint(OcppVersion.V21, role="charger")
        with pytest.raises(InvalidPayload, match="not an OCPP 2.1 SEND message"):
            await charger.send_unconfirmed("Heartbeat", {})
        with pytest.raises(InvalidPayload):
            await charger.send_unconfirmed("NotifyPeriodicEventStream", {"id": 1})
        assert to_csms == []
    run(scenario())


def test_ocpp21_callresulterror_is_recorded_with_the_call_it_concerns_and_not_answered():
    """OCPP 2.1 Part 4 §4.2.4: the charger could not take our CALLRESULT to its CALL."""
    async def scenario():
        csms, sent, recorder = _endpoint(OcppVersion.V21)
        await csms.receive('[2,"hb-1","Heartbeat",{}]')
        assert sent[0].startswith('[3,"hb-1"')
        await csms.receive('[5,"hb-1","FormatViolation","currentTime is not a date",{}]')
        assert len(sent) == 1  # never answered
        error = recorder.frames[-1]
        assert error.message_type == 5 and error.error_code == "FormatViolation"
        assert error.action == "Heartbeat" and error.valid is True
        assert "error about the answer to message 'hb-1'" in error.problem
        assert "currentTime is not a date" in error.problem
    run(scenario())


@pytest.mark.parametrize("version", [OcppVersion.V16, OcppVersion.V201])
@pytest.mark.parametrize("raw", ['[6,"s-1","NotifyPeriodicEventStream",{}]',
                                 '[5,"s-1","GenericError","",{}]'])
def test_types_5_and_6_are_still_refused_before_ocpp21(version, raw):
    async def scenario():
        csms, sent, recorder = _endpoint(version)
        await csms.receive(raw)
        expected = "FormationViolation" if version is OcppVersion.V16 else "MessageTypeNotSupported"
        assert len(sent) == 1 and sent[0].startswith(f'[4,"s-1","{expected}"')
        assert "unknown message type id" in recorder.frames[0].problem
    run(scenario())
