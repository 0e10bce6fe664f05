"""Faults in the middle of an alert on every channel, on the system as ``scripts/run``
runs it.

Run: ``.venv/bin/python -m bench.faults [--numbers N] [--runs N] [--faults ...]`` (as
root). The bench starts the simulated phone network, the simulated SMSC and the
simulated mail relay itself (so it can cut them and count what they took), then for
each run starts ``ivr serve`` in a fresh data directory (embedded PostgreSQL, its own
Asterisk; ``IVR_CHANNELS=voice,sms,email``) and launches one alert to N recipients: a
fifth by voice (people, answering machines, busy, no answer), the rest half by SMS to
mobiles, half by email. At a random point it injects one fault:

- ``controller``: SIGKILL of ``ivr serve``, started again at once (``--runs`` times);
- ``asterisk``: SIGKILL of the product's Asterisk (``ivr serve`` starts it again);
- ``postgresql``: SIGKILL of the embedded PostgreSQL's postmaster (``ivr serve`` owns it
  and starts it again);
- ``ami``: the AMI TCP connection reset (``ss -K``; Asterisk binds the port the client
  dials, so no relay can sit between them);
- ``smpp``: the SMSC cuts its connection at a random submit_sm, leaving it unanswered;
- ``smtp``: the relay cuts a connection during DATA, before its answer.

When the alert has completed it counts (bench/fault_network.py) deliveries lost,
delivered twice outside and inside the documented at-least-once windows, beyond the
retry policy, twice at once; and the time to recover: from the fault to the next attempt
started (voice for ``asterisk`` and ``ami``), or to the next message the SMSC or relay
accepted (``smpp``, ``smtp``).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import asyncpg

from bench.fault_network import (
    Audience,
    Damage,
    RelayWatch,
    channel_env,
    count_damage,
    cut_ami,
    launch,
    make_audience,
)
from ivr.asterisk.layout import InstanceLayout
from ivr.asterisk.process import AsteriskProcess
from ivr.channels.voice.sounds import PbxSounds
from ivr.storage.embedded import EmbeddedPostgres
from simnet.mailrelay import SimulatedMailRelay
from simnet.network import PhoneNetwork
from simnet.smsc import SimulatedSmsc
from tests.fixtures.pbx import free_port
from tests.voice.faults import wait_for

PROVISION = Path(__file__).resolve().parents[1] / "scripts" / "provision-asterisk"
INSTANCE = "bench-faults"
FAULTS = ("controller", "asterisk", "postgresql", "ami", "smpp", "smtp")
VOICE_FAULTS = frozenset({"asterisk", "ami"})


@dataclass
class Run:
    fault: str
    damage: Damage
    recover_seconds: float | None
    total_seconds: float


@dataclass
class Rig:
    """What the runs share: ``ivr serve``'s environment (all but its data directory),
    its Asterisk instance, and the simulated networks, which outlive every fault."""

    env: dict[str, str]
    layout: InstanceLayout
    network: PhoneNetwork
    smsc: SimulatedSmsc
    relay: SimulatedMailRelay
    audience: Audience
    database_url: str | None = None
    """An external PostgreSQL; None: the embedded one in the data directory."""


def serve_env(root: Path, network: PhoneNetwork) -> dict[str, str]:
    """``ivr serve`` managing its own Asterisk, trunked to ``network``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("IVR_")}
    env.update(
        IVR_WEB_PORT=str(free_port()),
        IVR_ASTERISK_ROOT=str(root),
        IVR_ASTERISK_INSTANCE=INSTANCE,
        IVR_AMI_PORT=str(free_port()),
        IVR_AMI_SECRET=secrets.token_hex(16),
        IVR_FASTAGI_PORT=str(free_port()),
        IVR_AUDIOSOCKET_PORT=str(free_port()),
        IVR_SIP_BIND_PORT=str(network.pbx_port),
        IVR_SIP_TRUNK_PORT=str(network.sip_port),
        IVR_RING_TIMEOUT_SECONDS="8",
        IVR_RETRY_DELAY_SECONDS="5",
        IVR_CALLS_PER_SECOND="10",
        IVR_MAX_CONCURRENT_CALLS="20",
    )
    return env


async def start_serve(env: dict[str, str], log: Path) -> asyncio.subprocess.Process:
    with log.open("ab") as errors:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "ivr", "serve", env=env,
            stdout=asyncio.subprocess.PIPE, stderr=errors,
        )  # fmt: skip
    assert process.stdout is not None
    line = await asyncio.wait_for(process.stdout.readline(), 180)
    if b"administration" not in line:
        raise RuntimeError(f"ivr serve did not start:\n{log.read_text()[-3000:]}")
    return process


