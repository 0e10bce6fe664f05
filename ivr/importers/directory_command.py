"""``ivr import-directory`` and ``ivr lift-directory-exclusion``: the directory import
from the command line, with a progress bar on a terminal and the dry run's summary
(docs/directory.md). Both are recorded in the audit log (no staff member: the CLI)."""

from __future__ import annotations

import re
import sys
from dataclasses import asdict
from pathlib import Path
from typing import TextIO

import asyncpg

from ivr.config import Settings
from ivr.domain.directory import business_pattern, directory_phone
from ivr.importers.directory import apply_import, read_import
from ivr.importers.directory_file import describe_delimiter
from ivr.storage import audit, directory
from ivr.storage.directory import Counts
from ivr.storage.lifecycle import open_database

SHOWN_ROWS = 200
LABELS = (
    ("new", "new"), ("updated", "updated"), ("unchanged", "unchanged"),
    ("deactivated", "deactivated (absent from the full listing)"),
    ("claimed", "kept: claimed on the portal"), ("excluded", "skipped: account deleted"),
    ("kept", "kept: registered by staff"), ("business", "skipped: business"),
    ("errors", "rows in error"), ("unmatched", "addresses in no sector"),
)  # fmt: skip


class ProgressBar:
    """A plain bar on a terminal, rewritten in place; nothing when not a terminal."""

    def __init__(self, out: TextIO, width: int = 30) -> None:
        self.out, self.width = out, width

    def __call__(self, done: int, total: int) -> None:
        if not self.out.isatty():
            return
        share = done / total if total else 1.0
        filled = round(share * self.width)
        bar = "#" * filled + "-" * (self.width - filled)
        self.out.write(f"\r[{bar}] {share:4.0%} {done}/{total} lines")
        if done >= total:
            self.out.write("\n")
        self.out.flush()


async def import_directory(settings: Settings, path: Path, *, apply: bool, full: bool) -> int:
    rule = business_pattern(settings.directory_business_pattern)
    async with open_database(settings) as pool:
        import_id = await directory.create_import(pool, None, path.name, full)
        with path.open("rb") as stream:
            reading = await read_import(pool, import_id, stream, rule, ProgressBar(sys.stderr))
        await _audit(pool, "directory.read", import_id, full=full, file=path.name)
        kind = "full" if full else "partial"
        print(f"import {import_id} of {path.name} ({kind} listing): encoding {reading.encoding}, "
              f"separator {describe_delimiter(reading.delimiter)}, "
              f"columns {', '.join(reading.columns)}")  # fmt: skip
        _print_counts("dry run", reading.counts)
        await _print_rows(pool, import_id)
        if not apply:
            print("nothing changed; run again with --apply to apply")
            return 0
        done = await apply_import(pool, import_id, None)
        await _audit(pool, "directory.applied", import_id, **asdict(done))
    _print_counts("applied", done)
    return 0


async def lift_exclusion(settings: Settings, number: str) -> int:
    phone = directory_phone(number)
    async with open_database(settings) as pool:
        reason = await directory.lift_exclusion(pool, phone)
        if reason is None:
            print(f"{phone} was not excluded; nothing changed")
            return 1
        await audit.record(pool, staff_id=None, action="directory.exclusion_lifted",
                           subject=phone, details={"via": "cli", "reason": reason})  # fmt: skip
    print(f"{phone}: exclusion ({reason}) lifted; the next import may enroll it again")
    return 0


async def _audit(pool: asyncpg.Pool, action: str, import_id: int, **details: object) -> None:
    await audit.record(pool, staff_id=None, action=action, subject=f"import {import_id}",
                       details={"via": "cli", **details})  # fmt: skip


def _print_counts(title: str, counts: Counts) -> None:
    print(f"{title}: {counts.rows} rows")
    for name, label in LABELS:
        print(f"  {label:<44} {getattr(counts, name):>7}")


async def _print_rows(pool: asyncpg.Pool, import_id: int) -> None:
    errors = await directory.problem_rows(pool, import_id, SHOWN_ROWS)
    unmatched = await directory.unmatched_rows(pool, import_id, SHOWN_ROWS)
    for title, rows in (("rows in error", errors), ("addresses in no sector", unmatched)):
        if rows:
            print(f"{title} (the first {SHOWN_ROWS} at most):")
        for row in rows:
            print(f"  line {row.line}: {_one_line(row.raw)} -- {row.reason_en}")


def _one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text)[:120]
