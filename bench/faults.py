"""Faults in the middle of a voice alert, on the system as ``scripts/run`` runs it.

Run: ``.venv/bin/python -m bench.faults [--runs N] [--seed S]`` (as root). Each run
starts ``ivr serve`` in a fresh data directory (embedded PostgreSQL, its own Asterisk,
the simulated phone network as the carrier), launches an alert to 30 numbers (12
people, 10 answering machines, 4 busy, 4 that do not answer), waits until a random
number of calls were answered, then injects one fault:

- ``controller``: SIGKILL of ``ivr serve``, started again at once;
- ``postgresql``: SIGKILL of the embedded PostgreSQL's postmaster (``ivr serve`` owns it
  and starts it again);
- ``asterisk``: SIGKILL of the product's Asterisk (``ivr serve`` starts it again).

When the alert has completed it counts, from the database and the phones' call log:
numbers lost (no outcome), doubled (the whole message sent again), beyond the retry
policy, called twice at once; and the time from the fault to the next call placed.
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
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from ivr.asterisk.layout import InstanceLayout
from ivr.asterisk.process import AsteriskProcess
from ivr.channels.voice.sounds import PbxSounds
from ivr.storage.embedded import EmbeddedPostgres
from simnet.network import PhoneNetwork
from tests.fixtures.pbx import free_port
from tests.voice.faults import FaultReport, fault_report, launch, wait_for

PROVISION = Path(__file__).resolve().parents[1] / "scripts" / "provision-asterisk"
INSTANCE = "bench-faults"
FAULTS = ("controller", "postgresql", "asterisk")


@dataclass
class Run:
    fault: str
    report: FaultReport
    resume_seconds: float | None
    total_seconds: float


def serve_env(root: Path, data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("IVR_")}
    env.update(
        IVR_DATA_DIR=str(data_dir),
        IVR_WEB_PORT=str(free_port()),
        IVR_ASTERISK_ROOT=str(root),
        IVR_ASTERISK_INSTANCE=INSTANCE,
        IVR_AMI_PORT=str(free_port()),
        IVR_AMI_SECRET=secrets.token_hex(16),
        IVR_FASTAGI_PORT=str(free_port()),
        IVR_SIP_BIND_PORT=str(free_port(socket.SOCK_DGRAM)),
        IVR_SIP_TRUNK_PORT=str(free_port(socket.SOCK_DGRAM)),
        IVR_DEMO_PHONE_NETWORK="true",
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


async def one_run(fault: str, root: Path, workdir: Path, rng: random.Random) -> Run:
    data_dir = workdir / "var"
    env = serve_env(root, data_dir)
    log = workdir / "serve.log"
    layout = InstanceLayout(root, INSTANCE)
    network = PhoneNetwork(root, name=f"{INSTANCE}-simnet")
    numbers = (
        network.numbers_for("person")[:12]
        + network.numbers_for("machine")[:10]
        + network.numbers_for("busy")[:4]
        + network.numbers_for("no-answer")[:4]
    )
    rng.shuffle(numbers)
    database = EmbeddedPostgres(data_dir / "postgres")
    process = await start_serve(env, log)
    os.truncate(network.call_log, 0)  # only this run's calls
    try:
        running = database.running()
        assert running is not None
        pool = await asyncpg.create_pool(running.url, min_size=1, max_size=4)
        sounds = PbxSounds(root, layout.sounds_dir)
        alert_id = await launch(pool, sounds, numbers, workdir)
        started = await pool.fetchval("SELECT launched_at FROM alerts WHERE id = $1", alert_id)
        answered = rng.randint(3, 10)
        await wait_for(
            pool,
            "SELECT count(*) >= $1 FROM delivery_attempts WHERE answered_at IS NOT NULL",
            answered,
            within=180,
        )
        fault_at = await pool.fetchval("SELECT now()")
        if fault == "controller":
            process.send_signal(signal.SIGKILL)
            await process.wait()
            process = await start_serve(env, log)
        elif fault == "postgresql":
            pool.terminate()
            os.kill(running.pid, signal.SIGKILL)
        else:
            os.kill(int(AsteriskProcess(layout).pid_file.read_text()), signal.SIGKILL)
        if fault == "postgresql":
            while (back := database.running()) is None or back.pid == running.pid:
                await asyncio.sleep(0.2)
            pool = await asyncpg.create_pool(back.url, min_size=1, max_size=4)
        await wait_for(
            pool, "SELECT state = 'completed' FROM alerts WHERE id = $1", alert_id, within=600
        )
        resumed = await pool.fetchval(
            "SELECT extract(epoch FROM min(started_at) - $1)::float8 FROM delivery_attempts "
            "WHERE started_at > $1",
            fault_at,
        )
        total = await pool.fetchval(
            "SELECT extract(epoch FROM completed_at - $2)::float8 FROM alerts WHERE id = $1",
            alert_id,
            started,
        )
        report = await fault_report(pool, network, alert_id, numbers)
        await pool.close()
    finally:
        process.send_signal(signal.SIGTERM)
        await process.wait()
    return Run(fault, report, resumed, total)


def print_table(runs: list[Run]) -> None:
    print(
        "\nFaults mid-alert (30 numbers each; ivr serve as scripts/run runs it; "
        "ring timeout 8 s, call-backs after 5 s)"
    )
    header = (
        f"{'fault':<12} {'runs':>4} {'lost':>5} {'doubled':>8} {'beyond':>7} {'overlap':>8} "
        f"{'resume s (median, max)':>24} {'alert s (median)':>17}"
    )
    print(header)
    for fault in FAULTS:
        mine = [r for r in runs if r.fault == fault]
        if not mine:
            continue
        resumes = [r.resume_seconds for r in mine if r.resume_seconds is not None]
        resume = f"{statistics.median(resumes):.1f}, {max(resumes):.1f}" if resumes else "-"
        print(
            f"{fault:<12} {len(mine):>4} "
            f"{sum(len(r.report.lost) for r in mine):>5} "
            f"{sum(len(r.report.doubled) for r in mine):>8} "
            f"{sum(len(r.report.beyond_policy) for r in mine):>7} "
            f"{sum(len(r.report.overlapping) for r in mine):>8} "
            f"{resume:>24} {statistics.median(r.total_seconds for r in mine):>17.1f}"
        )
    for run in runs:
        if run.report.problems():
            print(f"  {run.fault}: {run.report.problems()}")


async def main_async(args: argparse.Namespace, root: Path) -> None:
    rng = random.Random(args.seed)
    runs = []
    for fault in args.faults:
        for number in range(args.runs):
            with tempfile.TemporaryDirectory(prefix="ivr-bench-faults-") as directory:
                Path(directory).chmod(0o755)  # the embedded server runs as another user
                run = await one_run(fault, root, Path(directory), rng)
            print(f"{fault} run {number + 1}: resume {run.resume_seconds}", flush=True)
            runs.append(run)
    print_table(runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2, help="runs per fault (2)")
    parser.add_argument("--seed", type=int, default=418)
    parser.add_argument("--faults", nargs="+", choices=FAULTS, default=list(FAULTS))
    args = parser.parse_args()
    output = subprocess.run([str(PROVISION)], check=True, capture_output=True, text=True)
    root = Path(output.stdout.split()[-1])
    asyncio.run(main_async(args, root))


if __name__ == "__main__":
    main()
