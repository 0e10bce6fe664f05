"""Staff sign-in and sign-out: answers, rate limits, rehash, session rotation."""

from __future__ import annotations

import statistics
import time
from typing import Any

import asyncpg
from aiohttp.test_utils import TestClient
from argon2 import PasswordHasher

from ivr.accounts.passwords import needs_rehash
from ivr.accounts.staff import create_staff
from ivr.web.ratelimit import ThrottlePolicy
from tests.web.conftest import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    ClientFactory,
    csrf_token_in,
    login,
    origin,
)

WRONG = "Courriel ou mot de passe incorrect."
THROTTLED = "Trop de tentatives."


async def test_login_leads_to_the_dashboard(client: TestClient[Any, Any], admin_id: int) -> None:
    response = await login(client)
    assert response.status == 303
    assert response.headers["Location"] == "/admin/"
    dashboard = await client.get("/admin/")
    assert dashboard.status == 200
    assert "Bonjour, Marie Admin." in await dashboard.text()


async def test_wrong_password_and_unknown_email_get_the_same_answer(
    client: TestClient[Any, Any], admin_id: int
) -> None:
    wrong = await login(client, ADMIN_EMAIL, "not the password")
    unknown = await login(client, "nobody@itum.example", "not the password")
    assert wrong.status == unknown.status == 200
    wrong_page, unknown_page = await wrong.text(), await unknown.text()
    assert WRONG in wrong_page
    assert WRONG in unknown_page
    # Apart from the email echoed in the form, the pages are the same.
    assert wrong_page.replace(ADMIN_EMAIL, "X").replace(
        csrf_token_in(wrong_page), "T"
    ) == unknown_page.replace("nobody@itum.example", "X").replace(csrf_token_in(unknown_page), "T")


async def test_unknown_email_takes_as_long_as_a_wrong_password(
    make_client: ClientFactory, admin_id: int
) -> None:
    client = await make_client(throttle_policy=ThrottlePolicy(per_account=100, per_address=100))

    async def timed(email: str) -> float:
        start = time.perf_counter()
        response = await login(client, email, "not the password")
        assert WRONG in await response.text()
        return time.perf_counter() - start

    wrong = statistics.median([await timed(ADMIN_EMAIL) for _ in range(5)])
    unknown = statistics.median([await timed("nobody@itum.example") for _ in range(5)])
    # Both pay one argon2id verification (tens of ms); without the decoy an unknown
    # email would answer in about a millisecond.
    assert unknown > 0.5 * wrong, (unknown, wrong)
    assert wrong > 0.5 * unknown, (unknown, wrong)


async def test_disabled_account_gets_the_wrong_password_answer(
    client: TestClient[Any, Any], db: asyncpg.Pool, admin_id: int
) -> None:
    await db.execute("UPDATE staff SET disabled = true WHERE id = $1", admin_id)
    response = await login(client)
    assert response.status == 200
    assert WRONG in await response.text()


async def test_failed_logins_are_limited_per_account(
    client: TestClient[Any, Any], admin_id: int
) -> None:
    for _ in range(5):
        assert WRONG in await (await login(client, ADMIN_EMAIL, "guess")).text()
    # Even the right password is refused now, with the throttled answer.
    blocked = await login(client)
    assert blocked.status == 429
    assert THROTTLED in await blocked.text()
    # Another account from the same address is not blocked yet (the address limit is 20).
    other = await login(client, "other@itum.example", "guess")
    assert other.status == 200


async def test_unknown_emails_are_limited_like_known_ones(
    client: TestClient[Any, Any], admin_id: int
) -> None:
    for _ in range(5):
        await login(client, "ghost@itum.example", "guess")
    blocked = await login(client, "GHOST@itum.example", "guess")
    assert blocked.status == 429


async def test_failed_logins_are_limited_per_address(
    make_client: ClientFactory, admin_id: int
) -> None:
    client = await make_client(throttle_policy=ThrottlePolicy(per_account=100, per_address=3))
    for n in range(3):
        await login(client, f"guess{n}@itum.example", "guess")
    blocked = await login(client)
    assert blocked.status == 429


async def test_a_success_clears_the_account_counter(
    client: TestClient[Any, Any], admin_id: int, db: asyncpg.Pool
) -> None:
    for _ in range(4):
        await login(client, ADMIN_EMAIL, "guess")
    assert (await login(client)).status == 303
    assert await db.fetchval("SELECT count(*) FROM login_failures") == 0


async def test_login_rehashes_a_password_hashed_with_old_parameters(
    client: TestClient[Any, Any], db: asyncpg.Pool
) -> None:
    old_hash = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(ADMIN_PASSWORD)
    assert needs_rehash(old_hash)
    staff_id = await db.fetchval(
        "INSERT INTO staff (email, display_name, role, password_hash) "
        "VALUES ($1, 'Old Hash', 'viewer', $2) RETURNING id",
        ADMIN_EMAIL,
        old_hash,
    )
    assert (await login(client)).status == 303
    new_hash = await db.fetchval("SELECT password_hash FROM staff WHERE id = $1", staff_id)
    assert new_hash != old_hash
    assert not needs_rehash(new_hash)
    # Rehashing is not a password change.
    changed = await db.fetchval(
        "SELECT password_changed_at = created_at FROM staff WHERE id = $1", staff_id
    )
    assert changed


async def test_login_replaces_the_pre_login_session(
    client: TestClient[Any, Any], admin_id: int, db: asyncpg.Pool
) -> None:
    await client.get("/admin/login")
    before = client.session.cookie_jar.filter_cookies(client.make_url("/admin/"))["itum_admin"]
    assert await db.fetchval("SELECT count(*) FROM web_sessions WHERE staff_id IS NULL") == 1
    await login(client)
    after = client.session.cookie_jar.filter_cookies(client.make_url("/admin/"))["itum_admin"]
    assert after.value != before.value
    rows = await db.fetch("SELECT staff_id FROM web_sessions")
    assert [row["staff_id"] for row in rows] == [admin_id]


async def test_logout_ends_the_session_for_good(
    client: TestClient[Any, Any], admin_id: int, db: asyncpg.Pool
) -> None:
    await login(client)
    cookie = client.session.cookie_jar.filter_cookies(client.make_url("/admin/"))["itum_admin"]
    dashboard = await client.get("/admin/")
    token = csrf_token_in(await dashboard.text())
    response = await client.post(
        "/admin/logout",
        data={"csrf_token": token},
        headers={"Origin": origin(client)},
        allow_redirects=False,
    )
    assert response.status == 303
    assert response.headers["Location"] == "/admin/login?bye=1"
    assert await db.fetchval("SELECT count(*) FROM web_sessions WHERE staff_id = $1", admin_id) == 0
    # Replaying the old cookie does not bring the session back.
    client.session.cookie_jar.update_cookies({"itum_admin": cookie.value}, client.make_url("/"))
    replay = await client.get("/admin/", allow_redirects=False)
    assert replay.status == 303
    assert replay.headers["Location"].startswith("/admin/login")


async def test_second_staff_member_has_no_admin_pages(
    client: TestClient[Any, Any], db: asyncpg.Pool, admin_id: int
) -> None:
    await create_staff(db, "viewer@itum.example", "Paul Viewer", "viewer", ADMIN_PASSWORD)
    await login(client, "viewer@itum.example")
    staff_page = await client.get("/admin/staff")
    assert staff_page.status == 403
    assert "Votre rôle ne permet pas" in await staff_page.text()
    dashboard = await (await client.get("/admin/")).text()
    assert "Vos actions récentes" in dashboard
    assert 'href="/admin/staff"' not in dashboard
