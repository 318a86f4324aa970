"""The guided security upgrade (issue 15 §3): move a charger from profile 0/1 to 2 or 3.

OCTT's "Upgrade Charging Station Security Profile" in four steps, each reporting only what the
charger's own evidence showed (its answers, its list of certificates, its reconnection):

1. ``root``: InstallCertificate of the central system's root (the studio CA, or a production
   root PEM), confirmed by GetInstalledCertificateIds listing it (1.6 whitepaper A05.FR.03 /
   2.0.1 A05 prerequisite);
2. ``certificate`` (profile 3): the charger is asked for a CSR, the studio signs it, and the
   charger answers CertificateSigned Accepted (A05.FR.04 prerequisite);
3. ``password`` (profile 2, when the studio holds none for the charger): a new one, A01.FR.03/04;
   ``switch``: after a confirmation (the spec forbids going back down over OCPP: 1.6 whitepaper
   A05 remark and A05.FR.01; 2.0.1 A00.FR.005, A05 remark), 1.6 backend URL key + SecurityProfile
   (A05.FR.05-07: the charger reconnects by itself) or 2.0.1 SetNetworkProfile + priority and
   Reset OnIdle (2.0.1 A05 steps 1-4);
4. ``reconnect``: wait, with a visible countdown, for a new connection over wss with the right
   credentials (profile 3 = a client certificate); otherwise say what the charger last did and
   how to fall back (its own web page or installer app).

Observers connect to ``step_changed``, ``countdown`` and ``finished`` (core ``Signal``); the GUI,
the CLI (through the API) and the commissioning wizard all drive this one object.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import asdict, dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Awaitable, Callable

from ..core.clock import Clock, SystemClock
from ..core.events import Signal
from ..core.records import now_us
from ..core.rpc import AnswerLost, ConnectionClosed
from .adapters.base import CALL_FAILURES, OcppRequest
from .central import CentralSystem
from .security_steps import (change_password, choose_wss_url, confirm_root,
                             connection_security, csr_outcome, install_root, request_csr)

__all__ = ["DOWNGRADE_WARNING", "FALLBACK_WORDS", "SecurityUpgrade", "StepState",
           "UpgradeResult", "UpgradeStep", "choose_wss_url", "connection_security"]

log = logging.getLogger(__name__)

#: Said before the switch (and asked to confirm): the spec's words on going back down.
DOWNGRADE_WARNING = (
    "Once the charger uses the higher security profile it cannot be moved back down over "
    "OCPP: the 1.6 security whitepaper forbids it (A05 remark, A05.FR.01: the charger rejects a "
    "lower SecurityProfile) and so does OCPP 2.0.1 (A00.FR.005, A05 remark; B09.FR.04 "
    "NoSecurityDowngrade). If it cannot connect over TLS afterwards, going back needs the "
    "charger's own web page or installer app.")
FALLBACK_WORDS = (
    "The charger may fall back to its previous profile by itself (1.6 whitepaper A05.FR.08, "
    "2.0.1 NetworkConfigurationPriority keeps the old connection second); otherwise open the "
    "charger's own web page or installer app and set its security profile and backend URL "
    "there: OCPP cannot lower the profile.")
Confirm = Callable[[str], Awaitable[bool]]


class StepState(StrEnum):
    WAITING = "waiting"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    SKIPPED = "skipped"


@dataclass
class UpgradeStep:
    key: str
    title: str
    state: StepState = StepState.WAITING
    words: str = ""  # what the charger's evidence showed, or what is unknown
    evidence: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"key": self.key, "title": self.title, "state": str(self.state),
                "words": self.words, "evidence": list(self.evidence)}


@dataclass
class UpgradeResult:
    ok: bool
    profile: int
    words: str
    steps: list[dict[str, Any]]
    connection: dict[str, Any] | None = None  # the wss connection seen after the switch
    last_seen: str | None = None  # what the charger last did (when it did not come back)
    fallback: str | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


class UpgradeStopped(Exception):
    """A step failed or was declined: the flow stops there."""


class SecurityUpgrade:
    """One run of the guided upgrade for one charger (create, connect observers, ``run``)."""

    def __init__(self, central: CentralSystem, charger_id: str, profile: int, *,
                 wss_url: str, root_pem: str, confirm: Confirm | None = None,
                 persist: Callable[[], object] | None = None, clock: Clock | None = None,
                 reconnect_timeout_s: float = 180.0, csr_timeout_s: float = 60.0,
                 call_timeout_s: float | None = None, new_password: bool = False,
                 watch_here: bool = True) -> None:
        if profile not in (2, 3):
            raise ValueError(f"the upgrade goes to security profile 2 or 3, not {profile}")
        if not wss_url.lower().startswith("wss://"):
            raise ValueError(f"profile {profile} needs a wss:// URL, not {wss_url!r}")
        self.central, self.charger_id, self.profile = central, charger_id, profile
        self.wss_url, self.root_pem = wss_url.rstrip("/"), root_pem
        self.confirm, self.persist = confirm, persist
        self.clock: Clock = clock or SystemClock()
        self.reconnect_timeout_s, self.csr_timeout_s = reconnect_timeout_s, csr_timeout_s
        self.call_timeout_s, self.force_new_password = call_timeout_s, new_password
        #: False when ``wss_url`` is another central system's (production): the studio can
        #: only see the charger leave, not whether it connected there
        self.watch_here = watch_here
        self.steps = [UpgradeStep("root", "Install the central system's root certificate"),
                      UpgradeStep("certificate", "Charger certificate (profile 3)"),
                      UpgradeStep("password", "Password (profile 2)"),
                      UpgradeStep("switch", f"Switch to security profile {profile}"),
                      UpgradeStep("reconnect", "Charger back over wss://")]
        self.step_changed: Signal[UpgradeStep] = Signal("upgrade step changed")
        self.countdown: Signal[float] = Signal("upgrade reconnect countdown")
        self.finished: Signal[UpgradeResult] = Signal("upgrade finished")
        self.deadline: datetime | None = None
        self.result: UpgradeResult | None = None
        self._switched_at_us: int | None = None
        self._left_connection: int | None = None
        self._wake = asyncio.Event()

    # --------------------------------------------------------------- observing
    @property
    def downgrade_warning(self) -> str:
        return DOWNGRADE_WARNING

    def step(self, key: str) -> UpgradeStep:
        return next(s for s in self.steps if s.key == key)

    def remaining_s(self) -> float | None:
        """Seconds left for the charger to come back (None before the switch or after)."""
        if self.deadline is None:
            return None
        return max(0.0, (self.deadline - self.clock.now()).total_seconds())

    def _set(self, key: str, state: StepState, words: str = "", *evidence: str) -> UpgradeStep:
        step = self.step(key)
        step.state = state
        if words:
            step.words = words
        step.evidence.extend(evidence)
        self.step_changed.emit(step)
        return step

    def _fail(self, key: str, words: str, *evidence: str) -> UpgradeStopped:
        self._set(key, StepState.FAILED, words, *evidence)
        return UpgradeStopped(words)

    # -------------------------------------------------------------------- run
    async def run(self) -> UpgradeResult:
        changed = self.central.station_changed.connect(self._station_changed)
        try:
            await self._root()
            await self._certificate()
            await self._password()
            await self._switch()
            result = await self._reconnect()
        except UpgradeStopped as stop:
            result = self._result(False, str(stop))
        finally:
            self.central.station_changed.disconnect(changed)
            self.deadline = None
        self.result = result
        self.finished.emit(result)
        return result

    def _result(self, ok: bool, words: str, **extra: Any) -> UpgradeResult:
        for step in self.steps:
            if step.state in (StepState.WAITING, StepState.RUNNING):
                step.state = StepState.SKIPPED if ok else StepState.WAITING
        return UpgradeResult(ok, self.profile, words, [s.to_json() for s in self.steps], **extra)

    def _station_changed(self, station: Any) -> None:
        if getattr(station, "charger_id", None) == self.charger_id:
            self._wake.set()

    def _adapter(self) -> Any:
        return self.central.adapter(self.charger_id, self.call_timeout_s)

    # ------------------------------------------------------------------ steps
    async def _root(self) -> None:
        self._set("root", StepState.RUNNING, "Sending InstallCertificate (central system root).")
        status = await install_root(self.central, self.charger_id, self.root_pem,
                                    self.call_timeout_s)
        if status != "Accepted":
            raise self._fail("root", f"The charger answered {status} to InstallCertificate of "
                             "the central system root; it cannot check the studio's server "
                             "certificate, so the upgrade stops here.",
                             f"InstallCertificate: {status}")
        listed, words = await confirm_root(self.central, self.charger_id, self.root_pem,
                                           self.call_timeout_s)
        if not listed:
            raise self._fail("root", f"The charger answered Accepted to InstallCertificate, but "
                             f"{words}; the upgrade stops here.", "InstallCertificate: Accepted",
                             f"GetInstalledCertificateIds: {words}")
        self._set("root", StepState.DONE, "The charger installed the root and lists it in "
                  "GetInstalledCertificateIds.", "InstallCertificate: Accepted",
                  f"GetInstalledCertificateIds: {words}")

    async def _certificate(self) -> None:
        if self.profile != 3:
            self._set("certificate", StepState.SKIPPED, "Profile 2 needs no charger "
                      "certificate.")
            return
        self._set("certificate", StepState.RUNNING, "Asking the charger for a certificate "
                  "signing request (CSR).")
        outcome = await request_csr(self.central, self.charger_id, self.csr_timeout_s)
        accepted, words = csr_outcome(outcome)
        if not accepted:
            raise self._fail("certificate", f"{words} Profile 3 needs the charger's own "
                             "certificate; the upgrade stops here.", words)
        self._set("certificate", StepState.DONE, words, words)

    async def _password(self) -> None:
        stored = self.central.settings.passwords.get(self.charger_id)
        if self.profile != 2 or (stored and not self.force_new_password):
            why = ("Profile 3: the client certificate is the charger's credential." if
                   self.profile == 3 else "The studio already holds this charger's password "
                   "and keeps it.")
            self._set("password", StepState.SKIPPED, why)
            return
        self._set("password", StepState.RUNNING, "Writing a new random password.")
        change = await change_password(self.central, self.charger_id, persist=self.persist,
                                       timeout=self.call_timeout_s)
        if not change.in_force:
            raise self._fail("password", change.words, f"{change.setting}: {change.status}")
        self._set("password", StepState.DONE, change.words, f"{change.setting}: {change.status}")

    async def _switch(self) -> None:
        if self.confirm is not None and not await self.confirm(DOWNGRADE_WARNING):
            raise self._fail("switch", "Not confirmed: nothing was switched; the charger stays "
                             "on its current profile (the steps above stay done).")
        self._set("switch", StepState.RUNNING, f"Moving the charger to {self.wss_url} at "
                  f"security profile {self.profile}.", f"Confirmed: {DOWNGRADE_WARNING}")
        try:
            requests = await self._adapter().plan_security_profile(self.profile, self.wss_url,
                                                                   self.charger_id)
        except CALL_FAILURES as exc:
            raise self._fail("switch", f"Could not read what the switch needs: {exc}.")
        for request in requests:
            await self._send_switch(request)
        reset = self._adapter().upgrade_reset_request()
        if reset is not None:
            await self._send_reset(reset)
        self._set("switch", StepState.DONE, "The charger accepted the switch; waiting for it "
                  "to come back over wss://.")

    async def _send_switch(self, request: OcppRequest) -> None:
        """Send one switch request on whatever connection the charger has now. A 1.6 charger
        may leave as soon as its backend URL changes, or drop the link the moment it takes a
        setting: the request then goes again on the connection it comes back with (three
        tries). A copy whose answer was lost may have been taken; the charger then refuses
        the next (1.6 whitepaper A05.FR.01: only a higher profile is accepted). That is not a
        failure: whether it was taken shows in how the charger connects (the reconnect step)."""
        lost_on: int | None = None  # the connection a copy went out on before its answer was lost
        left: int | None = None     # wait for a connection other than this one
        for _ in range(3):
            if not await self._until_connected(self.csr_timeout_s, left):
                raise self._fail("switch", f"The charger was not connected to send "
                                 f"{_what(request)}; what it took before stays in force. "
                                 f"{self.last_seen()}")
            try:
                status = _status(await self._send_once(request))
            except ConnectionClosed as exc:
                left = self._left_connection
                if isinstance(exc, AnswerLost):
                    lost_on = left
                continue
            except CALL_FAILURES as exc:
                raise self._fail("switch", f"No answer to {_what(request)} ({exc}); whether "
                                 "the charger took it is unknown.", f"{_what(request)}: no answer")
            if status in ("Accepted", "RebootRequired"):
                self._set("switch", StepState.RUNNING, "", f"{_what(request)}: {status}")
                return
            if lost_on is None:
                self._set("switch", StepState.RUNNING, "", f"{_what(request)}: {status}")
                raise self._fail("switch", f"The charger answered {status} to {_what(request)};"
                                 " it stays on its current profile.")
            self._left_connection = lost_on  # the connection it is on now may be the new one
            self._set("switch", StepState.RUNNING, "", f"{_what(request)}: the answer to an "
                      "earlier copy was lost when the charger dropped the connection; it "
                      f"answered {status} to the next, as a charger answers a profile it already "
                      "has. Whether the earlier one took effect shows in how it connects.")
            return
        raise self._fail("switch", f"The connection closed under {_what(request)} three times; "
                         f"whether the charger took it is unknown. {self.last_seen()}")

    async def _send_once(self, request: OcppRequest) -> Any:
        connection = self.central.station(self.charger_id).current_connection
        self._left_connection = connection.connection_id if connection else None
        self._switched_at_us = now_us()
        return await self._adapter().send(request)

    async def _send_reset(self, reset: OcppRequest) -> None:
        if not await self._until_connected(self.csr_timeout_s):
            return  # it already left: the restart it needed is under way
        try:
            status = _status(await self._adapter().send(reset))
        except CALL_FAILURES as exc:
            status = f"no answer ({exc})"
        self._set("switch", StepState.RUNNING, "", f"Reset {reset.payload.get('type')}: "
                  f"{status}")

    async def _until_connected(self, timeout_s: float, not_on: int | None = None) -> bool:
        """Wait until the charger is connected (on another connection than ``not_on``)."""
        loop = asyncio.get_running_loop()
        end = loop.time() + timeout_s

        def ready() -> bool:
            session = self.central.sessions.get(self.charger_id)
            return session is not None and (not_on is None or session.connection_id != not_on)

        while not ready():
            if loop.time() > end:
                return False
            self._wake.clear()
            try:
                await asyncio.wait_for(self._wake.wait(), min(1.0, end - loop.time()))
            except TimeoutError:
                pass
        return True

    async def _reconnect(self) -> UpgradeResult:
        self._set("reconnect", StepState.RUNNING, "Waiting for the charger to connect over "
                  "wss:// with the new credentials.")
        self.deadline = datetime.fromtimestamp(self.clock.now().timestamp()
                                               + self.reconnect_timeout_s, self.clock.now().tzinfo)
        while True:
            seen = self._upgraded_connection() if self.watch_here else None
            if seen is not None:
                return self._came_back(seen)
            remaining = self.remaining_s() or 0.0
            self.countdown.emit(remaining)
            if remaining <= 0:
                # elsewhere: the whole wait shows it did not fall back here
                away = not self.watch_here and self.charger_id not in self.central.sessions
                return self._left_for_elsewhere() if away else self._not_back()
            self._wake.clear()
            try:  # a station change wakes us at once; the tick keeps the countdown moving
                await asyncio.wait_for(self._wake.wait(), min(1.0, remaining))
            except TimeoutError:
                pass

    def _left_for_elsewhere(self) -> UpgradeResult:
        words = (f"The charger left this laptop for {self.wss_url} and did not come back "
                 f"within {self.reconnect_timeout_s:.0f} s. Whether it connected there over "
                 "TLS is not visible from here: check it on that central system.")
        self._set("reconnect", StepState.SKIPPED, words, words)
        return self._result(False, words, last_seen=self.last_seen())

    def _upgraded_connection(self) -> dict[str, Any] | None:
        station = self.central.stations.get(self.charger_id)
        if station is None or self.charger_id not in self.central.sessions:
            return None
        current = station.current_connection
        if current is None or current.connection_id == self._left_connection:
            return None
        facts = connection_security(self.central, self.charger_id, current.connection_id)
        if facts is None or facts["scheme"] != "wss" or facts["profile"] is None:
            return None
        return facts if facts["profile"] >= self.profile else None

    def _came_back(self, facts: dict[str, Any]) -> UpgradeResult:
        tls = facts.get("tls") or {}
        how = ", ".join(str(v) for v in (tls.get("version"), tls.get("cipher")) if v)
        who = ("with its client certificate" if facts["client_certificate"]
               else "with its password")
        words = (f"The charger came back over wss:// {who}{' (' + how + ')' if how else ''}: "
                 f"security profile {facts['profile']} seen on connection "
                 f"{facts['connection_id']}.")
        self._set("reconnect", StepState.DONE, words, words)
        return self._result(True, words, connection=facts)

    def _not_back(self) -> UpgradeResult:
        last = self.last_seen()
        words = (f"The charger did not come back over wss:// at profile {self.profile} within "
                 f"{self.reconnect_timeout_s:.0f} s. {last}")
        self._set("reconnect", StepState.FAILED, words, last, FALLBACK_WORDS)
        return self._result(False, words, last_seen=last, fallback=FALLBACK_WORDS)

    def last_seen(self) -> str:
        """What the charger last did since the switch, in words."""
        station = self.central.stations.get(self.charger_id)
        since = self._switched_at_us or 0
        parts: list[str] = []
        refusal = station.last_refusal if station is not None else None
        if refusal and int(refusal.get("ts_us") or 0) >= since:
            parts.append(f"Its last attempt was refused: {refusal.get('reason')}"
                         + (f" ({refusal['advice']})" if refusal.get("advice") else "") + ".")
        failures = [e for e in self.central.store.events() if e.kind == "refused"
                    and e.ts_us >= since and (e.detail.get("extra") or {}).get("tls_failure")]
        if failures:
            parts.append(f"A TLS handshake on the wss:// port failed: "
                         f"{failures[-1].detail.get('reason')} (the client is not known "
                         "before TLS completes; it may be this charger).")
        facts = connection_security(self.central, self.charger_id)
        if facts is not None:
            state = "still connected" if facts["open"] else "its last connection"
            profile = ("no credentials" if facts["profile"] is None
                       else f"profile {facts['profile']}")
            parts.append(f"Last seen: {state} over {facts['scheme']}:// ({profile} by its "
                         "handshake).")
        return " ".join(parts) or "The charger has not been seen since the switch."


def _status(answer: Any) -> str:
    if not isinstance(answer, dict):
        return "Error"
    if "status" in answer:
        return str(answer["status"])
    results = answer.get("setVariableResult") or []
    if results and isinstance(results[0], dict):
        return str(results[0].get("attributeStatus", "Error"))
    return "Error"


def _what(request: OcppRequest) -> str:
    """A request in words, without secrets (the URL and profile are not secret)."""
    payload = request.payload
    if "key" in payload:
        return f"{request.action} {payload['key']}={payload.get('value')}"
    if request.action == "SetNetworkProfile":
        data = payload.get("connectionData") or {}
        return (f"SetNetworkProfile slot {payload.get('configurationSlot')} "
                f"({data.get('ocppCsmsUrl')}, profile {data.get('securityProfile')})")
    items = payload.get("setVariableData") or []
    if items:
        item = items[0]
        return (f"{request.action} {item['component']['name']}.{item['variable']['name']}="
                f"{item.get('attributeValue')}")
    return request.action
