"""Typed keys of the residents' site (its sub-application); the request's session key
lives with the sessions."""

from __future__ import annotations

from aiohttp import web

from ivr.accounts.one_time_codes import CodeKeys
from ivr.web.portal.sessions import ResidentSessionStore
from ivr.web.ratelimit import LoginThrottle

SESSIONS = web.AppKey("portal_sessions", ResidentSessionStore)
THROTTLE = web.AppKey("portal_throttle", LoginThrottle)
CODE_KEYS: web.AppKey[CodeKeys | None] = web.AppKey("portal_code_keys")
"""None without IVR_SECRET_KEY: no code can be issued, so no account can be made."""
