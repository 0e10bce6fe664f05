"""The contact form and "my data": what a resident saves reaches the next alert, every
field in error is told at its place, another household's data stays out of reach, and
deleting an account erases the person and keeps a tombstone."""

from __future__ import annotations

import json
import re
from typing import Any

import asyncpg
import pytest_asyncio
from aiohttp.test_utils import TestClient

from ivr.accounts.residents import save_password
from ivr.storage import people
from ivr.storage.people import Address
from tests.portal.conftest import ClientFactory, one_row, send
from tests.storage.scenario import ENGLISH, FRENCH, TOWN, Town, build_town

MOBILE = "+14185550101"
NEIGHBOUR = "+14185550177"
PASSWORD = "la rivière Moisie au printemps"


@pytest_asyncio.fixture
async def town(db: asyncpg.Pool) -> Town:
    return await build_town(db)


async def signed_in(
    make_client: ClientFactory, db: asyncpg.Pool, number: str
) -> TestClient[Any, Any]:
    await save_password(db, number, PASSWORD)
    client = await make_client()
    answer = await send(client, "/portal/sign-in", {"phone": number, "password": PASSWORD})
    assert answer.headers["Location"] == "/portal/account"
    return client


def form(**changes: str) -> dict[str, str]:
    fields = {
        "name": "Marie Vollant",
        "language": "fr",
        "street": "rue a",
        "civic_number": "10",
        "unit": "",
        "phone-0-use": "mobile",
        "phone-0-sms": "1",
        "consent": "emergency_alerts",
    }
    fields.update(changes)
    return {k: v for k, v in fields.items() if v != "-"}


async def save(client: TestClient[Any, Any], fields: dict[str, str]) -> Any:
    return await send(client, "/portal/contacts", fields)


async def account_contact(db: asyncpg.Pool, number: str) -> int:
    found: int = await db.fetchval("SELECT id FROM contact_points WHERE phone_e164 = $1", number)
    return found


async def test_the_form_reaches_the_next_alert_and_not_the_one_before(
    make_client: ClientFactory, db: asyncpg.Pool, town: Town
) -> None:
    client = await signed_in(make_client, db, MOBILE)
    page = await client.get("/portal/contacts")
    assert page.status == 200 and "rue A" in await page.text()
    saved = await save(client, form())
    assert saved.headers["Location"] == "/portal/contacts?saved=1"
    shown = await (await client.get("/portal/contacts?saved=1")).text()
    assert "Votre secteur : Nord-est" in shown
    contact = await account_contact(db, MOBILE)

    before_move = await town.alert("sud")
    assert (contact, "sms") not in await town.deliveries(before_move)

    moved = await save(client, form(street="rue c", **{"civic_number": "12A"}))
    assert moved.status == 303
    assert "Votre secteur : Sud" in await (await client.get("/portal/contacts")).text()
    after_move = await town.alert("sud")
    assert await town.deliveries(after_move) == {(contact, "sms"): "fr"}
    assert (contact, "sms") not in await town.deliveries(before_move)  # launched before
    unit = await db.fetchval(
        "SELECT unit FROM households h JOIN resident_accounts a "
        "ON a.household_id = h.id WHERE a.phone_e164 = $1",
        MOBILE,
    )
    assert unit == "A"

    called = await save(
        client, form(street="rue c", **{"phone-0-sms": "-", "phone-0-voice": "1", "language": "en"})
    )
    assert called.status == 303
    english = await town.alert("sud", contents=(FRENCH, ENGLISH))
    assert await town.deliveries(english) == {(contact, "voice"): "en"}


async def test_every_field_in_error_is_told_at_its_place_and_nothing_is_saved(
    make_client: ClientFactory, db: asyncpg.Pool, town: Town
) -> None:
    client = await signed_in(make_client, db, MOBILE)
    bad = form(
        name="",
        street="rue inconnue",
        civic_number="douze",
        **{
            "phone-1-number": "555",
            "phone-1-use": "landline",
            "phone-1-sms": "1",
            "email_new": "marie@",
            "order-1": "sms",
            "order-2": "sms",
        },
    )
    answer = await save(client, bad)
    assert answer.status == 400
    text = await answer.text()
    for name in ("name", "street", "civic_number", "phone-1-number", "email_new", "order-1"):
        assert f'id="{name}-error"' in text, name
        assert re.search(rf'id="{name}"[^>]*aria-invalid="true"', text), name
    assert 'value="douze"' in text  # what was typed stays
    assert await db.fetchval("SELECT household_id FROM resident_accounts") is None
    landline_sms = form(
        **{"phone-1-number": "418 927-1234", "phone-1-use": "landline", "phone-1-sms": "1"}
    )
    refused = await save(client, landline_sms)
    assert refused.status == 400 and 'id="phone-1-sms-error"' in await refused.text()


