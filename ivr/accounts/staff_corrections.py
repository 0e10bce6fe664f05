"""Staff corrections of a household that a resident keeps on the portal are shown in
the resident's change history, as theirs are ("by staff"): a resident sees every
change to their data, not only their own."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import asyncpg

from ivr.accounts.contact_form import differences
from ivr.storage import resident_profile as store


@contextlib.asynccontextmanager
async def shown_to_resident(
    pool: asyncpg.Pool, household_id: int, staff_id: int | None
) -> AsyncIterator[None]:
    """Record what the block changed in the household, if an account keeps it."""
    account = await store.account_keeping(pool, household_id)
    before = await store.profile(pool, account) if account is not None else None
    yield
    if account is None or before is None:
        return
    changes = differences(before, await store.profile(pool, account))
    if changes:
        await store.record_changes(pool, account.id, changes, staff_id)
