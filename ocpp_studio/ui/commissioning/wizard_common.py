"""What the commissioning wizard's pages share: the plain words for each step, the colours
and words of a step's state, where unfinished runs are kept, new passwords and charger ids,
and two small label/clipboard helpers."""

from __future__ import annotations

import secrets
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QLabel

from ...commissioning.steps import (
    ClockStep, ConnectStep, HandOverStep, IdentifyStep, MeteringStep, OffPeakStep, ReportStep,
    SecurityStep, SiteLimitStep, TestChargeStep,
)
from ...commissioning.state_files import STATE_SUFFIX, saved_states, state_path_for  # noqa: F401
from ..common import theme

PASSWORD_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789"  # no 0/O, 1/l/I
PASSWORD_LENGTH = 24  # OCPP and the UK regulations: 16-40 random characters
WAITING_TEXT = ("The charger has disconnected — waiting for it to come back "
                "(this is normal after a restart).")

# Step ids come from the engine's step classes, never from string literals: a page keyed
# by a name the engine does not use silently loses the installer's answers (issue 13).

#: Plain words for each step, used when the engine's step has no description.
STEP_TEXT: dict[str, tuple[str, str]] = {
    ConnectStep.step_id: ("Connect the charger",
                "Type the address below into the charger's backend (central system) setting "
                "and restart it. OCPP Studio waits until the charger says hello."),
    IdentifyStep.step_id: ("Identify the charger",
                 "Reads the make, model, serial number, firmware, OCPP version and connectors, "
                 "and what the charger supports."),
    ClockStep.step_id: ("Clock and heartbeat",
              "Checks the charger's clock against this laptop and sets how often the charger "
              "checks in (heartbeat)."),
    SiteLimitStep.step_id: ("Site settings",
                   "Sets the most current the charger may ever draw at this site, so the "
                   "supply is never overloaded."),
    MeteringStep.step_id: ("Metering",
                 "Checks that the charger reports power, measures how often it does at "
                 "1-second reporting, then sets the reporting interval below."),
    OffPeakStep.step_id: ("Off-peak hours and randomised delay",
                "Installs the owner's choice of charging hours (UK regulations) and the "
                "randomised delay at the start of charging."),
    SecurityStep.step_id: ("Security",
                 "Gives the charger a new unique password for the production connection and "
                 "chooses how securely it connects."),
    TestChargeStep.step_id: ("Test charge",
                    "Starts a short charge remotely, watches the power, stops it and records "
                    "the energy and duration. Plug in a car or a test box first."),
    HandOverStep.step_id: ("Hand over to the operator",
                 "Points the charger at the production central system and watches it leave "
                 "this laptop."),
    ReportStep.step_id: ("Commissioning report",
               "The report for the owner and the operator: everything set and checked."),
}

#: the words of each state of a step
STATUS_TEXT = {
    "pending": "Not run yet.",
    "running": "Running…",
    "waiting": WAITING_TEXT,
    "passed": "Done ✓",
    "failed": "This step failed ✗",
    "skipped": "Skipped",
}
#: state -> (text and border colour, background, words)
STATUS_STYLE: dict[str, tuple[str, str, str]] = {
    state: (*theme.STEP_STATE_COLOURS[state], text) for state, text in STATUS_TEXT.items()}


def status_name(status: Any) -> str:
    """StepStatus (or its string) -> 'passed', 'failed', …"""
    value = getattr(status, "value", status)
    return str(value).lower().rsplit(".", 1)[-1]


def generate_password(length: int = PASSWORD_LENGTH) -> str:
    return "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(length))


def suggested_charger_id(existing: Any = ()) -> str:
    existing = set(existing)
    for number in range(1, 1000):
        candidate = f"CHARGER-{number:02d}"
        if candidate not in existing:
            return candidate
    return "CHARGER"


def step_text(step: Any) -> tuple[str, str]:
    """(title, description) of a step: the engine's own, or the wizard's plain words."""
    default_title, default_description = STEP_TEXT.get(step.step_id, (step.step_id, ""))
    return (getattr(step, "title", "") or default_title,
            getattr(step, "description", "") or default_description)


def copy_text(text: str) -> None:
    QGuiApplication.clipboard().setText(text)


def wrapped(text: str, rich: bool = False) -> QLabel:
    """A word-wrapped label (plain text unless ``rich``)."""
    label = QLabel(text)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.RichText if rich else Qt.TextFormat.PlainText)
    return label


def muted(label: QLabel) -> QLabel:
    """A hint under a question, in the muted colour."""
    label.setStyleSheet(theme.MUTED_LABEL_STYLE)
    return label
