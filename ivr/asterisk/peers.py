"""Which addresses may connect to the servers Asterisk connects to (FastAGI, AudioSocket)."""

from __future__ import annotations

import asyncio
import ipaddress
from collections.abc import Iterable

LOOPBACK = ("127.0.0.1", "::1")


class PeerFilter:
    """The PBX's addresses; a connection from any other is refused."""

    def __init__(self, allowed: Iterable[str] = LOOPBACK) -> None:
        self.allowed = frozenset(ipaddress.ip_address(peer) for peer in allowed)

    def allows(self, writer: asyncio.StreamWriter) -> bool:
        peer = writer.get_extra_info("peername")
        try:
            address = ipaddress.ip_address(peer[0])
        except (TypeError, IndexError, ValueError):
            return False
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        return address in self.allowed
