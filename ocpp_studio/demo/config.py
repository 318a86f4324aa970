"""Settings of a demo charger."""

from __future__ import annotations

from dataclasses import dataclass

from ..core.versions import OcppVersion


@dataclass
class DemoChargerConfig:
    """What the simulated charger is: identity, electrics, timing.

    ``phases=1, max_current_a=32, voltage_v=230`` is a 7.4 kW single-phase wall box;
    ``phases=3, max_current_a=16`` an 11 kW three-phase one.
    """

    charger_id: str = "DEMO-16"
    version: OcppVersion = OcppVersion.V16
    connectors: int = 1
    phases: int = 1
    max_current_a: float = 32.0
    voltage_v: float = 230.0
    vendor: str = "OCPP Studio"
    model: str = "Demo 7kW"
    serial: str = "DEMO-0001"
    firmware: str = "1.0.0"
    heartbeat_interval: int = 60
    meter_interval: int = 10
    auto_charge: bool = False
    basic_auth_password: str | None = None
    # -- simulation details (optional)
    id_tag: str = "DEMO-TAG"  # used by auto_charge
    initial_energy_wh: float = 12_345.0  # the meter's register before the first session
    seed: int | None = None  # random noise seed, for reproducible runs
    reconnect_min_s: float = 0.5  # back-off after a lost connection, doubled up to max
    reconnect_max_s: float = 2.0
    call_timeout: float = 30.0
    unplug_delay_s: float = 1.0  # after a remote stop, the simulated driver unplugs

    def __post_init__(self) -> None:
        if isinstance(self.version, str) and not isinstance(self.version, OcppVersion):
            self.version = OcppVersion.parse(self.version)
        if self.connectors < 1:
            raise ValueError("a charger has at least one connector")
        if self.phases not in (1, 3):
            raise ValueError("phases must be 1 or 3")
