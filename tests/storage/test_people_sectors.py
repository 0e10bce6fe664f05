"""Sectors, households, contact points, consents and templates in PostgreSQL."""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest
from shapely.geometry import box

from ivr.domain.errors import DomainError
from ivr.domain.sectors import Sector, StreetSegment
from ivr.domain.templates import DEFAULTS, Template
from ivr.importers.demo_data import SECTORS
from ivr.storage import people
from ivr.storage.people import Address
from ivr.storage.sectors import load_sectors, save_sectors
from ivr.storage.templates import get_template, reset_template, save_template


async def test_sectors_saved_and_loaded_unchanged(db: asyncpg.Pool) -> None:
    async with db.acquire() as conn:
        await save_sectors(conn, SECTORS)
        again = await save_sectors(conn, SECTORS)  # upsert by code: same ids
    assert await load_sectors(db) == list(SECTORS)
    assert len(again) == len(SECTORS)
    assert await db.fetchval("SELECT count(*) FROM sectors") == len(SECTORS)


async def test_sector_update_replaces_its_streets_and_keeps_others(db: asyncpg.Pool) -> None:
    async with db.acquire() as conn:
        await save_sectors(conn, SECTORS)
        changed = Sector(
            "uashat-sud",
            "uashat",
            "Uashat sud",
            "Uashat South",
            parent_code="uashat",
            boundary=box(-66.42, 50.2, -66.38, 50.215),
            segments=(StreetSegment("rue Nouvelle", 1, 9, "odd"),),
        )
        await save_sectors(conn, [changed])
    loaded = {s.code: s for s in await load_sectors(db)}
    assert loaded["uashat-sud"] == changed
    assert loaded["uashat-nord"] == SECTORS[1]


async def test_a_bad_sector_set_is_refused_whole(db: asyncpg.Pool) -> None:
    orphan = Sector("x", "uashat", "X", "X", parent_code="nowhere", segments=SECTORS[1].segments)
    async with db.acquire() as conn:
        with pytest.raises(DomainError, match="nowhere"):
            await save_sectors(conn, [SECTORS[0], orphan])
    assert await db.fetchval("SELECT count(*) FROM sectors") == 0


async def test_households_are_placed_by_street_then_by_coordinates(db: asyncpg.Pool) -> None:
    async with db.acquire() as conn:
        await save_sectors(conn, SECTORS)
    by_street = await people.add_household(
        db, Address("uashat", 17, "Rue du Caribou", point=(-66.40, 50.205)), SECTORS
    )
    by_point = await people.add_household(
        db, Address("uashat", 3, "rue Inconnue", point=(-66.40, 50.205)), SECTORS
    )
    nowhere = await people.add_household(db, Address("uashat", 3, "rue Inconnue"), SECTORS)
    rows = await db.fetch(
        "SELECT h.id, s.code, h.sector_method FROM households h "
        "LEFT JOIN sectors s ON s.id = h.sector_id ORDER BY h.id"
    )
    assert [(r["id"], r["code"], r["sector_method"]) for r in rows] == [
        (by_street, "uashat-nord", "street"),
        (by_point, "uashat-sud", "polygon"),
        (nowhere, None, None),
    ]


async def test_one_contact_point_per_number_and_per_address(db: asyncpg.Pool) -> None:
    first = await people.add_phone(db, "418 962-1001", "directory", "landline")
    second = await people.add_phone(db, "(418) 962-1001", "portal")  # unknown keeps landline
    assert first == second
    assert await db.fetchval("SELECT line_type FROM contact_points WHERE id = $1", first) == (
        "landline"
    )
    assert await people.add_email(db, "Jean@Test.Example", "portal") == await people.add_email(
        db, "Jean@test.example ", "staff"
    )
    with pytest.raises(DomainError, match="not a valid phone number"):
        await people.add_phone(db, "962-1001", "portal")
    with pytest.raises(DomainError, match="not a valid email"):
        await people.add_email(db, "jean@", "portal")


async def test_channel_must_fit_the_contact_kind(db: asyncpg.Pool) -> None:
    household = await people.add_household(db, Address("uashat", 1, "rue A"), ())
    member = await people.add_member(db, household, "  Jean   Tremblay ", "fr")
    assert await db.fetchval("SELECT display_name FROM members") == "Jean Tremblay"
    phone = await people.add_phone(db, "418 962-1002", "portal")
    email = await people.add_email(db, "j@test.example", "portal")
    with pytest.raises(DomainError, match="needs a email contact"):
        await people.choose_channel(db, member, phone, "email")
    with pytest.raises(DomainError, match="needs a phone contact"):
        await people.choose_channel(db, member, email, "sms")
    await people.choose_channel(db, member, phone, "sms")
    await people.choose_channel(db, member, phone, "sms")  # twice is once
    assert await db.fetchval("SELECT count(*) FROM member_channels") == 1
    await people.drop_channel(db, member, phone, "sms")
    assert await db.fetchval("SELECT count(*) FROM member_channels") == 0
    with pytest.raises(DomainError, match="1 to 200"):
        await people.add_member(db, household, "   ", "fr")


