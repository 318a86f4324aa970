"""The OCPP 1.6 standard configuration keys and how to check a value for them.

Sources: OCPP 1.6 edition 2 §9 (Core, Local Auth List Management, Reservation, Smart
Charging), the 1.6 security whitepaper edition 3 §7 (AdditionalRootCertificateCheck,
AuthorizationKey, CertificateSignedMaxChainSize, CertificateStoreMaxLength, CpoName,
SecurityProfile) and the OCPP-J 1.6 errata §3.12 (AuthorizationKey is write-only, at most
40 characters). Keys a charger reports that are not here are vendor keys: for them only
the 500-character limit of ChangeConfiguration's value is checked.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..core.secrets import is_secret_name

#: Measurands of 1.6 §7.31 (MeterValuesSampledData etc. list these, optionally ".L1" etc.).
MEASURANDS_16 = (
    "Current.Export", "Current.Import", "Current.Offered",
    "Energy.Active.Export.Register", "Energy.Active.Import.Register",
    "Energy.Reactive.Export.Register", "Energy.Reactive.Import.Register",
    "Energy.Active.Export.Interval", "Energy.Active.Import.Interval",
    "Energy.Reactive.Export.Interval", "Energy.Reactive.Import.Interval",
    "Frequency", "Power.Active.Export", "Power.Active.Import", "Power.Factor",
    "Power.Offered", "Power.Reactive.Export", "Power.Reactive.Import", "RPM", "SoC",
    "Temperature", "Voltage",
)
PHASES_16 = ("L1", "L2", "L3", "N", "L1-N", "L2-N", "L3-N", "L1-L2", "L2-L3", "L3-L1")
FEATURE_PROFILES = ("Core", "FirmwareManagement", "LocalAuthListManagement", "Reservation",
                    "SmartCharging", "RemoteTrigger")
PHASE_ROTATIONS = ("NotApplicable", "Unknown", "RST", "RTS", "SRT", "STR", "TRS", "TSR")
RATE_UNITS = ("Current", "Power")

MAX_VALUE_LENGTH = 500  # ChangeConfiguration.req value: CiString500Type

DANGER_SECURITY_PROFILE = (
    "The charger will disconnect and reconnect with the new security profile. The profile "
    "can only be raised, never lowered again; if the charger or this studio is not set up for "
    "it (password, TLS certificates, wss:// address) the charger will not come back.")
DANGER_AUTHORIZATION_KEY = (
    "The charger will use this password the next time it connects. If the central system "
    "does not expect exactly this password, the charger will not be able to connect.")
DANGER_URL = (
    "The charger will disconnect and reconnect to the new URL; if it is wrong it will not "
    "come back.")


@dataclass(frozen=True)
class KeyInfo:
    name: str
    profile: str  # Core, LocalAuthListManagement, Reservation, SmartCharging, FirmwareManagement, RemoteTrigger, Security
    required: bool
    access: str  # "R", "RW", "W"
    type: str  # "boolean", "integer", "CSL", "string"
    unit: str | None = None
    minimum: int | None = None
    maximum: int | None = None
    allowed: tuple[str, ...] = ()
    max_length: int = MAX_VALUE_LENGTH
    description: str = ""
    default: str | None = None
    uk_regulation: bool = False
    connectivity: bool = False
    danger: str | None = None
    secret: bool = False


def _k(name: str, profile: str, required: bool, access: str, type: str, description: str,
       **kw: object) -> KeyInfo:
    return KeyInfo(name, profile, required, access, type, description=description, **kw)  # type: ignore[arg-type]


_MEASURAND_MEMBERS = MEASURANDS_16
_CORE, _LAL, _RES, _SC, _SEC = ("Core", "LocalAuthListManagement", "Reservation",
                                "SmartCharging", "Security")

_KEYS = [
    # ---- §9.1 Core profile
    _k("AllowOfflineTxForUnknownId", _CORE, False, "RW", "boolean",
       "Let unknown cards start charging while the charger is offline."),
    _k("AuthorizationCacheEnabled", _CORE, False, "RW", "boolean",
       "Remember recently accepted cards so they work when the charger is offline."),
    _k("AuthorizeRemoteTxRequests", _CORE, True, "RW", "boolean",
       "Check the card of a remote start with the central system first, like a local start. "
       "(Read-only on some chargers.)"),
    _k("BlinkRepeat", _CORE, False, "RW", "integer",
       "How many times the charger's lights blink when signalling.", unit="times", minimum=0),
    _k("ClockAlignedDataInterval", _CORE, True, "RW", "integer",
       "Send meter readings every this many seconds, aligned to midnight (0 = off).",
       unit="s", minimum=0),
    _k("ConnectionTimeOut", _CORE, True, "RW", "integer",
       "Seconds a driver has to plug in after authorising before the session is cancelled.",
       unit="s", minimum=0, connectivity=True),
    _k("ConnectorPhaseRotation", _CORE, True, "RW", "CSL",
       "How each connector is wired to the grid phases, e.g. 0.RST,1.RST.",
       allowed=PHASE_ROTATIONS),
    _k("ConnectorPhaseRotationMaxLength", _CORE, False, "R", "integer",
       "Most entries ConnectorPhaseRotation can hold.", minimum=0),
    _k("GetConfigurationMaxKeys", _CORE, True, "R", "integer",
       "Most keys the charger returns for one GetConfiguration request.", minimum=0),
    _k("HeartbeatInterval", _CORE, True, "RW", "integer",
       "Seconds of silence after which the charger sends a heartbeat to show it is online.",
       unit="s", minimum=0, connectivity=True),
    _k("LightIntensity", _CORE, False, "RW", "integer",
       "Brightness of the charger's lights.", unit="%", minimum=0, maximum=100),
    _k("LocalAuthorizeOffline", _CORE, True, "RW", "boolean",
       "Accept cards from the local list or cache while the charger is offline."),
    _k("LocalPreAuthorize", _CORE, True, "RW", "boolean",
       "Start charging at once for cards in the local list or cache, without waiting for the "
       "central system."),
    _k("MaxEnergyOnInvalidId", _CORE, False, "RW", "integer",
       "Energy still delivered after a card turns out invalid during a session.",
       unit="Wh", minimum=0),
    _k("MeterValuesAlignedData", _CORE, True, "RW", "CSL",
       "What the clock-aligned meter readings contain (measurands, optionally per phase).",
       allowed=_MEASURAND_MEMBERS, default="Energy.Active.Import.Register"),
    _k("MeterValuesAlignedDataMaxLength", _CORE, False, "R", "integer",
       "Most items MeterValuesAlignedData can hold.", minimum=0),
    _k("MeterValuesSampledData", _CORE, True, "RW", "CSL",
       "What the meter readings during a session contain (measurands, optionally per phase).",
       allowed=_MEASURAND_MEMBERS, default="Energy.Active.Import.Register", uk_regulation=True),
    _k("MeterValuesSampledDataMaxLength", _CORE, False, "R", "integer",
       "Most items MeterValuesSampledData can hold.", minimum=0),
    _k("MeterValueSampleInterval", _CORE, True, "RW", "integer",
       "Seconds between meter readings during a session (0 = none). The UK rules expect "
       "power readable every second.", unit="s", minimum=0, uk_regulation=True),
    _k("MinimumStatusDuration", _CORE, False, "RW", "integer",
       "Seconds a status must be stable before the charger reports it.", unit="s", minimum=0),
    _k("NumberOfConnectors", _CORE, True, "R", "integer",
       "Number of charging connectors.", minimum=0),
    _k("ResetRetries", _CORE, True, "RW", "integer",
       "How often the charger retries a reset that failed.", unit="times", minimum=0),
    _k("StopTransactionOnEVSideDisconnect", _CORE, True, "RW", "boolean",
       "End the session when the cable is pulled out of the car."),
    _k("StopTransactionOnInvalidId", _CORE, True, "RW", "boolean",
       "End the session when the card turns out invalid after charging started."),
    _k("StopTxnAlignedData", _CORE, True, "RW", "CSL",
       "Clock-aligned readings included in the end-of-session message.",
       allowed=_MEASURAND_MEMBERS),
    _k("StopTxnAlignedDataMaxLength", _CORE, False, "R", "integer",
       "Most items StopTxnAlignedData can hold.", minimum=0),
    _k("StopTxnSampledData", _CORE, True, "RW", "CSL",
       "Sampled readings included in the end-of-session message.",
       allowed=_MEASURAND_MEMBERS),
    _k("StopTxnSampledDataMaxLength", _CORE, False, "R", "integer",
       "Most items StopTxnSampledData can hold.", minimum=0),
    _k("SupportedFeatureProfiles", _CORE, True, "R", "CSL",
       "The OCPP feature profiles this charger supports.", allowed=FEATURE_PROFILES),
    _k("SupportedFeatureProfilesMaxLength", _CORE, False, "R", "integer",
       "Most items SupportedFeatureProfiles can hold.", minimum=0),
    _k("TransactionMessageAttempts", _CORE, True, "RW", "integer",
       "How often the charger tries to deliver a session message the central system did not "
       "accept.", unit="times", minimum=0),
    _k("TransactionMessageRetryInterval", _CORE, True, "RW", "integer",
       "Seconds to wait before retrying a session message (doubled each try).",
       unit="s", minimum=0),
    _k("UnlockConnectorOnEVSideDisconnect", _CORE, True, "RW", "boolean",
       "Release the cable at the charger when it is pulled out of the car."),
    _k("WebSocketPingInterval", _CORE, False, "RW", "integer",
       "Seconds between websocket pings that keep the connection alive (0 = off).",
       unit="s", minimum=0, connectivity=True),
    # ---- §9.2 Local Auth List Management profile
    _k("LocalAuthListEnabled", _LAL, True, "RW", "boolean",
       "Use the local list of cards sent by the central system."),
    _k("LocalAuthListMaxLength", _LAL, True, "R", "integer",
       "Most cards the local list can hold.", minimum=0),
    _k("SendLocalListMaxLength", _LAL, True, "R", "integer",
       "Most cards one SendLocalList request may carry.", minimum=0),
    # ---- §9.3 Reservation profile
    _k("ReserveConnectorZeroSupported", _RES, False, "R", "boolean",
       "Whether the whole charger (connector 0) can be reserved."),
    # ---- §9.4 Smart Charging profile
    _k("ChargeProfileMaxStackLevel", _SC, True, "R", "integer",
       "Highest stack level a charging profile may use.", minimum=0, uk_regulation=True),
    _k("ChargingScheduleAllowedChargingRateUnit", _SC, True, "R", "CSL",
       "Units a charging schedule may use: Current (A) and/or Power (W).",
       allowed=RATE_UNITS, uk_regulation=True),
    _k("ChargingScheduleMaxPeriods", _SC, True, "R", "integer",
       "Most periods one charging schedule may have.", minimum=0, uk_regulation=True),
    _k("ConnectorSwitch3to1PhaseSupported", _SC, False, "R", "boolean",
       "Whether the charger can switch from 3 phases to 1 during a session."),
    _k("MaxChargingProfilesInstalled", _SC, True, "R", "integer",
       "Most charging profiles the charger can hold.", minimum=0, uk_regulation=True),
    # ---- Security whitepaper edition 3 §7 (+ errata §3.12)
    _k("AdditionalRootCertificateCheck", _SEC, False, "R", "boolean",
       "Only one central-system root certificate at a time; a new one must be signed by the "
       "old.", uk_regulation=True),
    _k("AuthorizationKey", _SEC, False, "W", "string",
       "The charger's password for HTTP Basic authentication (16-40 characters, write-only: "
       "it is never read back).", max_length=40, uk_regulation=True, connectivity=True,
       danger=DANGER_AUTHORIZATION_KEY, secret=True),
    _k("CertificateSignedMaxChainSize", _SEC, False, "R", "integer",
       "Most characters of a certificate chain the charger accepts.", minimum=0,
       maximum=10_000),
    _k("CertificateStoreMaxLength", _SEC, False, "R", "integer",
       "Most root/CA certificates the charger can hold.", minimum=0),
    _k("CpoName", _SEC, False, "RW", "string",
       "The operator name put in the charger's certificate requests."),
    _k("SecurityProfile", _SEC, False, "RW", "integer",
       "How the charger secures its connection: 0 none, 1 password, 2 TLS + password, "
       "3 TLS with client certificate. Can only be raised.", minimum=0, maximum=3,
       default="0", uk_regulation=True, connectivity=True, danger=DANGER_SECURITY_PROFILE),
]

CATALOGUE_16: dict[str, KeyInfo] = {info.name: info for info in _KEYS}

#: Vendor keys that matter for the UK regulations (not in the standard, but common).
UK_VENDOR_KEYS = ("RandomisedDelay", "RandomizedDelay", "RandomDelay", "MaxRandomisedDelay")


def is_dangerous_vendor_key(name: str) -> bool:
    """A vendor key that looks like a connection address (e.g. CentralSystemUrl)."""
    return "url" in name.lower()


def vendor_info(name: str) -> KeyInfo:
    """Best-effort description of a key the catalogue does not know."""
    lowered = name.lower()
    uk = any(word in lowered for word in ("randomi", "randomdelay", "offpeak", "offpeak"))
    danger = DANGER_URL if is_dangerous_vendor_key(name) else None
    return KeyInfo(name, "Vendor", False, "RW", "string",
                   description="Vendor-specific key (not in the OCPP 1.6 standard).",
                   uk_regulation=uk, connectivity=danger is not None, danger=danger,
                   secret=is_secret_name(name))  # e.g. WifiPassword: masked like frames are


def info_16(name: str) -> KeyInfo | None:
    return CATALOGUE_16.get(name)


def _csl_member_ok(info: KeyInfo, item: str) -> bool:
    if not info.allowed:
        return True
    if item in info.allowed:
        return True
    if info.allowed is _MEASURAND_MEMBERS:
        base, _, phase = item.rpartition(".")
        return base in info.allowed and phase in PHASES_16
    if info.name == "ConnectorPhaseRotation":
        index, _, rotation = item.partition(".")
        return index.isdigit() and rotation in PHASE_ROTATIONS
    return False


def validate_16(name: str, value: str, info: KeyInfo | None = None) -> str | None:
    """None if ``value`` may be sent for key ``name``, else why not in plain words."""
    if not isinstance(value, str):
        return "The value must be text."
    if len(value) > MAX_VALUE_LENGTH:
        return f"The value is {len(value)} characters long; OCPP allows at most 500."
    info = info or CATALOGUE_16.get(name)
    if info is None or info.profile == "Vendor":
        return None
    if info.access == "R":
        return f"{name} is read-only; the charger will not accept a new value."
    if info.type == "boolean":
        if value.strip().lower() not in ("true", "false"):
            return f"{name} takes true or false."
        return None
    if info.type == "integer":
        try:
            number = int(value.strip())
        except ValueError:
            return f"{name} takes a whole number{f' (in {info.unit})' if info.unit else ''}."
        if info.minimum is not None and number < info.minimum:
            return f"{name} must be at least {info.minimum}."
        if info.maximum is not None and number > info.maximum:
            return f"{name} must be at most {info.maximum}."
        return None
    if info.type == "CSL":
        items = [i.strip() for i in value.split(",")]
        if value.strip() == "":
            return None
        if any(not i for i in items):
            return f"{name} is a comma-separated list without empty items."
        bad = [i for i in items if not _csl_member_ok(info, i)]
        if bad:
            return (f"{name} does not allow {', '.join(bad)}"
                    + (f"; allowed: {', '.join(info.allowed)}" if len(info.allowed) <= 10 else "")
                    + ".")
        return None
    # string
    if len(value) > info.max_length:
        return f"{name} takes at most {info.max_length} characters."
    if name == "AuthorizationKey" and len(value) < 16:
        return "AuthorizationKey must be 16 to 40 characters long."
    return None
