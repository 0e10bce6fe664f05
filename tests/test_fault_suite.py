"""The fault bench (bench/faults.py) at a small scale, on the session's PBX, SMSC and mail
relay: one alert on every channel while the relay cuts a connection during DATA."""

from __future__ import annotations

import random
from pathlib import Path

import asyncpg
import pytest

from bench.fault_network import channel_env, make_audience
from bench.faults import Rig, one_run
from ivr.asterisk.process import AsteriskProcess
from ivr.config import Settings
from simnet.mailrelay import SimulatedMailRelay
from simnet.network import PhoneNetwork
from simnet.smsc import SimulatedSmsc
from tests.fixtures.pbx import free_port
from tests.voice.harness import serve_env

pytestmark = pytest.mark.asterisk


async def test_a_relay_cut_mid_alert_loses_nothing_and_doubles_nothing(
    pbx_settings: Settings,
    pbx: AsteriskProcess,
    simnet: PhoneNetwork,
    smsc: SimulatedSmsc,
    mail: SimulatedMailRelay,
    db: asyncpg.Pool,
    database_url: str,
    tmp_path: Path,
) -> None:
    audience = make_audience(simnet, 40)
    env = serve_env(pbx_settings, pbx, database_url, tmp_path / "var")
    env.update(channel_env(smsc, mail, audience), IVR_AUDIOSOCKET_PORT=str(free_port()))
    rig = Rig(env, pbx.layout, simnet, smsc, mail, audience, database_url)
    run = await one_run("smtp", rig, tmp_path, random.Random(18))
    assert mail.dropped() == 1
    assert run.recover_seconds is not None
    assert run.damage.problems().keys() <= {"in_window"}, run.damage.problems()
    assert {r for m in mail.messages() for r in m.recipients} == set(audience.email)
    resent = await db.fetch(
        "SELECT a.detail FROM delivery_attempts a JOIN deliveries d ON d.id = a.delivery_id "
        "WHERE d.channel = 'email' AND a.detail LIKE '%(sent 2 times)'"
    )
    assert len(resent) == 1  # the email cut during DATA went again on a new connection
    outcomes = await db.fetch(
        "SELECT channel, count(*) FILTER (WHERE last_outcome IN ('accepted', 'delivered')) "
        "AS sent, count(*) AS deliveries FROM deliveries GROUP BY channel"
    )
    assert all(r["sent"] == r["deliveries"] for r in outcomes if r["channel"] != "voice")
