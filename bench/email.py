"""Email throughput with all the bookkeeping: claims, attempts, the relay's answers,
outcomes.

Run: ``.venv/bin/python -m bench.email`` (after scripts/setup). It starts an embedded
PostgreSQL and the simulated mail relay (simnet/mailrelay.py, aiosmtpd: STARTTLS with
its own CA, AUTH, accepting at once), and runs the product's email channel in this
process with its defaults (4 connections, 2 signing processes).

1. Launch latency (relay in this process, so its arrival is seen at once): nine
   one-address alerts launched one after the other; for each, the time from the launch
   transaction's commit (which sends ``NOTIFY ivr_dispatch``) to the relay holding the
   message (polled every millisecond).
2. Uncapped (relay in its own process, as a real relay is): one alert to 10,000
   addresses, unsigned, then another signed with DKIM (RSA 2048): messages per second
   from launch until the alert is completed (every answer and outcome written).
3. Capped at the default 20 per second: the rate the relay saw over 20 s.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from ivr.channels.email.runtime import email_runtime
from ivr.config import Settings
from ivr.storage.embedded import EmbeddedPostgres
from ivr.storage.migrate import migrate
from simnet.mailrelay import SimulatedMailRelay
from tests.email.harness import email_settings, make_email_alert


async def wait(pool: asyncpg.Pool, query: str, *args: object, within: float) -> None:
    async with asyncio.timeout(within):
        while not await pool.fetchval(query, *args):
            await asyncio.sleep(0.02)


async def launch_latency(pool: asyncpg.Pool, relay: SimulatedMailRelay) -> list[float]:
    latencies = []
    for n in range(9):
        before = len(relay.messages())
        await make_email_alert(pool, [f"latence{n}@exemple.ca"])
        committed = time.perf_counter()
        async with asyncio.timeout(10):
            while len(relay.messages()) == before:
                await asyncio.sleep(0.001)
        latencies.append(time.perf_counter() - committed)
        await asyncio.sleep(0.3)
    return latencies


async def uncapped(pool: asyncpg.Pool, count: int, tag: str) -> float:
    alert_id = await make_email_alert(pool, [f"{tag}{n:05}@exemple.ca" for n in range(count)])
    started = time.perf_counter()
    await wait(pool, "SELECT state = 'completed' FROM alerts WHERE id = $1", alert_id,
               within=900)  # fmt: skip
    elapsed = time.perf_counter() - started
    accepted = await pool.fetchval(
        "SELECT count(*) FROM deliveries WHERE alert_id = $1 AND last_outcome = 'accepted'",
        alert_id,
    )
    assert accepted == count, accepted
    return count / elapsed


@contextlib.asynccontextmanager
async def relay_process(workdir: Path, password: str) -> AsyncIterator[SimulatedMailRelay]:
    """The relay run alone (``python -m simnet.mailrelay``); what it gives is described by
    an unstarted ``SimulatedMailRelay`` for the settings."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "simnet.mailrelay", "--workdir", str(workdir), "--user", "itum",
        "--password-env", "BENCH_RELAY_PASSWORD",
        env={**os.environ, "BENCH_RELAY_PASSWORD": password}, stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert process.stdout is not None
    ready = (await asyncio.wait_for(process.stdout.readline(), 30)).decode()
    port = int(ready.split()[2].rpartition(":")[2])
    try:
        yield SimulatedMailRelay(workdir=workdir, port=port, username="itum", password=password)
    finally:
        process.terminate()
        await process.wait()


async def capped(pool: asyncpg.Pool, relay: SimulatedMailRelay, seconds: float) -> float:
    relay.reset()
    await make_email_alert(pool, [f"cap{n:04}@exemple.ca" for n in range(int(20 * seconds * 1.5))])
    async with asyncio.timeout(10):
        while not relay.messages():
            await asyncio.sleep(0.001)
    first = len(relay.messages())
    await asyncio.sleep(seconds)
    return (len(relay.messages()) - first) / seconds


def dkim_key(directory: Path) -> Path:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    path = directory / "dkim.pem"
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                       serialization.PrivateFormat.TraditionalOpenSSL,
                                       serialization.NoEncryption()))  # fmt: skip
    return path


async def run(args: argparse.Namespace, workdir: Path) -> None:
    database = EmbeddedPostgres(workdir / "pg")
    url = await asyncio.to_thread(database.start)
    try:
        pool = await asyncpg.create_pool(url, min_size=2, max_size=10)
        async with pool.acquire() as conn:
            await migrate(conn)
        relay = SimulatedMailRelay(workdir=workdir / "relay", username="itum",
                                   password=secrets.token_urlsafe(12))  # fmt: skip
        async with relay:
            async with email_runtime(email_settings(relay, emails_per_second=10_000.0), pool):
                await asyncio.sleep(0.5)
                latencies = await launch_latency(pool, relay)
            async with email_runtime(email_settings(relay, emails_per_second=20.0), pool):
                rate = await capped(pool, relay, args.capped_seconds)
        async with relay_process(workdir / "alone", secrets.token_urlsafe(12)) as alone:
            fast: Settings = email_settings(alone, emails_per_second=10_000.0)
            async with email_runtime(fast, pool):
                plain_rate = await uncapped(pool, args.messages, "plain")
            signed = email_settings(alone, emails_per_second=10_000.0, dkim_selector="itum",
                                    dkim_key_file=dkim_key(workdir))  # fmt: skip
            async with email_runtime(signed, pool):
                signed_rate = await uncapped(pool, args.messages, "signed")
        await pool.close()
    finally:
        await asyncio.to_thread(database.stop)
    print("\nEmail benchmark (simulated relay: STARTTLS, AUTH, accepts at once; "
          "4 connections, 2 signing processes; one run)")  # fmt: skip
    rows = [
        ("launch -> message at the relay, median of 9 (ms)",
         f"{statistics.median(latencies) * 1000:.1f}"),
        ("launch -> message at the relay, min / max (ms)",
         f"{min(latencies) * 1000:.1f} / {max(latencies) * 1000:.1f}"),
        (f"uncapped, {args.messages} messages: per second, all bookkeeping", f"{plain_rate:.0f}"),
        ("uncapped, signed with DKIM (RSA 2048): per second", f"{signed_rate:.0f}"),
        (f"capped at 20/s: rate over {args.capped_seconds:.0f} s", f"{rate:.2f}"),
    ]  # fmt: skip
    width = max(len(name) for name, _ in rows)
    print(f"{'measure':<{width}}  value")
    for name, value in rows:
        print(f"{name:<{width}}  {value:>12}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--capped-seconds", type=float, default=20.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ivr-bench-email-") as directory:
        Path(directory).chmod(0o755)  # the embedded server runs as another user
        asyncio.run(run(args, Path(directory)))


if __name__ == "__main__":
    main()
