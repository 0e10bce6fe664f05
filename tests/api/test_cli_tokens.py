"""``ivr create-api-token``, ``list-api-tokens``, ``revoke-api-token`` as an operator runs
them: real processes on the test's database, the token then used against the API."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path

from tests.api.conftest import Api, error_of
from tests.test_cli import ivr_env, run_ivr


async def test_create_list_use_revoke(api: Api, database_url: str, tmp_path: Path) -> None:
    env = ivr_env(tmp_path, IVR_DATABASE_URL=database_url)
    created = await asyncio.to_thread(
        run_ivr, env, "create-api-token", "Site web", "--as", "B@test.example",
        "--scope", "sectors:read", "--scope", "alerts:read",
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    match = re.search(r"^token \(shown once\): (itum_[A-Za-z0-9_-]{43})$", created.stdout, re.M)
    assert match, created.stdout
    token = match[1]

    listed = await asyncio.to_thread(run_ivr, env, "list-api-tokens")
    assert listed.returncode == 0, listed.stderr
    [line] = [row for row in listed.stdout.splitlines() if "Site web" in row]
    assert "b@test.example" in line
    assert line.endswith("alerts:read,sectors:read")
    assert "itum_" not in listed.stdout

    assert (await api.call("GET", "/sectors", token)).status == 200
    row = await api.db.fetchrow("SELECT id, scopes, last_used_at FROM api_tokens")
    assert row is not None
    assert row["scopes"] == ["alerts:read", "sectors:read"]
    assert row["last_used_at"] is not None

    revoked = await asyncio.to_thread(run_ivr, env, "revoke-api-token", str(row["id"]))
    assert revoked.returncode == 0, revoked.stderr
    assert revoked.stdout.strip() == f"api token {row['id']} revoked"
    await error_of(await api.call("GET", "/sectors", token), 401)
    again = await asyncio.to_thread(run_ivr, env, "revoke-api-token", str(row["id"]))
    assert again.returncode == 2
    assert f"No live token number {row['id']}" in again.stderr

    audit = await api.db.fetch(
        "SELECT action, subject, details FROM audit_log WHERE action LIKE 'api_token.%' ORDER BY id"
    )
    assert [(r["action"], r["subject"]) for r in audit] == [
        ("api_token.created", f"api_token:{row['id']}"),
        ("api_token.revoked", f"api_token:{row['id']}"),
    ]
    assert json.loads(audit[0]["details"])["scopes"] == ["alerts:read", "sectors:read"]
    assert token not in created.stderr + listed.stdout + str([tuple(r) for r in audit])


async def test_refusals(api: Api, database_url: str, tmp_path: Path) -> None:
    env = ivr_env(tmp_path, IVR_DATABASE_URL=database_url)
    operator_sends = await asyncio.to_thread(
        run_ivr, env, "create-api-token", "T", "--as", "a@test.example", "--scope", "alerts:send"
    )
    assert operator_sends.returncode == 2
    assert "The role operator does not allow the scope alerts:send" in operator_sends.stderr
    nobody = await asyncio.to_thread(
        run_ivr, env, "create-api-token", "T", "--as", "x@test.example", "--scope", "alerts:read"
    )
    assert nobody.returncode == 2
    assert "No active staff account" in nobody.stderr
    unknown_scope = await asyncio.to_thread(
        run_ivr, env, "create-api-token", "T", "--as", "a@test.example", "--scope", "all"
    )
    assert unknown_scope.returncode == 2
    assert "invalid choice" in unknown_scope.stderr
    assert await api.db.fetchval("SELECT count(*) FROM api_tokens") == 0
