"""The embedded PostgreSQL keeps its data across restarts; an unreachable database is
retried and reported without a traceback or a password. (Who owns the embedded server:
tests/storage/test_embedded.py.)"""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from ivr.storage.database import DatabaseUnavailable, create_pool, describe_url
from ivr.storage.embedded import EmbeddedPostgres


async def test_embedded_server_keeps_data_across_restarts(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    server = EmbeddedPostgres(tmp_path_factory.mktemp("embedded") / "pg")
    url = await asyncio.to_thread(server.start)
    conn = await asyncpg.connect(url)
    await conn.execute("CREATE TABLE kept (value text); INSERT INTO kept VALUES ('allô')")
    await conn.close()
    await asyncio.to_thread(server.stop)

    with pytest.raises(OSError):
        await asyncpg.connect(url, timeout=2)

    url = await asyncio.to_thread(server.start)
    conn = await asyncpg.connect(url)
    try:
        assert await conn.fetchval("SELECT value FROM kept") == "allô"
    finally:
        await conn.close()
        await asyncio.to_thread(server.stop)


async def test_unreachable_database_is_reported_after_backoff() -> None:
    url = "postgresql://ivr:s3cret-pass@127.0.0.1:1/ivr"
    with pytest.raises(DatabaseUnavailable) as caught:
        await create_pool(url, attempts=3, first_delay=0.01)
    message = str(caught.value)
    assert "after 3 attempts" in message
    assert "s3cret-pass" not in message
    assert "postgresql://ivr@127.0.0.1:1/ivr" in message


def test_describe_url_hides_password() -> None:
    assert describe_url("postgresql://u:p@h:5432/d") == "postgresql://u@h:5432/d"
    assert describe_url("postgresql:///d?host=/run") == "postgresql:///d?host=/run"
