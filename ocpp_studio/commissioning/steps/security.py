"""Step 7: the unique password, the security profile, and (when asked) the guided upgrade.

What the report may claim comes only from the charger's evidence (issue 15 §3):

- "Unique password" is met only when the charger answered Accepted to the generated password
  (``station.security_steps.change_password``, A01.FR.03); the studio then expects it.
- "Encrypted communication" is met only when the charger was seen connected over TLS at
  profile 2 or 3 (its handshake: wss:// with a password, or with a client certificate).
  ``tls_seen`` finds that connection; the guided upgrade (``station.security_upgrade``) is how
  the wizard gets the charger there, when the installer asks for it and confirms.
"""

from __future__ import annotations

from typing import Any, Callable

from ...core.rpc import CallError, CallTimeout, ConnectionClosed
from ...station.security_steps import change_password, last_password_change, password_saver
from ...station.security_upgrade import DOWNGRADE_WARNING, SecurityUpgrade, choose_wss_url
from ..model import OK, CommissioningContext, Evidence, StepFailed, StepRecord
from ..security_seen import security_events, tls_seen  # noqa: F401 - used by the step, kept importable
from .base import BaseStep

PROFILE_WORDS = {0: "no security (not for production)", 1: "basic auth over ws:// (not encrypted)",
                 2: "TLS + basic auth", 3: "TLS + client certificate"}


class SecurityStep(BaseStep):
    step_id = "security"
    title = "Security"
    description = ("Generates a unique random password for the charger and shows it once; "
                   "records the security profile chosen for production and, when you ask for "
                   "it, moves the charger to security profile 2 or 3 on this laptop's wss:// "
                   "connection (the guided security upgrade).")
    password_length = 24
    upgrade_timeout_s = 180.0

    async def run(self, ctx: CommissioningContext) -> StepRecord:
        password = ctx.choices.get("password")
        if not (isinstance(password, str) and 16 <= len(password) <= 40 and password.isalnum()):
            # the version's own form: 1.6 a hex AuthorizationKey (whitepaper A00.FR.205)
            password = ctx.adapter.new_password()
            ctx.choices["password"] = password
        profile = int(ctx.choices.get("security_profile", ctx.profile.security_profile))
        evidence = [Evidence("Password (shown once)", password, "secret"),
                    Evidence("Password length", str(len(password)),
                             "random characters from the operating system's CSPRNG"),
                    Evidence("Security profile for production", str(profile),
                             PROFILE_WORDS.get(profile, "?"))]
        written = "not written"
        upgrade = ctx.choices.get("security_upgrade")
        confirmed_upgrade = bool(upgrade and ctx.choices.get("upgrade_confirmed"))
        if ctx.choices.get("write_password") or (confirmed_upgrade and int(upgrade) == 2):
            # the upgrade to profile 2 needs the password on the charger: this one, the one
            # the installer was shown (else the upgrade would make up another)
            # Written now only when the installer asks for it: normally the password goes to
            # the charger at hand-over, together with the production URL that needs it.
            written = await write_password(ctx, password, evidence)
        security = ctx.data.setdefault("security", {})
        security.update(profile=profile, password_length=len(password),
                        password_written=security.get("password_written", written))
        if upgrade:
            await self._upgrade(ctx, int(upgrade), evidence)
        current = await charger_security_profile(ctx)
        evidence.append(Evidence("Security profile on the charger now",
                                 "not reported" if current is None else str(current)))
        seen = tls_seen(ctx, run_started_us(ctx))
        evidence.append(Evidence("Seen over TLS", "yes" if seen else "no",
                                 _tls_words(seen) if seen else
                                 "the charger has not connected over wss:// during this run"))
        events = security_events(ctx, run_started_us(ctx))
        security.update(charger_profile=current, tls=seen, events=events,
                        security_log_seen=bool(events))
        evidence.append(Evidence("Security log", f"{len(events)} SecurityEventNotification"
                                 if events else "none seen yet"))
        where = (" and the charger accepted it" if security["password_written"] == "Accepted"
                 else "; it is written to the charger at hand-over, with the production URL")
        now = ("" if seen is None else
               f" The charger is connected over TLS at profile {seen['profile']}.")
        return self.passed(f"A {len(password)}-character password was generated{where}; "
                           f"security profile {profile} chosen for production.{now}", evidence)

    async def _upgrade(self, ctx: CommissioningContext, profile: int,
                       evidence: list[Evidence]) -> None:
        """The guided upgrade on the studio's own wss:// URL; its outcome is evidence."""
        if profile not in (2, 3):
            raise StepFailed(f"The upgrade goes to security profile 2 or 3, not {profile}.",
                             evidence)
        session = ctx.central.sessions.get(ctx.charger_id)
        urls = ctx.studio.urls() if hasattr(ctx.studio, "urls") else []
        url = choose_wss_url(list(urls), session.handshake.local if session else "")
        root = ctx.choices.get("root_pem") or _studio_root(ctx)
        if url is None or root is None:
            raise StepFailed("The studio does not listen on wss:// (Preferences › Security, or "
                             "serve --wss-port), so the charger cannot be moved to TLS here.",
                             evidence)
        confirmed = bool(ctx.choices.get("upgrade_confirmed"))

        async def confirm(text: str) -> bool:
            return confirmed

        flow = SecurityUpgrade(ctx.central, ctx.charger_id, profile, wss_url=url,
                               root_pem=root, confirm=confirm, persist=_saver(ctx),
                               reconnect_timeout_s=self.upgrade_timeout_s)
        result = await flow.run()
        for step in result.steps:
            if step["words"]:
                evidence.append(Evidence(f"Upgrade: {step['title']}", step["state"],
                                         _one_line(step["words"])))
        ctx.data.setdefault("security", {})["upgrade"] = {
            "profile": profile, "ok": result.ok, "words": result.words,
            "connection": result.connection}
        change = last_password_change(ctx.station)
        if change is not None:
            ctx.data["security"]["password_change"] = change.to_json()
        if not result.ok:
            hint = "" if confirmed else f" {DOWNGRADE_WARNING}"
            raise StepFailed(f"Security upgrade to profile {profile}: {result.words}{hint}",
                             evidence)


