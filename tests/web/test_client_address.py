"""The client's address behind a reverse proxy: X-Forwarded-For from trusted proxies only."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from typing import Any

import asyncpg
import pytest
import pytest_asyncio
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from ivr.config import SettingsError, load_settings
from ivr.web.app import create_app
from ivr.web.client import TRUSTED_PROXIES, client_address, trusted_networks
from ivr.web.ratelimit import ThrottlePolicy
from tests.web.conftest import SECRET_KEY, post_form

Headers = Iterable[tuple[str, str]]


async def _seen(trusted: str, headers: Headers = (), *, host: str = "127.0.0.1") -> str:
    """The client address a server with ``IVR_TRUSTED_PROXIES=trusted`` gives a request
    with ``headers``, sent from ``host``."""

    async def echo(request: web.Request) -> web.Response:
        return web.Response(text=client_address(request))

    app = web.Application()
    settings = load_settings({"IVR_TRUSTED_PROXIES": trusted})
    app[TRUSTED_PROXIES] = trusted_networks(settings.trusted_proxies)
    app.router.add_get("/", echo)
    async with TestClient(TestServer(app, host=host)) as client:
        response = await client.get("/", headers=list(headers))
        return await response.text()


@pytest.mark.parametrize(
    ("trusted", "forwarded_for", "client"),
    [
        # Nobody trusted: a client writing the header itself is ignored.
        ("", "203.0.113.7", "127.0.0.1"),
        # A proxy is trusted, but this connection does not come from it.
        ("192.0.2.1", "203.0.113.7", "127.0.0.1"),
        ("127.0.0.1", "203.0.113.7", "203.0.113.7"),
        # Read from the right, past trusted proxies; the client's own claim is ignored.
        ("10.0.0.0/8,127.0.0.1", "198.51.100.9, 203.0.113.7, 10.0.0.2", "203.0.113.7"),
        # Garbage written by the client, left of what the proxy added, is never looked at.
        ("127.0.0.1", "nonsense, 203.0.113.7", "203.0.113.7"),
        # Every forwarded address a trusted proxy: the farthest is the client.
        ("10.0.0.0/8,127.0.0.1", "10.1.2.3, 10.0.0.2", "10.1.2.3"),
        ("127.0.0.1,fd00::/8", "2001:db8::1, fd00::2", "2001:db8::1"),
        # Malformed where the proxies wrote: the connection's address, never the garbage.
        ("127.0.0.1", "nonsense", "127.0.0.1"),
        ("127.0.0.1", "203.0.113.7:4711", "127.0.0.1"),
        ("10.0.0.0/8,127.0.0.1", "203.0.113.7,,10.0.0.2", "127.0.0.1"),
        ("127.0.0.1", "", "127.0.0.1"),
    ],
)
async def test_forwarded_for_is_read_from_trusted_proxies_only(
    trusted: str, forwarded_for: str, client: str
) -> None:
    assert await _seen(trusted, [("X-Forwarded-For", forwarded_for)]) == client


async def test_without_the_header_the_proxy_is_the_client() -> None:
    assert await _seen("127.0.0.1") == "127.0.0.1"


async def test_several_header_lines_are_one_list_in_order() -> None:
    lines = [("X-Forwarded-For", "198.51.100.9, 203.0.113.7"), ("X-Forwarded-For", "10.0.0.2")]
    assert await _seen("10.0.0.0/8,127.0.0.1", lines) == "203.0.113.7"
    assert await _seen("127.0.0.1", lines[::-1]) == "203.0.113.7"


async def test_a_proxy_connecting_over_ipv6() -> None:
    header = [("X-Forwarded-For", "2001:db8::7")]
    assert await _seen("::1", header, host="::1") == "2001:db8::7"
    assert await _seen("127.0.0.1", header, host="::1") == "::1"


def test_trusted_proxies_are_addresses_and_networks() -> None:
    assert load_settings({}).trusted_proxies == ()
    raw = " 10.0.0.0/8 , 2001:db8::/32,127.0.0.1,"
    assert load_settings({"IVR_TRUSTED_PROXIES": raw}).trusted_proxies == (
        "10.0.0.0/8",
        "2001:db8::/32",
        "127.0.0.1",
    )


@pytest.mark.parametrize("raw", ["proxy.internal", "10.0.0.0/33", "10.0.0.1/8", "::1/129"])
def test_a_bad_trusted_proxy_names_the_variable(raw: str) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings({"IVR_TRUSTED_PROXIES": f"127.0.0.1,{raw}"})
    assert str(caught.value) == (
        f"IVR_TRUSTED_PROXIES: {raw!r} is not an IP address or network (like 10.0.0.0/8)"
    )


@pytest_asyncio.fixture
async def behind_proxy(db: asyncpg.Pool) -> AsyncIterator[dict[str, TestClient[Any, Any]]]:
    """Two residents reaching the portal through the same proxy (this machine), each
    with their own address forwarded; three failures per address are allowed."""
    settings = load_settings({}, secret_key=SECRET_KEY, trusted_proxies=("127.0.0.1",))
    policy = ThrottlePolicy(per_account=100, per_address=3)
    clients: dict[str, TestClient[Any, Any]] = {}
    for address in ("203.0.113.7", "198.51.100.9"):
        app = create_app(settings, db, throttle_policy=policy)
        clients[address] = TestClient(TestServer(app), headers={"X-Forwarded-For": address})
        await clients[address].start_server()
    yield clients
    for client in clients.values():
        await client.close()


async def test_portal_limits_each_forwarded_address_on_its_own(
    behind_proxy: dict[str, TestClient[Any, Any]],
) -> None:
    first, second = behind_proxy.values()

    async def sign_in(client: TestClient[Any, Any], number: str) -> int:
        form = {"phone": number, "password": "devine"}
        answer = await post_form(client, "/portal/sign-in", form, token_from="/portal/sign-in")
        return answer.status

    assert [await sign_in(first, f"418 555-010{n}") for n in range(4)] == [200, 200, 200, 429]
    assert await sign_in(second, "418 555-0109") == 200
