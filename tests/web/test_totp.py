"""Two-step sign-in: enrolment with a first code, the code step after the password (wrong,
reused, late and too many codes refused alike), a new session once both are right,
the setting that makes approvers enrol, removal with the password, sealed secrets."""

from __future__ import annotations

import json
import re
import time
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pyotp
import pytest_asyncio
from aiohttp.test_utils import TestClient, TestServer

from ivr.accounts.staff import create_staff
from ivr.accounts.totp import SecretBox, matching_step
from ivr.config import load_settings
from ivr.web.app import create_app
from tests.web.conftest import (
    ADMIN_PASSWORD,
    SECRET_KEY,
    ClientFactory,
    login,
    post_form,
)

APPROVER = "anne@itum.example"
WRONG_CODE = "Ce code n&#39;est pas accepté."


def _code(secret: str, steps_ahead: int = 0) -> str:
    """The code an authenticator shows now, or ``steps_ahead`` time-steps from now."""
    return pyotp.TOTP(secret).at(time.time() + 30 * steps_ahead)


def _cookie(client: TestClient[Any, Any]) -> str:
    cookies = client.session.cookie_jar.filter_cookies(client.make_url("/admin/"))
    return cookies["itum_admin"].value


async def _enrol(client: TestClient[Any, Any], password: str = ADMIN_PASSWORD) -> str:
    """Turn two-step sign-in on for the signed-in client; the secret."""
    html = await (await client.get("/admin/totp")).text()
    shown = re.search(r'<code class="secret" id="totp-secret">([A-Z2-7 ]+)</code>', html)
    assert shown
    secret = shown[1].replace(" ", "")
    response = await post_form(
        client,
        "/admin/totp",
        {"intent": "confirm", "code": _code(secret), "password": password},
        token_from="/admin/totp",
    )
    assert response.status == 200
    assert "La vérification en deux étapes est activée." in await response.text()
    return secret


async def _give_code(client: TestClient[Any, Any], code: str) -> Any:
    return await post_form(
        client, "/admin/login/code", {"code": code}, token_from="/admin/login/code"
    )


async def _actions(db: asyncpg.Pool) -> list[str]:
    rows = await db.fetch(
        "SELECT action FROM audit_log WHERE action LIKE 'totp.%' OR action LIKE 'login.%' "
        "ORDER BY id"
    )
    return [row["action"] for row in rows]


@pytest_asyncio.fixture
async def strict_client(db: asyncpg.Pool) -> AsyncIterator[ClientFactory]:
    """Clients of a site with IVR_TOTP_REQUIRED_FOR_APPROVERS=true."""
    clients: list[TestClient[Any, Any]] = []

    async def make() -> TestClient[Any, Any]:
        settings = load_settings({"IVR_TOTP_REQUIRED_FOR_APPROVERS": "true"}, secret_key=SECRET_KEY)
        client: TestClient[Any, Any] = TestClient(TestServer(create_app(settings, db)))
        await client.start_server()
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.close()


async def test_enrolment_shows_the_key_and_keeps_it_sealed(
    client: TestClient[Any, Any], db: asyncpg.Pool, admin_id: int
) -> None:
    await login(client)
    html = await (await client.get("/admin/totp")).text()
    shown = re.search(r'id="totp-secret">((?:[A-Z2-7]{4} ){7}[A-Z2-7]{4})</code>', html)
    assert shown, "the key in groups of four"
    secret = shown[1].replace(" ", "")
    assert (
        f"otpauth://totp/Information%20ITUM:admin%40itum.example?secret={secret}"
        "&amp;issuer=Information%20ITUM" in html
    )
    # Reloading the page keeps the same key until a code confirms it.
    assert secret.encode() in (await (await client.get("/admin/totp")).read()).replace(b" ", b"")
    row = await db.fetchrow("SELECT * FROM staff_totp WHERE staff_id = $1", admin_id)
    assert row is not None
    assert row["confirmed_at"] is None
    assert secret.encode() not in row["secret_sealed"]
    assert SecretBox(SECRET_KEY).open(admin_id, row["secret_sealed"]) == secret


