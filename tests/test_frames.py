from decimal import Decimal

import pytest

from ocpp_studio.core.frames import (
    FrameError, FrameProblem, MessageType, call_text, dumps, error_text, parse_frame, result_text,
)


def test_call_is_parsed_and_raw_text_kept_exactly():
    raw = '[2, "19223201", "BootNotification", {"chargePointVendor": "VendorX", "chargePointModel": "X"}]'
    frame = parse_frame(raw)
    assert frame.message_type is MessageType.CALL
    assert frame.unique_id == "19223201"
    assert frame.action == "BootNotification"
    assert frame.payload["chargePointVendor"] == "VendorX"
    assert frame.raw == raw  # spaces and all


def test_numbers_are_decimal_so_limits_stay_exact():
    frame = parse_frame('[3,"a",{"limit":0.3,"count":5}]')
    assert frame.payload["limit"] == Decimal("0.3")
    assert isinstance(frame.payload["count"], int)
    assert dumps(frame.payload) == '{"limit":0.3,"count":5}'


def test_callerror_fields():
    frame = parse_frame('[4,"162376037","NotSupported","SendLocalList.req not implemented",{}]')
    assert frame.message_type is MessageType.CALLERROR
    assert frame.error_code == "NotSupported"
    assert frame.error_description == "SendLocalList.req not implemented"


def test_null_payload_means_empty_object():
    # OCPP-J 1.6 §4.2.1 allows null for "no payload".
    assert parse_frame('[2,"x","Heartbeat",null]').payload == {}


@pytest.mark.parametrize("raw, problem, unique_id", [
    ("not json", FrameProblem.NOT_JSON, None),
    ('{"a": 1}', FrameProblem.NOT_ARRAY, None),
    ("[]", FrameProblem.BAD_STRUCTURE, None),
    ('[5,"abc","Heartbeat",{}]', FrameProblem.BAD_MESSAGE_TYPE, "abc"),
    ('[true,"abc","Heartbeat",{}]', FrameProblem.BAD_MESSAGE_TYPE, "abc"),
    ('[2,42,"Heartbeat",{}]', FrameProblem.BAD_MESSAGE_ID, None),
    # too long to echo back: answered with "-1"
    ('[2,"' + "x" * 37 + '","Heartbeat",{}]', FrameProblem.BAD_MESSAGE_ID, None),
    ('[9,"' + "x" * 50 + '",1]', FrameProblem.BAD_MESSAGE_TYPE, None),
    ('[2,"\\ud800","Heartbeat",{}]', FrameProblem.BAD_MESSAGE_ID, None),
    ('[2,"s","\\udfff",{}]', FrameProblem.BAD_STRUCTURE, "s"),
    ('[2,"nan","Heartbeat",NaN]', FrameProblem.NOT_JSON, None),
    ('[2.0,"dec"]', FrameProblem.BAD_STRUCTURE, "dec"),  # 2.0 is read as 2
    ('[2.5,"dec"]', FrameProblem.BAD_MESSAGE_TYPE, "dec"),
    ('[1E+999999999,"huge"]', FrameProblem.BAD_MESSAGE_TYPE, "huge"),
    ('[9223372036854775808,"big",1]', FrameProblem.BAD_MESSAGE_TYPE, "big"),
    ('[2,"abc","Heartbeat"]', FrameProblem.BAD_STRUCTURE, "abc"),
    ('[2,"abc",7,{}]', FrameProblem.BAD_STRUCTURE, "abc"),
    ('[3,"abc"]', FrameProblem.BAD_STRUCTURE, "abc"),
    ('[4,"abc","GenericError"]', FrameProblem.BAD_STRUCTURE, "abc"),
])
def test_malformed_frames_say_what_is_wrong(raw, problem, unique_id):
    with pytest.raises(FrameError) as caught:
        parse_frame(raw)
    assert caught.value.problem is problem
    assert caught.value.unique_id == unique_id
    # what gets stored must be storable: a small int or None
    assert caught.value.message_type is None or type(caught.value.message_type) is int


def test_built_frames_parse_back():
    assert parse_frame(call_text("1", "Heartbeat", {})).action == "Heartbeat"
    assert parse_frame(result_text("1", {"currentTime": "x"})).payload == {"currentTime": "x"}
    error = parse_frame(error_text("1", "GenericError"))
    # OCPP-J §4.2.3: empty description "" and details {} when there are none.
    assert error.error_description == "" and error.payload == {}
