"""The studio's running parts put together: capture store, central system,
websocket server, optional control API and demo chargers. Used by the CLI's
``serve`` and by the GUI, so both behave the same."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from .api.server import ControlApi, token_file_for, write_token
from .capture.store import CaptureStore
from .core.versions import OcppVersion
from .settings import AppSettings
from .station.central import CentralSystem
from .transports.websocket_server import CsmsServer

log = logging.getLogger(__name__)


def demo_configs() -> list:
    """The two demo chargers of ``--demo``: a 7.4 kW 1.6 one and an 11 kW 2.0.1 one."""
    from .demo import DemoChargerConfig
    return [
        DemoChargerConfig(charger_id="DEMO-16", version=OcppVersion.V16, connectors=1, phases=1,
                          max_current_a=32.0, model="Demo 7kW", serial="DEMO-16-0001",
                          meter_interval=1, auto_charge=True),
        DemoChargerConfig(charger_id="DEMO-201", version=OcppVersion.V201, connectors=1,
                          phases=3, max_current_a=16.0, model="Demo 11kW", serial="DEMO-201-0001",
                          meter_interval=1, auto_charge=True),
    ]


class Studio:
    """Start and stop everything that runs behind the window or ``serve``."""

    def __init__(self, settings: AppSettings, store: CaptureStore | None = None) -> None:
        self.settings = settings
        self.capture_path = settings.resolved_capture_path()
        self.store = store or CaptureStore(self.capture_path)
        self.central = CentralSystem(self.store, settings.csms)
        self.server = CsmsServer(self.central)
        self.api: ControlApi | None = None
        self.api_token_file: Path | None = None
        self._demo_tasks: list[asyncio.Task] = []
        self.demo_chargers: list = []

    async def start(self) -> None:
        await self.server.start()
        if self.settings.api_port:
            await self.start_api(self.settings.api_port)

    async def start_api(self, port: int) -> ControlApi:
        self.api = ControlApi(self.central, self.store, port)
        await self.api.start()
        if str(self.capture_path) != ":memory:":
            self.api_token_file = token_file_for(self.capture_path)
            write_token(self.api_token_file, self.api.token)
        return self.api

    async def start_demo_chargers(self) -> None:
        from .demo import DemoCharger
        url = f"ws://127.0.0.1:{self.server.port}/ocpp"
        for config in demo_configs():
            charger = DemoCharger(url, config)
            self.demo_chargers.append(charger)
            self._demo_tasks.append(asyncio.create_task(charger.run()))

    async def stop(self) -> None:
        for charger in self.demo_chargers:
            try:
                await charger.stop()
            except Exception:  # noqa: BLE001 - shutting down anyway
                log.exception("demo charger did not stop cleanly")
        for task in self._demo_tasks:
            task.cancel()
        await asyncio.gather(*self._demo_tasks, return_exceptions=True)
        if self.api is not None:
            await self.api.stop()
        await self.server.stop()
        self.store.close()
