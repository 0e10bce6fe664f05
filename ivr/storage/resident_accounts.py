"""Residents' portal accounts in PostgreSQL, one live account per phone number."""

from __future__ import annotations

from dataclasses import dataclass

from ivr.storage.executor import Executor
from ivr.storage.queries import QUERIES


@dataclass(frozen=True)
class AccountLogin:
    id: int
    password_hash: str


async def find(db: Executor, phone_e164: str) -> AccountLogin | None:
    row = await db.fetchrow(QUERIES["resident_accounts.find"], phone_e164)
    return None if row is None else AccountLogin(row["id"], row["password_hash"])


async def save_password(db: Executor, phone_e164: str, password_hash: str) -> tuple[int, bool]:
    """Create the number's account or change its password: (account id, created)."""
    row = await db.fetchrow(QUERIES["resident_accounts.save_password"], phone_e164, password_hash)
    assert row is not None
    return row["id"], row["created"]


async def rehash(db: Executor, account_id: int, password_hash: str) -> None:
    await db.execute(QUERIES["resident_accounts.rehash"], account_id, password_hash)
