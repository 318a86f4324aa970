"""``firmware``: update a charger's firmware from a file (issue 16)."""

from __future__ import annotations

import argparse


def register(commands: argparse._SubParsersAction) -> None:
    """Add the ``firmware`` command (not written yet)."""
