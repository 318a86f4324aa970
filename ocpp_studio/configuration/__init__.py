"""Configuration: 1.6 key catalogue, 2.0.1 device model, snapshots, diffs, templates."""

from .catalogue16 import CATALOGUE_16, KeyInfo, validate_16
from .devicemodel import VariableEntry, VariableRef, describe_201, validate_201
from .model import ConfigItem, PlannedChange, Snapshot, WriteResult, diff, redact
from .service import ConfigurationService
from .templates import TemplateError, apply_template, load_template, make_template, undo

__all__ = ["CATALOGUE_16", "KeyInfo", "validate_16", "VariableEntry", "VariableRef",
           "describe_201", "validate_201", "ConfigItem", "PlannedChange", "Snapshot",
           "WriteResult", "diff", "redact", "ConfigurationService", "TemplateError",
           "apply_template", "load_template", "make_template", "undo"]
