"""Security tab › "Move to security profile 2/3…": the guided security upgrade
(``station/security_upgrade.py``) shown step by step as it happens, with the downgrade warning
and a confirmation before the profile switch, the countdown while the charger should come back
over wss://, and on failure what the charger last did and how to fall back."""

from __future__ import annotations

import asyncio
import html
import logging
from typing import Any, Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog, QDialogButtonBox, QFormLayout, QGridLayout, QLabel, QLineEdit, QMessageBox,
    QPushButton, QVBoxLayout, QWidget,
)
from shiboken6 import isValid

from ...station.central import CentralSystem
from ...station.security_upgrade import (
    DOWNGRADE_WARNING, FALLBACK_WORDS, SecurityUpgrade, StepState, UpgradeResult, UpgradeStep,
)
from ..common import theme
from ..common.operations import AsyncOp, failure_text

log = logging.getLogger(__name__)

#: (mark, colour) per step state
STEP_MARKS = {StepState.WAITING: ("○", theme.SECONDARY_TEXT),
              StepState.RUNNING: ("●", theme.LINK_TEXT),
              StepState.DONE: ("✓", theme.DONE_TEXT),
              StepState.FAILED: ("✗", theme.FAILED_TEXT),
              StepState.SKIPPED: ("–", theme.NOTHING_NEEDED_TEXT)}


def upgrade_url(central: CentralSystem, charger_id: str, wss_port: int) -> str:
    """The wss:// URL to give the charger: the studio address it reached now, the wss port,
    and the path it used without its own id (the charger adds its id, like on ws://)."""
    session = central.sessions.get(charger_id)
    host = (getattr(session.handshake, "local", "") if session is not None else "") or \
        "127.0.0.1"
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"  # IPv6
    station = central.stations.get(charger_id)
    path = station.connections[-1].path if station and station.connections else "/ocpp"
    base = path.rstrip("/")
    if base.endswith("/" + charger_id):
        base = base[:-len(charger_id) - 1]
    return f"wss://{host}:{wss_port}{base}"


