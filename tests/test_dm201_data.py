"""The OCPP 2.0.1 component/variable data (ocpp_studio/resources/dm201.json) and the script that
generates it from the appendices (scripts/generate_dm201.py)."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest

from ocpp_studio.configuration.devicemodel import describe_201
from ocpp_studio.configuration.dm201_data import COMPONENT_VARIABLES, COMPONENTS, VARIABLES

REPO = Path(__file__).resolve().parents[1]
DATA_FILE = REPO / "ocpp_studio" / "resources" / "dm201.json"


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("generate_dm201",
                                                  REPO / "scripts" / "generate_dm201.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _all_descriptions() -> dict[str, str]:
    found = {f"component {name}": text for name, text in COMPONENTS.items()}
    found.update({f"variable {name}": entry[2] for name, entry in VARIABLES.items()})
    found.update({f"{comp}.{var}[{inst}]": entry[3]
                  for (comp, var, inst), entry in COMPONENT_VARIABLES.items()})
    return found


def test_generator_output_equals_committed_file() -> None:
    generator = _generator()
    folder = generator.DEFAULT_APPENDICES
    if not (folder / "dm_components_vars.csv").is_file():
        pytest.skip(f"OCPP 2.0.1 appendices not found at {folder} (the shared reference folder "
                    "beside the repository); the committed data file cannot be regenerated here")
    assert generator.render(generator.build(folder)) == DATA_FILE.read_text(encoding="utf-8"), (
        "ocpp_studio/resources/dm201.json is out of date: run scripts/generate_dm201.py")


def test_no_description_is_cut_off_mid_sentence() -> None:
    cut = {where: text for where, text in _all_descriptions().items()
           if re.search(r"(\b(e\.g|i\.e)\.|…)$", text)}
    assert cut == {}


def test_no_description_keeps_csv_quoting() -> None:
    quoted = {where: text for where, text in _all_descriptions().items()
              if '""' in text or text.startswith('"')}
    assert quoted == {}


def test_every_standard_component_and_variable_is_present() -> None:
    # Appendix 3 (components.csv) lists 73 components, variables.csv 90 generic variables,
    # dm_components_vars.csv 180 component-specific ones.
    assert (len(COMPONENTS), len(VARIABLES), len(COMPONENT_VARIABLES)) == (73, 90, 180)


@pytest.mark.parametrize(("component", "variable", "instance", "required", "data_type", "unit"), [
    ("SampledDataCtrlr", "TxUpdatedInterval", None, True, "integer", "s"),
    ("SecurityCtrlr", "BasicAuthPassword", None, False, "passwordString", None),
    ("OCPPCommCtrlr", "NetworkConfigurationPriority", None, True, "string", None),
    ("SecurityCtrlr", "SecurityProfile", None, True, "integer", None),
    ("SmartChargingCtrlr", "RateUnit", None, True, "MemberList", None),
    ("DeviceDataCtrlr", "ItemsPerMessage", "GetVariables", True, "integer", None),
])
def test_known_variables_have_their_data_types(component: str, variable: str,
                                               instance: str | None, required: bool,
                                               data_type: str, unit: str | None) -> None:
    entry = COMPONENT_VARIABLES[(component, variable, instance)]
    assert entry[:3] == (required, data_type, unit)
    assert entry[3]


def test_generic_variables_keep_data_type_and_unit() -> None:
    assert VARIABLES["ACCurrent"] == ("decimal", "A", "RMS AC Current (in amperes).")
    assert VARIABLES["ChargeProtocol"][0] is None  # the appendix gives it no data type


def test_descriptions_the_naive_parse_cut_are_whole() -> None:
    assert COMPONENTS["TokenReader"] == "An authorization token reader (e.g. RFID)"
    assert VARIABLES["StateOfCharge"][2] == (
        "Energy Storage Device (e.g. battery) state of charge, expressed as a percentage of "
        "nominal design 0-100% operating range.")
    assert describe_201("CPPWMController", "State") == 'IEC 61851-1 states ("A" to "E")'
    assert describe_201("ClockCtrlr", "TimeZone") == (
        'Configured current local time zone in the format: "Europe/Oslo", "Asia/Singapore" etc.')


def test_summary_rules() -> None:
    summary = _generator().summary
    assert summary("RMS AC Current (in amperes). For 3-phase circuits, each phase.") == (
        "RMS AC Current (in amperes).")
    # a few words only: the whole description
    assert summary("In bytes. Amount of storage occupied.") == "In bytes. Amount of storage occupied."
    assert summary("Mode string (by OptionList, etc. during discovery). More.") == (
        "Mode string (by OptionList, etc. during discovery).")
    assert summary("Zone as \"Europe/Oslo\" etc. For display purposes.") == (
        'Zone as "Europe/Oslo" etc.')
    assert summary("Component\u2019s cycle has completed. Used in events.") == (
        "Component's cycle has completed.")


def test_check_mode_reports_a_stale_file(tmp_path: Path) -> None:
    generator = _generator()
    folder = generator.DEFAULT_APPENDICES
    if not (folder / "dm_components_vars.csv").is_file():
        pytest.skip(f"OCPP 2.0.1 appendices not found at {folder}")
    stale = tmp_path / "dm201.json"
    stale.write_text("{}\n", encoding="utf-8")
    assert generator.main([str(folder), "--output", str(stale), "--check"]) == 1
    assert generator.main([str(folder), "--output", str(stale)]) == 0
    assert generator.main([str(folder), "--output", str(stale), "--check"]) == 0
