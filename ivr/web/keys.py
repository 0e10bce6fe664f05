"""Typed keys for what the web application and each request carry."""

from __future__ import annotations

import asyncpg
from aiohttp import web

from ivr.config import Settings
from ivr.web.decoy import DecoyHash
from ivr.web.ratelimit import LoginThrottle
from ivr.web.sessions import Session, SessionStore

SETTINGS = web.AppKey("settings", Settings)
POOL = web.AppKey("pool", asyncpg.Pool)
SESSIONS = web.AppKey("sessions", SessionStore)
THROTTLE = web.AppKey("throttle", LoginThrottle)
DECOY_HASH = web.AppKey("decoy_hash", DecoyHash)

SESSION: web.RequestKey[Session | None] = web.RequestKey("session")
LANGUAGE = web.RequestKey("language", str)
