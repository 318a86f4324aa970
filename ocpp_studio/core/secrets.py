"""Which configuration keys, device-model variables and payload fields hold credentials.

One rule for the whole studio: frame redaction (display, exports, ``serve`` output),
the configuration editor and API (``ConfigItem.secret``) and saved snapshots all ask
``is_secret_name``. It is deliberately a name rule: vendor keys such as ``WifiPassword``
or ``Cst_ApiToken`` are not in any catalogue, and a password must not leak just because
a charger maker chose a new name for it.
"""

from __future__ import annotations

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


__all__ = ["is_secret_name"]
