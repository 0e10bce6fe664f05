"""One-time codes in the database: issued under the hourly limits, checked under a row
lock, taken once by their channel's sender (docs/security.md)."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import timedelta

import asyncpg

from ivr.storage.executor import Connection, Executor
from ivr.storage.queries import QUERIES
from ivr.storage.wake_ups import listen_forever

log = logging.getLogger(__name__)

WAKE_CHANNEL = "ivr_one_time_codes"
"""``NOTIFY`` channel that wakes the senders; its payload is the code's channel only."""


@dataclass(frozen=True)
class NewCode:
    phone_e164: str
    purpose: str
    channel: str
    code_hash: bytes
    code_sealed: bytes
    client_hash: bytes
    lifetime: timedelta
    tries: int


@dataclass(frozen=True)
class StoredCode:
    id: int
    code_hash: bytes
    expired: bool
    used: bool
    tries_left: int


@dataclass(frozen=True)
class PendingCode:
    id: int
    phone_e164: str
    purpose: str
    channel: str
    code_sealed: bytes


async def issued_last_hour(
    conn: Connection, phone_e164: str, client_hash: bytes
) -> tuple[int, int]:
    """(codes to this number, codes to this client) in the last hour, once the caller's
    transaction holds both locks (so concurrent issues are counted one after the other)."""
    await conn.execute(QUERIES["one_time_codes.lock_requesters"], phone_e164, client_hash)
    row = await conn.fetchrow(QUERIES["one_time_codes.issued_last_hour"], phone_e164, client_hash)
    assert row is not None
    return row["by_phone"], row["by_client"]


async def insert(conn: Connection, code: NewCode) -> int:
    code_id: int = await conn.fetchval(
        QUERIES["one_time_codes.insert"],
        code.phone_e164, code.purpose, code.channel, code.code_hash, code.code_sealed,
        code.client_hash, code.lifetime, code.tries,
    )  # fmt: skip
    return code_id


async def latest_for_check(conn: Connection, phone_e164: str, purpose: str) -> StoredCode | None:
    """The code to check, locked until the caller's transaction ends."""
    row = await conn.fetchrow(QUERIES["one_time_codes.latest_for_check"], phone_e164, purpose)
    return None if row is None else StoredCode(**dict(row))


async def mark_used(conn: Connection, code_id: int) -> None:
    await conn.execute(QUERIES["one_time_codes.mark_used"], code_id)


async def count_wrong_try(conn: Connection, code_id: int) -> None:
    await conn.execute(QUERIES["one_time_codes.count_wrong_try"], code_id)


async def take_pending(db: Executor, channel: str, limit: int) -> list[PendingCode]:
    rows = await db.fetch(QUERIES["one_time_codes.take_pending"], channel, limit)
    return [PendingCode(**dict(row)) for row in rows]


async def sent(db: Executor, code_id: int, detail: str) -> None:
    await db.execute(QUERIES["one_time_codes.sent"], code_id, detail)


async def send_failed(db: Executor, code_id: int, detail: str) -> None:
    await db.execute(QUERIES["one_time_codes.send_failed"], code_id, detail)


async def sweep(db: Executor) -> None:
    await db.execute(QUERIES["one_time_codes.sweep"])


async def listen_for_new_codes(pool: asyncpg.Pool, woken: asyncio.Event) -> None:
    """Set ``woken`` at each new code, until cancelled."""
    await listen_forever(pool, WAKE_CHANNEL, woken)
