"""Chargers the studio watches but does not answer: through the logging proxy, or on a
serial debug console. They get a Station like the central system's own chargers (identity,
connector states, connected or not), so the charger list shows them the same way; the
central system itself never sees them, so nothing is ever sent to them by mistake.

The proxy and the serial console tell this through ``core.observed.ObservedCards``,
which ObservedStations satisfies, so the transports never import the station layer."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from ..core.events import Signal
from ..core.records import now_us
from ..core.versions import OcppVersion
from .model import Station
from .observations import note_charger_call

log = logging.getLogger(__name__)

PROXY = "proxy"
SERIAL = "serial"
#: plain words for the charger card
SOURCE_WORDS = {PROXY: "through the proxy", SERIAL: "on the serial console"}


@dataclass(frozen=True)
class ObservedChange:
    """A watched charger's card changed; ``source`` is PROXY or SERIAL."""

    station: Station
    source: str


class ObservedStations:
    """Stations by charger id, each with the source it is seen through."""

    def __init__(self) -> None:
        self.stations: dict[str, Station] = {}
        self.sources: dict[str, str] = {}
        #: a card changed (connected, identity, connector states…)
        self.station_changed: Signal[ObservedChange] = Signal("observed station")

    def is_connected(self, charger_id: str) -> bool | None:
        """Whether the charger's card shows it connected; None when it has no card."""
        station = self.stations.get(charger_id)
        return None if station is None else station.connected

    def station(self, charger_id: str, source: str) -> Station:
        station = self.stations.get(charger_id)
        if station is None:
            station = self.stations[charger_id] = Station(charger_id)
        self.sources[charger_id] = source
        return station

    def set_connected(self, charger_id: str, source: str, connected: bool,
                      version: OcppVersion | None = None) -> Station:
        station = self.station(charger_id, source)
        station.connected = connected
        if version is not None:
            station.version = version
        if connected:
            station.last_message_us = station.last_message_us or now_us()
        self.changed(station)
        return station

    def note_call(self, charger_id: str, source: str, version: OcppVersion | None,
                  action: str, payload: Any) -> None:
        """A CALL the charger sent, seen on the way."""
        station = self.station(charger_id, source)
        if version is not None:
            station.version = version
        note_charger_call(station, action, payload)
        self.changed(station)

    def changed(self, station: Station) -> None:
        self.station_changed.emit(ObservedChange(station, self.sources.get(station.charger_id, "")))
