"""Which address of the laptop a charger can reach, and the URL it is handed.

The best address is the one the charger already reached: the local end (``sockname``) of its
own OCPP websocket connection. Only when that is unknown or a wildcard do we fall back to the
LAN addresses (``transports.addresses``), then loopback.
"""

from __future__ import annotations

import ipaddress
from typing import Sequence
from urllib.parse import quote

from ..transports import addresses


def reachable_host(sockname: Sequence[object] | str | None) -> str:
    """The laptop's address the charger can reach, from its connection's ``sockname``.

    ``sockname`` is ``(host, port)`` (IPv4) or ``(host, port, flow, scope)`` (IPv6), or just
    the host. An IPv4-mapped IPv6 address (``::ffff:192.168.1.20``, a dual-stack socket) is
    given as plain IPv4, which every charger's FTP client understands.
    """
    host = sockname if isinstance(sockname, str) else (
        str(sockname[0]) if sockname else "")
    host = host.split("%", 1)[0]  # an IPv6 zone id is meaningless to the charger
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        ip = None
    if ip is not None and not ip.is_unspecified:
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ip)
    lan = addresses.lan_addresses()
    return lan[0] if lan else "127.0.0.1"


def transfer_url(scheme: str, host: str, port: int, path: str,
                 user: str | None = None, password: str | None = None) -> str:
    """``scheme://[user:password@]host:port/path`` with an IPv6 host in brackets.

    1.6 GetDiagnostics chargers expect the FTP credentials in the URL (the ``location`` is
    all they are given); user and password are quoted so no character breaks the URL.
    """
    shown = f"[{host}]" if ":" in host else host
    auth = ""
    if user is not None:
        auth = quote(user, safe="")
        if password is not None:
            auth += ":" + quote(password, safe="")
        auth += "@"
    return f"{scheme}://{auth}{shown}:{port}/{path.lstrip('/')}"
