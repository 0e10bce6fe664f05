"""Retention: once an alert ended ``IVR_RETENTION_DAYS`` ago, what identifies a person
in its deliveries is pseudonymized; what the reports count stays (docs/backups.md).

Work goes in bounded batches, each statement its own transaction, so a large history
never holds long locks. ``ivr serve`` applies it periodically, ``ivr apply-retention``
at once; one run at a time, each run that changed something audited (counts only).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import asdict, dataclass, fields

import asyncpg

from ivr.storage import audit
from ivr.storage.database import DATABASE_ERRORS
from ivr.storage.executor import Connection
from ivr.storage.queries import QUERIES

log = logging.getLogger(__name__)

BATCH_SIZE = 1000
FIRST_RUN_DELAY_SECONDS = 60.0
INTERVAL_SECONDS = 6 * 3600.0


@dataclass
class Pseudonymized:
    """How many rows one run changed, per kind."""

    alerts: int = 0
    deliveries: int = 0
    attempts: int = 0
    sms_parts: int = 0
    sms_inbound: int = 0
    sms_receipts: int = 0
    email_bounces: int = 0
    information_calls: int = 0
    contact_points: int = 0

    def total(self) -> int:
        return sum(getattr(self, f.name) for f in fields(self))


_OTHER_TABLES = (
    ("sms_inbound", "retention.pseudonymize_inbound"),
    ("sms_receipts", "retention.delete_receipts"),
    ("email_bounces", "retention.pseudonymize_bounces"),
    ("information_calls", "retention.forget_callers"),
    ("contact_points", "retention.erase_contacts"),  # after the calls that kept them
)


async def apply_retention(
    pool: asyncpg.Pool, days: int, *, batch_size: int = BATCH_SIZE
) -> Pseudonymized | None:
    """Pseudonymize what is older than ``days`` (0: nothing); None when another run
    is under way."""
    done = Pseudonymized()
    if days == 0:
        return done
    async with pool.acquire() as conn:
        if not await conn.fetchval(QUERIES["retention.try_lock"]):
            return None
        try:
            await _alerts(conn, days, batch_size, done)
            for name, query in _OTHER_TABLES:
                while changed := await conn.fetchval(QUERIES[query], days, batch_size):
                    setattr(done, name, getattr(done, name) + changed)
            if done.total():
                await audit.record(
                    conn,
                    staff_id=None,
                    action="retention_applied",
                    subject=f"{days} days",
                    details=asdict(done),
                )
        finally:
            await conn.execute(QUERIES["retention.unlock"])
    return done


async def _alerts(conn: Connection, days: int, batch_size: int, done: Pseudonymized) -> None:
    """Each due alert's deliveries in batches, then the alert marked done."""
    for alert in await conn.fetch(QUERIES["retention.due_alerts"], days):
        last_id = 0
        while True:
            row = await conn.fetchrow(
                QUERIES["retention.pseudonymize_deliveries"], last_id, alert["id"], batch_size
            )
            assert row is not None  # an aggregate always gives a row
            if row["last_id"] is None:
                break
            last_id = row["last_id"]
            done.deliveries += row["deliveries"]
            done.attempts += row["attempts"]
            done.sms_parts += row["sms_parts"]
        await conn.execute(QUERIES["retention.mark_alert"], alert["id"])
        done.alerts += 1


@contextlib.asynccontextmanager
async def periodic_retention(pool: asyncpg.Pool, days: int) -> AsyncIterator[None]:
    """Apply retention a minute after start, then every six hours, while in the block."""
    task = asyncio.create_task(_apply_forever(pool, days), name="retention")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def _apply_forever(pool: asyncpg.Pool, days: int) -> None:
    if days == 0:
        return
    await asyncio.sleep(FIRST_RUN_DELAY_SECONDS)
    while True:
        try:
            done = await apply_retention(pool, days)
            if done is not None and done.total():
                log.info("retention applied", extra=asdict(done))
        except DATABASE_ERRORS as error:
            log.warning("retention failed; will retry", extra={"error": str(error)})
        await asyncio.sleep(INTERVAL_SECONDS)
