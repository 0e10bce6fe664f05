"""Voice alerts under faults: the controller killed mid-alert, the AMI connection cut,
hostile FastAGI clients. Real Asterisk instances, real PostgreSQL, real processes."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import secrets
import signal
import socket
import time
from collections import Counter
from pathlib import Path

import asyncpg
import pytest

from ivr.asterisk.layout import InstanceLayout
from ivr.asterisk.process import AsteriskProcess
from ivr.channels.voice.runtime import voice_runtime
from ivr.channels.voice.sender import token_hash
from ivr.channels.voice.sounds import PbxSounds
from ivr.config import Settings
from ivr.storage.database import describe_url
from ivr.storage.embedded import EmbeddedPostgres, EmbeddedPostgresError
from simnet.network import PhoneNetwork
from tests.dispatch.population import make_sending_alert
from tests.fixtures.pbx import free_port
from tests.pbx.relay import TcpRelay
from tests.voice.faults import MAX_CALLS_PER_NUMBER, fault_report, launch, mixed_numbers, wait_for
from tests.voice.harness import VoiceHarness, serve_env, start_serve

pytestmark = pytest.mark.asterisk


async def check_every_number_ended_within_policy(
    pool: asyncpg.Pool, network: PhoneNetwork, alert_id: int, numbers: list[str]
) -> None:
    report = await fault_report(pool, network, alert_id, numbers)
    assert report.problems() == {}, report


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


async def rogue_session(port: int, reference: str, args: tuple[str, ...] = ("HUMAN",)) -> set[str]:
    """A local process posing as Asterisk for the call ``reference``: it answers every
    command as if the resident pressed 2. Returns the commands it was sent."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    env = [
        "agi_network: yes",
        "agi_network_script: alert",
        "agi_channel: PJSIP/carrier-00000001",
        f"agi_uniqueid: {reference}",
        *(f"agi_arg_{n}: {arg}" for n, arg in enumerate(args, start=1)),
        "",
        "",
    ]
    writer.write("\n".join(env).encode())
    commands: set[str] = set()
    while line := await asyncio.wait_for(reader.readline(), 10):
        commands.add(" ".join(line.decode().split()[:2]))
        writer.write(b"200 result=50 endpos=80000\n")  # 50: the key "2"
        await writer.drain()
        assert len(commands) < 20, commands
    writer.close()
    return commands


async def test_a_local_process_cannot_act_as_a_call_and_change_its_attempt(
    voice: VoiceHarness,
) -> None:
    """Sessions for an ended attempt, for an open attempt with a wrong token, and for an
    open attempt with its token but no such call on the PBX are all hung up at once."""
    person = voice.network.number_for("person")
    alert_id = await voice.send_alert([person])
    await voice.wait_completed(alert_id, within=90)
    ended = await voice.pool.fetchrow(
        "SELECT a.* FROM delivery_attempts a JOIN deliveries d ON d.id = a.delivery_id "
        "WHERE d.alert_id = $1",
        alert_id,
    )
    assert ended is not None and ended["outcome"] == "listened"
    port = voice.settings.fastagi_port
    refused = {"HANGUP", "SET VARIABLE"}  # hung up; the session's status for the dialplan
    assert await rogue_session(port, ended["reference"]) == refused

    # An open attempt (leased, not dialed yet) whose reference a rogue knows.
    open_alert = await make_sending_alert(voice.pool, ["+14189689999"], state="approved")
    token = "the-right-token-known-to-nobody-else"
    row = await voice.pool.fetchrow(
        "WITH leased AS (UPDATE deliveries SET state = 'in_progress', attempts = 1, "
        "lease_owner = 'test', lease_expires_at = now() + interval '1 hour' "
        "WHERE alert_id = $1 RETURNING id) "
        "INSERT INTO delivery_attempts (delivery_id, attempt_number, reference, flow_token_hash) "
        "SELECT id, 1, 'ivr-' || id || '-1', $2 FROM leased RETURNING id, reference",
        open_alert,
        token_hash(token),
    )
    assert row is not None
    attempt_id, reference = row["id"], row["reference"]
    assert await rogue_session(port, reference) == {"GET VARIABLE", *refused}  # wrong token
    # The right token, but no such call on the PBX: answered GET VARIABLE with it.
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(
        f"agi_network: yes\nagi_network_script: alert\nagi_uniqueid: {reference}\n"
        "agi_arg_1: HUMAN\n\n".encode()
    )
    assert (await reader.readline()).startswith(b'GET VARIABLE "IVR_FLOW_TOKEN"')
    writer.write(f"200 result=1 ({token})\n".encode())
    assert (await reader.readline()).startswith(b"HANGUP")
    writer.close()

    after = await voice.pool.fetch(
        "SELECT id, outcome, keys_pressed, answered_at, amd_status, message_seconds "
        "FROM delivery_attempts WHERE id = ANY($1::bigint[]) ORDER BY id",
        [ended["id"], attempt_id],
    )
    assert [dict(r) for r in after] == [
        {
            "id": ended["id"],
            "outcome": "listened",
            "keys_pressed": ended["keys_pressed"],
            "answered_at": ended["answered_at"],
            "amd_status": ended["amd_status"],
            "message_seconds": ended["message_seconds"],
        },
        {
            "id": attempt_id,
            "outcome": None,
            "keys_pressed": "",
            "answered_at": None,
            "amd_status": None,
            "message_seconds": None,
        },
    ]


