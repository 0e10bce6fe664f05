"""The staff service used by the CLI and the admin pages."""

from __future__ import annotations

import asyncpg
import pytest

from ivr.accounts.passwords import verify_password
from ivr.accounts.staff import create_staff, disable_staff, list_staff
from ivr.domain.contacts import parse_email
from ivr.domain.errors import DomainError

PASSWORD = "correct horse battery staple"


async def test_create_staff_stores_a_hash_and_returns_the_id(db: asyncpg.Pool) -> None:
    staff_id = await create_staff(db, " marie@itum.example ", "Marie  Jourdain", "admin", PASSWORD)
    row = await db.fetchrow("SELECT * FROM staff WHERE id = $1", staff_id)
    assert row is not None
    assert row["email"] == "marie@itum.example"
    assert row["display_name"] == "Marie Jourdain"
    assert row["role"] == "admin"
    assert row["password_hash"].startswith("$argon2id$")
    assert await verify_password(row["password_hash"], PASSWORD)


@pytest.mark.parametrize(
    "email",
    [
        "",
        "marie",
        "marie@",
        "@itum.example",
        "ma rie@itum.example",
        "a@b@c.ca",
        "a@itum",
        "a\n@b.ca",
    ],
)
def test_bad_emails_are_refused_with_a_clear_message(email: str) -> None:
    clear = r"(?s)n'est pas une adresse courriel valide\. / .* is not a valid email address"
    with pytest.raises(DomainError, match=clear):
        parse_email(email)


async def test_bad_role_name_and_password_are_refused(db: asyncpg.Pool) -> None:
    with pytest.raises(DomainError, match=r"Rôle inconnu : 'chef' \(choix : admin, approver"):
        await create_staff(db, "a@itum.example", "A", "chef", PASSWORD)
    with pytest.raises(DomainError, match="Le nom doit compter"):
        await create_staff(db, "a@itum.example", "\t", "viewer", PASSWORD)
    with pytest.raises(DomainError, match="au moins 8"):
        await create_staff(db, "a@itum.example", "A", "viewer", "court")
    assert await db.fetchval("SELECT count(*) FROM staff") == 0


async def test_duplicate_email_ignoring_case_is_refused(db: asyncpg.Pool) -> None:
    await create_staff(db, "marie@itum.example", "Marie", "admin", PASSWORD)
    with pytest.raises(DomainError, match=r"Un compte existe déjà pour MARIE@itum\.example"):
        await create_staff(db, "MARIE@itum.example", "Marie 2", "viewer", PASSWORD)
    assert len(await list_staff(db)) == 1


async def test_the_last_admin_cannot_be_disabled(db: asyncpg.Pool) -> None:
    admin = await create_staff(db, "marie@itum.example", "Marie", "admin", PASSWORD)
    viewer = await create_staff(db, "paul@itum.example", "Paul", "viewer", PASSWORD)
    with pytest.raises(DomainError, match="dernier administrateur"):
        await disable_staff(db, admin, by_staff_id=viewer)
    second = await create_staff(db, "anne@itum.example", "Anne", "admin", PASSWORD)
    await disable_staff(db, admin, by_staff_id=second)
    members = {m.id: m for m in await list_staff(db)}
    assert members[admin].disabled
    assert not members[second].disabled


async def test_disabling_an_unknown_account(db: asyncpg.Pool) -> None:
    with pytest.raises(DomainError, match="Compte introuvable"):
        await disable_staff(db, 999, by_staff_id=1)
