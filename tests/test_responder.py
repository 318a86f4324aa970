"""Every charger-initiated message of both versions gets a schema-valid answer."""

import itertools

import pytest

from ocpp_studio.core.actions import CHARGER_INITIATED
from ocpp_studio.core.schemas import known_actions, validate
from ocpp_studio.core.versions import OcppVersion
from ocpp_studio.settings import CsmsSettings
from ocpp_studio.station.model import Station
from ocpp_studio.station.responder import CsmsResponder

# Minimal requests where an empty payload would not say enough to answer.
REQUESTS = {
    "StartTransaction": {"connectorId": 1, "idTag": "TAG", "meterStart": 0,
                         "timestamp": "2026-01-01T00:00:00Z"},
    "StopTransaction": {"transactionId": 1, "idTag": "TAG", "meterStop": 10,
                        "timestamp": "2026-01-01T00:00:00Z"},
    "Authorize": {"idTag": "TAG", "idToken": {"idToken": "TAG", "type": "ISO14443"}},
    "TransactionEvent": {"eventType": "Started", "transactionInfo": {"transactionId": "t1"},
                         "idToken": {"idToken": "TAG", "type": "ISO14443"}},
}

CASES = [(version, action) for version in OcppVersion for action in sorted(CHARGER_INITIATED[version])]


@pytest.mark.parametrize("version, action", CASES, ids=[f"{v.label}-{a}" for v, a in CASES])
def test_answer_is_schema_valid(version, action):
    assert action in known_actions(version)
    responder = CsmsResponder(CsmsSettings(), itertools.count(1))
    station = Station("CP", version=version)
    answer = responder.respond(station, action, dict(REQUESTS.get(action, {})))
    assert validate(version, action, "response", answer) == []


def test_id_tag_policy():
    settings = CsmsSettings(accept_all_id_tags=False, accepted_id_tags=["GOOD"])
    responder = CsmsResponder(settings, itertools.count(1))
    station = Station("CP", version=OcppVersion.V16)
    assert responder.respond(station, "Authorize", {"idTag": "GOOD"})["idTagInfo"]["status"] == "Accepted"
    assert responder.respond(station, "Authorize", {"idTag": "BAD"})["idTagInfo"]["status"] == "Invalid"
    refused = responder.respond(station, "StartTransaction", REQUESTS["StartTransaction"] | {"idTag": "BAD"})
    assert refused["idTagInfo"]["status"] == "Invalid" and not station.transactions
