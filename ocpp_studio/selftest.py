"""``ocpp-studio --self-test``, the part without Qt: is everything the app reads at runtime
there and working? Used on a packaged build (CI builds the Linux bundle and runs it) to
catch a file or module PyInstaller left out. The Qt part (window, demo chargers) is
``ui/self_test.py``."""

from __future__ import annotations

import time
from dataclasses import dataclass
from importlib import metadata
from typing import Callable

from . import __version__
from .resources import RUNTIME_FILES, base_dir, is_frozen, runtime_file

#: Real frames as the demo chargers send them, one per OCPP version.
BOOT_16 = ('[2,"1","BootNotification",{"chargePointVendor":"OCPP Studio",'
           '"chargePointModel":"Demo Wallbox 7.4 kW","firmwareVersion":"demo-1.0"}]')
BOOT_201 = ('[2,"1","BootNotification",{"reason":"PowerUp","chargingStation":'
            '{"vendorName":"OCPP Studio","model":"Demo Wallbox 11 kW"}}]')
#: The 2.1 demo charger boots with 2.0.1's frame (its required fields are unchanged in 2.1).
BOOT_21 = BOOT_201
#: Fewer official schemas than this for a version: the bundle left some out (the ``ocpp``
#: package has schemas for 39 actions of 1.6, 64 of 2.0.1 and 90 of 2.1).
MIN_ACTIONS = {"1.6": 28, "2.0.1": 60, "2.1": 85}
#: A timestamp that is not a date-time: only rejected when rfc3339-validator is bundled.
BAD_TIME_16 = ('[2,"2","StatusNotification",{"connectorId":1,"errorCode":"NoError",'
               '"status":"Available","timestamp":"yesterday"}]')
#: 0.3 A is a multiple of 0.1 only when numbers are Decimals (DESIGN.md).
LIMIT_16 = ('[3,"3",{"status":"Accepted","connectorId":1,"scheduleStart":'
            '"2024-01-01T00:00:00Z","chargingSchedule":{"chargingRateUnit":"A",'
            '"chargingSchedulePeriod":[{"startPeriod":0,"limit":0.3}]}}]')


@dataclass
class Check:
    name: str
    ok: bool
    detail: str
    seconds: float = 0.0

    def line(self) -> str:
        return f"[{'ok' if self.ok else 'FAIL':>4}] {self.name}: {self.detail} ({self.seconds:.2f} s)"


def run_check(name: str, probe: Callable[[], str]) -> Check:
    """Run one probe; it returns a detail text or raises with the reason it failed."""
    start = time.perf_counter()
    try:
        detail, ok = probe(), True
    except Exception as exc:  # noqa: BLE001 - any failure is the answer
        detail, ok = f"{type(exc).__name__}: {exc}", False
    return Check(name, ok, detail, time.perf_counter() - start)


def check_version() -> str:
    installed = metadata.version("ocpp-studio")
    if installed != __version__:
        raise RuntimeError(f"package metadata says {installed}, ocpp_studio.__version__ "
                           f"{__version__}")
    return f"{__version__} ({'packaged' if is_frozen() else 'from source'}, {base_dir()})"


def check_runtime_files() -> str:
    missing = [name for kind, name in RUNTIME_FILES if not runtime_file(kind, name).is_file()]
    if missing:
        raise FileNotFoundError(f"missing from {base_dir()}: {', '.join(missing)}")
    return f"{len(RUNTIME_FILES)} files present"


def _validate(version: object, raw: str, kind: str = "request", action: str = "") -> list:
    from .core.frames import parse_frame
    from .core.schemas import validate
    frame = parse_frame(raw)
    return validate(version, action or frame.action, kind, frame.payload)  # type: ignore[arg-type]


def check_ocpp_schemas() -> str:
    from .core.schemas import known_actions
    from .core.versions import OcppVersion
    counts = {v: len(known_actions(v)) for v in OcppVersion}
    if any(counts[v] < MIN_ACTIONS[v.label] for v in OcppVersion):
        raise RuntimeError(f"too few official schemas: {counts}")
    boots = {OcppVersion.V16: BOOT_16, OcppVersion.V201: BOOT_201, OcppVersion.V21: BOOT_21}
    for version in OcppVersion:
        if violations := _validate(version, boots[version]):
            raise RuntimeError(f"{version} BootNotification rejected: {violations[0].message}")
    if _validate(OcppVersion.V16, LIMIT_16, "response", "GetCompositeSchedule"):
        raise RuntimeError("0.3 A rejected by multipleOf 0.1 (numbers not parsed as Decimal)")
    bad = _validate(OcppVersion.V16, BAD_TIME_16)
    if not any(v.keyword == "format" for v in bad):
        raise RuntimeError("a bad date-time was accepted (rfc3339-validator missing?)")
    # the 2.1 enums load on first use (_ocpp_enums.LAZY): through the bundle's importer too
    from .station.adapters.operations import Requests21
    if "CustomTrigger" not in Requests21().triggers:
        raise RuntimeError("the 2.1 enums did not load (MessageTriggerEnumType)")
    actions = ", ".join(f"{v.label}: {counts[v]} actions" for v in OcppVersion)
    return (f"{actions}; BootNotification of each version valid, bad date-time caught; "
            f"2.1 enums loaded on first use")


