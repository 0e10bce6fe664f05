"""CSRF, session cookies and expiry, security headers, /healthz."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

import asyncpg
from aiohttp.test_utils import TestClient, TestServer

from ivr.config import load_settings
from ivr.web.admin.keys import SESSIONS
from ivr.web.app import ADMIN_APP, create_app
from ivr.web.security_headers import CONTENT_SECURITY_POLICY
from tests.web.conftest import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    SECRET_KEY,
    ClientFactory,
    csrf_token_in,
    login,
    origin,
)


async def _staff_count(db: asyncpg.Pool) -> int:
    count: int = await db.fetchval("SELECT count(*) FROM staff")
    return count


async def _logged_in_token(client: TestClient[Any, Any]) -> str:
    assert (await login(client)).status == 303
    return csrf_token_in(await (await client.get("/admin/staff")).text())


NEW_STAFF = {"email": "new@itum.example", "name": "Nouvelle Personne", "role": "operator"}


# --- CSRF ---------------------------------------------------------------------------


async def test_post_without_token_is_refused(
    client: TestClient[Any, Any], db: asyncpg.Pool, admin_id: int
) -> None:
    await _logged_in_token(client)
    response = await client.post("/admin/staff", data=NEW_STAFF, headers={"Origin": origin(client)})
    assert response.status == 403
    assert "Cette page a expiré" in await response.text()
    assert await _staff_count(db) == 1


async def test_post_with_a_wrong_token_is_refused(
    client: TestClient[Any, Any], db: asyncpg.Pool, admin_id: int
) -> None:
    token = await _logged_in_token(client)
    response = await client.post(
        "/admin/staff",
        data={**NEW_STAFF, "csrf_token": token[:-2] + "xx"},
        headers={"Origin": origin(client)},
    )
    assert response.status == 403
    assert await _staff_count(db) == 1


async def test_post_from_another_origin_is_refused_even_with_the_token(
    client: TestClient[Any, Any], db: asyncpg.Pool, admin_id: int
) -> None:
    token = await _logged_in_token(client)
    for headers in (
        {"Origin": "http://evil.example"},
        {"Origin": "null"},
        {"Referer": "http://evil.example/page"},
        {},  # neither Origin nor Referer
    ):
        response = await client.post(
            "/admin/staff", data={**NEW_STAFF, "csrf_token": token}, headers=headers
        )
        assert response.status == 403, headers
    assert await _staff_count(db) == 1


async def test_same_site_referer_and_header_token_are_accepted(
    client: TestClient[Any, Any], db: asyncpg.Pool, admin_id: int
) -> None:
    token = await _logged_in_token(client)
    response = await client.post(
        "/admin/staff",
        data=NEW_STAFF,
        headers={"Referer": origin(client) + "/admin/staff", "X-CSRF-Token": token},
    )
    assert response.status == 200
    assert await _staff_count(db) == 2


async def test_token_of_another_session_is_refused(
    make_client: ClientFactory, db: asyncpg.Pool, admin_id: int
) -> None:
    mallory = await make_client()
    victim = await make_client()
    foreign_token = await _logged_in_token(mallory)
    await _logged_in_token(victim)
    response = await victim.post(
        "/admin/staff",
        data={**NEW_STAFF, "csrf_token": foreign_token},
        headers={"Origin": origin(victim)},
    )
    assert response.status == 403
    assert await _staff_count(db) == 1


async def test_login_form_needs_its_token_too(client: TestClient[Any, Any], admin_id: int) -> None:
    response = await client.post(
        "/admin/login",
        data={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD},
        headers={"Origin": origin(client)},
        allow_redirects=False,
    )
    assert response.status == 403


# --- sessions -----------------------------------------------------------------------


async def test_session_cookie_attributes_over_http(
    client: TestClient[Any, Any], admin_id: int
) -> None:
    response = await login(client)
    cookie = response.cookies["itum_admin"]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Strict"
    assert cookie["path"] == "/admin/"
    assert not cookie["secure"]
    assert "Strict-Transport-Security" not in response.headers


async def test_session_cookie_is_secure_when_served_over_https(
    make_client: ClientFactory, admin_id: int
) -> None:
    client = await make_client(web_https=True)
    response = await client.get("/admin/login")
    cookie = response.cookies["__Secure-itum_admin"]
    assert cookie["secure"] is True
    assert cookie["httponly"] is True
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000"


async def test_only_a_keyed_hash_of_the_token_is_stored(
    client: TestClient[Any, Any], db: asyncpg.Pool, admin_id: int
) -> None:
    response = await login(client)
    token = response.cookies["itum_admin"].value
    stored = await db.fetchval("SELECT token_hash FROM web_sessions WHERE staff_id = $1", admin_id)
    assert stored == hmac.new(SECRET_KEY.encode(), token.encode(), hashlib.sha256).digest()
    assert token.encode() not in stored
    rows = await db.fetch("SELECT * FROM web_sessions")
    assert all(token not in str(value) for row in rows for value in row.values())


async def test_idle_session_expires(
    client: TestClient[Any, Any], db: asyncpg.Pool, admin_id: int
) -> None:
    await login(client)
    assert (await client.get("/admin/", allow_redirects=False)).status == 200
    await db.execute("UPDATE web_sessions SET last_seen_at = now() - interval '31 minutes'")
    response = await client.get("/admin/", allow_redirects=False)
    assert response.status == 303
    assert response.headers["Location"] == "/admin/login?expired=1"
    page = await client.get("/admin/login?expired=1")
    assert "Votre session a expiré" in await page.text()


async def test_activity_keeps_the_session_alive_until_its_absolute_end(
    client: TestClient[Any, Any], db: asyncpg.Pool, admin_id: int
) -> None:
    await login(client)
    await db.execute("UPDATE web_sessions SET last_seen_at = now() - interval '29 minutes'")
    assert (await client.get("/admin/", allow_redirects=False)).status == 200
    idle = await db.fetchval("SELECT now() - last_seen_at FROM web_sessions")
    assert idle.total_seconds() < 60  # the request refreshed it
    await db.execute("UPDATE web_sessions SET expires_at = now() - interval '1 second'")
    response = await client.get("/admin/", allow_redirects=False)
    assert response.status == 303


async def test_expired_sessions_are_purged(
    client: TestClient[Any, Any], db: asyncpg.Pool, admin_id: int
) -> None:
    await login(client)
    await client.get("/admin/login")  # a second, anonymous session from a new client
    await db.execute("UPDATE web_sessions SET expires_at = now() - interval '1 second'")
    await client.app[ADMIN_APP][SESSIONS].purge_expired()
    assert await db.fetchval("SELECT count(*) FROM web_sessions") == 0


async def test_disabled_staff_loses_the_session_at_once(
    client: TestClient[Any, Any], db: asyncpg.Pool, admin_id: int
) -> None:
    await login(client)
    await db.execute("UPDATE staff SET disabled = true WHERE id = $1", admin_id)
    response = await client.get("/admin/", allow_redirects=False)
    assert response.status == 303
    assert await db.fetchval("SELECT count(*) FROM web_sessions") == 0


# --- headers ------------------------------------------------------------------------


async def test_security_headers_on_pages_errors_static_and_json(
    client: TestClient[Any, Any],
) -> None:
    for path, status in (
        ("/admin/login", 200),
        ("/admin/nope", 404),
        ("/healthz", 200),
        ("/static/admin.css", 200),
    ):
        response = await client.get(path)
        assert response.status == status, path
        headers = response.headers
        assert headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY, path
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"
        assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
        assert headers["Server"] == "Information ITUM"
        if path.startswith("/static/"):
            assert "no-store" not in headers.get("Cache-Control", "")
        else:
            assert headers["Cache-Control"] == "no-store", path


async def test_pages_have_no_inline_script_or_style(client: TestClient[Any, Any]) -> None:
    html = await (await client.get("/admin/login")).text()
    assert "<script" not in html
    assert "style=" not in html
    assert "<style" not in html
    assert '<link rel="stylesheet" href="/static/admin.css">' in html


async def test_admin_without_slash_leads_to_the_pages(client: TestClient[Any, Any]) -> None:
    response = await client.get("/admin", allow_redirects=False)
    assert response.status == 301
    assert response.headers["Location"] == "/admin/"
    assert response.headers["X-Frame-Options"] == "DENY"
    signed_out = await client.get("/admin/", allow_redirects=False)
    assert signed_out.status == 303
    assert signed_out.headers["Location"] == "/admin/login"


# --- health -------------------------------------------------------------------------


async def test_healthz_reports_the_database(client: TestClient[Any, Any]) -> None:
    response = await client.get("/healthz")
    assert response.status == 200
    body = await response.json()
    assert body["status"] == "ok"
    assert body["database"] == "ok"
    assert body["schema_version"] >= 3


async def test_healthz_reports_an_unreachable_database(database_url: str) -> None:
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=1)
    await pool.close()
    app = create_app(load_settings({}, secret_key=SECRET_KEY), pool)
    async with TestClient(TestServer(app)) as client:
        response = await client.get("/healthz")
        assert response.status == 503
        assert await response.json() == {
            "status": "error",
            "database": "unreachable",
            "channels": {},
        }