def _saver(ctx: CommissioningContext) -> Callable[[], object] | None:
    """Save a password the charger took where the studio keeps them (``serve``: the user's
    settings file, ``Studio.passwords_file``), so a restart does not lock the charger out."""
    return password_saver(getattr(ctx.studio, "passwords_file", None), ctx.central,
                          ctx.charger_id)


def _studio_root(ctx: CommissioningContext) -> str | None:
    """The studio CA's certificate (what the studio's wss:// server chains to)."""
    endpoint = getattr(ctx.studio, "wss_endpoint", None)
    settings = getattr(getattr(ctx.studio, "settings", None), "csms", None)
    if endpoint is None or settings is None or getattr(settings, "tls_cert_file", ""):
        return None  # no wss, or the user's own server certificate: its root must be given
    from ...security.ca import CaError, StudioCA
    from ...settings import studio_ca_dir
    manager = getattr(ctx.central, "certificates", None)
    try:
        if manager is not None:
            return str(manager.ca_pem())
        return StudioCA(settings.ca_dir or studio_ca_dir()).certificate_pem()
    except (CaError, OSError):
        return None


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _tls_words(seen: dict[str, Any]) -> str:
    tls = seen.get("tls") or {}
    how = ", ".join(str(v) for v in (tls.get("version"), tls.get("cipher")) if v)
    who = "client certificate" if seen.get("client_certificate") else "password"
    return (f"wss:// with its {who}: security profile {seen['profile']}"
            + (f" ({how})" if how else ""))


def run_started_us(ctx: CommissioningContext) -> int:
    """When the run began: its first step's start (0 when none started yet)."""
    starts = [r.started_us for r in ctx.records.values() if getattr(r, "started_us", None)]
    return min(starts) if starts else 0


async def charger_security_profile(ctx: CommissioningContext) -> int | None:
    """The security profile the charger reports now, None when it does not say."""
    key = ctx.adapter.security_profile_setting
    try:
        value = (await ctx.studio.configuration.refresh(ctx.charger_id, [key])).value(key)
    except (CallError, CallTimeout, ConnectionClosed):
        return None
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


async def write_password(ctx: CommissioningContext, password: str,
                         evidence: list[Evidence]) -> str:
    """Write the basic-auth password (1.6 security whitepaper AuthorizationKey, 2.0.1
    SecurityCtrlr.BasicAuthPassword) following A01.FR.03/04: the studio expects the new one
    only after Accepted. Raise StepFailed when the charger does not take it."""
    change = await change_password(ctx.central, ctx.charger_id, password, persist=_saver(ctx))
    evidence.append(Evidence(change.setting, "(hidden)", change.status))
    security = ctx.data.setdefault("security", {})
    security["password_written"] = change.status
    security["password_change"] = change.to_json()
    if change.status.startswith("no answer") or change.status not in OK:
        raise StepFailed(change.words, evidence)
    ctx.settings_changed.append((change.setting, None, "(hidden)", change.status))
    return change.status


def password_pending(ctx: CommissioningContext) -> str | None:
    """The generated password when the charger does not have it yet."""
    password = ctx.choices.get("password")
    written = (ctx.data.get("security") or {}).get("password_written")
    return password if isinstance(password, str) and written not in OK else None
