"""The JSON API under the aiohttp test client, on a fresh database with a small town.

Only SMS is in service, and no dispatch engine runs: a launched alert's deliveries on
other channels end at once as channel_unavailable, so nothing is ever sent.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import pytest_asyncio
from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient, TestServer

from ivr.accounts.api_tokens import create_api_token, revoke_api_token
from ivr.config import load_settings
from ivr.storage.queries import QUERIES
from ivr.web.api.body import check
from ivr.web.api.errors import ApiError
from ivr.web.api.openapi import SCHEMAS
from ivr.web.app import create_app
from tests.storage.scenario import Town, build_town
from tests.web.conftest import SECRET_KEY

Client = TestClient[Any, Any]
TokenFactory = Callable[..., Awaitable[str]]

NEW_ALERT: dict[str, Any] = {
    "title": "Avis d'ébullition",
    "category": "boil_water",
    "urgency": "high",
    "sector_codes": ["sud"],
    "contents": {
        "fr": {
            "sms_text": "Faites bouillir l'eau.",
            "email_subject": "Avis d'ébullition",
            "email_body": "Faites bouillir l'eau avant de la boire.",
            "voice_text": "Faites bouillir l'eau.",
        },
        "en": {"sms_text": "Boil water before drinking it."},
    },
}


@dataclass
class Api:
    """The client, the town's people, and a way to make tokens for them."""

    client: Client
    db: asyncpg.Pool
    town: Town
    token: TokenFactory

    async def call(
        self, method: str, path: str, token: str | None = None, **kwargs: Any
    ) -> ClientResponse:
        headers = dict(kwargs.pop("headers", {}))
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        return await self.client.request(method, "/api/v1" + path, headers=headers, **kwargs)


@pytest_asyncio.fixture
async def town(db: asyncpg.Pool) -> Town:
    """Sectors, an operator (a@), an approver (b@) and one resident in "sud" reached by
    email (a channel not in service here)."""
    town = await build_town(db)
    member = await town.member(await town.household("sud"))
    await town.choose(member, await town.email(), "email")
    return town


@pytest_asyncio.fixture
async def api(db: asyncpg.Pool, town: Town, tmp_path: Path) -> AsyncIterator[Api]:
    settings = load_settings(
        {},
        secret_key=SECRET_KEY,
        data_dir=tmp_path / "var",
        asterisk_root=tmp_path / "pbx",
        channels=("sms",),
    )
    client: Client = TestClient(TestServer(create_app(settings, db)))
    await client.start_server()

    async def token(
        email: str = "b@test.example", *scopes: str, role: str | None = None, revoked: bool = False
    ) -> str:
        """A token for ``email`` with ``scopes`` (all when none); ``role``: the staff
        member's role changed to it afterwards (a demotion)."""
        chosen = scopes or ("alerts:read", "alerts:write", "alerts:send", "sectors:read")
        if role is not None:
            await db.execute("UPDATE staff SET role = 'admin' WHERE lower(email) = $1", email)
        token_id, secret = await create_api_token(db, "test", email, chosen)
        if role is not None:
            await db.execute("UPDATE staff SET role = $2 WHERE lower(email) = $1", email, role)
        if revoked:
            await revoke_api_token(db, token_id)
        return secret

    yield Api(client, db, town, token)
    await client.close()


async def add_staff(db: asyncpg.Pool, email: str, role: str) -> int:
    staff_id: int = await db.fetchval(QUERIES["staff.create"], email, email, role, "x")
    return staff_id


def assert_fits(body: Any, schema: str) -> None:
    """The body is what the OpenAPI document says this answer is."""
    try:
        check(body, SCHEMAS[schema], "")
    except ApiError as error:
        raise AssertionError(f"{schema}: {error.en}") from None


async def snapshot(db: asyncpg.Pool) -> list[Any]:
    """What an API write could change: alerts, their contents and sectors, deliveries,
    the audit log."""
    return [
        [tuple(r) for r in await db.fetch(f"SELECT * FROM {table} ORDER BY 1, 2")]  # noqa: S608
        for table in ("alerts", "alert_contents", "alert_sectors", "deliveries", "audit_log")
    ]


async def error_of(response: ClientResponse, status: int) -> dict[str, str]:
    """The response is the API's error with ``status``; its ``error`` object."""
    assert response.status == status, await response.text()
    assert response.content_type == "application/json"
    body = await response.json()
    assert_fits(body, "Error")
    error: dict[str, str] = body["error"]
    assert error["message_fr"] and error["message_en"]
    return error
