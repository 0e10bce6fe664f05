"""The SMS channel's writes, in batches (``Batches``): the SMSC's answers to parts,
delivery receipts, and messages from phones. Each is written before it is
acknowledged: a part's answer before its attempt is reported, a receipt or a message
before the SMSC hears ``deliver_sm_resp`` (so a crash in between makes the SMSC send it
again rather than lose it)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

import asyncpg

from ivr.dispatch.batches import Batches
from ivr.dispatch.sender import Claim
from ivr.storage import sms as sms_store
from ivr.storage.database import DATABASE_ERRORS, persistently
from ivr.storage.sms import PartRecord, ReceiptRecord

log = logging.getLogger(__name__)

SWEEP_SECONDS = 5.0
"""How often receipts that came before their part was written are looked at again."""

PartsOfAttempt = tuple[list[PartRecord], tuple[int, str] | None]
"""An attempt's parts, and its outcome when they settle it (attempt id, outcome)."""


class SmsRecords:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool
        self.parts: Batches[PartsOfAttempt, None] = Batches(self._write_parts)
        self.receipts: Batches[ReceiptRecord, None] = Batches(self._write_receipts)
        self.inbound: Batches[tuple[str, str, str], None] = Batches(self._write_inbound)
        self.inbound_arrived = asyncio.Event()

    async def run(self) -> None:
        """The writers, and a sweep for receipts that came before their part."""
        async with asyncio.TaskGroup() as tasks:
            for batches in (self.parts, self.receipts, self.inbound):
                tasks.create_task(batches.run())
            tasks.create_task(self._sweep())

    async def closed(self, claims: Sequence[Claim]) -> None:
        """Attempts the engine closed: apply what their receipts said meanwhile."""
        async with self.pool.acquire() as conn, conn.transaction():
            await sms_store.follow_receipts(
                conn, [c.attempt_id for c in claims], [c.delivery_id for c in claims]
            )

    async def _write_parts(self, rows: list[PartsOfAttempt]) -> list[None]:
        parts = [part for attempt_parts, _ in rows for part in attempt_parts]
        outcomes = [outcome for _, outcome in rows if outcome is not None]

        async def write() -> None:
            async with self.pool.acquire() as conn, conn.transaction():
                await sms_store.record_parts(conn, parts, outcomes)
                await sms_store.follow_receipts(conn)

        await persistently(write, what="record the SMSC's answers")
        return [None] * len(rows)

    async def _write_receipts(self, receipts: list[ReceiptRecord]) -> list[None]:
        async with self.pool.acquire() as conn, conn.transaction():
            await sms_store.add_receipts(conn, receipts)
            await sms_store.follow_receipts(conn)
        return [None] * len(receipts)

    async def _write_inbound(self, messages: list[tuple[str, str, str]]) -> list[None]:
        async with self.pool.acquire() as conn, conn.transaction():
            await sms_store.add_inbound(conn, messages)
        self.inbound_arrived.set()
        return [None] * len(messages)

    async def _sweep(self) -> None:
        while True:
            await asyncio.sleep(SWEEP_SECONDS)
            try:
                async with self.pool.acquire() as conn, conn.transaction():
                    await sms_store.follow_receipts(conn)
            except DATABASE_ERRORS as error:
                log.warning("receipts not followed up", extra={"error": str(error)})
