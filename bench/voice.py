"""Benchmark of voice alerts through the real PBX and the simulated phone network.

Run: ``.venv/bin/python -m bench.voice`` (as root; provisions the Asterisk root if
needed, starts the product's Asterisk, the simulated network and an embedded
PostgreSQL in a temporary directory).

1. Launch latency: ``--launches`` one-number alerts are launched one after the other;
   for each, the time from the launch (commit + NOTIFY) to the Originate sent.
2. Throughput: one alert to 200 numbers of the network (60 % people, 20 % answering
   machines, 10 % busy, 10 % no answer, shuffled with ``--seed``) over ``--channels``
   channels. Prints the trunk
   utilisation while due calls wait (busy channel-seconds / (channels x time), sampled
   every 50 ms) and the total time against the trunk-bound minimum: the larger of
   (busy channel-seconds / channels) and the longest chain of one number's calls and
   call-back delays.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg

from bench.system import bench_system
from ivr.channels.voice.message_audio import prepare_alert_audio
from ivr.channels.voice.runtime import VoiceRuntime, voice_runtime
from ivr.config import Settings
from ivr.dispatch.sender import AttemptResult, Claim
from ivr.storage.migrate import migrate
from simnet.network import PhoneNetwork
from tests.dispatch.population import make_sending_alert

MESSAGE = "Avis d'ébullition de l'eau pour le secteur de Uashat. Faites bouillir l'eau."


@dataclass
class Probe:
    """Timestamps taken around the real Originate and the real attempt."""

    originates: list[float] = field(default_factory=list)
    calls: dict[str, tuple[float, float]] = field(default_factory=dict)
    by_number: dict[str, list[tuple[float, float]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    _sent: dict[str, float] = field(default_factory=dict)

    def attach(self, runtime: VoiceRuntime) -> None:
        ami, sender = runtime.ami, runtime.engine.sender
        originate: Callable[[Any], Awaitable[Any]] = ami.originate
        deliver: Callable[[Claim], Awaitable[AttemptResult]] = sender.deliver

        async def timed_originate(request: Any) -> Any:
            now = time.monotonic()
            self.originates.append(now)
            self._sent[request.channel_id] = now
            return await originate(request)

        async def timed_deliver(claim: Claim) -> AttemptResult:
            try:
                return await deliver(claim)
            finally:
                sent = self._sent.get(claim.reference)
                if sent is not None:
                    span = (sent, time.monotonic())
                    self.calls[claim.reference] = span
                    self.by_number[claim.address].append(span)

        setattr(ami, "originate", timed_originate)  # noqa: B010 (instrumentation)
        setattr(sender, "deliver", timed_deliver)  # noqa: B010


async def launch(
    pool: asyncpg.Pool, runtime: VoiceRuntime, numbers: list[str], recordings: Path
) -> tuple[int, float]:
    alert_id = await make_sending_alert(
        pool, ["+1" + n for n in numbers], state="approved", voice_text=MESSAGE
    )
    await prepare_alert_audio(pool, alert_id, runtime.sounds, recordings)
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute(
            "UPDATE alerts SET state = 'sending', launched_at = now() WHERE id = $1", alert_id
        )
        await conn.execute("NOTIFY ivr_dispatch")
    return alert_id, time.monotonic()


async def wait_completed(pool: asyncpg.Pool, alert_id: int, within: float) -> None:
    async with asyncio.timeout(within):
        while (
            await pool.fetchval("SELECT state FROM alerts WHERE id = $1", alert_id) != "completed"
        ):
            await asyncio.sleep(0.1)


async def measure_latency(
    pool: asyncpg.Pool,
    runtime: VoiceRuntime,
    probe: Probe,
    number: str,
    launches: int,
    recordings: Path,
) -> list[float]:
    latencies = []
    for _ in range(launches):
        before = len(probe.originates)
        alert_id, launched = await launch(pool, runtime, [number], recordings)
        await wait_completed(pool, alert_id, within=60)
        latencies.append((probe.originates[before] - launched) * 1000)
    return latencies


async def sample_queue(
    pool: asyncpg.Pool, runtime: VoiceRuntime, alert_id: int, samples: list[tuple[float, int, int]]
) -> None:
    while True:
        due = await pool.fetchval(
            "SELECT count(*) FROM deliveries "
            "WHERE alert_id = $1 AND state = 'pending' AND next_attempt_at <= now()",
            alert_id,
        )
        samples.append((time.monotonic(), runtime.engine.in_flight, due))
        await asyncio.sleep(0.05)


async def run(
    args: argparse.Namespace,
    settings: Settings,
    network: PhoneNetwork,
    url: str,
    workdir: Path,
) -> None:
    pool = await asyncpg.create_pool(url, min_size=2, max_size=10)
    async with pool.acquire() as conn:
        await migrate(conn)
    async with voice_runtime(settings, pool) as runtime:
        probe = Probe()
        probe.attach(runtime)
        latencies = await measure_latency(
            pool, runtime, probe, network.number_for("not-in-service"), args.launches, workdir
        )
        numbers = (
            network.numbers_for("person")[:120]
            + network.numbers_for("machine")[:40]
            + network.numbers_for("busy")[:20]
            + network.numbers_for("no-answer")[:20]
        )
        # An audience comes in household order, not grouped by what the phones will do.
        random.Random(args.seed).shuffle(numbers)
        network.reset()
        probe.calls.clear()
        probe.by_number.clear()
        samples: list[tuple[float, int, int]] = []
        alert_id, launched = await launch(pool, runtime, numbers, workdir)
        sampler = asyncio.create_task(sample_queue(pool, runtime, alert_id, samples))
        try:
            await wait_completed(pool, alert_id, within=1800)
        finally:
            sampler.cancel()
        finished = time.monotonic()
        outcomes = await pool.fetch(
            "SELECT outcome, count(*) FROM delivery_attempts a "
            "JOIN deliveries d ON d.id = a.delivery_id "
            "WHERE d.alert_id = $1 GROUP BY outcome ORDER BY outcome",
            alert_id,
        )
    await pool.close()

    busy_channel_seconds = sum(end - start for start, end in probe.calls.values())
    waiting = [in_flight for _, in_flight, due in samples if due > 0]
    utilisation = statistics.fmean(waiting) / args.channels if waiting else float("nan")
    chains = [spans[-1][1] - spans[0][0] for spans in probe.by_number.values() if spans]
    minimum = max(busy_channel_seconds / args.channels, *chains)
    total = finished - launched

    rows = [
        (
            f"launch -> first Originate, median of {args.launches} (ms)",
            f"{statistics.median(latencies):.1f}",
        ),
        (
            "launch -> first Originate, min / max (ms)",
            f"{min(latencies):.1f} / {max(latencies):.1f}",
        ),
        ("numbers / calls placed", f"{len(numbers)} / {len(probe.calls)}"),
        ("channels", str(args.channels)),
        ("busy channel-seconds", f"{busy_channel_seconds:.1f}"),
        ("seconds with due calls waiting (sampled)", f"{len(waiting) * 0.05:.1f}"),
        ("trunk utilisation while calls wait", f"{utilisation:.3f}"),
        ("total time, launch -> completed (s)", f"{total:.1f}"),
        ("trunk-bound minimum (s)", f"{minimum:.1f}"),
        ("total / minimum", f"{total / minimum:.3f}"),
    ]
    print("\nVoice benchmark (real Asterisk 22, simulated network; one run)")
    print(f"{'measure':<50} {'value':>14}")
    for name, value in rows:
        print(f"{name:<50} {value:>14}")
    print("attempt outcomes: " + ", ".join(f"{r['outcome']} {r['count']}" for r in outcomes))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--channels", type=int, default=20)
    parser.add_argument("--calls-per-second", type=float, default=10.0)
    parser.add_argument("--launches", type=int, default=9)
    parser.add_argument("--retry-delay", type=float, default=10.0)
    parser.add_argument("--seed", type=int, default=418, help="order of the audience")
    args = parser.parse_args()
    with bench_system(
        "voice",
        ring_timeout_seconds=8,
        retry_delay_seconds=args.retry_delay,
        max_concurrent_calls=args.channels,
        calls_per_second=args.calls_per_second,
    ) as system:
        asyncio.run(run(args, system.settings, system.network, system.database_url, system.workdir))


if __name__ == "__main__":
    main()