async def test_enrolment_needs_a_good_code_and_the_password(
    client: TestClient[Any, Any], db: asyncpg.Pool, admin_id: int
) -> None:
    await login(client)
    html = await (await client.get("/admin/totp")).text()
    shown = re.search(r'id="totp-secret">([A-Z2-7 ]+)</code>', html)
    assert shown
    secret = shown[1].replace(" ", "")
    for fields, field, message in (
        ({"code": "000000", "password": ADMIN_PASSWORD}, "code", WRONG_CODE),
        ({"code": _code(secret), "password": "pas le bon"}, "password", "incorrect"),
    ):
        response = await post_form(
            client, "/admin/totp", {"intent": "confirm", **fields}, token_from="/admin/totp"
        )
        assert response.status == 400
        page = await response.text()
        tag = re.search(rf'<input id="{field}"[^>]*>', page)
        assert tag
        assert f'{field}-error" aria-invalid="true"' in tag[0]
        assert re.search(rf'<p class="error" id="{field}-error" role="alert">[^<]*{message}', page)
    assert await db.fetchval("SELECT confirmed_at FROM staff_totp") is None
    assert (await _actions(db)).count("totp.enrol_failed") == 2


async def test_sign_in_asks_for_the_code_and_then_rotates_the_session(
    make_client: ClientFactory, db: asyncpg.Pool, admin_id: int
) -> None:
    first = await make_client()
    await login(first)
    secret = await _enrol(first)
    assert await db.fetchval("SELECT confirmed_at IS NOT NULL FROM staff_totp")

    client = await make_client()
    response = await login(client)
    assert response.status == 303
    assert response.headers["Location"] == "/admin/login/code"
    pre_login = _cookie(client)
    # The password alone opens nothing.
    assert (await client.get("/admin/", allow_redirects=False)).status == 303
    page = await client.get("/admin/login/code")
    assert 'autocomplete="one-time-code"' in await page.text()

    wrong = await _give_code(client, "123456" if _code(secret) != "123456" else "654321")
    assert wrong.status == 200
    assert WRONG_CODE in await wrong.text()
    assert _cookie(client) == pre_login

    # The code used to enrol is spent; the next one (one step of drift) signs in.
    response = await _give_code(client, _code(secret, steps_ahead=1))
    assert response.status == 303
    assert response.headers["Location"] == "/admin/"
    assert _cookie(client) != pre_login
    assert (await client.get("/admin/", allow_redirects=False)).status == 200
    assert await db.fetchval("SELECT count(*) FROM web_sessions WHERE staff_id IS NULL") == 0
    assert await db.fetchval("SELECT count(*) FROM staff_totp_pending") == 0
    row = await db.fetchrow(
        "SELECT details FROM audit_log WHERE action = 'login.succeeded' ORDER BY id DESC LIMIT 1"
    )
    assert row is not None
    assert json.loads(row["details"]) == {"second_factor": "totp"}
    actions = await _actions(db)
    assert actions[actions.index("totp.enrolled") + 1 :] == [
        "login.code_failed",
        "login.succeeded",
    ]


async def test_a_code_works_only_once(
    make_client: ClientFactory, db: asyncpg.Pool, admin_id: int
) -> None:
    first = await make_client()
    await login(first)
    secret = await _enrol(first)
    code = _code(secret, steps_ahead=1)
    laptop, phone = await make_client(), await make_client()
    await login(laptop)
    assert (await _give_code(laptop, code)).status == 303
    await login(phone)
    for replayed in (code, _code(secret)):  # the same code, and an earlier one
        response = await _give_code(phone, replayed)
        assert response.status == 200
        assert WRONG_CODE in await response.text()
    assert (await phone.get("/admin/", allow_redirects=False)).status == 303


async def test_the_code_step_is_limited_like_the_password(
    make_client: ClientFactory, db: asyncpg.Pool, admin_id: int
) -> None:
    first = await make_client()
    await login(first)
    secret = await _enrol(first)
    client = await make_client()
    await login(client)
    good = _code(secret, steps_ahead=1)
    bad = "000000" if good != "000000" else "111111"
    for _ in range(5):
        assert WRONG_CODE in await (await _give_code(client, bad)).text()
    blocked = await _give_code(client, good)
    assert blocked.status == 429
    assert "Trop de tentatives" in await blocked.text()
    # The password step is blocked too: the failures count for the account.
    assert (await login(await make_client())).status == 429


async def test_the_code_step_lasts_five_minutes(
    make_client: ClientFactory, db: asyncpg.Pool, admin_id: int
) -> None:
    first = await make_client()
    await login(first)
    secret = await _enrol(first)
    client = await make_client()
    await login(client)
    expires = await db.fetchval("SELECT expires_at - now() FROM staff_totp_pending")
    assert 290 < expires.total_seconds() <= 300
    await db.execute("UPDATE staff_totp_pending SET expires_at = now() - interval '1 second'")
    late = await client.get("/admin/login/code", allow_redirects=False)
    assert late.status == 303
    assert late.headers["Location"] == "/admin/login?expired=1"
    response = await login(client)  # the password again: a new five minutes
    assert response.headers["Location"] == "/admin/login/code"
    assert (await _give_code(client, _code(secret, steps_ahead=1))).status == 303


