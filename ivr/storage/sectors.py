"""Sectors in PostgreSQL: import (upsert by code) and load, for assignment and export."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from shapely.geometry import mapping

from ivr.domain.sectors import Sector, StreetSegment, check_sector_set, parse_boundary, street_key
from ivr.storage.executor import Connection, Executor
from ivr.storage.queries import QUERIES


async def save_sectors(conn: Connection, sectors: Sequence[Sector]) -> dict[str, int]:
    """Create or update ``sectors`` (matched by code) in one transaction; a sector's
    street segments are replaced by the given ones. Sectors not given are kept, and the
    whole set must stay consistent (see check_sector_set). Returns the id of each code."""
    ids: dict[str, int] = {}
    async with conn.transaction():
        given = {s.code for s in sectors}
        kept = [s for s in await load_sectors(conn) if s.code not in given]
        check_sector_set([*kept, *sectors])
        for sector in sectors:
            boundary = None if sector.boundary is None else json.dumps(mapping(sector.boundary))
            ids[sector.code] = await conn.fetchval(
                QUERIES["sectors.upsert"],
                sector.code,
                sector.community,
                sector.name_fr,
                sector.name_en,
                boundary,
            )
        for sector in sectors:
            await conn.execute(QUERIES["sectors.set_parent"], sector.code, sector.parent_code)
            await conn.execute(QUERIES["sectors.delete_segments"], ids[sector.code])
            await conn.executemany(
                QUERIES["sectors.insert_segment"],
                [(ids[sector.code], *_segment_row(g)) for g in sector.segments],
            )
    return ids


async def load_sectors(conn: Executor) -> list[Sector]:
    """Every sector with its polygon and street segments, in creation order."""
    rows = await conn.fetch(QUERIES["sectors.all"])
    segments: dict[int, list[StreetSegment]] = {}
    for seg in await conn.fetch(QUERIES["sectors.all_segments"]):
        segments.setdefault(seg["sector_id"], []).append(
            StreetSegment(seg["street"], seg["from_number"], seg["to_number"], seg["side"])
        )
    return [
        Sector(
            code=row["code"],
            community=row["community"],
            name_fr=row["name_fr"],
            name_en=row["name_en"],
            parent_code=row["parent_code"],
            boundary=_boundary(row["boundary"]),
            segments=tuple(segments.get(row["id"], ())),
        )
        for row in rows
    ]


def _segment_row(g: StreetSegment) -> tuple[str, str, int, int, str]:
    return (g.street, street_key(g.street), g.from_number, g.to_number, g.side)


def _boundary(text: str | None) -> Any:
    return None if text is None else parse_boundary(json.loads(text))


async def household_counts(db: Executor) -> dict[str, int]:
    """How many households each sector holds, by code (0 for an empty sector)."""
    rows = await db.fetch(QUERIES["sectors.household_counts"])
    return {row["code"]: row["households"] for row in rows}
