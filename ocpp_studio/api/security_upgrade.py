"""Control API routes for the guided security upgrade and password changes (issue 15 §1, §3),
added by ``ControlApi.build_app``.

- POST /chargers/{id}/security/password   {"password"?: text}: write a new password (generated
  by the studio in the version's form when none is given) -> the charger's answer and whether
  the studio now expects the new one (A01.FR.03/04), and ``password_kept_in``: the file it was
  saved in for the next start (``serve``: the user's settings file), null = memory only; the
  password itself is never returned.
- POST /chargers/{id}/security/upgrade    {"profile": 2|3, "confirm": true, "timeout"?: s,
  "root_pem"?: PEM, "wss_url"?: URL, "new_password"?: bool} -> newline-delimited JSON, one
  line per happening as it happens: {"event": "start", ...}, {"event": "step", ...},
  {"event": "countdown", "remaining_s"}, then {"event": "result", ...}. Without ``confirm`` -> 409 with the downgrade warning (the spec
  forbids going back down over OCPP).
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from aiohttp import web

from ..core.frames import dumps
from ..core.rpc import ConnectionClosed
from ..security.ca import CaError, StudioCA
from ..settings import studio_ca_dir
from ..station.security_steps import change_password, password_saver
from ..station.security_upgrade import DOWNGRADE_WARNING, SecurityUpgrade, choose_wss_url
from .replies import error_reply as _error, json_reply as _json

if TYPE_CHECKING:
    from .server import ControlApi

log = logging.getLogger(__name__)


def _studio(api: "ControlApi") -> Any:
    """The running studio (urls, settings), when the API was started by one."""
    return getattr(api.commissioning, "studio", None)


def kept_in(api: "ControlApi") -> Path | None:
    """The file a password the charger accepted is saved to (``Studio.passwords_file``, set by
    ``serve``), None when the studio keeps it in memory only."""
    path = getattr(_studio(api), "passwords_file", None)
    return Path(path) if path else None


def _persist(api: "ControlApi", charger_id: str) -> Callable[[], object] | None:
    """How the new password of ``charger_id`` survives a restart (``kept_in``)."""
    return password_saver(kept_in(api), api.central, charger_id)


def upgrade_sources(api: "ControlApi", charger_id: str, body: dict[str, Any]
                    ) -> tuple[str, str]:
    """(wss URL, root PEM) for the upgrade: given in the body, else the studio's wss URL on the
    address the charger reached and the studio CA. ValueError says what is missing."""
    studio = _studio(api)
    url = body.get("wss_url")
    if not url:
        session = api.central.sessions.get(charger_id)
        reached = session.handshake.local if session is not None else ""
        urls = studio.urls() if studio is not None and hasattr(studio, "urls") else []
        url = choose_wss_url(list(urls), reached)
    if not url:
        raise ValueError("The studio does not listen on wss:// (start it with --wss-port, or "
                         "Preferences › Security), so the charger has nowhere to go")
    pem = body.get("root_pem")
    if not pem:
        csms = getattr(getattr(studio, "settings", None), "csms", None)
        if csms is not None and getattr(csms, "tls_cert_file", ""):
            raise ValueError("The studio's server certificate is your own (--cert): give its "
                             "root certificate (root_pem / --root FILE)")
        folder = (getattr(csms, "ca_dir", "") if csms is not None else "") or studio_ca_dir()
        manager = getattr(api.central, "certificates", None)
        try:  # the CA that signs the charger's CSRs is the one its server certificate uses
            pem = manager.ca_pem() if manager is not None else \
                StudioCA(folder).certificate_pem()
        except (CaError, OSError) as exc:
            raise ValueError(f"The studio CA cannot be read: {exc}") from None
    return str(url), str(pem)


def security_upgrade_routes(api: "ControlApi") -> list[web.RouteDef]:
    async def password(request: web.Request) -> web.Response:
        charger_id = request.match_info["charger"]
        body = await _body(request)
        given = body.get("password")
        if given is not None and not isinstance(given, str):
            return _error(400, "BadRequest", "password must be text")
        try:
            change = await change_password(api.central, charger_id, given or None,
                                           persist=_persist(api, charger_id),
                                           timeout=_number(body.get("timeout")))
        except ConnectionClosed as exc:
            return _error(409, "NotConnected", str(exc))
        return _json({"charger": charger_id, **change.to_json(), "accepted": change.accepted,
                      **_where_kept(api, change.in_force)})

    async def upgrade(request: web.Request) -> web.StreamResponse:
        charger_id = request.match_info["charger"]
        body = await _body(request)
        try:
            profile = int(body.get("profile"))
        except (TypeError, ValueError):
            return _error(400, "BadRequest", "profile must be 2 or 3")
        if profile not in (2, 3):
            return _error(400, "BadRequest", "profile must be 2 or 3")
        if charger_id not in api.central.sessions:
            return _error(409, "NotConnected", f"Charger {charger_id!r} is not connected")
        if body.get("confirm") is not True:
            return _error(409, "NotConfirmed", DOWNGRADE_WARNING, warning=DOWNGRADE_WARNING)
        try:
            url, pem = upgrade_sources(api, charger_id, body)
        except ValueError as exc:
            return _error(409, "NotReady", str(exc))
        studio = _studio(api)
        own = [u.rstrip("/") for u in (studio.urls() if hasattr(studio, "urls") else [])]
        flow = SecurityUpgrade(api.central, charger_id, profile, wss_url=url, root_pem=pem,
                               persist=_persist(api, charger_id),
                               watch_here=url.rstrip("/") in own,
                               reconnect_timeout_s=_number(body.get("timeout")) or 180.0,
                               new_password=body.get("new_password") is True)
        return await _stream(request, flow, api)

    return [web.post("/api/v1/chargers/{charger}/security/password", password),
            web.post("/api/v1/chargers/{charger}/security/upgrade", upgrade)]


def _where_kept(api: "ControlApi", changed: bool) -> dict[str, Any]:
    """Where a new password the charger took was kept: {"password_kept_in": path or None}."""
    if not changed:
        return {}
    path = kept_in(api)
    return {"password_kept_in": str(path) if path is not None else None}


async def _stream(request: web.Request, flow: SecurityUpgrade, api: "ControlApi"
                  ) -> web.StreamResponse:
    """Run ``flow`` and send each step, countdown second and the result as one JSON line."""
    response = web.StreamResponse(headers={"Content-Type": "application/x-ndjson"})
    await response.prepare(request)
    lines: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue()
    last_second: list[int] = []

    def countdown(remaining: float) -> None:
        second = int(remaining)
        if not last_second or second != last_second[-1]:
            last_second.append(second)
            lines.put_nowait({"event": "countdown", "remaining_s": second})

    flow.step_changed.connect(lambda step: lines.put_nowait({"event": "step",
                                                             **step.to_json()}))
    flow.countdown.connect(countdown)
    lines.put_nowait({"event": "start", "profile": flow.profile, "wss_url": flow.wss_url,
                      "warning": DOWNGRADE_WARNING})
    task = asyncio.create_task(flow.run())
    task.add_done_callback(lambda t: lines.put_nowait(None))
    while (line := await lines.get()) is not None:
        await response.write((dumps(line) + "\n").encode("utf-8"))
    result = task.result()
    changed = any(s["key"] == "password" and s["state"] == "done" for s in result.steps)
    await response.write((dumps({"event": "result", **result.to_json(),
                                 **_where_kept(api, changed)}) + "\n").encode())
    await response.write_eof()
    return response


async def _body(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json() if request.can_read_body else {}
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _number(value: Any) -> float | None:
    try:
        return float(value) if value is not None else None
    except (TypeError, ValueError):
        return None
