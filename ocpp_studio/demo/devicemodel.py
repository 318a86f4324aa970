"""The OCPP 2.0.1 device model of the demo charger.

Components and variables come from the 2.0.1 appendix list
(``Appendices_CSV_v1.4/dm_components_vars.csv``). Each variable has one or more attributes
(Actual, Target, MinSet, MaxSet) with a mutability, and characteristics (dataType, unit,
minLimit/maxLimit, valuesList), as reported in NotifyReport (2.0.1 Part 2 §B07/§B08) and
read/written by GetVariables/SetVariables (§B06/§B05).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Iterable
from ..core.device_model import component_json, variable_json

READ_ONLY, READ_WRITE, WRITE_ONLY = "ReadOnly", "ReadWrite", "WriteOnly"

MEASURANDS_201 = (
    "Energy.Active.Import.Register", "Power.Active.Import", "Current.Import", "Voltage",
    "Current.Offered", "Power.Offered", "Frequency",
)


@dataclass(slots=True)
class Attribute:
    value: str | None
    mutability: str = READ_ONLY
    persistent: bool = True
    constant: bool = False
    getter: Callable[[], str] | None = None  # live values (e.g. EVSE Power Actual)

    def read(self) -> str | None:
        return self.getter() if self.getter is not None else self.value


@dataclass(slots=True)
class Variable:
    component: str
    name: str
    data_type: str  # string, decimal, integer, dateTime, boolean, OptionList, SequenceList,
    # MemberList; passwordString/identifierString are reported as string
    attributes: dict[str, Attribute]
    component_instance: str | None = None
    evse: int | None = None
    connector: int | None = None
    instance: str | None = None
    unit: str | None = None
    min_limit: float | None = None
    max_limit: float | None = None
    values_list: tuple[str, ...] | None = None
    reboot_required: bool = False
    supports_monitoring: bool = False

    @property
    def component_key(self) -> tuple:
        return (self.component, self.component_instance, self.evse, self.connector)

    @property
    def key(self) -> tuple:
        return (*self.component_key, self.name, self.instance)

    def component_json(self) -> dict[str, Any]:
        return component_json(self.component, self.component_instance, self.evse, self.connector)

    def variable_json(self) -> dict[str, Any]:
        return variable_json(self.name, self.instance)

    def characteristics_json(self) -> dict[str, Any]:
        reported_type = "string" if self.data_type in ("passwordString",
                                                       "identifierString") else self.data_type
        data: dict[str, Any] = {"dataType": reported_type,
                                "supportsMonitoring": self.supports_monitoring}
        if self.unit is not None:
            data["unit"] = self.unit
        if self.min_limit is not None:
            data["minLimit"] = self.min_limit
        if self.max_limit is not None:
            data["maxLimit"] = self.max_limit
        if self.values_list is not None:
            data["valuesList"] = ",".join(self.values_list)
        return data

    def report_json(self) -> dict[str, Any]:
        attributes = []
        for kind, attr in self.attributes.items():
            entry: dict[str, Any] = {"type": kind, "mutability": attr.mutability,
                                     "persistent": attr.persistent, "constant": attr.constant}
            value = attr.read()
            if attr.mutability != WRITE_ONLY and value is not None:
                entry["value"] = value
            attributes.append(entry)
        return {"component": self.component_json(), "variable": self.variable_json(),
                "variableAttribute": attributes,
                "variableCharacteristics": self.characteristics_json()}

    def check(self, value: str) -> bool:
        """Whether a value fits the characteristics (§B05: else Rejected)."""
        kind = self.data_type
        if kind == "integer":
            try:
                number: float = int(value)
            except ValueError:
                return False
        elif kind == "decimal":
            try:
                number = float(value)
            except ValueError:
                return False
        elif kind == "boolean":
            return value in ("true", "false")
        elif kind == "OptionList":
            return self.values_list is None or value in self.values_list
        elif kind in ("MemberList", "SequenceList"):
            items = [i.strip() for i in value.split(",")]
            if not value or any(not i for i in items):
                return False
            return self.values_list is None or all(i in self.values_list for i in items)
        else:  # strings: maxLimit is the maximum length
            if self.max_limit is not None and len(value) > self.max_limit:
                return False
            if kind == "passwordString" and not 16 <= len(value) <= 40:
                return False
            return True
        if self.min_limit is not None and number < self.min_limit:
            return False
        return self.max_limit is None or number <= self.max_limit


def _component_matches(var: Variable, component: dict[str, Any]) -> bool:
    evse = component.get("evse") or {}
    return (var.component == component.get("name")
            and var.component_instance == component.get("instance")
            and var.evse == evse.get("id")
            and var.connector == evse.get("connectorId"))


@dataclass
class DeviceModel201:
    """All variables, in report order, with lookup and Get/SetVariables rules."""

    variables: list[Variable] = field(default_factory=list)
    on_change: Callable[[Variable, str], None] | None = None
    #: B09 SetNetworkProfile: configurationSlot -> NetworkConnectionProfile as received
    network_profiles: dict[int, dict[str, Any]] = field(default_factory=dict)

    def add(self, var: Variable) -> Variable:
        self.variables.append(var)
        return var

    def network_url(self) -> str | None:
        """The CSMS URL of the first NetworkConfigurationPriority slot holding a profile set
        with SetNetworkProfile (B10.FR.04), or None: slot 0, unless a SetNetworkProfile wrote
        it, is the URL the demo started with."""
        for slot in self.actual("OCPPCommCtrlr", "NetworkConfigurationPriority").split(","):
            slot = slot.strip()
            if not slot.isdigit() or (slot == "0" and 0 not in self.network_profiles):
                return None
            if int(slot) in self.network_profiles:
                return str(self.network_profiles[int(slot)]["ocppCsmsUrl"])
        return None

    def find(self, component: str, name: str, instance: str | None = None, *,
             evse: int | None = None, connector: int | None = None,
             component_instance: str | None = None) -> Variable | None:
        for var in self.variables:
            if (var.component == component and var.name == name and var.instance == instance
                    and var.evse == evse and var.connector == connector
                    and var.component_instance == component_instance):
                return var
        return None

    def actual(self, component: str, name: str, instance: str | None = None,
               default: str = "") -> str:
        var = self.find(component, name, instance)
        if var is None or "Actual" not in var.attributes:
            return default
        value = var.attributes["Actual"].read()
        return default if value is None else value

    def int_actual(self, component: str, name: str, instance: str | None = None,
                   default: int = 0) -> int:
        try:
            return int(self.actual(component, name, instance, str(default)))
        except ValueError:
            return default

    def bool_actual(self, component: str, name: str, default: bool = False) -> bool:
        return self.actual(component, name, None, "true" if default else "false") == "true"

    def set_actual(self, component: str, name: str, value: str,
                   instance: str | None = None) -> None:
        var = self.find(component, name, instance)
        if var is not None:
            var.attributes["Actual"].value = value

    def _lookup(self, component: dict[str, Any], variable: dict[str, Any]
                ) -> tuple[Variable | None, str | None]:
        """(variable, None) or (None, UnknownComponent/UnknownVariable)."""
        in_component = [v for v in self.variables if _component_matches(v, component)]
        if not in_component:
            return None, "UnknownComponent"
        for var in in_component:
            if var.name == variable.get("name") and var.instance == variable.get("instance"):
                return var, None
        return None, "UnknownVariable"

    def _start_result(self, request: dict[str, Any]) -> tuple[dict[str, Any], Any, str]:
        """The result skeleton shared by Get/SetVariables, the variable (or None,
        with attributeStatus already set) and the attribute type asked for."""
        kind = request.get("attributeType", "Actual")
        result: dict[str, Any] = {"component": request["component"],
                                  "variable": request["variable"]}
        if "attributeType" in request:
            result["attributeType"] = kind
        var, problem = self._lookup(request["component"], request["variable"])
        if var is None:
            result["attributeStatus"] = problem
        return result, var, kind

    def get_variable(self, request: dict[str, Any]) -> dict[str, Any]:
        """One GetVariableResult (2.0.1 §B06)."""
        result, var, kind = self._start_result(request)
        if var is None:
            return result
        attr = var.attributes.get(kind)
        if attr is None:
            result["attributeStatus"] = "NotSupportedAttributeType"
        elif attr.mutability == WRITE_ONLY:
            # B06.FR.?: a WriteOnly variable cannot be read.
            result["attributeStatus"] = "Rejected"
        else:
            result["attributeStatus"] = "Accepted"
            value = attr.read()
            result["attributeValue"] = "" if value is None else value
        return result

    def set_variable(self, request: dict[str, Any]) -> dict[str, Any]:
        """One SetVariableResult (2.0.1 §B05)."""
        result, var, kind = self._start_result(request)
        if var is None:
            return result
        attr = var.attributes.get(kind)
        value = request["attributeValue"]
        if attr is None:
            result["attributeStatus"] = "NotSupportedAttributeType"
        elif attr.mutability == READ_ONLY or attr.getter is not None:
            result["attributeStatus"] = "Rejected"
            result["attributeStatusInfo"] = {"reasonCode": "ReadOnly"}
        elif not var.check(value):
            result["attributeStatus"] = "Rejected"
            result["attributeStatusInfo"] = {"reasonCode": "InvalidValue"}
        else:
            attr.value = value
            result["attributeStatus"] = "RebootRequired" if var.reboot_required else "Accepted"
            if self.on_change is not None:
                self.on_change(var, value)
        return result

    def select(self, wanted: list[dict[str, Any]] | None) -> list[Variable]:
        """The variables GetReport's componentVariable entries name (all when None, B08)."""
        if not wanted:
            return list(self.variables)
        return [var for var in self.variables if any(_wanted(var, cv) for cv in wanted)]

    def report(self, base: str) -> list[dict[str, Any]]:
        """reportData entries for GetBaseReport (§B07): ConfigurationInventory holds the
        writable variables, FullInventory all, SummaryInventory the availability states."""
        if base == "ConfigurationInventory":
            chosen: Iterable[Variable] = (
                v for v in self.variables
                if any(a.mutability != READ_ONLY for a in v.attributes.values()))
        elif base == "SummaryInventory":
            chosen = (v for v in self.variables if v.name == "AvailabilityState")
        else:
            chosen = self.variables
        return [v.report_json() for v in chosen]


