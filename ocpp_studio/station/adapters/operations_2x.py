"""Request builders for the smaller OCPP 2.x operations (issue 16 §1: every operation of the
version reachable from the Operations panel): transaction status (E14), charging profiles
read back (K09), display messages (O01-O04), running cost (I03), customer data report (N09),
monitoring base, level and report (N01-N03), publishing firmware to a local controller
(L03/L04). Mixed into the 2.0.1 operation builders (``operations.py``), so 2.1 has them too;
1.6 has none of these messages and its builders do not have these methods.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Sequence

from ocpp.v201.enums import (MessageFormatEnumType, MessagePriorityEnumType,
                             MessageStateEnumType, MonitorBaseEnumType,
                             MonitoringCriterionEnumType)

from .base import OcppRequest, Payload

MESSAGE_FORMATS = tuple(m.value for m in MessageFormatEnumType)
MESSAGE_PRIORITIES = tuple(m.value for m in MessagePriorityEnumType)
#: the schema has Unavailable too, which the ocpp package's enum lacks
MESSAGE_STATES = tuple(m.value for m in MessageStateEnumType) + ("Unavailable",)
MONITORING_BASES = tuple(m.value for m in MonitorBaseEnumType)
MONITORING_CRITERIA = tuple(m.value for m in MonitoringCriterionEnumType)


def _time(value: datetime | str) -> str:
    if isinstance(value, str):
        return value
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class More2x:
    """The 2.x builders above (the id token type comes from the class they are mixed into)."""

    token_type = "ISO14443"

    def get_transaction_status_request(self, transaction_id: str | None = None
                                       ) -> OcppRequest:
        # E14: without an id the charger says whether any messages wait in its queue
        return OcppRequest("GetTransactionStatus",
                           {"transactionId": transaction_id} if transaction_id else {})

    def get_charging_profiles_request(self, request_id: int, evse: int | None = None,
                                      profile_ids: Sequence[int] = (),
                                      purpose: str | None = None,
                                      stack_level: int | None = None) -> OcppRequest:
        criterion: Payload = {}  # K09: an empty criterion asks for every profile
        if profile_ids:
            criterion["chargingProfileId"] = [int(i) for i in profile_ids]
        if purpose:
            criterion["chargingProfilePurpose"] = purpose
        if stack_level is not None:
            criterion["stackLevel"] = int(stack_level)
        payload: Payload = {"requestId": int(request_id), "chargingProfile": criterion}
        if evse is not None:
            payload["evseId"] = int(evse)  # 0: the charger's own (station-wide) profiles
        return OcppRequest("GetChargingProfiles", payload)

    def set_display_message_request(self, message_id: int, text: str, *,
                                    priority: str = "NormalCycle", text_format: str = "UTF8",
                                    language: str | None = None, state: str | None = None,
                                    start: datetime | str | None = None,
                                    end: datetime | str | None = None,
                                    transaction_id: str | None = None) -> OcppRequest:
        content: Payload = {"format": text_format, "content": text}  # O01/O02
        if language:
            content["language"] = language
        message: Payload = {"id": int(message_id), "priority": priority, "message": content}
        if state:
            message["state"] = state
        if start:
            message["startDateTime"] = _time(start)
        if end:
            message["endDateTime"] = _time(end)
        if transaction_id:
            message["transactionId"] = transaction_id
        return OcppRequest("SetDisplayMessage", {"message": message})

    def get_display_messages_request(self, request_id: int, ids: Sequence[int] = (),
                                     priority: str | None = None,
                                     state: str | None = None) -> OcppRequest:
        payload: Payload = {"requestId": int(request_id)}  # O03
        if ids:
            payload["id"] = [int(i) for i in ids]
        if priority:
            payload["priority"] = priority
        if state:
            payload["state"] = state
        return OcppRequest("GetDisplayMessages", payload)

    def clear_display_message_request(self, message_id: int) -> OcppRequest:
        return OcppRequest("ClearDisplayMessage", {"id": int(message_id)})  # O04

    def cost_updated_request(self, total_cost: float, transaction_id: str) -> OcppRequest:
        return OcppRequest("CostUpdated", {"totalCost": float(total_cost),  # I03
                                           "transactionId": transaction_id})

    def customer_information_report_request(self, request_id: int, id_tag: str | None = None,
                                            customer_identifier: str | None = None
                                            ) -> OcppRequest:
        # N09: report=true, clear=false: the charger sends what it holds in
        # NotifyCustomerInformation, nothing is deleted
        payload: Payload = {"requestId": int(request_id), "report": True, "clear": False}
        if id_tag:
            payload["idToken"] = {"idToken": id_tag, "type": self.token_type}
        if customer_identifier:
            payload["customerIdentifier"] = customer_identifier
        return OcppRequest("CustomerInformation", payload)

    def set_monitoring_base_request(self, base: str) -> OcppRequest:
        return OcppRequest("SetMonitoringBase", {"monitoringBase": base})  # N03

    def set_monitoring_level_request(self, severity: int) -> OcppRequest:
        return OcppRequest("SetMonitoringLevel", {"severity": int(severity)})  # N02/N05

    def get_monitoring_report_request(self, request_id: int, criteria: Sequence[str] = (),
                                      component: str | None = None,
                                      variable: str | None = None) -> OcppRequest:
        payload: Payload = {"requestId": int(request_id)}  # N02
        if criteria:
            payload["monitoringCriteria"] = list(criteria)
        if component:
            item: Payload = {"component": {"name": component}}
            if variable:
                item["variable"] = {"name": variable}
            payload["componentVariable"] = [item]
        return OcppRequest("GetMonitoringReport", payload)

    def publish_firmware_request(self, request_id: int, location: str, checksum: str,
                                 retries: int | None = None,
                                 retry_interval: int | None = None) -> OcppRequest:
        # L03: a local controller downloads the image and serves it to its chargers
        payload: Payload = {"requestId": int(request_id), "location": location,
                            "checksum": checksum}
        if retries is not None:
            payload["retries"] = int(retries)
        if retry_interval is not None:
            payload["retryInterval"] = int(retry_interval)
        return OcppRequest("PublishFirmware", payload)

    def unpublish_firmware_request(self, checksum: str) -> OcppRequest:
        return OcppRequest("UnpublishFirmware", {"checksum": checksum})  # L04


__all__ = ["MESSAGE_FORMATS", "MESSAGE_PRIORITIES", "MESSAGE_STATES", "MONITORING_BASES",
           "MONITORING_CRITERIA", "More2x"]
