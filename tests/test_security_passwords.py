"""Charger passwords (regulations §2.8.2) and the 1.6 AuthorizationKey in both forms."""

from __future__ import annotations

import base64
import secrets
import string

import pytest

from ocpp_studio.security import passwords
from ocpp_studio.security.passwords import (
    PasswordForm, authorization_key_problems, basic_auth, generate_authorization_key, generate_password,
    match_password, password_problems)


@pytest.mark.parametrize("length", [16, 24, 40])
def test_generated_password_length_and_characters(length: int) -> None:
    password = generate_password(length)
    assert len(password) == length
    assert set(password) <= set(string.ascii_letters + string.digits)
    assert password_problems(password) == []


def test_generated_passwords_differ() -> None:
    assert len({generate_password() for _ in range(50)}) == 50


@pytest.mark.parametrize("length", [15, 41, 0])
def test_password_length_outside_16_to_40_is_refused(length: int) -> None:
    with pytest.raises(ValueError, match="16 to 40 characters"):
        generate_password(length)


def test_passwords_come_from_the_secrets_csprng(monkeypatch: pytest.MonkeyPatch) -> None:
    drawn: list[str] = []

    def choice(alphabet: str) -> str:
        drawn.append(alphabet)
        return secrets.SystemRandom().choice(alphabet)

    monkeypatch.setattr(passwords.secrets, "choice", choice)
    assert len(generate_password(20)) == 20 and len(drawn) == 20
    tokens: list[int] = []
    monkeypatch.setattr(passwords.secrets, "token_hex",
                        lambda n: tokens.append(n) or "ab" * n)  # type: ignore[func-returns-value]
    assert generate_authorization_key(16) == "ab" * 16 and tokens == [16]


def test_password_problems_in_plain_words() -> None:
    assert password_problems("short") == [
        "the password has 5 characters; OCPP and the UK regulations ask for 16 to 40"]
    assert password_problems("sixteen-chars-ok:*+|@.=_") == []
    assert password_problems("with space and é letters") == [
        "the password contains characters OCPP 2.0.1 does not allow: ' ' 'é'"]


def test_authorization_key_is_16_to_20_bytes_of_hex() -> None:
    key = generate_authorization_key()
    assert len(key) == 40 and bytes.fromhex(key)
    assert authorization_key_problems(key) == []
    assert authorization_key_problems(generate_authorization_key(16)) == []
    assert authorization_key_problems("00" * 15) == [
        "the AuthorizationKey has 30 hex digits; OCPP 1.6 asks for 32 to 40 (16 to 20 bytes)"]
    assert "hexadecimal digits" in authorization_key_problems("zz" * 16)[0]
    with pytest.raises(ValueError):
        generate_authorization_key(21)


def basic_auth_password(header_value: str) -> bytes:
    """The password part of an Authorization header, as the server will read it: bytes."""
    credentials = basic_auth(header_value)
    assert credentials is not None and credentials[0] == "CP1"
    return credentials[1]


def header(user: str, password: bytes) -> str:
    return "Basic " + base64.b64encode(user.encode() + b":" + password).decode()


def test_authorization_key_matches_as_hex_text_or_as_the_bytes_it_encodes() -> None:
    key = "0123456789abcdef0123456789abcdef01234567"
    as_text = basic_auth_password(header("CP1", key.encode()))
    as_bytes = basic_auth_password(header("CP1", bytes.fromhex(key)))
    assert match_password(as_text, key) is PasswordForm.TEXT
    assert match_password(as_bytes, key) is PasswordForm.BYTES
    assert match_password(key.upper(), key) is PasswordForm.TEXT
    assert match_password(bytes.fromhex(key)[:-1], key) is None
    assert match_password("0123456789abcdef", key) is None


def test_a_plain_password_matches_only_as_text() -> None:
    assert match_password("Abcdefghijklmnop", "Abcdefghijklmnop") is PasswordForm.TEXT
    assert match_password("abcdefghijklmnop", "Abcdefghijklmnop") is None
    assert match_password(b"", "Abcdefghijklmnop") is None


def test_basic_auth_header_parsing() -> None:
    assert basic_auth(header("CP1", b"\xff\x00:x")) == ("CP1", b"\xff\x00:x")
    assert basic_auth("Bearer abc") is None
    assert basic_auth("Basic !!!") is None
    assert basic_auth("Basic " + base64.b64encode(b"no-colon").decode()) is None
    assert basic_auth(None) is None
