"""The control API's answers and request bodies, one way for every route module: JSON with
the studio's own encoder (``core.frames.dumps``), errors as ``{"error", "message"}``."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from ..core.frames import dumps, loads


def json_reply(data: Any, status: int = 200) -> web.Response:
    return web.Response(text=dumps(data), status=status, content_type="application/json")


def error_reply(status: int, kind: str, message: str, **extra: Any) -> web.Response:
    return json_reply({"error": kind, "message": message, **extra}, status)


async def json_body(request: web.Request) -> dict[str, Any]:
    """The request's JSON object ({} for an empty body); TypeError for anything else."""
    text = await request.text()
    body = loads(text) if text.strip() else {}
    if not isinstance(body, dict):
        raise TypeError("the body must be a JSON object")
    return body
