"""`ocpp-studio commission` runs the whole flow headless against a charger process."""

import asyncio
import os
import re
import sys

from ocpp_studio.commissioning.profile import CommissioningProfile

CLI = [sys.executable, "-m", "ocpp_studio.cli"]


def commission(tmp_path, report):
    """``ocpp-studio commission`` against a demo charger process: (exit code, output)."""
    profile_path = tmp_path / "site.json"
    CommissioningProfile(installer_name="Ada Installer", company="Sparks Ltd", site_name="12 Elm Road",
                         max_current_a=16.0, heartbeat_interval_s=120, meter_interval_s=30,
                         test_charge_seconds=3).save(profile_path)

    async def scenario():
        studio = await asyncio.create_subprocess_exec(
            *CLI, "commission", "--host", "127.0.0.1", "--port", "0", "--capture",
            str(tmp_path / "c.db"), "--profile", str(profile_path), "--charger", "CMS-1",
            "--report", str(report), "--timeout", "60",
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
        charger = None
        lines: list[str] = []
        try:
            async with asyncio.timeout(120):
                while True:
                    line = (await studio.stdout.readline()).decode()
                    assert line, "commission ended early:\n" + "".join(lines)
                    lines.append(line)
                    found = re.search(r"point it at (ws://\S+)", line)
                    if found:
                        break
                charger = await asyncio.create_subprocess_exec(
                    *CLI, "demo-charger", "--url", f"{found.group(1)}/CMS-1", "--ocpp", "1.6",
                    stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
                rest, _ = await studio.communicate()
                lines.append(rest.decode())
        finally:
            if charger is not None and charger.returncode is None:
                charger.terminate()
                await charger.wait()
            if studio.returncode is None:
                studio.kill()
                await studio.wait()
        return studio.returncode, "".join(lines)

    return asyncio.run(scenario())


def test_headless_commissioning_writes_a_report(tmp_path):
    report = tmp_path / "report.html"
    code, output = commission(tmp_path, report)
    # every step ran, but the demo charger has no randomised delay of its own and stays on
    # profile 0 with no password: a report with outstanding items, and an exit code that says
    # so (3), so a fleet script does not file the charger as commissioned
    assert code == 3, output
    assert "FAILED" not in output
    assert "Commissioning not complete" in output
    assert "Randomised delay: not met" in output
    html = report.read_text(encoding="utf-8")
    if os.name == "posix":  # the report can hold the charger's password: owner-only
        assert report.stat().st_mode & 0o777 == 0o600
    for expected in ("Ada Installer", "Sparks Ltd", "12 Elm Road", "CMS-1", "HeartbeatInterval"):
        assert expected in html, expected


def test_headless_commissioning_writes_the_report_data_as_json(tmp_path):
    """``--report X.json``: the report data, valid against its schema, for fleets to check by
    script; the output ends with the verdict and what remains to do."""
    import json

    import jsonschema
    from pathlib import Path
    report = tmp_path / "report.json"
    code, output = commission(tmp_path, report)
    assert code == 3, output  # written, with outstanding items (see the test above)
    data = json.loads(report.read_text(encoding="utf-8"))
    schema = json.loads((Path(__file__).parents[1] / "schemas" /
                         "commissioning-report.schema.json").read_text(encoding="utf-8"))
    jsonschema.validate(data, schema)
    if os.name == "posix":
        assert report.stat().st_mode & 0o777 == 0o600
    assert data["charger"]["id"] == "CMS-1" and data["installer"] == "Ada Installer"
    # the demo charger has no RandomisedDelay and hand-over had no production URL
    assert data["complete"] is False
    assert data["verdict"] in output
    assert "  Randomised delay: not met — " in output