async def test_household_numbers_emails_order_and_consents(
    make_client: ClientFactory, db: asyncpg.Pool, town: Town
) -> None:
    client = await signed_in(make_client, db, MOBILE)
    fields = form(
        **{
            "member-0-name": "Jean Vollant",
            "member-0-language": "innu",
            "member-1-name": "Lise Vollant",
            "member-1-language": "en",
            "phone-1-number": "(418) 927-1234",
            "phone-1-use": "landline",
            "phone-1-voice": "1",
            "email_new": "Marie.Vollant@Example.ORG",
            "order-1": "sms",
            "order-2": "voice",
            "consent": "emergency_alerts",
        }
    )
    assert (await save(client, fields)).status == 303
    members = await db.fetch("SELECT display_name, language FROM members ORDER BY id")
    assert [(m["display_name"], m["language"]) for m in members] == [
        ("Marie Vollant", "fr"),
        ("Jean Vollant", "innu"),
        ("Lise Vollant", "en"),
    ]
    landline = await one_row(
        db,
        "SELECT line_type, phone_use, source FROM contact_points WHERE phone_e164 = '+14189271234'",
    )
    assert dict(landline) == {"line_type": "landline", "phone_use": "landline", "source": "portal"}
    order = await db.fetchval("SELECT channel_order FROM members ORDER BY id LIMIT 1")
    assert order == ["sms", "voice"]
    assert await db.fetchval("SELECT count(*) FROM contact_points WHERE kind = 'email'") == 0
    waiting = await one_row(db, "SELECT email, send_state FROM email_verifications")
    assert waiting["email"] == "Marie.Vollant@example.org"
    consents = await db.fetch(
        "SELECT purpose, withdrawn_at IS NULL AS open FROM consents ORDER BY purpose"
    )
    assert [(c["purpose"], c["open"]) for c in consents] == [
        ("emergency_alerts", True),
        ("exercise_alerts", False),
        ("optional_notices", False),
    ]

    page = await (await client.get("/portal/contacts")).text()
    jean_id = await db.fetchval("SELECT id FROM members WHERE display_name = 'Jean Vollant'")
    assert f'name="member-0-id" value="{jean_id}"' in page
    assert "en attente de confirmation" in page
    fewer = {**fields, "member-0-name": "", "email_new": "", "phone-1-number": "", "consent": "-"}
    fewer = {k: v for k, v in fewer.items() if v != "-"}
    assert (await save(client, fewer)).status == 303
    names = await db.fetch("SELECT display_name FROM members ORDER BY id")
    assert [n["display_name"] for n in names] == ["Marie Vollant", "Lise Vollant"]
    landline_channels = await db.fetchval(
        "SELECT count(*) FROM member_channels mc JOIN contact_points cp "
        "ON cp.id = mc.contact_point_id WHERE cp.phone_e164 = '+14189271234'"
    )
    assert landline_channels == 0
    emergency_open = await db.fetchval(
        "SELECT count(*) FROM consents WHERE purpose = 'emergency_alerts' AND withdrawn_at IS NULL"
    )
    assert emergency_open == 0
    gone = await town.alert("nord-est")
    assert await town.deliveries(gone) == {}  # consent to emergency alerts withdrawn


async def test_a_directory_landline_finds_its_household_on_first_visit(
    make_client: ClientFactory, db: asyncpg.Pool, town: Town
) -> None:
    household = await people.add_household(db, Address("uashat", 30, "rue B"), TOWN)
    member = await people.add_member(db, household, "Famille Jourdain", "fr")
    landline = await people.add_phone(db, "418 962-5555", "directory", "landline")
    await people.choose_channel(db, member, landline, "voice")
    client = await signed_in(make_client, db, "+14189625555")
    page = await (await client.get("/portal/contacts")).text()
    assert 'value="Famille Jourdain"' in page
    assert 'value="rue b" selected' in page
    assert "Votre secteur : Nord-ouest" in page
    kept = await one_row(db, "SELECT household_id, member_id FROM resident_accounts")
    assert (kept["household_id"], kept["member_id"]) == (household, member)


async def test_the_change_history_and_the_download_show_the_residents_own_data(
    make_client: ClientFactory, db: asyncpg.Pool, town: Town
) -> None:
    client = await signed_in(make_client, db, MOBILE)
    await save(client, form())
    await save(client, form(name="Marie-Anne Vollant"))
    contact = await account_contact(db, MOBILE)
    alert = await town.alert("nord-est")
    await db.execute(
        "UPDATE deliveries SET state = 'done', last_outcome = 'delivered' WHERE alert_id = $1",
        alert,
    )
    page = await (await client.get("/portal/my-data")).text()
    assert "Marie Vollant → Marie-Anne Vollant" in page
    assert "Reçu" in page and "Texto" in page
    download = await client.get("/portal/my-data.json")
    assert download.headers["Content-Disposition"].startswith("attachment")
    data = json.loads(await download.text())
    assert data["account"]["phone"] == MOBILE
    assert data["holder"]["name"] == "Marie-Anne Vollant"
    assert data["address"]["street"] == "rue A"
    assert [a["last_outcome"] for a in data["alerts_received"]] == ["delivered"]
    assert data["alerts_received"][0]["phone_e164"] == MOBILE
    assert {c["purpose"] for c in data["consents"]} == {
        "emergency_alerts",
        "exercise_alerts",
        "optional_notices",
    }
    assert len(data["changes"]) == 2
    assert contact


