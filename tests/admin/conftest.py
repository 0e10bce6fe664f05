"""The alert pages under the aiohttp test client, with the demo residents, three staff
(operator, approver, admin) and the settings of this session's PBX instance (a launch
makes the phone audio there; no call is placed unless a test runs the voice channel)."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import asyncpg
import pytest_asyncio
from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient, TestServer

from ivr.accounts.staff import create_staff
from ivr.config import Settings
from ivr.importers.demo_data import load_demo_data
from ivr.web.app import create_app
from tests.voice.harness import voice
from tests.web.conftest import csrf_token_in, login, origin

__all__ = ["voice"]

PASSWORD = "une phrase de passe assez longue"
STAFF = {
    "operator": "olivia@itum.example",
    "approver": "antoine@itum.example",
    "admin": "adele@itum.example",
}
SECRET_KEY = "alert-pages-test-key-0123456789abcdef"

Clients = Callable[[str], Awaitable[TestClient[Any, Any]]]


@pytest_asyncio.fixture
async def staff_ids(db: asyncpg.Pool) -> dict[str, int]:
    await load_demo_data(db)
    return {role: await create_staff(db, email, role.title(), role, PASSWORD)
            for role, email in STAFF.items()}  # fmt: skip


@pytest_asyncio.fixture
async def signed_in(
    db: asyncpg.Pool, pbx_settings: Settings, staff_ids: dict[str, int]
) -> AsyncIterator[Clients]:
    """``await signed_in("operator")``: a client signed in with that role."""
    settings = dataclasses.replace(
        pbx_settings, secret_key=SECRET_KEY, channels=("voice", "sms", "email")
    )
    clients: list[TestClient[Any, Any]] = []

    async def make(role: str) -> TestClient[Any, Any]:
        client: TestClient[Any, Any] = TestClient(TestServer(create_app(settings, db)))
        await client.start_server()
        clients.append(client)
        response = await login(client, STAFF[role], PASSWORD)
        assert response.status == 303, await response.text()
        return client

    yield make
    for client in clients:
        await client.close()


async def post(
    client: TestClient[Any, Any], path: str, data: list[tuple[str, str]], *, token_from: str
) -> ClientResponse:
    """POST a form (fields may repeat) with the CSRF token of the page ``token_from``."""
    token = csrf_token_in(await (await client.get(token_from)).text())
    return await client.post(
        path,
        data=[*data, ("csrf_token", token)],
        headers={"Origin": origin(client)},
        allow_redirects=False,
    )


async def compose(
    client: TestClient[Any, Any], *fields: tuple[str, str], category: str = "boil_water"
) -> int:
    """A draft from the compose form; its id."""
    response = await post(
        client, "/admin/alerts/new", [("category", category), *fields],
        token_from="/admin/alerts/new",
    )  # fmt: skip
    assert response.status == 303, await response.text()
    return int(response.headers["Location"].rsplit("/", 1)[1])
