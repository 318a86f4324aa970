"""Control API routes: certificates a charger holds, CSR approvals, security events (issue 15), added by ``ControlApi.build_app``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

if TYPE_CHECKING:
    from .server import ControlApi


def certificate_routes(api: "ControlApi") -> list[web.RouteDef]:
    """The routes (none yet)."""
    return []
