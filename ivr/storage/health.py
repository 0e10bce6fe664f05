"""Is the database there, and at which schema version?"""

from __future__ import annotations

from ivr.storage.executor import Executor
from ivr.storage.queries import QUERIES


async def schema_version(db: Executor) -> int:
    """The newest migration applied (a round trip that also proves the database answers)."""
    version: int = await db.fetchval(QUERIES["health.schema_version"])
    return version