def _attr(value: Any, mutability: str = READ_ONLY, **kw: Any) -> dict[str, Attribute]:
    return {"Actual": Attribute(None if value is None else str(value), mutability, **kw)}


def build_device_model(*, charger_id: str, vendor: str, model: str, connectors: int,
                       phases: int, max_current_a: float, voltage_v: float,
                       heartbeat_interval: int, meter_interval: int,
                       basic_auth_password: str | None,
                       security_profile: int | None = None,
                       live: dict[str, Callable[..., str]]) -> DeviceModel201:
    """A realistic device model for a 2.0.1 AC charging station.

    ``live`` provides getters for values the simulation changes: "availability"(evse|None),
    "power"(evse), "profiles"(), "datetime"().
    """
    dm = DeviceModel201()
    add = dm.add
    rw, ro, wo = READ_WRITE, READ_ONLY, WRITE_ONLY
    max_power = round(max_current_a * voltage_v * phases, 1)
    states = ("Available", "Occupied", "Reserved", "Unavailable", "Faulted")
    measurands = MEASURANDS_201

    # ChargingStation (top-level component)
    add(Variable("ChargingStation", "Available", "boolean", _attr("true", constant=True)))
    add(Variable("ChargingStation", "AvailabilityState", "OptionList",
                 {"Actual": Attribute(None, ro, getter=lambda: live["availability"](None))},
                 values_list=states))
    add(Variable("ChargingStation", "SupplyPhases", "integer", _attr(phases, constant=True),
                 min_limit=0, max_limit=3))
    add(Variable("ChargingStation", "VendorName", "string", _attr(vendor, constant=True)))
    add(Variable("ChargingStation", "Model", "string", _attr(model, constant=True)))
    # EVSE and Connector components, one EVSE per connector
    for evse in range(1, connectors + 1):
        add(Variable("EVSE", "Available", "boolean", _attr("true"), evse=evse))
        add(Variable("EVSE", "AvailabilityState", "OptionList",
                     {"Actual": Attribute(None, ro, getter=lambda e=evse: live["availability"](e))},
                     evse=evse, values_list=states))
        add(Variable("EVSE", "Power", "decimal", {
            "Actual": Attribute(None, ro, persistent=False,
                                getter=lambda e=evse: live["power"](e)),
            "MaxSet": Attribute(str(max_power), ro, constant=True)},
            evse=evse, unit="W", min_limit=0, max_limit=max_power))
        add(Variable("EVSE", "SupplyPhases", "integer", _attr(phases, constant=True),
                     evse=evse, min_limit=0, max_limit=3))
        add(Variable("Connector", "Available", "boolean", _attr("true"), evse=evse,
                     connector=1))
        add(Variable("Connector", "AvailabilityState", "OptionList",
                     {"Actual": Attribute(None, ro,
                                          getter=lambda e=evse: live["availability"](e))},
                     evse=evse, connector=1, values_list=states))
        add(Variable("Connector", "ConnectorType", "string", _attr("sType2", constant=True),
                     evse=evse, connector=1))
        add(Variable("Connector", "SupplyPhases", "integer", _attr(phases, constant=True),
                     evse=evse, connector=1, min_limit=0, max_limit=3))
    # OCPPCommCtrlr
    add(Variable("OCPPCommCtrlr", "HeartbeatInterval", "integer", _attr(heartbeat_interval, rw),
                 unit="s", min_limit=1, max_limit=86_400))
    add(Variable("OCPPCommCtrlr", "MessageTimeout", "integer", _attr(30, rw), instance="Default",
                 unit="s", min_limit=1, max_limit=600))
    add(Variable("OCPPCommCtrlr", "MessageAttemptInterval", "integer", _attr(60, rw),
                 instance="TransactionEvent", unit="s", min_limit=1, max_limit=3600))
    add(Variable("OCPPCommCtrlr", "MessageAttempts", "integer", _attr(3, rw),
                 instance="TransactionEvent", min_limit=0, max_limit=10))
    add(Variable("OCPPCommCtrlr", "NetworkConfigurationPriority", "SequenceList",
                 _attr("0", rw), values_list=("0", "1", "2"), reboot_required=True))
    # the slot in use now (required with B09/B10, errata 2025-09 §2.57)
    add(Variable("OCPPCommCtrlr", "ActiveNetworkProfile", "integer", _attr(0)))
    add(Variable("OCPPCommCtrlr", "NetworkProfileConnectionAttempts", "integer", _attr(3, rw),
                 min_limit=1, max_limit=10))
    add(Variable("OCPPCommCtrlr", "OfflineThreshold", "integer", _attr(300, rw), unit="s",
                 min_limit=0, max_limit=86_400))
    add(Variable("OCPPCommCtrlr", "ResetRetries", "integer", _attr(2, rw), min_limit=0,
                 max_limit=10))
    add(Variable("OCPPCommCtrlr", "RetryBackOffRandomRange", "integer", _attr(1, rw), unit="s",
                 min_limit=0, max_limit=600))
    add(Variable("OCPPCommCtrlr", "RetryBackOffRepeatTimes", "integer", _attr(1, rw),
                 min_limit=0, max_limit=10))
    add(Variable("OCPPCommCtrlr", "RetryBackOffWaitMinimum", "integer", _attr(1, rw), unit="s",
                 min_limit=0, max_limit=600))
    add(Variable("OCPPCommCtrlr", "UnlockOnEVSideDisconnect", "boolean", _attr("true", rw)))
    # The demo applies a new ping interval on its next connection: RebootRequired.
    add(Variable("OCPPCommCtrlr", "WebSocketPingInterval", "integer", _attr(30, rw), unit="s",
                 min_limit=0, max_limit=3600, reboot_required=True))
    add(Variable("OCPPCommCtrlr", "FileTransferProtocols", "MemberList",
                 _attr("HTTPS", constant=True), values_list=("FTP", "FTPS", "HTTP", "HTTPS", "SFTP")))
    # SampledDataCtrlr: TxUpdatedInterval honoured down to 1 s (0 = no periodic samples)
    add(Variable("SampledDataCtrlr", "Available", "boolean", _attr("true", constant=True)))
    add(Variable("SampledDataCtrlr", "Enabled", "boolean", _attr("true", rw)))
    add(Variable("SampledDataCtrlr", "TxStartedMeasurands", "MemberList",
                 _attr("Energy.Active.Import.Register", rw), values_list=measurands))
    add(Variable("SampledDataCtrlr", "TxUpdatedInterval", "integer", _attr(meter_interval, rw),
                 unit="s", min_limit=0, max_limit=3600))
    add(Variable("SampledDataCtrlr", "TxUpdatedMeasurands", "MemberList",
                 _attr("Energy.Active.Import.Register,Power.Active.Import,Current.Import,Voltage",
                       rw), values_list=measurands))
    add(Variable("SampledDataCtrlr", "TxEndedInterval", "integer", _attr(0, rw), unit="s",
                 min_limit=0, max_limit=3600))
    add(Variable("SampledDataCtrlr", "TxEndedMeasurands", "MemberList",
                 _attr("Energy.Active.Import.Register", rw), values_list=measurands))
    add(Variable("SampledDataCtrlr", "RegisterValuesWithoutPhases", "boolean",
                 _attr("true", constant=True)))
    # AlignedDataCtrlr: clock-aligned data is not sent by the demo (Interval 0)
    add(Variable("AlignedDataCtrlr", "Available", "boolean", _attr("false", constant=True)))
    add(Variable("AlignedDataCtrlr", "Interval", "integer", _attr(0, ro), unit="s",
                 min_limit=0, max_limit=0))
    add(Variable("AlignedDataCtrlr", "Measurands", "MemberList",
                 _attr("Energy.Active.Import.Register", ro), values_list=measurands))
    add(Variable("AlignedDataCtrlr", "TxEndedInterval", "integer", _attr(0, ro), unit="s",
                 min_limit=0, max_limit=0))
    add(Variable("AlignedDataCtrlr", "TxEndedMeasurands", "MemberList",
                 _attr("Energy.Active.Import.Register", ro), values_list=measurands))
    # SmartChargingCtrlr
    add(Variable("SmartChargingCtrlr", "Available", "boolean", _attr("true", constant=True)))
    add(Variable("SmartChargingCtrlr", "Enabled", "boolean", _attr("true", rw)))
    add(Variable("SmartChargingCtrlr", "Entries", "integer",
                 {"Actual": Attribute(None, ro, persistent=False, getter=live["profiles"])},
                 instance="ChargingProfiles", min_limit=0, max_limit=16))
    add(Variable("SmartChargingCtrlr", "LimitChangeSignificance", "decimal", _attr("1.0", rw),
                 unit="Percent", min_limit=0, max_limit=100))
    add(Variable("SmartChargingCtrlr", "PeriodsPerSchedule", "integer", _attr(24, constant=True)))
    add(Variable("SmartChargingCtrlr", "ProfileStackLevel", "integer", _attr(8, constant=True)))
    add(Variable("SmartChargingCtrlr", "RateUnit", "MemberList", _attr("A,W", constant=True),
                 values_list=("A", "W")))
    if phases == 3:
        add(Variable("SmartChargingCtrlr", "Phases3to1", "boolean", _attr("false", constant=True)))
    # DeviceDataCtrlr: small ItemsPerMessage(GetReport) so a base report has several parts
    for instance, items in (("GetReport", 16), ("GetVariables", 16), ("SetVariables", 16)):
        add(Variable("DeviceDataCtrlr", "ItemsPerMessage", "integer",
                     _attr(items, constant=True), instance=instance))
    for instance in ("GetReport", "GetVariables", "SetVariables"):
        add(Variable("DeviceDataCtrlr", "BytesPerMessage", "integer",
                     _attr(65_000, constant=True), instance=instance))
    add(Variable("DeviceDataCtrlr", "ConfigurationValueSize", "integer", _attr(1000, constant=True)))
    add(Variable("DeviceDataCtrlr", "ReportingValueSize", "integer", _attr(2500, constant=True)))
    add(Variable("DeviceDataCtrlr", "ValueSize", "integer", _attr(1000, constant=True)))
    # SecurityCtrlr
    add(Variable("SecurityCtrlr", "BasicAuthPassword", "passwordString",
                 _attr(basic_auth_password, wo), max_limit=40))
    add(Variable("SecurityCtrlr", "Identity", "identifierString", _attr(charger_id),
                 max_limit=48))
    add(Variable("SecurityCtrlr", "OrganizationName", "string", _attr("OCPP Studio", rw),
                 max_limit=64))
    add(Variable("SecurityCtrlr", "SecurityProfile", "integer",
                 _attr(security_profile if security_profile is not None
                       else 1 if basic_auth_password else 0), min_limit=0, max_limit=3))
    add(Variable("SecurityCtrlr", "CertificateEntries", "integer", _attr(0), min_limit=0))
    # AuthCtrlr
    add(Variable("AuthCtrlr", "Enabled", "boolean", _attr("true", rw)))
    add(Variable("AuthCtrlr", "AuthorizeRemoteStart", "boolean", _attr("false", rw)))
    add(Variable("AuthCtrlr", "LocalAuthorizeOffline", "boolean", _attr("true", rw)))
    add(Variable("AuthCtrlr", "LocalPreAuthorize", "boolean", _attr("false", rw)))
    # TxCtrlr: the demo starts/ends transactions at PowerPathClosed (authorized and plugged)
    points = ("ParkingBayOccupancy", "EVConnected", "Authorized", "DataSigned",
              "PowerPathClosed", "EnergyTransfer")
    add(Variable("TxCtrlr", "EVConnectionTimeOut", "integer", _attr(120, rw), unit="s",
                 min_limit=1, max_limit=3600))
    add(Variable("TxCtrlr", "StopTxOnEVSideDisconnect", "boolean", _attr("true", ro)))
    add(Variable("TxCtrlr", "StopTxOnInvalidId", "boolean", _attr("true", rw)))
    add(Variable("TxCtrlr", "TxStartPoint", "MemberList", _attr("PowerPathClosed", ro),
                 values_list=points))
    add(Variable("TxCtrlr", "TxStopPoint", "MemberList", _attr("PowerPathClosed", ro),
                 values_list=points))
    # ClockCtrlr
    add(Variable("ClockCtrlr", "DateTime", "dateTime",
                 {"Actual": Attribute(None, ro, persistent=False, getter=live["datetime"])}))
    add(Variable("ClockCtrlr", "TimeSource", "SequenceList", _attr("Heartbeat", rw),
                 values_list=("Heartbeat", "NTP", "GPS", "RealTimeClock", "MobileNetwork",
                              "RadioTimeTransmitter")))
    return dm


def _wanted(var: Variable, cv: dict[str, Any]) -> bool:
    """Does one GetReport componentVariable entry name this variable?"""
    comp = cv["component"]
    evse = comp.get("evse") or {}
    if comp["name"] != var.component:
        return False
    if "instance" in comp and comp["instance"] != var.component_instance:
        return False
    if "id" in evse and evse["id"] != var.evse:
        return False
    if "connectorId" in evse and evse["connectorId"] != var.connector:
        return False
    v = cv.get("variable")
    return not (v and (v["name"] != var.name or v.get("instance") != var.instance))
