"""What the demo charger's session asks of an OCPP version.

One subclass per version (``v16.Protocol16``, ``v201.Protocol201``, ``v21.Protocol21``)
builds that version's payloads, runs its transactions and answers the CALLs listed in its
``routes`` table; ``ChargerSession`` never compares version strings.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from ..core.errors import Fault
from ..core.versions import OcppVersion
from .devicemodel import DeviceModel201
from .keys16 import ConfigurationKeys16
from .meter import ConnectorState
from .profiles import format_time
from .routing import Routes

if TYPE_CHECKING:
    from .charger import DemoCharger

#: Why a transaction ends, in version-neutral words (each version names the reason).
StopCause = Literal["unplugged", "local", "remote"]


class VersionProtocol:
    """The version-specific half of a demo charger."""

    version: OcppVersion
    routes: Routes = Routes()
    #: 1.6 sampled values are strings with ``unit``; 2.x numbers with ``unitOfMeasure``.
    v16_values: bool = False
    #: The CALLERROR a charger without a feature answers with (quirk no-smart-charging).
    missing_feature_fault: Fault = Fault.NOT_IMPLEMENTED

    def __init__(self, charger: "DemoCharger") -> None:
        self.ch = charger

    # --- configuration
    def build_configuration(self) -> ConfigurationKeys16 | DeviceModel201:
        raise NotImplementedError

    def auth_password(self) -> str | None:
        """The HTTP Basic password to connect with, or None (security profile 0)."""
        raise NotImplementedError

    def heartbeat_interval(self) -> int:
        raise NotImplementedError

    def set_heartbeat_interval(self, seconds: int) -> None:
        raise NotImplementedError

    def measurands(self, purpose: str) -> list[str]:
        """Configured measurands for 'sampled', 'started'/'stop', 'ended' or 'trigger'."""
        raise NotImplementedError

    def sample_interval(self) -> int:
        """The configured seconds between periodic samples (0 = none)."""
        raise NotImplementedError

    # --- boot and status
    def boot_payload(self) -> dict[str, Any]:
        raise NotImplementedError

    async def after_boot(self) -> None:
        """Whatever the version sends right after (re)connecting, before the statuses."""

    def status_label(self, status: str) -> str:
        """A 1.6-style connector status in this version's words."""
        return status

    def status_payload(self, conn: ConnectorState | None) -> dict[str, Any]:
        raise NotImplementedError

    async def send_all_status(self) -> None:
        for conn in self.ch.connectors.values():
            await self.ch.send_status(conn)

    # --- metering and transactions
    def meter_value(self, conn: ConnectorState, measurands: list[str],
                    context: str) -> dict[str, Any]:
        return self.ch.meter.meter_value(conn, measurands, context, v16=self.v16_values)

    async def send_periodic(self, conn: ConnectorState) -> None:
        raise NotImplementedError

    async def charging_state_changed(self, conn: ConnectorState, state: str) -> None:
        raise NotImplementedError

    async def start_local(self, conn: ConnectorState, id_tag: str, id_token_type: str) -> bool:
        """A badge at the reader: authorize and start. True when charging."""
        raise NotImplementedError

    async def stop_tx(self, conn: ConnectorState, cause: StopCause) -> None:
        raise NotImplementedError


def minus_one_schedule(duration: int, now: datetime) -> dict[str, Any]:
    """Quirk composite-minus-one: the schedule some chargers give for connector/EVSE 0,
    one period of -1 W whatever is installed (no evidence of the installed profiles)."""
    return {"duration": duration, "startSchedule": format_time(now), "chargingRateUnit": "W",
            "chargingSchedulePeriod": [{"startPeriod": 0, "limit": -1}]}
