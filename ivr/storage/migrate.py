"""Bring a database to the current schema, safely when run twice or concurrently.

An empty database gets ``schema.sql`` at once and every migration is recorded as
applied; a database that has some migrations gets the missing ones, in order, each
in its own transaction. An advisory lock serialises concurrent runs.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path

from ivr.storage.executor import Connection

log = logging.getLogger(__name__)

STORAGE_DIR = Path(__file__).parent
MIGRATIONS_DIR = STORAGE_DIR / "migrations"
SCHEMA_FILE = STORAGE_DIR / "schema.sql"
ADVISORY_LOCK_KEY = 0x17_0327  # arbitrary, constant: "ITUM 0327"
_MIGRATION_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


def discover_migrations(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    """Migrations ``NNNN_name.sql`` in version order; gaps and strays are errors."""
    migrations = []
    for path in sorted(directory.iterdir()):
        if path.suffix != ".sql":
            continue
        match = _MIGRATION_NAME.match(path.name)
        if match is None:
            raise ValueError(f"migration file {path.name} is not named NNNN_name.sql")
        migrations.append(Migration(int(match[1]), match[2], path.read_text(encoding="utf-8")))
    for expected, migration in enumerate(migrations, start=1):
        if migration.version != expected:
            raise ValueError(f"migration {expected:04d} is missing (found {migration.version})")
    return migrations


_CREATE_LEDGER = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version integer PRIMARY KEY,
    name text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
)
"""


async def migrate(conn: Connection, *, use_schema_file: bool = True) -> list[int]:
    """Apply what is missing; return the versions applied by this call."""
    migrations = discover_migrations()
    await conn.execute("SELECT pg_advisory_lock($1)", ADVISORY_LOCK_KEY)
    try:
        await conn.execute(_CREATE_LEDGER)
        rows = await conn.fetch("SELECT version FROM schema_migrations")
        applied = {row["version"] for row in rows}
        unknown = applied - {m.version for m in migrations}
        if unknown:
            raise RuntimeError(
                f"database has migrations this program does not know: {sorted(unknown)}; "
                "is an older version of the program running?"
            )
        pending = [m for m in migrations if m.version not in applied]
        if not pending:
            return []
        if use_schema_file and not applied:
            async with conn.transaction():
                await conn.execute(SCHEMA_FILE.read_text(encoding="utf-8"))
                await _record(conn, pending)
            log.info("schema created", extra={"version": pending[-1].version})
        else:
            for migration in pending:
                async with conn.transaction():
                    await conn.execute(migration.sql)
                    await _record(conn, [migration])
                log.info("migration applied", extra={"version": migration.version})
        return [m.version for m in pending]
    finally:
        await conn.execute("SELECT pg_advisory_unlock($1)", ADVISORY_LOCK_KEY)


async def _record(conn: Connection, migrations: list[Migration]) -> None:
    await conn.executemany(
        "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)",
        [(m.version, m.name) for m in migrations],
    )