async def test_consent_history_is_kept(db: asyncpg.Pool) -> None:
    household = await people.add_household(db, Address("uashat", 1, "rue A"), ())
    member = await people.add_member(db, household, "Marie", "innu")
    terms = {"wording_version": "2026-1", "language": "fr", "source": "portal"}
    assert await people.grant_consent(db, member, "optional_notices", **terms)  # type: ignore[arg-type]
    assert await people.withdraw_consent(db, member, "optional_notices")
    assert not await people.withdraw_consent(db, member, "optional_notices")
    assert await people.grant_consent(db, member, "optional_notices", **terms)  # type: ignore[arg-type]
    rows = await db.fetch(
        "SELECT withdrawn_at IS NULL AS open FROM consents WHERE member_id = $1 ORDER BY id",
        member,
    )
    assert [r["open"] for r in rows] == [False, True]


async def test_templates_default_edited_and_reset(db: asyncpg.Pool) -> None:
    staff = await db.fetchval(
        "INSERT INTO staff (email, display_name, role, password_hash) "
        "VALUES ('a@t.example', 'A', 'admin', 'x') RETURNING id"
    )
    default = DEFAULTS[("boil_water", "fr")]
    assert await get_template(db, "boil_water", "fr") == default
    edited = Template("Avis - {sectors}", "Avis", "Corps {details}", "Voix")
    await save_template(db, "boil_water", "fr", edited, staff)
    assert await get_template(db, "boil_water", "fr") == edited
    assert await get_template(db, "boil_water", "en") == DEFAULTS[("boil_water", "en")]
    with pytest.raises(DomainError, match="Unknown field"):
        await save_template(db, "boil_water", "fr", Template("{x}", "a", "b", "c"), staff)
    await reset_template(db, "boil_water", "fr")
    assert await get_template(db, "boil_water", "fr") == default


@pytest.mark.parametrize(
    "address",
    [
        {"civic_number": 0, "street": "rue A"},
        {"civic_number": 5, "street": "rue A\r\n"},
        {"civic_number": 5, "street": "x" * 201},
        {"civic_number": 5, "street": "rue A", "point": (200.0, 50.0)},
    ],
)
def test_bad_addresses_are_refused(address: dict[str, Any]) -> None:
    with pytest.raises(DomainError, match="Invalid address"):
        Address("uashat", **address)


async def test_households_follow_new_sector_boundaries_except_staff_placements(
    db: asyncpg.Pool,
) -> None:
    async with db.acquire() as conn:
        await save_sectors(conn, SECTORS)
    caribou = [
        await people.add_household(db, Address("uashat", n, "rue du Caribou"), SECTORS)
        for n in range(1, 2501)  # odd: north, even: south; more than one batch
    ]
    await people.set_household_sector(db, caribou[0], "uashat-sud")  # staff decide
    with pytest.raises(DomainError, match="No such household or sector"):
        await people.set_household_sector(db, caribou[0], "nowhere")
    # the whole street, both sides, becomes part of the north
    north = Sector(
        "uashat-nord",
        "uashat",
        "Uashat nord",
        "Uashat North",
        parent_code="uashat",
        segments=(StreetSegment("rue du Caribou", 1, 5000),),
    )
    south = Sector(
        "uashat-sud",
        "uashat",
        "Uashat sud",
        "Uashat South",
        parent_code="uashat",
        segments=(StreetSegment("rue de la Baie", 1, 299),),
    )
    async with db.acquire() as conn:
        await save_sectors(conn, [north, south])
        sectors = await load_sectors(conn)
        changed = await people.reassign_households(conn, sectors)
        assert await people.reassign_households(conn, sectors) == 0
    rows = await db.fetch(
        "SELECT s.code, h.sector_method, count(*) FROM households h "
        "JOIN sectors s ON s.id = h.sector_id GROUP BY 1, 2 ORDER BY 1"
    )
    assert [tuple(r) for r in rows] == [("uashat-nord", "street", 2499), ("uashat-sud", "staff", 1)]
    # unchanged: number 1 (staff) and the odd numbers 3..99 already in the north
    assert changed == 2500 - 1 - 49
