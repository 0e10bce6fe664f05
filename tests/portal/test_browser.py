"""Sign-up in real Chromium, 360 px wide, with the keyboard only."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest_asyncio
from aiohttp import web
from playwright.async_api import Page

from ivr.accounts.residents import save_password
from simnet.smsc import SimulatedSmsc
from tests.fixtures.axe import serious_violations
from tests.portal.conftest import portal_app, sms_code
from tests.storage.scenario import build_town


@pytest_asyncio.fixture
async def site(db: asyncpg.Pool) -> AsyncIterator[str]:
    runner = web.AppRunner(portal_app(db))
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    host, port = runner.addresses[0][:2]
    yield f"http://{host}:{port}"
    await runner.cleanup()


async def checked(page: Page) -> None:
    assert await serious_violations(page) == []
    assert await page.evaluate("document.documentElement.scrollWidth") <= 360


async def test_sign_up_with_the_keyboard_at_360_px(
    page: Page, site: str, codes: SimulatedSmsc
) -> None:
    await page.set_viewport_size({"width": 360, "height": 740})
    await page.goto(site + "/portal/sign-up")
    await checked(page)
    await page.keyboard.type("418 555-0101")  # the number field has the focus
    await page.keyboard.press("Tab")  # to "by text message", already chosen
    await page.keyboard.press("Tab")
    await page.keyboard.press("Enter")
    await page.wait_for_url("**/portal/code")
    await checked(page)
    await page.keyboard.type(await sms_code(codes, "4185550101"))
    await page.keyboard.press("Enter")
    await page.wait_for_url("**/portal/password")
    await checked(page)
    await page.keyboard.type("la rivière Moisie au printemps")
    await page.keyboard.press("Enter")
    await page.wait_for_url("**/portal/account")
    await checked(page)
    assert await page.locator("h1").inner_text() == "Mon compte"


async def test_contact_form_then_my_data_download_and_delete_at_360_px(
    page: Page, site: str, db: asyncpg.Pool
) -> None:
    town = await build_town(db)
    await save_password(db, "+14185550101", "la rivière Moisie au printemps")
    await page.set_viewport_size({"width": 360, "height": 740})
    await page.goto(site + "/portal/sign-in")
    await page.get_by_label("Numéro de téléphone").fill("418 555-0101")
    await page.get_by_label("Mot de passe").fill("la rivière Moisie au printemps")
    await page.keyboard.press("Enter")
    await page.wait_for_url("**/portal/account")
    await page.get_by_role("link", name="Mes coordonnées").click()
    await checked(page)
    await page.get_by_label("Votre nom").fill("Marie Vollant")
    await page.get_by_label("Rue", exact=True).select_option(label="rue C (Uashat)")
    await page.get_by_label("Numéro civique").fill("12")
    await page.get_by_role("button", name="Enregistrer").click()
    await page.wait_for_url("**/portal/contacts?saved=1")
    await checked(page)
    assert await page.locator("#sector").inner_text() == "Votre secteur : Sud"
    contact = await db.fetchval("SELECT id FROM contact_points WHERE phone_e164 = '+14185550101'")
    assert await town.deliveries(await town.alert("sud")) == {}  # no consent yet
    await page.get_by_label("J'accepte de recevoir les alertes d'urgence").check()
    await page.get_by_role("button", name="Enregistrer").click()
    await page.wait_for_url("**/portal/contacts?saved=1")
    reached = await town.deliveries(await town.alert("sud"))
    assert reached == {(contact, "sms"): "fr", (contact, "voice"): "fr"}  # both, by default

    for page_path in ("/portal/account", "/portal/change-password", "/portal/my-data"):
        await page.goto(site + page_path)
        await checked(page)
    async with page.expect_download() as download_info:
        await page.get_by_role("link", name="Télécharger toutes mes données (JSON)").click()
    download = await download_info.value
    path = await download.path()
    assert path is not None
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    assert data["holder"]["name"] == "Marie Vollant"
    assert sorted(a["channel"] for a in data["alerts_received"]) == ["sms", "voice"]
    await page.get_by_label("Je comprends").check()
    await page.get_by_label("Votre mot de passe, pour confirmer").fill(
        "la rivière Moisie au printemps"
    )
    await page.get_by_role("button", name="Supprimer mon compte").click()
    await page.wait_for_url("**/portal/?deleted=1")
    assert "Votre compte et vos données sont supprimés." in await page.inner_text("main")
    assert await db.fetchval("SELECT count(*) FROM members") == 0
