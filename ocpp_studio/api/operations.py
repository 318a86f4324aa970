"""Control API routes of the charger operations (issue 16 §1), added by ``ControlApi``:

- GET  /chargers/{id}/operations          the operations of the charger's OCPP version,
                                          with their fields and which values are dangerous
- POST /chargers/{id}/operations/{name}   {"fields": {...}, "confirm": bool, "timeout"?,
                                           "follow_window_s"?} -> the OperationResult;
                                          409 with the consequence when a dangerous value
                                          was not confirmed, 400 for unusable fields
"""

from __future__ import annotations

import logging

from aiohttp import web

from ..core.frames import loads
from ..core.rpc import ConnectionClosed
from ..station.central import CentralSystem
from ..station.operations import OperationError, operations_for, run_operation
from .replies import error_reply, json_reply

log = logging.getLogger(__name__)


def operation_routes(central: CentralSystem) -> list[web.RouteDef]:
    async def listing(request: web.Request) -> web.Response:
        charger = request.match_info["charger"]
        try:
            version = central.version_of(charger)
        except ConnectionClosed as exc:
            return error_reply(404, "UnknownCharger", str(exc))
        return json_reply({"charger": charger, "version": version.label,
                           "operations": [op.describe(version) for op in operations_for(version)]})

    async def run(request: web.Request) -> web.Response:
        charger, name = request.match_info["charger"], request.match_info["name"]
        try:
            text = await request.text()
            body = loads(text) if text.strip() else {}
            fields = body.get("fields") or {}
            if not isinstance(body, dict) or not isinstance(fields, dict):
                raise TypeError("fields must be an object")
            timeout = float(body["timeout"]) if body.get("timeout") is not None else None
            window = (float(body["follow_window_s"])
                      if body.get("follow_window_s") is not None else None)
        except (ValueError, TypeError, AttributeError) as exc:
            return error_reply(400, "BadRequest", f"Body must be JSON {{\"fields\": object, "
                               f"\"confirm\": bool}}: {exc}")
        try:
            result = await run_operation(central, charger, name, fields,
                                         confirm=bool(body.get("confirm", False)),
                                         timeout=timeout, follow_window_s=window)
        except OperationError as exc:
            return error_reply(400, "BadOperation", str(exc))
        except ConnectionClosed as exc:
            return error_reply(404, "NotConnected", str(exc))
        return json_reply(result.to_json(), 409 if result.needs_confirmation else 200)

    return [web.get("/api/v1/chargers/{charger}/operations", listing),
            web.post("/api/v1/chargers/{charger}/operations/{name}", run)]
