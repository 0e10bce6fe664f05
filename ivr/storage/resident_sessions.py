"""Residents' portal sessions in PostgreSQL, stored by the hash of their token, with the
phone number a pre-login session is proving."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from ivr.storage.executor import Executor
from ivr.storage.queries import QUERIES


@dataclass(frozen=True)
class Flow:
    """A number being proven by a one-time code, for ``purpose`` (sign_up or reset)."""

    phone_e164: str
    purpose: str
    proven: bool


@dataclass(frozen=True)
class SessionRow:
    token_hash: bytes
    csrf_token: str
    created_at: datetime
    expires_at: datetime
    account_id: int | None
    account_phone: str | None
    flow: Flow | None


async def create(
    db: Executor,
    token_hash: bytes,
    account_id: int | None,
    csrf_token: str,
    *,
    lifetime: timedelta,
    flow: Flow | None = None,
    proven_for: timedelta | None = None,
) -> tuple[datetime, datetime]:
    """A new session (``proven_for``: how long ``flow`` stays proven); returns
    (created_at, expires_at)."""
    row = await db.fetchrow(
        QUERIES["resident_sessions.create"],
        token_hash, account_id, csrf_token, lifetime,
        flow.phone_e164 if flow else None, flow.purpose if flow else None, proven_for,
    )  # fmt: skip
    assert row is not None
    return row["created_at"], row["expires_at"]


async def touch(db: Executor, token_hash: bytes, idle: timedelta) -> SessionRow | None:
    """The live session, marked as seen now."""
    row = await db.fetchrow(QUERIES["resident_sessions.touch"], token_hash, idle)
    if row is None:
        return None
    flow = None
    if row["flow_phone_e164"] is not None:
        flow = Flow(row["flow_phone_e164"], row["flow_purpose"], bool(row["flow_proven"]))
    return SessionRow(
        row["token_hash"], row["csrf_token"], row["created_at"], row["expires_at"],
        row["account_id"], row["account_phone"], flow,
    )  # fmt: skip


async def start_flow(db: Executor, token_hash: bytes, phone_e164: str, purpose: str) -> None:
    await db.execute(QUERIES["resident_sessions.start_flow"], token_hash, phone_e164, purpose)


async def delete(db: Executor, token_hash: bytes) -> None:
    await db.execute(QUERIES["resident_sessions.delete"], token_hash)


async def delete_for_account(db: Executor, account_id: int) -> None:
    await db.execute(QUERIES["resident_sessions.delete_for_account"], account_id)


async def purge_expired(db: Executor, idle: timedelta) -> None:
    await db.execute(QUERIES["resident_sessions.purge_expired"], idle)