async def test_approvers_must_enrol_when_the_setting_says_so(
    strict_client: ClientFactory, db: asyncpg.Pool, admin_id: int
) -> None:
    await create_staff(db, APPROVER, "Anne", "approver", ADMIN_PASSWORD)
    await create_staff(db, "paul@itum.example", "Paul", "operator", ADMIN_PASSWORD)
    operator = await strict_client()
    await login(operator, "paul@itum.example")
    assert (await operator.get("/admin/", allow_redirects=False)).status == 200

    approver = await strict_client()
    assert (await login(approver, APPROVER)).status == 303  # signed in, but...
    for path in ("/admin/", "/admin/residents", "/admin/password", "/admin/staff"):
        response = await approver.get(path, allow_redirects=False)
        assert response.status == 303, path
        assert response.headers["Location"] == "/admin/totp"
    page = await (await approver.get("/admin/totp")).text()
    assert "Votre rôle exige la vérification en deux étapes" in page
    refused = await post_form(
        approver,
        "/admin/password",
        {"current": ADMIN_PASSWORD, "new": "une autre phrase", "confirm": "une autre phrase"},
        token_from="/admin/totp",
    )
    assert refused.status == 403
    assert "Votre rôle exige" in await refused.text()
    for language in ("en", "fr"):  # the language switch stays open
        assert (await approver.get(f"/admin/lang/{language}", allow_redirects=False)).status == 303

    await _enrol(approver)
    assert (await approver.get("/admin/", allow_redirects=False)).status == 200


async def test_removal_needs_the_password(
    make_client: ClientFactory, db: asyncpg.Pool, admin_id: int
) -> None:
    laptop, phone = await make_client(), await make_client()
    await login(laptop)
    secret = await _enrol(laptop)
    await login(phone)
    await _give_code(phone, _code(secret, steps_ahead=1))
    assert (await phone.get("/admin/", allow_redirects=False)).status == 200

    refused = await post_form(
        laptop,
        "/admin/totp",
        {"intent": "remove", "password": "pas le bon"},
        token_from="/admin/totp",
    )
    assert refused.status == 400
    html = await refused.text()
    assert 'aria-describedby="remove-password-error" aria-invalid="true"' in html
    assert "Le mot de passe est incorrect." in html
    assert await db.fetchval("SELECT count(*) FROM staff_totp") == 1

    removed = await post_form(
        laptop,
        "/admin/totp",
        {"intent": "remove", "password": ADMIN_PASSWORD},
        token_from="/admin/totp",
    )
    assert removed.status == 200
    assert "La vérification en deux étapes est désactivée." in await removed.text()
    assert await db.fetchval("SELECT count(*) FROM staff_totp WHERE confirmed_at IS NOT NULL") == 0
    assert (await phone.get("/admin/", allow_redirects=False)).status == 303  # ended
    assert (await login(await make_client())).headers["Location"] == "/admin/"
    actions = await _actions(db)
    for action in ("totp.enrolled", "login.succeeded", "totp.remove_refused", "totp.removed"):
        assert action in actions, action


def test_codes_match_their_time_step_with_one_step_of_drift() -> None:
    secret = pyotp.random_base32()
    totp = pyotp.TOTP(secret)
    now = 1_700_000_000.0
    step = int(now // 30)
    assert matching_step(secret, totp.at(now), now) == step
    assert matching_step(secret, totp.at(now - 30), now) == step - 1
    assert matching_step(secret, " ".join(totp.at(now + 30)), now) == step + 1
    assert matching_step(secret, totp.at(now + 90), now) is None
    assert matching_step(secret, "12345", now) is None
    assert matching_step(secret, "١٢٣٤٥٦", now) is None  # digits, but not ASCII ones


def test_a_sealed_secret_opens_only_for_its_account_and_key() -> None:
    box = SecretBox(SECRET_KEY)
    sealed = box.seal(7, "JBSWY3DPEHPK3PXP")
    assert box.open(7, sealed) == "JBSWY3DPEHPK3PXP"
    assert box.open(8, sealed) is None
    assert SecretBox("another-key-0123456789").open(7, sealed) is None
    assert box.seal(7, "JBSWY3DPEHPK3PXP") != sealed  # a fresh nonce each time
