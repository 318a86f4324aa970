"""A charger we did not write: the npm package ocpp-rpc in strict mode.

``tests/node/strict_charger.js`` runs ocpp-rpc's RPCClient with
``strictMode: true``: it checks every CALL and CALLRESULT, both ways, against
the schemas bundled with ocpp-rpc (an independent copy, checked with ajv, not
with our jsonschema). It connects to our CsmsServer, boots, sends a Heartbeat
and a StatusNotification, and answers the configuration calls we send. Any
frame of ours it finds invalid is reported as a JSON line and makes it exit 1.

CI installs the node modules with ``npm ci --prefix tests/node``; without them
these tests fail (they do not skip) so a missing install cannot hide.
"""

from __future__ import annotations

import asyncio
import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from ocpp_studio.capture.store import CaptureStore
from ocpp_studio.core.rpc import CallError
from ocpp_studio.settings import CsmsSettings
from ocpp_studio.station.central import CentralSystem
from ocpp_studio.transports.websocket_server import CsmsServer

pytestmark = pytest.mark.external

NODE_DIR = Path(__file__).parent / "node"
SCRIPT = NODE_DIR / "strict_charger.js"
CHARGER = "CP-NODE"
WAIT = 30.0  # generous: node start-up on a loaded CI machine


def _node() -> str:
    node = shutil.which("node")
    if node is None:
        pytest.fail("Node.js is not installed: these tests need `node` (>= 17.3) on PATH")
    if not (NODE_DIR / "node_modules" / "ocpp-rpc" / "package.json").is_file():
        pytest.fail("tests/node/node_modules is missing: run `npm ci --prefix tests/node` "
                    "to install ocpp-rpc before running the external tests")
    return node


@dataclass
class NodeCharger:
    """The node process and the JSON events it printed."""

    process: asyncio.subprocess.Process
    events: list[dict[str, Any]] = field(default_factory=list)
    raw_lines: list[str] = field(default_factory=list)
    changed: asyncio.Event = field(default_factory=asyncio.Event)
    reader: asyncio.Task | None = None

    async def read(self) -> None:
        assert self.process.stdout is not None
        while True:
            line = await self.process.stdout.readline()
            if not line:
                self.changed.set()
                return
            text = line.decode("utf-8", errors="replace").strip()
            self.raw_lines.append(text)
            try:
                self.events.append(json.loads(text))
            except ValueError:
                self.events.append({"event": "unparsable-output", "text": text})
            self.changed.set()

    def of(self, kind: str) -> list[dict[str, Any]]:
        return [e for e in self.events if e.get("event") == kind]

    def errors(self) -> list[dict[str, Any]]:
        return [e for e in self.events if e.get("event") in ("error", "unparsable-output")]

    async def wait_for(self, kind: str, count: int = 1, timeout: float = WAIT) -> None:
        async def condition() -> None:
            while len(self.of(kind)) < count:
                if self.reader is not None and self.reader.done():
                    raise AssertionError(f"node exited before {kind!r}: {self.transcript()}")
                self.changed.clear()
                await self.changed.wait()
        try:
            await asyncio.wait_for(condition(), timeout)
        except TimeoutError:
            raise AssertionError(f"no {kind!r} from node within {timeout} s: "
                                 f"{self.transcript()}") from None

    async def finish(self, timeout: float = WAIT) -> tuple[int, str]:
        """Close stdin (the script's signal to disconnect) and wait for it to exit."""
        assert self.process.stdin is not None
        self.process.stdin.close()
        try:
            await asyncio.wait_for(self.process.wait(), timeout)
            if self.reader is not None:
                await asyncio.wait_for(self.reader, timeout)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()
            raise AssertionError(f"node did not exit: {self.transcript()}") from None
        assert self.process.stderr is not None
        stderr = (await self.process.stderr.read()).decode("utf-8", errors="replace")
        return self.process.returncode or 0, stderr

    def transcript(self) -> str:
        return "\n".join(self.raw_lines)


async def start_node(url: str, protocol: str, script: Path = SCRIPT,
                     seconds: int = 90) -> NodeCharger:
    """The Node charger ``script`` (tests/node) on ``url``, ending itself after ``seconds``."""
    process = await asyncio.create_subprocess_exec(
        _node(), str(script), url, protocol, str(seconds), cwd=str(NODE_DIR),
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE)
    charger = NodeCharger(process)
    charger.reader = asyncio.create_task(charger.read())
    return charger


def assert_capture_clean(store: CaptureStore) -> None:
    """Every frame valid, none refused, every CALL answered by exactly its pair."""
    frames = store.frames(charger=CHARGER, limit=100_000)
    assert frames, "nothing was recorded"
    bad = [(f.direction.value, f.action, f.problem, f.violations) for f in frames
           if not f.valid or f.violations or f.problem or f.error_code]
    assert not bad, f"frames with problems in the capture: {bad}"
    by_id = {f.id: f for f in frames}
    calls = [f for f in frames if f.message_type == 2]
    results = [f for f in frames if f.message_type == 3]
    assert not [f for f in frames if f.message_type == 4], "a CALLERROR was exchanged"
    assert len(results) == len(calls)
    for call in calls:
        assert call.state == "answered", (call.action, call.state)
    for result in results:
        call = by_id.get(result.pair_id)
        assert call is not None, f"{result.action} result is not paired with a call"
        assert call.unique_id == result.unique_id and call.action == result.action
        assert call.direction != result.direction
        assert result.latency_ms is not None and result.latency_ms >= 0


def _charger_actions(store: CaptureStore) -> list[tuple[str, int, str | None]]:
    return [(f.direction.value, f.message_type, f.action)
            for f in store.frames(charger=CHARGER, limit=100_000)]


