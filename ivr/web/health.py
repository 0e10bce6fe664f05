"""``GET /healthz``: is the web server up and can it reach the database?"""

from __future__ import annotations

import asyncio
import logging

import asyncpg
from aiohttp import web

from ivr.storage.queries import QUERIES
from ivr.web.keys import POOL

log = logging.getLogger(__name__)

DATABASE_TIMEOUT_SECONDS = 2.0


async def healthz(request: web.Request) -> web.StreamResponse:
    pool = request.config_dict[POOL]
    try:
        async with asyncio.timeout(DATABASE_TIMEOUT_SECONDS):
            await pool.fetchval(QUERIES["health.ping"])
            version = await pool.fetchval(QUERIES["health.schema_version"])
    except (TimeoutError, OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
        log.warning("health check: database unreachable", extra={"error": str(error)})
        return web.json_response({"status": "error", "database": "unreachable"}, status=503)
    return web.json_response({"status": "ok", "database": "ok", "schema_version": version})