class UpgradeDialog(QDialog):
    """One guided upgrade: press Start, confirm before the switch, watch it come back."""

    def __init__(self, central: CentralSystem, charger_id: str, profile: int, url: str,
                 parent: QWidget | None = None, *,
                 persist: Callable[[], object] | None = None,
                 reconnect_timeout_s: float = 180.0) -> None:
        super().__init__(parent)
        self.central, self.charger_id, self.profile = central, charger_id, profile
        self.persist, self.reconnect_timeout_s = persist, reconnect_timeout_s
        self.upgrade: SecurityUpgrade | None = None
        self.operation: AsyncOp[UpgradeResult] | None = None
        self.confirmation: QMessageBox | None = None
        self.setWindowTitle(f"Move {charger_id} to security profile {profile}")
        self.resize(720, 520)
        layout = QVBoxLayout(self)
        intro = QLabel(_intro(profile))
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.url = QLineEdit(url)
        self.url.setToolTip("Where the charger connects after the switch: this laptop's "
                            "wss:// port, as the charger can reach it")
        form.addRow("Charger's new backend URL:", self.url)
        layout.addLayout(form)
        self.grid = QGridLayout()
        self.grid.setColumnStretch(1, 1)
        layout.addLayout(self.grid)
        self.rows: dict[str, tuple[QLabel, QLabel]] = {}
        self.countdown = QLabel()
        self.countdown.setStyleSheet(theme.MUTED_LABEL_STYLE)
        self.countdown.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(self.countdown)
        self.result = QLabel()
        self.result.setWordWrap(True)
        self.result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.result, 1)
        self.buttons = QDialogButtonBox()
        self.start_button = QPushButton("Start")
        self.start_button.setDefault(True)
        self.buttons.addButton(self.start_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.close_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.start_button.clicked.connect(self.start)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self._show_steps(_planned_steps(profile))

    # ------------------------------------------------------------ steps
    def _show_steps(self, steps: list[UpgradeStep]) -> None:
        for index, step in enumerate(steps):
            if step.key not in self.rows:
                mark, text = QLabel(), QLabel()
                text.setWordWrap(True)
                text.setTextFormat(Qt.TextFormat.RichText)
                text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
                self.grid.addWidget(mark, index, 0, Qt.AlignmentFlag.AlignTop)
                self.grid.addWidget(text, index, 1)
                self.rows[step.key] = (mark, text)
            self.show_step(step)

    def show_step(self, step: UpgradeStep) -> None:
        if not isValid(self) or step.key not in self.rows:
            return
        mark, text = self.rows[step.key]
        symbol, colour = STEP_MARKS.get(step.state, ("?", theme.MUTED_TEXT))
        mark.setText(f'<span style="color:{colour}; font-size:large;">{symbol}</span>')
        lines = [f"<b>{html.escape(step.title)}</b>"]
        if step.words:
            lines.append(html.escape(step.words))
        if step.evidence:
            # the answers behind the words; the confirmation and the fallback (said below the
            # steps) are not repeated, nor what the words already say
            evidence = " · ".join(e for e in step.evidence if not e.startswith("Confirmed:")
                                  and e != FALLBACK_WORDS and e not in step.words)
            if evidence:
                lines.append(f'<span style="color:{theme.MUTED_TEXT};">'
                             f"{html.escape(evidence)}</span>")
        text.setText("<br>".join(lines))

    def step_text(self, key: str) -> str:
        """A step's row as plain text (tests)."""
        from PySide6.QtGui import QTextDocument  # noqa: PLC0415
        document = QTextDocument()
        document.setHtml(self.rows[key][1].text())
        return document.toPlainText()

    def show_countdown(self, remaining_s: float) -> None:
        if not isValid(self):
            return
        minutes, seconds = divmod(int(remaining_s + 0.5), 60)
        self.countdown.setText(f"Waiting for {self.charger_id} to come back over wss://: "
                               f"<b>{minutes}:{seconds:02d}</b> left")

    # ------------------------------------------------------------ running
    def start(self) -> AsyncOp[UpgradeResult] | None:
        if self.operation is not None and self.operation.running():
            return self.operation
        try:
            root = self.central.certificates.ca_pem()
            self.upgrade = SecurityUpgrade(
                self.central, self.charger_id, self.profile, wss_url=self.url.text().strip(),
                root_pem=root, confirm=self.confirm_switch, persist=self.persist,
                reconnect_timeout_s=self.reconnect_timeout_s)
        except Exception as exc:  # noqa: BLE001 - CaError, ValueError: said in the dialog
            self._say(False, f"Cannot start: {failure_text(exc)}")
            return None
        self.upgrade.step_changed.connect(self.show_step)
        self.upgrade.countdown.connect(self.show_countdown)
        self._show_steps(self.upgrade.steps)
        self.start_button.setEnabled(False)
        self.url.setEnabled(False)
        self.result.setText("")
        self.operation = AsyncOp(self, self.upgrade.run, on_success=self.show_result,
                                 on_failure=lambda exc: self._say(
                                     False, f"The upgrade stopped: {failure_text(exc)}"),
                                 failure_title="Security upgrade").run()
        return self.operation

    async def confirm_switch(self, warning: str = DOWNGRADE_WARNING) -> bool:
        """Ask before the profile switch (the spec forbids going back down over OCPP)."""
        answered: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        box = QMessageBox(QMessageBox.Icon.Warning, "Switch the security profile?",
                          f"Switch {self.charger_id} to security profile {self.profile} now?"
                          f"\n\n{warning}",
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
                          self)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.button(QMessageBox.StandardButton.Yes).setText("Switch")

        def clicked(button: Any) -> None:
            if not answered.done():
                answered.set_result(box.standardButton(button) == QMessageBox.StandardButton.Yes)
        box.buttonClicked.connect(clicked)
        box.finished.connect(lambda _r: answered.done() or answered.set_result(False))
        self.confirmation = box
        box.open()
        try:
            return await answered
        finally:
            self.confirmation = None
            if isValid(box):
                box.deleteLater()

    def show_result(self, result: UpgradeResult) -> None:
        self.countdown.setText("")
        self.start_button.setVisible(not result.ok)  # done: nothing to try again
        self.start_button.setEnabled(not result.ok)
        self.start_button.setText("Try again")
        self.url.setEnabled(not result.ok)
        if result.ok:
            self._say(True, result.words)
            return
        parts = [result.words]
        if result.last_seen and result.last_seen not in result.words:
            parts.append(f"What the charger last did: {result.last_seen}")
        if result.fallback:
            parts.append(f"How to fall back: {result.fallback}")
        self._say(False, "\n\n".join(parts))

    def _say(self, ok: bool, words: str) -> None:
        if not isValid(self):
            return
        colour = theme.OUTCOME_OK_TEXT if ok else theme.OUTCOME_FAILED_TEXT
        body = "<br><br>".join(html.escape(p) for p in words.split("\n\n"))
        self.result.setText(f'<span style="color:{colour};">{body}</span>')
        self.start_button.setEnabled(not ok)

    def reject(self) -> None:
        """Close; a running upgrade is stopped where it is (what the charger took stays)."""
        if self.operation is not None and self.operation.running():
            self.operation.cancel()
        super().reject()


def _intro(profile: int) -> str:
    steps = ["install its CA on the charger as the central-system root and check that the "
             "charger lists it"]
    if profile == 3:
        steps.append("ask the charger for a certificate signing request and sign it")
    else:
        steps.append("write a new password when the studio holds none for it")
    steps.append("after your confirmation, switch it to profile "
                 f"{profile} and its backend URL to the wss:// address below")
    steps.append("wait for it to come back over wss://")
    return ("The studio will " + "; ".join(steps) + ". Each step says what the charger "
            "answered.")


def _planned_steps(profile: int) -> list[UpgradeStep]:
    """The steps before the run exists (the same titles the flow uses)."""
    return [UpgradeStep("root", "Install the central system's root certificate"),
            UpgradeStep("certificate", "Charger certificate (profile 3)"),
            UpgradeStep("password", "Password (profile 2)"),
            UpgradeStep("switch", f"Switch to security profile {profile}"),
            UpgradeStep("reconnect", "Charger back over wss://")]
