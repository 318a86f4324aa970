"""``security``: guided security profile upgrade, passwords (issue 15)."""

from __future__ import annotations

import argparse


def register(commands: argparse._SubParsersAction) -> None:
    """Add the ``security`` command (not written yet)."""
