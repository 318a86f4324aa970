"""Control API routes: log retrieval and firmware updates through the studio's file server (issue 16), added by ``ControlApi.build_app``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

if TYPE_CHECKING:
    from .server import ControlApi


def transfer_routes(api: "ControlApi") -> list[web.RouteDef]:
    """The routes (none yet)."""
    return []
