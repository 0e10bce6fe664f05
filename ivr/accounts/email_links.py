"""An email address a resident added on the portal is used for alerts only once the
link sent to it was opened and confirmed: nobody can have alerts (or their personal
notices) sent to an address they do not read, and a typo does not swallow alerts.

Opening the link shows a button; only the POST confirms (mail scanners open links)."""

from __future__ import annotations

import asyncpg

from ivr.storage import email_verifications as store
from ivr.storage import people, resident_profile


async def confirm(pool: asyncpg.Pool, verification_id: int) -> str | None:
    """Put the address in use for the member who added it; the address, or None when
    the link was used already, expired, or its account was deleted."""
    async with pool.acquire() as conn, conn.transaction():
        found = await store.waiting(conn, verification_id)
        if found is None:
            return None
        contact_id = await people.add_email(conn, found.email, "portal")
        await people.set_verification(conn, contact_id, "verified")
        await people.choose_channel(conn, found.member_id, contact_id, "email")
        await store.mark_verified(conn, verification_id)
        await resident_profile.record_changes(
            conn, found.account_id, [{"field": "emails", "before": "", "after": found.email}]
        )
    return found.email
