"""Who is on the other end of a request.

Behind a reverse proxy every connection comes from the proxy, so the client is read from
``X-Forwarded-For``, but only when the connection comes from a proxy we trust
(``IVR_TRUSTED_PROXIES``): anyone else could write that header. Each proxy appends the
address it received the request from, so the list is read from the right, past our own
proxies; what lies left of the first untrusted address was written by the client and is
never looked at.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Iterable

from aiohttp import hdrs, web

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address

TRUSTED_PROXIES: web.AppKey[tuple[Network, ...]] = web.AppKey("trusted_proxies")

log = logging.getLogger(__name__)


def trusted_networks(proxies: Iterable[str]) -> tuple[Network, ...]:
    """The networks of ``IVR_TRUSTED_PROXIES`` (already validated), parsed once."""
    return tuple(ipaddress.ip_network(proxy) for proxy in proxies)


def client_address(request: web.Request) -> str:
    """The client's IP address (empty if unknown): the connection's, or, when that is a
    trusted proxy, the nearest forwarded address that is not one (the farthest if all are)."""
    peer = request.remote or ""
    proxies = request.config_dict[TRUSTED_PROXIES]
    hop = _address(peer)
    if hop is None or not _is_trusted(hop, proxies):
        return peer
    lines = request.headers.getall(hdrs.X_FORWARDED_FOR, ())
    for entry in reversed([entry for line in lines for entry in line.split(",")]):
        hop = _address(entry.strip())
        if hop is None:
            log.debug("malformed X-Forwarded-For from a trusted proxy; using the proxy's address")
            return peer
        if not _is_trusted(hop, proxies):
            break
    return str(hop)


def _address(text: str) -> Address | None:
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _is_trusted(address: Address, proxies: tuple[Network, ...]) -> bool:
    return any(address in network for network in proxies)
