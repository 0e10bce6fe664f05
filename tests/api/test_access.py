"""Who may call each endpoint: a live bearer token, with the scope, whose staff
member's role allows it; a refused call changes nothing."""

from __future__ import annotations

from typing import Any

import pytest
import pytest_asyncio
from aiohttp import ClientResponse

from ivr.accounts.staff import create_staff
from ivr.domain.api_scopes import SCOPES
from ivr.web.api.openapi import DOCUMENT
from tests.api.conftest import NEW_ALERT, Api, add_staff, error_of, snapshot
from tests.web.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, login

CONTENT = {"sms_text": "Nouveau texte."}

ENDPOINTS: list[tuple[str, str, str, Any]] = [
    ("GET", "/alerts", "alerts:read", None),
    ("POST", "/alerts", "alerts:write", NEW_ALERT),
    ("GET", "/alerts/{id}", "alerts:read", None),
    ("PUT", "/alerts/{id}/contents/fr", "alerts:write", CONTENT),
    ("GET", "/alerts/{id}/audience", "alerts:read", None),
    ("POST", "/alerts/{id}/approve", "alerts:send", None),
    ("POST", "/alerts/{id}/launch", "alerts:send", None),
    ("POST", "/alerts/{id}/cancel", "alerts:send", None),
    ("GET", "/alerts/{id}/attempts", "alerts:read", None),
    ("GET", "/sectors", "sectors:read", None),
]
IDS = [f"{method} {path}" for method, path, _, _ in ENDPOINTS]
WRITES = [e for e in ENDPOINTS if e[2] in ("alerts:write", "alerts:send")]
READS = [e for e in ENDPOINTS if e not in WRITES]
FORBIDDING_ROLE = {"alerts:write": "viewer", "alerts:send": "operator"}


@pytest_asyncio.fixture
async def alert_id(api: Api) -> int:
    """A complete draft by the operator, which the approver could approve."""
    return await api.town.alert("sud", launch=False)


def test_every_documented_endpoint_is_checked_here() -> None:
    documented = {
        (method.upper(), path.replace("{alert_id}", "{id}").replace("{language}", "fr"))
        for path, operations in DOCUMENT["paths"].items()
        for method in operations
        if path != "/openapi.json"
    }
    assert documented == {(method, path) for method, path, _, _ in ENDPOINTS}


async def call(
    api: Api, endpoint: tuple[str, str, str, Any], alert_id: int, token: str | None
) -> ClientResponse:
    method, path, _, body = endpoint
    return await api.call(method, path.format(id=alert_id), token, json=body)


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=IDS)
async def test_no_token_is_401_and_changes_nothing(
    api: Api, alert_id: int, endpoint: tuple[str, str, str, Any]
) -> None:
    before = await snapshot(api.db)
    response = await call(api, endpoint, alert_id, None)
    error = await error_of(response, 401)
    assert error["code"] == "unauthorized"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert await snapshot(api.db) == before


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=IDS)
async def test_revoked_token_is_401_and_changes_nothing(
    api: Api, alert_id: int, endpoint: tuple[str, str, str, Any]
) -> None:
    token = await api.token("b@test.example", endpoint[2], revoked=True)
    before = await snapshot(api.db)
    await error_of(await call(api, endpoint, alert_id, token), 401)
    assert await snapshot(api.db) == before


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=IDS)
async def test_token_without_the_scope_is_403_and_changes_nothing(
    api: Api, alert_id: int, endpoint: tuple[str, str, str, Any]
) -> None:
    others = [s for s in SCOPES if s != endpoint[2]]
    token = await api.token("b@test.example", *others)
    before = await snapshot(api.db)
    error = await error_of(await call(api, endpoint, alert_id, token), 403)
    assert error["code"] == "forbidden"
    assert endpoint[2] in error["message_en"]
    assert await snapshot(api.db) == before


