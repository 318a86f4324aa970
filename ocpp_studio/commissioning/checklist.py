"""The UK Smart Charge Points Regulations checklist of the commissioning report.

Each item says only what the charger showed (issue 14 §1): **met** needs the charger's own
evidence (its answer, its schedule, its samples, its setting read back); **not met** says why and
what would fix it; **not verified** means applied but the charger gave no way to check; **not
applicable** says why. "Chosen" or "generated" is never "met". Requirements: the Electric
Vehicles (Smart Charge Points) Regulations 2021 as the OCA application note reads them
(``reference/regulations/``: §2.6 off-peak, §2.7 randomised delay, §2.8 security).
"""

from __future__ import annotations

import re
from typing import Any

from ..smartcharging.offpeak import WeeklyHours
from ..station.adapters import adapter_for
from .model import OK, ChecklistItem, ItemStatus

MET, NOT_MET = ItemStatus.MET.value, ItemStatus.NOT_MET.value
NOT_VERIFIED, NOT_APPLICABLE = ItemStatus.NOT_VERIFIED.value, ItemStatus.NOT_APPLICABLE.value

#: App note §2.7: the two ways the delay can be provided.
DELAY_SETTINGS = "1.6 RandomisedDelay, 2.0.1 SmartChargingCtrlr.RandomisedDelay"
PRODUCTION_DELAY_ACTION = (
    "The production central system must provide the randomised delay (OCA application note "
    "§2.7, second method: after each session it installs a new 0 W relative TxDefaultProfile "
    "of random length, up to 600 s). Ask the operator to confirm it does.")
UK_DEFAULT_WORDS = "no charging 08:00-11:00 and 16:00-22:00 on weekdays"

_JSON_BLOB = re.compile(r"[\[{][^\n]*?[\]}]|[\[{].*[\]}]", re.S)


def plain(text: Any, limit_json: int = 60) -> str:
    """Text fit for a report line: one line, no raw JSON request or answer pasted in (it is in
    the capture), and a whole sentence (a list cut off mid-way gets no full stop of its own)."""
    words = "" if text is None else str(text)

    def blob(match: re.Match[str]) -> str:
        found = match.group(0)
        return found if len(found) <= limit_json and "\n" not in found else "(details in the capture)"
    words = _JSON_BLOB.sub(blob, words)
    return " ".join(words.split())


def sentence(text: Any) -> str:
    """``plain`` text ending as a sentence."""
    words = plain(text)
    if words and not words.endswith((".", "!", "?", ".)", "?)", "!)")):
        words += "."
    return words


def uk_checklist(report_data: dict[str, Any]) -> list[ChecklistItem]:
    """The checklist from report data (``CommissioningReport.to_json`` form, or a dict with
    some of its keys: a missing key means that step was not done)."""
    items = [_offpeak_hours(report_data), _owner_choice(report_data),
             _randomised_delay(report_data), _one_second(report_data),
             _password(report_data), _encryption(report_data), _security_log(report_data),
             _clock(report_data)]
    for item in items:
        item.evidence, item.action = sentence(item.evidence), sentence(item.action)
    return items


def outstanding(items: list[ChecklistItem]) -> list[ChecklistItem]:
    """The items that are neither met nor not applicable: what remains to do."""
    return [i for i in items if i.status not in (MET, NOT_APPLICABLE)]


