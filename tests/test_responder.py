"""Every charger-initiated message of both versions gets a schema-valid answer."""

import itertools

import pytest

from ocpp_studio.core.actions import CHARGER_INITIATED
from ocpp_studio.core.schemas import known_actions, validate
from ocpp_studio.core.versions import OcppVersion
from ocpp_studio.settings import CsmsSettings
from ocpp_studio.station.model import Station
from ocpp_studio.station.responder import SENDS, CsmsResponder

# Minimal requests where an empty payload would not say enough to answer.
REQUESTS = {
    "StartTransaction": {"connectorId": 1, "idTag": "TAG", "meterStart": 0,
                         "timestamp": "2026-01-01T00:00:00Z"},
    "StopTransaction": {"transactionId": 1, "idTag": "TAG", "meterStop": 10,
                        "timestamp": "2026-01-01T00:00:00Z"},
    "Authorize": {"idTag": "TAG", "idToken": {"idToken": "TAG", "type": "ISO14443"}},
    "TransactionEvent": {"eventType": "Started", "transactionInfo": {"transactionId": "t1"},
                         "idToken": {"idToken": "TAG", "type": "ISO14443"}},
    "GetCertificateChainStatus": {"certificateStatusRequests": [{
        "certificateHashData": {"hashAlgorithm": "SHA256", "issuerNameHash": "a" * 64,
                                "issuerKeyHash": "b" * 64, "serialNumber": "01"},
        "source": "OCSP", "urls": ["http://ocsp.example/"]}]},
    "VatNumberValidation": {"vatNumber": "GB123456789", "evseId": 1},
}
# Samples whose answer echoes them: they must be requests a charger could send.
VALID_REQUESTS = {"GetCertificateChainStatus", "VatNumberValidation"}

CASES = [(version, action) for version in OcppVersion for action in sorted(CHARGER_INITIATED[version])
         if action not in SENDS[version]]
SEND_CASES = [(version, action) for version in OcppVersion for action in sorted(SENDS[version])]


@pytest.mark.parametrize("version, action", CASES, ids=[f"{v.label}-{a}" for v, a in CASES])
def test_answer_is_schema_valid(version, action):
    assert action in known_actions(version)
    responder = CsmsResponder(CsmsSettings(), itertools.count(1))
    station = Station("CP", version=version)
    request = dict(REQUESTS.get(action, {}))
    if action in VALID_REQUESTS:
        assert validate(version, action, "request", request) == []
    answer = responder.respond(station, action, request)
    assert validate(version, action, "response", answer) == []


@pytest.mark.parametrize("version, action", SEND_CASES, ids=[f"{v.label}-{a}" for v, a in SEND_CASES])
def test_send_gets_no_answer(version, action):
    """OCPP-J 2.1 §4.2.4: a SEND (NotifyPeriodicEventStream) is never answered."""
    assert action in CHARGER_INITIATED[version]
    responder = CsmsResponder(CsmsSettings(), itertools.count(1))
    station = Station("CP", version=version)
    assert responder.respond(station, action, {"id": 1, "pending": 0,
                                               "basetime": "2026-01-01T00:00:00Z",
                                               "data": []}) is None


@pytest.mark.parametrize("version", [OcppVersion.V201, OcppVersion.V21])
def test_notify_report_parts_are_published(version):
    responder = CsmsResponder(CsmsSettings(), itertools.count(1))
    parts = []
    responder.report_parts.connect(parts.append)
    station = Station("CP", version=version)
    data = [{"component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "HeartbeatInterval"},
             "variableAttribute": [{"value": "300"}]}]
    assert responder.respond(station, "NotifyReport", {
        "requestId": 7, "generatedAt": "2026-01-01T00:00:00Z", "seqNo": 1, "tbc": True,
        "reportData": data}) == {}
    assert [(p.charger_id, p.request_id, p.seq_no, p.tbc, p.report_data) for p in parts] == [
        ("CP", 7, 1, True, data)]


