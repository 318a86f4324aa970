"""What the demo charger's session asks of an OCPP version.

One subclass per version (``v16.Protocol16``, ``v201.Protocol201``, ``v21.Protocol21``)
builds that version's payloads, runs its transactions and answers the CALLs listed in its
``routes`` table; ``ChargerSession`` never compares version strings.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from ..core.versions import OcppVersion
from .devicemodel import DeviceModel201
from .keys16 import ConfigurationKeys16
from .meter import ConnectorState
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

    def sample_interval(self, conn: ConnectorState) -> int:
        """Seconds between periodic samples of the connector's transaction (0 = none)."""
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
