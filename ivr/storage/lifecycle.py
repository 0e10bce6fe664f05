"""Open the product's database: the configured server, or the embedded one.

``ivr serve`` opens it as the **owner**: it owns the embedded server (starting it again
if it dies) and watches the database, logging once when it becomes unreachable (named
by its address, without the password) and once when it is back. Commands open it
without owning it (see ivr.storage.embedded).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

import asyncpg

from ivr.config import Settings
from ivr.storage.database import DATABASE_ERRORS, create_pool, describe_url
from ivr.storage.embedded import EmbeddedPostgres
from ivr.storage.health import schema_version
from ivr.storage.migrate import migrate

log = logging.getLogger(__name__)

WATCH_INTERVAL_SECONDS = 1.0
PING_TIMEOUT_SECONDS = 3.0
POOL_CLOSE_SECONDS = 10.0


@contextlib.asynccontextmanager
async def open_database(
    settings: Settings, *, apply_migrations: bool = True, owner: bool = False
) -> AsyncIterator[asyncpg.Pool]:
    """Yield a pool on a migrated database. With ``IVR_DATABASE_URL`` empty, the
    embedded server is used: owned when ``owner`` (started or taken over, watched,
    stopped at the end), borrowed otherwise."""
    async with contextlib.AsyncExitStack() as stack:
        url = settings.database_url
        embedded = None
        if not url:
            embedded = EmbeddedPostgres(settings.embedded_database_dir)
            if owner:
                url = await asyncio.to_thread(embedded.start)
                stack.push_async_callback(asyncio.to_thread, embedded.stop)
            else:
                url = stack.enter_context(embedded.borrow())
        pool = await create_pool(url, attempts=settings.database_connect_attempts)
        stack.push_async_callback(_close, pool)
        if apply_migrations:
            async with pool.acquire() as conn:
                await migrate(conn)
        if owner:
            watch = asyncio.create_task(_watch(pool, describe_url(url), embedded))
            stack.push_async_callback(_cancel, watch)
        yield pool


async def _watch(pool: asyncpg.Pool, address: str, embedded: EmbeddedPostgres | None) -> None:
    """Log the database's outages once each, and restart the embedded server we own."""
    down_since: float | None = None
    loop = asyncio.get_running_loop()
    while True:
        await asyncio.sleep(WATCH_INTERVAL_SECONDS)
        if embedded is not None:
            try:
                await asyncio.to_thread(embedded.ensure_running)
            except Exception as error:  # retried at the next round
                log.error("embedded postgresql did not start", extra={"error": str(error)[:500]})
        try:
            async with asyncio.timeout(PING_TIMEOUT_SECONDS):
                await schema_version(pool)
        except (TimeoutError, *DATABASE_ERRORS) as error:
            if down_since is None:
                down_since = loop.time()
                log.error("database unreachable", extra={"database": address, "error": str(error)})
            continue
        if down_since is not None:
            log.warning(
                "database reachable again",
                extra={"database": address, "down_s": round(loop.time() - down_since, 1)},
            )
            down_since = None


async def _cancel(task: asyncio.Task[None]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def _close(pool: asyncpg.Pool) -> None:
    """Close gracefully, or at once if connections hang on a dead server."""
    try:
        await asyncio.wait_for(pool.close(), POOL_CLOSE_SECONDS)
    except TimeoutError:
        pool.terminate()
