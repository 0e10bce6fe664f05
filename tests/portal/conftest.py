"""The residents' portal against a fresh database, with the SMS channel running against
the simulated SMSC (it sends the one-time codes, so it shares the site's secret key)."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import asyncpg
import pytest_asyncio
from aiohttp import ClientResponse, web
from aiohttp.test_utils import TestClient, TestServer

from ivr.channels.sms.runtime import sms_runtime
from ivr.config import load_settings
from ivr.web.app import create_app
from simnet.smsc import SimulatedSmsc
from tests.sms.harness import sms_settings
from tests.web.conftest import origin

SECRET_KEY = "portal-test-secret-key-0123456789abcdef"
COOKIE = "itum_portal"

ClientFactory = Callable[[], Awaitable[TestClient[Any, Any]]]


@pytest_asyncio.fixture
async def codes(smsc: SimulatedSmsc, db: asyncpg.Pool) -> AsyncIterator[SimulatedSmsc]:
    """The SMS channel sending codes; the simulated SMSC to read them from the phones."""
    async with sms_runtime(sms_settings(smsc, secret_key=SECRET_KEY), db) as runtime:
        async with asyncio.timeout(10):
            while not runtime.link.up:
                await asyncio.sleep(0.02)
        yield smsc


def portal_app(db: asyncpg.Pool) -> web.Application:
    """The site of a process that sends on SMS only (so codes by call are not offered)."""
    return create_app(load_settings({}, secret_key=SECRET_KEY, channels=("sms",)), db)


@pytest_asyncio.fixture
async def make_client(db: asyncpg.Pool) -> AsyncIterator[ClientFactory]:
    """Browsers of their own (each its own cookies), on the same site."""
    clients: list[TestClient[Any, Any]] = []

    async def make() -> TestClient[Any, Any]:
        client: TestClient[Any, Any] = TestClient(TestServer(portal_app(db)))
        await client.start_server()
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.close()


@pytest_asyncio.fixture
async def client(make_client: ClientFactory) -> TestClient[Any, Any]:
    return await make_client()


async def send(
    client: TestClient[Any, Any], path: str, data: dict[str, str], *, form_at: str = ""
) -> ClientResponse:
    """POST ``data`` to ``path`` as the form of page ``form_at`` (default ``path``) would."""
    page = await client.get(form_at or path)
    match = re.search(r'name="csrf_token" value="([^"]+)"', await page.text())
    assert match, f"no form on {form_at or path}"
    return await client.post(path, data={**data, "csrf_token": match[1]},
                             headers={"Origin": origin(client)}, allow_redirects=False)  # fmt: skip


async def sms_code(smsc: SimulatedSmsc, number: str, nth: int = 1) -> str:
    """The code in the ``nth`` text message the phone received."""

    def received() -> list[Any]:
        messages = smsc.handset_messages(number)
        return messages if len(messages) >= nth else []

    messages = await smsc.wait_for(received, within=10)
    match = re.search(r"votre code est (\d{6})", messages[nth - 1]["text"])
    assert match, messages[nth - 1]["text"]
    return match[1]


async def one_row(db: asyncpg.Pool, query: str, *args: object) -> asyncpg.Record:
    row = await db.fetchrow(query, *args)
    assert row is not None, query
    return row


def session_cookie(client: TestClient[Any, Any]) -> str | None:
    cookies = client.session.cookie_jar.filter_cookies(client.make_url("/portal/"))
    return cookies[COOKIE].value if COOKIE in cookies else None
