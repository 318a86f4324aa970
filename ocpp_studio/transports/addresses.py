"""The addresses of this laptop a charger on the same network could reach."""

from __future__ import annotations

import errno
import ipaddress
import socket

import psutil


def lan_addresses() -> list[str]:
    """Non-loopback, non-link-local IPv4 addresses of up network interfaces."""
    addresses: list[str] = []
    stats = psutil.net_if_stats()
    for name, entries in psutil.net_if_addrs().items():
        if name in stats and not stats[name].isup:
            continue
        for entry in entries:
            if entry.family != socket.AF_INET:
                continue
            ip = ipaddress.ip_address(entry.address)
            if ip.is_loopback or ip.is_link_local:
                continue
            addresses.append(entry.address)
    return sorted(set(addresses), key=lambda a: ipaddress.ip_address(a))


def charger_urls(host: str, port: int, path: str = "/ocpp") -> list[str]:
    """URLs an installer can type into a charger's backend setting.

    When listening on every interface, one URL per LAN address; otherwise the
    address we are bound to.
    """
    if host in ("0.0.0.0", "", "::"):
        hosts = lan_addresses() or ["127.0.0.1"]
    else:
        hosts = [host]
    return [f"ws://{h}:{port}{path}" for h in hosts]


#: "Port in use" on Linux/macOS (errno) and Windows (WSAEADDRINUSE).
_ADDRESS_IN_USE = {errno.EADDRINUSE, 10048}


def is_address_in_use(exc: BaseException) -> bool:
    return isinstance(exc, OSError) and (exc.errno in _ADDRESS_IN_USE
                                         or getattr(exc, "winerror", None) == 10048)


def find_free_port(host: str, start: int, attempts: int = 20) -> int:
    """The first port after ``start`` we can bind on ``host``, else one the OS picks."""
    bind_host = "" if host in ("0.0.0.0", "::") else host
    for port in list(range(start + 1, start + 1 + attempts)) + [0]:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            try:
                probe.bind((bind_host, port))
            except OSError:
                continue
            return probe.getsockname()[1]
    raise OSError("no free port found")
