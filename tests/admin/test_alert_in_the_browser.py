"""The whole path in real Chromium: an operator composes an alert for one sector, an
approver (another account) approves and launches it, the dashboard follows it to
completion while the simulated phone network, SMSC and mail relay really receive the
calls, texts and emails, and the report lists who was not reached and exports a CSV."""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
from aiohttp import web
from playwright.async_api import Browser, Page, expect
from shapely.geometry import box

from ivr.accounts.staff import create_staff
from ivr.channels.email.runtime import email_runtime
from ivr.channels.sms.runtime import sms_runtime
from ivr.domain.sectors import Sector
from ivr.storage import people
from ivr.storage.sectors import save_sectors
from ivr.web.app import create_app
from simnet.mailrelay import SimulatedMailRelay
from simnet.smsc import SimulatedSmsc
from tests.admin.conftest import PASSWORD, SECRET_KEY
from tests.email.harness import email_settings
from tests.fixtures.axe import serious_violations
from tests.sms.harness import sms_settings
from tests.voice.harness import VoiceHarness

pytestmark = [pytest.mark.asterisk, pytest.mark.browser]

SMS_MOBILE = "4189697001"
EMAIL = "famille.vollant@exemple.ca"


async def _population(db: asyncpg.Pool, voice: VoiceHarness) -> dict[str, str]:
    """One small sector (its polygon on the map) with a person who answers, an answering
    machine, a mobile for texts, an email address and a resident with no contact."""
    async with db.acquire() as conn, conn.transaction():
        await save_sectors(conn, [Sector("pointe", "uashat", "Pointe-Noire", "Pointe-Noire",
                                         boundary=box(-66.41, 50.21, -66.40, 50.22))])  # fmt: skip
    numbers = {"person": voice.network.number_for("person"),
               "machine": voice.network.number_for("machine")}  # fmt: skip
    point = (-66.405, 50.215)
    for n, (name, phone, channel) in enumerate([
        ("Marie Ashini", numbers["person"], "voice"),
        ("Paul Vollant", numbers["machine"], "voice"),
        ("Lucie Jourdain", SMS_MOBILE, "sms"),
    ], start=1):  # fmt: skip
        household = await people.add_household(
            db, people.Address("uashat", n * 2, "rue de la Pointe", point=point), []
        )
        await db.execute("UPDATE households SET sector_id = (SELECT id FROM sectors "
                         "WHERE code = 'pointe'), sector_method = 'staff' WHERE id = $1",
                         household)  # fmt: skip
        member = await people.add_member(db, household, name, "fr")
        contact = await people.add_phone(
            db, phone, "portal", "mobile" if channel == "sms" else None
        )
        await people.choose_channel(db, member, contact, channel)  # type: ignore[arg-type]
        if n == 3:
            address = await people.add_email(db, EMAIL, "portal")
            await people.choose_channel(db, member, address, "email")
    nobody = await people.add_household(db, people.Address("uashat", 20, "rue de la Pointe"), [])
    await db.execute("UPDATE households SET sector_id = (SELECT id FROM sectors WHERE code = "
                     "'pointe'), sector_method = 'staff' WHERE id = $1", nobody)  # fmt: skip
    await people.add_member(db, nobody, "Jean Sans-Contact", "fr")
    return numbers


@contextlib.asynccontextmanager
async def _site(voice: VoiceHarness, smsc: SimulatedSmsc, mail: SimulatedMailRelay,
                db: asyncpg.Pool) -> AsyncIterator[str]:  # fmt: skip
    """The three channels running and the web pages on a free port."""
    settings = dataclasses.replace(voice.settings, secret_key=SECRET_KEY,
                                   channels=("voice", "sms", "email"))  # fmt: skip
    async with (
        sms_runtime(sms_settings(smsc), db) as sms,
        email_runtime(email_settings(mail), db) as email,
    ):
        probes = {"voice": voice.runtime.health, "sms": sms.health, "email": email.health}
        runner = web.AppRunner(create_app(settings, db, health_probes=probes))
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        host, port = runner.addresses[0][:2]
        try:
            yield f"http://{host}:{port}"
        finally:
            await runner.cleanup()


