"""Templates (make/load/apply/undo) and the config API + `ocpp-studio config pull|push`."""

from __future__ import annotations

import asyncio
import json
import sys

import aiohttp
import pytest

from ocpp_studio.api.server import ControlApi
from ocpp_studio.configuration import (TemplateError, apply_template, load_template,
                                       make_template, undo)
from ocpp_studio.configuration.templates import save_template
from test_configuration_service import PASSWORD, calls, demo, run


def test_template_make_load_apply_undo_16(tmp_path):
    async def scenario():
        async with demo("1.6", basic_auth_password=PASSWORD) as (csms, charger, svc, cid):
            snap = await svc.read_all(cid)
            template = make_template(snap, name="site A")
            assert "NumberOfConnectors" not in template["settings"]  # read-only
            assert "AuthorizationKey" not in template["settings"]  # secret
            template["settings"].update({"HeartbeatInterval": "900", "LightIntensity": "10",
                                         "MeterValueSampleInterval": "bad",
                                         "SecurityProfile": "2"})
            path = tmp_path / "t.json"
            save_template(template, path)
            loaded = load_template(path)
            before = {k: charger.configuration.value(k)
                      for k in ("HeartbeatInterval", "LightIntensity")}
            seen = []
            results, undo_map = await apply_template(svc, cid, loaded,
                                                     progress=lambda d, t, r: seen.append((d, t)))
            status = {r.key: r.status for r in results}
            # unchanged settings are not written; invalid and dangerous are not sent
            assert status == {"HeartbeatInterval": "Accepted", "LightIntensity": "Accepted",
                              "MeterValueSampleInterval": "NotSent", "SecurityProfile": "NotSent"}
            assert seen[-1] == (4, 4)
            assert undo_map == before
            assert charger.configuration.value("LightIntensity") == "10"
            undone = await undo(svc, cid, undo_map)
            assert all(r.status == "Accepted" for r in undone)
            assert {k: charger.configuration.value(k) for k in before} == before
    run(scenario())


def test_template_apply_undo_201():
    async def scenario():
        async with demo("2.0.1") as (csms, charger, svc, cid):
            snap = await svc.read_all(cid)
            template = make_template(snap, ["SampledDataCtrlr.TxUpdatedInterval",
                                            "OCPPCommCtrlr.OfflineThreshold"])
            template["settings"] = {"SampledDataCtrlr.TxUpdatedInterval": "1",
                                    "OCPPCommCtrlr.OfflineThreshold": "600"}
            results, undo_map = await apply_template(svc, cid, template)
            assert [r.status for r in results] == ["Accepted", "Accepted"]
            dm = charger.configuration
            assert dm.actual("SampledDataCtrlr", "TxUpdatedInterval") == "1"
            assert undo_map == {"SampledDataCtrlr.TxUpdatedInterval": "10",
                                "OCPPCommCtrlr.OfflineThreshold": "300"}
            await undo(svc, cid, undo_map)
            assert dm.actual("SampledDataCtrlr", "TxUpdatedInterval") == "10"
            assert dm.actual("OCPPCommCtrlr", "OfflineThreshold") == "300"
            template16 = dict(template, ocpp_version="1.6")
            with pytest.raises(TemplateError, match="speaks OCPP 2.0.1"):
                await apply_template(svc, cid, template16)
    run(scenario())


