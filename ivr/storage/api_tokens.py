"""JSON API tokens in PostgreSQL, stored by the SHA-256 of the token (never the token).

Creating and revoking a token is written to the audit log in the same transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from ivr.storage import audit
from ivr.storage.executor import Connection, Executor
from ivr.storage.queries import QUERIES


@dataclass(frozen=True)
class ApiToken:
    """A token as listed: no secret, not even its hash."""

    id: int
    name: str
    staff_id: int
    staff_email: str
    scopes: list[str]
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


@dataclass(frozen=True)
class TokenHolder:
    """Who a live token acts for, and what it may do."""

    token_id: int
    staff_id: int
    role: str
    scopes: frozenset[str]


async def insert(
    conn: Connection, name: str, staff_id: int, scopes: Sequence[str], token_hash: bytes
) -> int:
    async with conn.transaction():
        token_id: int = await conn.fetchval(
            QUERIES["api_tokens.create"], name, staff_id, list(scopes), token_hash
        )
        await audit.record(
            conn,
            staff_id=None,
            action="api_token.created",
            subject=f"api_token:{token_id}",
            details={"name": name, "acts_for": staff_id, "scopes": list(scopes)},
        )
    return token_id


async def revoke(conn: Connection, token_id: int) -> bool:
    """False when there is no such live token."""
    async with conn.transaction():
        row = await conn.fetchrow(QUERIES["api_tokens.revoke"], token_id)
        if row is None:
            return False
        await audit.record(
            conn,
            staff_id=None,
            action="api_token.revoked",
            subject=f"api_token:{token_id}",
            details={"name": row["name"], "acts_for": row["staff_id"]},
        )
    return True


async def list_all(db: Executor) -> list[ApiToken]:
    return [ApiToken(**dict(row)) for row in await db.fetch(QUERIES["api_tokens.list"])]


async def use(db: Executor, token_hash: bytes) -> TokenHolder | None:
    """The live token with this hash whose staff member is active, marked as used now."""
    row = await db.fetchrow(QUERIES["api_tokens.use"], token_hash)
    if row is None:
        return None
    return TokenHolder(row["id"], row["staff_id"], row["role"], frozenset(row["scopes"]))
