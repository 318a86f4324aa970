"""The local control API: HTTP + JSON on loopback, for scripts and automated checks.

Off by default. Listens on 127.0.0.1 only and wants ``Authorization: Bearer
<token>``; the token is random per start, printed and written to a file next
to the capture database (readable only by the user). Endpoints (all under
/api/v1):

- GET  /chargers                      every known charger with identity and state
- GET  /chargers/{id}                 one charger, with its connection history
- DELETE /chargers/{id}               forget a charger (its frames and events stay);
                                      409 while it is connected
- POST /chargers/{id}/call            {"action", "payload", "timeout"?, "allow_invalid"?}
                                      -> the charger's reply
- GET  /frames?charger=&action=&direction=&after_id=&problems=1&text=&limit=
- GET  /events?charger=
- POST /chargers/{id}/one-second      {"enabled": true|false} -> the 1-second mode result
- POST /chargers/{id}/one-second/restart-session   stop and start the session, measure again
- GET  /chargers/{id}/meter?connector=&since_us=
                                      latest samples per series (all after since_us)
- GET  /chargers/{id}/configuration?full=1
                                      read every setting now (1.6 GetConfiguration, 2.0.1
                                      GetBaseReport ConfigurationInventory, FullInventory with
                                      full=1) -> the snapshot (secrets redacted)
- POST /chargers/{id}/configuration   {"changes": {key: value} | template,
                                       "confirm_dangerous": bool, "dry_run": bool}
                                      -> {"plan", "results", "reboot_required", "undo"}
- GET    /chargers/{id}/offpeak       off-peak status (hours, installed profile ids, delay)
- POST   /chargers/{id}/offpeak       {"hours": WeeklyHours json | "default" | null,
                                       "randomised_delay_s": int?, "max_power_w": float?}
                                      -> {"ok", "steps", "explanation", "installed"}
- DELETE /chargers/{id}/offpeak       clear everything the studio installed
- GET|POST /chargers/{id}/operations[/{name}]  charger operations (``api/operations.py``)
- GET    /chargers/{id}/offpeak/check?days=7   the charger's own schedule against what was
                                      installed -> {"evidence", "summary", "mismatches", ...}
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aiohttp import web

from ..capture.jsonl import event_line, frame_line
from ..capture.store import CaptureStore, FrameQuery
from ..core.frames import loads
from ..core.records import Direction
from ..core.rpc import CallError, CallTimeout, ConnectionClosed, InvalidPayload
from ..metering.one_second import OneSecondMode
from ..metering.series import MeteringService
from ..station.central import CentralSystem, ChargerConnectedError
from .certificates import certificate_routes
from .replies import error_reply as _error, json_reply as _json
from .security_upgrade import security_upgrade_routes
from .token import new_token
from .operations import operation_routes
from .transfers import transfer_routes

if TYPE_CHECKING:
    from ..commissioning.service import CommissioningService
    from ..configuration.service import ConfigurationService
    from ..smartcharging.service import SmartChargingService

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


def registry_dir() -> Path:
    """The user's runtime folder where a running studio registers ``port -> token``.

    So a client given only ``--api PORT`` finds the token whatever capture the studio uses.
    """
    import platformdirs
    import warnings
    with warnings.catch_warnings():  # no XDG_RUNTIME_DIR: platformdirs warns, then uses /tmp
        warnings.simplefilter("ignore")
        return Path(platformdirs.user_runtime_dir("ocpp-studio", appauthor=False))


def registered_token_file(port: int) -> Path:
    """The token file registered by the studio whose control API listens on ``port``."""
    return registry_dir() / f"api-{port}.token"


def _register_token(port: int, token: str) -> Path | None:
    folder = registry_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.chmod(folder, 0o700)  # the token is a credential: only this user may list or read it
        path = registered_token_file(port)
        write_token(path, token)
        os.chmod(path, 0o600)  # O_CREAT's mode does not apply to a file left by a crash
    except OSError as exc:
        log.warning("cannot register the control API token in %s: %s", folder, exc)
        return None
    return path



class ControlApi:
    """aiohttp application serving the control API for one CentralSystem."""

    def __init__(self, central: CentralSystem, store: CaptureStore, port: int,
                 token: str | None = None, one_second: OneSecondMode | None = None,
                 metering: MeteringService | None = None,
                 configuration: "ConfigurationService | None" = None,
                 smart_charging: "SmartChargingService | None" = None,
                 commissioning: "CommissioningService | None" = None) -> None:
        self.central = central
        self.commissioning = commissioning
        self.smart_charging = smart_charging
        self.configuration = configuration
        self.store = store
        self.one_second = one_second
        self.metering = metering
        self.requested_port = port
        self.token = token or new_token()
        self._runner: web.AppRunner | None = None
        self._site: web.TCPSite | None = None
        self.registered_token_file: Path | None = None

    @property
    def port(self) -> int:
        assert self._site is not None and self._site._server is not None
        return self._site._server.sockets[0].getsockname()[1]

    def build_app(self) -> web.Application:
        app = web.Application(middlewares=[self._authenticate])
        app.add_routes([
            web.get("/api/v1/chargers", self._chargers),
            web.get("/api/v1/chargers/{charger}", self._charger),
            web.delete("/api/v1/chargers/{charger}", self._forget),
            web.post("/api/v1/chargers/{charger}/call", self._call),
            web.post("/api/v1/chargers/{charger}/one-second", self._one_second),
            web.post("/api/v1/chargers/{charger}/one-second/restart-session",
                     self._one_second_restart),
            web.get("/api/v1/chargers/{charger}/meter", self._meter),
            web.get("/api/v1/chargers/{charger}/configuration", self._configuration_get),
            web.post("/api/v1/chargers/{charger}/configuration", self._configuration_post),
            web.get("/api/v1/chargers/{charger}/offpeak", self._offpeak_get),
            web.post("/api/v1/chargers/{charger}/offpeak", self._offpeak_post),
            web.delete("/api/v1/chargers/{charger}/offpeak", self._offpeak_delete),
            web.get("/api/v1/chargers/{charger}/offpeak/check", self._offpeak_check),
            web.post("/api/v1/chargers/{charger}/commission", self._commission),
            web.get("/api/v1/frames", self._frames),
            web.get("/api/v1/events", self._events),
            *operation_routes(self.central), *certificate_routes(self), *transfer_routes(self),
            *security_upgrade_routes(self),
        ])
        return app

    async def start(self) -> None:
        self._runner = web.AppRunner(self.build_app(), access_log=None)
        await self._runner.setup()
        self._site = web.TCPSite(self._runner, LOOPBACK, self.requested_port)
        await self._site.start()
        log.info("control API on http://%s:%s/api/v1", LOOPBACK, self.port)
        self.registered_token_file = _register_token(self.port, self.token)

    async def stop(self) -> None:
        if self.registered_token_file is not None:
            # only our own registration: another studio may have the port by now
            with contextlib.suppress(OSError):
                if self.registered_token_file.read_text(encoding="utf-8").strip() == self.token:
                    self.registered_token_file.unlink()
            self.registered_token_file = None
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

    async def _forget(self, request: web.Request) -> web.Response:
        charger = request.match_info["charger"]
        try:
            self.central.forget(charger)
        except ChargerConnectedError as exc:
            return _error(409, "ChargerConnected", str(exc))
        except KeyError:
            return _error(404, "UnknownCharger", "No charger with that id is known")
        return _json({"forgotten": charger})

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
                direction=Direction(q["direction"]) if q.get("direction") else None,
                after_id=int(q["after_id"]) if q.get("after_id") else None,
                problems_only=q.get("problems") in ("1", "true", "yes"),
                text=q.get("text") or None, limit=min(int(q.get("limit", 1000)), 100_000),
                newest_first=q.get("order") == "newest")
            frames = self.store.frames(query)
        except ValueError as exc:
            return _error(400, "BadRequest", str(exc))
        reveal = request.query.get("reveal") in ("1", "true", "yes")
        return _json([frame_line(f, reveal_secrets=reveal) for f in frames])

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

    async def _one_second_restart(self, request: web.Request) -> web.Response:
        if self.one_second is None:
            return _error(503, "Unavailable", "1-second mode is not available in this studio")
        charger = request.match_info["charger"]
        result = await self.one_second.restart_session(charger)
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

    # ------------------------------------------------------- configuration
    @staticmethod
    def _protocol_error(exc: Exception) -> web.Response:
        if isinstance(exc, ConnectionClosed):
            return _error(404, "NotConnected", str(exc))
        if isinstance(exc, CallTimeout):
            return _error(504, "Timeout", str(exc))
        if isinstance(exc, CallError):
            return _error(502, "CallError", str(exc), code=exc.code,
                          description=exc.description)
        if isinstance(exc, InvalidPayload):
            return _error(422, "InvalidPayload", str(exc),
                          violations=[v.as_dict() for v in exc.violations])
        raise exc

    async def _configuration_get(self, request: web.Request) -> web.Response:
        if self.configuration is None:
            return _error(503, "Unavailable", "Configuration is not available in this studio")
        full = request.query.get("full") in ("1", "true", "yes")
        try:
            snapshot = await self.configuration.read_all(request.match_info["charger"], full)
        except (ConnectionClosed, CallTimeout, CallError, InvalidPayload) as exc:
            return self._protocol_error(exc)
        return _json(snapshot.to_json(redact_secrets=True))

    async def _configuration_post(self, request: web.Request) -> web.Response:
        from ..configuration.templates import TemplateError, apply_template, check_template
        if self.configuration is None:
            return _error(503, "Unavailable", "Configuration is not available in this studio")
        service = self.configuration
        charger = request.match_info["charger"]
        try:
            body = loads(await request.text())
            changes = body.get("changes", body.get("template"))
            confirm = body.get("confirm_dangerous", False)
            dry_run = body.get("dry_run", False)
            if not isinstance(changes, dict) or not isinstance(confirm, bool) \
                    or not isinstance(dry_run, bool):
                raise TypeError("changes must be an object (settings or a template); "
                                "confirm_dangerous and dry_run true or false")
            template = None
            if "format" in changes:
                template = check_template(changes)
                changes = dict(template["settings"])
            if not all(isinstance(v, str) for v in changes.values()):
                raise TypeError("every value must be a string, as OCPP carries it")
        except TemplateError as exc:
            return _error(400, "BadTemplate", str(exc))
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            return _error(400, "BadRequest", f"Body must be JSON {{\"changes\": {{key: value}}, "
                          f"\"confirm_dangerous\": bool}}: {exc}")
        try:
            base = service.latest(charger)
            if base is None or not dry_run and template is not None:
                base = await service.read_all(charger)
            if template is not None and template["ocpp_version"] != base.version:
                return _error(400, "BadTemplate", f"The template is for OCPP "
                              f"{template['ocpp_version']} but {charger} speaks {base.version}")
            plan = service.plan(charger, changes, base)
            secret = {k for k, item in base.items.items() if item.secret}
            secret |= {p.key for p in plan if "password" in p.key.lower()
                       or p.key == "AuthorizationKey"}
            out: dict[str, Any] = {
                "charger": charger, "version": base.version,
                "plan": [dict(p.to_json(p.key in secret),
                              unchanged=p.before == p.after and p.before is not None)
                         for p in plan],
                "results": [], "reboot_required": False, "undo": {}}
            if dry_run:
                return _json(out)
            if template is not None:
                results, undo_map = await apply_template(service, charger, template, confirm)
            else:
                # settings that already have the value are not written (as for templates)
                wanted = {p.key: p.after for p in plan
                          if p.before is None or p.before != p.after}
                results = await service.write(charger, wanted, confirm_dangerous=confirm)
                before = {p.key: p.before for p in plan}
                undo_map = {r.key: before[r.key] for r in results
                            if r.ok and before.get(r.key) is not None}
        except (ConnectionClosed, CallTimeout, CallError, InvalidPayload) as exc:
            return self._protocol_error(exc)
        except TemplateError as exc:
            return _error(400, "BadTemplate", str(exc))
        out["results"] = [r.to_json(r.key in secret) for r in results]
        out["reboot_required"] = service.reboot_needed(results)
        out["undo"] = {k: v for k, v in undo_map.items() if k not in secret}
        return _json(out)

    # ------------------------------------------------------- off-peak (issue 6)
    async def _commission(self, request: web.Request) -> web.Response:
        """Run the standard commissioning flow headless; body: a commissioning profile."""
        if self.commissioning is None:
            return _error(501, "NotAvailable", "commissioning is not available here")
        from ..commissioning.profile import CommissioningProfile
        charger = request.match_info["charger"]
        try:
            body = await request.json() if request.can_read_body else {}
            profile = CommissioningProfile.from_json(body or {})
        except (ValueError, TypeError) as exc:
            return _error(400, "BadProfile", str(exc))
        run = await self.commissioning.run_headless(charger, profile,
                                                    connect_timeout=float(
                                                        request.query.get("wait", 30)))
        return _json(run.report().to_json())

    async def _offpeak_get(self, request: web.Request) -> web.Response:
        if self.smart_charging is None:
            return _error(503, "Unavailable", "Smart charging is not available in this studio")
        charger = request.match_info["charger"]
        if charger not in self.central.stations:
            return _error(404, "UnknownCharger", "No charger with that id has connected")
        status = await self.smart_charging.status(charger)
        out = asdict(status)
        out["hours"] = status.hours.to_json() if status.hours is not None else None
        return _json(out)

    async def _offpeak_check(self, request: web.Request) -> web.Response:
        if self.smart_charging is None:
            return _error(503, "Unavailable", "Smart charging is not available in this studio")
        charger = request.match_info["charger"]
        if charger not in self.central.stations:
            return _error(404, "UnknownCharger", "No charger with that id has connected")
        try:
            days = max(1, min(7, int(request.query.get("days", 7))))
            check = await self.smart_charging.verify(charger, days)
        except ValueError as exc:
            return _error(400, "BadRequest", f"days must be an integer: {exc}")
        except (ConnectionClosed, CallTimeout, CallError, InvalidPayload) as exc:
            return self._protocol_error(exc)
        return _json({"evidence": check.evidence, "summary": check.summary,
                      "mismatches": [asdict(m) for m in check.mismatches],
                      "checks": [{"connector": c.connector, "verdict": c.verdict,
                                  "words": c.words} for c in check.checks],
                      "notes": check.notes})

    async def _offpeak_post(self, request: web.Request) -> web.Response:
        from ..smartcharging.offpeak import WeeklyHours
        if self.smart_charging is None:
            return _error(503, "Unavailable", "Smart charging is not available in this studio")
        charger = request.match_info["charger"]
        try:
            body = loads(await request.text())
            if not isinstance(body, dict):
                raise TypeError("body must be an object")
            raw = body.get("hours")
            hours = (WeeklyHours.uk_default() if raw in ("default", "uk_default")
                     else None if raw is None else WeeklyHours.from_json(raw))
            delay = body.get("randomised_delay_s")
            delay = None if delay is None else int(delay)
            max_power = body.get("max_power_w")
            max_power = None if max_power is None else float(max_power)
            if hours is None and delay is None:
                raise ValueError("give \"hours\" and/or \"randomised_delay_s\"")
        except (ValueError, KeyError, TypeError, IndexError) as exc:
            return _error(400, "BadRequest", f"Body must be JSON {{\"hours\": ..., "
                          f"\"randomised_delay_s\": int}}: {exc}")
        try:
            results = []
            if hours is not None:
                results.append(await self.smart_charging.apply_hours(charger, hours, max_power))
            if delay is not None and (not results or results[0].ok):
                results.append(await self.smart_charging.set_randomised_delay(charger, delay))
        except (ConnectionClosed, CallTimeout, CallError, InvalidPayload) as exc:
            return self._protocol_error(exc)
        return _json({"ok": all(r.ok for r in results),
                      "steps": [asdict(s) for r in results for s in r.steps],
                      "explanation": " ".join(r.explanation for r in results),
                      "installed": results[-1].installed})

    async def _offpeak_delete(self, request: web.Request) -> web.Response:
        if self.smart_charging is None:
            return _error(503, "Unavailable", "Smart charging is not available in this studio")
        try:
            result = await self.smart_charging.clear(request.match_info["charger"])
        except (ConnectionClosed, CallTimeout, CallError, InvalidPayload) as exc:
            return self._protocol_error(exc)
        return _json(asdict(result))