def test_load_template_errors(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(TemplateError, match="not JSON"):
        load_template(bad)
    bad.write_text(json.dumps({"format": "ocpp-studio-config-template", "version": 1,
                               "ocpp_version": "1.6", "settings": {"HeartbeatInterval": 60}}))
    with pytest.raises(TemplateError, match="settings/HeartbeatInterval"):
        load_template(bad)
    with pytest.raises(TemplateError, match="Cannot read"):
        load_template(tmp_path / "missing.json")


async def _with_api(version, scenario):
    async with demo(version) as (csms, charger, svc, cid):
        api = ControlApi(csms.central, csms.store, 0, token="t", configuration=svc)
        await api.start()
        try:
            async with aiohttp.ClientSession(headers={"Authorization": "Bearer t"}) as http:
                await scenario(http, f"http://127.0.0.1:{api.port}/api/v1", api, charger, cid, csms)
        finally:
            await api.stop()


def test_api_configuration_endpoints():
    async def scenario(http, base, api, charger, cid, csms):
        async with http.get(f"{base}/chargers/{cid}/configuration") as r:
            snap = await r.json()
            assert r.status == 200 and snap["version"] == "1.6"
            assert snap["items"]["HeartbeatInterval"]["known"]
        body = {"changes": {"HeartbeatInterval": "45", "SecurityProfile": "1"}}
        async with http.post(f"{base}/chargers/{cid}/configuration", json=body) as r:
            out = await r.json()
        assert [p["key"] for p in out["plan"]] == ["HeartbeatInterval", "SecurityProfile"]
        assert {x["key"]: x["status"] for x in out["results"]} == {
            "HeartbeatInterval": "Accepted", "SecurityProfile": "NotSent"}
        assert out["undo"] == {"HeartbeatInterval": snap["items"]["HeartbeatInterval"]["value"]}
        body = {"changes": {"AuthorizationKey": PASSWORD}, "confirm_dangerous": True}
        async with http.post(f"{base}/chargers/{cid}/configuration", json=body) as r:
            out = await r.json()
        assert out["results"][0]["status"] == "Accepted" and PASSWORD not in json.dumps(out)
        async with http.post(f"{base}/chargers/{cid}/configuration", json={"changes": 3}) as r:
            assert r.status == 400
        bad_template = {"changes": {"format": "ocpp-studio-config-template", "version": 2}}
        async with http.post(f"{base}/chargers/{cid}/configuration", json=bad_template) as r:
            assert r.status == 400 and (await r.json())["error"] == "BadTemplate"
        async with http.get(f"{base}/chargers/NOPE/configuration") as r:
            assert r.status == 404
    run(_with_api("1.6", scenario))


def test_cli_config_pull_and_push(tmp_path):
    async def scenario(http, base, api, charger, cid, csms):
        async def cli(*args, stdin=None):
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "ocpp_studio.cli", "config", *args,
                stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE)
            out, err = await process.communicate()
            return process.returncode, out.decode(), err.decode()

        out_file = tmp_path / "site.json"
        code, out, err = await cli("pull", "--api", str(api.port), "--token", "t", cid,
                                   "--out", str(out_file), "--keys",
                                   "SampledDataCtrlr.TxUpdatedInterval,OCPPCommCtrlr.OfflineThreshold")
        assert code == 0, err
        template = load_template(out_file)
        assert template["ocpp_version"] == "2.0.1"
        assert set(template["settings"]) == {"SampledDataCtrlr.TxUpdatedInterval",
                                             "OCPPCommCtrlr.OfflineThreshold"}
        template["settings"]["SampledDataCtrlr.TxUpdatedInterval"] = "2"
        save_template(template, out_file)
        # without --yes and without a terminal: shows the plan, writes nothing
        code, out, err = await cli("push", "--api", str(api.port), "--token", "t", cid,
                                   str(out_file))
        assert code == 1 and "TxUpdatedInterval: 10 -> 2" in out and "--yes" in err
        assert calls(csms, cid, "SetVariables") == []
        code, out, err = await cli("push", "--api", str(api.port), "--token", "t", cid,
                                   str(out_file), "--yes")
        assert code == 0, out + err
        assert "TxUpdatedInterval = 2: Accepted" in out
        assert charger.configuration.actual("SampledDataCtrlr", "TxUpdatedInterval") == "2"
        code, out, err = await cli("pull", "--api", str(api.port), "--token", "t", cid,
                                   "--out", str(tmp_path / "snap.json"), "--snapshot")
        assert code == 0, err
        assert "items" in json.loads((tmp_path / "snap.json").read_text())
    run(_with_api("2.0.1", scenario))