async def test_calls_still_ringing_after_a_crash_are_adopted_with_their_outcome(
    pbx_settings: Settings,
    pbx: AsteriskProcess,
    simnet: PhoneNetwork,
    db: asyncpg.Pool,
    database_url: str,
    pbx_sounds: PbxSounds,
    tmp_path: Path,
) -> None:
    """The controller dies while calls ring; restarted at once, it sees its former self
    is gone (no lease expiry to wait for), adopts the calls still live and records how
    each ended (no answer, from its Hangup cause) instead of an interrupted 'failed'."""
    env = serve_env(pbx_settings, pbx, database_url, tmp_path / "var")
    env["IVR_RING_TIMEOUT_SECONDS"] = "15"
    numbers = simnet.numbers_for("no-answer")[:6]
    first = await start_serve(env)
    try:
        alert_id = await launch(db, pbx_sounds, numbers, tmp_path)
        # Each attempt gets its token just before its Originate; then the phones ring.
        await wait_for(
            db,
            "SELECT count(*) = 6 FROM delivery_attempts "
            "WHERE ended_at IS NULL AND flow_token_hash IS NOT NULL",
            within=30,
        )
        await asyncio.sleep(2)
    finally:
        first.send_signal(signal.SIGKILL)
        await first.wait()
    second = await start_serve(env)
    try:
        await wait_for(
            db,
            "SELECT count(*) > 0 FROM delivery_attempts WHERE detail = $1",
            "adopted after the engine stopped",
            within=30,
        )
        await wait_for(
            db, "SELECT state = 'completed' FROM alerts WHERE id = $1", alert_id, within=120
        )
    finally:
        second.send_signal(signal.SIGTERM)
        await second.wait()
    await check_every_number_ended_within_policy(db, simnet, alert_id, numbers)
    firsts = await db.fetch(
        "SELECT outcome, hangup_cause, detail FROM delivery_attempts WHERE attempt_number = 1"
    )
    adopted = [r for r in firsts if r["detail"] == "adopted after the engine stopped"]
    assert adopted
    assert {(r["outcome"], r["hangup_cause"]) for r in adopted} == {("no_answer", 19)}
    assert all(r["outcome"] == "no_answer" for r in firsts)  # none counted as interrupted


