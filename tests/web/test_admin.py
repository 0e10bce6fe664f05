"""Admin pages: dashboard data, staff management, own password, language; audit rows."""

from __future__ import annotations

import re
from typing import Any

import asyncpg
from aiohttp.test_utils import TestClient

from ivr.accounts.staff import create_staff
from tests.web.conftest import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    ClientFactory,
    login,
    post_form,
)

NEW_PASSWORD = "une phrase de passe toute neuve"


async def _actions(db: asyncpg.Pool) -> list[tuple[int | None, str, str]]:
    rows = await db.fetch("SELECT staff_id, action, subject FROM audit_log ORDER BY id")
    return [(row["staff_id"], row["action"], row["subject"]) for row in rows]


async def test_dashboard_shows_staff_and_the_audit_log(
    client: TestClient[Any, Any], db: asyncpg.Pool, admin_id: int
) -> None:
    await create_staff(db, "paul@itum.example", "Paul Vollant", "operator", ADMIN_PASSWORD)
    await login(client)
    html = await (await client.get("/admin/")).text()
    assert "Personnel actif (2)" in html
    assert "Paul Vollant" in html
    assert "Rédaction" in html  # Paul's role, in French
    assert "Journal d&#39;audit récent" in html
    assert 'Connexion <code class="muted">login.succeeded</code>' in html
    assert "127.0.0.1" in html
    assert re.search(r"<dt>Version du schéma</dt><dd>\d+</dd>", html)
    assert re.search(r"<dt>Sessions du personnel actives</dt><dd>1</dd>", html)


async def test_admin_creates_staff_and_sees_the_password_once(
    make_client: ClientFactory, db: asyncpg.Pool, admin_id: int
) -> None:
    client = await make_client()
    await login(client)
    response = await post_form(
        client,
        "/admin/staff",
        {"email": "Anne@Itum.example", "name": "  Anne   Fontaine ", "role": "approver"},
        token_from="/admin/staff",
    )
    assert response.status == 200
    html = await response.text()
    assert "Compte créé pour Anne Fontaine." in html
    shown = re.search(r'<code class="secret" id="new-password">([^<]+)</code>', html)
    assert shown
    password = shown[1]
    # Stored as typed, the domain in lower case (domains ignore case).
    row = await db.fetchrow("SELECT * FROM staff WHERE email = 'Anne@itum.example'")
    assert row is not None
    assert row["display_name"] == "Anne Fontaine"
    assert row["role"] == "approver"
    assert password not in row["password_hash"]
    assert password not in await (await client.get("/admin/staff")).text()
    # The new member signs in with it, from another browser.
    anne = await make_client()
    assert (await login(anne, "anne@itum.example", password)).status == 303
    actions = await _actions(db)
    assert (admin_id, "staff.created", f"staff:{row['id']}") in actions
    assert (admin_id, "personal_data.read", "staff") in actions
    assert (row["id"], "login.succeeded", "") in actions


async def test_staff_creation_errors_are_shown_and_nothing_is_created(
    client: TestClient[Any, Any], db: asyncpg.Pool, admin_id: int
) -> None:
    await login(client)
    for form, message in (
        (
            {"email": "pas-un-courriel", "name": "X", "role": "viewer"},
            "n&#39;est pas une adresse courriel valide",
        ),
        ({"email": "x@itum.example", "name": "X", "role": "chef"}, "Rôle inconnu"),
        ({"email": "x@itum.example", "name": " ", "role": "viewer"}, "Le nom doit compter"),
        ({"email": ADMIN_EMAIL.upper(), "name": "X", "role": "viewer"}, "Un compte existe déjà"),
    ):
        response = await post_form(client, "/admin/staff", form, token_from="/admin/staff")
        assert response.status == 400, form
        html = await response.text()
        assert message in html, form
        assert f'value="{form["email"]}"' in html  # the form keeps what was typed
    assert await db.fetchval("SELECT count(*) FROM staff") == 1


async def test_admin_disables_staff_and_their_session_ends(
    make_client: ClientFactory, db: asyncpg.Pool, admin_id: int
) -> None:
    paul_id = await create_staff(db, "paul@itum.example", "Paul", "operator", ADMIN_PASSWORD)
    paul = await make_client()
    await login(paul, "paul@itum.example")
    assert (await paul.get("/admin/", allow_redirects=False)).status == 200
    admin = await make_client()
    await login(admin)
    response = await post_form(
        admin, f"/admin/staff/{paul_id}/disable", {}, token_from="/admin/staff"
    )
    assert response.status == 303
    assert await db.fetchval("SELECT disabled FROM staff WHERE id = $1", paul_id)
    assert (await paul.get("/admin/", allow_redirects=False)).status == 303
    assert (
        "Courriel ou mot de passe incorrect."
        in await (await login(paul, "paul@itum.example")).text()
    )
    assert (admin_id, "staff.disabled", f"staff:{paul_id}") in await _actions(db)


