"""Password hashing with argon2id, off the event loop.

Hashing is deliberately slow (about 0.15 s of CPU and 64 MiB each), so it runs in a
pool of its own: one thread per CPU, at a lower priority (nice 10; the argon2 lanes'
threads inherit it). A burst of sign-ins then queues there and uses the CPU the event
loop and the database leave, instead of taking it from them and holding up the other
work of the default executor (bench/portal.py measured the difference). Hashes made
with older parameters are flagged for rehashing at the next successful login.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from ivr.domain.errors import DomainError

_HASHER = PasswordHasher()  # argon2id, library defaults (RFC 9106 low-memory profile)
HASHING_THREADS = os.cpu_count() or 1
HASHING_NICENESS = 10
_T = TypeVar("_T")


def _lower_priority() -> None:
    """Make this hashing thread yield the CPU (Linux sets niceness per thread)."""
    with contextlib.suppress(OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), HASHING_NICENESS)


_HASHING = ThreadPoolExecutor(HASHING_THREADS, "argon2", initializer=_lower_priority)


async def _hashing(work: Callable[[], _T]) -> _T:
    return await asyncio.get_running_loop().run_in_executor(_HASHING, work)


MIN_LENGTH = 8
MAX_LENGTH = 256
COMMON_PASSWORDS = frozenset(
    {
        "password", "password1", "motdepasse", "12345678", "123456789", "1234567890",
        "qwertyui", "azertyui", "iloveyou", "bonjour1", "soleil123", "uashat123",
        "maniutenam", "information", "itum1234", "11111111", "00000000", "abcd1234",
    }
)  # fmt: skip


def check_strength(password: str) -> None:
    """Length and blocklist only: no composition rules (paste is welcome).

    Raises DomainError saying why a password is refused."""
    if len(password) < MIN_LENGTH:
        raise DomainError(
            f"Le mot de passe doit compter au moins {MIN_LENGTH} caractères.",
            f"The password must be at least {MIN_LENGTH} characters.",
        )
    if len(password) > MAX_LENGTH:
        raise DomainError(
            f"Le mot de passe est trop long (max. {MAX_LENGTH}).",
            f"The password is too long (at most {MAX_LENGTH}).",
        )
    if password.lower() in COMMON_PASSWORDS:
        raise DomainError("Ce mot de passe est trop courant.", "This password is too common.")


async def hash_password(password: str) -> str:
    return await _hashing(lambda: _HASHER.hash(password))


async def verify_password(password_hash: str, password: str) -> bool:
    def verify() -> bool:
        try:
            return _HASHER.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    return await _hashing(verify)


def needs_rehash(password_hash: str) -> bool:
    return _HASHER.check_needs_rehash(password_hash)


def generate_password() -> str:
    """A random password that is easy to read aloud or type (about 100 bits)."""
    return "-".join(secrets.token_urlsafe(6) for _ in range(3))
