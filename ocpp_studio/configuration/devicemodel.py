"""The OCPP 2.0.1 device model as the studio sees it: references to variables, their
reported attributes and characteristics, descriptions from the 2.0.1 appendices, and
checks before SetVariables."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from .dm201_data import COMPONENT_VARIABLES, COMPONENTS, VARIABLES
from ..core.device_model import component_json, variable_json
from ..core.secrets import is_secret_name

ATTRIBUTE_TYPES = ("Actual", "Target", "MinSet", "MaxSet")

DANGER_NETWORK_PRIORITY = (
    "The charger will use the network profiles in this new order from its next connection; "
    "if the first one is wrong it may not come back.")
DANGER_NETWORK_CONFIGURATION = (
    "Network profiles are changed with SetNetworkProfile, not SetVariables; a wrong profile "
    "can leave the charger unable to connect.")
DANGER_SECURITY_PROFILE_201 = (
    "The charger will reconnect with the new security profile, which can only be raised; if "
    "the password, TLS certificates or wss:// address are not ready it will not come back.")
DANGER_BASIC_AUTH = (
    "The charger will use this password the next time it connects. If the central system "
    "does not expect exactly this password, the charger will not be able to connect.")


@dataclass(frozen=True)
class VariableRef:
    component: str
    variable: str
    evse: int | None = None
    connector: int | None = None
    component_instance: str | None = None
    variable_instance: str | None = None
    attribute: str = "Actual"

    def label(self) -> str:
        """e.g. "SampledDataCtrlr.TxUpdatedInterval",
        "EVSE 1 Connector 1 / Connector.AvailabilityState", "OCPPCommCtrlr.MessageTimeout[Default]"."""
        where = ""
        if self.evse is not None:
            where = f"EVSE {self.evse}"
            if self.connector is not None:
                where += f" Connector {self.connector}"
            where += " / "
        component = self.component + (f"[{self.component_instance}]"
                                      if self.component_instance else "")
        variable = self.variable + (f"[{self.variable_instance}]"
                                    if self.variable_instance else "")
        text = f"{where}{component}.{variable}"
        if self.attribute != "Actual":
            text += f" ({self.attribute})"
        return text

    def component_json(self) -> dict[str, Any]:
        return component_json(self.component, self.component_instance, self.evse, self.connector)

    def variable_json(self) -> dict[str, Any]:
        return variable_json(self.variable, self.variable_instance)

    def to_json(self) -> dict[str, Any]:
        return {"component": self.component, "variable": self.variable, "evse": self.evse,
                "connector": self.connector, "component_instance": self.component_instance,
                "variable_instance": self.variable_instance, "attribute": self.attribute}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "VariableRef":
        return cls(data["component"], data["variable"], data.get("evse"), data.get("connector"),
                   data.get("component_instance"), data.get("variable_instance"),
                   data.get("attribute") or "Actual")

    @classmethod
    def from_ocpp(cls, component: dict[str, Any], variable: dict[str, Any],
                  attribute: str | None = None) -> "VariableRef":
        evse = component.get("evse") or {}
        return cls(component["name"], variable["name"], evse.get("id"), evse.get("connectorId"),
                   component.get("instance"), variable.get("instance"), attribute or "Actual")


@dataclass
class VariableEntry:
    ref: VariableRef
    value: str | None = None
    mutability: str | None = None  # ReadOnly, WriteOnly, ReadWrite
    persistent: bool | None = None
    constant: bool | None = None
    data_type: str | None = None
    unit: str | None = None
    min_limit: float | None = None
    max_limit: float | None = None
    values_list: tuple[str, ...] = ()
    supports_monitoring: bool | None = None
    description: str = ""
    danger: str | None = None
    secret: bool = False
    uk_regulation: bool = False
    connectivity: bool = False


def describe_201(component: str, variable: str, instance: str | None = None) -> str:
    """A one-line description from the 2.0.1 appendices ("" if neither is standard)."""
    specific = (COMPONENT_VARIABLES.get((component, variable, instance))
                or COMPONENT_VARIABLES.get((component, variable, None)))
    if specific is None:
        for (comp, var, _inst), value in COMPONENT_VARIABLES.items():
            if comp == component and var == variable:
                specific = value
                break
    if specific is not None and specific[3]:
        return specific[3]
    generic = VARIABLES.get(variable)
    if generic is not None:
        return generic[2]
    return COMPONENTS.get(component, "")


def is_standard_201(component: str, variable: str) -> bool:
    return (any(c == component and v == variable for c, v, _ in COMPONENT_VARIABLES)
            or (component in COMPONENTS and variable in VARIABLES))


def classify_201(ref: VariableRef) -> dict[str, Any]:
    """danger / secret / uk_regulation / connectivity for a variable."""
    comp, var = ref.component, ref.variable
    danger: str | None = None
    secret = False
    if comp == "OCPPCommCtrlr" and var == "NetworkConfigurationPriority":
        danger = DANGER_NETWORK_PRIORITY
    elif comp == "NetworkConfiguration":
        danger = DANGER_NETWORK_CONFIGURATION
    elif comp == "SecurityCtrlr" and var == "SecurityProfile":
        danger = DANGER_SECURITY_PROFILE_201
    elif comp == "SecurityCtrlr" and var == "BasicAuthPassword":
        danger, secret = DANGER_BASIC_AUTH, True
    if "url" in var.lower() and comp in ("OCPPCommCtrlr", "NetworkConfiguration"):
        danger = danger or DANGER_NETWORK_CONFIGURATION
    if is_secret_name(var):  # the one rule frames, exports and snapshots use too
        secret = True
    uk = (comp in ("SampledDataCtrlr", "SmartChargingCtrlr", "SecurityCtrlr")
          or "randomi" in var.lower())
    connectivity = (comp in ("OCPPCommCtrlr", "NetworkConfiguration")
                    or (comp == "SecurityCtrlr" and var in ("SecurityProfile",
                                                           "BasicAuthPassword")))
    return {"danger": danger, "secret": secret, "uk_regulation": uk,
            "connectivity": connectivity}


def _number(text: str) -> Decimal | None:
    try:
        number = Decimal(text.strip())
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def validate_201(entry: VariableEntry, value: str) -> str | None:
    """None if ``value`` may be sent with SetVariables, else why not in plain words."""
    label = entry.ref.label()
    if not isinstance(value, str):
        return "The value must be text."
    if len(value) > 1000:
        return f"The value is {len(value)} characters long; SetVariables allows at most 1000."
    if entry.mutability == "ReadOnly":
        return f"{label} is read-only; the charger will not accept a new value."
    if entry.ref.component == "NetworkConfiguration":
        return ("Network profiles are changed with SetNetworkProfile, not SetVariables.")
    kind = entry.data_type
    if kind in ("integer", "decimal"):
        number = _number(value)
        if number is None or (kind == "integer" and number != number.to_integral_value()):
            return f"{label} takes a {'whole ' if kind == 'integer' else ''}number."
        if entry.min_limit is not None and number < Decimal(str(entry.min_limit)):
            return f"{label} must be at least {entry.min_limit:g}."
        if entry.max_limit is not None and number > Decimal(str(entry.max_limit)):
            return f"{label} must be at most {entry.max_limit:g}."
        return None
    if kind == "boolean":
        return None if value in ("true", "false") else f"{label} takes true or false."
    if kind == "OptionList":
        if entry.values_list and value not in entry.values_list:
            return f"{label} takes one of: {', '.join(entry.values_list)}."
        return None
    if kind in ("MemberList", "SequenceList"):
        items = [i.strip() for i in value.split(",")]
        if not value or any(not i for i in items):
            return f"{label} is a comma-separated list without empty items."
        bad = [i for i in items if entry.values_list and i not in entry.values_list]
        if bad:
            return (f"{label} does not allow {', '.join(bad)}; allowed: "
                    f"{', '.join(entry.values_list)}.")
        return None
    # string-like: maxLimit is the maximum length
    if entry.max_limit is not None and len(value) > entry.max_limit:
        return f"{label} takes at most {entry.max_limit:g} characters."
    if entry.ref.component == "SecurityCtrlr" and entry.ref.variable == "BasicAuthPassword" \
            and not 16 <= len(value) <= 40:
        return "BasicAuthPassword must be 16 to 40 characters long."
    return None


def entries_from_report(report: dict[str, Any]) -> list[VariableEntry]:
    """VariableEntry per attribute of one NotifyReport reportData item."""
    component, variable = report["component"], report["variable"]
    chars = report.get("variableCharacteristics") or {}
    values = chars.get("valuesList")
    values_list = tuple(v.strip() for v in values.split(",")) if values else ()
    out = []
    for attr in report.get("variableAttribute") or [{}]:
        ref = VariableRef.from_ocpp(component, variable, attr.get("type"))
        out.append(VariableEntry(
            ref=ref, value=attr.get("value"), mutability=attr.get("mutability", "ReadWrite"),
            persistent=attr.get("persistent"), constant=attr.get("constant"),
            data_type=chars.get("dataType"), unit=chars.get("unit"),
            min_limit=_float(chars.get("minLimit")), max_limit=_float(chars.get("maxLimit")),
            values_list=values_list, supports_monitoring=chars.get("supportsMonitoring"),
            description=describe_201(ref.component, ref.variable, ref.variable_instance),
            **classify_201(ref)))
    return out


def _float(value: Any) -> float | None:
    if value is None:
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def parse_label(label: str) -> VariableRef:
    """The VariableRef of a label made by ``VariableRef.label()``."""
    import re
    text = label.strip()
    attribute = "Actual"
    m = re.search(r"\s\((Actual|Target|MinSet|MaxSet)\)$", text)
    if m:
        attribute = m.group(1)
        text = text[: m.start()]
    evse = connector = None
    m = re.match(r"EVSE (\d+)(?: Connector (\d+))? / (.*)$", text)
    if m:
        evse = int(m.group(1))
        connector = int(m.group(2)) if m.group(2) else None
        text = m.group(3)
    m = re.match(r"([^.\[\]]+)(?:\[([^\]]*)\])?\.([^.\[\]]+)(?:\[([^\]]*)\])?$", text)
    if not m:
        raise ValueError(f"{label!r} is not Component.Variable")
    return VariableRef(m.group(1), m.group(3), evse, connector, m.group(2), m.group(4),
                       attribute)


__all__ = ["VariableRef", "VariableEntry", "describe_201", "validate_201", "classify_201",
           "entries_from_report", "parse_label", "is_standard_201", "ATTRIBUTE_TYPES"]
