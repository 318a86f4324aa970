"""The layering rules of DESIGN.md, as import-linter contracts in pyproject.toml: only
ocpp_studio.ui imports Qt; data flows one way (cli > ui > service > api > commissioning >
smartcharging > configuration|metering > station > capture|transports > core); the demo
charger, settings and core stand alone; only transports, the demo and the API touch sockets."""

import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).parents[1]


def _contracts() -> list[dict]:
    with open(ROOT / "pyproject.toml", "rb") as file:
        return tomllib.load(file)["tool"]["importlinter"]["contracts"]


def test_import_contracts_are_kept():
    contracts = _contracts()
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint)], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"Contracts: {len(contracts)} kept, 0 broken." in result.stdout, result.stdout


def test_the_contracts_say_what_design_md_says():
    """A contract quietly dropped or loosened would still pass the run above."""
    by_type: dict[str, list[dict]] = {}
    for contract in _contracts():
        by_type.setdefault(contract["type"], []).append(contract)
    (layers,) = by_type["layers"]
    assert layers["layers"][0] == "ocpp_studio.cli" and layers["layers"][-1] == "ocpp_studio.core"
    assert "ocpp_studio.capture | ocpp_studio.transports" in layers["layers"]
    assert layers["layers"].index("ocpp_studio.station") \
        < layers["layers"].index("ocpp_studio.capture | ocpp_studio.transports")
    assert not layers.get("ignore_imports")
    qt = [c for c in by_type["forbidden"] if "PySide6" in c["forbidden_modules"]]
    assert qt and "ocpp_studio.ui" not in qt[0]["source_modules"]
    assert not qt[0].get("allow_indirect_imports")  # Qt may not come in through a helper either
    demo = [c for c in by_type["forbidden"] if c["source_modules"] == ["ocpp_studio.demo"]]
    assert demo and "ocpp_studio.station" in demo[0]["forbidden_modules"]


def test_core_runs_without_qt_installed_in_the_process():
    code = ("import sys; import ocpp_studio.cli, ocpp_studio.service, ocpp_studio.demo; "
            "bad = [m for m in sys.modules if m.split('.')[0] in ('PySide6', 'qasync', 'pyqtgraph')]; "
            "print(bad); sys.exit(1 if bad else 0)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
