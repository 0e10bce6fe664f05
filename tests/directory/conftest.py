"""The directory import against the real PostgreSQL, with the demo sectors (fictional
streets of Uashat and Mani-utenam) and files made the way listings come."""

from __future__ import annotations

import io

import asyncpg
import pytest_asyncio

from ivr.config import Settings
from ivr.domain.directory import business_pattern
from ivr.importers.demo_data import SECTORS
from ivr.importers.directory import Reading, apply_import, read_import
from ivr.storage import directory
from ivr.storage.directory import Counts
from ivr.storage.sectors import save_sectors


@pytest_asyncio.fixture
async def sectors(db: asyncpg.Pool) -> asyncpg.Pool:
    """The pool, with the demo sectors saved (no residents)."""
    async with db.acquire() as conn:
        await save_sectors(conn, SECTORS)
    return db


async def dry_run(db: asyncpg.Pool, data: bytes, *, full: bool = False) -> Reading:
    import_id = await directory.create_import(db, None, "annuaire.csv", full)
    return await read_import(
        db, import_id, io.BytesIO(data), business_pattern(Settings().directory_business_pattern)
    )


async def imported(db: asyncpg.Pool, data: bytes, *, full: bool = False) -> Counts:
    """Dry run then apply; what applying did."""
    reading = await dry_run(db, data, full=full)
    return await apply_import(db, reading.import_id, None)
