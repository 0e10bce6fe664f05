"""Rate limiting of failed sign-ins, per account and per client address.

Failures are rows in PostgreSQL, so limits hold across restarts and processes.
The account is stored as an HMAC of the typed email (lower-cased), so an unknown
email is limited exactly like a known one and no typed text is kept. Rows older
than the window are purged. Each site has its own key and names itself (``site``) in
the stored address, so failures on the residents' portal never block staff sign-ins
from the same address (a band office or a phone carrier shares one).
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import timedelta

import asyncpg

from ivr.storage import login_failures


@dataclass(frozen=True)
class ThrottlePolicy:
    window: timedelta = timedelta(minutes=15)
    per_account: int = 5
    per_address: int = 20


class LoginThrottle:
    def __init__(
        self, pool: asyncpg.Pool, key: bytes, policy: ThrottlePolicy, *, site: str = ""
    ) -> None:
        self._pool = pool
        self._key = key
        self.policy = policy
        self._site = site

    def _address(self, client_address: str) -> str:
        return f"{self._site} {client_address}" if self._site else client_address

    def account_hash(self, email: str) -> bytes:
        return hmac.new(self._key, email.strip().lower().encode(), hashlib.sha256).digest()

    async def is_blocked(self, email: str, client_address: str) -> bool:
        """True once the account or the address reached its limit within the window."""
        by_account, by_address = await login_failures.counts(
            self._pool, self.account_hash(email), self._address(client_address), self.policy.window
        )
        return by_account >= self.policy.per_account or by_address >= self.policy.per_address

    async def record_failure(self, email: str, client_address: str) -> None:
        await login_failures.record(
            self._pool, self.account_hash(email), self._address(client_address)
        )

    async def clear_account(self, email: str) -> None:
        """After a successful sign-in the account starts afresh (the address does not)."""
        await login_failures.clear_account(self._pool, self.account_hash(email))

    async def purge(self) -> None:
        await login_failures.purge(self._pool, self.policy.window)
