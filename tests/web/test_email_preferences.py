"""The email preferences page that alert emails link to: opened by a signed link, read
without changing anything, one-click unsubscription (RFC 8058) that keeps emergency
alerts on, the full choice on the page, and what later alerts then send."""

from __future__ import annotations

import re
from typing import Any

import asyncpg
import pytest
from aiohttp.test_utils import TestClient
from playwright.async_api import Page, expect

from ivr.domain.signed_links import preferences_token
from ivr.storage import people
from tests.dispatch.population import make_staff
from tests.fixtures.browser import LiveServer
from tests.web.conftest import SECRET_KEY

ADDRESS = "marie.ashini@exemple.ca"


async def _resident(db: asyncpg.Pool) -> int:
    """A resident with consent to exercises who chose email; returns the address's id."""
    household = await people.add_household(db, people.Address("uashat", 12, "rue Vollant"), ())
    member = await people.add_member(db, household, "Marie Ashini", "fr")
    await people.grant_consent(db, member, "exercise_alerts", wording_version="1",
                               language="fr", source="portal")  # fmt: skip
    contact = await people.add_email(db, ADDRESS, "portal")
    await people.choose_channel(db, member, contact, "email")
    return contact


async def _emailed(db: asyncpg.Pool) -> dict[str, bool]:
    """For an exercise and a boil-water alert to everyone: does this address get email?"""
    staff = await make_staff(db)
    reached = {}
    for category in ("exercise", "boil_water"):
        alert = await db.fetchval(
            "INSERT INTO alerts (title, category, urgency, target_all, drafted_by) "
            "VALUES ('x', $1, 'urgent', true, $2) RETURNING id", category, staff,
        )  # fmt: skip
        reached[category] = bool(await db.fetchval(
            "SELECT count(*) FROM alert_choices($1) WHERE channel = 'email'", alert))  # fmt: skip
    return reached


async def test_one_click_stops_exercises_but_not_emergencies(
    client: TestClient[Any, Any], db: asyncpg.Pool
) -> None:
    contact = await _resident(db)
    path = f"/portal/email/{preferences_token(SECRET_KEY, contact)}"
    assert await _emailed(db) == {"exercise": True, "boil_water": True}

    shown = await client.get(path)
    assert shown.status == 200
    page = await shown.text()
    assert "Vos alertes par courriel" in page and "m•••i@exemple.ca" in page
    assert ADDRESS not in page
    assert re.search(r'value="all"\s+checked', page)
    assert shown.headers["Cache-Control"] == "no-store"
    assert await db.fetchval("SELECT count(*) FROM opt_outs") == 0  # looking changes nothing

    # What a mail client's "unsubscribe" button sends (RFC 8058 §3.2).
    one_click = await client.post(
        path,
        data="List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert one_click.status == 200
    assert "vous ne recevrez plus les exercices par courriel" in await one_click.text()
    assert await _emailed(db) == {"exercise": False, "boil_water": True}

    none = await client.post(path, data={"choice": "none"})
    assert "Vos choix sont enregistrés." in await none.text()
    assert await _emailed(db) == {"exercise": False, "boil_water": False}

    back = await client.post(path, data={"choice": "all", "lang": "fr"})
    assert back.status == 200
    assert await _emailed(db) == {"exercise": True, "boil_water": True}
    assert await db.fetchval("SELECT count(*) FROM opt_outs") == 0


async def test_forged_or_stale_links_and_bad_choices_are_refused(
    client: TestClient[Any, Any], db: asyncpg.Pool
) -> None:
    contact = await _resident(db)
    token = preferences_token(SECRET_KEY, contact)
    signature = token.partition(".")[2]
    forged = (
        f"{contact + 1}.{signature}",
        preferences_token("another key, 32 chars long....", contact),
        preferences_token(SECRET_KEY, contact + 1000),
    )
    for bad in forged:
        response = await client.get(f"/portal/email/{bad}")
        assert response.status == 404
        assert "Ce lien n&#39;est pas valide" in await response.text()
        response = await client.post(f"/portal/email/{bad}", data={"choice": "none"})
        assert response.status == 404
    path = f"/portal/email/{token}"
    bogus = await client.post(path, data={"choice": "rien"})
    assert bogus.status == 400
    assert "Choisissez une des options." in await bogus.text()
    nul = await client.post(path, data={"choice": "none\x00"})
    assert nul.status == 400
    raw = await client.post(
        path, data=b"choice=\xff\xfe", headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert raw.status == 400
    assert await db.fetchval("SELECT count(*) FROM opt_outs") == 0
    english = await client.get(path + "?lang=en")
    assert "Your email alerts" in await english.text()


@pytest.mark.browser
async def test_the_page_works_with_the_keyboard_alone(page: Page, live_server: LiveServer) -> None:
    contact = await _resident(live_server.pool)
    token = preferences_token("browser-test-secret-key-0123456789", contact)
    await page.goto(f"{live_server.url}/portal/email/{token}")
    await expect(page.get_by_role("heading", name="Vos alertes par courriel")).to_be_visible()
    group = page.get_by_role("group", name="Que voulez-vous recevoir à cette adresse ?")
    everything = group.get_by_role(
        "radio", name="Toutes les alertes : les urgences et les exercices"
    )
    await expect(everything).to_be_checked()
    await everything.focus()
    await page.keyboard.press("ArrowDown")  # the next choice in the radio group
    await expect(
        group.get_by_role("radio", name="Seulement les alertes d'urgence (pas d'exercices)")
    ).to_be_checked()
    await page.keyboard.press("Tab")
    await expect(page.get_by_role("button", name="Enregistrer")).to_be_focused()
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("status")).to_have_text("Vos choix sont enregistrés.")
    emergencies = await live_server.pool.fetchval(
        "SELECT emergencies FROM opt_outs WHERE contact_point_id = $1", contact
    )
    assert emergencies is False
    await page.get_by_role("link", name="English").click()
    await expect(page.get_by_role("heading", name="Your email alerts")).to_be_visible()
