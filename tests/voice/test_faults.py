"""Voice alerts under faults: the controller killed mid-alert, the AMI connection cut,
hostile FastAGI clients. Real Asterisk instances, real PostgreSQL, real processes."""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
import signal
from collections import Counter
from pathlib import Path

import asyncpg
import pytest

from ivr.asterisk.process import AsteriskProcess
from ivr.channels.voice.message_audio import prepare_alert_audio
from ivr.channels.voice.runtime import voice_runtime
from ivr.channels.voice.sounds import PbxSounds
from ivr.config import Settings
from simnet.network import PhoneNetwork
from tests.dispatch.population import make_sending_alert
from tests.pbx.relay import TcpRelay
from tests.voice.harness import MESSAGE, VoiceHarness, serve_env, start_serve

pytestmark = pytest.mark.asterisk

MAX_CALLS_PER_NUMBER = 3  # the first call and two call-backs


def mixed_numbers(network: PhoneNetwork) -> list[str]:
    """50 numbers: 10 people, 20 answering machines, 10 busy, 10 no answer."""
    return (
        network.numbers_for("person")[2:12]
        + network.numbers_for("machine")[1:21]
        + network.numbers_for("busy")[:10]
        + network.numbers_for("no-answer")[:10]
    )


async def launch(
    pool: asyncpg.Pool, sounds: PbxSounds, numbers: list[str], recordings: Path
) -> int:
    alert_id = await make_sending_alert(
        pool, ["+1" + n for n in numbers], state="approved", voice_text=MESSAGE
    )
    await prepare_alert_audio(pool, alert_id, sounds, recordings)
    await pool.execute(
        "UPDATE alerts SET state = 'sending', launched_at = now() WHERE id = $1", alert_id
    )
    await pool.execute("NOTIFY ivr_dispatch")
    return alert_id


async def wait_for(pool: asyncpg.Pool, query: str, *args: object, within: float) -> None:
    async with asyncio.timeout(within):
        while not await pool.fetchval(query, *args):
            await asyncio.sleep(0.2)


async def check_every_number_ended_within_policy(
    pool: asyncpg.Pool, network: PhoneNetwork, alert_id: int, numbers: list[str]
) -> None:
    deliveries = await pool.fetch(
        "SELECT d.id, d.state, d.attempts, d.last_outcome, substr(cp.phone_e164, 3) AS number "
        "FROM deliveries d JOIN contact_points cp ON cp.id = d.contact_point_id "
        "WHERE d.alert_id = $1",
        alert_id,
    )
    assert sorted(d["number"] for d in deliveries) == sorted(numbers)
    for delivery in deliveries:
        assert delivery["state"] in {"done", "failed"}, dict(delivery)
        assert delivery["last_outcome"] is not None, dict(delivery)
        assert delivery["attempts"] <= MAX_CALLS_PER_NUMBER, dict(delivery)
        attempts = await pool.fetch(
            "SELECT started_at, ended_at FROM delivery_attempts "
            "WHERE delivery_id = $1 ORDER BY attempt_number",
            delivery["id"],
        )
        assert all(a["ended_at"] is not None for a in attempts)
        for earlier, later in itertools.pairwise(attempts):
            assert later["started_at"] >= earlier["ended_at"]
        calls = sorted(network.calls(delivery["number"]), key=lambda c: c.started)
        # The phone never rang for a number twice at once, nor beyond the policy.
        assert len(calls) <= delivery["attempts"]
        for earlier_call, later_call in itertools.pairwise(calls):
            assert later_call.started >= earlier_call.ended, delivery["number"]


@pytest.fixture
def pbx_sounds(pbx_settings: Settings, pbx: AsteriskProcess) -> PbxSounds:
    return PbxSounds(pbx_settings.asterisk_root, pbx.layout.sounds_dir)


