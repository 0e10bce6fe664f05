"""``GET /healthz``: readiness of the whole process, for a supervisor or load balancer.

It answers 200 when the database answers and every running channel says each of its
parts is up (for voice: the AMI login, the FastAGI and AudioSocket listeners, the
dispatch engine), and 503 otherwise, with the same JSON body naming what is down. No
personal data.
"""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web

from ivr.storage.database import DATABASE_ERRORS
from ivr.storage.health import schema_version
from ivr.web.keys import HEALTH_PROBES, POOL

log = logging.getLogger(__name__)

DATABASE_TIMEOUT_SECONDS = 2.0


async def healthz(request: web.Request) -> web.StreamResponse:
    body: dict[str, object] = {}
    healthy = True
    try:
        async with asyncio.timeout(DATABASE_TIMEOUT_SECONDS):
            body["schema_version"] = await schema_version(request.config_dict[POOL])
        body["database"] = "ok"
    except (TimeoutError, *DATABASE_ERRORS) as error:
        log.warning("health check: database unreachable", extra={"error": str(error)})
        body["database"] = "unreachable"
        healthy = False
    channels: dict[str, dict[str, str]] = {}
    for channel, probe in request.config_dict[HEALTH_PROBES].items():
        parts = probe()
        channels[channel] = {part: "ok" if up else "down" for part, up in parts.items()}
        healthy = healthy and all(parts.values())
    body["channels"] = channels
    body["status"] = "ok" if healthy else "error"
    return web.json_response(body, status=200 if healthy else 503)
