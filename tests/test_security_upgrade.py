"""The guided security upgrade and the password rule (issue 15 §1, §3), against the real demo
charger over websockets on 127.0.0.1."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import socket
import sys
from pathlib import Path

import pytest
from websockets.exceptions import InvalidStatus

from ocpp_studio.core.versions import OcppVersion
from ocpp_studio.demo import DemoCharger, DemoChargerConfig
from ocpp_studio.security.ca import StudioCA
from ocpp_studio.security.passwords import authorization_key_problems, password_problems
from ocpp_studio.service import Studio
from ocpp_studio.settings import AppSettings, CsmsSettings
from ocpp_studio.station.adapters import adapter_for
from ocpp_studio.station.security_steps import change_password, last_password_change
from ocpp_studio.station.security_upgrade import (DOWNGRADE_WARNING, SecurityUpgrade,
                                                  StepState, connection_security)

from conftest import raw_charger, wait_for

OLD = "OldPassword0123456789"  # 21 characters
OLD_KEY = "00112233445566778899aabbccddeeff"  # a 1.6 AuthorizationKey: 16 bytes in hex


def run(coro, timeout=60):
    return asyncio.run(asyncio.wait_for(coro, timeout))


@contextlib.asynccontextmanager
async def studio_and_demo(tmp_path: Path, version: OcppVersion, password: str):
    studio = Studio(AppSettings(csms=CsmsSettings(host="127.0.0.1", port=0,
                                                  passwords={"SEC-1": password}),
                                capture_path=str(tmp_path / "capture.db")))
    await studio.start()
    charger = DemoCharger(studio.loopback_url(), DemoChargerConfig(
        charger_id="SEC-1", version=version, basic_auth_password=password, seed=1))
    task = asyncio.create_task(charger.run())
    try:
        await wait_for(lambda: "SEC-1" in studio.central.sessions
                       and studio.central.stations["SEC-1"].boot_count >= 1, 20)
        yield studio, charger
    finally:
        with contextlib.suppress(Exception):
            await charger.stop()
        task.cancel()
        with contextlib.suppress(BaseException):
            await task
        await studio.stop()


async def connects_with(studio: Studio, password: str | bytes, subprotocol: str) -> bool:
    """A second client as SEC-1 with ``password``: True when the studio lets it in."""
    secret = password if isinstance(password, bytes) else password.encode()
    token = base64.b64encode(b"SEC-1:" + secret).decode()
    url = studio.loopback_url() + "/SEC-1"
    try:
        async with raw_charger(url, subprotocol,
                               additional_headers={"Authorization": f"Basic {token}"}):
            return True
    except InvalidStatus as exc:
        assert exc.response.status_code == 401
        return False


# ------------------------------------------------------------------ adapters (pure)
def test_password_requests_per_version():
    a16, a201 = adapter_for("1.6"), adapter_for("2.0.1")
    key = a16.new_password()
    assert authorization_key_problems(key) == []  # whitepaper A00.FR.205: hex, 16-20 bytes
    assert a16.password_change_request(key).payload == {"key": "AuthorizationKey", "value": key}
    password = a201.new_password()
    assert password_problems(password) == []
    [item] = a201.password_change_request(password).payload["setVariableData"]
    assert (item["component"], item["variable"]) == ({"name": "SecurityCtrlr"},
                                                     {"name": "BasicAuthPassword"})


def test_security_profile_requests_per_version():
    url = "wss://192.0.2.1:9443/ocpp"
    first, second = adapter_for("1.6").security_profile_requests(2, url,
                                                                  url_setting="Cst_BackendUrl")
    assert first.payload == {"key": "Cst_BackendUrl", "value": url}  # the URL first
    assert second.payload == {"key": "SecurityProfile", "value": "2"}
    assert adapter_for("1.6").upgrade_reset_request() is None  # A05.FR.06/07
    a201 = adapter_for("2.0.1")
    network, priority = a201.security_profile_requests(3, url, priority=["0"])
    assert network.action == "SetNetworkProfile"
    assert network.payload["configurationSlot"] == 1
    assert network.payload["connectionData"]["securityProfile"] == 3
    assert priority.payload["setVariableData"][0]["attributeValue"] == "1,0"
    # every slot the charger listed in use: the active one (ActiveNetworkProfile, else the
    # first) stays alone in the list, the other one takes the new profile, the active one
    # stays second as the fallback (OCTT TC_A_19_CS/TC_A_20_CS, errata 2025-09 §6.2.6-9)
    only_active, network, priority = a201.security_profile_requests(3, url,
                                                                    priority=["1", "0"])
    assert only_active.payload["setVariableData"][0]["attributeValue"] == "1"
    assert network.payload["configurationSlot"] == 0
    assert priority.payload["setVariableData"][0]["attributeValue"] == "0,1"
    # after a fallback the active slot is not the first one listed: it is never overwritten
    only_active, network, priority = a201.security_profile_requests(
        3, url, priority=["0", "1"], active="1")
    assert only_active.payload["setVariableData"][0]["attributeValue"] == "1"
    assert network.payload["configurationSlot"] == 0
    assert priority.payload["setVariableData"][0]["attributeValue"] == "0,1"
    network, priority = a201.security_profile_requests(3, url, priority=["2"], active="2")
    assert network.payload["configurationSlot"] == 3
    assert priority.payload["setVariableData"][0]["attributeValue"] == "3,2"
    assert a201.upgrade_reset_request().payload == {"type": "OnIdle"}  # 2.0.1 A05 step 3
    assert adapter_for("2.1").security_profile_requests(2, url)[0].payload[
        "connectionData"]["ocppVersion"] == "OCPP21"


# ------------------------------------------------------------- A01.FR.03 / FR.04
def test_accepted_password_replaces_the_old_one_16(tmp_path):
    async def scenario():
        async with studio_and_demo(tmp_path, OcppVersion.V16, OLD_KEY) as (studio, charger):
            saved = []
            change = await change_password(studio.central, "SEC-1",
                                           persist=lambda: saved.append(1))
            assert change.status == "Accepted" and change.in_force
            assert saved == [1]
            new = studio.settings.csms.passwords["SEC-1"]
            assert new != OLD_KEY and authorization_key_problems(new) == []
            assert last_password_change(studio.central.station("SEC-1")) is change
            # A01.FR.03: the old credentials no longer work, the new ones do (as hex text
            # and as the bytes it encodes, A00.FR.205)
            assert not await connects_with(studio, OLD_KEY, "ocpp1.6")
            assert await connects_with(studio, new, "ocpp1.6")
            assert await connects_with(studio, bytes.fromhex(new), "ocpp1.6")
            # our test clients took the charger's place (a new connection wins): the demo
            # charger itself comes back, with its new key
            await wait_for(lambda: charger.connection_count >= 2 and charger.connected, 30)
            await wait_for(lambda: "SEC-1" in studio.central.sessions, 30)
            assert new not in repr(change)  # the record keeps the length, not the password
    run(scenario())


def test_rejected_password_keeps_the_old_one_201(tmp_path):
    async def scenario():
        async with studio_and_demo(tmp_path, OcppVersion.V201, OLD) as (studio, charger):
            # the demo refuses a passwordString shorter than 16 (A00.FR.205)
            change = await change_password(studio.central, "SEC-1", "tooShort123")
            assert change.status == "Rejected" and not change.in_force
            assert "keeps accepting the old one" in change.words
            assert studio.settings.csms.passwords["SEC-1"] == OLD  # A01.FR.04
            assert await connects_with(studio, OLD, "ocpp2.0.1")
            assert not await connects_with(studio, "tooShort123", "ocpp2.0.1")
            # the demo charger, displaced by our clients, comes back with the old one
            await wait_for(lambda: charger.connection_count >= 2 and charger.connected
                           and "SEC-1" in studio.central.sessions, 30)
            accepted = await change_password(studio.central, "SEC-1")
            assert accepted.accepted and accepted.length == 24
            assert not await connects_with(studio, OLD, "ocpp2.0.1")
    run(scenario())


# ------------------------------------------------------------------ the flow
def test_upgrade_not_confirmed_switches_nothing(tmp_path):
    """Declined at the downgrade warning: steps 1 stays done, nothing is switched."""
    async def scenario():
        async with wss_studio_and_demo(tmp_path, OcppVersion.V201, OLD) as (studio, charger):
            from ocpp_studio.station.security_upgrade import choose_wss_url

            async def decline(text: str) -> bool:
                return False

            flow = SecurityUpgrade(studio.central, "SEC-1", 2,
                                   wss_url=choose_wss_url(studio.urls(), "127.0.0.1"),
                                   root_pem=StudioCA(studio.settings.csms.ca_dir)
                                   .certificate_pem(), confirm=decline, call_timeout_s=15)
            result = await flow.run()
            assert not result.ok and "Not confirmed" in result.words
            assert flow.step("root").state is StepState.DONE
            assert flow.step("switch").state is StepState.FAILED
            assert flow.step("reconnect").state is StepState.WAITING
            assert not studio.store.frames(charger="SEC-1", action="SetNetworkProfile")
            assert connection_security(studio.central, "SEC-1")["scheme"] == "ws"
    run(scenario())


def test_connection_security_reads_the_handshake(tmp_path):
    async def scenario():
        async with studio_and_demo(tmp_path, OcppVersion.V201, OLD) as (studio, charger):
            facts = connection_security(studio.central, "SEC-1")
            assert facts["scheme"] == "ws" and facts["profile"] == 1 and facts["open"]
            assert "OCPP" in DOWNGRADE_WARNING and "A05" in DOWNGRADE_WARNING
    run(scenario())


def test_profile_must_be_2_or_3(tmp_path):
    from ocpp_studio.capture.store import CaptureStore
    from ocpp_studio.station.central import CentralSystem
    central = CentralSystem(CaptureStore(":memory:"))
    with pytest.raises(ValueError):
        SecurityUpgrade(central, "X", 1, wss_url="wss://h/ocpp", root_pem="")
    with pytest.raises(ValueError):
        SecurityUpgrade(central, "X", 2, wss_url="ws://h/ocpp", root_pem="")


# ------------------------------------------------------------- end to end: 1 -> 2 -> 3
@contextlib.asynccontextmanager
async def wss_studio_and_demo(tmp_path: Path, version: OcppVersion, password: str,
                              quirks: tuple[str, ...] = ()):
    studio = Studio(AppSettings(csms=CsmsSettings(
        host="127.0.0.1", port=0, wss_port=0, ca_dir=str(tmp_path / "ca"),
        client_certificates="optional", passwords={"SEC-1": password}),
        capture_path=str(tmp_path / "capture.db")))
    await studio.start()
    charger = DemoCharger(studio.loopback_url(), DemoChargerConfig(
        charger_id="SEC-1", version=version, basic_auth_password=password, seed=1,
        quirks=list(quirks)))
    task = asyncio.create_task(charger.run())
    try:
        await wait_for(lambda: "SEC-1" in studio.central.sessions
                       and studio.central.stations["SEC-1"].boot_count >= 1, 20)
        yield studio, charger
    finally:
        with contextlib.suppress(Exception):
            await charger.stop()
        task.cancel()
        with contextlib.suppress(BaseException):
            await task
        await studio.stop()


async def _upgrade(studio: Studio, profile: int) -> tuple[SecurityUpgrade, list]:
    from ocpp_studio.station.security_upgrade import choose_wss_url
    url = choose_wss_url(studio.urls(), "127.0.0.1")
    asked: list[str] = []

    async def confirm(text: str) -> bool:
        asked.append(text)
        return True

    flow = SecurityUpgrade(studio.central, "SEC-1", profile, wss_url=url,
                           root_pem=StudioCA(studio.settings.csms.ca_dir).certificate_pem(),
                           confirm=confirm, reconnect_timeout_s=60, csr_timeout_s=30,
                           call_timeout_s=15)
    countdown: list[float] = []
    flow.countdown.connect(countdown.append)
    result = await flow.run()
    assert asked == [DOWNGRADE_WARNING], result.words  # asked before the switch
    return flow, [result, countdown]


@pytest.mark.parametrize("version", [OcppVersion.V16, OcppVersion.V201])
def test_upgrade_1_to_2_to_3(tmp_path, version):
    async def scenario():
        async with wss_studio_and_demo(tmp_path, version, OLD_KEY) as (studio, charger):
            before = connection_security(studio.central, "SEC-1")
            assert before["scheme"] == "ws" and before["profile"] == 1
            flow, (result, countdown) = await _upgrade(studio, 2)
            assert result.ok, result.words
            assert [s["state"] for s in result.steps] == ["done", "skipped", "skipped",
                                                          "done", "done"]
            assert result.connection["scheme"] == "wss" and result.connection["profile"] == 2
            now = connection_security(studio.central, "SEC-1")
            assert now["scheme"] == "wss" and now["tls"]
            flow, (result, _) = await _upgrade(studio, 3)
            assert result.ok, result.steps
            assert result.connection["client_certificate"] and result.connection["profile"] == 3
            if version is not OcppVersion.V16:
                # 2.0.1: the profile 3 connection is in the slot that held profile 1 (not the
                # active one), the profile 2 slot stays second as the fallback (B10.FR.07)
                dm = charger.configuration
                assert dm.actual("OCPPCommCtrlr", "NetworkConfigurationPriority") == "0,1"
                await wait_for(lambda: dm.actual("OCPPCommCtrlr", "ActiveNetworkProfile")
                               == "0", 10)
                assert dm.network_profiles[0]["securityProfile"] == 3
                # a slot still listed is refused (errata §6.2.8): why the flow first leaves
                # the active slot alone in the list
                answer = await studio.central.call("SEC-1", "SetNetworkProfile", {
                    "configurationSlot": 1, "connectionData": dm.network_profiles[0]})
                assert answer["status"] == "Rejected"
                assert "listed" in answer["statusInfo"]["additionalInfo"]
    run(scenario(), 150)


def test_a_profile_taken_with_its_answer_lost_is_not_called_failed(tmp_path):
    """A 1.6 charger that drops its link the moment it takes SecurityProfile (quirk
    drops-answer): the answer is lost, the studio sends it again on the new connection and the
    charger, already on 2, answers Rejected (A05.FR.01). The switch is not reported failed:
    the charger's wss:// connection with its password shows profile 2 was taken."""
    async def scenario():
        async with wss_studio_and_demo(tmp_path, OcppVersion.V16, OLD_KEY,
                                       ("drops-answer=SecurityProfile",)) as (studio, charger):
            flow, (result, _) = await _upgrade(studio, 2)
            assert result.ok, result.words
            assert result.connection["scheme"] == "wss" and result.connection["profile"] == 2
            switch = next(s for s in result.steps if s["key"] == "switch")
            assert switch["state"] == "done"
            assert any("answer to an earlier copy was lost" in e for e in switch["evidence"])
            assert charger.configuration.value("SecurityProfile") == "2"
    run(scenario(), 120)