async def _sign_in(page: Page, url: str, email: str) -> None:
    await page.goto(url + "/admin/login")
    await page.get_by_label("Courriel").fill(email)
    await page.get_by_label("Mot de passe").fill(PASSWORD)
    await page.get_by_role("button", name="Se connecter").click()
    await expect(page.get_by_role("heading", name="Tableau de bord")).to_be_visible()


async def test_compose_approve_launch_follow_and_report(
    browser: Browser, voice: VoiceHarness, smsc: SimulatedSmsc, mail: SimulatedMailRelay,
    db: asyncpg.Pool,
) -> None:  # fmt: skip
    numbers = await _population(db, voice)
    await create_staff(db, "olivia@itum.example", "Olivia", "operator", PASSWORD)
    await create_staff(db, "antoine@itum.example", "Antoine", "approver", PASSWORD)
    async with _site(voice, smsc, mail, db) as url:
        operator = await (await browser.new_context(locale="fr-CA")).new_page()
        await _sign_in(operator, url, "olivia@itum.example")
        await operator.get_by_role("link", name="Nouvelle alerte").first.click()
        await operator.get_by_label("Modèle (catégorie)").select_option("boil_water")
        # The sector chosen on the map: its checkbox in the list follows.
        await operator.locator('path[data-sector="pointe"]').click()
        await expect(operator.get_by_label("Pointe-Noire (pointe)")).to_be_checked()
        await expect(operator.locator("#audience")).to_contain_text(
            "4 personnes : 2 appels, 1 textos, 1 courriels; 1 sans moyen"
        )
        assert await serious_violations(operator) == []
        await operator.get_by_role("button", name="Créer le brouillon").click()
        await expect(
            operator.get_by_role("heading", name="Textes et message vocal")
        ).to_be_visible()
        alert_url = operator.url
        assert await serious_violations(operator) == []
        assert "Pointe-Noire" in await operator.get_by_label("Texto").first.input_value()

        approver = await (await browser.new_context(locale="fr-CA")).new_page()
        await _sign_in(approver, url, "antoine@itum.example")
        await approver.goto(alert_url)
        await approver.get_by_role("button", name="Approuver").click()
        await expect(approver.get_by_role("status")).to_have_text("Alerte approuvée.")
        await approver.get_by_role("button", name="Lancer maintenant").click()
        await expect(
            approver.get_by_role("heading", name="Rapport de l'alerte", exact=False)
        ).to_be_visible()

        # The dashboard follows the alert by itself until it completes.
        await operator.goto(url + "/admin/")
        live = operator.locator("[data-live-state]").first
        await expect(live).to_have_text("Envoi en cours")
        await expect(live).to_have_text("Terminée", timeout=120_000)
        reached = operator.locator('[data-count="voice.reached"]').first
        await expect(reached).to_have_text("2")
        assert await serious_violations(operator) == []

        await operator.goto(alert_url + "/report")
        await expect(operator.get_by_text("1 personnes non jointes.")).to_be_visible()
        assert await serious_violations(operator) == []
        async with operator.expect_download() as download:
            await operator.get_by_role("link", name="Exporter en CSV").click()
        exported = Path(await (await download.value).path()).read_text(encoding="utf-8-sig")
        assert len(exported.splitlines()) == 5  # a header and four deliveries
        await operator.get_by_role("link", name="Liste imprimable pour le porte-à-porte").click()
        await expect(operator.get_by_role("heading", name="rue de la Pointe")).to_be_visible()
        await expect(operator.get_by_text("Jean Sans-Contact")).to_be_visible()

    assert voice.network.calls(numbers["person"]) and voice.network.calls(numbers["machine"])
    await smsc.wait_for(lambda: smsc.handset_messages(SMS_MOBILE), within=10)
    assert [r.recipients for r in mail.messages()] == [(EMAIL,)]