@pytest.mark.parametrize("endpoint", WRITES, ids=[f"{e[0]} {e[1]}" for e in WRITES])
async def test_role_that_forbids_the_action_is_403_whatever_the_scope(
    api: Api, alert_id: int, endpoint: tuple[str, str, str, Any]
) -> None:
    """An operator's token cannot approve, launch or cancel; a viewer's cannot draft."""
    role = FORBIDDING_ROLE[endpoint[2]]
    token = await api.token("b@test.example", endpoint[2], role=role)
    before = await snapshot(api.db)
    error = await error_of(await call(api, endpoint, alert_id, token), 403)
    assert f"role {role}" in error["message_en"]
    assert await snapshot(api.db) == before


@pytest.mark.parametrize("endpoint", READS, ids=[f"{e[0]} {e[1]}" for e in READS])
async def test_a_viewer_reads(api: Api, alert_id: int, endpoint: tuple[str, str, str, Any]) -> None:
    await add_staff(api.db, "v@test.example", "viewer")
    token = await api.token("v@test.example", endpoint[2])
    response = await call(api, endpoint, alert_id, token)
    assert response.status == 200, await response.text()


@pytest.mark.parametrize(
    "header",
    [
        "Basic YjpwYXNzd29yZA==",
        "Bearer",
        "Bearer itum_short",
        "Bearer itum_" + "A" * 43,
        "Bearer " + "é" * 48,
        "Token itum_" + "A" * 43,
    ],
)
async def test_malformed_or_unknown_tokens_are_401(api: Api, header: str) -> None:
    response = await api.call("GET", "/sectors", headers={"Authorization": header})
    await error_of(response, 401)


async def test_a_disabled_staff_members_tokens_stop_working(api: Api) -> None:
    token = await api.token("b@test.example", "sectors:read")
    assert (await api.call("GET", "/sectors", token)).status == 200
    await api.db.execute("UPDATE staff SET disabled = true WHERE email = 'b@test.example'")
    await error_of(await api.call("GET", "/sectors", token), 401)


async def test_use_is_recorded_and_the_token_itself_is_stored_nowhere(api: Api) -> None:
    token = await api.token("b@test.example", "sectors:read")
    assert await api.db.fetchval("SELECT last_used_at FROM api_tokens") is None
    await api.call("GET", "/sectors", token)
    assert await api.db.fetchval("SELECT last_used_at FROM api_tokens") is not None
    tables = await api.db.fetch("SELECT * FROM api_tokens")
    audit = await api.db.fetch("SELECT * FROM audit_log")
    assert token not in repr([tuple(r) for r in tables]) + repr([tuple(r) for r in audit])


async def test_cookies_neither_authenticate_nor_are_set(api: Api) -> None:
    """The API reads bearer tokens only (so it needs no CSRF check) and sets no cookie:
    a signed-in administrator's session cookie opens nothing."""
    await create_staff(api.db, ADMIN_EMAIL, "Marie Admin", "admin", ADMIN_PASSWORD)
    assert (await login(api.client)).status == 303
    session = {c.key: c.value for c in api.client.session.cookie_jar}
    assert session
    cookie = "; ".join(f"{name}={value}" for name, value in session.items())
    response = await api.call("GET", "/sectors", headers={"Cookie": cookie})
    await error_of(response, 401)
    token = await api.token("b@test.example", "sectors:read")
    response = await api.call("GET", "/sectors", token)
    assert response.status == 200
    assert "Set-Cookie" not in response.headers


async def test_unknown_paths_and_methods_answer_in_json(api: Api) -> None:
    token = await api.token()
    error = await error_of(await api.call("GET", "/nothing", token), 404)
    assert error["code"] == "not_found"
    response = await api.call("DELETE", "/alerts", token)
    error = await error_of(response, 405)
    assert error["code"] == "method_not_allowed"
    assert "POST" in response.headers["Allow"]
    await error_of(await api.call("PUT", "/alerts/1/contents/innu", token, json={}), 404)
