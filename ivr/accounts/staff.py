"""Staff accounts: create, list, disable, change password.

The CLI (``ivr create-staff``) and the admin pages both go through these functions, so
validation and messages are the same everywhere. Refusals are ``DomainError``s.
"""

from __future__ import annotations

import asyncpg

from ivr.accounts.passwords import check_strength, hash_password
from ivr.domain.contacts import parse_email
from ivr.domain.errors import DomainError
from ivr.storage import staff as staff_store
from ivr.storage import web_sessions
from ivr.storage.staff import EmailTaken, StaffMember

ROLES = ("admin", "approver", "operator", "viewer")
"""admin manages staff, sectors and settings; approver approves, launches and cancels
alerts; operator drafts them and sends tests; viewer reads."""

MAX_NAME_LENGTH = 100


def validate_name(name: str) -> str:
    value = " ".join(name.split())
    if not value or len(value) > MAX_NAME_LENGTH or not value.isprintable():
        raise DomainError(
            f"Le nom doit compter de 1 à {MAX_NAME_LENGTH} caractères.",
            f"The name must be 1 to {MAX_NAME_LENGTH} characters.",
        )
    return value


def validate_role(role: str) -> str:
    if role not in ROLES:
        choices = ", ".join(ROLES)
        raise DomainError(
            f"Rôle inconnu : {role!r} (choix : {choices}).",
            f"Unknown role: {role!r} (choices: {choices}).",
        )
    return role


async def create_staff(pool: asyncpg.Pool, email: str, name: str, role: str, password: str) -> int:
    """Create an account and return its id. Raises DomainError."""
    email = parse_email(email)
    name = validate_name(name)
    role = validate_role(role)
    check_strength(password)
    password_hash = await hash_password(password)
    try:
        return await staff_store.insert(pool, email, name, role, password_hash)
    except EmailTaken:
        raise DomainError(
            f"Un compte existe déjà pour {email}.", f"An account already exists for {email}."
        ) from None


async def list_staff(pool: asyncpg.Pool) -> list[StaffMember]:
    return await staff_store.list_all(pool)


async def disable_staff(pool: asyncpg.Pool, staff_id: int, *, by_staff_id: int) -> None:
    """Disable an account and end its sessions. Nobody disables themself or the last admin."""
    if staff_id == by_staff_id:
        raise DomainError(
            "Vous ne pouvez pas désactiver votre propre compte.",
            "You cannot disable your own account.",
        )
    async with pool.acquire() as conn, conn.transaction():
        await staff_store.lock_for_removal(conn)
        target = await staff_store.get_role_state(conn, staff_id)
        if target is None:
            raise DomainError("Compte introuvable.", "No such account.")
        role, disabled = target
        if role == "admin" and not disabled and await staff_store.count_active_admins(conn) <= 1:
            raise DomainError(
                "Impossible de désactiver le dernier administrateur.",
                "The last administrator cannot be disabled.",
            )
        await staff_store.disable(conn, staff_id)
        await web_sessions.delete_for_staff(conn, staff_id)


async def change_password(
    pool: asyncpg.Pool, staff_id: int, new_password: str, *, keep_session_hash: bytes
) -> None:
    """Set a new password and end every other session of this staff member."""
    check_strength(new_password)
    password_hash = await hash_password(new_password)
    async with pool.acquire() as conn, conn.transaction():
        await staff_store.set_password(conn, staff_id, password_hash)
        await web_sessions.delete_for_staff(conn, staff_id, keep_session_hash)


async def staff_count(pool: asyncpg.Pool) -> int:
    """How many staff accounts exist (disabled ones included)."""
    return await staff_store.count(pool)
