"""Staff web sessions in PostgreSQL, stored by the hash of their token."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from ivr.storage.executor import Executor
from ivr.storage.queries import QUERIES


@dataclass(frozen=True)
class SessionStaff:
    id: int
    email: str
    display_name: str
    role: str
    disabled: bool


@dataclass(frozen=True)
class SessionRow:
    token_hash: bytes
    csrf_token: str
    created_at: datetime
    expires_at: datetime
    staff: SessionStaff | None
    """None for a pre-login session."""


async def create(
    db: Executor, token_hash: bytes, staff_id: int | None, csrf_token: str, lifetime: timedelta
) -> tuple[datetime, datetime]:
    """A new session; returns (created_at, expires_at)."""
    row = await db.fetchrow(
        QUERIES["web_sessions.create"], token_hash, staff_id, csrf_token, lifetime
    )
    assert row is not None
    return row["created_at"], row["expires_at"]


async def touch(db: Executor, token_hash: bytes, idle: timedelta) -> SessionRow | None:
    """The live session (not expired, not idle longer than ``idle``), marked as seen now."""
    row = await db.fetchrow(QUERIES["web_sessions.touch"], token_hash, idle)
    if row is None:
        return None
    staff = None
    if row["staff_id"] is not None:
        staff = SessionStaff(
            row["staff_id"], row["email"], row["display_name"], row["role"], row["disabled"]
        )
    return SessionRow(
        row["token_hash"], row["csrf_token"], row["created_at"], row["expires_at"], staff
    )


async def delete(db: Executor, token_hash: bytes) -> None:
    await db.execute(QUERIES["web_sessions.delete"], token_hash)


async def delete_for_staff(db: Executor, staff_id: int, keep_token_hash: bytes = b"") -> None:
    """End every session of a staff member but the one kept (if any)."""
    await db.execute(QUERIES["web_sessions.delete_for_staff"], staff_id, keep_token_hash)


async def purge_expired(db: Executor, idle: timedelta) -> None:
    await db.execute(QUERIES["web_sessions.purge_expired"], idle)


async def count_active(db: Executor, idle: timedelta) -> int:
    total: int = await db.fetchval(QUERIES["web_sessions.count_active"], idle)
    return total
