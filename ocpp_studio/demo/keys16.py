"""The OCPP 1.6 configuration key store of the demo charger.

Keys, types and accessibility follow OCPP 1.6 edition 2 §9 (Core, Smart Charging profiles),
the security whitepaper edition 3 §7 (AuthorizationKey, CpoName, SecurityProfile) and the
OCPP-J 1.6 errata §3.12 (AuthorizationKey is write-only, at most 40 characters).
ChangeConfiguration answers follow §5.3: Accepted, RebootRequired, NotSupported for an
unknown key, Rejected for read-only keys and bad values.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Iterable

#: Measurands the simulated meter can produce (subset of 1.6 §7.31 Measurand).
SUPPORTED_MEASURANDS = (
    "Energy.Active.Import.Register", "Power.Active.Import", "Current.Import", "Voltage",
    "Current.Offered", "Power.Offered", "Frequency",
)
PHASE_SUFFIXES = ("L1", "L2", "L3", "N")

INTEGER, BOOLEAN, CSL, STRING = "integer", "boolean", "CSL", "string"


def measurand_ok(item: str) -> bool:
    """A MeterValuesSampledData item: a measurand, optionally with a phase (§9.1.17)."""
    if item in SUPPORTED_MEASURANDS:
        return True
    base, _, phase = item.rpartition(".")
    return phase in PHASE_SUFFIXES and base in ("Power.Active.Import", "Current.Import", "Voltage")


@dataclass(slots=True)
class ConfigKey:
    key: str
    value: str
    kind: str = STRING
    readonly: bool = False
    write_only: bool = False
    reboot_required: bool = False
    minimum: int | None = None
    maximum: int | None = None
    max_items: int | None = None  # CSL
    item_ok: Callable[[str], bool] | None = None  # CSL items / string values
    max_length: int | None = None  # STRING
    min_length: int | None = None
    unit: str | None = None
    description: str = ""

    def check(self, value: str) -> bool:
        """Whether a new value has the right type and range (§5.3: else Rejected)."""
        if self.kind == INTEGER:
            try:
                number = int(value.strip())
            except ValueError:
                return False
            if self.minimum is not None and number < self.minimum:
                return False
            return self.maximum is None or number <= self.maximum
        if self.kind == BOOLEAN:
            return value.strip().lower() in ("true", "false")
        if self.kind == CSL:
            items = [i.strip() for i in value.split(",") if i.strip()]
            if self.max_items is not None and len(items) > self.max_items:
                return False
            return all(self.item_ok(i) for i in items) if self.item_ok else True
        if self.max_length is not None and len(value) > self.max_length:
            return False
        if self.min_length is not None and len(value) < self.min_length:
            return False
        return self.item_ok(value) if self.item_ok else True

    def normalise(self, value: str) -> str:
        if self.kind == INTEGER:
            return str(int(value.strip()))
        if self.kind == BOOLEAN:
            return value.strip().lower()
        if self.kind == CSL:
            return ",".join(i.strip() for i in value.split(",") if i.strip())
        return value


@dataclass
class ConfigurationKeys16:
    """Ordered 1.6 key store. ``keys`` maps key name -> ConfigKey."""

    keys: dict[str, ConfigKey] = field(default_factory=dict)
    #: Extra per-key checks that need charger state (e.g. SecurityProfile prerequisites).
    guards: dict[str, Callable[[str, str], str | None]] = field(default_factory=dict)

    def add(self, key: ConfigKey) -> None:
        self.keys[key.key] = key

    def __contains__(self, name: str) -> bool:
        return name in self.keys

    def value(self, name: str) -> str:
        return self.keys[name].value

    def int_value(self, name: str, default: int = 0) -> int:
        try:
            return int(self.keys[name].value)
        except (KeyError, ValueError):
            return default

    def bool_value(self, name: str, default: bool = False) -> bool:
        entry = self.keys.get(name)
        return default if entry is None else entry.value.lower() == "true"

    def csl_value(self, name: str) -> list[str]:
        entry = self.keys.get(name)
        return [] if entry is None else [i for i in entry.value.split(",") if i]

    def get(self, requested: Iterable[str] | None) -> tuple[list[dict], list[str]]:
        """(configurationKey, unknownKey) for GetConfiguration (§5.8).

        Write-only keys (AuthorizationKey) are not listed when all keys are asked for; asked
        for by name they are listed without a value, so nothing secret is disclosed
        (whitepaper §7.2, OCPP-J errata §3.12).
        """
        names = list(requested or [])
        known: list[dict] = []
        unknown: list[str] = []
        if not names:
            for entry in self.keys.values():
                if not entry.write_only:
                    known.append({"key": entry.key, "readonly": entry.readonly,
                                  "value": entry.value})
            return known, unknown
        for name in names:
            entry = self.keys.get(name)
            if entry is None:
                unknown.append(name)
            elif entry.write_only:
                known.append({"key": entry.key, "readonly": False})
            else:
                known.append({"key": entry.key, "readonly": entry.readonly,
                              "value": entry.value})
        return known, unknown

    def change(self, name: str, value: str) -> str:
        """Apply ChangeConfiguration; returns the ConfigurationStatus (§5.3)."""
        entry = self.keys.get(name)
        if entry is None:
            return "NotSupported"
        if entry.readonly:
            return "Rejected"
        if not entry.check(value):
            return "Rejected"
        new_value = entry.normalise(value)
        guard = self.guards.get(name)
        if guard is not None:
            verdict = guard(entry.value, new_value)
            if verdict is not None and verdict != "Accepted":
                return verdict
        entry.value = new_value
        return "RebootRequired" if entry.reboot_required else "Accepted"


def _rotation_ok(item: str) -> bool:
    index, _, rotation = item.partition(".")
    return index.isdigit() and rotation in (
        "NotApplicable", "Unknown", "RST", "RTS", "SRT", "STR", "TRS", "TSR")


def _profile_ok(item: str) -> bool:
    return item in ("Core", "FirmwareManagement", "LocalAuthListManagement", "Reservation",
                    "SmartCharging", "RemoteTrigger")


def build_keys16(*, connectors: int, phases: int, heartbeat_interval: int,
                 meter_interval: int, authorization_key: str | None,
                 security_profile: int | None = None) -> ConfigurationKeys16:
    """A realistic key set for a Core + SmartCharging + RemoteTrigger charger."""
    store = ConfigurationKeys16()
    add = store.add
    rotation = "RST" if phases == 3 else "NotApplicable"
    rotation_value = ",".join(f"{i}.{rotation}" for i in range(0, connectors + 1))
    # §9.1 Core profile
    add(ConfigKey("AllowOfflineTxForUnknownId", "false", BOOLEAN))
    add(ConfigKey("AuthorizationCacheEnabled", "false", BOOLEAN))
    add(ConfigKey("AuthorizeRemoteTxRequests", "false", BOOLEAN))
    add(ConfigKey("BlinkRepeat", "3", INTEGER, minimum=0, maximum=100, unit="times"))
    add(ConfigKey("ClockAlignedDataInterval", "0", INTEGER, minimum=0, maximum=86_400,
                  unit="seconds"))
    add(ConfigKey("ConnectionTimeOut", "120", INTEGER, minimum=1, maximum=3600, unit="seconds"))
    add(ConfigKey("ConnectorPhaseRotation", rotation_value, CSL, max_items=connectors + 1,
                  item_ok=_rotation_ok))
    add(ConfigKey("ConnectorPhaseRotationMaxLength", str(connectors + 1), INTEGER,
                  readonly=True))
    add(ConfigKey("GetConfigurationMaxKeys", "50", INTEGER, readonly=True))
    add(ConfigKey("HeartbeatInterval", str(heartbeat_interval), INTEGER, minimum=1,
                  maximum=86_400, unit="seconds"))
    add(ConfigKey("LightIntensity", "80", INTEGER, minimum=0, maximum=100, unit="%"))
    add(ConfigKey("LocalAuthorizeOffline", "true", BOOLEAN))
    add(ConfigKey("LocalPreAuthorize", "false", BOOLEAN))
    add(ConfigKey("MaxEnergyOnInvalidId", "0", INTEGER, minimum=0, unit="Wh"))
    add(ConfigKey("MeterValuesAlignedData", "Energy.Active.Import.Register", CSL, max_items=8,
                  item_ok=measurand_ok))
    add(ConfigKey("MeterValuesAlignedDataMaxLength", "8", INTEGER, readonly=True))
    add(ConfigKey("MeterValuesSampledData",
                  "Energy.Active.Import.Register,Power.Active.Import,Current.Import,Voltage",
                  CSL, max_items=8, item_ok=measurand_ok))
    add(ConfigKey("MeterValuesSampledDataMaxLength", "8", INTEGER, readonly=True))
    # §9.1.19: 0 means no sampled data; the demo meter samples down to 1 s.
    add(ConfigKey("MeterValueSampleInterval", str(meter_interval), INTEGER, minimum=0,
                  maximum=3600, unit="seconds"))
    add(ConfigKey("MinimumStatusDuration", "0", INTEGER, minimum=0, maximum=3600,
                  unit="seconds"))
    add(ConfigKey("NumberOfConnectors", str(connectors), INTEGER, readonly=True))
    add(ConfigKey("ResetRetries", "3", INTEGER, minimum=0, maximum=10, unit="times"))
    add(ConfigKey("StopTransactionOnEVSideDisconnect", "true", BOOLEAN))
    add(ConfigKey("StopTransactionOnInvalidId", "true", BOOLEAN))
    add(ConfigKey("StopTxnAlignedData", "", CSL, max_items=8, item_ok=measurand_ok))
    add(ConfigKey("StopTxnAlignedDataMaxLength", "8", INTEGER, readonly=True))
    add(ConfigKey("StopTxnSampledData", "Energy.Active.Import.Register", CSL, max_items=8,
                  item_ok=measurand_ok))
    add(ConfigKey("StopTxnSampledDataMaxLength", "8", INTEGER, readonly=True))
    add(ConfigKey("SupportedFeatureProfiles", "Core,SmartCharging,RemoteTrigger", CSL,
                  readonly=True, item_ok=_profile_ok))
    add(ConfigKey("SupportedFeatureProfilesMaxLength", "6", INTEGER, readonly=True))
    add(ConfigKey("TransactionMessageAttempts", "3", INTEGER, minimum=0, maximum=10,
                  unit="times"))
    add(ConfigKey("TransactionMessageRetryInterval", "60", INTEGER, minimum=0, maximum=3600,
                  unit="seconds"))
    add(ConfigKey("UnlockConnectorOnEVSideDisconnect", "true", BOOLEAN))
    # §9.1.34: negative values are not allowed (Rejected). The demo applies a new ping
    # interval on its next connection, so it answers RebootRequired.
    add(ConfigKey("WebSocketPingInterval", "30", INTEGER, minimum=0, maximum=3600,
                  reboot_required=True, unit="seconds"))
    # §9.4 Smart Charging profile (all read-only)
    add(ConfigKey("ChargeProfileMaxStackLevel", "8", INTEGER, readonly=True))
    add(ConfigKey("ChargingScheduleAllowedChargingRateUnit", "Current,Power", CSL,
                  readonly=True))
    add(ConfigKey("ChargingScheduleMaxPeriods", "24", INTEGER, readonly=True))
    if phases == 3:
        add(ConfigKey("ConnectorSwitch3to1PhaseSupported", "false", BOOLEAN, readonly=True))
    add(ConfigKey("MaxChargingProfilesInstalled", "16", INTEGER, readonly=True))
    # Security whitepaper edition 3 §7
    add(ConfigKey("AuthorizationKey", authorization_key or "", STRING, write_only=True,
                  min_length=16, max_length=40))
    add(ConfigKey("CpoName", "OCPP Studio", STRING, max_length=64))
    if security_profile is None:
        security_profile = 1 if authorization_key else 0
    add(ConfigKey("SecurityProfile", str(security_profile), INTEGER, minimum=0, maximum=3))
    return store
