"""CALLERROR codes, per OCPP version, and which one answers which fault.

OCPP-J 1.6 §4.2.3 table 7 keeps two misspellings on purpose (errata §5.1,
§5.2): ``FormationViolation`` and ``OccurenceConstraintViolation``. OCPP-J
2.0.1 Part 4 §4.3 spells them ``FormatViolation`` and
``OccurrenceConstraintViolation`` and adds ``MessageTypeNotSupported`` and
``RpcFrameworkError``.
"""

from __future__ import annotations

from enum import Enum

from .frames import FrameProblem
from .versions import OcppVersion


class Fault(Enum):
    """What went wrong, independent of how a version spells the error code."""

    NOT_IMPLEMENTED = "NotImplemented"  # action not known
    NOT_SUPPORTED = "NotSupported"  # action known but not handled here
    INTERNAL = "InternalError"
    PROTOCOL = "ProtocolError"
    SECURITY = "SecurityError"
    FORMAT = "Format"
    PROPERTY_CONSTRAINT = "PropertyConstraintViolation"
    OCCURRENCE_CONSTRAINT = "OccurrenceConstraint"
    TYPE_CONSTRAINT = "TypeConstraintViolation"
    GENERIC = "GenericError"
    MESSAGE_TYPE = "MessageType"
    RPC_FRAMEWORK = "RpcFramework"


_V16 = {
    Fault.FORMAT: "FormationViolation",
    Fault.OCCURRENCE_CONSTRAINT: "OccurenceConstraintViolation",
    # 1.6 has no code for these two; the message is not a conforming PDU.
    Fault.MESSAGE_TYPE: "FormationViolation",
    Fault.RPC_FRAMEWORK: "FormationViolation",
}
_V201 = {
    Fault.FORMAT: "FormatViolation",
    Fault.OCCURRENCE_CONSTRAINT: "OccurrenceConstraintViolation",
    Fault.MESSAGE_TYPE: "MessageTypeNotSupported",
    Fault.RPC_FRAMEWORK: "RpcFrameworkError",
}
#: per OCPP-J edition (OcppVersion.rpc_family): 2.0.1 and 2.1 share their codes
_FAULT_CODES = {"1.6": _V16, "2.x": _V201}

ERROR_CODES: dict[OcppVersion, frozenset[str]] = {
    OcppVersion.V16: frozenset({
        "NotImplemented", "NotSupported", "InternalError", "ProtocolError", "SecurityError",
        "FormationViolation", "PropertyConstraintViolation", "OccurenceConstraintViolation",
        "TypeConstraintViolation", "GenericError",
    }),
    OcppVersion.V201: frozenset({
        "FormatViolation", "GenericError", "InternalError", "MessageTypeNotSupported",
        "NotImplemented", "NotSupported", "OccurrenceConstraintViolation",
        "PropertyConstraintViolation", "ProtocolError", "RpcFrameworkError", "SecurityError",
        "TypeConstraintViolation",
    }),
}

# OCPP-J 2.1 keeps the 2.0.1 error codes.
ERROR_CODES[OcppVersion.V21] = ERROR_CODES[OcppVersion.V201]


def error_code(fault: Fault, version: OcppVersion) -> str:
    """The CALLERROR errorCode string for a fault in the given version."""
    return _FAULT_CODES[version.rpc_family].get(fault, fault.value)


def fault_for_frame_problem(problem: FrameProblem) -> Fault:
    """The fault for a frame that is not a readable OCPP-J message.

    2.0.1: an unreadable message id or a non-array is an RPC framework error,
    an unknown type id is MessageTypeNotSupported, a malformed CALL array is a
    format violation. 1.6 folds them all into FormationViolation.
    """
    return {
        FrameProblem.NOT_JSON: Fault.RPC_FRAMEWORK,
        FrameProblem.NOT_ARRAY: Fault.RPC_FRAMEWORK,
        FrameProblem.BAD_MESSAGE_ID: Fault.RPC_FRAMEWORK,
        FrameProblem.BAD_MESSAGE_TYPE: Fault.MESSAGE_TYPE,
        FrameProblem.BAD_STRUCTURE: Fault.FORMAT,
    }[problem]


#: JSON-Schema keyword -> fault. Type errors are type constraints, missing or
#: too many items are occurrence constraints, values out of range or not in an
#: enum are property constraints, a bad date-time or an unexpected property is
#: a format (PDU structure) violation.
_KEYWORD_FAULTS = {
    "type": Fault.TYPE_CONSTRAINT,
    "required": Fault.OCCURRENCE_CONSTRAINT,
    "minItems": Fault.OCCURRENCE_CONSTRAINT,
    "maxItems": Fault.OCCURRENCE_CONSTRAINT,
    "minProperties": Fault.OCCURRENCE_CONSTRAINT,
    "maxProperties": Fault.OCCURRENCE_CONSTRAINT,
    "uniqueItems": Fault.OCCURRENCE_CONSTRAINT,
    "enum": Fault.PROPERTY_CONSTRAINT,
    "const": Fault.PROPERTY_CONSTRAINT,
    "maxLength": Fault.PROPERTY_CONSTRAINT,
    "minLength": Fault.PROPERTY_CONSTRAINT,
    "minimum": Fault.PROPERTY_CONSTRAINT,
    "maximum": Fault.PROPERTY_CONSTRAINT,
    "exclusiveMinimum": Fault.PROPERTY_CONSTRAINT,
    "exclusiveMaximum": Fault.PROPERTY_CONSTRAINT,
    "multipleOf": Fault.PROPERTY_CONSTRAINT,
    "pattern": Fault.PROPERTY_CONSTRAINT,
    "format": Fault.FORMAT,
    "additionalProperties": Fault.FORMAT,
}


def fault_for_schema_keyword(keyword: str) -> Fault:
    return _KEYWORD_FAULTS.get(keyword, Fault.FORMAT)
