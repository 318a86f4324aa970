"""Shared test helpers: run a real CSMS on 127.0.0.1 and talk to it as a charger."""

from __future__ import annotations

import asyncio
import os
from contextlib import asynccontextmanager
from typing import Any, AsyncIterator

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import websockets  # noqa: E402
from websockets.asyncio.client import ClientConnection, connect  # noqa: E402

from ocpp_studio.capture.store import CaptureStore  # noqa: E402
from ocpp_studio.settings import CsmsSettings  # noqa: E402
from ocpp_studio.station.central import CentralSystem  # noqa: E402
from ocpp_studio.transports.websocket_server import CsmsServer  # noqa: E402


class RunningCsms:
    def __init__(self, store: CaptureStore, central: CentralSystem, server: CsmsServer) -> None:
        self.store = store
        self.central = central
        self.server = server

    def url(self, charger_id: str, path: str = "/ocpp") -> str:
        return f"ws://127.0.0.1:{self.server.port}{path}/{charger_id}"


@asynccontextmanager
async def running_csms(store: CaptureStore | None = None, **settings: Any) -> AsyncIterator[RunningCsms]:
    """A real CentralSystem + CsmsServer on 127.0.0.1, random port."""
    store = store or CaptureStore(":memory:")
    central = CentralSystem(store, CsmsSettings(host="127.0.0.1", port=0, **settings))
    server = CsmsServer(central)
    await server.start()
    try:
        yield RunningCsms(store, central, server)
    finally:
        await server.stop()


@asynccontextmanager
async def raw_charger(url: str, subprotocol: str | None = "ocpp1.6",
                      **kwargs: Any) -> AsyncIterator[ClientConnection]:
    """A bare websocket client: send exactly the text you want."""
    protocols = [subprotocol] if subprotocol else None
    async with connect(url, subprotocols=protocols, **kwargs) as ws:
        yield ws


async def exchange(ws: ClientConnection, text: str, timeout: float = 10) -> Any:
    """Send one frame and return the parsed answer."""
    from ocpp_studio.core.frames import loads
    await ws.send(text)
    return loads(await asyncio.wait_for(ws.recv(), timeout))


async def wait_for(condition: Any, timeout: float = 10.0, interval: float = 0.02) -> None:
    """Wait until condition() is true; fail clearly after a generous timeout."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        await asyncio.sleep(interval)


BOOT_16 = '[2,"boot-1","BootNotification",{"chargePointVendor":"Acme","chargePointModel":"Wallbox"}]'
BOOT_201 = ('[2,"boot-1","BootNotification",{"reason":"PowerUp","chargingStation":'
            '{"vendorName":"Acme","model":"Wallbox"}}]')

# ----------------------------------------------------------------- Qt tests
import pytest  # noqa: E402


@pytest.fixture
def loop(qapp):
    """A qasync loop over the test QApplication; UI tests drive it with run_until_complete.

    DESIGN.md: qtbot.waitSignal runs a nested Qt loop without a running asyncio loop,
    so async UI tests await conditions on this loop instead.
    """
    import qasync
    qapp.setQuitOnLastWindowClosed(False)  # closing a window must not stop the loop
    event_loop = qasync.QEventLoop(qapp)
    asyncio.set_event_loop(event_loop)
    yield event_loop
    event_loop.close()
    asyncio.set_event_loop(None)


async def wait_until(condition: Any, timeout: float = 10.0, what: str = "condition") -> None:
    """Poll a condition on the running loop; fail with what was awaited."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"{what} not met within {timeout} s")
        await asyncio.sleep(0.02)


async def shut_down(charger: Any, task: Any, window: Any, server: Any, store: Any) -> None:
    """End a UI integration test: demo charger, its task, the window, the server, the store."""
    import contextlib
    await charger.stop()
    task.cancel()
    with contextlib.suppress(BaseException):
        await task
    window.close()
    window.detach()
    await server.stop()
    store.close()


__all__ = ["running_csms", "wait_until", "shut_down", "raw_charger", "exchange", "wait_for", "BOOT_16", "BOOT_201",
           "websockets"]


@asynccontextmanager
async def scripted_charger(url: str, handler: Any, version: str = "ocpp1.6") -> AsyncIterator[Any]:
    """A charger made of our own RpcEndpoint that boots and answers CALLs with ``handler``."""
    from ocpp_studio.core.records import MemoryRecorder
    from ocpp_studio.core.rpc import RpcEndpoint
    from ocpp_studio.core.versions import OcppVersion
    ocpp_version = OcppVersion(version)
    async with connect(url, subprotocols=[version]) as ws:
        endpoint = RpcEndpoint(version=ocpp_version, role="charger", charger_id=url.rsplit("/", 1)[-1],
                               send=ws.send, recorder=MemoryRecorder(), handler=handler)

        async def pump() -> None:
            async for message in ws:
                await endpoint.receive(message)

        reader = asyncio.create_task(pump())
        boot = ({"chargePointVendor": "Acme", "chargePointModel": "W1"} if ocpp_version.label == "1.6"
                else {"reason": "PowerUp", "chargingStation": {"vendorName": "Acme", "model": "W1"}})
        await endpoint.call("BootNotification", boot)
        try:
            yield endpoint
        finally:
            reader.cancel()