def check_json_schema_tools() -> str:
    import fastjsonschema
    import jsonschema
    from .capture.jsonl import _line_validators
    from .configuration.templates import TEMPLATE_SCHEMA
    for draft in (jsonschema.Draft4Validator, jsonschema.Draft6Validator,
                  jsonschema.Draft7Validator):
        draft.check_schema(draft.META_SCHEMA)  # the metaschemas: jsonschema_specifications
    jsonschema.Draft7Validator.check_schema(TEMPLATE_SCHEMA)
    validators = _line_validators()
    try:
        validators["frame"]({"kind": "nonsense"})
    except fastjsonschema.JsonSchemaException:
        pass
    else:
        raise RuntimeError("the capture-line schema accepted a nonsense line")
    return (f"jsonschema {metadata.version('jsonschema')} with draft 4/6/7 metaschemas, "
            f"fastjsonschema {metadata.version('fastjsonschema')} compiled capture-line schema")


def check_time_zones() -> str:
    """UK off-peak hours are in Europe/London; Windows needs the tzdata package for it."""
    from datetime import datetime
    from zoneinfo import ZoneInfo
    summer = datetime(2024, 7, 1, 12, tzinfo=ZoneInfo("Europe/London"))
    if summer.utcoffset() is None or summer.utcoffset().total_seconds() != 3600:
        raise RuntimeError(f"Europe/London in July is not UTC+1: {summer.utcoffset()}")
    return "Europe/London known (BST in summer)"


def check_serial_ports() -> str:
    """The Serial console tab: pyserial's port list, and its URL handlers (imported by name
    at run time, so a bundle can miss them): a line through loop:// comes back."""
    from .transports.serial_port import SerialSettings, list_ports
    ports = list_ports()
    port = SerialSettings("loop://").open(timeout=1)
    try:
        port.write(b"[2,\"1\",\"Heartbeat\",{}]\n")
        echoed = port.readline()
    finally:
        port.close()
    if echoed != b"[2,\"1\",\"Heartbeat\",{}]\n":
        raise RuntimeError(f"loop:// gave back {echoed!r}")
    return f"{len(ports)} serial port(s) listed; loop:// echoes a line"


def check_control_api() -> str:
    """``--api``: the aiohttp control API answers on 127.0.0.1 with its token, and refuses
    without it."""
    import asyncio
    import json
    import urllib.error
    import urllib.request

    from .api.server import ControlApi
    from .capture.store import CaptureStore
    from .station.central import CentralSystem

    def get(url: str, token: str | None) -> tuple[int, bytes]:
        request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"}
                                         if token else {})
        try:
            with urllib.request.urlopen(request, timeout=5) as answer:  # noqa: S310 - loopback
                return answer.status, answer.read()
        except urllib.error.HTTPError as exc:
            return exc.code, b""

    async def probe() -> tuple[int, bytes, int]:
        store = CaptureStore(":memory:")
        api = ControlApi(CentralSystem(store), store, 0)
        await api.start()
        try:
            url = f"http://127.0.0.1:{api.port}/api/v1/chargers"
            ok = await asyncio.to_thread(get, url, api.token)
            refused = await asyncio.to_thread(get, url, None)
            return ok[0], ok[1], refused[0]
        finally:
            await api.stop()
            store.close()

    status, body, refused = asyncio.run(probe())
    if status != 200 or json.loads(body) != [] or refused != 401:
        raise RuntimeError(f"control API answered {status} {body[:80]!r}, {refused} unauthorised")
    return "answers with its token (200), refuses without (401)"


def check_certificates() -> str:
    """wss:// and certificates: cryptography is imported on first use (core/lazy.py), so a
    bundle could miss a part of it unnoticed; a throw-away studio CA issues the EC and RSA
    server certificates, each verifies against the CA and loads into a TLS context."""
    import ssl
    import tempfile

    from .security.ca import StudioCA
    with tempfile.TemporaryDirectory(prefix="ocpp-studio-self-test-ca-") as folder:
        ca = StudioCA(folder)
        names = ["localhost", "127.0.0.1"]
        issued = ca.server_certificates(names)
        for server in issued:
            reason = ca.reissue_reason(server.certificate, names)
            if reason is not None:
                raise RuntimeError(f"the {server.key_type} server certificate: {reason}")
            ssl.create_default_context(ssl.Purpose.CLIENT_AUTH).load_cert_chain(
                server.cert_file, server.key_file)
    return f"studio CA issued {', '.join(s.key_type for s in issued)} server certificates"


def qt_free_checks() -> list[Check]:
    return [run_check("version", check_version),
            run_check("bundled files", check_runtime_files),
            run_check("OCPP schemas", check_ocpp_schemas),
            run_check("JSON schema tools", check_json_schema_tools),
            run_check("time zones", check_time_zones),
            run_check("serial ports", check_serial_ports),
            run_check("control API", check_control_api),
            run_check("certificates", check_certificates)]
