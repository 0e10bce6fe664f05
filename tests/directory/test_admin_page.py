"""The directory import page in real Chromium on a phone-sized screen: an administrator
uploads a messy listing, reads the summary, confirms with the keyboard, and lifts an
exclusion; each page passes axe in French and English. Other roles are refused."""

from __future__ import annotations

import asyncpg
import pytest
from playwright.async_api import Browser, FilePayload, Page, expect

from ivr.accounts.staff import create_staff
from ivr.importers.demo_data import SECTORS
from ivr.storage.sectors import save_sectors
from tests.admin.conftest import PASSWORD
from tests.directory.files import EXCLUDED, FIRST_LISTING, utf8_with_bom
from tests.fixtures.axe import serious_violations
from tests.fixtures.browser import LiveServer

pytestmark = pytest.mark.browser


async def _sign_in(page: Page, url: str, email: str) -> None:
    await page.goto(url + "/admin/login")
    await page.get_by_label("Courriel").fill(email)
    await page.get_by_label("Mot de passe").fill(PASSWORD)
    await page.get_by_role("button", name="Se connecter").click()
    await expect(page.get_by_role("heading", name="Tableau de bord")).to_be_visible()


async def _fits(page: Page) -> None:
    assert await serious_violations(page) == []
    assert await page.evaluate("document.documentElement.scrollWidth") <= 360


async def test_upload_read_the_summary_confirm(
    browser: Browser, live_server: LiveServer, db: asyncpg.Pool
) -> None:
    async with db.acquire() as conn:
        await save_sectors(conn, SECTORS)
    await create_staff(db, "adele@itum.example", "Adèle", "admin", PASSWORD)
    await db.execute(
        "INSERT INTO directory_exclusions (phone_e164, reason) VALUES ($1, 'account_deleted')",
        EXCLUDED,
    )
    context = await browser.new_context(locale="fr-CA", viewport={"width": 360, "height": 740})
    page = await context.new_page()
    await _sign_in(page, live_server.url, "adele@itum.example")
    await page.get_by_role("link", name="Annuaire 411").click()
    await expect(page.get_by_role("heading", name="Import de l'annuaire 411")).to_be_visible()
    await _fits(page)

    upload = FilePayload(
        name="annuaire.csv", mimeType="text/csv", buffer=utf8_with_bom(FIRST_LISTING)
    )
    await page.get_by_label("Fichier CSV").set_input_files(files=[upload])
    await page.get_by_role("button", name="Lire le fichier (rien n'est changé)").click()
    summary = page.locator("#summary")
    await expect(summary).to_be_visible(timeout=20_000)  # after the reading's progress
    await expect(page.locator("#import-state")).to_have_text("à confirmer")
    await expect(summary.locator('[data-count="new"]')).to_have_text("10")
    await expect(summary.locator('[data-count="excluded"]')).to_have_text("1")
    await expect(summary.locator('[data-count="errors"]')).to_have_text("6")
    await expect(
        page.get_by_role("cell", name="« 212 555-0100 » n'est pas un numéro canadien.")
    ).to_be_visible()
    await expect(page.get_by_role("cell", name="Rue inconnue des secteurs.")).to_be_visible()
    await _fits(page)
    assert await db.fetchval("SELECT count(*) FROM member_channels") == 0

    path = page.url.removeprefix(live_server.url)
    await page.goto(f"{live_server.url}/admin/lang/en?next={path}")
    await expect(page.get_by_role("cell", name="Street unknown to the sectors.")).to_be_visible()
    await _fits(page)
    confirm = page.get_by_role("button", name="Apply this import")
    await confirm.focus()
    await page.keyboard.press("Enter")
    await expect(page.locator("#import-applied")).to_be_visible()
    await expect(page.get_by_role("heading", name="What the import did")).to_be_visible()
    await _fits(page)
    assert await db.fetchval("SELECT count(*) FROM member_channels") == 10

    await page.goto(live_server.url + "/admin/directory")
    await page.get_by_label("Phone number").fill("418 968-5007")
    await page.get_by_role("button", name="Lift the exclusion").click()
    await expect(page.locator("#directory-notice")).to_contain_text("+14189685007")
    await _fits(page)
    actions = await db.fetch("SELECT action FROM audit_log WHERE action LIKE 'directory.%'")
    assert sorted(a["action"] for a in actions) == [
        "directory.applied", "directory.exclusion_lifted", "directory.uploaded",
    ]  # fmt: skip
    await context.close()


async def test_only_administrators_import(
    browser: Browser, live_server: LiveServer, db: asyncpg.Pool
) -> None:
    await create_staff(db, "antoine@itum.example", "Antoine", "approver", PASSWORD)
    context = await browser.new_context(locale="fr-CA")
    page = await context.new_page()
    await _sign_in(page, live_server.url, "antoine@itum.example")
    response = await page.goto(live_server.url + "/admin/directory")
    assert response is not None and response.status == 403
    assert await page.get_by_role("link", name="Annuaire 411").count() == 0
    await context.close()