async def _session(protocol: str, commands: list[tuple[str, dict[str, Any]]]):
    store = CaptureStore(":memory:")
    central = CentralSystem(store, CsmsSettings(host="127.0.0.1", port=0))
    async with CsmsServer(central) as server:
        url = f"ws://127.0.0.1:{server.port}/ocpp/{CHARGER}"
        charger = await start_node(url, protocol)
        try:
            await charger.wait_for("ready")
            answers = [await central.call(CHARGER, action, payload, timeout=WAIT)
                       for action, payload in commands]
            await charger.wait_for("call", len(commands))
        finally:
            code, stderr = await charger.finish()
    return store, central, charger, answers, code, stderr


def test_ocpp_rpc_strict_charger_16() -> None:
    commands = [
        ("GetConfiguration", {}),
        ("GetConfiguration", {"key": ["HeartbeatInterval", "NoSuchKey"]}),
        ("ChangeConfiguration", {"key": "HeartbeatInterval", "value": "60"}),
        ("ChangeConfiguration", {"key": "NumberOfConnectors", "value": "2"}),
        ("GetConfiguration", {"key": ["HeartbeatInterval"]}),
    ]
    store, central, charger, answers, code, stderr = asyncio.run(_session("ocpp1.6", commands))

    assert not charger.errors(), charger.transcript()
    assert code == 0, f"node exited {code}: {stderr}\n{charger.transcript()}"
    assert charger.of("open")[0]["protocol"] == "ocpp1.6"
    assert charger.of("boot")[0]["response"]["status"] == "Accepted"
    assert "currentTime" in charger.of("heartbeat")[0]["response"]
    assert [e["method"] for e in charger.of("call")] == [a for a, _ in commands]

    full, some, changed, readonly, again = answers
    assert {k["key"] for k in full["configurationKey"]} >= {"HeartbeatInterval",
                                                            "NumberOfConnectors"}
    assert some == {"configurationKey": [{"key": "HeartbeatInterval", "readonly": False,
                                          "value": "300"}], "unknownKey": ["NoSuchKey"]}
    assert changed == {"status": "Accepted"}
    assert readonly == {"status": "Rejected"}
    assert again["configurationKey"][0]["value"] == "60"

    station = central.stations[CHARGER]
    assert station.vendor == "ocpp-rpc" and station.model == "strict-charger"
    assert station.connector("1").status == "Available"
    assert_capture_clean(store)
    assert _charger_actions(store)[:6] == [
        ("to_csms", 2, "BootNotification"), ("to_charger", 3, "BootNotification"),
        ("to_csms", 2, "Heartbeat"), ("to_charger", 3, "Heartbeat"),
        ("to_csms", 2, "StatusNotification"), ("to_charger", 3, "StatusNotification")]
    assert len(_charger_actions(store)) == 6 + 2 * len(commands)


def test_ocpp_rpc_strict_charger_201() -> None:
    heartbeat = {"component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "HeartbeatInterval"}}
    commands = [
        ("GetVariables", {"getVariableData": [
            heartbeat, {"component": {"name": "Nope"}, "variable": {"name": "Nothing"}}]}),
        ("SetVariables", {"setVariableData": [{**heartbeat, "attributeValue": "60"}]}),
        ("GetVariables", {"getVariableData": [heartbeat]}),
    ]
    store, central, charger, answers, code, stderr = asyncio.run(
        _session("ocpp2.0.1", commands))

    assert not charger.errors(), charger.transcript()
    assert code == 0, f"node exited {code}: {stderr}\n{charger.transcript()}"
    assert charger.of("open")[0]["protocol"] == "ocpp2.0.1"
    assert charger.of("boot")[0]["response"]["status"] == "Accepted"
    first, changed, again = answers
    assert [r["attributeStatus"] for r in first["getVariableResult"]] == [
        "Accepted", "UnknownVariable"]
    assert changed["setVariableResult"][0]["attributeStatus"] == "Accepted"
    assert again["getVariableResult"][0]["attributeValue"] == "60"
    assert central.stations[CHARGER].boot_reason == "PowerUp"
    assert_capture_clean(store)
    assert len(_charger_actions(store)) == 6 + 2 * len(commands)


def test_strict_charger_does_catch_an_invalid_frame() -> None:
    """The check above is not vacuous: a frame that breaks the schema is reported."""

    async def scenario():
        store = CaptureStore(":memory:")
        central = CentralSystem(store, CsmsSettings(host="127.0.0.1", port=0))
        async with CsmsServer(central) as server:
            charger = await start_node(f"ws://127.0.0.1:{server.port}/ocpp/{CHARGER}", "ocpp1.6")
            try:
                await charger.wait_for("ready")
                with pytest.raises(CallError) as refused:
                    await central.call(CHARGER, "ChangeConfiguration",
                                       {"key": "HeartbeatInterval", "value": 60},
                                       timeout=WAIT, allow_invalid=True)
                await charger.wait_for("error")
            finally:
                code, _ = await charger.finish()
        return store, charger, refused.value, code

    store, charger, refused, code = asyncio.run(scenario())
    assert refused.code == "TypeConstraintViolation", refused
    kinds = {e["kind"] for e in charger.errors()}
    assert "strictValidationFailure" in kinds, charger.transcript()
    assert code == 1
    # Our side recorded the invalid CALL as invalid, and the CALLERROR paired with it.
    call = store.frames(charger=CHARGER, action="ChangeConfiguration")[0]
    assert call.valid is False and call.violations
    error = [f for f in store.frames(charger=CHARGER) if f.message_type == 4]
    assert len(error) == 1 and error[0].pair_id == call.id
    assert error[0].error_code == "TypeConstraintViolation" and error[0].valid
