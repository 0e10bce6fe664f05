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


async def test_a_link_the_relay_cannot_take_for_now_waits_before_it_is_tried_again(
    make_client: ClientFactory, db: asyncpg.Pool, mail: SimulatedMailRelay, email_channel: None
) -> None:
    """Greylisted (451) links go back to the queue with a delay: even with more of them
    than a round takes at once, the relay is not asked again and again meanwhile."""
    await build_town(db)
    await save_password(db, "+14185550101", PASSWORD)
    client = await make_client()
    await send(client, "/portal/sign-in", {"phone": "418 555-0101", "password": PASSWORD})
    addresses = [f"greylist-{n}@example.org" for n in range(25)]  # a round takes 20
    await send(client, "/portal/contacts", form(email_new=addresses[0]))
    first = await db.fetchrow("SELECT account_id, member_id FROM email_verifications")
    assert first is not None
    account, member = first["account_id"], first["member_id"]
    await db.executemany(  # as if as many residents had added theirs while the relay was away
        "INSERT INTO email_verifications (account_id, member_id, email, language, expires_at) "
        "VALUES ($1, $2, $3, 'fr', now() + interval '7 days')",
        [(account, member, address) for address in addresses[1:]],
    )
    await db.execute("SELECT pg_notify('ivr_email_verifications', '')")

    async def waiting() -> int:
        return await db.fetchval(  # type: ignore[no-any-return]
            "SELECT count(*) FROM email_verifications "
            "WHERE send_state = 'pending' AND next_try_at > now() + interval '20 seconds'"
        )

    async with asyncio.timeout(10):
        while await waiting() < len(addresses):
            await asyncio.sleep(0.05)
    await asyncio.sleep(1.0)  # a round that took them again at once would ask by now
    assert mail.rcpt_answers() == {451: len(addresses)}
    assert mail.messages() == []

    await db.execute("UPDATE email_verifications SET next_try_at = now()")  # their time came
    await db.execute("SELECT pg_notify('ivr_email_verifications', '')")
    async with asyncio.timeout(15):
        while len(mail.messages()) < len(addresses):
            await asyncio.sleep(0.05)
    assert sorted(m.recipients[0] for m in mail.messages()) == sorted(addresses)
    assert await db.fetchval(
        "SELECT count(*) FROM email_verifications WHERE send_state = 'sent'"
    ) == len(addresses)
