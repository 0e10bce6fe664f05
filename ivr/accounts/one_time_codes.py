"""One-time codes that prove a resident holds a phone number (the citizen portal's
sign-up and reset): 6 digits, sent by text message or read by a call, 10 minutes, 5
tries, used once.

How a code is kept, and why:

- **Checked against an HMAC-SHA256**, keyed from the site's secret key and bound to the
  number and purpose, not argon2. A 6-digit code has a million values: any hash that
  can be checked at all can be searched through offline, argon2 included (a few days on
  two cores). What protects the code is a key the table does not hold: without it a
  copy of the table gives nothing to search, with it the sealed code (below) would open
  anyway. An HMAC also costs nothing per check, and a key changed invalidates every code.
- **Sealed with AES-256-GCM** (key derived by HKDF, number and purpose authenticated)
  from issue until its channel's sender takes it: the sender runs in another task,
  maybe another process, and the code must not pass in clear through the database or a
  ``NOTIFY`` payload. The sender empties the column in the same statement that takes the
  row, so the code in clear lives only in the issuer's and the sender's memory.
- **Limits**: 3 codes per number and 10 per client address an hour; the address is
  kept as an HMAC, never in clear. 5 tries per code; a new code replaces earlier ones.

A refused check says why for the logs (``no_code``, ``used``, ``expired``,
``too_many_tries``, ``wrong``); whoever asked is told the same thing in every case.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
from dataclasses import dataclass
from datetime import timedelta

import asyncpg
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from ivr.domain.errors import DomainError
from ivr.domain.phone import parse_phone
from ivr.storage import one_time_codes as store
from ivr.storage.one_time_codes import NewCode

log = logging.getLogger(__name__)

DIGITS = 6
LIFETIME = timedelta(minutes=10)
TRIES = 5
PER_PHONE_PER_HOUR = 3
PER_CLIENT_PER_HOUR = 10
PURPOSES = frozenset({"sign_up", "reset"})
CHANNELS = frozenset({"sms", "voice"})
_NONCE_BYTES = 12
_LONGEST_INPUT = 32


class TooManyCodes(DomainError):
    """The hourly limit of the number (``phone``) or of the client (``client``)."""

    def __init__(self, limit: str) -> None:
        super().__init__(
            "Trop de codes demandés. Réessayez dans une heure.",
            "Too many codes requested. Try again in an hour.",
        )
        self.limit = limit


@dataclass(frozen=True)
class CheckResult:
    accepted: bool
    reason: str
    """For the logs only: whoever typed the code is told the same for every refusal."""


class CodeKeys:
    """The keys of the codes, each derived from the site's secret key for one use."""

    def __init__(self, site_key: str) -> None:
        if not site_key:
            raise DomainError(
                "Les codes à usage unique demandent IVR_SECRET_KEY.",
                "One-time codes need IVR_SECRET_KEY.",
            )
        self._hash_key = _derive(site_key, b"information-itum one-time code hash")
        self._client_key = _derive(site_key, b"information-itum one-time code client")
        self._aead = AESGCM(_derive(site_key, b"information-itum one-time code seal"))

    def code_hash(self, phone_e164: str, purpose: str, code: str) -> bytes:
        message = f"{phone_e164}\0{purpose}\0{code}".encode()
        return hmac.new(self._hash_key, message, hashlib.sha256).digest()

    def client_hash(self, client_address: str) -> bytes:
        return hmac.new(self._client_key, client_address.encode(), hashlib.sha256).digest()

    def seal(self, phone_e164: str, purpose: str, code: str) -> bytes:
        nonce = os.urandom(_NONCE_BYTES)
        return nonce + self._aead.encrypt(nonce, code.encode(), _bound_to(phone_e164, purpose))

    def open(self, phone_e164: str, purpose: str, sealed: bytes) -> str | None:
        """The code, or None when it was sealed under another key or for another number."""
        nonce, ciphertext = sealed[:_NONCE_BYTES], sealed[_NONCE_BYTES:]
        try:
            code = self._aead.decrypt(nonce, ciphertext, _bound_to(phone_e164, purpose))
        except InvalidTag:
            return None
        return code.decode()


def new_code() -> str:
    return f"{secrets.randbelow(10**DIGITS):0{DIGITS}d}"


def is_code(text: str) -> bool:
    return len(text) == DIGITS and text.isascii() and text.isdigit()


async def issue_code(
    pool: asyncpg.Pool,
    keys: CodeKeys,
    *,
    phone: str,
    purpose: str,
    channel: str,
    client_address: str,
) -> int:
    """Store a new code for ``phone`` (as typed) and wake its channel's sender; the
    code's id. ``TooManyCodes`` past the hourly limits, ``DomainError`` for a bad number."""
    if purpose not in PURPOSES or channel not in CHANNELS:
        raise ValueError(f"unknown purpose {purpose!r} or channel {channel!r}")
    e164 = parse_phone(phone).e164
    code = new_code()
    client_hash = keys.client_hash(client_address)
    async with pool.acquire() as conn, conn.transaction():
        by_phone, by_client = await store.issued_last_hour(conn, e164, client_hash)
        if by_phone >= PER_PHONE_PER_HOUR or by_client >= PER_CLIENT_PER_HOUR:
            limit = "phone" if by_phone >= PER_PHONE_PER_HOUR else "client"
            log.warning("one-time code refused", extra={"limit": limit, "channel": channel})
            raise TooManyCodes(limit)
        code_id = await store.insert(
            conn,
            NewCode(e164, purpose, channel, keys.code_hash(e164, purpose, code),
                    keys.seal(e164, purpose, code), client_hash, LIFETIME, TRIES),
        )  # fmt: skip
    log.info("one-time code issued",
             extra={"code_id": code_id, "purpose": purpose, "channel": channel})  # fmt: skip
    return code_id


async def check_code(
    pool: asyncpg.Pool, keys: CodeKeys, *, phone: str, purpose: str, code: str
) -> CheckResult:
    """Whether ``code`` is the number's latest for ``purpose``, unused, in time and within
    its tries; accepted once only. A wrong code uses up a try."""
    try:
        e164 = parse_phone(phone).e164
    except DomainError:
        return _logged(None, CheckResult(False, "no_code"))
    typed = "".join(code.split())[:_LONGEST_INPUT]
    typed_hash = keys.code_hash(e164, purpose, typed)
    async with pool.acquire() as conn, conn.transaction():
        stored = await store.latest_for_check(conn, e164, purpose)
        if stored is None:
            return _logged(None, CheckResult(False, "no_code"))
        matches = hmac.compare_digest(typed_hash, stored.code_hash)
        if stored.used:
            result = CheckResult(False, "used")
        elif stored.expired:
            result = CheckResult(False, "expired")
        elif stored.tries_left <= 0:
            result = CheckResult(False, "too_many_tries")
        elif matches:
            await store.mark_used(conn, stored.id)
            result = CheckResult(True, "accepted")
        else:
            await store.count_wrong_try(conn, stored.id)
            result = CheckResult(False, "wrong")
    return _logged(stored.id, result)


def _logged(code_id: int | None, result: CheckResult) -> CheckResult:
    log.info("one-time code checked", extra={"code_id": code_id, "reason": result.reason})
    return result


def _derive(site_key: str, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(
        site_key.encode()
    )


def _bound_to(phone_e164: str, purpose: str) -> bytes:
    return f"{phone_e164}\0{purpose}".encode()
