"""The voice commands of ``ivr`` as staff use them, against the running system."""

from __future__ import annotations

import asyncio
import signal
import sys
from pathlib import Path

import asyncpg

from ivr.asterisk.process import AsteriskProcess
from ivr.config import Settings
from ivr.staff import create_staff
from simnet.network import PhoneNetwork
from tests.voice.harness import serve_env, start_serve


async def run_ivr(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "ivr", *args, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    stdout, stderr = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode is not None
    return process.returncode, stdout.decode(), stderr.decode()


async def test_test_call_reaches_the_number_and_reports_the_outcome(
    pbx_settings: Settings,
    pbx: AsteriskProcess,
    simnet: PhoneNetwork,
    db: asyncpg.Pool,
    database_url: str,
    tmp_path: Path,
) -> None:
    await create_staff(db, "agent@itum.example", "Agent", "author", "un mot de passe solide")
    env = serve_env(pbx_settings, pbx, database_url, tmp_path / "var")
    server = await start_serve(env)
    try:
        number = simnet.number_for("machine")
        code, out, err = await run_ivr(
            env,
            "test-call",
            f"{number[:3]}-{number[3:6]}-{number[6:]}",
            "--as",
            "agent@itum.example",
        )
        unknown = await run_ivr(env, "test-call", number, "--as", "nobody@itum.example")
        bad = await run_ivr(env, "test-call", "12", "--as", "agent@itum.example")
    finally:
        server.send_signal(signal.SIGTERM)
        await server.wait()
    assert code == 0, err
    assert out.splitlines()[-1] == "done: voicemail_complete"
    (call,) = simnet.calls(number)
    assert call.caller_number == "4189620327"
    assert unknown[0] == 2
    assert "no active staff account 'nobody@itum.example'" in unknown[2]
    assert bad[0] == 2
    assert "Traceback" not in bad[2]
    audit = await db.fetchval("SELECT count(*) FROM audit_log WHERE action = 'alert.test_call'")
    assert audit == 1
