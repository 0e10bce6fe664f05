"""A resident's own data as the portal shows and exports it, and its erasure when the
account is deleted (ivr.accounts.resident_data)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ivr.storage.executor import Executor
from ivr.storage.queries import QUERIES

RECEIVED_SHOWN = 200


async def received(db: Executor, member_id: int, limit: int = RECEIVED_SHOWN) -> list[Any]:
    return list(await db.fetch(QUERIES["resident_data.received"], member_id, limit))


async def account_dates(db: Executor, account_id: int) -> dict[str, str]:
    row = await db.fetchrow(QUERIES["resident_data.account_dates"], account_id)
    return {} if row is None else {k: v.isoformat() for k, v in dict(row).items()}


async def consent_history(db: Executor, member_id: int) -> list[Any]:
    return list(await db.fetch(QUERIES["resident_data.consent_history"], member_id))


async def opt_outs(db: Executor, member_id: int) -> list[Any]:
    return list(await db.fetch(QUERIES["resident_data.opt_outs"], member_id))


async def own_contacts(
    db: Executor, household_id: int | None, phone_e164: str
) -> list[tuple[int, str | None]]:
    rows = await db.fetch(QUERIES["resident_data.own_contacts"], household_id, phone_e164)
    return [(r["id"], r["phone_e164"]) for r in rows]


async def erase_contacts(db: Executor, contact_ids: Sequence[int]) -> None:
    await db.execute(QUERIES["resident_data.cancel_pending"], list(contact_ids))
    await db.execute(QUERIES["resident_data.erase_contacts"], list(contact_ids))


async def exclude_from_directory(db: Executor, numbers: Sequence[str]) -> None:
    await db.execute(QUERIES["resident_data.exclude_from_directory"], list(numbers))


async def forget_account(
    db: Executor, account_id: int, phone_e164: str, household_id: int | None
) -> bool:
    """Leave the tombstone and remove the household; False if already deleted."""
    done = await db.fetchval(QUERIES["resident_data.forget_account"], account_id, phone_e164)
    if done is not None and household_id is not None:
        await db.execute(QUERIES["resident_data.delete_household"], household_id)
    return done is not None
