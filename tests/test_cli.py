"""The ``ivr`` command as an operator uses it: real processes, a real database."""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
from pathlib import Path

import aiohttp
import asyncpg
import pytest

from tests.fixtures.pbx import free_port


def ivr_env(tmp_path: Path, **settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("IVR_")}
    env["IVR_DATA_DIR"] = str(tmp_path / "var")
    env.update(settings)
    return env


def run_ivr(env: dict[str, str], *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ivr", *args],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_help_lists_the_commands(tmp_path: Path) -> None:
    result = run_ivr(ivr_env(tmp_path), "--help")
    assert result.returncode == 0
    for command in ("serve", "migrate", "create-staff", "show-config"):
        assert command in result.stdout


def test_bad_setting_stops_with_one_clear_line(tmp_path: Path) -> None:
    result = run_ivr(ivr_env(tmp_path, IVR_CALLER_ID_NUMBER="418-96"), "migrate")
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "ivr: configuration error: IVR_CALLER_ID_NUMBER: '418-96' is not a valid North "
        "American number"
    )


def test_unreachable_database_is_reported_without_traceback(tmp_path: Path) -> None:
    env = ivr_env(
        tmp_path,
        IVR_DATABASE_URL="postgresql://ivr:hunter2-secret@127.0.0.1:1/ivr",
        IVR_DATABASE_CONNECT_ATTEMPTS="2",
    )
    result = run_ivr(env, "migrate")
    assert result.returncode == 3
    assert "unreachable after 2 attempts" in result.stderr
    assert "Traceback" not in result.stderr
    assert "hunter2-secret" not in result.stderr


async def test_migrate_applies_then_reports_up_to_date(
    empty_database_url: str, tmp_path: Path
) -> None:
    env = ivr_env(tmp_path, IVR_DATABASE_URL=empty_database_url)
    first = await asyncio.to_thread(run_ivr, env, "migrate")
    second = await asyncio.to_thread(run_ivr, env, "migrate")
    assert first.returncode == 0, first.stderr
    assert "migrations applied: [1" in first.stdout
    assert second.stdout.strip() == "migrations applied: none (up to date)"
    conn = await asyncpg.connect(empty_database_url)
    try:
        assert await conn.fetchval("SELECT count(*) FROM staff") == 0
    finally:
        await conn.close()


