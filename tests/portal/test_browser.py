"""Sign-up in real Chromium, 360 px wide, with the keyboard only."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest_asyncio
from aiohttp import web
from playwright.async_api import Page

from simnet.smsc import SimulatedSmsc
from tests.fixtures.axe import serious_violations
from tests.portal.conftest import portal_app, sms_code


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
