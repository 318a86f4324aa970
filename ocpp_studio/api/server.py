"""The local control API: HTTP + JSON on loopback, for scripts and automated checks.

Off by default. Listens on 127.0.0.1 only and wants ``Authorization: Bearer
<token>``; the token is random per start, printed and written to a file next
to the capture database (readable only by the user). Endpoints (all under
/api/v1):

- GET  /chargers                      every known charger with identity and state
- GET  /chargers/{id}                 one charger, with its connection history
- POST /chargers/{id}/call            {"action", "payload", "timeout"?, "allow_invalid"?}
                                      -> the charger's reply
- GET  /frames?charger=&action=&direction=&after_id=&problems=1&text=&limit=
- GET  /events?charger=
- POST /chargers/{id}/one-second      {"enabled": true|false} -> the 1-second mode result
- GET  /chargers/{id}/meter?connector=&since_us=
                                      latest samples per series (all after since_us)
"""

from __future__ import annotations

import logging
import os
import secrets
from dataclasses import asdict
from pathlib import Path
from typing import Any

from aiohttp import web

from ..capture.jsonl import event_line, frame_line
from ..capture.store import CaptureStore, FrameQuery
from ..core.frames import dumps, loads
from ..core.rpc import CallError, CallTimeout, ConnectionClosed, InvalidPayload
from ..metering.one_second import OneSecondMode
from ..metering.series import MeteringService
from ..station.central import CentralSystem

log = logging.getLogger(__name__)

LOOPBACK = "127.0.0.1"


def token_file_for(capture_path: str | Path) -> Path:
    """Where the API token is written: beside the capture database."""
    return Path(f"{capture_path}.api-token")


