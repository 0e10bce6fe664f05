"""Staff accounts in PostgreSQL (the rules are in ivr.accounts.staff)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import asyncpg

from ivr.storage.executor import Connection, Executor
from ivr.storage.queries import QUERIES


@dataclass(frozen=True)
class StaffMember:
    id: int
    email: str
    display_name: str
    role: str
    disabled: bool
    created_at: datetime
    last_login_at: datetime | None


@dataclass(frozen=True)
class StaffLogin:
    """What sign-in needs: the account and its password hash."""

    id: int
    email: str
    display_name: str
    role: str
    password_hash: str
    disabled: bool


@dataclass(frozen=True)
class Totp:
    """A staff member's authenticator: its sealed secret, and since when it is in use."""

    secret_sealed: bytes
    confirmed_at: datetime | None


class EmailTaken(Exception):
    """Another account already has this email (case ignored)."""


async def insert(db: Executor, email: str, name: str, role: str, password_hash: str) -> int:
    try:
        staff_id: int = await db.fetchval(QUERIES["staff.create"], email, name, role, password_hash)
    except asyncpg.UniqueViolationError:
        raise EmailTaken(email) from None
    return staff_id


async def find_login(db: Executor, email: str) -> StaffLogin | None:
    """The account signing in with ``email`` (case ignored), disabled or not."""
    row = await db.fetchrow(QUERIES["staff.get_by_email"], email)
    return None if row is None else StaffLogin(**dict(row))


async def find_login_by_id(db: Executor, staff_id: int) -> StaffLogin | None:
    row = await db.fetchrow(QUERIES["staff.get_login_by_id"], staff_id)
    return None if row is None else StaffLogin(**dict(row))


async def list_all(db: Executor) -> list[StaffMember]:
    return [StaffMember(**dict(row)) for row in await db.fetch(QUERIES["staff.list"])]


async def count(db: Executor) -> int:
    """How many staff accounts exist (disabled ones included)."""
    total: int = await db.fetchval(QUERIES["staff.count"])
    return total


async def password_hash(db: Executor, staff_id: int) -> str:
    value: str = await db.fetchval(QUERIES["staff.password_hash"], staff_id)
    return value


async def set_password(db: Executor, staff_id: int, new_hash: str) -> None:
    """A password change (its time is recorded)."""
    await db.execute(QUERIES["staff.set_password"], staff_id, new_hash)


async def rehash(db: Executor, staff_id: int, new_hash: str) -> None:
    """The same password hashed with current parameters (not a change)."""
    await db.execute(QUERIES["staff.rehash"], staff_id, new_hash)


async def record_login(db: Executor, staff_id: int) -> None:
    await db.execute(QUERIES["staff.record_login"], staff_id)


async def lock_for_removal(conn: Connection) -> None:
    """Inside a transaction: no other removal runs until it ends."""
    await conn.execute(QUERIES["staff.lock_for_removal"])


async def get_role_state(db: Executor, staff_id: int) -> tuple[str, bool] | None:
    """(role, disabled) of an account, or None if there is none."""
    row = await db.fetchrow(QUERIES["staff.get"], staff_id)
    return None if row is None else (row["role"], row["disabled"])


async def count_active_admins(db: Executor) -> int:
    total: int = await db.fetchval(QUERIES["staff.count_active_admins"])
    return total


async def disable(db: Executor, staff_id: int) -> None:
    await db.execute(QUERIES["staff.disable"], staff_id)


async def totp(db: Executor, staff_id: int) -> Totp | None:
    row = await db.fetchrow(QUERIES["staff.totp_get"], staff_id)
    return None if row is None else Totp(row["secret_sealed"], row["confirmed_at"])


async def totp_enrolled(db: Executor, staff_id: int) -> bool:
    """Whether the account signs in with a one-time code (a confirmed authenticator)."""
    enrolled: bool = await db.fetchval(QUERIES["staff.totp_enrolled"], staff_id)
    return enrolled


async def totp_start(db: Executor, staff_id: int, secret_sealed: bytes) -> None:
    """Keep a new secret until its first code confirms it (a confirmed one stays)."""
    await db.execute(QUERIES["staff.totp_start"], staff_id, secret_sealed)


async def totp_confirm(db: Executor, staff_id: int, step: int) -> bool:
    """The first good code: the authenticator is in use from now on."""
    return await db.fetchval(QUERIES["staff.totp_confirm"], staff_id, step) is not None


async def totp_use_step(db: Executor, staff_id: int, step: int) -> bool:
    """Record a code's time-step; False if that step or a later one was already used."""
    return await db.fetchval(QUERIES["staff.totp_use_step"], staff_id, step) is not None


async def totp_remove(db: Executor, staff_id: int) -> bool:
    return await db.fetchval(QUERIES["staff.totp_remove"], staff_id) is not None


async def code_step_begin(
    db: Executor, session_hash: bytes, staff_id: int, lifetime: timedelta
) -> None:
    """This pre-login session gave the right password for ``staff_id``; it may give the
    code within ``lifetime``."""
    await db.execute(QUERIES["staff.code_step_begin"], session_hash, staff_id, lifetime)


async def code_step_staff(db: Executor, session_hash: bytes) -> int | None:
    """The staff member whose code this session may give, if still in time."""
    staff_id: int | None = await db.fetchval(QUERIES["staff.code_step_staff"], session_hash)
    return staff_id