def test_2_1_routes_to_the_2_0_1_handlers():
    """A 2.1 charger's boot, status and transaction update the station as 2.0.1 ones do."""
    responder = CsmsResponder(CsmsSettings(), itertools.count(1))
    station = Station("CP", version=OcppVersion.V21)
    boot = responder.respond(station, "BootNotification", {
        "reason": "PowerUp", "chargingStation": {"model": "M", "vendorName": "V"}})
    assert boot["status"] == "Accepted" and (station.vendor, station.model) == ("V", "M")
    responder.respond(station, "StatusNotification", {
        "timestamp": "2026-01-01T00:00:00Z", "connectorStatus": "Occupied", "evseId": 1,
        "connectorId": 1})
    assert station.connectors["1/1"].status == "Occupied"
    responder.respond(station, "TransactionEvent", REQUESTS["TransactionEvent"])
    assert list(station.transactions) == ["t1"]


def test_id_tag_policy():
    settings = CsmsSettings(accept_all_id_tags=False, accepted_id_tags=["GOOD"])
    responder = CsmsResponder(settings, itertools.count(1))
    station = Station("CP", version=OcppVersion.V16)
    assert responder.respond(station, "Authorize", {"idTag": "GOOD"})["idTagInfo"]["status"] == "Accepted"
    assert responder.respond(station, "Authorize", {"idTag": "BAD"})["idTagInfo"]["status"] == "Invalid"
    refused = responder.respond(station, "StartTransaction", REQUESTS["StartTransaction"] | {"idTag": "BAD"})
    assert refused["idTagInfo"]["status"] == "Invalid" and not station.transactions


def test_a_session_seen_without_its_evse_is_placed_when_the_charger_says_where():
    """Joining mid-session, the first TransactionEvent may carry no evse (2.0.1 sends it
    only after the EV connected): one EVSE known from its status -> the session is there;
    several -> unknown until an event names it, never a made-up number."""
    responder = CsmsResponder(CsmsSettings(), itertools.count(1))
    updated = {"eventType": "Updated", "timestamp": "2026-01-01T00:00:00Z",
               "triggerReason": "MeterValuePeriodic", "seqNo": 3,
               "transactionInfo": {"transactionId": "t9"}}
    one = Station("ONE", version=OcppVersion.V201)
    responder.respond(one, "StatusNotification", {
        "timestamp": "2026-01-01T00:00:00Z", "connectorStatus": "Occupied", "evseId": 1,
        "connectorId": 1})
    responder.respond(one, "TransactionEvent", updated)
    assert one.transactions["t9"].connector == "1/1"

    two = Station("TWO", version=OcppVersion.V201)
    for evse in (1, 2):
        responder.respond(two, "StatusNotification", {
            "timestamp": "2026-01-01T00:00:00Z", "connectorStatus": "Available",
            "evseId": evse, "connectorId": 1})
    responder.respond(two, "TransactionEvent", updated)
    assert two.transactions["t9"].connector.startswith("?")
    responder.respond(two, "TransactionEvent", updated | {"seqNo": 4,
                                                          "evse": {"id": 2, "connectorId": 1}})
    assert two.transactions["t9"].connector == "2/1"


@pytest.mark.timeout(10)
def test_a_tolerated_notify_report_with_a_huge_exponent_does_not_hold_the_loop():
    """Tolerant mode hands schema-refused payloads to the handlers. A seqNo of 1e9999999
    (parsed as a Decimal) used to go through int(), which builds a ten-million-digit number
    and froze every charger's event loop (found by test_fuzz_server). It is now acknowledged
    and not published as a report part; a whole-number Decimal still is."""
    from decimal import Decimal
    from ocpp_studio.core.frames import loads
    responder = CsmsResponder(CsmsSettings(), itertools.count(1))
    parts = []
    responder.report_parts.connect(parts.append)
    station = Station("CP", version=OcppVersion.V201)
    huge = loads('{"requestId": 7, "generatedAt": "2026-01-01T00:00:00Z", "seqNo": 1e9999999,'
                 ' "reportData": []}')
    assert isinstance(huge["seqNo"], Decimal)
    assert responder.respond(station, "NotifyReport", huge) == {}
    assert parts == []
    whole = loads('{"requestId": 7.0, "generatedAt": "2026-01-01T00:00:00Z", "seqNo": 2,'
                  ' "reportData": []}')
    assert responder.respond(station, "NotifyReport", whole) == {}
    assert [(p.request_id, p.seq_no) for p in parts] == [(7, 2)]
