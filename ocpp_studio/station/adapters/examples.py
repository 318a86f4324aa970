"""Starting payloads for "Send message": built by each version's adapter, so the examples
and the requests the studio itself sends can never disagree."""

from __future__ import annotations

from typing import Any

from .base import OcppAdapter

#: the id tag the studio uses for its own test charges
STUDIO_ID_TAG = "OCPPSTUDIO"


def example_requests(adapter: OcppAdapter) -> dict[str, Any]:
    """Action -> a schema-valid example payload, for the messages people send most."""
    requests = [
        adapter.reset_request(),
        adapter.trigger_request("StatusNotification"),
        adapter.read_settings_request([adapter.heartbeat_setting]),
        adapter.write_setting_request(adapter.heartbeat_setting, "300"),
        adapter.change_availability_request(True),
        adapter.start_charge_request(STUDIO_ID_TAG, 1),
        adapter.stop_charge_request("1"),
        adapter.unlock_request(),
        adapter.clear_cache_request(),
        adapter.data_transfer_request("OCPPStudio"),
        adapter.composite_schedule_request(1, 86400),
        adapter.clear_profile_request(1),
    ]
    if adapter.settings_grouped_by_component:
        requests.append(adapter.report_request(1))
    return {request.action: request.payload for request in requests}
