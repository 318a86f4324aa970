"""``cert``: certificates a charger holds: list, install, delete (issue 15)."""

from __future__ import annotations

import argparse


def register(commands: argparse._SubParsersAction) -> None:
    """Add the ``cert`` command (not written yet)."""
