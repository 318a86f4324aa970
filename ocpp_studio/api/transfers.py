"""Control API routes: log retrieval and firmware updates through the studio's file server
(issue 16), added by ``ControlApi.build_app``:

- POST /chargers/{id}/logs       {"type": "diagnostics"|"security", "scheme": "ftp"|"http",
                                  "oldest"?, "latest"?, "retries"?, "retry_interval"?,
                                  "timeout"?, "max_bytes"?} -> the transfer (its progress)
- POST /chargers/{id}/firmware   JSON {"path": local file, "scheme"?, "signing_certificate"?
                                  (PEM), "signature"? (base64), "signing_key"? (PEM),
                                  "key_password"?, "expect_version"?, "retries"?,
                                  "retry_interval"?, "timeout"?}
                                  or multipart/form-data: a ``file`` part (the image, kept in
                                  the studio's data folder) and the same names as text fields
- GET  /transfers[?charger=ID]   every transfer, oldest first
- GET  /transfers/{tid}[?wait=S] one transfer; with ``wait`` the answer comes when it has
                                  finished or after S seconds (at most 300)
- GET  /transfers/{tid}/file     the received log (404 until it has arrived)
- POST /transfers/{tid}/cancel   stop it (its server too)
- GET  /chargers/{id}/logs       the logs received from it, this run and earlier ones (on disk
                                  beside the capture), each with ``attached``
- GET  /chargers/{id}/attachments       the files attached to its commissioning report
- POST /chargers/{id}/attachments {"name": a received log's file name} or {"transfer": tid}
                                  -> attach it to the commissioning report (name, size,
                                  SHA-256, when received)

Start answers: 200 with the transfer (``state`` "refused" when the charger said no), 400 for
unusable input, 404 when the charger is not connected, 409 while another transfer of the same
kind runs for that charger.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any, Awaitable, Callable

from aiohttp import BodyPartReader, web

from ..core.rpc import ConnectionClosed
from ..station.transfers import TransferError, TransferJob, TransferManager
from .replies import error_reply, json_body, json_reply

if TYPE_CHECKING:
    from .server import ControlApi

log = logging.getLogger(__name__)

MAX_WAIT_S = 300.0
_FIRMWARE_TEXT = ("scheme", "signing_certificate", "signature", "signing_key", "key_password",
                  "expect_version", "retries", "retry_interval", "timeout", "path")


def _number(body: dict[str, Any], name: str, kind: type = int) -> Any:
    value = body.get(name)
    if value is None or value == "":
        return None
    return kind(value)


async def _firmware_form(request: web.Request, manager: TransferManager
                         ) -> dict[str, Any]:
    """A multipart body: the image streamed into the data folder, the rest as text."""
    body: dict[str, Any] = {}
    reader = await request.multipart()
    async for part in reader:
        if not isinstance(part, BodyPartReader):
            continue
        if part.name == "file" and part.filename is not None:
            target = manager.firmware_target(part.filename)
            with target.open("wb") as out:
                while chunk := await part.read_chunk(64 * 1024):
                    out.write(chunk)
            body["path"] = str(target)
        elif part.name in _FIRMWARE_TEXT:
            body[part.name] = (await part.text()).strip() or None
    if "path" not in body:
        raise TypeError("the form has no 'file' part")
    return body


def _attachable(manager: TransferManager, charger: str,
                body: dict[str, Any]) -> Path | web.Response:
    """The received log a body names (only the charger's own logs can be attached here)."""
    if body.get("transfer"):
        try:
            job = manager.job(str(body["transfer"]))
        except KeyError:
            return error_reply(404, "UnknownTransfer", f"no transfer {body['transfer']}")
        if job.charger != charger or job.kind != "log" or job.file is None:
            return error_reply(404, "NoFile", f"transfer {job.id} brought no log from {charger}")
        return job.file
    name = str(body.get("name") or "")
    for found in manager.received_logs(charger):
        if found.path.name == name:
            return found.path
    return error_reply(404, "NoFile", f"no log named {name!r} was received from {charger}; "
                       "GET /chargers/{id}/logs lists them")


def transfer_routes(api: "ControlApi") -> list[web.RouteDef]:
    manager = api.central.transfers

    async def start(work: Callable[[], Awaitable[TransferJob]]) -> web.Response:
        """Start a log fetch or firmware update: the job, or what kept it from starting."""
        try:
            job = await work()
        except ConnectionClosed as exc:
            return error_reply(404, "NotConnected", str(exc))
        except TransferError as exc:
            return error_reply(409 if "still running" in str(exc) else 400, "BadTransfer",
                               str(exc))
        except (ValueError, TypeError) as exc:
            return error_reply(400, "BadRequest", str(exc))
        return json_reply(job.snapshot().to_json())

    async def logs(request: web.Request) -> web.Response:
        charger = request.match_info["charger"]

        async def work() -> TransferJob:
            body = await json_body(request)
            kind = str(body.get("type") or "diagnostics")
            return await manager.get_log(
                charger, kind, scheme=str(body.get("scheme") or "ftp"),  # type: ignore[arg-type]
                oldest=body.get("oldest"), latest=body.get("latest"),
                retries=_number(body, "retries"),
                retry_interval=_number(body, "retry_interval"),
                timeout=_number(body, "timeout", float), max_bytes=_number(body, "max_bytes"))
        return await start(work)

    async def firmware(request: web.Request) -> web.Response:
        charger = request.match_info["charger"]

        async def work() -> TransferJob:
            if request.content_type.startswith("multipart/"):
                body = await _firmware_form(request, manager)
            else:
                body = await json_body(request)
            if not body.get("path"):
                raise TypeError("give the firmware file: 'path' (JSON) or a 'file' part")
            key = body.get("signing_key")
            password = body.get("key_password")
            return await manager.update_firmware(
                charger, Path(str(body["path"])),
                scheme=str(body.get("scheme") or "http"),  # type: ignore[arg-type]
                signing_certificate=body.get("signing_certificate") or None,
                signature=body.get("signature") or None,
                signing_key=key.encode() if key else None,
                key_password=password.encode() if password else None,
                expect_version=body.get("expect_version") or None,
                retries=_number(body, "retries"),
                retry_interval=_number(body, "retry_interval"),
                timeout=_number(body, "timeout", float))
        return await start(work)

    def find(request: web.Request) -> TransferJob | web.Response:
        """The transfer the path names, or the 404 answer."""
        tid = request.match_info["tid"]
        try:
            return manager.job(tid)
        except KeyError:
            return error_reply(404, "UnknownTransfer", f"no transfer {tid}")

    async def listing(request: web.Request) -> web.Response:
        charger = request.query.get("charger") or None
        return json_reply([job.snapshot().to_json() for job in manager.jobs(charger)])

    async def one(request: web.Request) -> web.Response:
        job = find(request)
        if isinstance(job, web.Response):
            return job
        try:
            wait = min(float(request.query.get("wait", "0")), MAX_WAIT_S)
        except ValueError:
            return error_reply(400, "BadRequest", "wait is a number of seconds")
        progress = await job.wait(wait) if wait > 0 else job.snapshot()
        return json_reply(progress.to_json())

    async def file(request: web.Request) -> web.StreamResponse:
        job = find(request)
        if isinstance(job, web.Response):
            return job
        progress = job.snapshot()
        if progress.kind != "log" or progress.file is None:
            return error_reply(404, "NoFile", f"no log has arrived for {progress.id}: "
                               f"{progress.words}")
        return web.FileResponse(progress.file, headers={
            "Content-Disposition": f'attachment; filename="{progress.file.name}"'})

    async def cancel(request: web.Request) -> web.Response:
        job = find(request)
        if isinstance(job, web.Response):
            return job
        return json_reply((await manager.cancel(job.id)).to_json())

    async def received(request: web.Request) -> web.Response:
        charger = request.match_info["charger"]
        attached = {a["path"] for a in manager.attachments(charger, digest=False)}
        return json_reply([{**f.to_json(), "attached": str(f.path) in attached}
                           for f in manager.received_logs(charger)])

    async def attachments(request: web.Request) -> web.Response:
        return json_reply(manager.attachments(request.match_info["charger"]))

    async def attach(request: web.Request) -> web.Response:
        charger = request.match_info["charger"]
        try:
            body = await json_body(request)
        except (ValueError, TypeError) as exc:
            return error_reply(400, "BadRequest", str(exc))
        path = _attachable(manager, charger, body)
        if isinstance(path, web.Response):
            return path
        manager.attach(charger, path)
        return json_reply(manager.attachments(charger))

    return [web.post("/api/v1/chargers/{charger}/logs", logs),
            web.get("/api/v1/chargers/{charger}/logs", received),
            web.get("/api/v1/chargers/{charger}/attachments", attachments),
            web.post("/api/v1/chargers/{charger}/attachments", attach),
            web.post("/api/v1/chargers/{charger}/firmware", firmware),
            web.get("/api/v1/transfers", listing),
            web.get("/api/v1/transfers/{tid}", one),
            web.get("/api/v1/transfers/{tid}/file", file),
            web.post("/api/v1/transfers/{tid}/cancel", cancel)]
