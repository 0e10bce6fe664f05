"""The SMS channel when things go wrong: the gateway drops the connection in the middle
of an alert, or refuses our credentials."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
from collections import Counter
from pathlib import Path

import asyncpg
import pytest

from ivr.channels.sms.runtime import sms_runtime
from simnet.smsc import SimulatedSmsc
from tests.fixtures.pbx import free_port
from tests.sms.harness import SmsHarness, make_sms_alert, sms_settings
from tests.voice.harness import start_serve


async def test_a_connection_dropped_mid_alert_resends_only_what_got_no_answer(
    sms: SmsHarness,
) -> None:
    """2,000 messages; the SMSC cuts the connection at the 700th. After the link binds
    again every message is accepted; a message accepted twice is one that was in
    flight at the cut (its answer lost with the connection), and we counted it."""
    numbers = [f"418{n:07d}" for n in range(6000000, 6002000)]
    await sms.smsc.drop(after=700)
    alert_id = await make_sms_alert(sms.pool, numbers, {"fr": "Test de coupure"})
    await sms.wait_completed(alert_id, within=120)
    submits = sms.smsc.submits()
    accepted = Counter(s["destination_addr"][-10:] for s in submits if s["status"] == 0)
    assert set(accepted) == set(numbers)
    doubled = {number for number, times in accepted.items() if times > 1}
    assert max(accepted.values()) <= 2
    resubmitted = {
        row["number"]
        for row in await sms.pool.fetch(
            "SELECT substr(cp.phone_e164, 3) AS number FROM sms_parts p "
            "JOIN delivery_attempts a ON a.id = p.attempt_id "
            "JOIN deliveries d ON d.id = a.delivery_id "
            "JOIN contact_points cp ON cp.id = d.contact_point_id WHERE p.resubmitted > 0"
        )
    }
    assert doubled <= resubmitted  # every double was a part sent again after the cut
    assert len(resubmitted) <= sms.settings.smpp_window  # at most the window was in flight
    unanswered = [s for s in submits if s["status"] is None]
    assert len(unanswered) == 1
    assert unanswered[0]["destination_addr"][-10:] in resubmitted
    stats = await sms.smsc.stats()
    assert stats["binds"] >= 2
    outcomes = await sms.outcomes(alert_id)
    assert all(outcome in ("accepted", "delivered") for _, outcome in outcomes.values())


async def test_a_bind_refused_for_wrong_credentials_is_one_clear_line(
    smsc: SimulatedSmsc, db: asyncpg.Pool, caplog: pytest.LogCaptureFixture
) -> None:
    settings = sms_settings(smsc, smpp_password="wrongpw")
    caplog.set_level(logging.INFO, logger="ivr")
    async with sms_runtime(settings, db) as runtime:
        await asyncio.sleep(3)
        up = runtime.link.up
        health = runtime.health()
    assert not up and health["smpp"] is False and health["engine"] is True
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1, [r.getMessage() for r in errors]
    (error,) = errors
    assert "refused the bind" in error.getMessage()
    assert "IVR_SMPP_PASSWORD" in error.getMessage()
    assert "Invalid Password" in str(getattr(error, "status", ""))
    assert error.exc_info is None  # a line, not a traceback
    binds = smsc.events("bind")
    assert [b["status"] for b in binds] == [0x0E]  # tried once, not in a loop


async def test_ivr_serve_killed_mid_alert_resumes_where_it_stopped(
    smsc: SimulatedSmsc, db: asyncpg.Pool, database_url: str, tmp_path: Path
) -> None:
    """``ivr serve`` (SMS only) is killed with SIGKILL in the middle of 1,500 messages
    and started again: every number gets its message; one gets it twice only if its
    attempt was in flight at the kill with nothing recorded yet (the SMSC may have
    taken it), and that attempt says so."""
    numbers = [f"418{n:07d}" for n in range(7000000, 7001500)]
    env = {k: v for k, v in os.environ.items() if not k.startswith("IVR_")}
    env.update(
        IVR_CHANNELS="sms",
        IVR_DATA_DIR=str(tmp_path / "var"),
        IVR_DATABASE_URL=database_url,
        IVR_WEB_PORT=str(free_port()),
        IVR_SMPP_HOST=smsc.host,
        IVR_SMPP_PORT=str(smsc.port),
        IVR_SMPP_SYSTEM_ID=smsc.system_id,
        IVR_SMPP_PASSWORD=smsc.password,
        IVR_SMPP_SYSTEM_TYPE=smsc.system_type,
        IVR_SMS_PER_SECOND="300",
        IVR_RETRY_DELAY_SECONDS="1",
    )
    alert_id = await make_sms_alert(db, numbers, {"fr": "Test de reprise"})
    first = await start_serve(env)
    try:
        await smsc.wait_for(lambda: len(smsc.submits()) >= 400, within=60)
    finally:
        first.send_signal(signal.SIGKILL)
        await first.wait()
    at_kill = len(smsc.submits())
    second = await start_serve(env)
    try:
        async with asyncio.timeout(120):
            while await db.fetchval("SELECT state FROM alerts WHERE id = $1", alert_id) != (
                "completed"
            ):
                await asyncio.sleep(0.2)
    finally:
        second.send_signal(signal.SIGTERM)
        await second.wait()
    assert at_kill < 1500  # killed in the middle
    accepted = Counter(s["destination_addr"][-10:] for s in smsc.submits() if s["status"] == 0)
    assert set(accepted) == set(numbers)
    doubled = {number for number, times in accepted.items() if times > 1}
    reclaimed = {
        row["number"]
        for row in await db.fetch(
            "SELECT substr(cp.phone_e164, 3) AS number FROM delivery_attempts a "
            "JOIN deliveries d ON d.id = a.delivery_id "
            "JOIN contact_points cp ON cp.id = d.contact_point_id "
            "WHERE a.detail = 'reclaimed after the engine stopped' AND a.outcome = 'failed'"
        )
    }
    assert doubled <= reclaimed
    assert len(reclaimed) <= 40  # the attempts in flight (window 10 x 4)
    states = await db.fetch(
        "SELECT state, count(*) FROM deliveries WHERE alert_id = $1 GROUP BY 1", alert_id
    )
    assert [tuple(r) for r in states] == [("done", 1500)]
