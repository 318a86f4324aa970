"""The control API's bearer token."""

from __future__ import annotations

import secrets


def new_token() -> str:
    """192 random bits in hex. Not URL-safe base64: a token starting with "-" was read by
    the CLI's argument parser as an option ("--token -x...: expected one argument"), and
    every command given that token failed (1 start in 64)."""
    return secrets.token_hex(24)
