"""Staff accounts in PostgreSQL (the rules are in ivr.accounts.staff)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

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
