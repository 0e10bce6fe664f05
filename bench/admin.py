"""The admin pages under load: an alert of 10,000 deliveries and 30,000 attempts.

Run: ``.venv/bin/python -m bench.admin`` (after scripts/setup). It starts an embedded
PostgreSQL with that alert (``bench/admin_population.sql``) and the web application in
this process, signs in 20 staff clients (aiohttp), and for each page has the 20
clients ask for it at once, ``--rounds`` times each: the alert's report (a page of 50
recipients and the not-reached count), the CSV export of all 10,000 rows, the
dashboard, and the live-count event stream (time to its first event). Prints, per
page, the time of one request alone before the others (the cold case: nothing
computed yet) and the median and 95th percentile of the concurrent ones. The clients
and the server share the machine's two cores.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import secrets
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import aiohttp
import asyncpg
from aiohttp import web

from ivr.accounts.staff import create_staff
from ivr.config import load_settings
from ivr.storage.embedded import EmbeddedPostgres
from ivr.storage.migrate import migrate
from ivr.web.app import create_app

POPULATION = Path(__file__).with_name("admin_population.sql")
PASSWORD = secrets.token_urlsafe(16)


async def sign_in(base: str, email: str) -> aiohttp.ClientSession:
    jar = aiohttp.CookieJar(unsafe=True)  # cookies of a numeric address (127.0.0.1)
    session = aiohttp.ClientSession(base_url=base, headers={"Origin": base}, cookie_jar=jar)
    page = await (await session.get("/admin/login")).text()
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token is not None
    form = {"email": email, "password": PASSWORD, "csrf_token": token[1]}
    response = await session.post("/admin/login", data=form, allow_redirects=False)
    assert response.status == 303, await response.text()
    return session


async def timed(action: Callable[[], Awaitable[None]]) -> float:
    started = time.perf_counter()
    await action()
    return time.perf_counter() - started


async def measure(
    clients: list[aiohttp.ClientSession],
    rounds: int,
    ask: Callable[[aiohttp.ClientSession], Awaitable[None]],
) -> tuple[float, list[float]]:
    """One request alone first (nothing computed yet: the cold case), then every
    client ``rounds`` times at once."""
    cold = await timed(lambda: ask(clients[0]))

    async def one_client(client: aiohttp.ClientSession) -> list[float]:
        return [await timed(lambda: ask(client)) for _ in range(rounds)]

    results = await asyncio.gather(*(one_client(c) for c in clients))
    return cold, [t for times in results for t in times]


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


async def run(args: argparse.Namespace, workdir: Path) -> None:
    database = EmbeddedPostgres(workdir / "pg")
    url = await asyncio.to_thread(database.start)
    try:
        pool = await asyncpg.create_pool(url, min_size=2, max_size=20)
        async with pool.acquire() as conn:
            await migrate(conn)
            await conn.execute(POPULATION.read_text())
        alert_id = await pool.fetchval("SELECT id FROM alerts")
        emails = [f"agent{n}@itum.example" for n in range(args.clients)]
        for email in emails:
            await create_staff(pool, email, "Agent", "approver", PASSWORD)
        settings = load_settings({}, secret_key=secrets.token_urlsafe(32), data_dir=workdir)
        runner = web.AppRunner(create_app(settings, pool), access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        host, port = runner.addresses[0][:2]
        base = f"http://{host}:{port}"
        clients = [await sign_in(base, email) for email in emails]

        async def page(path: str) -> Callable[[aiohttp.ClientSession], Awaitable[None]]:
            async def ask(client: aiohttp.ClientSession) -> None:
                async with client.get(path) as response:
                    assert response.status == 200, response.status
                    await response.read()

            return ask

        async def first_event(client: aiohttp.ClientSession) -> None:
            async with client.get(f"/admin/alerts/{alert_id}/events") as response:
                line = await response.content.readline()
                assert line.startswith(b"data: "), line

        alert = f"/admin/alerts/{alert_id}"
        rows: list[tuple[str, tuple[float, list[float]]]] = []
        report = await measure(clients, args.rounds, await page(f"{alert}/report"))
        rows.append(("report (a page of 50 of 10,000 recipients)", report))
        exports = await measure(
            clients, max(1, args.rounds // 5), await page(f"{alert}/report.csv")
        )
        rows.append(("CSV export (10,000 rows)", exports))
        rows.append(("dashboard", await measure(clients, args.rounds, await page("/admin/"))))
        rows.append(("event stream: first event", await measure(clients, args.rounds, first_event)))
        async with clients[0].get(f"/admin/alerts/{alert_id}/report.csv") as response:
            lines = (await response.read()).count(b"\n")
        for client in clients:
            await client.close()
        await runner.cleanup()
        await pool.close()
    finally:
        await asyncio.to_thread(database.stop)
    print(f"\nAdmin pages under {args.clients} concurrent clients (10,000 deliveries, "
          f"30,000 attempts; one run; CSV lines {lines})")  # fmt: skip
    print(f"{'page':<44} {'cold ms':>8} {'requests':>8} {'p50 ms':>9} {'p95 ms':>9}")
    for name, (cold, times) in rows:
        median, p95 = statistics.median(times) * 1000, percentile(times, 0.95) * 1000
        print(f"{name:<44} {cold * 1000:>8.1f} {len(times):>8} {median:>9.1f} {p95:>9.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ivr-bench-admin-") as directory:
        Path(directory).chmod(0o755)  # the embedded server runs as another user
        asyncio.run(run(args, Path(directory)))


if __name__ == "__main__":
    main()
