from decimal import Decimal

import pytest

from ocpp_studio.core.frames import (
    FrameError, FrameProblem, MessageType, call_text, dumps, error_text, parse_frame, result_text,
    send_text,
)
from ocpp_studio.core.versions import OcppVersion


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


# ------------------------------------------------------------------ OCPP 2.1
STREAM = '{"id":1,"pending":0,"basetime":"2026-01-01T00:00:00Z","data":[{"t":0,"v":"230.1"}]}'


def test_ocpp21_send_is_read_with_its_action_and_payload():
    # OCPP 2.1 Part 4 §4.2.5: SEND is [6, id, action, payload]
    frame = parse_frame(f'[6,"s-1","NotifyPeriodicEventStream",{STREAM}]', OcppVersion.V21)
    assert frame.message_type is MessageType.SEND and frame.unique_id == "s-1"
    assert frame.action == "NotifyPeriodicEventStream" and frame.payload["pending"] == 0
    built = send_text("s-2", "NotifyPeriodicEventStream", {"id": 1})
    assert built.startswith("[6,") and parse_frame(built, OcppVersion.V21).payload == {"id": 1}


def test_ocpp21_callresulterror_is_read_like_a_callerror():
    # OCPP 2.1 Part 4 §4.2.4: CALLRESULTERROR is [5, id, code, description, details]
    frame = parse_frame('[5,"r-1","FormatViolation","bad answer",{"at":"$.status"}]',
                        OcppVersion.V21)
    assert frame.message_type is MessageType.CALLRESULTERROR
    assert frame.error_code == "FormatViolation" and frame.error_description == "bad answer"
    assert frame.payload == {"at": "$.status"}


@pytest.mark.parametrize("version", [None, OcppVersion.V16, OcppVersion.V201])
@pytest.mark.parametrize("raw", ['[6,"s-1","NotifyPeriodicEventStream",{}]',
                                 '[5,"r-1","GenericError","",{}]'])
def test_types_5_and_6_stay_unknown_before_ocpp21(version, raw):
    with pytest.raises(FrameError) as caught:
        parse_frame(raw, version)
    assert caught.value.problem is FrameProblem.BAD_MESSAGE_TYPE
    assert caught.value.unique_id == raw.split('"')[1]


@pytest.mark.parametrize("raw, expected", [
    ('[6,"s-1","NotifyPeriodicEventStream"]', "a SEND is [6, id, action, payload]"),
    ('[6,"s-1",7,{}]', "a SEND is [6, id, action, payload]"),
    ('[5,"r-1","GenericError"]', "a CALLRESULTERROR is [5, id, code, description, details]"),
])
def test_malformed_ocpp21_frames_say_what_is_wrong(raw, expected):
    with pytest.raises(FrameError) as caught:
        parse_frame(raw, OcppVersion.V21)
    assert caught.value.problem is FrameProblem.BAD_STRUCTURE and expected in str(caught.value)
    assert caught.value.message_type == int(raw[1])