async def test_admin_cannot_disable_themself(
    client: TestClient[Any, Any], db: asyncpg.Pool, admin_id: int
) -> None:
    await login(client)
    response = await post_form(
        client, f"/admin/staff/{admin_id}/disable", {}, token_from="/admin/staff"
    )
    assert response.status == 400
    assert "votre propre compte" in await response.text()
    assert not await db.fetchval("SELECT disabled FROM staff WHERE id = $1", admin_id)


async def test_password_change_ends_the_other_sessions(
    make_client: ClientFactory, db: asyncpg.Pool, admin_id: int
) -> None:
    laptop, phone = await make_client(), await make_client()
    await login(laptop)
    await login(phone)
    response = await post_form(
        laptop,
        "/admin/password",
        {"current": ADMIN_PASSWORD, "new": NEW_PASSWORD, "confirm": NEW_PASSWORD},
        token_from="/admin/password",
    )
    assert response.status == 200
    assert "Mot de passe changé" in await response.text()
    assert (await laptop.get("/admin/", allow_redirects=False)).status == 200
    assert (await phone.get("/admin/", allow_redirects=False)).status == 303
    assert (await login(phone, ADMIN_EMAIL, ADMIN_PASSWORD)).status == 200  # old one refused
    assert (await login(phone, ADMIN_EMAIL, NEW_PASSWORD)).status == 303
    assert (admin_id, "password.changed", "") in await _actions(db)


async def test_password_change_refusals(
    client: TestClient[Any, Any], db: asyncpg.Pool, admin_id: int
) -> None:
    await login(client)
    before = await db.fetchval("SELECT password_hash FROM staff")
    for form, message in (
        (
            {"current": "wrong", "new": NEW_PASSWORD, "confirm": NEW_PASSWORD},
            "actuel est incorrect",
        ),
        ({"current": ADMIN_PASSWORD, "new": NEW_PASSWORD, "confirm": "x"}, "pas identiques"),
        ({"current": ADMIN_PASSWORD, "new": "court", "confirm": "court"}, "au moins 8 caractères"),
        ({"current": ADMIN_PASSWORD, "new": "password1", "confirm": "password1"}, "trop courant"),
    ):
        response = await post_form(client, "/admin/password", form, token_from="/admin/password")
        assert response.status == 400, form
        assert message in await response.text(), form
    assert await db.fetchval("SELECT password_hash FROM staff") == before


async def test_guessing_the_current_password_is_rate_limited(
    client: TestClient[Any, Any], admin_id: int
) -> None:
    await login(client)
    wrong = {"current": "guess", "new": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    for _ in range(5):
        await post_form(client, "/admin/password", wrong, token_from="/admin/password")
    right = {**wrong, "current": ADMIN_PASSWORD}
    response = await post_form(client, "/admin/password", right, token_from="/admin/password")
    assert "Trop de tentatives" in await response.text()


async def test_language_switch(client: TestClient[Any, Any], admin_id: int) -> None:
    french = await (await client.get("/admin/login")).text()
    assert "Connexion du personnel" in french
    assert '<html lang="fr-CA">' in french
    response = await client.get("/admin/lang/en?next=/admin/login", allow_redirects=False)
    assert response.status == 303
    assert response.headers["Location"] == "/admin/login"
    english = await (await client.get("/admin/login")).text()
    assert "Staff sign-in" in english
    assert '<html lang="en-CA">' in english
    wrong = await login(client, ADMIN_EMAIL, "guess")
    assert "Wrong email or password." in await wrong.text()


async def test_language_switch_is_not_an_open_redirect(client: TestClient[Any, Any]) -> None:
    for target in ("https://evil.example/", "//evil.example/admin/", "/admin/\\evil", "/x"):
        response = await client.get(
            "/admin/lang/fr", params={"next": target}, allow_redirects=False
        )
        assert response.headers["Location"] == "/admin/", target
    assert (await client.get("/admin/lang/de", allow_redirects=False)).status == 404
