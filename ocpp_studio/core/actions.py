"""Which side of the connection initiates each OCPP action.

1.6: OCPP 1.6 edition 2 §4 (charger -> central system) and §5 (central system
-> charger), plus the security whitepaper edition 3 messages. 2.0.1: the
message list of OCPP 2.0.1 Part 2; 2.1: that list plus the 2.1 additions. DataTransfer goes both ways in both.
"""

from __future__ import annotations

from .versions import OcppVersion

CHARGER_INITIATED: dict[OcppVersion, frozenset[str]] = {
    OcppVersion.V16: frozenset({
        "Authorize", "BootNotification", "DataTransfer", "DiagnosticsStatusNotification",
        "FirmwareStatusNotification", "Heartbeat", "MeterValues", "StartTransaction",
        "StatusNotification", "StopTransaction",
        # security whitepaper
        "LogStatusNotification", "SecurityEventNotification", "SignCertificate",
        "SignedFirmwareStatusNotification",
    }),
    OcppVersion.V201: frozenset({
        "Authorize", "BootNotification", "ClearedChargingLimit", "DataTransfer",
        "FirmwareStatusNotification", "Get15118EVCertificate", "GetCertificateStatus",
        "Heartbeat", "LogStatusNotification", "MeterValues", "NotifyChargingLimit",
        "NotifyCustomerInformation", "NotifyDisplayMessages", "NotifyEVChargingNeeds",
        "NotifyEVChargingSchedule", "NotifyEvent", "NotifyMonitoringReport", "NotifyReport",
        "PublishFirmwareStatusNotification", "ReportChargingProfiles",
        "ReservationStatusUpdate", "SecurityEventNotification", "SignCertificate",
        "StatusNotification", "TransactionEvent",
    }),
}
# OCPP 2.1 Part 2: everything a 2.0.1 charger sends, plus the new charger-initiated
# messages (DER, periodic event streams, tariffs/settlement, battery swap).
CHARGER_INITIATED[OcppVersion.V21] = CHARGER_INITIATED[OcppVersion.V201] | frozenset({
    "BatterySwap", "ClosePeriodicEventStream", "GetCertificateChainStatus",
    "NotifyDERAlarm", "NotifyDERStartStop", "NotifyPeriodicEventStream",
    "NotifyPriorityCharging", "NotifySettlement", "OpenPeriodicEventStream",
    "PullDynamicScheduleUpdate", "ReportDERControl", "VatNumberValidation",
})

BOTH_WAYS = frozenset({"DataTransfer"})


def initiated_by_charger(version: OcppVersion, action: str) -> bool:
    return action in CHARGER_INITIATED[version]
