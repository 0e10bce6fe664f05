"""Failed sign-ins kept for rate limiting, by account hash and client address."""

from __future__ import annotations

from datetime import timedelta

from ivr.storage.executor import Executor
from ivr.storage.queries import QUERIES


async def counts(
    db: Executor, account_hash: bytes, client_address: str, window: timedelta
) -> tuple[int, int]:
    """Failures within ``window``: (for this account, from this address)."""
    row = await db.fetchrow(QUERIES["login_failures.count"], account_hash, client_address, window)
    assert row is not None
    return row["by_account"], row["by_address"]


async def record(db: Executor, account_hash: bytes, client_address: str) -> None:
    await db.execute(QUERIES["login_failures.record"], account_hash, client_address)


async def clear_account(db: Executor, account_hash: bytes) -> None:
    await db.execute(QUERIES["login_failures.clear_account"], account_hash)


async def purge(db: Executor, window: timedelta) -> None:
    await db.execute(QUERIES["login_failures.purge"], window)
