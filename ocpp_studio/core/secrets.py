"""Which configuration keys, device-model variables and payload fields hold credentials.

One rule for the whole studio: frame redaction (display, exports, ``serve`` output),
the configuration editor and API (``ConfigItem.secret``) and saved snapshots all ask
``is_secret_name``. It is deliberately a name rule: vendor keys such as ``WifiPassword``
or ``Cst_ApiToken`` are not in any catalogue, and a password must not leak just because
a charger maker chose a new name for it.
"""

from __future__ import annotations

import logging
import re

#: Any name containing one of these holds a secret (``BasicAuthPassword``, ``apnPassword``,
#: ``WifiPassword``, ``ClientSecret``, ``WpaPassphrase``).
_SECRET_PARTS = ("password", "passwd", "passphrase", "secret")
#: A name ending in one of these holds a secret (``simPin``, ``WifiPsk``).
_SECRET_ENDINGS = ("simpin", "psk")
#: So does a name ending in one of these after some qualifier (``AuthorizationKey``,
#: ``vpn.key``, ``ApiToken``; a bare ``key`` or ``Token`` is not enough) ...
_QUALIFIED_ENDINGS = ("key", "token")
#: ... unless what comes before says otherwise: a public key is no secret, an ``idToken``
#: (2.0.1 IdTokenType) is the driver's RFID/app identifier that every Authorize carries,
#: and 1.6 GetConfiguration answers list settings under ``configurationKey``/``unknownKey``.
_NOT_SECRET_ENDINGS = ("publickey", "idtoken", "configurationkey", "unknownkey")

_SEPARATORS = re.compile(r"[^a-z0-9]")


def is_secret_name(name: object) -> bool:
    """True for a key/variable/field name whose value is a credential.

    ``GetConfigurationMaxKeys``, ``SupportedFeatureProfiles``, ``TokenReader.Token`` and
    ``idToken`` are not; a bare ``key``/``token`` is not either (1.6 ChangeConfiguration's
    ``key`` names the setting): qualify a nested field with its parent (``vpn.key``).
    """
    if not isinstance(name, str):
        return False
    flat = _SEPARATORS.sub("", name.lower())
    if any(part in flat for part in _SECRET_PARTS):
        return True
    if flat.endswith(_SECRET_ENDINGS):
        return True
    if flat.endswith(_NOT_SECRET_ENDINGS):
        return False
    return any(flat.endswith(ending) and len(flat) > len(ending) for ending in _QUALIFIED_ENDINGS)


# ------------------------------------------------ credentials in library logs
#: Loggers of the websockets library: at DEBUG they print every handshake header (the
#: charger's ``Authorization: Basic …``) and the start of every frame (ChangeConfiguration
#: of AuthorizationKey). The studio's own capture shows frames, with passwords masked.
WEBSOCKETS_LOGGERS = ("websockets", "websockets.server", "websockets.client")
#: Headers whose value is a credential.
SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie"})
HIDDEN = "[hidden]"


class CredentialFilter(logging.Filter):
    """Rewrites websockets' debug records so that no credential reaches any handler."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if not isinstance(args, tuple) or not args:
            return True
        if record.msg in ("> %s: %s", "< %s: %s") and len(args) == 2 \
                and str(args[0]).lower() in SECRET_HEADERS:
            scheme = str(args[1]).split(" ", 1)[0] if " " in str(args[1]) else ""
            record.args = (args[0], f"{scheme} {HIDDEN}".strip())
        elif record.msg in ("> %s", "< %s") and len(args) == 1 and _is_data_frame(args[0]):
            frame = args[0]
            record.args = (f"{frame.opcode.name} {HIDDEN} [{len(frame.data)} bytes]",)
        return True


def _is_data_frame(value: object) -> bool:
    opcode = getattr(value, "opcode", None)
    return getattr(opcode, "name", None) in ("TEXT", "BINARY", "CONT") \
        and hasattr(value, "data")


_FILTER = CredentialFilter()


def hide_credentials_in_library_logs() -> None:
    """Install the credential filter on the websockets loggers (idempotent). A filter on a
    logger sees the records created on it, so each logger websockets uses gets one."""
    for name in WEBSOCKETS_LOGGERS:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)


__all__ = ["CredentialFilter", "hide_credentials_in_library_logs", "is_secret_name"]
