"""The voice commands of ``ivr`` as staff use them, against the running system."""

from __future__ import annotations

import asyncio
import re
import signal
from pathlib import Path

import asyncpg
import pytest

from ivr.accounts.staff import create_staff
from ivr.asterisk.process import AsteriskProcess
from ivr.config import Settings
from ivr.storage import alerts, people
from simnet.network import PhoneNetwork
from tests.storage.scenario import build_town
from tests.voice.harness import run_ivr, serve_env, start_serve

pytestmark = pytest.mark.asterisk


async def test_test_call_reaches_the_number_and_reports_the_outcome(
    pbx_settings: Settings,
    pbx: AsteriskProcess,
    simnet: PhoneNetwork,
    db: asyncpg.Pool,
    database_url: str,
    tmp_path: Path,
) -> None:
    await create_staff(db, "agent@itum.example", "Agent", "operator", "un mot de passe solide")
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


async def test_launch_cancel_and_status_of_alerts(
    pbx_settings: Settings,
    pbx: AsteriskProcess,
    simnet: PhoneNetwork,
    db: asyncpg.Pool,
    database_url: str,
    tmp_path: Path,
) -> None:
    town = await build_town(db)
    confirms, machine = "4189621011", "4189621004"
    for number in (confirms, machine):
        member = await town.member(await town.household("sud"))
        await town.choose(member, await people.add_phone(db, number, "directory"), "voice")
    cancelled = await town.alert("sud", launch=False)
    launched = await town.alert("sud", launch=False)
    async with db.acquire() as conn:
        for alert_id in (cancelled, launched):
            await alerts.approve(conn, alert_id, town.approver)
    env = serve_env(pbx_settings, pbx, database_url, tmp_path / "var")

    # Launched and cancelled before any engine runs: nothing of it may ever ring.
    first = await run_ivr(env, "launch-alert", str(cancelled), "--as", "b@test.example")
    stop = await run_ivr(env, "cancel-alert", str(cancelled), "--as", "b@test.example")
    again = await run_ivr(env, "cancel-alert", str(cancelled), "--as", "b@test.example")
    assert first[:2] == (0, f"alert {cancelled} launched: 2 deliveries\n"), first[2]
    assert stop[:2] == (0, f"alert {cancelled} cancelled: 2 pending deliveries stopped\n")
    assert again[0] == 2
    assert "cannot become cancelled" in again[2]

    server = await start_serve(env)
    try:
        code, out, err = await run_ivr(env, "launch-alert", str(launched), "--as", "b@test.example")
        assert (code, out) == (0, f"alert {launched} launched: 2 deliveries\n"), err
        async with asyncio.timeout(90):
            while await db.fetchval("SELECT state FROM alerts WHERE id = $1", launched) != (
                "completed"
            ):
                await asyncio.sleep(0.2)
    finally:
        server.send_signal(signal.SIGTERM)
        await server.wait()
    done = await run_ivr(env, "alert-status", str(launched))
    stopped = await run_ivr(env, "alert-status", str(cancelled))
    unknown = await run_ivr(env, "alert-status", "999999")
    assert (unknown[0], unknown[2]) == (2, "ivr: Alerte introuvable. / No such alert.\n")
    assert done[0] == 0, done[2]
    assert [line.split() for line in done[1].splitlines()] == [
        ["alert", f"{launched}:", "completed"],
        ["channel", "state", "last", "outcome", "deliveries", "attempts"],
        ["voice", "done", "confirmed", "1", "1"],
        ["voice", "done", "voicemail_complete", "1", "1"],
    ]
    assert [line.split() for line in stopped[1].splitlines()[2:]] == [
        ["voice", "cancelled", "-", "2", "0"]
    ]
    assert len(simnet.calls(confirms)) == len(simnet.calls(machine)) == 1

    # --details: one line per attempt, how it was heard, no number or name.
    code, out, err = await run_ivr(env, "alert-status", str(launched), "--details")
    assert code == 0, err
    header, *attempts = out.split("\n\n", 1)[1].splitlines()
    columns = re.split(r" {2,}", header.strip())
    assert columns[:8] == [
        "delivery", "try", "channel", "outcome", "amd", "amd cause", "amd s", "greeting end"
    ]  # fmt: skip
    rows = {cells[3]: cells for cells in (re.split(r" {2,}", line.strip()) for line in attempts)}
    assert sorted(rows) == ["confirmed", "voicemail_complete"]
    person, voicemail = rows["confirmed"], rows["voicemail_complete"]
    assert (person[4], person[7], person[12]) == ("HUMAN", "-", "2")
    assert (voicemail[4], voicemail[7]) == ("MACHINE", "beep")
    assert float(voicemail[9]) <= 2.0  # silence before the message after the beep
    assert float(person[11]) > 0  # answer to first audio
    assert confirms not in out and machine not in out


async def test_an_alert_completes_when_residents_chose_channels_not_in_service(
    pbx_settings: Settings,
    pbx: AsteriskProcess,
    simnet: PhoneNetwork,
    db: asyncpg.Pool,
    database_url: str,
    tmp_path: Path,
) -> None:
    """Only voice runs here: an SMS choice becomes a call to the same number, an email
    choice ends at once as channel_unavailable, both said before and at launch, and the
    alert completes."""
    town = await build_town(db)
    machine, mobile = "4189621004", "4189621001"
    by_voice = await town.member(await town.household("sud"))
    await town.choose(by_voice, await people.add_phone(db, machine, "directory"), "voice")
    by_sms = await town.member(await town.household("sud"))
    await town.choose(by_sms, await people.add_phone(db, mobile, "portal"), "sms")
    by_email = await town.member(await town.household("sud"))
    await town.choose(
        by_email, await people.add_email(db, "courriel@demo.example", "portal"), "email"
    )
    alert_id = await town.alert("sud", launch=False)
    async with db.acquire() as conn:
        await alerts.approve(conn, alert_id, town.approver)
    env = serve_env(pbx_settings, pbx, database_url, tmp_path / "var")
    env["IVR_CHANNELS"] = "voice"

    code, shown, warned = await run_ivr(env, "preview-alert", str(alert_id))
    assert code == 0, warned
    assert f"alert {alert_id}: 3 deliveries if launched now" in shown
    assert [line.split() for line in shown.splitlines() if line.startswith("sud")] == [
        ["sud", "email", "1"],
        ["sud", "voice", "2"],
    ]
    assert "warning: 1 deliveries on email, which is not in service here" in warned

    server = await start_serve(env)
    try:
        code, out, err = await run_ivr(env, "launch-alert", str(alert_id), "--as", "b@test.example")
        assert (code, out) == (0, f"alert {alert_id} launched: 3 deliveries\n"), err
        assert "1 deliveries on email" in err and "ended at once as channel_unavailable" in err
        async with asyncio.timeout(90):
            while await db.fetchval("SELECT state FROM alerts WHERE id = $1", alert_id) != (
                "completed"
            ):
                await asyncio.sleep(0.2)
    finally:
        server.send_signal(signal.SIGTERM)
        await server.wait()
    status = await run_ivr(env, "alert-status", str(alert_id))
    assert [line.split() for line in status[1].splitlines()[2:]] == [
        ["email", "failed", "channel_unavailable", "1", "0"],
        ["voice", "done", "listened", "1", "1"],
        ["voice", "done", "voicemail_complete", "1", "1"],
    ]
    assert len(simnet.calls(mobile)) == 1  # the SMS choice, called instead