# ---------------------------------------------------------------- off-peak (app note §2.6)
def _offpeak_hours(data: dict[str, Any]) -> ChecklistItem:
    name = "Default charging hours outside peak"
    offpeak = dict(data.get("offpeak") or {})
    choice = offpeak.get("choice", data.get("offpeak_choice"))
    hours = offpeak.get("hours", data.get("offpeak_hours"))
    if choice is None:
        return ChecklistItem(name, NOT_MET, "The off-peak step was not done.",
                             "Run the step 'UK off-peak hours and randomised delay'.")
    installed = offpeak.get("installed")
    answer = offpeak.get("answer") or "no answer recorded"
    if choice == "none":
        if installed:
            return ChecklistItem(name, NOT_APPLICABLE,
                                 "The owner chose to remove the default hours (the regulations "
                                 "allow it): the charger may charge at any time.")
        return ChecklistItem(name, NOT_MET, f"The owner chose to remove the default hours, but "
                             f"the charger's profiles could not be removed ({answer}).",
                             "Clear the charging profiles on the Charging hours tab, then run "
                             "the off-peak step again.")
    what = (f"UK default hours ({UK_DEFAULT_WORDS})" if choice == "default"
            else "The owner's own hours")
    if choice == "default" and hours and not _is_uk_default(hours):
        return ChecklistItem(name, NOT_MET, "The hours installed are not the UK default hours.",
                             "Run the off-peak step again with the default hours.")
    if installed is False and answer == "nothing sent":
        return ChecklistItem(name, NOT_MET, f"{what} not installed: "
                             f"{_lower(offpeak.get('explanation') or 'nothing was sent.')}",
                             "Change the hours or the charger's smart-charging limits as the "
                             "explanation says, then run the off-peak step again.")
    if installed is False:
        lacking = any(code in answer for code in ("NotImplemented", "NotSupported"))
        why = (f"the charger does not implement smart charging (it answered {answer} to "
               "SetChargingProfile)" if lacking
               else f"the charger answered {answer} to SetChargingProfile")
        return ChecklistItem(name, NOT_MET, f"{what} not installed: {why}; nothing is in force.",
                             "Enable smart charging on the charger (SupportedFeatureProfiles / "
                             "SmartChargingCtrlr.Enabled) or ask the manufacturer for firmware "
                             "that supports it, then run the off-peak step again.")
    verified = offpeak.get("verified")
    check = offpeak.get("check") or ""
    if installed and verified is True:
        return ChecklistItem(name, MET, f"{what} installed (the charger answered Accepted); "
                             f"{_lower(check or "the charger's own schedule matches them.")}")
    if installed and verified is False:
        return ChecklistItem(name, NOT_MET, f"{what} installed, but {_lower(check)}",
                             "Check the charger's clock and time zone, then run the off-peak "
                             "step again.")
    return ChecklistItem(name, NOT_VERIFIED,
                         f"{what} installed (the charger answered Accepted), but "
                         f"{_lower(check or 'the charger gave no schedule to check them against.')}",
                         "Check the charging hours on the charger's own app or web page, or ask "
                         "the manufacturer how its schedule can be read.")


def _is_uk_default(hours: Any) -> bool:
    try:
        return WeeklyHours.from_json(hours).to_json() == WeeklyHours.uk_default().to_json()
    except (TypeError, ValueError, KeyError):
        return False


def _lower(text: str) -> str:
    """A sentence continued after a comma."""
    return text[:1].lower() + text[1:]


def _owner_choice(data: dict[str, Any]) -> ChecklistItem:
    choice = (data.get("offpeak") or {}).get("choice", data.get("offpeak_choice"))
    words = {"default": "accept the default hours", "none": "remove the default hours",
             "custom": "change them to the owner's own hours"}
    if not choice:
        return ChecklistItem("Owner's choice recorded (accept, remove or change)", NOT_MET,
                             "No choice recorded.", "Run the off-peak step with the owner.")
    return ChecklistItem("Owner's choice recorded (accept, remove or change)", MET,
                         f"Owner's choice: {choice} ({words.get(choice, choice)}).")


# ---------------------------------------------------------------- randomised delay (§2.7)
def _randomised_delay(data: dict[str, Any]) -> ChecklistItem:
    name = "Randomised delay"
    delay = dict(data.get("randomised_delay") or {})
    asked = delay.get("asked_s", data.get("randomised_delay_s"))
    if asked is None:
        return ChecklistItem(name, NOT_MET, "Not set: the off-peak step was not done.",
                             "Run the step 'UK off-peak hours and randomised delay'.")
    method = delay.get("method")
    setting = delay.get("setting") or "RandomisedDelay"
    if method != "charger":
        return ChecklistItem(name, NOT_MET,
                             "The charger has no randomised-delay setting of its own "
                             f"({DELAY_SETTINGS}), so it does not randomise start times by "
                             "itself; the studio left no delay profile on it.",
                             PRODUCTION_DELAY_ACTION)
    answer, read_back = delay.get("answer"), delay.get("read_back_s")
    if answer not in OK:
        return ChecklistItem(name, NOT_MET, f"The charger answered {answer} to {setting}={asked}.",
                             f"Set {setting} to 600 on the charger's own setup page, or ask the "
                             "manufacturer which values it accepts.")
    if read_back is None:
        return ChecklistItem(name, NOT_VERIFIED, f"{setting}={asked} was accepted, but the "
                             "charger did not give the value back.",
                             f"Check {setting} on the charger's own setup page.")
    if int(read_back) != int(asked):
        return ChecklistItem(name, NOT_MET, f"{setting}={asked} was accepted, but the charger "
                             f"reads {read_back} s.", f"Set {setting} to {asked} on the charger.")
    if not 0 < int(read_back) <= 1800:
        return ChecklistItem(name, NOT_MET, f"The charger's {setting} is {read_back} s: 0 cancels "
                             "the delay, more than 1800 s is out of range.",
                             f"Set {setting} to 600 (the default) unless the owner cancelled it.")
    default = " (the default)" if int(read_back) == 600 else ""
    return ChecklistItem(name, MET, f"The charger's own {setting} reads {read_back} s{default}: "
                         "a random delay of up to that at each start or change of charging rate "
                         "(at most 1800 s).")


# ---------------------------------------------------------------- metering
def _one_second(data: dict[str, Any]) -> ChecklistItem:
    name = "1-second power measurement available over the network"
    cadence = data.get("cadence")
    if not cadence or cadence.get("mean_s") is None:
        return ChecklistItem(name, NOT_MET, "Not measured.", "Run the Metering step.")
    mean = float(cadence["mean_s"])
    text = f"Measured mean interval {mean:.2f} s over {cadence.get('samples')} samples"
    if mean <= 1.5:
        return ChecklistItem(name, MET, text + ".")
    return ChecklistItem(name, NOT_MET, text + ": the charger does not report every second.",
                         "Ask the manufacturer for firmware that reports power every second.")


# ---------------------------------------------------------------- security (§2.8)
def _password(data: dict[str, Any]) -> ChecklistItem:
    """Met only when the charger accepted the generated password (A01.FR.03): its answer to
    ChangeConfiguration AuthorizationKey / SetVariables SecurityCtrlr.BasicAuthPassword."""
    name = "Unique password of 16-40 random characters"
    security = data.get("security") or {}
    length = security.get("password_length")
    if not length or not 16 <= int(length) <= 40:
        return ChecklistItem(name, NOT_MET, "No password generated.", "Run the Security step.")
    written = security.get("password_written")
    if written == "Accepted":
        return ChecklistItem(name, MET, f"{length} random characters, generated for this "
                             "charger and written to it (the charger answered Accepted).")
    if written == "RebootRequired":
        return ChecklistItem(name, NOT_VERIFIED, f"{length} random characters written; "
                             "the charger applies them only after a restart.",
                             "Restart the charger and check it connects to the operator.")
    handover = data.get("handover") or {}
    if written in (None, "not written"):
        why = ("hand-over, which writes it with the production URL, was not done"
               if not handover.get("done") else "it was not written")
    elif str(written).startswith("no answer"):
        why = "the charger gave no answer, so whether it took it is unknown"
    else:
        why = f"the charger answered {written}, so it keeps its old password (A01.FR.04)"
    return ChecklistItem(name, NOT_MET, f"A {length}-character password was generated but is "
                         f"not on the charger: {why}.",
                         "Set the password on the charger together with the production URL "
                         "(the hand-over step, the Security step, or the charger's own setup "
                         "page).")


def _encryption(data: dict[str, Any]) -> ChecklistItem:
    """Met only when the charger was seen connected over TLS at profile 2 or 3 (its wss://
    handshake with a password or a client certificate); the value it reports is not enough."""
    name = "Encrypted communication (security profile 2 or 3)"
    security = data.get("security") or {}
    chosen, current = security.get("profile"), security.get("charger_profile")
    seen = security.get("tls") or {}
    if seen.get("scheme") == "wss" and seen.get("profile") in (2, 3):
        how = ", ".join(str(v) for v in (seen.get("tls_version"), seen.get("cipher")) if v)
        who = "a client certificate" if seen.get("client_certificate") else "its password"
        return ChecklistItem(name, MET, f"The charger was seen connected over TLS with {who}: "
                             f"security profile {seen['profile']}"
                             + (f" ({how})" if how else "") + ".")
    upgrade = "Run the security upgrade (Security step, or ocpp-studio security upgrade)"
    if current in (2, 3):
        return ChecklistItem(name, NOT_VERIFIED, f"The charger reports security profile "
                             f"{current}, but it was not seen connected over TLS during "
                             "commissioning.",
                             f"{upgrade}, or check the charger connects to the operator over "
                             "wss://.")
    now = ("the charger does not report its security profile" if current is None
           else f"the charger is on security profile {current}")
    if chosen is None:
        return ChecklistItem(name, NOT_MET, f"No security profile chosen; {now}.",
                             "Run the Security step.")
    if chosen not in (2, 3):
        return ChecklistItem(name, NOT_MET, f"Security profile {chosen} chosen for production: "
                             f"not encrypted; {now}.",
                             "Choose security profile 2 (TLS + password) or 3 (TLS + client "
                             "certificate) with the operator.")
    failed = (security.get("upgrade") or {}).get("words")
    return ChecklistItem(name, NOT_MET, f"Security profile {chosen} was chosen for production, "
                         f"but {now} and it was not seen connected over TLS"
                         + (f"; the upgrade said: {failed}" if failed else "") + ".",
                         f"{upgrade} to move the charger to profile {chosen}, or the operator "
                         "does it when it joins the production central system.")


def _needs_extension(version: str | None) -> bool:
    """Whether the version has a security log only with the security extension (1.6)."""
    try:
        return adapter_for(version or "").security_log_needs_extension
    except ValueError:  # "?": the version was never known
        return False


def _security_log(data: dict[str, Any]) -> ChecklistItem:
    security = data.get("security") or {}
    profile = security.get("charger_profile", security.get("profile"))
    if security.get("security_log_seen"):
        return ChecklistItem("Security log", MET, "The charger sent SecurityEventNotification.")
    if _needs_extension(data.get("version")) and profile in (None, 0):
        return ChecklistItem("Security log", NOT_APPLICABLE,
                             "OCPP 1.6 without the security extension has no security log.")
    return ChecklistItem("Security log", NOT_VERIFIED,
                         "No SecurityEventNotification was seen during commissioning: the "
                         "charger gave no sign of its security log.",
                         "Ask the manufacturer to confirm the charger keeps a security log.")


# ---------------------------------------------------------------- clock
def _clock(data: dict[str, Any]) -> ChecklistItem:
    name = "Charger clock (the charging hours follow it)"
    clock = data.get("clock")
    if not clock:
        return ChecklistItem(name, NOT_MET, "The clock step was not done.",
                             "Run the step 'Clock and heartbeat'.")
    offset, limit = clock.get("offset_s"), float(clock.get("max_offset_s") or 60)
    if offset is None:
        return ChecklistItem(name, NOT_VERIFIED, "Not measurable: the charger sent no message "
                             "carrying its time.",
                             "Check the charger's time on its display or setup page.")
    if abs(float(offset)) <= limit:
        shown = "within 0.1 s of" if abs(float(offset)) < 0.05 else f"{float(offset):+.1f} s from"
        return ChecklistItem(name, MET, f"The charger's time is {shown} the laptop's.")
    return ChecklistItem(name, NOT_MET, f"The charger's clock is {float(offset):+.0f} s off.",
                         "Set its time source (NTP) or check its time zone, then run the "
                         "off-peak step again.")
