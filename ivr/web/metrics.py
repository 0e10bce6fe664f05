"""``GET /metrics``: the process's metrics in Prometheus' text format.

Only for the monitoring: a client whose address (as ``client_address`` finds it behind
trusted proxies) is not in ``IVR_METRICS_ALLOW`` gets 404, as if the page did not
exist. A scrape never fails because the database is away: it then shows the live
process's metrics and the links, ``ivr_database_up`` 0, and logs a warning.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging

from aiohttp import hdrs, web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from ivr.config import Settings
from ivr.observability.instruments import REGISTRY
from ivr.storage.database import DATABASE_ERRORS
from ivr.storage.metrics import DispatchFigures, dispatch_figures
from ivr.web.client import Network, client_address
from ivr.web.keys import HEALTH_PROBES, POOL
from ivr.web.metrics_scrape import ScrapeReadings

log = logging.getLogger(__name__)

METRICS_ALLOW: web.AppKey[tuple[Network, ...]] = web.AppKey("metrics_allow")
DATABASE_TIMEOUT_SECONDS = 2.0
"""Well within Prometheus' default scrape timeout (10 s)."""


def add_metrics(app: web.Application, settings: Settings) -> None:
    """The route, and its allowed networks parsed once."""
    app[METRICS_ALLOW] = tuple(ipaddress.ip_network(n) for n in settings.metrics_allow)
    app.router.add_get("/metrics", metrics)


async def metrics(request: web.Request) -> web.StreamResponse:
    if not _allowed(client_address(request), request.config_dict[METRICS_ALLOW]):
        raise web.HTTPNotFound()
    figures: DispatchFigures | None
    try:
        async with asyncio.timeout(DATABASE_TIMEOUT_SECONDS):
            figures = await dispatch_figures(request.config_dict[POOL])
    except (TimeoutError, *DATABASE_ERRORS) as error:
        log.warning("metrics: database unreachable", extra={"error": str(error)})
        figures = None
    parts = {channel: probe() for channel, probe in request.config_dict[HEALTH_PROBES].items()}
    body = generate_latest(REGISTRY) + generate_latest(ScrapeReadings(figures, parts))
    return web.Response(body=body, headers={hdrs.CONTENT_TYPE: CONTENT_TYPE_LATEST})


def _allowed(address: str, networks: tuple[Network, ...]) -> bool:
    try:
        client = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(client in network for network in networks)
