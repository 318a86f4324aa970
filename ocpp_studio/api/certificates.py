"""Control API routes: certificates a charger holds, CSR approvals, security events (issue 15),
added by ``ControlApi.build_app``:

- GET  /chargers/{id}/certificates[?read=1&kind=csms&kind=...]
                                        the security state (installed certificates, CSRs,
                                        ISO 15118 refusals, warnings); ``read=1`` first asks
                                        the charger (GetInstalledCertificateIds)
- POST /chargers/{id}/certificates/install     {"kind", "certificate": PEM | path |
                                                "studio-ca", "timeout"?}
- POST /chargers/{id}/certificates/delete      {"serial"} (as listed) or {"hash_data": {...}}
- POST /chargers/{id}/certificates/trigger-csr {"kind"?: "charging-station"|"v2g",
                                                "timeout"?: s to wait for CertificateSigned,
                                                "wait_for_approval"?: bool (sign_csrs ask;
                                                default: answer once the CSR is pending)}
- GET  /csrs[?charger=ID]               CSRs waiting for approval (``sign_csrs`` ask)
- GET  /chargers/{id}/csrs              every CSR of the charger and what became of it
- POST /chargers/{id}/csrs/{csr}/approve   sign it and send CertificateSigned
- POST /chargers/{id}/csrs/{csr}/reject    {"reason"?}
- GET  /chargers/{id}/security-events   SecurityEventNotifications, critical ones flagged

Operations answer 200 with ``ok`` and words from the charger's answer, 400 for unusable input,
404 for a charger that is not connected (or unknown), 502 when the charger gave no usable
answer to a read.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Awaitable, Callable

from aiohttp import web

from ..core.rpc import ConnectionClosed
from ..security.ca import CaError
from ..station.certificates import RPC_FAILURES, CertificateManager, rpc_failure_words
from ..station.model import Station
from .replies import error_reply, json_body, json_reply

if TYPE_CHECKING:
    from .server import ControlApi

log = logging.getLogger(__name__)

MAX_CSR_WAIT_S = 300.0
Handler = Callable[[web.Request], Awaitable[web.Response]]


def _timeout(body: dict[str, Any], default: float | None = None) -> float | None:
    value = body.get("timeout")
    return float(value) if value not in (None, "") else default


def _guarded(handler: Handler) -> Handler:
    """Input errors -> 400, a charger not connected -> 404, in words."""
    async def run(request: web.Request) -> web.Response:
        try:
            return await handler(request)
        except ConnectionClosed as exc:
            return error_reply(404, "NotConnected", str(exc))
        except KeyError as exc:
            return error_reply(404, "NotFound", str(exc.args[0] if exc.args else exc))
        except (ValueError, TypeError, CaError, NotImplementedError) as exc:
            return error_reply(400, "BadRequest", str(exc))
        except OSError as exc:  # the studio CA's folder cannot be read or written
            return error_reply(500, "StudioError", str(exc))
    return run


def certificate_routes(api: "ControlApi") -> list[web.RouteDef]:
    """The routes, on ``api.central``'s CertificateManager."""
    central = api.central
    manager: CertificateManager = central.certificates

    def station_of(request: web.Request) -> Station:
        charger = request.match_info["charger"]
        station = central.stations.get(charger)
        if station is None:
            raise KeyError(f"Charger {charger!r} has never connected")
        return station

    def state(station: Station) -> dict[str, Any]:
        manager.refresh(station)
        return {"charger": station.charger_id, "connected": station.connected,
                "version": station.version.label if station.version else None,
                "sign_csrs": manager.policy, "organisation": manager.organisation,
                **station.security.to_json()}

    async def certificates(request: web.Request) -> web.Response:
        station = station_of(request)
        if request.query.get("read") in ("1", "true", "yes"):
            kinds = request.query.getall("kind", [])
            try:
                await manager.list_installed(station.charger_id, kinds)
            except RPC_FAILURES as exc:
                if isinstance(exc, ConnectionClosed):
                    raise
                return error_reply(502, "ChargerError",
                                   rpc_failure_words("GetInstalledCertificateIds", exc))
        return json_reply(state(station))

    async def install(request: web.Request) -> web.Response:
        station, body = station_of(request), await json_body(request)
        if not body.get("kind") or not body.get("certificate"):
            raise ValueError('give {"kind": "csms"|"manufacturer"|"v2g"|"mo", '
                             '"certificate": PEM text, a file path or "studio-ca"}')
        outcome = await manager.install(station.charger_id, str(body["kind"]),
                                        str(body["certificate"]), _timeout(body))
        return json_reply(outcome.to_json())

    async def delete(request: web.Request) -> web.Response:
        station, body = station_of(request), await json_body(request)
        hash_data = body.get("hash_data")
        if not isinstance(hash_data, dict):
            if not body.get("serial"):
                raise ValueError('give {"serial": as listed} or {"hash_data": {...}}')
            hash_data = manager.find_installed(station.charger_id, str(body["serial"]))
        outcome = await manager.delete(station.charger_id, hash_data, _timeout(body))
        return json_reply(outcome.to_json())

    async def trigger_csr(request: web.Request) -> web.Response:
        station, body = station_of(request), await json_body(request)
        wait = min(_timeout(body, 60.0) or 60.0, MAX_CSR_WAIT_S)
        outcome = await manager.request_csr(
            station.charger_id, wait, str(body.get("kind") or "charging-station"),
            stop_when_pending=not body.get("wait_for_approval", False))
        return json_reply(outcome.to_json())

    async def pending(request: web.Request) -> web.Response:
        charger = request.query.get("charger") or None
        return json_reply([{"charger": c, **r.to_json()} for c, r in manager.pending(charger)])

    async def csrs(request: web.Request) -> web.Response:
        station = station_of(request)
        return json_reply([r.to_json() for r in station.security.csrs])

    def csr_id(request: web.Request) -> int:
        try:
            return int(request.match_info["csr"])
        except ValueError:
            raise ValueError(f"a CSR id is a number, not {request.match_info['csr']!r}") \
                from None

    async def approve(request: web.Request) -> web.Response:
        station = station_of(request)
        record = await manager.approve(station.charger_id, csr_id(request))
        return json_reply(record.to_json())

    async def reject(request: web.Request) -> web.Response:
        station, body = station_of(request), await json_body(request)
        record = manager.reject(station.charger_id, csr_id(request),
                                str(body.get("reason") or ""))
        return json_reply(record.to_json())

    async def events(request: web.Request) -> web.Response:
        station = station_of(request)
        return json_reply([e.to_json() for e in station.security.events])

    base = "/api/v1/chargers/{charger}"
    return [
        web.get(f"{base}/certificates", _guarded(certificates)),
        web.post(f"{base}/certificates/install", _guarded(install)),
        web.post(f"{base}/certificates/delete", _guarded(delete)),
        web.post(f"{base}/certificates/trigger-csr", _guarded(trigger_csr)),
        web.get("/api/v1/csrs", _guarded(pending)),
        web.get(f"{base}/csrs", _guarded(csrs)),
        web.post(f"{base}/csrs/{{csr}}/approve", _guarded(approve)),
        web.post(f"{base}/csrs/{{csr}}/reject", _guarded(reject)),
        web.get(f"{base}/security-events", _guarded(events)),
    ]
