"""JSON API tokens: made, revoked, listed (``ivr create-api-token`` ...) and recognised.

A token is ``itum_`` and 32 random bytes (url-safe base64): the prefix lets secret
scanners and people recognise it. Only its SHA-256 is stored; with 256 random bits a
plain hash is enough (nothing to guess), and a request's token is looked up by its hash.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable

import asyncpg

from ivr.accounts.staff import validate_name
from ivr.domain.api_scopes import check_scopes
from ivr.domain.errors import DomainError
from ivr.storage import api_tokens as token_store
from ivr.storage import staff as staff_store
from ivr.storage.api_tokens import ApiToken, TokenHolder

TOKEN_PREFIX = "itum_"  # noqa: S105 (the visible prefix, not a secret)
_TOKEN_SHAPE = re.compile(re.escape(TOKEN_PREFIX) + r"[A-Za-z0-9_-]{43}")


def token_hash(token: str) -> bytes:
    return hashlib.sha256(token.encode("ascii")).digest()


async def create_api_token(
    pool: asyncpg.Pool, name: str, staff_email: str, scopes: Iterable[str]
) -> tuple[int, str]:
    """A new token acting for the active staff member ``staff_email``; returns its id
    and the token, which nobody can see again. Raises DomainError."""
    name = validate_name(name)
    account = await staff_store.find_login(pool, staff_email)
    if account is None or account.disabled:
        raise DomainError(
            "Aucun compte actif du personnel pour ce courriel.",
            "No active staff account with this email.",
        )
    allowed = check_scopes(account.role, scopes)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    async with pool.acquire() as conn:
        token_id = await token_store.insert(conn, name, account.id, allowed, token_hash(token))
    return token_id, token


async def revoke_api_token(pool: asyncpg.Pool, token_id: int) -> None:
    async with pool.acquire() as conn:
        if not await token_store.revoke(conn, token_id):
            raise DomainError(
                f"Aucun jeton actif numéro {token_id}.", f"No live token number {token_id}."
            )


async def list_api_tokens(pool: asyncpg.Pool) -> list[ApiToken]:
    return await token_store.list_all(pool)


async def recognise(pool: asyncpg.Pool, token: str) -> TokenHolder | None:
    """Who ``token`` acts for, or None (malformed, unknown, revoked, staff disabled)."""
    if not _TOKEN_SHAPE.fullmatch(token):
        return None
    return await token_store.use(pool, token_hash(token))
