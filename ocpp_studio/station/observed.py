"""Chargers the studio watches but does not answer: through the logging proxy, or on a
serial debug console. They get a Station like the central system's own chargers (identity,
connector states, connected or not), so the charger list shows them the same way; the
central system itself never sees them, so nothing is ever sent to them by mistake."""

from __future__ import annotations

import logging
from typing import Any, Callable

from ..core.records import now_us
from ..core.versions import OcppVersion
from .model import Station
from .observations import note_charger_call

log = logging.getLogger(__name__)

PROXY = "proxy"
SERIAL = "serial"
#: plain words for the charger card
SOURCE_WORDS = {PROXY: "through the proxy", SERIAL: "on the serial console"}

ObservedListener = Callable[[Station, str], None]


class ObservedStations:
    """Stations by charger id, each with the source it is seen through."""

    def __init__(self) -> None:
        self.stations: dict[str, Station] = {}
        self.sources: dict[str, str] = {}
        self._listeners: list[ObservedListener] = []

    def add_listener(self, listener: ObservedListener) -> None:
        self._listeners.append(listener)

    def remove_listener(self, listener: ObservedListener) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

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
        source = self.sources.get(station.charger_id, "")
        for listener in list(self._listeners):
            try:
                listener(station, source)
            except Exception:  # noqa: BLE001 - a listener must not stop the recording
                log.exception("observed-station listener failed")
