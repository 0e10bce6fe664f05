"""Import a 411 directory listing: read the file into an import (its dry run, which
staff read first), then apply it on confirmation (docs/directory.md).

Reading goes row by row, staged in batches with COPY, so memory stays flat whatever
the file's size; a bad row is recorded with its line and reason and never stops the
import."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, BinaryIO

import asyncpg

from ivr.domain.addresses import StreetIndex
from ivr.domain.directory import BusinessListing, Listing, directory_phone, read_listing
from ivr.domain.errors import DomainError
from ivr.domain.sectors import Assignment, Community, Sector, assign_sector, street_key
from ivr.importers.directory_file import Row, open_listing
from ivr.storage import directory
from ivr.storage.directory import Counts
from ivr.storage.sectors import load_sectors

BATCH_ROWS = 5000
Progress = Callable[[int, int], None]
"""Called with (lines read, lines in the file) after each batch."""


@dataclass(frozen=True)
class Reading:
    import_id: int
    encoding: str
    delimiter: str
    columns: tuple[str, ...]
    counts: Counts


async def read_import(
    pool: asyncpg.Pool,
    import_id: int,
    stream: BinaryIO,
    business: re.Pattern[str],
    progress: Progress | None = None,
) -> Reading:
    """Read ``stream`` into the import made by ``directory.create_import`` and count what
    applying it would do. A file that cannot be read at all fails the import (the reason
    is kept) and raises DomainError; another import running raises ImportBusy."""
    async with pool.acquire() as conn, directory.import_lock(conn):
        record = await directory.get_import(conn, import_id)
        if record is None or record.state != "reading":
            raise DomainError(
                f"L'import {import_id} n'est pas à lire.", f"Import {import_id} is not to read."
            )
        try:
            listing = open_listing(stream)
        except DomainError as error:
            await directory.fail_import(conn, import_id, str(error))
            raise
        await directory.set_file_info(
            conn,
            import_id,
            encoding=listing.encoding,
            delimiter=listing.delimiter,
            columns=listing.columns,
            lines=listing.lines,
        )
        places = _Places(await load_sectors(conn))
        batch: list[tuple[Any, ...]] = []
        for row in listing.rows:
            batch.append(_staged(import_id, row, places, business))
            if len(batch) >= BATCH_ROWS:
                await _stage(conn, import_id, batch, listing.lines, progress)
                batch = []
        await _stage(conn, import_id, batch, listing.lines, progress)
        counts = await directory.dry_run(conn, import_id, record.is_full)
    return Reading(import_id, listing.encoding, listing.delimiter, listing.columns, counts)


async def apply_import(pool: asyncpg.Pool, import_id: int, staff_id: int | None) -> Counts:
    """Apply a read import in one transaction; what it did."""
    async with pool.acquire() as conn, directory.import_lock(conn):
        return await directory.apply(conn, import_id, staff_id)


async def _stage(
    conn: Any, import_id: int, batch: list[tuple[Any, ...]], lines: int, progress: Progress | None
) -> None:
    if batch:
        await directory.stage_rows(conn, batch)
        done = min(batch[-1][1], lines)
        await directory.set_progress(conn, import_id, done)
        if progress:
            progress(done, lines)


class _Places:
    """Streets and sectors of the addresses: each (number, street) placed once."""

    def __init__(self, sectors: Sequence[Sector]) -> None:
        self.sectors = sectors
        self.streets = StreetIndex(g.street for s in sectors for g in s.segments)
        self.community = {s.code: s.community for s in sectors}
        self._placed: dict[tuple[int, str], Assignment | None] = {}

    def place(self, civic_number: int, street: str) -> Assignment | None:
        key = (civic_number, street)
        if key not in self._placed:
            self._placed[key] = assign_sector(self.sectors, civic_number, street)
        return self._placed[key]


def _staged(
    import_id: int, row: Row, places: _Places, business: re.Pattern[str]
) -> tuple[Any, ...]:
    """One row as STAGED_COLUMNS: a listing placed in its sector, a business, or an error."""
    head = (import_id, row.line, row.raw)
    try:
        if row.problem:
            raise row.problem
        listing = read_listing(row.fields, business)
    except BusinessListing:
        return (*head, "business", "", "", *([None] * 11))
    except DomainError as error:
        return (*head, "error", error.fr, error.en, _phone_if_any(row), *([None] * 10))
    return (*head, "listing", "", "", *_placed(listing, places))


def _placed(listing: Listing, places: _Places) -> tuple[Any, ...]:
    address = listing.address
    known = places.streets.find(address.street)
    street = known or " ".join(address.street.split())
    found = places.place(address.civic_number, known) if known else None
    note = None if found else ("outside_segments" if known else "unknown_street")
    community = places.community[found.sector_code] if found else _community(listing.city)
    unit = " ".join(part for part in (address.suffix, address.unit) if part)
    key = street_key(street)
    return (
        listing.phone_e164, listing.name, address.civic_number, unit, street, key, community,
        found.sector_code if found else None, found.method if found else None, note,
        f"{address.civic_number}|{unit}|{key}|{community}",
    )  # fmt: skip


def _community(city: str) -> Community:
    """Without a sector, the community the city column names (Uashat by default: it
    lies within Sept-Îles, as listings write it)."""
    plain = street_key(city)
    return "mani-utenam" if "mani" in plain or "malio" in plain else "uashat"


def _phone_if_any(row: Row) -> str | None:
    """The number of a row in error, when it reads: a bad row keeps its number listed."""
    try:
        return directory_phone(row.fields.get("phone", ""))
    except DomainError:
        return None
