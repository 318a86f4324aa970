"""The words of the Proxy tab, without Qt: whether a central-system address and the chosen
certificate files can be used, how long a charger has been connected, and why the proxy did
not start — each in plain words an installer can act on."""

from __future__ import annotations

import ssl
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

from ...transports.addresses import is_address_in_use


def file_problem(ca_file: str | None, cert_file: str | None, key_file: str | None) -> str | None:
    """What is wrong with the chosen files, in plain words, before anything starts."""
    if bool(cert_file) != bool(key_file):
        return ("For wss:// choose both the certificate and its key (or neither, for ws://).")
    for what, path in (("CA file", ca_file), ("certificate", cert_file), ("key", key_file)):
        if path and not Path(path).is_file():
            return f"The {what} {path} does not exist."
    return None


def upstream_problem(url: str) -> str | None:
    """None for a usable central-system address, else what is wrong, in words."""
    url = url.strip()
    if not url:
        return "Type the address of the charger's real central system, e.g. " \
               "wss://csms.example.com/ocpp"
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("ws", "wss"):
        return ("The address must start with ws:// or wss:// (the one in the charger's "
                "settings), e.g. wss://csms.example.com/ocpp")
    try:
        parts.port
    except ValueError:
        return "The port number in this address is not valid."
    if not parts.hostname:
        return "The address has no server name after ws:// or wss://."
    if any(ch.isspace() for ch in url):
        return "The address must not contain spaces."
    return None


def since_text(ts_us: int | None, now_s: float | None = None) -> str:
    if not ts_us:
        return ""
    stamp = datetime.fromtimestamp(ts_us / 1_000_000)
    now = now_s if now_s is not None else datetime.now().timestamp()
    minutes = max(0, int(now - ts_us / 1_000_000)) // 60
    if minutes < 1:
        ago = "just now"
    elif minutes < 120:
        ago = f"{minutes} min"
    else:
        ago = f"{minutes // 60} h {minutes % 60} min"
    return f"{stamp:%H:%M:%S} ({ago})"


def start_failure_text(port: int, exc: BaseException, *, has_cert: bool, has_ca: bool) -> str:
    """Why the proxy did not start, from what start_proxy raised and the files chosen."""
    if is_address_in_use(exc):
        return (f"Port {port} is already in use on this laptop — is another proxy or "
                f"central system running? Choose another port (e.g. {port + 1}).")
    if isinstance(exc, ValueError):
        return f"This central-system address cannot be used: {exc}"
    if isinstance(exc, ssl.SSLError) or (isinstance(exc, OSError) and has_cert):
        return (f"The wss:// certificate or key cannot be used: {exc}. Check that the key "
                "belongs to the certificate and both are PEM files.")
    if isinstance(exc, OSError) and has_ca:
        return f"The CA file cannot be used: {exc}"
    if isinstance(exc, PermissionError):
        return (f"This laptop does not allow listening on port {port}. Choose a port "
                "above 1024.")
    return f"The proxy did not start: {exc}"
