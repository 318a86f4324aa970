"""Changing settings in the configuration editor: staging and checking edits, sending
them (dangerous ones only after a confirmation), showing each answer, and the restart
that RebootRequired answers ask for.

``SettingWrites`` is a mixin of ``ConfigEditor``. The reset request comes from the
charger's OCPP version's adapter (``ConfigEditor.adapter``); the questions go through
``config_dialogs`` (looked up when asked, so tests can answer them).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from ..common.operations import AsyncOp
from . import config_dialogs as dialogs
from .config_delegates import input_problem


class SettingWrites:
    """Pending edits, Apply and Restart (a mixin of ``ConfigEditor``)."""

    # ---------------------------------------------------------------- edits
    def stage(self, key: str, value: str) -> None:
        """Keep an edit as pending and check it (in plain words) before it can be sent."""
        item = self.item_for(key)
        if item is None or item.readonly:
            return
        if value == (item.value or "") and not item.secret:
            self.pending.pop(key, None)
            self.problems.pop(key, None)
        else:
            self.pending[key] = value
            self._check(key)
        self._paint_row(key)
        self._update_state()

    def _check(self, key: str) -> None:
        self.problems.pop(key, None)
        item = self.item_for(key)
        typed = input_problem(item, self.pending[key]) if item is not None else None
        if typed:
            self.problems[key] = typed  # rejected as typed, never clamped or cut
            return
        if self.service is None or self.charger is None:
            return
        try:
            planned = self.service.plan(self.charger, {key: self.pending[key]},
                                        base=self.snapshot)
        except Exception as exc:  # noqa: BLE001 - shown as the problem
            self.problems[key] = str(exc)
            return
        for plan in planned:
            if plan.key == key and plan.problem:
                self.problems[key] = plan.problem

    def discard(self) -> None:
        keys = list(self.pending)
        self.pending.clear()
        self.problems.clear()
        for key in keys:
            self._paint_row(key)
        self._update_state()

    def apply(self) -> AsyncOp | None:
        """Send the pending edits; dangerous keys need an explicit confirmation first."""
        if not self.pending or self.problems or not self._can_talk():
            return None
        changes = dict(self.pending)
        charger = self.charger

        async def work() -> list[Any]:
            planned = self.service.plan(charger, changes, base=self.snapshot)
            dangerous = [p for p in planned if p.danger]
            if dangerous and not await dialogs.confirm_danger(self, dangerous):
                return []
            return await self.service.write(charger, changes,
                                            confirm_dangerous=bool(dangerous))

        def done(results: list[Any]) -> None:
            self._set_busy(False)
            if not results:
                self._say("Nothing was sent.")
                return
            self.show_results(results)

        self.last_op = AsyncOp(self, work, on_start=lambda: self._set_busy(
            True, f"Sending {len(changes)} change{'s' if len(changes) != 1 else ''}…"),
            on_success=done, on_failure=self._failed).run()
        return self.last_op

    def show_results(self, results: list[Any]) -> None:
        """Show each result in its row, take accepted values in, gather restart needs."""
        items = dict(self.snapshot.items) if self.snapshot is not None else {}
        for result in results:
            self.results[result.key] = result
            self.pending.pop(result.key, None)
            self.problems.pop(result.key, None)
            if result.status in ("Accepted", "RebootRequired") and result.key in items:
                items[result.key] = dataclasses.replace(items[result.key], value=result.value)
            if result.status == "RebootRequired":
                self.reboot_keys.add(result.key)
        if self.snapshot is not None:
            # a copy: the service's snapshots stay what the charger said at the time
            self.snapshot = dataclasses.replace(self.snapshot, items=items)
        for result in results:
            self._paint_row(result.key)
        ok = sum(1 for r in results if r.status == "Accepted")
        later = sum(1 for r in results if r.status == "RebootRequired")
        bad = len(results) - ok - later
        words = [f"{ok} accepted"]
        if later:
            words.append(f"{later} after a restart")
        unknown = [r for r in results if r.status == "Unknown"]
        bad -= len(unknown)
        if unknown:
            words.append(f"{len(unknown)} without an answer (may or may not have changed: "
                         "read again)")
        if bad:
            words.append(f"{bad} not accepted (see the red rows)")
        reasons = list(dict.fromkeys(r.detail for r in results
                                     if r.status in ("Unknown", "NotSent", "Error") and r.detail))
        self._say("Changes sent: " + ", ".join(words) + "."
                  + (f" {reasons[0]}" if reasons else ""))
        self._update_state()

    # -------------------------------------------------------------- restart
    def restart(self) -> AsyncOp | None:
        if not self.reboot_keys or not self._can_talk(need_service=False):
            return None
        charger = self.charger
        adapter = self.adapter()
        if adapter is None:
            self._say("The charger's OCPP version is not known: read the configuration first.")
            return None
        request = adapter.reset_request()  # a soft reset: 1.6 Soft, 2.x OnIdle

        async def work() -> Any:
            if not await dialogs.confirm_restart(self, charger, len(self.reboot_keys)):
                return None
            return await self.central.call(charger, request.action, request.payload)

        def done(answer: Any) -> None:
            self._set_busy(False)
            if answer is None:
                return
            status = answer.get("status") if isinstance(answer, dict) else answer
            if status in ("Accepted", "Scheduled"):
                self.reboot_keys.clear()
                self._say(f"The charger accepted the restart ({status}). Read the "
                          "configuration again once it is back.")
            else:
                self._say(f"The charger answered the restart with {status}.")
            self._update_state()

        self.last_op = AsyncOp(self, work, on_start=lambda: self._set_busy(
            True, "Restarting…"), on_success=done, on_failure=self._failed).run()
        return self.last_op
