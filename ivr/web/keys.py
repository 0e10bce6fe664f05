"""Typed keys for what the whole web application and each request carry."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import asyncpg
from aiohttp import web

from ivr.config import Settings
from ivr.web.decoy import DecoyHash

HealthProbes = Mapping[str, Callable[[], Mapping[str, bool]]]
"""For each running channel, a function telling which of its parts are up."""

SETTINGS = web.AppKey("settings", Settings)
POOL = web.AppKey("pool", asyncpg.Pool)
DECOY_HASH = web.AppKey("decoy_hash", DecoyHash)
HEALTH_PROBES: web.AppKey[HealthProbes] = web.AppKey("health_probes")

LANGUAGE = web.RequestKey("language", str)
CSRF_TOKEN: web.RequestKey[str | None] = web.RequestKey("csrf_token")
"""The synchronizer token of the request's session, set by the site's session middleware."""
