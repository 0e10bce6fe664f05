"""The 411 directory import in PostgreSQL: the rows read from a file are staged, judged
against what is registered (``classify``), counted for the dry run, and applied in one
transaction by set-based statements, so 50,000 rows never pass through Python twice.

One import at a time: every step holds an advisory lock (``import_lock``)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass, fields
from datetime import datetime
from typing import Any

from ivr.domain.errors import DomainError
from ivr.storage.executor import Connection, Executor
from ivr.storage.queries import QUERIES

LOCK_KEY = 0x411_0327  # arbitrary, constant: "411" and the office's number
KEEP_ROWS_DAYS = 30
APPLY_STEPS = (
    "households_known", "households_numbered", "households_made",
    "members_known", "members_numbered", "members_made",
    "contact_points_known", "contact_points_numbered", "contact_points_made",
)  # fmt: skip
"""Each row gets its household, member and contact point, known or made (ids first)."""
STAGED_COLUMNS = (
    "import_id", "line", "raw", "status", "problem_fr", "problem_en", "phone_e164",
    "display_name", "civic_number", "unit", "street", "street_key", "community",
    "sector_code", "sector_method", "sector_note", "address_key",
)  # fmt: skip


class ImportBusy(DomainError):
    def __init__(self) -> None:
        super().__init__(
            "Un autre import de l'annuaire est en cours; réessayez quand il sera terminé.",
            "Another directory import is running; try again once it is over.",
        )


@dataclass(frozen=True)
class Counts:
    """What an import does (dry run) or did (applied), row by row."""

    rows: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    deactivated: int = 0
    claimed: int = 0
    excluded: int = 0
    kept: int = 0
    business: int = 0
    errors: int = 0
    unmatched: int = 0

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, data: str | None) -> Counts | None:
        if data is None:
            return None
        values = json.loads(data)
        return cls(**{f.name: int(values.get(f.name, 0)) for f in fields(cls)})


@dataclass(frozen=True)
class DirectoryImport:
    id: int
    created_at: datetime
    staff_id: int | None
    file_name: str
    is_full: bool
    state: str
    encoding: str
    delimiter: str
    columns: list[str]
    lines_total: int
    lines_read: int
    problem: str
    dry_run: Counts | None
    applied: Counts | None
    applied_at: datetime | None


@dataclass(frozen=True)
class ShownRow:
    line: int
    raw: str
    reason_fr: str
    reason_en: str


@asynccontextmanager
async def import_lock(conn: Connection) -> AsyncIterator[None]:
    """Hold the directory import lock for the session, or raise ImportBusy."""
    if not await conn.fetchval(QUERIES["directory.try_lock"], LOCK_KEY):
        raise ImportBusy
    try:
        yield
    finally:
        await conn.fetchval(QUERIES["directory.unlock"], LOCK_KEY)


async def create_import(db: Executor, staff_id: int | None, file_name: str, full: bool) -> int:
    await db.execute(QUERIES["directory.purge_old_rows"], KEEP_ROWS_DAYS)
    import_id: int = await db.fetchval(
        QUERIES["directory.create_import"], staff_id, file_name[:200], full
    )
    return import_id


async def set_file_info(
    db: Executor,
    import_id: int,
    *,
    encoding: str,
    delimiter: str,
    columns: Sequence[str],
    lines: int,
) -> None:
    await db.execute(
        QUERIES["directory.set_file_info"], import_id, encoding, delimiter, list(columns), lines
    )


async def stage_rows(conn: Connection, rows: Sequence[tuple[Any, ...]]) -> None:
    """Rows read from the file, as tuples in the order of STAGED_COLUMNS (COPY)."""
    await conn.copy_records_to_table(
        "directory_import_rows", records=rows, columns=list(STAGED_COLUMNS)
    )


async def set_progress(db: Executor, import_id: int, lines_read: int) -> None:
    await db.execute(QUERIES["directory.set_progress"], import_id, lines_read)


async def fail_import(db: Executor, import_id: int, problem: str) -> None:
    await db.execute(QUERIES["directory.fail_import"], import_id, problem[:1000])


async def dry_run(conn: Connection, import_id: int, full: bool) -> Counts:
    """Judge the staged rows against what is registered now; nothing else is written."""
    await conn.execute(QUERIES["directory.analyze"])
    async with conn.transaction():
        await conn.execute(QUERIES["directory.classify"], import_id)
        absent = await conn.fetchval(QUERIES["directory.count_absent"], import_id) if full else 0
        counts = await _counts(conn, import_id, absent)
        await conn.execute(QUERIES["directory.finish_dry_run"], import_id, counts.to_json())
    return counts


async def apply(conn: Connection, import_id: int, staff_id: int | None) -> Counts:
    """Apply a dry-run import in one transaction, judged again (the portal may have
    changed things since the dry run). Raises DomainError if it is not ready."""
    async with conn.transaction():
        full = await conn.fetchval(QUERIES["directory.lock_ready_import"], import_id)
        if full is None:
            raise DomainError(
                f"L'import {import_id} n'attend pas de confirmation (déjà appliqué ou inconnu).",
                f"Import {import_id} is not waiting for confirmation (already applied or unknown).",
            )
        await conn.execute(QUERIES["directory.classify"], import_id)
        await conn.execute(QUERIES["directory.analyze"])  # the outcomes just written
        for step in APPLY_STEPS:
            await conn.execute(QUERIES[f"directory.{step}"], import_id)
        left = await conn.fetch(QUERIES["directory.left_behind"], import_id)
        await conn.execute(QUERIES["directory.drop_old_choices"], import_id)
        await conn.execute(QUERIES["directory.choose_voice"], import_id)
        await conn.execute(QUERIES["directory.record_listings"], import_id)
        await conn.execute(QUERIES["directory.drop_empty_members"], [r["member_id"] for r in left])
        await conn.execute(
            QUERIES["directory.drop_empty_households"], [r["household_id"] for r in left]
        )
        gone = await conn.fetchval(QUERIES["directory.deactivate_absent"], import_id) if full else 0
        counts = await _counts(conn, import_id, gone)
        await conn.execute(QUERIES["directory.finish_apply"], import_id, counts.to_json(), staff_id)
    return counts


async def _counts(conn: Connection, import_id: int, deactivated: int) -> Counts:
    row = await conn.fetchrow(QUERIES["directory.summary"], import_id)
    assert row is not None  # an aggregate always gives one row
    return Counts(deactivated=deactivated, **dict(row))


async def get_import(db: Executor, import_id: int) -> DirectoryImport | None:
    row = await db.fetchrow(QUERIES["directory.get_import"], import_id)
    if row is None:
        return None
    values = dict(row)
    values["dry_run"] = Counts.from_json(values["dry_run"])
    values["applied"] = Counts.from_json(values["applied"])
    return DirectoryImport(**values)


async def problem_rows(db: Executor, import_id: int, limit: int) -> list[ShownRow]:
    """Rows in error (and duplicates), with their line and reason, first ``limit``."""
    rows = await db.fetch(QUERIES["directory.problem_rows"], import_id, limit)
    return [ShownRow(r["line"], r["raw"], r["problem_fr"], r["problem_en"]) for r in rows]


async def unmatched_rows(db: Executor, import_id: int, limit: int) -> list[ShownRow]:
    """Listings whose address no sector covers, first ``limit``."""
    rows = await db.fetch(QUERIES["directory.unmatched_rows"], import_id, limit)
    return [ShownRow(r["line"], r["raw"], *_SECTOR_NOTES[r["sector_note"]]) for r in rows]


_SECTOR_NOTES = {
    "unknown_street": ("Rue inconnue des secteurs.", "Street unknown to the sectors."),
    "outside_segments": (
        "Rue connue, numéro hors des segments des secteurs.",
        "Known street, number outside the sectors' segments.",
    ),
    None: ("Aucun secteur.", "No sector."),
}


async def lift_exclusion(db: Executor, phone_e164: str) -> str | None:
    """Let the directory enroll this number again; the reason it was excluded, or None
    when it was not."""
    reason: str | None = await db.fetchval(QUERIES["directory.lift_exclusion"], phone_e164)
    return reason


async def recent_imports(db: Executor, limit: int) -> list[DirectoryImport]:
    """The latest imports, newest first."""
    ids = [r["id"] for r in await db.fetch(QUERIES["directory.recent_imports"], limit)]
    found = [await get_import(db, i) for i in ids]
    return [i for i in found if i is not None]
