"""Every staff page checked with axe-core in Chromium, in French and English, on a
phone-sized screen: no serious or critical violation, no sideways scrolling."""

from __future__ import annotations

import asyncpg
import pytest
from playwright.async_api import Browser, expect

from ivr.accounts.staff import create_staff
from ivr.importers.demo_data import load_demo_data
from ivr.storage import alerts
from tests.admin.conftest import PASSWORD
from tests.fixtures.axe import serious_violations
from tests.fixtures.browser import LiveServer

pytestmark = pytest.mark.browser


async def test_every_staff_page_passes_axe_at_360_px(
    browser: Browser, live_server: LiveServer, db: asyncpg.Pool
) -> None:
    await load_demo_data(db)
    admin = await create_staff(db, "adele@itum.example", "Adèle", "admin", PASSWORD)
    async with db.acquire() as conn:
        alert_id = await alerts.create_alert(conn, title="Avis", category="boil_water",
                                             urgency="high", drafted_by=admin,
                                             sector_codes=["uashat-nord"])  # fmt: skip
    household = await db.fetchval("SELECT min(id) FROM households")
    context = await browser.new_context(locale="fr-CA", viewport={"width": 360, "height": 740})
    page = await context.new_page()
    await page.goto(live_server.url + "/admin/login")
    assert await serious_violations(page) == []
    await page.get_by_label("Courriel").fill("adele@itum.example")
    await page.get_by_label("Mot de passe").fill(PASSWORD)
    await page.get_by_role("button", name="Se connecter").click()
    await expect(page.get_by_role("heading", name="Tableau de bord")).to_be_visible()
    paths = [
        "/admin/", "/admin/alerts", "/admin/alerts/new", f"/admin/alerts/{alert_id}",
        f"/admin/alerts/{alert_id}/report", f"/admin/alerts/{alert_id}/not-reached",
        "/admin/staff", "/admin/password", "/admin/sectors", "/admin/residents?q=rue",
        f"/admin/residents/{household}", "/admin/totp",
    ]  # fmt: skip
    for language in ("fr", "en"):
        if language == "en":
            await page.goto(live_server.url + "/admin/lang/en?next=/admin/")
        for path in paths:
            response = await page.goto(live_server.url + path)
            assert response is not None and response.status == 200, path
            assert await serious_violations(page) == [], (language, path)
            wide = await page.evaluate("document.documentElement.scrollWidth")
            assert wide <= 360, (language, path, wide)
    await context.close()
