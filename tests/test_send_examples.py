"""The "Send message" examples come from the version's adapter and are schema-valid."""

from __future__ import annotations

import pytest

from ocpp_studio.core import schemas
from ocpp_studio.core.versions import OcppVersion
from ocpp_studio.station.adapters import adapter_for
from ocpp_studio.station.adapters.examples import example_requests


@pytest.mark.parametrize("version", list(OcppVersion), ids=lambda v: v.label)
def test_every_example_is_valid_for_its_version(version: OcppVersion) -> None:
    examples = example_requests(adapter_for(version))
    assert {"Reset", "TriggerMessage", "ChangeAvailability", "UnlockConnector",
            "ClearCache", "DataTransfer"} <= set(examples)
    for action, payload in examples.items():
        assert schemas.validate(version, action, "request", payload) == [], (action, payload)


def test_examples_are_the_versions_own_messages() -> None:
    v16 = example_requests(adapter_for(OcppVersion.V16))
    v201 = example_requests(adapter_for(OcppVersion.V201))
    assert v16["Reset"] == {"type": "Soft"} and v201["Reset"] == {"type": "OnIdle"}
    assert "RemoteStartTransaction" in v16 and "RequestStartTransaction" in v201
    assert "GetBaseReport" in v201 and "GetBaseReport" not in v16
