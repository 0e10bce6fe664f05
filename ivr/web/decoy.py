"""A decoy password hash, so an unknown email costs the same time as a wrong password.

Without it, "no such account" would answer in a millisecond and "wrong password"
after an argon2id verification, which tells an attacker which emails exist.
"""

from __future__ import annotations

import asyncio
import secrets

from ivr.accounts.passwords import hash_password, verify_password


class DecoyHash:
    def __init__(self) -> None:
        self._hash: str | None = None
        self._lock = asyncio.Lock()

    async def prepare(self) -> str:
        async with self._lock:
            if self._hash is None:
                self._hash = await hash_password(secrets.token_urlsafe(24))
            return self._hash

    async def verify(self, password: str) -> None:
        """Spend the time of one verification; the outcome is always a failure."""
        await verify_password(await self.prepare(), password)
