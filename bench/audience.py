"""Benchmark of audience resolution: 10k, 50k and 100k residents in a real PostgreSQL.

Run: ``.venv/bin/python -m bench.audience`` (an embedded PostgreSQL is started in a
temporary directory) or with ``IVR_BENCH_DATABASE_URL`` pointing at a server where
the user may create databases. For each size a fresh database is migrated and filled
by bench/audience_population.sql inside PostgreSQL; then two alerts are resolved into
deliveries: one to everyone and one to three of the twelve sectors. Prints, per size:
deliveries created, seconds, the peak RSS of this Python process, and the peak RSS of
the PostgreSQL backend that ran the resolution (VmHWM: includes the shared buffers it
touched).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from ivr.storage.audience import preview, resolve_audience
from ivr.storage.embedded import EmbeddedPostgres
from tests.fixtures.database import recreate_migrated_database

POPULATION_SQL = Path(__file__).with_name("audience_population.sql")
SIZES = (10_000, 50_000, 100_000)
EVERYONE, THREE_SECTORS = 1, 2


@dataclass(frozen=True)
class Result:
    residents: int
    alert: str
    deliveries: int
    seconds: float
    preview_seconds: float
    python_peak_mib: float
    backend_peak_mib: float | None


def python_peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def backend_peak_mib(pid: int) -> float | None:
    try:
        status = Path(f"/proc/{pid}/status").read_text(encoding="ascii")
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return None


async def fresh_database(server_url: str, residents: int) -> str:
    url = await recreate_migrated_database(server_url, f"ivr_bench_{residents}")
    conn = await asyncpg.connect(url)
    try:
        await conn.execute("SELECT set_config('bench.residents', $1, false)", str(residents))
        await conn.execute(POPULATION_SQL.read_text(encoding="utf-8"))
    finally:
        await conn.close()
    return url


async def measure(url: str, residents: int, alert_id: int, label: str) -> Result:
    conn = await asyncpg.connect(url)  # a fresh backend, so its peak is this run's
    try:
        pid = await conn.fetchval("SELECT pg_backend_pid()")
        started = time.perf_counter()
        shown = await preview(conn, alert_id, limit=100)
        preview_seconds = time.perf_counter() - started
        started = time.perf_counter()
        created = await resolve_audience(conn, alert_id)
        seconds = time.perf_counter() - started
        assert created == shown.total(), (created, shown.total())
        assert await resolve_audience(conn, alert_id) == 0  # idempotent
        backend = backend_peak_mib(pid)
    finally:
        await conn.close()
    return Result(residents, label, created, seconds, preview_seconds, python_peak_mib(), backend)


async def run(server_url: str, sizes: tuple[int, ...]) -> list[Result]:
    results = []
    for residents in sizes:
        url = await fresh_database(server_url, residents)
        results.append(await measure(url, residents, EVERYONE, "everyone"))
        results.append(await measure(url, residents, THREE_SECTORS, "3 of 12 sectors"))
        print(format_row(results[-2]), format_row(results[-1]), sep="\n", flush=True)
    return results


HEADER = (
    f"{'residents':>9}  {'alert':<15}  {'deliveries':>10}  {'resolve s':>9}  "
    f"{'preview s':>9}  {'python peak MiB':>15}  {'backend peak MiB':>16}"
)


def format_row(r: Result) -> str:
    backend = "n/a" if r.backend_peak_mib is None else f"{r.backend_peak_mib:.0f}"
    return (
        f"{r.residents:>9}  {r.alert:<15}  {r.deliveries:>10}  {r.seconds:>9.2f}  "
        f"{r.preview_seconds:>9.2f}  {r.python_peak_mib:>15.0f}  {backend:>16}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=list(SIZES))
    sizes = tuple(parser.parse_args().sizes)
    server_url = os.environ.get("IVR_BENCH_DATABASE_URL", "")
    print(HEADER, flush=True)
    if server_url:
        asyncio.run(run(server_url, sizes))
        return
    with tempfile.TemporaryDirectory(prefix="ivr-bench-") as directory:
        # the embedded server runs as another user when started by root
        os.chmod(directory, 0o755)  # noqa: S103
        server = EmbeddedPostgres(Path(directory) / "data")
        url = server.start()
        try:
            asyncio.run(run(url, sizes))
        finally:
            server.stop()


if __name__ == "__main__":
    main()