# ------------------------------------------------------------------ CLI over the API
CLI = [sys.executable, "-m", "ocpp_studio.cli"]


async def _cli(*argv: str, stdin: bytes | None = None) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        *CLI, "security", *argv, stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await process.communicate(stdin or b"")
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


def test_cli_upgrade_and_password(tmp_path):
    async def scenario():
        async with wss_studio_and_demo(tmp_path, OcppVersion.V201, OLD) as (studio, charger):
            api = await studio.start_api(0)
            common = ["--api", str(api.port), "--token", api.token, "SEC-1"]
            # the API itself: no confirmation -> 409 with the warning; a profile that is not 2/3
            from ocpp_studio.api.client import ApiError, request
            path = "/chargers/SEC-1/security/upgrade"
            with pytest.raises(ApiError) as refused:
                await asyncio.to_thread(request, api.port, api.token, "POST", path,
                                        {"profile": 2})
            assert refused.value.status == 409
            assert refused.value.body["error"] == "NotConfirmed"
            assert refused.value.body["warning"] == DOWNGRADE_WARNING
            with pytest.raises(ApiError) as bad:
                await asyncio.to_thread(request, api.port, api.token, "POST", path,
                                        {"profile": 1, "confirm": True})
            assert bad.value.status == 400
            # not confirmed (no --yes, no terminal): nothing is sent, exit 3
            code, out, err = await _cli("upgrade", *common, "--profile", "2")
            assert code == 3 and "A05" in err and "--yes" in err, out + err
            assert not studio.store.frames(charger="SEC-1", action="InstallCertificate")
            # the password: Accepted, so exit 0 and the studio expects the new one
            code, out, err = await _cli("password", *common, "--generate")
            assert code == 0, err
            assert "accepted the new 24-character password" in out
            assert studio.settings.csms.passwords["SEC-1"] != OLD
            await wait_for(lambda: "SEC-1" in studio.central.sessions, 20)
            # the upgrade: each step printed as it happens, exit 0 once back over wss
            code, out, err = await _cli("upgrade", *common, "--profile", "2", "--yes",
                                        "--timeout", "60", "--new-password")
            assert code == 0, out + err
            assert "[ok] Password (profile 2): The charger accepted the new" in out
            assert "[ok] Install the central system's root certificate" in out
            assert "[ok] Switch to security profile 2" in out
            assert "came back over wss:// with its password" in out
            assert connection_security(studio.central, "SEC-1")["profile"] == 2
    run(scenario(), 150)


