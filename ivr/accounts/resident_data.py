""" "My data" on the citizen portal: the alerts a resident received and how, everything
kept about them as one JSON document, and deleting the account.

Deleting erases the person (household, members, numbers and addresses no other
household lists, consents, change history, sessions); pending messages to them are
cancelled. What stays: a tombstone of the account (its id and dates), delivery
statistics on erased contact points (no number, no name), an audit entry, and the
numbers on the directory's do-not-enroll list, so a directory import does not enroll
them again until staff lift it (docs/portal.md).
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

import asyncpg

from ivr.accounts.passwords import verify_password
from ivr.domain.errors import DomainError
from ivr.storage import audit
from ivr.storage import resident_accounts as accounts
from ivr.storage import resident_data as store
from ivr.storage import resident_profile as profiles
from ivr.storage.resident_profile import Profile

log = logging.getLogger(__name__)


async def received(pool: asyncpg.Pool, found: Profile) -> list[Any]:
    if found.holder is None:
        return []
    return await store.received(pool, found.holder.id)


async def export(pool: asyncpg.Pool, found: Profile) -> dict[str, Any]:
    """Everything the portal keeps about the account's holder and household."""
    holder = found.holder
    member_id = holder.id if holder is not None else None
    dates = await store.account_dates(pool, found.account.id)
    document: dict[str, Any] = {
        "account": {"phone": found.account.phone_e164, **dates},
        "holder": None
        if holder is None
        else {
            "name": holder.name,
            "language": holder.language,
            "channel_order": list(found.channel_order),
        },
        "address": None
        if found.home is None
        else {
            "civic_number": found.home.civic_number,
            "street": found.home.street,
            "unit": found.home.unit,
            "community": found.home.community,
            "sector": found.home.sector_fr,
        },
        "household_members": [{"name": p.name, "language": p.language} for p in found.others],
        "phones": [
            {"number": p.e164, "kind": p.use or p.line_type, "channels": list(p.channels)}
            for p in found.phones
        ],
        "emails": [e.email for e in found.emails],
        "emails_waiting_for_their_link": [w.email for w in found.waiting],
        "consents": [],
        "opt_outs": [],
        "changes": [],
        "alerts_received": [],
    }
    if member_id is not None:
        document["consents"] = [_plain(r) for r in await store.consent_history(pool, member_id)]
        document["opt_outs"] = [_plain(r) for r in await store.opt_outs(pool, member_id)]
        document["alerts_received"] = [_plain(r) for r in await store.received(pool, member_id)]
    document["changes"] = [
        {"at": c.at.isoformat(), "by": "staff" if c.by_staff else "you", "changes": c.changes}
        for c in await profiles.changes(pool, found.account.id)
    ]
    return document


def _plain(row: Any) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in dict(row).items()}


async def delete_account(
    pool: asyncpg.Pool, account_id: int, password: str, *, client_address: str
) -> None:
    """Delete after the password is given again (a session left open is not enough).
    ``DomainError`` for a wrong password."""
    found = await profiles.account(pool, account_id)
    if found is None:
        return
    login = await accounts.find(pool, found.phone_e164)
    if login is None or not await verify_password(login.password_hash, password):
        raise DomainError("Mot de passe incorrect.", "Wrong password.")
    async with pool.acquire() as conn, conn.transaction():
        found = await profiles.account(conn, account_id, for_update=True)
        if found is None:
            return
        contacts = await store.own_contacts(conn, found.household_id, found.phone_e164)
        numbers = sorted({phone for _, phone in contacts if phone} | {found.phone_e164})
        await store.erase_contacts(conn, [contact_id for contact_id, _ in contacts])
        await store.exclude_from_directory(conn, numbers)
        await store.forget_account(conn, found.id, found.phone_e164, found.household_id)
        await audit.record(
            conn,
            staff_id=None,
            action="resident_account_deleted",
            subject=f"resident_account:{found.id}",
            details={"contacts_erased": len(contacts), "kept_from_directory": len(numbers)},
            client_address=client_address,
        )
    log.info("resident account deleted", extra={"account_id": account_id})
