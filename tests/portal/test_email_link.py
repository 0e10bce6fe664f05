"""An email address added on the portal is used only after the link sent to it through
the real email channel and mail relay was opened and confirmed."""

from __future__ import annotations

import asyncio
import html
import re
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest_asyncio

from ivr.accounts.residents import save_password
from ivr.channels.email.runtime import email_runtime
from simnet.mailrelay import Received, SimulatedMailRelay
from tests.email.harness import email_settings
from tests.portal.conftest import SECRET_KEY, ClientFactory, send
from tests.portal.test_contact_form import PASSWORD, form
from tests.storage.scenario import Town, build_town

LINK = re.compile(r"https://alertes\.itum\.example(/portal/verify-email/[0-9]+\.[A-Za-z0-9_-]+)")


@pytest_asyncio.fixture
async def email_channel(mail: SimulatedMailRelay, db: asyncpg.Pool) -> AsyncIterator[None]:
    async with email_runtime(email_settings(mail, secret_key=SECRET_KEY), db):
        yield


async def received_by(mail: SimulatedMailRelay, address: str) -> Received:
    async with asyncio.timeout(10):
        while True:
            found = [m for m in mail.messages() if address in m.recipients]
            if found:
                return found[0]
            await asyncio.sleep(0.05)


async def test_an_address_is_used_once_its_link_is_confirmed(
    make_client: ClientFactory, db: asyncpg.Pool, mail: SimulatedMailRelay, email_channel: None
) -> None:
    town: Town = await build_town(db)
    await save_password(db, "+14185550101", PASSWORD)
    client = await make_client()
    await send(client, "/portal/sign-in", {"phone": "418 555-0101", "password": PASSWORD})
    saved = await send(client, "/portal/contacts", form(email_new="marie@example.org"))
    assert saved.status == 303
    message = (await received_by(mail, "marie@example.org")).message
    assert message["Subject"].startswith("[Information ITUM] Confirmez votre adresse courriel")
    body = message.get_body(("plain",))
    assert body is not None
    match = LINK.search(body.get_content())
    assert match, body.get_content()
    link = match[1]
    assert await town.deliveries(await town.alert("nord-est")) != {}  # the phone only
    assert await db.fetchval("SELECT count(*) FROM contact_points WHERE kind = 'email'") == 0

    looked = await client.get(link)  # a mail scanner opening the link changes nothing
    assert looked.status == 200 and "marie@example.org" in await looked.text()
    assert await db.fetchval("SELECT count(*) FROM contact_points WHERE kind = 'email'") == 0
    confirmed = await client.post(link)
    assert confirmed.status == 200 and "C'est fait" in html.unescape(await confirmed.text())
    email_id = await db.fetchval("SELECT id FROM contact_points WHERE email = 'marie@example.org'")
    reached = await town.deliveries(await town.alert("nord-est"))
    assert reached[(email_id, "email")] == "fr"
    assert (await client.post(link)).status == 410  # used once
    forged = link[:-3] + ("AAA" if not link.endswith("AAA") else "BBB")
    assert (await client.get(forged)).status == 404
    history = await (await client.get("/portal/my-data")).text()
    assert "marie@example.org" in history


async def test_an_address_the_relay_refuses_is_shown_as_not_sent(
    make_client: ClientFactory, db: asyncpg.Pool, mail: SimulatedMailRelay, email_channel: None
) -> None:
    await build_town(db)
    await save_password(db, "+14185550101", PASSWORD)
    client = await make_client()
    await send(client, "/portal/sign-in", {"phone": "418 555-0101", "password": PASSWORD})
    await send(client, "/portal/contacts", form(email_new="refuse-1@example.org"))

    async def state() -> Any:
        return await db.fetchval("SELECT send_state FROM email_verifications")

    async with asyncio.timeout(10):
        while await state() != "failed":
            await asyncio.sleep(0.05)
    page = html.unescape(await (await client.get("/portal/contacts")).text())
    assert "le message de confirmation n'a pas pu être envoyé" in page
