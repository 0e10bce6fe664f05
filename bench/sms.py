"""SMS throughput with all the bookkeeping: claims, attempts, parts, outcomes, receipts.

Run: ``.venv/bin/python -m bench.sms`` (after scripts/setup). It starts an embedded
PostgreSQL and the simulated SMSC (simnet/smsc/, answering at once, a DELIVRD receipt
for every message 200 ms later), and runs the product's SMS channel in this process.

1. Launch latency: nine one-number alerts launched one after the other; for each, the
   time from the launch transaction's commit (which sends ``NOTIFY ivr_dispatch``) to
   the SMSC receiving the submit_sm (its log's clock is this machine's).
2. Uncapped: one alert to 20,000 numbers (a GSM-7 text, one part each): submits per
   second from launch to the last submit, and from launch until every delivery is done
   and every receipt applied.
3. Capped at 50 parts per second: the rate the SMSC saw over 60 s.
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import statistics
import tempfile
import time
from pathlib import Path

import asyncpg

from ivr.channels.sms.runtime import sms_runtime
from ivr.storage.embedded import EmbeddedPostgres
from ivr.storage.migrate import migrate
from simnet.smsc import SimulatedSmsc
from tests.fixtures.pbx import free_port
from tests.sms.harness import make_sms_alert, sms_settings

TEXT = "Avis d'ebullition de l'eau pour le secteur de Uashat. Faites bouillir l'eau."


async def launch(pool: asyncpg.Pool, numbers: list[str]) -> tuple[int, float]:
    """An SMS alert to ``numbers``, in 'sending' and notified; with the commit time."""
    alert_id = await make_sms_alert(pool, numbers, {"fr": TEXT})
    return alert_id, time.time()


async def wait(pool: asyncpg.Pool, query: str, *args: object, within: float) -> None:
    async with asyncio.timeout(within):
        while not await pool.fetchval(query, *args):
            await asyncio.sleep(0.05)


def submits_to(smsc: SimulatedSmsc, prefix: str) -> list[dict[str, object]]:
    return [s for s in smsc.submits() if str(s["destination_addr"]).startswith(prefix)]


async def launch_latency(pool: asyncpg.Pool, smsc: SimulatedSmsc) -> list[float]:
    latencies = []
    for n in range(9):
        number = f"41870000{n:02d}"
        alert_id, committed = await launch(pool, [number])
        prefix = "1" + number
        await smsc.wait_for(lambda: submits_to(smsc, prefix), 10)  # noqa: B023
        latencies.append(float(submits_to(smsc, prefix)[0]["at"]) / 1000 - committed)  # type: ignore[arg-type]
        await wait(pool, "SELECT state = 'completed' FROM alerts WHERE id = $1", alert_id,
                   within=10)  # fmt: skip
        await asyncio.sleep(0.3)
    return latencies


async def uncapped(pool: asyncpg.Pool, smsc: SimulatedSmsc, count: int) -> dict[str, float]:
    numbers = [f"418{7100000 + n:07d}" for n in range(count)]
    alert_id, started = await launch(pool, numbers)
    await wait(pool, "SELECT state = 'completed' FROM alerts WHERE id = $1", alert_id,
               within=600)  # fmt: skip
    completed = time.time()
    await wait(
        pool,
        "SELECT count(*) = $2 FROM deliveries WHERE alert_id = $1 AND last_outcome = 'delivered'",
        alert_id,
        count,
        within=600,
    )
    settled = time.time()
    sent = submits_to(smsc, "141871")
    last = max(float(s["at"]) for s in sent) / 1000  # type: ignore[arg-type]
    accepted = sum(1 for s in sent if s["status"] == 0)
    return {
        "accepted": accepted,
        "submit_rate": accepted / (last - started),
        "completed_s": completed - started,
        "settled_s": settled - started,
        "settled_rate": count / (settled - started),
    }


async def capped(pool: asyncpg.Pool, smsc: SimulatedSmsc, seconds: float) -> float:
    numbers = [f"418{7200000 + n:07d}" for n in range(int(50 * seconds * 1.3))]
    await launch(pool, numbers)
    first = await smsc.wait_for(lambda: submits_to(smsc, "141872"), within=10)
    start = float(first[0]["at"]) / 1000  # type: ignore[arg-type]
    await asyncio.sleep(seconds + 1 - (time.time() - start))
    inside = [
        s for s in submits_to(smsc, "141872")
        if start <= float(s["at"]) / 1000 < start + seconds  # type: ignore[arg-type]
    ]  # fmt: skip
    return len(inside) / seconds


async def run(args: argparse.Namespace, workdir: Path) -> None:
    database = EmbeddedPostgres(workdir / "pg")
    url = await asyncio.to_thread(database.start)
    try:
        pool = await asyncpg.create_pool(url, min_size=2, max_size=10)
        async with pool.acquire() as conn:
            await migrate(conn)
        password = secrets.token_hex(4)
        async with SimulatedSmsc(workdir=workdir, port=free_port(), password=password,
                                 receipt_delay_ms=200) as smsc:  # fmt: skip
            async with sms_runtime(sms_settings(smsc, sms_per_second=100_000.0,
                                                smpp_window=args.window), pool):  # fmt: skip
                await asyncio.sleep(0.5)
                latencies = await launch_latency(pool, smsc)
                fast = await uncapped(pool, smsc, args.messages)
            await smsc.reset()
            async with sms_runtime(sms_settings(smsc, sms_per_second=50.0), pool):
                rate = await capped(pool, smsc, args.capped_seconds)
        await pool.close()
    finally:
        await asyncio.to_thread(database.stop)
    print("\nSMS benchmark (simulated SMSC answering at once, receipts 200 ms later; one run)")
    rows = [
        ("launch -> first submit_sm, median of 9 (ms)",
         f"{statistics.median(latencies) * 1000:.1f}"),
        ("launch -> first submit_sm, min / max (ms)",
         f"{min(latencies) * 1000:.1f} / {max(latencies) * 1000:.1f}"),
        (f"uncapped, window {args.window}: messages accepted", f"{fast['accepted']:.0f}"),
        ("uncapped: submits per second (launch -> last submit)", f"{fast['submit_rate']:.0f}"),
        ("uncapped: launch -> alert completed (s)", f"{fast['completed_s']:.1f}"),
        ("uncapped: launch -> every receipt applied (s)", f"{fast['settled_s']:.1f}"),
        ("uncapped: messages per second, all bookkeeping", f"{fast['settled_rate']:.0f}"),
        (f"capped at 50/s: rate over {args.capped_seconds:.0f} s", f"{rate:.2f}"),
        ("capped: off the cap (%)", f"{(rate / 50 - 1) * 100:+.2f}"),
    ]  # fmt: skip
    width = max(len(name) for name, _ in rows)
    print(f"{'measure':<{width}}  value")
    for name, value in rows:
        print(f"{name:<{width}}  {value:>10}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--window", type=int, default=10)
    parser.add_argument("--capped-seconds", type=float, default=60.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ivr-bench-sms-") as directory:
        Path(directory).chmod(0o755)  # the embedded server runs as another user
        asyncio.run(run(args, Path(directory)))


if __name__ == "__main__":
    main()