def test_cli_upgrade_says_when_the_charger_does_not_come_back(tmp_path):
    """Given a wss:// URL where nobody listens, the 2.0.1 demo cannot connect after its reset
    and falls back to its old connection (B10): the CLI exits 1 with what the charger last did
    and how to fall back."""
    async def scenario():
        async with wss_studio_and_demo(tmp_path, OcppVersion.V201, OLD) as (studio, charger):
            api = await studio.start_api(0)
            with socket.socket() as probe:  # a port nobody listens on
                probe.bind(("127.0.0.1", 0))
                dead = probe.getsockname()[1]
            code, out, err = await _cli("upgrade", "--api", str(api.port), "--token",
                                        api.token, "SEC-1", "--profile", "2", "--yes",
                                        "--timeout", "8", "--wss-url",
                                        f"wss://127.0.0.1:{dead}/ocpp")
            assert code == 1, out + err
            assert "did not come back over wss:// at profile 2" in err
            assert "installer app" in err and "OCPP cannot lower the profile" in err
            assert "waiting for the charger over wss://" in out  # the countdown was shown
    run(scenario(), 150)


def test_countdown_follows_the_injected_clock(tmp_path):
    """The reconnect wait counts down on the flow's clock (remaining_s, the countdown signal);
    moving a fixed clock past the deadline ends it with what the charger last did."""
    from datetime import datetime, timezone

    from ocpp_studio.core.clock import FixedClock

    async def scenario():
        async with wss_studio_and_demo(tmp_path, OcppVersion.V201, OLD) as (studio, charger):
            with socket.socket() as probe:
                probe.bind(("127.0.0.1", 0))
                dead = probe.getsockname()[1]
            clock = FixedClock(datetime(2026, 1, 5, 12, 0, tzinfo=timezone.utc))
            flow = SecurityUpgrade(studio.central, "SEC-1", 2,
                                   wss_url=f"wss://127.0.0.1:{dead}/ocpp",
                                   root_pem=StudioCA(studio.settings.csms.ca_dir)
                                   .certificate_pem(), clock=clock, reconnect_timeout_s=90,
                                   call_timeout_s=15)
            seen: list[float] = []
            counting = asyncio.Event()

            def tick(remaining: float) -> None:
                seen.append(remaining)
                counting.set()

            flow.countdown.connect(tick)
            assert flow.remaining_s() is None  # nothing to count before the switch
            task = asyncio.create_task(flow.run())
            await asyncio.wait_for(counting.wait(), 60)
            assert flow.remaining_s() == 90.0 and seen[0] == 90.0  # the clock stood still
            clock.advance(30)
            await wait_for(lambda: 60.0 in seen, 10)
            clock.advance(61)
            result = await asyncio.wait_for(task, 30)
            assert not result.ok and result.fallback
            assert flow.step("reconnect").state is StepState.FAILED
            assert "did not come back over wss:// at profile 2 within 90 s" in result.words
            assert result.last_seen and "Last seen" in result.last_seen
    run(scenario(), 120)


