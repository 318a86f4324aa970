"""``ocpp-studio op`` end to end: ``serve --demo --api`` in a subprocess (the two demo chargers,
1.6 and 2.0.1), the ``op`` command against it, the words and exit status a user sees."""

from __future__ import annotations

import asyncio
from pathlib import Path

from serve_demo import cli_env, run_cli, serve_demo


async def _op(env: dict[str, str], *argv: str) -> tuple[int, str, str]:
    return await run_cli(env, "op", *argv)


def test_op_end_to_end_on_both_demo_chargers(tmp_path: Path) -> None:
    env = cli_env(tmp_path)

    async def scenario() -> dict[str, tuple[int, str, str]]:
        async with serve_demo(tmp_path, env) as (api_port, _token):
            api = ("--api", str(api_port))
            out = {
                "list16": await _op(env, "--list", *api, "DEMO-16"),
                "list201": await _op(env, "--list", *api, "DEMO-201"),
                "unconfirmed": await _op(env, "availability", *api, "DEMO-16",
                                         "--field", "status=Inoperative"),
                # the demo chargers of serve --demo are charging: the change waits
                "scheduled": await _op(env, "availability", *api, "DEMO-16",
                                       "--field", "status=Inoperative", "--yes"),
                "stop": await _op(env, "stop", *api, "DEMO-16"),
                "operative": await _op(env, "availability", *api, "DEMO-16"),
                "inoperative": await _op(env, "availability", *api, "DEMO-16",
                                         "--field", "status=Inoperative", "--yes"),
                "reserve": await _op(env, "reserve", *api, "DEMO-201"),
                "vendor": await _op(env, "data-transfer", *api, "DEMO-16",
                                    "--field", "vendor_id=com.example"),
                "bad": await _op(env, "availability", *api, "DEMO-16", "--field", "status=Off"),
                "hard-unconfirmed": await _op(env, "reset", *api, "DEMO-201",
                                              "--field", "hard=yes"),
                "reset": await _op(env, "reset", *api, "DEMO-201", "--field", "hard=yes",
                                   "--yes"),
            }
        return out

    out = asyncio.run(scenario())
    code, text, _ = out["list16"]
    assert code == 0 and "Operations of DEMO-16 (OCPP 1.6):" in text
    assert "availability" in text and "(dangerous: asks --yes)" in text
    assert "clear-customer-information" not in text
    code, text, _ = out["list201"]
    assert code == 0 and "clear-customer-information" in text and "TransactionEvent" in text
    code, _, err = out["unconfirmed"]
    assert code == 3 and "no one can charge until it is set Operative again" in err
    assert "Add --yes to go ahead." in err
    code, text, _ = out["scheduled"]
    assert code == 0 and text.startswith("Scheduled: a session is running; the change "
                                         "applies when it ends")
    code, text, _ = out["stop"]
    assert code == 0 and text.startswith("Accepted: the charger stops the session")
    assert "StopTransaction: transaction" in text and "reason Remote" in text
    code, text, _ = out["operative"]
    assert code == 0 and text.startswith("Accepted: the availability changed")
    assert "StatusNotification: connector 1:" in text and "not " not in text
    code, text, _ = out["inoperative"]
    assert code == 0 and text.startswith("Accepted: the availability changed")
    assert "StatusNotification: connector 1: Unavailable" in text
    code, _, err = out["reserve"]
    assert code == 1 and err.startswith("The charger does not implement ReserveNow")
    code, _, err = out["vendor"]
    assert code == 1 and err.strip() == "The charger does not know this vendor id"
    code, _, err = out["bad"]
    assert code == 1 and "status must be one of Operative, Inoperative, not 'Off'" in err
    code, _, err = out["hard-unconfirmed"]
    assert code == 3 and "cut off without waiting for the session to end" in err
    code, text, _ = out["reset"]
    assert code == 0 and text.startswith("Accepted: the charger restarts now")
    assert "BootNotification: reason RemoteReset" in text
