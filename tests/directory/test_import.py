"""Importing listings into the real database: the dry run's summary, applying it, doing
it again, a later full listing, and what the portal and staff set is never touched."""

from __future__ import annotations

import asyncpg
import pytest

from ivr.importers.directory import apply_import
from ivr.storage import directory, people, resident_accounts
from ivr.storage.directory import Counts, ImportBusy
from tests.directory.conftest import dry_run, imported
from tests.directory.files import (
    CLAIMED,
    EXCLUDED,
    FIRST_LISTING,
    LATER_FULL_LISTING,
    STAFF_ENTERED,
    WINDOWS_TAB_LISTING,
    utf8_with_bom,
    windows_1252,
)


async def _prepare_portal_and_staff(db: asyncpg.Pool) -> None:
    await resident_accounts.save_password(db, CLAIMED, "argon2-hash-of-a-test")
    await people.add_phone(db, STAFF_ENTERED, "staff")
    await db.execute(
        "INSERT INTO directory_exclusions (phone_e164, reason) VALUES ($1, 'account_deleted')",
        EXCLUDED,
    )


async def _voice_members(db: asyncpg.Pool) -> dict[str, tuple[str, str, str | None]]:
    """Each number with a voice choice: (member, address, sector)."""
    rows = await db.fetch(
        """SELECT cp.phone_e164, m.display_name,
                  h.civic_number || h.unit || ' ' || h.street AS address, s.code
           FROM member_channels mc
           JOIN contact_points cp ON cp.id = mc.contact_point_id
           JOIN members m ON m.id = mc.member_id
           JOIN households h ON h.id = m.household_id
           LEFT JOIN sectors s ON s.id = h.sector_id
           WHERE mc.channel = 'voice'"""
    )
    return {r["phone_e164"]: (r["display_name"], r["address"], r["code"]) for r in rows}


async def test_dry_run_of_a_messy_file_says_what_would_happen_and_changes_nothing(
    sectors: asyncpg.Pool,
) -> None:
    db = sectors
    await _prepare_portal_and_staff(db)
    reading = await dry_run(db, utf8_with_bom(FIRST_LISTING))
    assert (reading.encoding, reading.delimiter) == ("utf-8-sig", ";")
    assert set(reading.columns) == {"family_name", "given_name", "civic_number", "street",
                                    "city", "phone", "kind"}  # fmt: skip
    assert reading.counts == Counts(rows=19, new=8, claimed=1, excluded=1, kept=1,
                                    business=2, errors=6, unmatched=2)  # fmt: skip
    problems = await directory.problem_rows(db, reading.import_id, 100)
    assert [(p.line, p.reason_en) for p in problems] == [
        (12, "'212 555-0100' is not a Canadian number."),
        (13, "'1-800-463-2493' is not a geographic number (toll-free or special)."),
        (14, "Number already read on line 2."),
        (15, "Phone number missing."),
        (16, "9 fields instead of 7."),
        (20, "Address missing."),
    ]
    assert problems[0].raw == "Smith;John;21;rue de la Baie;Uashat;212 555-0100;"
    assert problems[0].reason_fr == "« 212 555-0100 » n'est pas un numéro canadien."
    unmatched = await directory.unmatched_rows(db, reading.import_id, 100)
    assert [(u.line, u.reason_en) for u in unmatched] == [
        (7, "Known street, number outside the sectors' segments."),
        (8, "Street unknown to the sectors."),
    ]
    assert await db.fetchval("SELECT count(*) FROM households") == 0
    assert await db.fetchval("SELECT count(*) FROM member_channels") == 0


async def test_applying_enrolls_households_by_address_with_voice_in_their_sector(
    sectors: asyncpg.Pool,
) -> None:
    db = sectors
    await _prepare_portal_and_staff(db)
    applied = await imported(db, utf8_with_bom(FIRST_LISTING))
    assert applied == Counts(rows=19, new=8, claimed=1, excluded=1, kept=1, business=2,
                             errors=6, unmatched=2)  # fmt: skip
    assert await _voice_members(db) == {
        "+14189620327": ("Marie Tremblay", "12A rue des Épinettes", "uashat-nord"),
        "+14189271234": ("Jean Tremblay", "12A rue des Épinettes", "uashat-nord"),
        "+14189621001": ("Luc Gagnon", "7 rue du Caribou", "uashat-nord"),
        "+14189621002": ("Anne Roy", "8 rue du Caribou", "uashat-sud"),
        "+14189685000": ("Paul Côté", "45 chemin du Lac", "mani-utenam-centre"),
        "+14189685001": ("Julie Lavoie", "300 rue de la Baie", None),
        "+14189685002": ("Emma Morin", "5 rue des Érables", None),
        "+15148721111": ("Sophie Bouchard", "20 rue de la Baie", "uashat-sud"),
    }
    assert await db.fetchval("SELECT count(*) FROM households") == 7  # two at 12A
    phones = await db.fetch(
        "SELECT line_type, source FROM contact_points WHERE phone_e164 <> $1", STAFF_ENTERED
    )
    assert {(p["line_type"], p["source"]) for p in phones} == {("landline", "directory")}
    assert (
        await db.fetchval(
            "SELECT count(*) FROM contact_points WHERE phone_e164 = ANY($1)", [CLAIMED, EXCLUDED]
        )
        == 0
    )


