"""Open the product's database: the configured server, or the embedded one."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg

from ivr.config import Settings
from ivr.storage.database import create_pool
from ivr.storage.embedded import EmbeddedPostgres
from ivr.storage.migrate import migrate


@asynccontextmanager
async def open_database(
    settings: Settings, *, apply_migrations: bool = True
) -> AsyncIterator[asyncpg.Pool]:
    """Yield a pool on a migrated database; an embedded server is started (and stopped)
    when ``IVR_DATABASE_URL`` is empty."""
    embedded = None
    url = settings.database_url
    if not url:
        embedded = EmbeddedPostgres(settings.embedded_database_dir)
        url = await embedded.start_async()
    try:
        pool = await create_pool(url, attempts=settings.database_connect_attempts)
        try:
            if apply_migrations:
                async with pool.acquire() as conn:
                    await migrate(conn)
            yield pool
        finally:
            await pool.close()
    finally:
        if embedded is not None:
            await embedded.stop_async()
