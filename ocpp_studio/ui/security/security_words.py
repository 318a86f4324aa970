"""How a charger is connected and what went wrong with TLS, in an installer's words (no Qt).

Used by the charger card, the connection timeline and the Security tab, so the three say the
same thing. The facts come from the handshake (``security/tls.py`` TlsInfo as recorded on the
connection and its "connected" event) and from TLS refusals (``TlsFailure`` kinds).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

#: What to do about each TlsFailure kind (security/tls.py), said after its reason.
TLS_ADVICE = {
    "no-common-protocol": "Set the charger to TLS 1.2 or newer (or update its firmware): "
                          "OCPP needs TLS 1.2+ with the AES-GCM cipher suites.",
    "unknown-ca": "Install the studio CA on the charger as its central-system root "
                  "(Security tab › Install…, or Preferences › Security › Export studio CA…), "
                  "or trust the CA that issued the charger's certificate (Preferences › "
                  "Security › Also trust CA file).",
    "expired": "Check the charger's clock, then renew the certificate: with Preferences › "
               "Security › Client certificates set to Optional the charger can connect, and "
               "the Security tab's upgrade gets it a new one (CSR signed by the studio).",
    "not-yet-valid": "Check the charger's clock (and this laptop's): the certificate is "
                     "valid from a later date.",
    "cn-mismatch": "The certificate must be issued for this charger id (CN = charger id): "
                   "install the right one on the charger, or set Preferences › Security › "
                   "Client certificates to Optional so it can connect and get a new one from "
                   "the Security tab's upgrade.",
    "name-mismatch": "The certificate does not name the address used: connect with a host "
                     "name or address the certificate lists.",
    "organisation-mismatch": "The certificate's organisation (O) is not the one set in "
                             "Preferences › Security: re-issue it or change the setting.",
    "no-client-certificate": "Set Preferences › Security › Client certificates to Optional "
                             "so the charger can connect, then move it to profile 3 from the "
                             "Security tab (the studio signs its certificate).",
    "bad-certificate": "The certificate was refused: check which CA issued it and that the "
                       "charger has the studio CA installed.",
    "plain-http": "The charger used ws:// on the wss:// port: set its backend URL to "
                  "wss://…, or point it at the ws:// port.",
    "closed": "The charger hung up during TLS: it most likely does not trust the studio's "
              "certificate. Install the studio CA on it (Security tab › Install…).",
}


@dataclass(frozen=True)
class ConnectionSecurity:
    """One connection's security facts, from the handshake."""

    scheme: str                      # "ws" or "wss"
    tls_version: str | None = None   # "TLSv1.3"
    cipher: str | None = None
    client_certificate: dict[str, Any] | None = None
    password_form: str | None = None     # "text" / "bytes" (1.6 AuthorizationKey)
    authenticated_by: str | None = None  # "client certificate" (profile 3)
    auth_user: str | None = None

    @property
    def encrypted(self) -> bool:
        return self.scheme == "wss"

    @property
    def profile(self) -> int:
        """The OCPP security profile this connection matches (0 = no password, no TLS)."""
        if not self.encrypted:
            return 1 if self.auth_user else 0
        return 3 if self.client_certificate else 2


def connection_security(connection: Any) -> ConnectionSecurity | None:
    """From a ``ConnectionRecord`` (``.scheme``/``.tls``) or a "connected" event's detail
    (``extra.scheme``/``extra.tls``); None when nothing says how it connected."""
    if connection is None:
        return None
    if isinstance(connection, dict):
        facts = dict(connection.get("extra") or {})
        facts.update({k: connection[k] for k in ("scheme", "tls") if k in connection})
        auth_user = connection.get("auth_user")
    else:
        facts = dict(getattr(connection, "extra", None) or {})
        for name in ("scheme", "tls", "password_form", "authenticated_by"):
            value = getattr(connection, name, None)
            if value is not None:
                facts[name] = value
        auth_user = getattr(connection, "auth_user", None)
    tls = _as_dict(facts.get("tls"))
    scheme = facts.get("scheme") or ("wss" if tls else None)
    if scheme is None:
        return None
    return ConnectionSecurity(
        scheme=str(scheme), tls_version=tls.get("version"), cipher=tls.get("cipher"),
        client_certificate=_as_dict(tls.get("client_certificate")) or None,
        password_form=facts.get("password_form"),
        authenticated_by=facts.get("authenticated_by"), auth_user=auth_user)


def tls_version_words(version: str | None) -> str:
    """"TLSv1.3" -> "TLS 1.3"."""
    if not version:
        return "TLS"
    return version.replace("TLSv", "TLS ")


def connection_line(security: ConnectionSecurity | None) -> str:
    """The card's line: "wss · TLS 1.3 · client certificate CN=… expires …" or
    "ws (not encrypted)"."""
    if security is None:
        return ""
    if not security.encrypted:
        return "ws (not encrypted)"
    parts = ["wss", tls_version_words(security.tls_version)]
    cert = security.client_certificate
    if cert:
        cn = cert.get("common_name") or cert.get("subject") or "?"
        parts.append(f"client certificate CN={cn} expires {day(cert.get('not_after'))}")
    elif security.auth_user:
        parts.append("password")
    else:
        parts.append("no client certificate")
    return " · ".join(parts)


def password_form_words(form: str | None) -> str:
    """How the charger sent its Basic-auth password (1.6 AuthorizationKey: A00.FR.205)."""
    if form == "bytes":
        return "the bytes its AuthorizationKey's hex digits encode"
    if form == "text":
        return "text"
    return "an unrecorded form"


def tls_failure_kind(detail: dict[str, Any]) -> str | None:
    """The TlsFailure kind of a refusal (a failed handshake or a profile 3 check)."""
    extra = detail.get("extra") or {}
    for source in (extra, detail):
        kind = source.get("tls_failure") or source.get("tls_refusal")
        if kind:
            return str(kind)
    return None


def tls_refusal_words(detail: dict[str, Any]) -> str | None:
    """A TLS refusal's reason followed by what to do; None for other refusals."""
    kind = tls_failure_kind(detail)
    if kind is None:
        return None
    reason = str(detail.get("reason") or kind).rstrip(".")
    advice = TLS_ADVICE.get(kind)
    return f"{reason}. {advice}" if advice else f"{reason}."


def day(iso: Any) -> str:
    """An ISO time as its UTC day ("2027-11-26"), "?" when unreadable."""
    moment = parse_time(iso)
    return f"{moment:%Y-%m-%d}" if moment else "?"


def parse_time(iso: Any) -> datetime | None:
    if not iso:
        return None
    try:
        moment = datetime.fromisoformat(str(iso).replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _as_dict(value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    if isinstance(value, dict):
        return value
    if hasattr(value, "as_dict"):
        return dict(value.as_dict())
    if hasattr(value, "__dataclass_fields__"):
        from dataclasses import asdict  # noqa: PLC0415
        return asdict(value)
    return {}
