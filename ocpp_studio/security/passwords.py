"""Basic-auth passwords for security profiles 1 and 2.

The UK regulations §2.8.2 ask for a password unique to the charger, not derived from public
information; OCPP answers with "a randomly chosen string of at least 16 and at most 40
characters" (regulations app note, citing A00.FR.205 / A00.FR.304). Passwords here come from
``secrets`` (the operating system's CSPRNG, A00.FR.802).

Two shapes:

- OCPP 2.0.1 ``SecurityCtrlr.BasicAuthPassword`` is a *passwordString* sent as UTF-8 text
  (2.0.1 A00.FR.205): ``generate_password`` uses letters and digits only, a subset of
  passwordString every charger's keypad and every web form accepts.
- OCPP 1.6 ``AuthorizationKey`` is "minimal 16-bytes long ... hexadecimal represented (20 bytes
  maximum, represented as a string of up to 40 hexadecimal digits)" (1.6 whitepaper
  A00.FR.205). Chargers differ on what they then send as the Basic-auth password: the hex text
  itself, or the bytes it encodes. ``match_password`` accepts both and says which one matched,
  so the studio can record the charger's habit.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import re
import secrets
import string
from enum import StrEnum

MIN_LENGTH = 16
MAX_LENGTH = 40
DEFAULT_LENGTH = 24
#: Letters and digits: inside 2.0.1's passwordString set and safe on any charger's web form.
ALPHABET = string.ascii_letters + string.digits
#: 2.0.1 passwordString (errata 2025-09): a-z, A-Z, 0-9 and * - _ = : + | @ .
PASSWORD_STRING = re.compile(r"^[A-Za-z0-9*\-_=:+|@.]*$")
#: 1.6 AuthorizationKey: 16 to 20 bytes written as 32 to 40 hex digits (A00.FR.205).
MIN_KEY_BYTES = 16
MAX_KEY_BYTES = 20
_HEX = re.compile(r"^[0-9A-Fa-f]*$")


class PasswordForm(StrEnum):
    """How a charger's Basic-auth password relates to the stored password / key."""

    TEXT = "text"    # the password (or the AuthorizationKey's hex digits) as typed
    BYTES = "bytes"  # the bytes the AuthorizationKey's hex digits encode (1.6 only)


def generate_password(length: int = DEFAULT_LENGTH) -> str:
    """A random 16-40 character password of letters and digits (BasicAuthPassword, 2.0.1)."""
    if not MIN_LENGTH <= length <= MAX_LENGTH:
        raise ValueError(f"a charger password has {MIN_LENGTH} to {MAX_LENGTH} characters "
                         f"(regulations §2.8.2, A00.FR.205), not {length}")
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def generate_authorization_key(num_bytes: int = MAX_KEY_BYTES) -> str:
    """A random 1.6 ``AuthorizationKey``: 16-20 random bytes as 32-40 hex digits
    (A00.FR.205: "randomly generated binary ... hexadecimal represented")."""
    if not MIN_KEY_BYTES <= num_bytes <= MAX_KEY_BYTES:
        raise ValueError(f"an AuthorizationKey holds {MIN_KEY_BYTES} to {MAX_KEY_BYTES} bytes, "
                         f"not {num_bytes}")
    return secrets.token_hex(num_bytes)


def password_problems(password: str) -> list[str]:
    """Why ``password`` is not a valid 2.0.1 BasicAuthPassword, in plain words."""
    problems: list[str] = []
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        problems.append(f"the password has {len(password)} characters; OCPP and the UK "
                        f"regulations ask for {MIN_LENGTH} to {MAX_LENGTH}")
    if not PASSWORD_STRING.match(password):
        bad = sorted({c for c in password if not PASSWORD_STRING.match(c)})
        problems.append("the password contains characters OCPP 2.0.1 does not allow: "
                        + " ".join(repr(c) for c in bad))
    return problems


def authorization_key_problems(key: str) -> list[str]:
    """Why ``key`` is not a valid 1.6 AuthorizationKey (A00.FR.205), in plain words."""
    problems: list[str] = []
    if not _HEX.match(key):
        problems.append("the AuthorizationKey must be hexadecimal digits (0-9, a-f) only")
    if len(key) % 2:
        problems.append("the AuthorizationKey has an odd number of hex digits")
    if not MIN_KEY_BYTES * 2 <= len(key) <= MAX_KEY_BYTES * 2:
        problems.append(f"the AuthorizationKey has {len(key)} hex digits; OCPP 1.6 asks for "
                        f"{MIN_KEY_BYTES * 2} to {MAX_KEY_BYTES * 2} (16 to 20 bytes)")
    return problems


def match_password(received: bytes | str, stored: str) -> PasswordForm | None:
    """Which form of ``stored`` the charger sent as its Basic-auth password, None for none.

    ``received`` is the password part of the Basic-auth header after base64 decoding, as
    bytes: the bytes form is usually not valid UTF-8. Comparisons are constant-time.
    """
    got = received.encode("utf-8") if isinstance(received, str) else received
    if hmac.compare_digest(got, stored.encode("utf-8")):
        return PasswordForm.TEXT
    if stored and _HEX.match(stored) and len(stored) % 2 == 0:
        # A charger may send the hex digits in the other case: still the same key as text.
        if hmac.compare_digest(got.lower(), stored.lower().encode("ascii")):
            return PasswordForm.TEXT
        if hmac.compare_digest(got, bytes.fromhex(stored)):
            return PasswordForm.BYTES
    return None


def basic_auth(header: str | None) -> tuple[str, bytes] | None:
    """User and password of an ``Authorization: Basic`` header, the password as bytes (the
    bytes form of an AuthorizationKey is usually not UTF-8); None without valid Basic auth.
    The user is the charger id (A00.FR.204/A00.FR.303)."""
    if not header or not header[:6].lower() == "basic ":
        return None
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True)
    except (binascii.Error, ValueError):
        return None
    user, separator, password = decoded.partition(b":")
    if not separator:
        return None
    return user.decode("utf-8", "replace"), password
