"""Shared test helpers: run a real CSMS on 127.0.0.1 and talk to it as a charger."""

from __future__ import annotations

import asyncio
import os
import tempfile
from contextlib import asynccontextmanager
from typing import Any, AsyncIterator

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# `serve` and the window log to a file: in tests (and their subprocesses) not the user's own.
os.environ.setdefault("OCPP_STUDIO_LOG_DIR",
                      os.path.join(tempfile.gettempdir(), "ocpp-studio-test-logs"))

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
async def booted_demo(csms: RunningCsms, config: Any) -> AsyncIterator[Any]:
    """A demo charger (``DemoChargerConfig``) connected to ``csms`` and booted (10 s at
    most); stopped, and its task ended, on leaving."""
    from ocpp_studio.demo import DemoCharger
    charger = DemoCharger(f"ws://127.0.0.1:{csms.server.port}/ocpp", config)
    task = asyncio.create_task(charger.run())
    try:
        assert await charger.wait_booted(10)
        yield charger
    finally:
        await charger.stop()
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


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
        endpoint.websocket = ws  # type: ignore[attr-defined] - for tests that cut the line

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


@pytest.fixture(autouse=True)
def deterministic_qt_teardown():
    """Delete the windows a test made now, not at some later event-loop run.

    pytest-qt deletes only the widgets given to qtbot.addWidget, and with deleteLater,
    which processEvents does not deliver at that loop level. Windows whose lambdas
    capture ``self`` are also kept alive by PySide's connections, out of reach of the
    garbage collector. Left over, they were torn down later inside another test's qasync
    run (pyqtgraph scenes deleted while that test drew) or by PySide at interpreter exit,
    and CI segfaulted now and then. So each test's own windows are deleted, children
    first by Qt, at the end of that test."""
    import sys  # noqa: PLC0415
    before = _top_level_widgets() if "PySide6.QtWidgets" in sys.modules else set()
    yield
    if "PySide6.QtWidgets" not in sys.modules:
        return  # a Qt-free test
    import gc  # noqa: PLC0415
    from PySide6.QtCore import QCoreApplication, QEvent  # noqa: PLC0415
    if QCoreApplication.instance() is None:
        return
    for widget in _top_level_widgets() - before:
        if _is_window_of_ours(widget):
            widget.close()
            widget.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    gc.collect()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def _top_level_widgets() -> set:
    from PySide6.QtWidgets import QApplication  # noqa: PLC0415
    return set(QApplication.topLevelWidgets()) if QApplication.instance() else set()


def _is_window_of_ours(widget: Any) -> bool:
    """The app's windows and dialogs (their Qt children go with them); pyqtgraph's own
    parentless menus are left to the Python objects that own them."""
    from PySide6.QtWidgets import QDialog  # noqa: PLC0415
    return type(widget).__module__.startswith("ocpp_studio") or isinstance(widget, QDialog)


# ------------------------------------------------------------------ serial ports
class Pty:
    """A pseudo-terminal pair, the serial port of the tests: the studio opens ``device``
    (the slave) by path; the test is the charger on ``master``."""

    def __init__(self) -> None:
        self.master, self.slave = os.openpty()
        self.device = os.ttyname(self.slave)
        self.received = b""  # what read_available collected
        self._buffer = b""  # what read_line has not returned yet

    def write(self, text: str) -> None:
        os.write(self.master, text.encode())

    def write_lines(self, lines: list[str]) -> None:
        self.write("".join(line + "\n" for line in lines))

    def read_line(self, timeout: float = 10.0) -> str:
        import select  # noqa: PLC0415
        while b"\n" not in self._buffer:
            ready, _, _ = select.select([self.master], [], [], timeout)
            assert ready, "nothing came back from the serial port"
            self._buffer += os.read(self.master, 4096)
        line, self._buffer = self._buffer.split(b"\n", 1)
        return line.decode()

    def read_available(self) -> bytes:
        import select  # noqa: PLC0415
        while select.select([self.master], [], [], 0)[0]:
            try:
                chunk = os.read(self.master, 4096)
            except OSError:
                break
            if not chunk:
                break
            self.received += chunk
        return self.received

    def close(self) -> None:
        for fd in (self.master, self.slave):
            if fd < 0:
                continue
            try:
                os.close(fd)
            except OSError:
                pass


@pytest.fixture
def pty_pair():
    pair = Pty()
    yield pair
    pair.close()


# ----------------------------------------------------------------------- TLS
@pytest.fixture
def tls(tmp_path):
    """A test CA and a certificate for 127.0.0.1 (trustme), also as files."""
    trustme = pytest.importorskip("trustme")
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    files = {"ca": tmp_path / "ca.pem", "cert": tmp_path / "cert.pem", "key": tmp_path / "key.pem"}
    ca.cert_pem.write_to_path(str(files["ca"]))
    cert.private_key_pem.write_to_path(str(files["key"]))
    for index, pem in enumerate(cert.cert_chain_pems):
        pem.write_to_path(str(files["cert"]), append=index > 0)
    return ca, cert, {k: str(v) for k, v in files.items()}


def client_ssl(ca: Any) -> Any:
    """A client TLS context that trusts the test CA (and verifies the host name)."""
    import ssl  # noqa: PLC0415
    context = ssl.create_default_context()
    ca.configure_trust(context)
    return context