async def arm(fault: str, rig: Rig, rng: random.Random) -> None:
    """Set the SMSC or relay to cut at a random message of the alert's first 60 %."""
    if fault == "smpp":
        await rig.smsc.drop(after=rng.randint(1, max(1, len(rig.audience.sms) * 6 // 10)))
    elif fault == "smtp":
        rig.relay.drop(rng.randint(0, len(rig.audience.email) * 6 // 10), at="data")


async def one_run(fault: str, rig: Rig, workdir: Path, rng: random.Random) -> Run:
    env = {**rig.env, "IVR_DATA_DIR": str(workdir / "var")}
    if rig.database_url is not None:
        if fault == "postgresql":
            raise ValueError("the postgresql fault needs the embedded database")
        env["IVR_DATABASE_URL"] = rig.database_url
    log = workdir / "serve.log"
    database = EmbeddedPostgres(workdir / "var" / "postgres")
    rig.network.reset()
    await rig.smsc.reset()
    rig.relay.reset()
    await arm(fault, rig, rng)
    watch = RelayWatch(rig.relay)
    watching = asyncio.create_task(watch.run())
    process = await start_serve(env, log)
    within = max(300.0, rig.audience.size * 2.0)
    try:
        running = database.running()
        url = rig.database_url or (running.url if running else "")
        pool = await asyncpg.create_pool(url, min_size=1, max_size=4)
        sounds = PbxSounds(rig.layout.root, rig.layout.sounds_dir)
        alert_id = await launch(pool, sounds, rig.audience, workdir)
        size = rig.audience.size
        if fault == "smpp":
            await rig.smsc.wait_for(lambda: rig.smsc.events("drop"), within)
        elif fault == "smtp":
            async with asyncio.timeout(within):
                while watch.cut_at is None:
                    await asyncio.sleep(0.05)
        else:
            await wait_for(
                pool,
                "SELECT count(*) >= $2 FROM delivery_attempts a "
                "JOIN deliveries d ON d.id = a.delivery_id WHERE d.alert_id = $1",
                alert_id, rng.randint(max(1, size // 10), max(1, size * 6 // 10)),
                within=within,
            )  # fmt: skip
        fault_at = await pool.fetchval("SELECT now()")
        if fault == "controller":
            process.send_signal(signal.SIGKILL)
            await process.wait()
            process = await start_serve(env, log)
        elif fault == "postgresql":
            assert running is not None
            pool.terminate()
            os.kill(running.pid, signal.SIGKILL)
            async with asyncio.timeout(120):
                while (back := database.running()) is None or back.pid == running.pid:
                    await asyncio.sleep(0.2)
            pool = await asyncpg.create_pool(back.url, min_size=1, max_size=4)
        elif fault == "asterisk":
            os.kill(int(AsteriskProcess(rig.layout).pid_file.read_text()), signal.SIGKILL)
        elif fault == "ami":
            cut_ami(int(env["IVR_AMI_PORT"]))
        await wait_for(
            pool, "SELECT state = 'completed' FROM alerts WHERE id = $1", alert_id, within=within
        )
        await asyncio.to_thread(hang_up_all, rig.network)
        recover = await recovery(fault, pool, alert_id, fault_at, rig.smsc, watch)
        total = await pool.fetchval(
            "SELECT extract(epoch FROM completed_at - launched_at)::float8 FROM alerts "
            "WHERE id = $1",
            alert_id,
        )
        damage = await count_damage(pool, alert_id, rig.network, rig.smsc, rig.relay)
        await pool.close()
    finally:
        watching.cancel()
        process.send_signal(signal.SIGTERM)
        await process.wait()
    return Run(fault, damage, recover, total)


def hang_up_all(network: PhoneNetwork) -> None:
    """End the calls the network still holds: a call whose far end was killed stays up
    there (nothing tells it), and the phones' log shows a call only once it ended."""
    network.process.rx("channel request hangup all")
    deadline = time.monotonic() + 10
    while not network.process.rx("core show channels count").startswith("0 active channels"):
        if time.monotonic() > deadline:
            raise RuntimeError("the simulated network did not hang up its calls")
        time.sleep(0.1)


async def recovery(
    fault: str,
    pool: asyncpg.Pool,
    alert_id: int,
    fault_at: datetime,
    smsc: SimulatedSmsc,
    watch: RelayWatch,
) -> float | None:
    """Seconds from the fault to the faulted channel's next attempt or accepted message."""
    if fault == "smpp":
        (cut,) = smsc.events("drop")
        after = [s["at"] for s in smsc.submits() if s["status"] == 0 and s["at"] > cut["at"]]
        return (min(after) - cut["at"]) / 1000 if after else None
    if fault == "smtp":
        return (
            None
            if watch.next_at is None or watch.cut_at is None
            else (watch.next_at - watch.cut_at)
        )
    seconds: float | None = await pool.fetchval(
        "SELECT extract(epoch FROM min(a.started_at) - $2)::float8 FROM delivery_attempts a "
        "JOIN deliveries d ON d.id = a.delivery_id "
        "WHERE d.alert_id = $1 AND a.started_at > $2 AND ($3 OR d.channel = 'voice')",
        alert_id, fault_at, fault not in VOICE_FAULTS,
    )  # fmt: skip
    return seconds


def print_table(runs: list[Run], audience: Audience) -> None:
    print(
        f"\nFaults mid-alert ({audience.size} recipients each: {len(audience.voice)} by voice, "
        f"{len(audience.sms)} by SMS, {len(audience.email)} by email; ivr serve as "
        "scripts/run runs it; ring timeout 8 s, call-backs after 5 s)"
    )
    print(
        f"{'fault':<11} {'runs':>4} {'lost':>5} {'doubled':>8} {'in window':>10} "
        f"{'beyond':>7} {'overlap':>8} {'recover s (median, max)':>24} {'alert s (median)':>17}"
    )
    for fault in FAULTS:
        mine = [r for r in runs if r.fault == fault]
        if not mine:
            continue
        recovered = [r.recover_seconds for r in mine if r.recover_seconds is not None]
        recover = f"{statistics.median(recovered):.1f}, {max(recovered):.1f}" if recovered else "-"
        print(
            f"{fault:<11} {len(mine):>4} "
            f"{sum(len(r.damage.lost) for r in mine):>5} "
            f"{sum(len(r.damage.doubled) for r in mine):>8} "
            f"{sum(len(r.damage.in_window) for r in mine):>10} "
            f"{sum(len(r.damage.beyond_policy) for r in mine):>7} "
            f"{sum(len(r.damage.overlapping) for r in mine):>8} "
            f"{recover:>24} {statistics.median(r.total_seconds for r in mine):>17.1f}"
        )
    for run in runs:
        if run.damage.problems():
            print(f"  {run.fault}: {run.damage.problems()}")


async def main_async(args: argparse.Namespace, root: Path, workdir: Path) -> None:
    rng = random.Random(args.seed)
    network = PhoneNetwork(
        root,
        name=f"{INSTANCE}-simnet",
        sip_port=free_port(socket.SOCK_DGRAM),
        pbx_port=free_port(socket.SOCK_DGRAM),
    )
    smsc = SimulatedSmsc(workdir=workdir / "smsc", port=free_port(), password=secrets.token_hex(4))
    relay = SimulatedMailRelay(
        workdir=workdir / "relay", username="itum", password=secrets.token_urlsafe(12)
    )
    await network.start_owned()
    try:
        async with smsc, relay:
            audience = make_audience(network, args.numbers)
            env = serve_env(root, network) | channel_env(smsc, relay, audience)
            layout = InstanceLayout(root, INSTANCE)
            shared = Rig(env, layout, network, smsc, relay, audience)
            runs = []
            for fault in args.faults:
                for number in range(args.runs if fault == "controller" else args.other_runs):
                    with tempfile.TemporaryDirectory(prefix="run-", dir=workdir) as directory:
                        Path(directory).chmod(0o755)
                        run = await one_run(fault, shared, Path(directory), rng)
                        if args.logs:
                            args.logs.mkdir(parents=True, exist_ok=True)
                            log = Path(directory) / "serve.log"
                            log.rename(args.logs / f"{fault}-{number + 1}.log")
                    print(f"{fault} run {number + 1}: recover {run.recover_seconds}, "
                          f"alert {run.total_seconds:.1f} s, {run.damage.problems()}",
                          flush=True)  # fmt: skip
                    runs.append(run)
    finally:
        await asyncio.to_thread(network.stop)
    print_table(runs, audience)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--numbers", type=int, default=500, help="recipients per alert (500)")
    parser.add_argument("--runs", type=int, default=20, help="controller kills (20)")
    parser.add_argument("--other-runs", type=int, default=1, help="runs of each other fault (1)")
    parser.add_argument("--seed", type=int, default=418)
    parser.add_argument("--logs", type=Path, help="keep each run's ivr serve log here")
    parser.add_argument("--faults", nargs="+", choices=FAULTS, default=list(FAULTS))
    args = parser.parse_args()
    output = subprocess.run([str(PROVISION)], check=True, capture_output=True, text=True)
    root = Path(output.stdout.split()[-1])
    with tempfile.TemporaryDirectory(prefix="ivr-bench-faults-") as directory:
        Path(directory).chmod(0o755)  # the embedded server runs as another user
        asyncio.run(main_async(args, root, Path(directory)))


if __name__ == "__main__":
    main()
