"""Email addresses residents added, waiting for their link (ivr.accounts.email_links)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import asyncpg

from ivr.storage.executor import Executor
from ivr.storage.queries import QUERIES
from ivr.storage.wake_ups import listen_forever

WAKE_CHANNEL = "ivr_email_verifications"


@dataclass(frozen=True)
class LinkToSend:
    id: int
    email: str
    language: str


@dataclass(frozen=True)
class Waiting:
    id: int
    account_id: int
    member_id: int
    email: str


async def listen(pool: asyncpg.Pool, woken: asyncio.Event) -> None:
    await listen_forever(pool, WAKE_CHANNEL, woken)


async def take_pending(db: Executor, limit: int) -> list[LinkToSend]:
    await db.execute(QUERIES["email_verifications.release_stuck"])
    rows = await db.fetch(QUERIES["email_verifications.take_pending"], limit)
    return [LinkToSend(r["id"], r["email"], r["language"]) for r in rows]


async def sent(db: Executor, verification_id: int, detail: str) -> None:
    await db.execute(QUERIES["email_verifications.sent"], verification_id, detail)


async def try_again(db: Executor, verification_id: int, detail: str, after: float) -> None:
    await db.execute(QUERIES["email_verifications.try_again"], verification_id, detail, after)


async def send_failed(db: Executor, verification_id: int, detail: str) -> None:
    await db.execute(QUERIES["email_verifications.send_failed"], verification_id, detail)


async def waiting(db: Executor, verification_id: int) -> Waiting | None:
    row = await db.fetchrow(QUERIES["email_verifications.waiting"], verification_id)
    if row is None:
        return None
    return Waiting(row["id"], row["account_id"], row["member_id"], row["email"])


async def address(db: Executor, verification_id: int) -> str | None:
    found: str | None = await db.fetchval(QUERIES["email_verifications.address"], verification_id)
    return found


async def mark_verified(db: Executor, verification_id: int) -> None:
    await db.execute(QUERIES["email_verifications.mark_verified"], verification_id)
