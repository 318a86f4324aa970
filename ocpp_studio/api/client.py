"""A small client for the control API, used by ``ocpp-studio call``."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from ..core.frames import dumps, loads


class ApiError(Exception):
    def __init__(self, status: int, body: dict[str, Any]) -> None:
        self.status = status
        self.body = body
        super().__init__(body.get("message") or f"HTTP {status}")


def token_candidates(port: int, capture_path: str | Path) -> list[Path]:
    """Where the token of the studio on ``port`` may be, surest first.

    The studio registers its token by port in the user's runtime folder (whatever capture it
    uses); an older studio only wrote it beside its capture, so the default capture comes last.
    """
    from .server import registered_token_file, token_file_for
    return [registered_token_file(port), token_file_for(capture_path)]


def open_api(port: int, token: str, method: str, path: str, data: bytes | None = None,
             content_type: str = "application/json", timeout: float = 120.0) -> Any:
    """The response to one request to ``/api/v1{path}`` (use it in ``with``); an HTTP error
    is raised as ApiError with the studio's JSON answer (or its text as the message)."""
    req = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/v1{path}", data=data, method=method,
        headers={"Authorization": f"Bearer {token}", "Content-Type": content_type})
    try:
        return urllib.request.urlopen(req, timeout=timeout)
    except urllib.error.HTTPError as exc:
        text = exc.read().decode("utf-8", errors="replace")
        try:
            body = json.loads(text)
        except ValueError:
            body = {"message": text}
        raise ApiError(exc.code, body) from None


def request(port: int, token: str, method: str, path: str, body: Any = None,
            timeout: float = 120.0) -> Any:
    data = dumps(body).encode() if body is not None else None
    with open_api(port, token, method, path, data, timeout=timeout) as response:
        return loads(response.read().decode("utf-8"))


def call(port: int, token: str, charger: str, action: str, payload: dict[str, Any],
         timeout: float | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"action": action, "payload": payload}
    if timeout is not None:
        body["timeout"] = timeout
    from urllib.parse import quote
    return request(port, token, "POST", f"/chargers/{quote(charger, safe='')}/call", body,
                   timeout=(timeout or 30) + 30)


def operations(port: int, token: str, charger: str) -> dict[str, Any]:
    """The charger operations of the charger's version (GET .../operations)."""
    from urllib.parse import quote
    return request(port, token, "GET", f"/chargers/{quote(charger, safe='')}/operations")


def run_operation(port: int, token: str, charger: str, name: str, fields: dict[str, Any],
                  confirm: bool = False, timeout: float | None = None) -> dict[str, Any]:
    """Run one charger operation; the result (an ApiError with the result as its body when
    a dangerous value was not confirmed, status 409)."""
    from urllib.parse import quote
    body: dict[str, Any] = {"fields": fields, "confirm": confirm}
    if timeout is not None:
        body["timeout"] = timeout
    path = f"/chargers/{quote(charger, safe='')}/operations/{quote(name, safe='')}"
    # the longest follow-up (a reboot's BootNotification) is 90 s after the answer
    return request(port, token, "POST", path, body, timeout=(timeout or 30) + 120)
