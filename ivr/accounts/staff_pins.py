"""PINs of the staff phone line: 4 to 8 digits, hashed with argon2id like passwords.
Three wrong PINs in a row lock the staff number for ``IVR_STAFF_PIN_LOCK_MINUTES``;
every attempt is audited with the calling number, never the PIN."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

import asyncpg

from ivr.accounts.passwords import hash_password, verify_password
from ivr.domain.errors import DomainError
from ivr.storage import audit, staff_line
from ivr.storage import staff as staff_store

PIN = re.compile(r"^[0-9]{4,8}$")
STAFF_NUMBER = re.compile(r"^[0-9]{1,12}$")
LOCK_AFTER = 3


def check_pin(pin: str) -> None:
    if not PIN.match(pin):
        raise DomainError(
            "Le NIP doit compter de 4 à 8 chiffres.", "The PIN must be 4 to 8 digits."
        )


async def set_pin(pool: asyncpg.Pool, email: str, pin: str) -> int:
    """Give staff ``email`` a PIN for the staff line; returns their staff number."""
    check_pin(pin)
    login = await staff_store.find_login(pool, email)
    if login is None or login.disabled:
        raise DomainError("Compte du personnel inconnu ou désactivé.", "Unknown or disabled staff.")
    await staff_line.set_pin(pool, login.id, await hash_password(pin))
    await audit.record(pool, staff_id=login.id, action="staff_line.set_pin",
                       subject=f"staff:{login.id}")  # fmt: skip
    return login.id


@dataclass(frozen=True)
class SignIn:
    result: Literal["ok", "wrong", "locked"]
    staff_id: int | None = None
    role: str = ""


async def sign_in(
    pool: asyncpg.Pool, staff_number: str, pin: str, *, caller: str, lock_minutes: int
) -> SignIn:
    """Check a staff number and PIN typed on the phone; audit the attempt."""
    staff_id = int(staff_number) if STAFF_NUMBER.match(staff_number) else None
    stored = await staff_line.pin(pool, staff_id) if staff_id is not None else None
    if staff_id is None or stored is None:
        outcome = SignIn("wrong")
    elif stored.locked:
        outcome = SignIn("locked", staff_id)
    elif PIN.match(pin) and await verify_password(stored.pin_hash, pin):
        await staff_line.succeeded(pool, staff_id)
        outcome = SignIn("ok", staff_id, stored.role)
    elif await staff_line.failed(pool, staff_id, LOCK_AFTER, lock_minutes):
        outcome = SignIn("locked", staff_id)
    else:
        outcome = SignIn("wrong", staff_id)
    await audit.record(
        pool,
        staff_id=staff_id if stored is not None else None,
        action="staff_line.sign_in",
        subject=f"staff:{staff_number[:12]}",
        details={"result": outcome.result, "caller": caller},
    )
    return outcome


async def confirm_pin(pool: asyncpg.Pool, staff_id: int, pin: str) -> bool:
    """The PIN typed again before a launch."""
    stored = await staff_line.pin(pool, staff_id)
    return (
        stored is not None
        and not stored.locked
        and PIN.match(pin) is not None
        and await verify_password(stored.pin_hash, pin)
    )
