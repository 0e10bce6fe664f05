"""Residents' portal accounts: a password chosen once the phone number is proven by a
one-time code, and a reset code that never tells whether the number has an account.

A number's account is created, or its password changed, by whoever proves the number:
holding the phone is the only credential the portal knows. Changing a password ends
every session of the account and sends the number a notice by text message, so a
change the resident did not make does not go unseen (docs/portal.md).
"""

from __future__ import annotations

import asyncpg

from ivr.accounts.one_time_codes import CodeKeys, issue_code
from ivr.accounts.passwords import check_strength, hash_password
from ivr.storage import one_time_codes as code_store
from ivr.storage import resident_accounts as store
from ivr.storage import resident_notices, resident_sessions


async def save_password(pool: asyncpg.Pool, phone_e164: str, password: str) -> tuple[int, bool]:
    """Create the proven number's account or change its password: (account id, created).
    ``DomainError`` for a password ``check_strength`` refuses."""
    check_strength(password)
    password_hash = await hash_password(password)
    async with pool.acquire() as conn, conn.transaction():
        account_id, created = await store.save_password(conn, phone_e164, password_hash)
        if not created:
            await resident_sessions.delete_for_account(conn, account_id)
            await resident_notices.add(conn, phone_e164, "password_changed")
    return account_id, created


async def request_reset_code(
    pool: asyncpg.Pool, keys: CodeKeys, *, phone_e164: str, client_address: str
) -> None:
    """A reset code to the number if it has an account. Without one, the same lookup and
    the same locked count of the hourly limits, with no code stored or sent, so the
    answer takes the same time (one INSERT less). ``TooManyCodes`` can only come for an
    account: the caller answers it like the rest."""
    if await store.find(pool, phone_e164) is not None:
        await issue_code(pool, keys, phone=phone_e164, purpose="reset", channel="sms",
                         client_address=client_address)  # fmt: skip
        return
    async with pool.acquire() as conn, conn.transaction():
        await code_store.issued_last_hour(conn, phone_e164, keys.client_hash(client_address))
