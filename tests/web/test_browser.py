"""The staff pages in real Chromium against the real server and database."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.async_api import ConsoleMessage, Page, expect

from ivr.accounts.staff import create_staff
from tests.fixtures.browser import LiveServer

pytestmark = pytest.mark.browser

ADMIN_EMAIL = "marie@itum.example"
ADMIN_PASSWORD = "une longue phrase de passe"


@pytest.fixture
def console_errors(page: Page) -> list[str]:
    """Errors the page logs, such as Content-Security-Policy violations."""
    errors: list[str] = []

    def collect(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(message.text)

    page.on("console", collect)
    return errors


async def _sign_in(page: Page, server: LiveServer, email: str, password: str) -> None:
    await page.goto(server.url + "/admin/login")
    await page.get_by_label("Courriel").fill(email)
    await page.get_by_label("Mot de passe").fill(password)
    await page.get_by_role("button", name="Se connecter").click()


async def test_sign_in_create_staff_sign_out(
    page: Page, live_server: LiveServer, console_errors: list[str], tmp_path: Path
) -> None:
    await create_staff(live_server.pool, ADMIN_EMAIL, "Marie Jourdain", "admin", ADMIN_PASSWORD)
    await _sign_in(page, live_server, ADMIN_EMAIL, ADMIN_PASSWORD)

    await expect(page).to_have_url(live_server.url + "/admin/")
    await expect(page.get_by_role("heading", name="Tableau de bord")).to_be_visible()
    await expect(page.get_by_text("Bonjour, Marie Jourdain.")).to_be_visible()
    await expect(page.locator("#audit")).to_contain_text("login.succeeded")
    await expect(page.locator("#staff-summary")).to_contain_text("Personnel actif (1)")
    # The stylesheet is applied (served from the package, allowed by the CSP).
    background = await page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(244, 246, 248)"
    screenshot = Path(os.environ.get("IVR_SCREENSHOT_DIR", tmp_path)) / "dashboard.png"
    await page.screenshot(path=str(screenshot), full_page=True)

    await page.get_by_role("link", name="Personnel", exact=True).click()
    await page.get_by_label("Nom").fill("Paul Vollant")
    await page.locator("#new-email").fill("paul@itum.example")
    await page.get_by_label("Rôle").select_option("operator")
    await page.get_by_role("button", name="Créer le compte").click()
    await expect(page.locator("#created")).to_contain_text("Compte créé pour Paul Vollant.")
    password = (await page.locator("#new-password").inner_text()).strip()
    assert len(password) >= 16
    await expect(page.locator("#staff-list")).to_contain_text("paul@itum.example")

    await page.get_by_role("button", name="Se déconnecter").click()
    await expect(page).to_have_url(live_server.url + "/admin/login?bye=1")
    await expect(page.get_by_text("Vous êtes déconnecté.")).to_be_visible()
    await page.goto(live_server.url + "/admin/")
    await expect(page).to_have_url(live_server.url + "/admin/login?expired=1")

    # The new member signs in with the password shown once, and has no admin pages.
    await _sign_in(page, live_server, "paul@itum.example", password)
    await expect(page.get_by_text("Bonjour, Paul Vollant.")).to_be_visible()
    await expect(page.get_by_role("link", name="Personnel", exact=True)).to_have_count(0)
    assert console_errors == []


async def test_wrong_password_message_in_french_then_english(
    page: Page, live_server: LiveServer, console_errors: list[str]
) -> None:
    await create_staff(live_server.pool, ADMIN_EMAIL, "Marie Jourdain", "admin", ADMIN_PASSWORD)
    await _sign_in(page, live_server, ADMIN_EMAIL, "pas le bon mot de passe")
    alert = page.get_by_role("alert")
    await expect(alert).to_have_text("Courriel ou mot de passe incorrect.")
    await expect(page.get_by_label("Courriel")).to_have_value(ADMIN_EMAIL)

    await page.get_by_role("link", name="English").click()
    await expect(page.get_by_role("heading", name="Staff sign-in")).to_be_visible()
    await page.get_by_label("Email").fill(ADMIN_EMAIL)
    await page.get_by_label("Password").fill("still wrong")
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("alert")).to_have_text("Wrong email or password.")
    assert console_errors == []


async def test_the_session_cookie_is_out_of_reach_of_scripts(
    page: Page, live_server: LiveServer
) -> None:
    await create_staff(live_server.pool, ADMIN_EMAIL, "Marie Jourdain", "admin", ADMIN_PASSWORD)
    await _sign_in(page, live_server, ADMIN_EMAIL, ADMIN_PASSWORD)
    await expect(page.get_by_text("Bonjour, Marie Jourdain.")).to_be_visible()
    assert "itum_admin" not in await page.evaluate("document.cookie")
    cookies = await page.context.cookies()
    session = next(c for c in cookies if c["name"] == "itum_admin")
    assert session["httpOnly"] is True
    assert session["sameSite"] == "Strict"
