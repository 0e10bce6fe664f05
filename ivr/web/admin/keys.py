"""Typed keys of the staff site (its sub-application) and of its requests."""

from __future__ import annotations

from aiohttp import web

from ivr.web.admin.sessions import Session, SessionStore
from ivr.web.admin.short_cache import ShortCache
from ivr.web.ratelimit import LoginThrottle

SESSIONS = web.AppKey("admin_sessions", SessionStore)
THROTTLE = web.AppKey("admin_throttle", LoginThrottle)

SESSION: web.RequestKey[Session | None] = web.RequestKey("admin_session")
SHARED = web.AppKey("shared", ShortCache)
"""Counts and reports computed once for everyone watching (see short_cache)."""