async def test_a_resident_can_never_reach_another_households_data(
    make_client: ClientFactory, db: asyncpg.Pool, town: Town
) -> None:
    neighbour = await signed_in(make_client, db, NEIGHBOUR)
    await save(
        neighbour,
        form(
            name="Paul Voisin", **{"member-0-name": "Anne Voisin", "email_new": "paul@example.org"}
        ),
    )
    anne = await db.fetchval("SELECT id FROM members WHERE display_name = 'Anne Voisin'")
    email_link = await db.fetchval("SELECT id FROM email_verifications")
    client = await signed_in(make_client, db, MOBILE)
    await save(client, form())
    stolen = form(
        **{"member-0-id": str(anne), "member-0-name": "Pris", "email_remove": str(email_link)}
    )
    assert (await save(client, stolen)).status == 303
    assert (
        await db.fetchval("SELECT display_name FROM members WHERE id = $1", anne) == "Anne Voisin"
    )
    mine = await (await client.get("/portal/my-data.json")).text()
    theirs = await (await neighbour.get("/portal/my-data.json")).text()
    assert "Voisin" not in mine and "paul@example.org" not in mine and NEIGHBOUR not in mine
    assert "Anne Voisin" in theirs
    for path in ("/portal/contacts", "/portal/my-data", "/portal/my-data.json"):
        anonymous = await (await make_client()).get(path, allow_redirects=False)
        assert (anonymous.status, anonymous.headers["Location"]) == (303, "/portal/sign-in")


async def test_deleting_the_account_erases_the_person_and_keeps_a_tombstone(
    make_client: ClientFactory, db: asyncpg.Pool, town: Town
) -> None:
    household = await people.add_household(db, Address("uashat", 30, "rue B"), TOWN)
    member = await people.add_member(db, household, "Famille Jourdain", "fr")
    landline = await people.add_phone(db, "418 962-5555", "directory", "landline")
    await people.choose_channel(db, member, landline, "voice")
    client = await signed_in(make_client, db, "+14189625555")
    await save(
        client,
        form(
            name="Famille Jourdain",
            street="rue b",
            **{
                "phone-0-use": "landline",
                "phone-0-sms": "-",
                "phone-0-voice": "1",
                "phone-1-number": "418 555-0123",
                "phone-1-use": "mobile",
                "phone-1-sms": "1",
            },
        ),
    )
    pending = await town.alert("nord-ouest")
    refused = await send(
        client,
        "/portal/delete",
        {"confirm": "yes", "password": "wrong one"},
        form_at="/portal/my-data",
    )
    assert refused.status == 400
    assert await db.fetchval("SELECT count(*) FROM members") == 1
    deleted = await send(
        client,
        "/portal/delete",
        {"confirm": "yes", "password": PASSWORD},
        form_at="/portal/my-data",
    )
    assert deleted.headers["Location"] == "/portal/?deleted=1"
    assert await db.fetchval("SELECT count(*) FROM households") == 0
    assert await db.fetchval("SELECT count(*) FROM members") == 0
    tomb = await one_row(db, "SELECT phone_e164, password_hash, deleted_at FROM resident_accounts")
    assert tomb["phone_e164"] is None and tomb["password_hash"] is None and tomb["deleted_at"]
    erased = await db.fetch("SELECT phone_e164, erased_at FROM contact_points ORDER BY id")
    assert [(e["phone_e164"], e["erased_at"] is not None) for e in erased] == [
        (None, True),
        (None, True),
    ]
    states = await db.fetch("SELECT state FROM deliveries WHERE alert_id = $1", pending)
    assert {s["state"] for s in states} == {"cancelled"}
    excluded = await db.fetch("SELECT phone_e164 FROM directory_exclusions ORDER BY 1")
    assert [e["phone_e164"] for e in excluded] == ["+14185550123", "+14189625555"]
    audit = await one_row(db, "SELECT action, subject FROM audit_log ORDER BY id DESC LIMIT 1")
    assert audit["action"] == "resident_account_deleted"
    after = await client.get("/portal/my-data", allow_redirects=False)
    assert after.headers["Location"] == "/portal/sign-in"
    again = await (await make_client()).post("/portal/sign-in", data={})
    assert again.status in (400, 403)