async def test_the_same_file_again_changes_nothing(sectors: asyncpg.Pool) -> None:
    db = sectors
    await _prepare_portal_and_staff(db)
    await imported(db, utf8_with_bom(FIRST_LISTING))
    before = await _voice_members(db), await db.fetchval("SELECT count(*) FROM households")
    again = await imported(db, utf8_with_bom(FIRST_LISTING))
    assert (again.new, again.updated, again.unchanged, again.deactivated) == (0, 0, 8, 0)
    after = await _voice_members(db), await db.fetchval("SELECT count(*) FROM households")
    assert after == before


async def test_a_later_full_listing_deactivates_only_the_unclaimed_absent_numbers(
    sectors: asyncpg.Pool,
) -> None:
    db = sectors
    await _prepare_portal_and_staff(db)
    await imported(db, utf8_with_bom(FIRST_LISTING))
    # Luc Gagnon opens a portal account with his landline: the import leaves him alone.
    await resident_accounts.save_password(db, "+14189621001", "argon2-hash-of-a-test")
    dry = await dry_run(db, LATER_FULL_LISTING.encode(), full=True)
    assert (dry.counts.unchanged, dry.counts.updated, dry.counts.deactivated) == (3, 1, 2)
    assert dry.counts.errors == 1
    assert len(await _voice_members(db)) == 8  # a dry run writes nothing
    applied = await apply_import(db, dry.import_id, None)
    assert (applied.deactivated, applied.updated) == (2, 1)
    members = await _voice_members(db)
    assert set(members) == {"+14189620327", "+14189271234", "+14189621001", "+14189621002",
                            "+14189685000", "+15148721111"}  # fmt: skip
    assert members["+14189685000"] == ("Paul Côté", "46 chemin du Lac", "mani-utenam-centre")
    assert await db.fetchval("SELECT count(*) FROM households WHERE civic_number = 45") == 0
    removed = await db.fetch(
        "SELECT phone_e164 FROM directory_listings WHERE removed_at IS NOT NULL ORDER BY 1"
    )
    assert [r["phone_e164"] for r in removed] == ["+14189685001", "+14189685002"]


async def test_a_partial_listing_deactivates_nobody(sectors: asyncpg.Pool) -> None:
    db = sectors
    await imported(db, utf8_with_bom(FIRST_LISTING))
    later = await imported(db, LATER_FULL_LISTING.encode(), full=False)
    assert later.deactivated == 0
    assert len(await _voice_members(db)) == 8 + 3  # no account, exclusion or staff number here


async def test_a_listed_again_number_comes_back(sectors: asyncpg.Pool) -> None:
    db = sectors
    await imported(db, utf8_with_bom(FIRST_LISTING))
    await imported(db, LATER_FULL_LISTING.encode(), full=True)
    back = await imported(db, utf8_with_bom(FIRST_LISTING))
    assert back.updated >= 3  # Lavoie, Morin, Gagnon come back; Côté moves back
    assert "+14189685001" in await _voice_members(db)


async def test_windows_1252_tab_separated_with_one_name_and_one_address_field(
    sectors: asyncpg.Pool,
) -> None:
    db = sectors
    reading = await dry_run(db, windows_1252(WINDOWS_TAB_LISTING))
    assert (reading.encoding, reading.delimiter) == ("cp1252", "\t")
    assert set(reading.columns) == {"name", "address", "phone", "kind"}
    assert (reading.counts.new, reading.counts.business, reading.counts.unmatched) == (2, 1, 1)
    await apply_import(db, reading.import_id, None)
    members = await _voice_members(db)
    assert members["+14189685010"] == ("Côté, Hélène", "12 rue des Épinettes", "uashat-nord")
    assert members["+14189685011"] == ("Bérubé Ève", "34 boul. de l'Anse", None)


async def test_a_second_import_at_the_same_time_is_refused(sectors: asyncpg.Pool) -> None:
    db = sectors
    async with db.acquire() as holder, directory.import_lock(holder):
        with pytest.raises(ImportBusy, match="Another directory import is running"):
            await dry_run(db, utf8_with_bom(FIRST_LISTING))
    assert (await dry_run(db, utf8_with_bom(FIRST_LISTING))).counts.new == 11  # nothing set up


async def test_an_import_is_applied_once(sectors: asyncpg.Pool) -> None:
    db = sectors
    reading = await dry_run(db, utf8_with_bom(FIRST_LISTING))
    async with db.acquire() as conn:
        await directory.apply(conn, reading.import_id, None)
        with pytest.raises(Exception, match="not waiting for confirmation"):
            await directory.apply(conn, reading.import_id, None)


async def test_a_file_without_a_usable_header_fails_with_its_reason(
    sectors: asyncpg.Pool,
) -> None:
    db = sectors
    with pytest.raises(Exception, match="The header must name the phone"):
        await dry_run(db, b"Nom;Ville\nRoy;Uashat\n")
    state = await db.fetchrow("SELECT state, problem FROM directory_imports")
    assert state is not None and state["state"] == "failed"
    assert "L'en-tête doit nommer" in state["problem"]
