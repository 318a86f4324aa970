"""``logs``: fetch a charger's diagnostics or security log (issue 16)."""

from __future__ import annotations

import argparse


def register(commands: argparse._SubParsersAction) -> None:
    """Add the ``logs`` command (not written yet)."""
