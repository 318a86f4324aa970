"""Step 7: the unique password and the security profile for production."""

from __future__ import annotations

from ...core.rpc import CallError, CallTimeout
from ..model import OK, CommissioningContext, Evidence, StepFailed, StepRecord
from .base import BaseStep, generate_password


class SecurityStep(BaseStep):
    step_id = "security"
    title = "Security"
    description = ("Generates a unique password of random letters and digits for the charger's "
                   "connection to the operator, shows it once, and records the security profile "
                   "chosen for the production connection.")
    password_length = 24

    async def run(self, ctx: CommissioningContext) -> StepRecord:
        password = ctx.choices.get("password")
        if not (isinstance(password, str) and 16 <= len(password) <= 40 and password.isalnum()):
            password = generate_password(self.password_length)
            ctx.choices["password"] = password
        profile = int(ctx.choices.get("security_profile", ctx.profile.security_profile))
        evidence = [Evidence("Password (shown once)", password, "secret"),
                    Evidence("Password length", str(len(password)),
                             "random letters and digits (Python secrets)"),
                    Evidence("Security profile for production", str(profile),
                             {0: "no security (not for production)",
                              1: "basic auth over ws:// (not encrypted)",
                              2: "TLS + basic auth", 3: "TLS + client certificate"}[profile])]
        written = "not written"
        if ctx.choices.get("write_password"):
            # Written now only when the installer asks for it: normally the password goes to
            # the charger at hand-over, together with the production URL that needs it.
            written = await write_password(ctx, password, evidence)
        security_log = ctx.studio.store.frames(charger=ctx.charger_id,
                                               action="SecurityEventNotification", limit=1)
        # "chosen" is not "in force": the report's encryption item needs the charger's own
        # value (1.6 security whitepaper SecurityProfile, 2.0.1 SecurityCtrlr.SecurityProfile)
        current = await charger_security_profile(ctx)
        evidence.append(Evidence("Security profile on the charger now",
                                 "not reported" if current is None else str(current)))
        ctx.data["security"] = {"profile": profile, "password_length": len(password),
                                "password_written": written,
                                "security_log_seen": bool(security_log),
                                "charger_profile": current}
        evidence.append(Evidence("Security log", "SecurityEventNotification seen"
                                 if security_log else "none seen yet"))
        where = (" and written to the charger" if written in OK else
                 "; it is written to the charger at hand-over, with the production URL")
        now = ("" if current is None else
               f" The charger is on security profile {current} now; the studio does not change it.")
        return self.passed(f"A {len(password)}-character password was generated{where}; "
                           f"security profile {profile} chosen for production.{now}", evidence)


async def charger_security_profile(ctx: CommissioningContext) -> int | None:
    """The security profile the charger reports now, None when it does not say."""
    key = ctx.adapter.security_profile_setting
    try:
        value = (await ctx.studio.configuration.refresh(ctx.charger_id, [key])).value(key)
    except (CallError, CallTimeout):
        return None
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


async def write_password(ctx: CommissioningContext, password: str,
                         evidence: list[Evidence]) -> str:
    """Write the basic-auth password (1.6 security whitepaper AuthorizationKey, 2.0.1
    SecurityCtrlr.BasicAuthPassword); raise StepFailed when the charger refuses it."""
    key = ctx.adapter.basic_auth_password_setting
    [result] = await ctx.write_settings({key: password}, confirm_dangerous=True, secret=True)
    evidence.append(Evidence(key, "(hidden)", result.status))
    if not result.ok:
        raise StepFailed(f"The charger refused the new password ({result.status}"
                         f"{': ' + result.detail if result.detail else ''}).", evidence)
    security = ctx.data.setdefault("security", {})
    security["password_written"] = result.status
    return result.status


def password_pending(ctx: CommissioningContext) -> str | None:
    """The generated password when the charger does not have it yet."""
    password = ctx.choices.get("password")
    written = (ctx.data.get("security") or {}).get("password_written")
    return password if isinstance(password, str) and written not in OK else None