def write_token(path: Path, token: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(token + "\n")


def _json(data: Any, status: int = 200) -> web.Response:
    return web.Response(text=dumps(data), status=status, content_type="application/json")


def _error(status: int, kind: str, message: str, **extra: Any) -> web.Response:
    return _json({"error": kind, "message": message, **extra}, status)


class ControlApi:
    """aiohttp application serving the control API for one CentralSystem."""

    def __init__(self, central: CentralSystem, store: CaptureStore, port: int,
                 token: str | None = None, one_second: OneSecondMode | None = None,
                 metering: MeteringService | None = None) -> None:
        self.central = central
        self.store = store
        self.one_second = one_second
        self.metering = metering
        self.requested_port = port
        self.token = token or secrets.token_urlsafe(24)
        self._runner: web.AppRunner | None = None
        self._site: web.TCPSite | None = None

    @property
    def port(self) -> int:
        assert self._site is not None and self._site._server is not None
        return self._site._server.sockets[0].getsockname()[1]

    def build_app(self) -> web.Application:
        app = web.Application(middlewares=[self._authenticate])
        app.add_routes([
            web.get("/api/v1/chargers", self._chargers),
            web.get("/api/v1/chargers/{charger}", self._charger),
            web.post("/api/v1/chargers/{charger}/call", self._call),
            web.post("/api/v1/chargers/{charger}/one-second", self._one_second),
            web.get("/api/v1/chargers/{charger}/meter", self._meter),
            web.get("/api/v1/frames", self._frames),
            web.get("/api/v1/events", self._events),
        ])
        return app

    async def start(self) -> None:
        self._runner = web.AppRunner(self.build_app(), access_log=None)
        await self._runner.setup()
        self._site = web.TCPSite(self._runner, LOOPBACK, self.requested_port)
        await self._site.start()
        log.info("control API on http://%s:%s/api/v1", LOOPBACK, self.port)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @web.middleware
    async def _authenticate(self, request: web.Request, handler: Any) -> web.StreamResponse:
        expected = f"Bearer {self.token}"
        given = request.headers.get("Authorization", "")
        if not secrets.compare_digest(given.encode(), expected.encode()):
            return _error(401, "Unauthorized", "Send 'Authorization: Bearer <token>'; the token "
                          "is printed at start and written next to the capture file")
        return await handler(request)

    # ------------------------------------------------------------- handlers
    async def _chargers(self, request: web.Request) -> web.Response:
        return _json([s.summary() for s in sorted(self.central.stations.values(),
                                                  key=lambda s: s.charger_id)])

    async def _charger(self, request: web.Request) -> web.Response:
        station = self.central.stations.get(request.match_info["charger"])
        if station is None:
            return _error(404, "UnknownCharger", "No charger with that id has connected")
        return _json({**station.summary(), "identity": station.identity,
                      "connections": [asdict(c) for c in station.connections]})

    async def _call(self, request: web.Request) -> web.Response:
        charger = request.match_info["charger"]
        try:
            body = loads(await request.text())
            action = body["action"]
            payload = body.get("payload", {})
            timeout = float(body["timeout"]) if body.get("timeout") is not None else None
            allow_invalid = bool(body.get("allow_invalid", False))
            if not isinstance(action, str) or not isinstance(payload, dict):
                raise TypeError("action must be a string and payload an object")
        except (ValueError, KeyError, TypeError) as exc:
            return _error(400, "BadRequest", f"Body must be JSON {{\"action\": str, "
                          f"\"payload\": object}}: {exc}")
        try:
            reply = await self.central.call_detailed(charger, action, payload, timeout,
                                                     allow_invalid=allow_invalid)
        except ConnectionClosed as exc:
            return _error(404, "NotConnected", str(exc))
        except InvalidPayload as exc:
            return _error(422, "InvalidPayload", str(exc),
                          violations=[v.as_dict() for v in exc.violations])
        except CallTimeout as exc:
            return _error(504, "Timeout", str(exc))
        except CallError as exc:
            return _error(502, "CallError", str(exc), code=exc.code, description=exc.description,
                          details=exc.details)
        return _json({"payload": reply.payload, "latency_ms": reply.latency_ms,
                      "violations": [v.as_dict() for v in reply.violations],
                      "frame_id": reply.record_id})

    async def _frames(self, request: web.Request) -> web.Response:
        q = request.query
        try:
            query = FrameQuery(
                charger=q.get("charger") or None, action=q.get("action") or None,
                direction=q.get("direction") or None,
                after_id=int(q["after_id"]) if q.get("after_id") else None,
                problems_only=q.get("problems") in ("1", "true", "yes"),
                text=q.get("text") or None, limit=min(int(q.get("limit", 1000)), 100_000),
                newest_first=q.get("order") == "newest")
            frames = self.store.frames(query)
        except ValueError as exc:
            return _error(400, "BadRequest", str(exc))
        return _json([frame_line(f) for f in frames])

    async def _events(self, request: web.Request) -> web.Response:
        events = self.store.events(request.query.get("charger") or None)
        return _json([event_line(e) for e in events])

    async def _one_second(self, request: web.Request) -> web.Response:
        if self.one_second is None:
            return _error(503, "Unavailable", "1-second mode is not available in this studio")
        try:
            body = loads(await request.text())
            enabled = body["enabled"]
            if not isinstance(enabled, bool):
                raise TypeError("enabled must be true or false")
        except (ValueError, KeyError, TypeError) as exc:
            return _error(400, "BadRequest", f"Body must be JSON {{\"enabled\": true|false}}: "
                          f"{exc}")
        charger = request.match_info["charger"]
        result = await (self.one_second.enable(charger) if enabled
                        else self.one_second.disable(charger))
        return _json({**asdict(result), "remembered": self.one_second.remembered(charger)})

    async def _meter(self, request: web.Request) -> web.Response:
        if self.metering is None:
            return _error(503, "Unavailable", "Metering is not available in this studio")
        charger = request.match_info["charger"]
        connector = request.query.get("connector") or None
        try:
            since_us = int(request.query["since_us"]) if request.query.get("since_us") else None
        except ValueError as exc:
            return _error(400, "BadRequest", f"since_us must be an integer: {exc}")
        out = []
        for key in self.metering.keys(charger):
            if connector is not None and key.connector != connector:
                continue
            series = self.metering.series(key)
            if series is None or not len(series):
                continue
            if since_us is None:
                last = series.last()
                samples = [[int(round(last[0] * 1e6)), last[1]]] if last else []
            else:
                ts, values = series.arrays(since_s=since_us / 1e6)
                keep = ts * 1e6 > since_us
                samples = [[int(round(t * 1e6)), float(v)]
                           for t, v in zip(ts[keep][-10_000:], values[keep][-10_000:])]
            out.append({"connector": key.connector, "measurand": key.measurand,
                        "phase": key.phase, "unit": series.unit, "samples": samples,
                        "cadence": asdict(series.cadence())})
        return _json({"charger": charger, "series": out})