def test_16_plan_keeps_the_url_form_and_skips_a_url_already_there():
    """The backend URL key is written in the form it holds (with the charger id when it had
    it), and not at all when it already holds the URL (a second write only reconnects)."""
    async def scenario(value: str) -> list:
        async def call(action, payload):
            assert action == "GetConfiguration"
            return {"configurationKey": [{"key": "Cst_BackendUrl", "value": value,
                                          "readonly": False}]}
        return await adapter_for("1.6", call).plan_security_profile(2, "wss://h:1/ocpp", "CP7")

    with_id = asyncio.run(scenario("ws://h:9/ocpp/CP7"))
    assert [r.payload for r in with_id] == [
        {"key": "Cst_BackendUrl", "value": "wss://h:1/ocpp/CP7"},
        {"key": "SecurityProfile", "value": "2"}]
    already = asyncio.run(scenario("wss://h:1/ocpp/"))
    assert [r.payload for r in already] == [{"key": "SecurityProfile", "value": "2"}]


@pytest.mark.parametrize("version", [OcppVersion.V16, OcppVersion.V201])
def test_upgrade_from_profile_0(tmp_path, version):
    """A charger with no password at all (profile 0) and a studio that asked for none: the
    flow writes a password first; 1.6 goes 0 -> 1 before the URL change (the charger
    reconnects at once and must present the password on wss://), then 2."""
    async def scenario():
        studio = Studio(AppSettings(csms=CsmsSettings(
            host="127.0.0.1", port=0, wss_port=0, ca_dir=str(tmp_path / "ca")),
            capture_path=str(tmp_path / "capture.db")))
        await studio.start()
        charger = DemoCharger(studio.loopback_url(), DemoChargerConfig(
            charger_id="SEC-1", version=version, seed=1))
        task = asyncio.create_task(charger.run())
        try:
            await wait_for(lambda: "SEC-1" in studio.central.sessions, 20)
            assert connection_security(studio.central, "SEC-1")["profile"] == 0
            flow, (result, _) = await _upgrade(studio, 2)
            assert result.ok, result.steps
            assert flow.step("password").state is StepState.DONE
            assert "first charger password" in flow.step("password").words
            assert studio.settings.csms.passwords["SEC-1"]
            assert result.connection["profile"] == 2
        finally:
            with contextlib.suppress(Exception):
                await charger.stop()
            task.cancel()
            with contextlib.suppress(BaseException):
                await task
            await studio.stop()
    run(scenario(), 120)