async def test_controller_killed_mid_alert_resumes_without_double_or_extra_calls(
    pbx_settings: Settings,
    pbx: AsteriskProcess,
    simnet: PhoneNetwork,
    db: asyncpg.Pool,
    database_url: str,
    pbx_sounds: PbxSounds,
    tmp_path: Path,
) -> None:
    env = serve_env(pbx_settings, pbx, database_url, tmp_path / "var")
    numbers = mixed_numbers(simnet)
    first = await start_serve(env)
    try:
        alert_id = await launch(db, pbx_sounds, numbers, tmp_path)
        # Kill it while calls are in the air: some answered, others ringing or queued.
        await wait_for(
            db,
            "SELECT count(*) >= 8 FROM delivery_attempts WHERE answered_at IS NOT NULL",
            within=90,
        )
    finally:
        first.send_signal(signal.SIGKILL)
        await first.wait()
    in_flight = await db.fetchval("SELECT count(*) FROM deliveries WHERE state = 'in_progress'")
    assert in_flight > 0

    second = await start_serve(env)
    try:
        await wait_for(
            db, "SELECT state = 'completed' FROM alerts WHERE id = $1", alert_id, within=240
        )
    finally:
        second.send_signal(signal.SIGTERM)
        await second.wait()
    await check_every_number_ended_within_policy(db, simnet, alert_id, numbers)
    reclaimed = await db.fetchval(
        "SELECT count(*) FROM delivery_attempts WHERE detail = 'reclaimed after the engine stopped'"
    )
    assert reclaimed > 0


async def test_ami_connection_cut_mid_alert_reconnects_and_finishes(
    pbx_settings: Settings,
    pbx: AsteriskProcess,
    simnet: PhoneNetwork,
    db: asyncpg.Pool,
    ami_relay: TcpRelay,
    tmp_path: Path,
) -> None:
    settings = dataclasses.replace(
        pbx_settings, ami_port=ami_relay.port, retry_delay_seconds=2.0, calls_per_second=20.0
    )
    numbers = simnet.numbers_for("machine")[1:9] + simnet.numbers_for("busy")[:4]
    async with voice_runtime(settings, db) as runtime:
        harness = VoiceHarness(runtime, db, simnet, settings, tmp_path)
        alert_id = await harness.send_alert(numbers)
        await wait_for(
            db,
            "SELECT count(*) >= 4 FROM delivery_attempts WHERE answered_at IS NOT NULL",
            within=60,
        )
        ami_relay.cut()
        connections = runtime.ami.connections
        await harness.wait_completed(alert_id, within=120)
        assert runtime.ami.connections > connections
    await check_every_number_ended_within_policy(db, simnet, alert_id, numbers)
    outcomes = await db.fetch(
        "SELECT substr(cp.phone_e164, 3) AS number, d.last_outcome FROM deliveries d "
        "JOIN contact_points cp ON cp.id = d.contact_point_id WHERE d.alert_id = $1",
        alert_id,
    )
    by_number = {row["number"]: row["last_outcome"] for row in outcomes}
    assert Counter(by_number[n] for n in numbers[:8]) == {"voicemail_complete": 8}
    assert Counter(by_number[n] for n in numbers[8:]) == {"busy": 4}
    for number in numbers[8:]:
        assert len(simnet.calls(number)) == MAX_CALLS_PER_NUMBER


async def test_hostile_fastagi_clients_do_not_disturb_calls(voice: VoiceHarness) -> None:
    port = voice.settings.fastagi_port
    stalled = [await asyncio.open_connection("127.0.0.1", port) for _ in range(5)]
    for _, writer in stalled[:2]:
        writer.write(b"agi_network: yes\nagi_network_script: alert\n")  # never ends
    garbage_reader, garbage_writer = await asyncio.open_connection("127.0.0.1", port)
    garbage_writer.write(b"GET / HTTP/1.1\r\n\x00\xff\xfe" * 100 + b"\n\n")
    for _ in range(20):  # a port scanner: connect and close
        _, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.close()
    number = voice.network.number_for("machine")
    alert_id = await voice.send_alert([number])
    await voice.wait_completed(alert_id, within=60)
    outcome = await voice.pool.fetchval(
        "SELECT last_outcome FROM deliveries WHERE alert_id = $1", alert_id
    )
    assert outcome == "voicemail_complete"
    assert await garbage_reader.read() == b""  # the garbage client was closed
    for _, writer in stalled:
        writer.close()
    garbage_writer.close()
