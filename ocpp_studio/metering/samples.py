"""Meter data in OCPP frames -> typed, unit-normalised samples.

Shapes understood (all CALLs sent by the charger):

- 1.6 ``MeterValues`` (connectorId, transactionId?, meterValue[]) -- OCPP 1.6 §6.31, §7.33;
  sampledValue per §7.43: ``value`` is a string, ``context`` default "Sample.Periodic",
  ``format`` Raw|SignedData (§7.49), ``measurand`` default "Energy.Active.Import.Register"
  (§7.31), ``phase`` (§7.34), ``location`` default "Outlet" (§7.30), ``unit`` (§7.45, default
  "Wh" for the default/energy measurand).
- 1.6 ``StartTransaction`` (meterStart, Wh, at Transaction.Begin) and ``StopTransaction``
  (meterStop, Wh, at Transaction.End, plus transactionData[] MeterValue) -- §6.45, §6.49.
- 2.0.1 ``MeterValues`` (evseId, meterValue[]) and ``TransactionEvent`` (evse?, meterValue[]):
  sampledValue ``value`` is a number, ``unitOfMeasure`` {unit, multiplier} (value x 10^multiplier
  in ``unit``; units from Appendices units_of_measure.csv), ``signedMeterValue`` kept intact.

Nothing here raises on bad input: what cannot be read becomes a plain-words problem.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from ..core.records import FrameRecord

if TYPE_CHECKING:
    from ..capture.store import CaptureStore

DEFAULT_MEASURAND = "Energy.Active.Import.Register"  # 1.6 §7.43 / 2.0.1 SampledValueType
DEFAULT_CONTEXT = "Sample.Periodic"  # 1.6 §7.43, 2.0.1 SampledValueType
DEFAULT_LOCATION = "Outlet"  # 1.6 §7.43, 2.0.1 SampledValueType

#: Actions that carry meter data (CALLs from the charger).
METER_ACTIONS = ("MeterValues", "StartTransaction", "StopTransaction", "TransactionEvent")

#: unit as sent -> (normalised unit, factor). 1.6 §7.45; 2.0.1 units_of_measure.csv.
_UNITS: dict[str, tuple[str, float]] = {
    "Wh": ("Wh", 1.0), "kWh": ("Wh", 1000.0),
    "varh": ("varh", 1.0), "kvarh": ("varh", 1000.0),
    "VAh": ("VAh", 1.0), "kVAh": ("VAh", 1000.0),
    "W": ("W", 1.0), "kW": ("W", 1000.0),
    "VA": ("VA", 1.0), "kVA": ("VA", 1000.0),
    "var": ("var", 1.0), "kvar": ("var", 1000.0),
    "A": ("A", 1.0), "V": ("V", 1.0), "Hz": ("Hz", 1.0),
    "Celsius": ("Celsius", 1.0), "Percent": ("%", 1.0), "%": ("%", 1.0),
    "K": ("K", 1.0), "Fahrenheit": ("Fahrenheit", 1.0), "s": ("s", 1.0),
}


def default_unit(measurand: str) -> str | None:
    """The unit meant when a sampledValue has none (1.6 §7.43/§7.45: "Wh" for energy; the
    measurand's natural unit otherwise, 2.0.1 Measurand descriptions)."""
    if measurand.startswith("Energy.Reactive"):
        return "varh"
    if measurand.startswith("Energy.Apparent"):
        return "VAh"
    if measurand.startswith("Energy"):
        return "Wh"
    if measurand.startswith("Power.Reactive"):
        return "var"
    if measurand.startswith("Power.Apparent"):
        return "VA"
    if measurand == "Power.Factor":
        return ""
    if measurand.startswith("Power"):  # Power.Active.*, Power.Offered
        return "W"
    if measurand.startswith("Current"):
        return "A"
    if measurand == "Voltage":
        return "V"
    if measurand == "Frequency":
        return "Hz"
    if measurand == "SoC":
        return "%"
    if measurand == "Temperature":
        return "Celsius"
    if measurand == "RPM":
        return "RPM"
    return None


@dataclass(frozen=True, slots=True)
class MeterSample:
    charger: str
    connector: str  # 1.6 connectorId as text ("0" = whole charger); 2.0.1 evse id ("0" = station)
    ts_us: int  # the sample's own timestamp (from the payload), UTC µs
    measurand: str
    value: float  # normalised (W, Wh, A, V, var, varh, Hz, %, Celsius); NaN for 1.6 SignedData
    unit: str
    phase: str | None
    context: str | None
    location: str | None
    transaction_id: str | None
    frame_id: int | None
    signed: str | None = None  # signedMeterValue (JSON text) / SignedData, never parsed


def parse_timestamp_us(text: Any) -> int | None:
    """RFC 3339 date-time -> UTC µs; no offset means UTC. None when unreadable."""
    if not isinstance(text, str) or not text.strip():
        return None
    cleaned = text.strip()
    if cleaned[-1] in "zZ":
        cleaned = cleaned[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(cleaned)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    delta = moment - datetime(1970, 1, 1, tzinfo=timezone.utc)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def _number(value: Any) -> float | None:
    """A finite float from a JSON number or a decimal string; None otherwise."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float, Decimal)):
        result = float(value)
    elif isinstance(value, str):
        try:
            result = float(Decimal(value.strip()))
        except (InvalidOperation, ValueError):
            return None
    else:
        return None
    return result if math.isfinite(result) else None


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return str(value)


class _Parser:
    def __init__(self, record: FrameRecord, tx_connectors: dict[str, str] | None) -> None:
        self.record = record
        self.samples: list[MeterSample] = []
        self.problems: list[str] = []
        self.tx_connectors = tx_connectors

    def meter_values(self, meter_values: Any, where: str, connector: str,
                     transaction_id: str | None, v201: bool) -> None:
        if meter_values is None:
            return
        if not isinstance(meter_values, list):
            self.problems.append(f"{where}: is not a list of meter values")
            return
        for i, meter_value in enumerate(meter_values):
            place = f"{where}[{i}]"
            if not isinstance(meter_value, dict):
                self.problems.append(f"{place}: is not an object")
                continue
            ts_us = parse_timestamp_us(meter_value.get("timestamp"))
            if ts_us is None:
                self.problems.append(
                    f"{place}: timestamp {meter_value.get('timestamp')!r} is not a date-time; "
                    "used the time the frame arrived")
                ts_us = self.record.ts_us
            values = meter_value.get("sampledValue")
            if not isinstance(values, list):
                self.problems.append(f"{place}: sampledValue is missing or not a list")
                continue
            for j, sampled in enumerate(values):
                self.sampled_value(sampled, f"{place}.sampledValue[{j}]", ts_us, connector,
                                   transaction_id, v201)

    def sampled_value(self, sampled: Any, place: str, ts_us: int, connector: str,
                      transaction_id: str | None, v201: bool) -> None:
        if not isinstance(sampled, dict):
            self.problems.append(f"{place}: is not an object")
            return
        measurand = sampled.get("measurand") or DEFAULT_MEASURAND
        if not isinstance(measurand, str):
            self.problems.append(f"{place}: measurand {measurand!r} is not text")
            return
        raw_value = sampled.get("value")
        signed: str | None = None
        multiplier = 0
        if v201:
            uom = sampled.get("unitOfMeasure")
            unit_sent = None
            if isinstance(uom, dict):
                unit_sent = uom.get("unit")
                mult = uom.get("multiplier", 0)
                if isinstance(mult, int) and not isinstance(mult, bool):
                    multiplier = mult
                else:
                    self.problems.append(f"{place}: unitOfMeasure.multiplier {mult!r} is not "
                                         "a whole number; ignored")
            elif uom is not None:
                self.problems.append(f"{place}: unitOfMeasure is not an object; ignored")
            if sampled.get("signedMeterValue") is not None:
                signed = json.dumps(sampled["signedMeterValue"], default=str, sort_keys=True)
        else:
            unit_sent = sampled.get("unit")
            if sampled.get("format") == "SignedData":
                signed = raw_value if isinstance(raw_value, str) else json.dumps(raw_value,
                                                                                 default=str)
        if unit_sent is None:
            unit_sent = default_unit(measurand)
            if unit_sent is None:
                unit_sent = ""
        if not isinstance(unit_sent, str):
            self.problems.append(f"{place}: unit {unit_sent!r} is not text")
            return
        normal_unit, factor = _UNITS.get(unit_sent, (unit_sent, 1.0))
        if signed is not None and not v201:
            value = math.nan  # 1.6 SignedData (§7.49): a data block, not a number
        else:
            number = _number(raw_value)
            if number is None:
                self.problems.append(f"{place}: value {raw_value!r} is not a number")
                return
            value = number * factor * (10.0 ** multiplier)
        phase = _text(sampled.get("phase"))
        self.samples.append(MeterSample(
            charger=self.record.charger, connector=connector, ts_us=ts_us,
            measurand=measurand, value=value, unit=normal_unit, phase=phase,
            context=_text(sampled.get("context")) or DEFAULT_CONTEXT,
            location=_text(sampled.get("location")) or DEFAULT_LOCATION,
            transaction_id=transaction_id, frame_id=self.record.id, signed=signed))

    def register(self, value: Any, name: str, timestamp: Any, connector: str,
                 transaction_id: str | None, context: str) -> None:
        """1.6 meterStart / meterStop: the energy register in Wh (§6.45, §6.49)."""
        number = _number(value)
        if number is None:
            self.problems.append(f"{name}: value {value!r} is not a number")
            return
        ts_us = parse_timestamp_us(timestamp)
        if ts_us is None:
            self.problems.append(f"timestamp {timestamp!r} is not a date-time; used the time the "
                                 "frame arrived")
            ts_us = self.record.ts_us
        self.samples.append(MeterSample(
            charger=self.record.charger, connector=connector, ts_us=ts_us,
            measurand=DEFAULT_MEASURAND, value=number, unit="Wh", phase=None, context=context,
            location=DEFAULT_LOCATION, transaction_id=transaction_id, frame_id=self.record.id))

    def parse(self, action: str, payload: dict[str, Any]) -> None:
        if action == "MeterValues":
            if "evseId" in payload and "connectorId" not in payload:
                self.meter_values(payload.get("meterValue"), "meterValue",
                                  str(payload.get("evseId")), None, v201=True)
            else:
                connector = str(payload.get("connectorId", "0"))
                tx = _text(payload.get("transactionId"))
                if tx and self.tx_connectors is not None:
                    self.tx_connectors[tx] = connector
                self.meter_values(payload.get("meterValue"), "meterValue", connector, tx,
                                  v201=False)
        elif action == "StartTransaction":
            connector = str(payload.get("connectorId", "0"))
            self.register(payload.get("meterStart"), "meterStart", payload.get("timestamp"),
                          connector, None, "Transaction.Begin")
        elif action == "StopTransaction":
            tx = _text(payload.get("transactionId"))
            connector = (self.tx_connectors or {}).get(tx or "", "0")
            self.register(payload.get("meterStop"), "meterStop", payload.get("timestamp"),
                          connector, tx, "Transaction.End")
            self.meter_values(payload.get("transactionData"), "transactionData", connector, tx,
                              v201=False)
        elif action == "TransactionEvent":
            info = payload.get("transactionInfo")
            tx = _text(info.get("transactionId")) if isinstance(info, dict) else None
            evse = payload.get("evse")
            evse_label: str | None = None
            if isinstance(evse, dict) and evse.get("id") is not None:
                evse_label = str(evse["id"])
                if self.tx_connectors is not None and tx:
                    self.tx_connectors[tx] = evse_label
            elif tx and self.tx_connectors is not None:
                evse_label = self.tx_connectors.get(tx)
            self.meter_values(payload.get("meterValue"), "meterValue", evse_label or "?", tx,
                              v201=True)


def samples_from_frame(record: FrameRecord, tx_connectors: dict[str, str] | None = None,
                       ) -> tuple[list[MeterSample], list[str]]:
    """Samples and problems of one frame; ([], []) for frames without meter data.

    ``tx_connectors`` (optional, transaction id -> connector/EVSE) lets a caller that sees
    frames in order place 2.0.1 TransactionEvents that omit ``evse`` (only the first event of
    a transaction must carry it, E01) and 1.6 StopTransaction (which has no connectorId); it is
    updated from events that carry ``evse``. Without it such samples get connector "?" (2.0.1)
    or "0" (1.6 StopTransaction).
    """
    try:
        if record.message_type not in (2, None) or record.action not in METER_ACTIONS:
            return [], []
        try:
            frame = json.loads(record.raw, parse_float=Decimal)
        except ValueError:
            return [], []  # unreadable frames already carry their own problem
        if (not isinstance(frame, list) or len(frame) != 4 or frame[0] != 2
                or frame[2] not in METER_ACTIONS):
            return [], []
        payload = frame[3]
        if not isinstance(payload, dict):
            return [], ["meter data: the payload is not an object"]
        parser = _Parser(record, tx_connectors)
        parser.parse(frame[2], payload)
        return parser.samples, parser.problems
    except Exception as exc:  # noqa: BLE001 - never raise on a charger's data
        return [], [f"meter data could not be read: {type(exc).__name__}: {exc}"]


def meter_frames(store: "CaptureStore", charger: str | None = None,
                 batch: int = 5000) -> list[FrameRecord]:
    """The CALL frames of a capture that may carry meter data, in capture order.

    Reads only the metering actions (the frames_action index), not the whole capture."""
    from ..capture.store import FrameQuery
    records: list[FrameRecord] = []
    for action in METER_ACTIONS:
        after = None
        while True:
            rows = store.frames(FrameQuery(charger=charger, action=action, after_id=after,
                                           limit=batch))
            records.extend(r for r in rows if r.message_type == 2)
            if len(rows) < batch:
                break
            after = rows[-1].id
    records.sort(key=lambda r: r.id or 0)
    return records