@pytest.mark.parametrize("database", ["embedded", "external"])
async def test_postmaster_killed_mid_alert_nothing_lost_nothing_doubled(
    pbx_settings: Settings,
    pbx: AsteriskProcess,
    simnet: PhoneNetwork,
    pbx_sounds: PbxSounds,
    tmp_path: Path,
    database: str,
) -> None:
    """SIGKILL of the PostgreSQL postmaster while calls are in the air. Embedded: ``ivr
    serve`` owns the server and starts it again. External: the server comes back 3 s
    later (as an administrator would restart it) and the pool reconnects. The alert
    finishes either way; the outage is logged once, naming the database."""
    env = serve_env(pbx_settings, pbx, "", tmp_path / "var")
    if database == "embedded":
        server = EmbeddedPostgres(tmp_path / "var" / "postgres")  # owned by ivr serve
    else:
        server = EmbeddedPostgres(tmp_path / "pg")  # a server of its own, for ivr serve
        env["IVR_DATABASE_URL"] = await asyncio.to_thread(server.start)
    log = tmp_path / "serve.log"
    numbers = (
        simnet.numbers_for("person")[2:7]
        + simnet.numbers_for("machine")[1:7]
        + simnet.numbers_for("busy")[:3]
    )
    process = await start_serve(env, log)
    try:
        running = server.running()
        assert running is not None
        pool = await asyncpg.create_pool(running.url, min_size=1, max_size=4)
        try:
            alert_id = await launch(pool, pbx_sounds, numbers, tmp_path)
            await wait_for(
                pool,
                "SELECT count(*) >= 4 FROM delivery_attempts WHERE answered_at IS NOT NULL",
                within=90,
            )
        finally:
            pool.terminate()
        os.kill(running.pid, signal.SIGKILL)
        if database == "external":
            await asyncio.to_thread(wait_stopped, server)
            await asyncio.sleep(3)
            await asyncio.to_thread(start_again, server)
        async with asyncio.timeout(60):
            while (back := server.running()) is None or back.pid == running.pid:
                await asyncio.sleep(0.2)
        pool = await asyncpg.create_pool(back.url, min_size=1, max_size=4)
        try:
            await wait_for(
                pool, "SELECT state = 'completed' FROM alerts WHERE id = $1", alert_id, within=240
            )
            await check_every_number_ended_within_policy(pool, simnet, alert_id, numbers)
        finally:
            await pool.close()
    finally:
        process.send_signal(signal.SIGTERM)
        await process.wait()
        if database == "external":
            await asyncio.to_thread(server.stop)
    text = log.read_text()
    (outage,) = [line for line in text.splitlines() if '"database unreachable"' in line]
    assert describe_url(running.url) in outage
    assert "database reachable again" in text
    assert ("embedded postgresql started again" in text) == (database == "embedded")
    assert "Traceback" not in text, text[-3000:]


def wait_stopped(server: EmbeddedPostgres) -> None:
    while server.running() is not None:
        time.sleep(0.1)


def start_again(server: EmbeddedPostgres) -> None:
    """As an administrator would: until the old backends let go of the shared memory."""
    deadline = time.monotonic() + 30
    while True:
        try:
            server.ensure_running()
            return
        except EmbeddedPostgresError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


async def test_managed_asterisk_killed_mid_alert_is_started_again_and_the_alert_finishes(
    pbx_settings: Settings,
    simnet: PhoneNetwork,
    db: asyncpg.Pool,
    database_url: str,
    tmp_path: Path,
    instance_name: str,
) -> None:
    name = instance_name
    layout = InstanceLayout(pbx_settings.asterisk_root, name)
    env = {k: v for k, v in os.environ.items() if not k.startswith("IVR_")}
    env.update(
        IVR_DATA_DIR=str(tmp_path / "var"),
        IVR_DATABASE_URL=database_url,
        IVR_WEB_PORT=str(free_port()),
        IVR_ASTERISK_ROOT=str(pbx_settings.asterisk_root),
        IVR_ASTERISK_INSTANCE=name,
        IVR_AMI_PORT=str(free_port()),
        IVR_AMI_SECRET=secrets.token_hex(16),
        IVR_FASTAGI_PORT=str(free_port()),
        IVR_SIP_BIND_PORT=str(free_port(socket.SOCK_DGRAM)),
        IVR_SIP_TRUNK_PORT=str(pbx_settings.sip_trunk_port),
        IVR_RING_TIMEOUT_SECONDS=str(pbx_settings.ring_timeout_seconds),
        IVR_RETRY_DELAY_SECONDS="2",
        IVR_CALLS_PER_SECOND="20",
    )
    log = tmp_path / "serve.log"
    numbers = (
        simnet.numbers_for("person")[2:6]
        + simnet.numbers_for("machine")[1:7]
        + simnet.numbers_for("busy")[:3]
    )
    process = await start_serve(env, log)
    own = PbxSounds(pbx_settings.asterisk_root, layout.sounds_dir)
    try:
        alert_id = await launch(db, own, numbers, tmp_path)
        await wait_for(
            db,
            "SELECT count(*) >= 3 FROM delivery_attempts WHERE answered_at IS NOT NULL",
            within=90,
        )
        os.kill(int(AsteriskProcess(layout).pid_file.read_text()), signal.SIGKILL)
        await wait_for(
            db, "SELECT state = 'completed' FROM alerts WHERE id = $1", alert_id, within=240
        )
    finally:
        process.send_signal(signal.SIGTERM)
        await process.wait()
    await check_every_number_ended_within_policy(db, simnet, alert_id, numbers)
    text = log.read_text()
    assert "asterisk exited; starting it again" in text
    assert "asterisk started again" in text
    assert "Traceback" not in text, text[-3000:]
