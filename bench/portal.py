"""The citizen portal under a burst of sign-ins: does password hashing starve the rest?

Run: ``.venv/bin/python -m bench.portal [--form-path PATH]`` (after scripts/setup). It
starts an embedded PostgreSQL holding one resident account per client (argon2id hashes
at the production parameters, made in a thread pool) and the web application in a
process of its own, as ``ivr serve`` runs it (its pool, the hashing threads of
ivr.accounts.passwords for argon2). Then, from this process: 20 signed-in clients ask
for the form page in a loop as fast as they can (more than 20 people would), first alone
for ``--quiet`` seconds, then during a burst of 200 sign-ins started at once (each
client with its own cookies: the sign-in page, then the sign-in). Prints sign-ins per
second over the burst, the sign-in's time (the POST), the form page's times and the
server loop's stalls, quiet and during the burst, with the share of the stalls the loop
spent running code. Every answer is checked: the form page must answer 200 (not a
redirect to sign-in, a 404).

The server runs in a child process (``--serve``) so that the stall measured is its own:
clients in its loop would stall it too, and in a thread of this process they would hold
the GIL it needs. In it a ticker sleeps 5 ms again and again and records how late it
wakes. The ticks are stamped with ``time.monotonic()``, the same clock in both
processes, so this process keeps those within each window."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import resource
import secrets
import signal
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import aiohttp
import asyncpg
from aiohttp import web
from argon2 import PasswordHasher

from bench.admin import percentile
from ivr.accounts.passwords import HASHING_NICENESS
from ivr.accounts.residents import save_password
from ivr.config import load_settings
from ivr.main import freeze_startup_heap
from ivr.storage.database import create_pool
from ivr.storage.embedded import EmbeddedPostgres
from ivr.storage.migrate import migrate
from ivr.web.app import create_app
from ivr.web.portal.sign_in import SIGN_IN_PATH

FORM_PATH = "/portal/contacts"
"""The contact form a signed-in resident edits."""
PASSWORD = secrets.token_urlsafe(16)
TICK = 0.005
STALL = 0.02
"""A tick this late counts as a stall when telling whether the loop was running."""
URL_VARIABLE = "BENCH_PORTAL_DATABASE_URL"
Window = tuple[float, float]
Timings = list[tuple[float, float]]
"""(monotonic time it started, seconds it took)."""


async def ticker(ticks: list[tuple[float, float, float]]) -> None:
    """Each tick: when it woke, how late, and the loop thread's CPU time meanwhile (near
    the lateness: the loop was running code; near zero: it was kept from running)."""
    while True:
        due, cpu = time.monotonic() + TICK, time.thread_time()
        await asyncio.sleep(TICK)
        woke = time.monotonic()
        ticks.append((woke, woke - due, time.thread_time() - cpu))


async def serve(workdir: Path) -> None:
    """The server process: says its port, runs until SIGTERM, then writes its ticks, how
    many hashing threads it started and its peak memory."""
    pool = await create_pool(os.environ[URL_VARIABLE])
    settings = load_settings({}, secret_key=secrets.token_urlsafe(32), data_dir=workdir)
    runner = web.AppRunner(create_app(settings, pool), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    ticks: list[tuple[float, float, float]] = []
    freeze_startup_heap()  # as ivr serve does once ready
    task = asyncio.create_task(ticker(ticks))
    print(json.dumps({"port": runner.addresses[0][1]}), flush=True)
    await stop.wait()
    task.cancel()
    threads = sum(t.name.startswith("argon2") for t in threading.enumerate())
    await runner.cleanup()
    await pool.close()
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"ticks": ticks, "threads": threads, "peak_mib": peak_mib}), flush=True)


def expect(response: aiohttp.ClientResponse, status: int) -> None:
    if response.status != status:
        raise RuntimeError(f"{response.method} {response.url.path}: HTTP {response.status}, "
                           f"expected {status}")  # fmt: skip


def browser(base: str) -> aiohttp.ClientSession:
    jar = aiohttp.CookieJar(unsafe=True)  # cookies of a numeric address (127.0.0.1)
    return aiohttp.ClientSession(base_url=base, headers={"Origin": base}, cookie_jar=jar)


async def sign_in(client: aiohttp.ClientSession, phone: str) -> float:
    """The sign-in page (its pre-login session's CSRF token), then the sign-in; the
    sign-in's time."""
    async with client.get(SIGN_IN_PATH) as page:
        expect(page, 200)
        token = re.search(r'name="csrf_token" value="([^"]+)"', await page.text())
    assert token is not None
    form = {"phone": phone, "password": PASSWORD, "csrf_token": token[1]}
    started = time.monotonic()
    async with client.post(SIGN_IN_PATH, data=form, allow_redirects=False) as response:
        expect(response, 303)
    return time.monotonic() - started


async def load_form(client: aiohttp.ClientSession, path: str, times: Timings) -> None:
    """Ask for the form page again and again (until cancelled), without following a
    redirect: a lost session must fail, not measure the sign-in page."""
    while True:
        started = time.monotonic()
        async with client.get(path, allow_redirects=False) as response:
            await response.read()
            expect(response, 200)
        times.append((started, time.monotonic() - started))


def within(timings: Timings, window: Window) -> list[float]:
    return [seconds for at, seconds in timings if window[0] <= at <= window[1]]


async def run(args: argparse.Namespace, workdir: Path) -> None:
    database = EmbeddedPostgres(workdir / "pg")
    url = await asyncio.to_thread(database.start)
    server: asyncio.subprocess.Process | None = None
    try:
        async with asyncpg.create_pool(url, min_size=2, max_size=20) as pool:
            async with pool.acquire() as conn:
                await migrate(conn)
            phones = [f"+1418555{n:04}" for n in range(args.sign_ins + args.clients)]
            await asyncio.gather(*(save_password(pool, phone, PASSWORD) for phone in phones))
        server = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bench.portal", "--serve", str(workdir),
            env={**os.environ, URL_VARIABLE: url}, stdout=asyncio.subprocess.PIPE,
        )  # fmt: skip
        assert server.stdout is not None
        ready = await asyncio.wait_for(server.stdout.readline(), 60)
        base = f"http://127.0.0.1:{json.loads(ready)['port']}"
        readers = [browser(base) for _ in range(args.clients)]
        signing = [browser(base) for _ in range(args.sign_ins)]
        try:
            for reader, phone in zip(readers, phones[args.sign_ins :], strict=True):
                await sign_in(reader, phone)
            forms: Timings = []
            async with asyncio.TaskGroup() as group:  # a failed page load stops it all
                loops = [group.create_task(load_form(r, args.form_path, forms)) for r in readers]
                quiet_start = time.monotonic()
                await asyncio.sleep(args.quiet)
                burst_start = time.monotonic()
                signed = await asyncio.gather(
                    *(sign_in(c, p) for c, p in zip(signing, phones[: args.sign_ins], strict=True))
                )
                burst_end = time.monotonic()
                for task in loops:
                    task.cancel()
        finally:
            for client in readers + signing:
                await client.close()
        server.send_signal(signal.SIGTERM)
        report = json.loads(await server.stdout.read())
        await server.wait()
    finally:
        if server is not None and server.returncode is None:
            server.kill()
            await server.wait()
        await asyncio.to_thread(database.stop)

    windows = (quiet_start, burst_start), (burst_start, burst_end)
    pages = [within(forms, window) for window in windows]
    ticks = [[t for t in report["ticks"] if start <= t[0] <= end] for start, end in windows]
    if not all(pages) or not all(ticks):
        raise RuntimeError("a window without form page loads or ticks")
    stalls = [[lateness for _, lateness, _ in window] for window in ticks]
    hasher = PasswordHasher()
    print(f"\nPortal: {args.sign_ins} sign-ins at once while {args.clients} signed-in clients "
          f"load {args.form_path} (one run)")  # fmt: skip
    print(f"argon2id t={hasher.time_cost} m={hasher.memory_cost} KiB p={hasher.parallelism}; "
          f"server threads for argon2: {report['threads']} (nice {HASHING_NICENESS}); "
          f"CPUs: {os.cpu_count()}; server peak RSS {report['peak_mib']:.0f} MiB")  # fmt: skip
    print("sign-in throttle: the default policy (it counts failures only; every sign-in "
          "here succeeds)")  # fmt: skip
    print(f"quiet {args.quiet:.1f} s: {len(pages[0])} form page loads; burst "
          f"{burst_end - burst_start:.2f} s: {len(pages[1])} form page loads, "
          f"{args.sign_ins / (burst_end - burst_start):.1f} sign-ins/s")  # fmt: skip
    rows = [
        ("sign-in p50 ms", "", "-", ms(statistics.median(signed))),
        ("sign-in p95 ms", "", "-", ms(percentile(signed, 0.95))),
        ("form page p50 ms", "", *(ms(statistics.median(times)) for times in pages)),
        ("form page p95 ms", "< 100", *(ms(percentile(times, 0.95)) for times in pages)),
        ("loop stall p99 ms", "", *(ms(percentile(late, 0.99)) for late in stalls)),
        ("loop stall max ms", "< 50", *(ms(max(late)) for late in stalls)),
        (f"loop running in stalls > {STALL * 1000:.0f} ms %", "", *map(running, ticks)),
    ]
    print(f"{'measure':<34} {'goal':>6} {'quiet':>9} {'burst':>9}")
    for name, goal, alone, during in rows:
        print(f"{name:<34} {goal:>6} {alone:>9} {during:>9}")


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


def running(ticks: list[list[float]]) -> str:
    """The share of the stalls' time the loop thread spent running ("-": no stall)."""
    late = [(lateness, cpu) for _, lateness, cpu in ticks if lateness > STALL]
    if not late:
        return "-"
    return f"{100 * sum(cpu for _, cpu in late) / sum(TICK + t for t, _ in late):.0f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sign-ins", type=int, default=200)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--form-path", default=FORM_PATH,
                        help="until the contact form exists, /portal/account")  # fmt: skip
    parser.add_argument("--quiet", type=float, default=3.0,
                        help="seconds of form page loads alone, before the burst")  # fmt: skip
    parser.add_argument("--serve", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        asyncio.run(serve(args.serve))
        return
    with tempfile.TemporaryDirectory(prefix="ivr-bench-portal-") as directory:
        Path(directory).chmod(0o755)  # the embedded server runs as another user
        asyncio.run(run(args, Path(directory)))


if __name__ == "__main__":
    main()
