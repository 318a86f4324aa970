"""``ocpp-studio logs get`` and ``firmware update`` end to end: ``serve --demo --api`` in a
subprocess (demo chargers DEMO-16 and DEMO-201), the commands against it, the files, words
and exit statuses a user sees; and the control API routes they use."""

from __future__ import annotations

import asyncio
import hashlib
import json
from pathlib import Path

from serve_demo import cli_env, run_cli, serve_demo
from test_transfers import signing_pair

from ocpp_studio.api.client import ApiError, request
from ocpp_studio.station.transfer_signing import sign_firmware

def test_logs_and_firmware_commands_against_serve_demo(tmp_path: Path) -> None:
    env = cli_env(tmp_path)
    key, cert = signing_pair("ec")
    (tmp_path / "signing.key").write_bytes(key)
    (tmp_path / "signing.pem").write_text(cert)
    image = tmp_path / "7.2.0.bin"
    image.write_bytes(b"\x00firmware image\x00" * 2000)
    other_key, _ = signing_pair("rsa")
    (tmp_path / "bad.sig").write_text(sign_firmware(image, other_key))
    out_dir = tmp_path / "out"

    async def scenario() -> dict[str, tuple[int, str, str]]:
        async with serve_demo(tmp_path, env) as (api_port, token):
            api = ("--api", str(api_port))
            results = {
                "diag16": await run_cli(env, "logs", "get", *api, "DEMO-16", "--out",
                                        str(out_dir), "--since", "2026-01-01T00:00:00Z",
                                        "--retries", "2"),
                "security201": await run_cli(env, "logs", "get", *api, "DEMO-201", "--type",
                                             "security", "--scheme", "http", "--out",
                                             str(out_dir), "--attach"),
                "attach16": await run_cli(env, "logs", "attach", *api, "DEMO-16",
                                          "DEMO-16-diagnostics.log"),
                "attach-unknown": await run_cli(env, "logs", "attach", *api, "DEMO-16",
                                                "../c.db"),
                "list16": await run_cli(env, "logs", "list", *api, "DEMO-16"),
                "unknown": await run_cli(env, "logs", "get", *api, "NOPE", "--out",
                                         str(out_dir)),
                "badsig": await run_cli(env, "firmware", "update", *api, "DEMO-16", str(image),
                                        "--signing-cert", str(tmp_path / "signing.pem"),
                                        "--signature", str(tmp_path / "bad.sig")),
                "signed": await run_cli(env, "firmware", "update", *api, "DEMO-201",
                                        str(image), "--scheme", "ftp", "--signing-cert",
                                        str(tmp_path / "signing.pem"), "--signing-key",
                                        str(tmp_path / "signing.key"), "--expect-version",
                                        "7.2.0"),
            }
            # the API routes the commands use, directly
            listing = await asyncio.to_thread(request, api_port, token, "GET", "/transfers")
            results["listing"] = (0, str([t["state"] for t in listing]), "")
            log_id = next(t["id"] for t in listing if t["kind"] == "log")
            fw_id = next(t["id"] for t in listing if t["kind"] == "firmware")
            for path, status in ((f"/transfers/{fw_id}/file", 404), ("/transfers/t999", 404),
                                 ("/chargers/DEMO-16/logs", 400)):
                try:
                    method = "POST" if path.endswith("/logs") else "GET"
                    body = {"type": "everything"} if method == "POST" else None
                    await asyncio.to_thread(request, api_port, token, method, path, body)
                except ApiError as exc:
                    assert exc.status == status, (path, exc.status, exc.body)
                else:
                    raise AssertionError(f"{path} answered 200")
            frames = await asyncio.to_thread(request, api_port, token, "GET",
                                             "/frames?charger=DEMO-16&action=GetDiagnostics")
            results["request"] = (0, str(frames[0]["raw"]), "")
            one = await asyncio.to_thread(request, api_port, token, "GET",
                                          f"/transfers/{log_id}?wait=1")
            assert one["ok"] and one["file_name"]
            return results

    results = asyncio.run(scenario())
    code, out, err = results["diag16"]
    assert code == 0, (out, err)
    assert "GetDiagnostics sent to DEMO-16" in out
    assert "Uploading:" in out and "Uploaded:" in out
    saved = out_dir / "DEMO-16-diagnostics.log"
    assert f"Saved to {saved}" in out and "diagnostics log" in saved.read_text()
    # kept beside the capture as well
    assert (tmp_path / "c.db.files" / "DEMO-16" / saved.name).read_bytes() == saved.read_bytes()

    diagnostics = json.loads(results["request"][1])[3]
    assert diagnostics["startTime"] == "2026-01-01T00:00:00Z" and diagnostics["retries"] == 2
    assert diagnostics["location"].startswith("ftp://")

    code, out, err = results["security201"]
    assert code == 0, (out, err)
    assert "GetLog sent to DEMO-201" in out
    assert "security log" in (out_dir / "DEMO-201-security.log").read_text()

    code, out, err = results["security201"]
    assert "Attached to DEMO-201's commissioning report" in out
    attached = json.loads((tmp_path / "c.db.files" / "DEMO-201" / "attachments.json")
                          .read_text())
    assert [Path(p).name for p in attached] == ["DEMO-201-security.log"]
    code, out, err = results["attach16"]
    assert code == 0, (out, err)
    digest = hashlib.sha256(saved.read_bytes()).hexdigest()
    assert f"DEMO-16-diagnostics.log  {saved.stat().st_size:,} bytes  SHA-256 {digest}" in out
    code, out, err = results["attach-unknown"]
    assert code == 1 and "no log named '../c.db' was received from DEMO-16" in err
    code, out, err = results["list16"]
    assert code == 0 and "DEMO-16-diagnostics.log" in out
    assert "(attached to the report)" in out

    code, out, err = results["unknown"]
    assert code == 1 and "NotConnected" in err

    code, out, err = results["badsig"]
    assert code == 1, (out, err)
    assert "SignedUpdateFirmware sent to DEMO-16" in out
    assert "InvalidSignature:" in out
    assert "signature does not verify against the signing certificate" in err

    code, out, err = results["signed"]
    assert code == 0, (out, err)
    assert "UpdateFirmware sent to DEMO-201" in out
    for status in ("Downloading", "Downloaded", "SignatureVerified", "Installing", "Installed"):
        assert f"  {status}:" in out
    assert "rebooted with firmware 7.2.0 as expected" in out
    assert results["listing"][1] == str(["done", "done", "failed", "done"])
