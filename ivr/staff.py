"""Staff accounts: create, list, disable, change password.

The CLI (``ivr create-staff``) and the admin pages both go through these
functions, so validation and messages are the same everywhere. Errors are
``StaffError`` (or ``WeakPassword``), both ``ValueError``s whose message is
French first, English second.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from ivr.passwords import check_strength, hash_password
from ivr.storage.queries import QUERIES

ROLES = ("admin", "approver", "author", "viewer")
"""admin manages staff; approver, author and viewer are for alerts (later issues)."""

MAX_EMAIL_LENGTH = 254
MAX_NAME_LENGTH = 100
# One @, no spaces or control characters, a dot in the domain. Deliverability is the
# mail server's business; this only catches typing mistakes.
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")


class StaffError(ValueError):
    """A staff operation is refused; the message says why (French / English)."""


@dataclass(frozen=True)
class StaffMember:
    id: int
    email: str
    display_name: str
    role: str
    disabled: bool
    created_at: datetime
    last_login_at: datetime | None


def normalize_email(email: str) -> str:
    """The address trimmed; a clear error if it cannot be an email address."""
    value = email.strip()
    if len(value) > MAX_EMAIL_LENGTH or not _EMAIL.match(value) or not value.isprintable():
        raise StaffError(
            f"Adresse courriel invalide : {value[:60]!r}. / Invalid email address: {value[:60]!r}."
        )
    return value


def validate_name(name: str) -> str:
    value = " ".join(name.split())
    if not value or len(value) > MAX_NAME_LENGTH or not value.isprintable():
        raise StaffError(
            f"Le nom doit compter de 1 à {MAX_NAME_LENGTH} caractères. "
            f"/ The name must be 1 to {MAX_NAME_LENGTH} characters."
        )
    return value


def validate_role(role: str) -> str:
    if role not in ROLES:
        choices = ", ".join(ROLES)
        raise StaffError(
            f"Rôle inconnu : {role!r} (choix : {choices}). "
            f"/ Unknown role: {role!r} (choices: {choices})."
        )
    return role


async def create_staff(pool: asyncpg.Pool, email: str, name: str, role: str, password: str) -> int:
    """Create an account and return its id. Raises StaffError or WeakPassword."""
    email = normalize_email(email)
    name = validate_name(name)
    role = validate_role(role)
    check_strength(password)
    password_hash = await hash_password(password)
    try:
        staff_id: int = await pool.fetchval(
            QUERIES["staff.create"], email, name, role, password_hash
        )
    except asyncpg.UniqueViolationError:
        raise StaffError(
            f"Un compte existe déjà pour {email}. / An account already exists for {email}."
        ) from None
    return staff_id


async def list_staff(pool: asyncpg.Pool) -> list[StaffMember]:
    rows = await pool.fetch(QUERIES["staff.list"])
    return [StaffMember(**dict(row)) for row in rows]


async def disable_staff(pool: asyncpg.Pool, staff_id: int, *, by_staff_id: int) -> None:
    """Disable an account and end its sessions. Nobody disables themself or the last admin."""
    if staff_id == by_staff_id:
        raise StaffError(
            "Vous ne pouvez pas désactiver votre propre compte. "
            "/ You cannot disable your own account."
        )
    async with pool.acquire() as conn, conn.transaction():
        target = await conn.fetchrow(QUERIES["staff.get"], staff_id)
        if target is None:
            raise StaffError("Compte introuvable. / No such account.")
        # Serialise admin removals so two admins cannot disable each other at once.
        await conn.execute("LOCK TABLE staff IN SHARE ROW EXCLUSIVE MODE")
        if (
            target["role"] == "admin"
            and await conn.fetchval(QUERIES["staff.count_active_admins"]) <= 1
            and not target["disabled"]
        ):
            raise StaffError(
                "Impossible de désactiver le dernier administrateur. "
                "/ The last administrator cannot be disabled."
            )
        await conn.execute(QUERIES["staff.disable"], staff_id)
        await conn.execute(QUERIES["web_sessions.delete_for_staff"], staff_id, b"")


async def change_password(
    pool: asyncpg.Pool, staff_id: int, new_password: str, *, keep_session_hash: bytes
) -> None:
    """Set a new password and end every other session of this staff member."""
    check_strength(new_password)
    password_hash = await hash_password(new_password)
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute(QUERIES["staff.set_password"], staff_id, password_hash)
        await conn.execute(QUERIES["web_sessions.delete_for_staff"], staff_id, keep_session_hash)


async def staff_count(pool: asyncpg.Pool) -> int:
    """How many staff accounts exist (disabled ones included)."""
    count: int = await pool.fetchval(QUERIES["staff.count"])
    return count
