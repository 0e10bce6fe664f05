"""The web application under the aiohttp test client, on a fresh database."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import asyncpg
import pytest_asyncio
from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient, TestServer

from ivr.accounts.staff import create_staff
from ivr.config import load_settings
from ivr.web.admin.sessions import SessionPolicy
from ivr.web.app import create_app
from ivr.web.ratelimit import ThrottlePolicy

ADMIN_EMAIL = "admin@itum.example"
ADMIN_PASSWORD = "correct horse battery staple"
SECRET_KEY = "test-secret-key-0123456789abcdef"

ClientFactory = Callable[..., Awaitable[TestClient[Any, Any]]]


@pytest_asyncio.fixture
async def make_client(db: asyncpg.Pool) -> AsyncIterator[ClientFactory]:
    """Build a test client; keyword arguments: session_policy, throttle_policy, web_https."""
    clients: list[TestClient[Any, Any]] = []

    async def make(
        *,
        session_policy: SessionPolicy | None = None,
        throttle_policy: ThrottlePolicy | None = None,
        web_https: bool = False,
    ) -> TestClient[Any, Any]:
        settings = load_settings({}, secret_key=SECRET_KEY, web_https=web_https)
        app = create_app(
            settings, db, session_policy=session_policy, throttle_policy=throttle_policy
        )
        client: TestClient[Any, Any] = TestClient(TestServer(app))
        await client.start_server()
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.close()


@pytest_asyncio.fixture
async def client(make_client: ClientFactory) -> TestClient[Any, Any]:
    return await make_client()


@pytest_asyncio.fixture
async def admin_id(db: asyncpg.Pool) -> int:
    return await create_staff(db, ADMIN_EMAIL, "Marie Admin", "admin", ADMIN_PASSWORD)


def origin(client: TestClient[Any, Any]) -> str:
    return str(client.make_url("/")).rstrip("/")


def csrf_token_in(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match[1]


async def post_form(
    client: TestClient[Any, Any], path: str, data: dict[str, str], *, token_from: str
) -> ClientResponse:
    """GET ``token_from``, then POST ``data`` with its CSRF token and our Origin."""
    page = await client.get(token_from)
    token = csrf_token_in(await page.text())
    return await client.post(
        path,
        data={**data, "csrf_token": token},
        headers={"Origin": origin(client)},
        allow_redirects=False,
    )


async def login(
    client: TestClient[Any, Any], email: str = ADMIN_EMAIL, password: str = ADMIN_PASSWORD
) -> ClientResponse:
    return await post_form(
        client, "/admin/login", {"email": email, "password": password}, token_from="/admin/login"
    )
