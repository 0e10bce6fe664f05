"""Who is on the other end of a request."""

from __future__ import annotations

from aiohttp import web


def client_address(request: web.Request) -> str:
    """The client's IP address as the server sees it (empty if unknown)."""
    return request.remote or ""
