from ocpp_studio.core.errors import Fault, error_code
from ocpp_studio.core.frames import loads
from ocpp_studio.core.schemas import first_fault, known_actions, validate
from ocpp_studio.core.versions import OcppVersion

V16, V201 = OcppVersion.V16, OcppVersion.V201


def test_security_whitepaper_messages_are_known_in_16():
    for action in ("SecurityEventNotification", "SignCertificate", "LogStatusNotification",
                   "SignedFirmwareStatusNotification", "InstallCertificate", "ExtendedTriggerMessage"):
        assert action in known_actions(V16)
    assert "TransactionEvent" in known_actions(V201)
    assert "TransactionEvent" not in known_actions(V16)


def test_decimal_limit_passes_multiple_of():
    # 0.3 A read as a float fails multipleOf 0.1; read as Decimal it is valid.
    payload = loads('{"connectorId":0,"csChargingProfiles":{"chargingProfileId":1,"stackLevel":0,'
                    '"chargingProfilePurpose":"TxDefaultProfile","chargingProfileKind":"Absolute",'
                    '"chargingSchedule":{"chargingRateUnit":"A","chargingSchedulePeriod":'
                    '[{"startPeriod":0,"limit":0.3}]}}}')
    assert validate(V16, "SetChargingProfile", "request", payload) == []


def test_violations_carry_json_paths_and_the_rule():
    payload = loads('{"connectorId":1,"meterValue":[{"timestamp":"yesterday","sampledValue":'
                    '[{"value":"1","unit":"Watts"}]}]}')
    violations = validate(V16, "MeterValues", "request", payload)
    by_path = {v.path: v for v in violations}
    assert by_path["$.meterValue[0].timestamp"].keyword == "format"
    assert by_path["$.meterValue[0].sampledValue[0].unit"].keyword == "enum"
    assert "Watts" in by_path["$.meterValue[0].sampledValue[0].unit"].message


def test_messages_show_numbers_not_decimal_reprs():
    violations = validate(V16, "BootNotification", "response",
                          loads('{"status":"Accepted","currentTime":"2024-01-01T00:00:00Z","interval":1.5}'))
    assert violations[0].message == "1.5 is not of type 'integer'"


def test_fault_mapping_per_version():
    missing = validate(V16, "BootNotification", "request", {"chargePointVendor": "x"})
    assert missing[0].path == "$.chargePointModel"
    assert first_fault(missing) is Fault.OCCURRENCE_CONSTRAINT
    assert error_code(Fault.OCCURRENCE_CONSTRAINT, V16) == "OccurenceConstraintViolation"
    assert error_code(Fault.OCCURRENCE_CONSTRAINT, V201) == "OccurrenceConstraintViolation"
    wrong_type = validate(V201, "Heartbeat", "response", {"currentTime": 5})
    assert first_fault(wrong_type) is Fault.TYPE_CONSTRAINT
    bad_time = validate(V201, "Heartbeat", "response", {"currentTime": "noon"})
    assert error_code(first_fault(bad_time), V201) == "FormatViolation"
    assert error_code(first_fault(bad_time), V16) == "FormationViolation"
    bad_enum = validate(V16, "StatusNotification", "request",
                        {"connectorId": 1, "errorCode": "NoError", "status": "Sleeping"})
    assert first_fault(bad_enum) is Fault.PROPERTY_CONSTRAINT


def test_integral_decimal_is_an_integer_in_201():
    # draft-06: 1.0 is an integer. 2.0.1 chargers do send connectorId 1.0 sometimes.
    assert validate(V201, "StatusNotification", "request", loads(
        '{"timestamp":"2024-01-01T00:00:00Z","connectorStatus":"Available","evseId":1.0,"connectorId":1}')) == []


def test_a_payload_too_deep_for_the_validator_is_a_format_violation_not_a_crash():
    """The parser can read deeper JSON than jsonschema can walk: such a frame is malformed
    (answered with the format CALLERROR), never an InternalError from the studio."""
    import sys

    from ocpp_studio.core.errors import Fault
    from ocpp_studio.core.schemas import validate
    from ocpp_studio.core.versions import OcppVersion

    payload: object = "x"
    for _ in range(sys.getrecursionlimit() * 2):
        payload = {"a": payload}
    [violation] = validate(OcppVersion.V16, "DataTransfer", "request",
                           {"vendorId": "v", "data": payload})
    assert violation.fault is Fault.FORMAT and "too deeply" in violation.message


def test_the_fast_date_time_check_is_jsonschemas_own():
    """The fast path checks "date-time" without jsonschema; it must agree with it."""
    from jsonschema import FormatChecker

    from ocpp_studio.core.schemas import _is_date_time

    checker = FormatChecker(formats=("date-time",))
    samples = ["2026-11-26T08:00:00Z", "2026-11-26t08:00:00z", "2026-11-26T08:00:00.123+01:00",
               "2026-02-30T08:00:00Z", "2026-11-26 08:00:00Z", "2026-11-26T08:00:00",
               "2016-12-31T23:59:60Z", "2026-13-01T00:00:00Z", "", "now", 42, None]
    assert [_is_date_time(s) for s in samples] == [checker.conforms(s, "date-time")
                                                    for s in samples]
    assert _is_date_time("2026-11-26T08:00:00Z") and not _is_date_time("2026-02-30T08:00:00Z")


def test_a_valid_payload_is_checked_without_importing_jsonschema():
    """jsonschema only explains failures: importing it held the loop ~0.1 s CPU at the
    first BootNotification (its answer's currentTime is a date-time)."""
    import subprocess
    import sys

    code = ("import sys; from ocpp_studio.core import schemas; "
            "from ocpp_studio.core.versions import OcppVersion as V; "
            "assert schemas.validate(V.V16, 'BootNotification', 'response', "
            "{'status': 'Accepted', 'currentTime': '2026-11-26T08:00:00Z', 'interval': 300}) == []; "
            "print('jsonschema' in sys.modules); "
            "assert schemas.validate(V.V16, 'BootNotification', 'response', "
            "{'status': 'Accepted', 'currentTime': 'never', 'interval': 300}) != []; "
            "print('jsonschema' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60, check=True).stdout.split()
    assert out == ["False", "True"]  # imported to explain the invalid payload only