async def test_create_staff_with_password_from_stdin(database_url: str, tmp_path: Path) -> None:
    env = ivr_env(tmp_path, IVR_DATABASE_URL=database_url)
    created = await asyncio.to_thread(
        run_ivr, env, "create-staff", "Marie@Example.org", "--name", "Marie", "--role",
        "approver", "--password-stdin", stdin="un mot de passe solide\n",
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    duplicate = await asyncio.to_thread(
        run_ivr, env, "create-staff", "marie@example.org", "--name", "M", stdin=""
    )
    assert duplicate.returncode == 2
    assert "marie@example.org" in duplicate.stderr.lower()
    conn = await asyncpg.connect(database_url)
    try:
        row = await conn.fetchrow("SELECT role, password_hash FROM staff")
    finally:
        await conn.close()
    assert row is not None
    assert row["role"] == "approver"
    assert row["password_hash"].startswith("$argon2id$")


@pytest.mark.asterisk
async def test_serve_runs_the_whole_system_then_stops_on_sigterm(
    database_url: str, tmp_path: Path, asterisk_root: Path
) -> None:
    """``ivr serve`` as scripts/run starts it: its own Asterisk from the provisioned root,
    calls, texts and emails, the demo phone network, SMS gateway and mail relay (STARTTLS
    with its CA, a login), on ports of its own."""
    port = free_port()
    env = ivr_env(
        tmp_path,
        IVR_DATABASE_URL=database_url,
        IVR_WEB_PORT=str(port),
        IVR_ASTERISK_ROOT=str(asterisk_root),
        IVR_ASTERISK_INSTANCE=f"cli-pbx-{os.getpid()}",
        IVR_AMI_SECRET=secrets.token_hex(16),
        IVR_AMI_PORT=str(free_port()),
        IVR_FASTAGI_PORT=str(free_port()),
        IVR_SIP_BIND_PORT=str(free_port(socket.SOCK_DGRAM)),
        IVR_SIP_TRUNK_PORT=str(free_port(socket.SOCK_DGRAM)),
        IVR_DEMO_PHONE_NETWORK="true",
        IVR_CHANNELS="voice,sms,email",
        IVR_SMPP_PORT=str(free_port()),
        IVR_SMPP_PASSWORD=secrets.token_hex(4),
        IVR_SMTP_PORT=str(free_port()),
        IVR_SMTP_USER="itum",
        IVR_SMTP_PASSWORD=secrets.token_hex(8),
        IVR_SMTP_CA_FILE=str(tmp_path / "var" / "demo-mail" / "ca.pem"),
        IVR_SECRET_KEY=secrets.token_hex(16),
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "ivr", "serve", env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert process.stdout is not None
    assert process.stderr is not None
    try:
        first = await asyncio.wait_for(process.stdout.readline(), 120)
        second = await asyncio.wait_for(process.stdout.readline(), 10)
        assert f"http://127.0.0.1:{port}/admin/" in first.decode(), await process.stderr.read()
        assert "admin@itum.example" in second.decode()
        async with aiohttp.ClientSession() as http, asyncio.timeout(20):
            while True:  # the SMS link binds to the demo gateway just after the start
                async with http.get(f"http://127.0.0.1:{port}/healthz") as response:
                    health = await response.json()
                if response.status == 200:
                    break
                await asyncio.sleep(0.2)
        assert health["database"] == "ok"
        assert health["channels"] == {
            "voice": {"ami": "ok", "fastagi": "ok", "audiosocket": "ok", "engine": "ok"},
            "sms": {"smpp": "ok", "engine": "ok"},
            "email": {"smtp": "ok", "engine": "ok"},
        }
        checked = await asyncio.to_thread(run_ivr, env, "check-health")
        assert checked.returncode == 0, checked.stdout + checked.stderr
        assert checked.stdout.startswith("200 ") and '"status": "ok"' in checked.stdout
        saved = (tmp_path / "var" / "first-admin.txt").read_text().split()
        assert saved[0] == "admin@itum.example"
        assert saved[1] in second.decode()
        assert (tmp_path / "var" / "first-admin.txt").stat().st_mode & 0o077 == 0
    finally:
        process.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(process.wait(), 60)
    assert code == 0
    errors = (await process.stderr.read()).decode()
    assert "Traceback" not in errors, errors
    stopped = await asyncio.to_thread(run_ivr, env, "check-health", "--timeout", "2")
    assert stopped.returncode == 1
    assert f"http://127.0.0.1:{port}/healthz: " in stopped.stdout


@pytest.mark.asterisk
def test_render_pbx_config_writes_the_shipped_configuration(
    tmp_path: Path, asterisk_root: Path
) -> None:
    instance = f"render-{os.getpid()}"
    secret = secrets.token_hex(16)
    env = ivr_env(
        tmp_path,
        IVR_ASTERISK_ROOT=str(asterisk_root),
        IVR_ASTERISK_INSTANCE=instance,
        IVR_AMI_SECRET=secret,
    )
    result = run_ivr(env, "render-pbx-config")
    assert result.returncode == 0, result.stderr
    inside = result.stdout.strip()
    assert inside == f"/var/lib/information-itum/{instance}/etc/asterisk.conf"
    etc = asterisk_root / inside.lstrip("/").rsplit("/", 1)[0]
    try:
        manager = (etc / "manager.conf").read_text()
        assert f"secret = {secret}" in manager
        assert (etc / "manager.conf").stat().st_mode & 0o007 == 0  # not world-readable
        assert "@{" not in (etc / "extensions.conf").read_text()
        missing = run_ivr(
            ivr_env(tmp_path, IVR_ASTERISK_ROOT=str(asterisk_root)), "render-pbx-config"
        )
        assert missing.returncode == 2
        assert "IVR_AMI_SECRET is required" in missing.stderr
    finally:
        shutil.rmtree(etc.parent)


async def test_load_demo_data_once(database_url: str, tmp_path: Path) -> None:
    env = ivr_env(tmp_path, IVR_DATABASE_URL=database_url)
    first = await asyncio.to_thread(run_ivr, env, "load-demo-data")
    again = await asyncio.to_thread(run_ivr, env, "load-demo-data", "--if-empty")
    refused = await asyncio.to_thread(run_ivr, env, "load-demo-data")
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith("demo data loaded: ")
    assert again.returncode == 0
    assert "nothing loaded" in again.stdout
    assert refused.returncode == 2
    assert "La base contient déjà des résidents" in refused.stderr
    conn = await asyncpg.connect(database_url)
    try:
        households = await conn.fetchval("SELECT count(*) FROM households")
    finally:
        await conn.close()
    assert f"{households} households" in first.stdout
