"""Connecting to PostgreSQL: a pool, retried with backoff while the server comes up, and
operations that wait out a server that restarts."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar
from urllib.parse import urlsplit, urlunsplit

import asyncpg

log = logging.getLogger(__name__)

T = TypeVar("T")

DATABASE_ERRORS = (OSError, asyncpg.PostgresError, asyncpg.InterfaceError)
"""What a lost or failing database connection raises: callers log it and try later."""

TRANSIENT_ERRORS = (
    OSError,
    TimeoutError,
    asyncpg.InterfaceError,  # the connection was closed under us
    asyncpg.PostgresConnectionError,
    asyncpg.OperatorInterventionError,  # shutting down, starting up, crash recovery
    asyncpg.TooManyConnectionsError,
)
"""Errors that go away when the server is back; anything else is a bug to report."""

RETRY_FIRST_DELAY = 0.5
RETRY_MAX_DELAY = 5.0


async def persistently(
    operation: Callable[[], Awaitable[T]], *, what: str, within: float | None = None
) -> T:
    """Run ``operation`` until it succeeds, waiting out a lost connection or a server
    that restarts (0.5 s, 1 s, 2 s ... 5 s between tries). Other errors are raised;
    so is TimeoutError once ``within`` seconds have passed (None: no bound)."""
    delay = RETRY_FIRST_DELAY
    async with asyncio.timeout(within):
        while True:
            try:
                return await operation()
            except TRANSIENT_ERRORS as error:
                log.warning(
                    "database unavailable; retrying",
                    extra={"operation": what, "retry_in_s": delay, "error": str(error)},
                )
            await asyncio.sleep(delay)
            delay = min(delay * 2, RETRY_MAX_DELAY)


class DatabaseUnavailable(RuntimeError):
    """The database could not be reached after every attempt."""


def describe_url(url: str) -> str:
    """The URL without its password, for messages and logs."""
    scheme, sep, rest = url.partition("://")
    credentials, at, location = rest.rpartition("@")
    if not at:
        return url
    user = credentials.split(":", 1)[0]
    return f"{scheme}{sep}{user}@{location}"


async def create_pool(
    url: str,
    *,
    attempts: int = 8,
    first_delay: float = 0.5,
    min_size: int = 1,
    max_size: int = 10,
) -> asyncpg.Pool:
    """Open a pool, retrying with exponential backoff (0.5 s, 1 s, 2 s ... capped at 10 s)."""
    delay = first_delay
    for attempt in range(1, attempts + 1):
        try:
            pool: asyncpg.Pool = await asyncpg.create_pool(
                url, min_size=min_size, max_size=max_size, timeout=10
            )
            return pool
        except (TimeoutError, OSError, asyncpg.PostgresError) as error:
            if attempt == attempts:
                raise DatabaseUnavailable(
                    f"database {describe_url(url)} unreachable after {attempts} attempts: {error}"
                ) from error
            log.warning(
                "database not reachable, retrying",
                extra={"attempt": attempt, "retry_in_s": delay, "error": str(error)},
            )
            await asyncio.sleep(delay)
            delay = min(delay * 2, 10.0)
    raise AssertionError("unreachable")


def with_database(url: str, name: str) -> str:
    """The same server's URL, pointing at database ``name``."""
    return urlunsplit(urlsplit(url)._replace(path="/" + name))
