"""Benchmark of the 411 directory import: 10k, 50k and 100k rows, dry run then apply.

Run: ``.venv/bin/python -m bench.directory`` (an embedded PostgreSQL is started in a
temporary directory) or with ``IVR_BENCH_DATABASE_URL`` pointing at a server where the
user may create databases. For each size a fresh database gets the demo sectors and a
listing file made like the real ones (semicolons, UTF-8 with a byte-order mark, mixed
phone formats, abbreviations, about 2% businesses, 1% bad rows, 3% unknown streets,
two lines at one address in ten); it is read (the dry run), applied, then read again
(nothing to change). Prints seconds and the peak RSS of this Python process so far
(sizes run in increasing order: flat numbers mean memory does not grow with the file).
"""

from __future__ import annotations

import argparse
import asyncio
import codecs
import os
import resource
import tempfile
import time
from pathlib import Path

import asyncpg

from ivr.config import Settings
from ivr.domain.directory import business_pattern
from ivr.importers.demo_data import SECTORS
from ivr.importers.directory import apply_import, read_import
from ivr.storage import directory
from ivr.storage.embedded import EmbeddedPostgres
from ivr.storage.sectors import save_sectors
from tests.fixtures.database import recreate_migrated_database

SIZES = (10_000, 50_000, 100_000)
STREETS = ("rue des Épinettes", "R. DU CARIBOU", "rue de la Baie", "rue des Outardes",
           "ch. du Lac", "rue de la Plage", "rue des Érables")  # fmt: skip
FORMATS = ("418 {a}-{b}", "(418) {a}-{b}", "1-418-{a}-{b}", "418.{a}.{b}", "+1 418 {a} {b}",
           "418-{a}-{b} poste 12")  # fmt: skip


def listing_line(i: int) -> str:
    """Row ``i`` of the made-up listing: one number each, one bad row in a hundred."""
    phone = FORMATS[i % len(FORMATS)].format(a=931 + i // 10_000, b=f"{i % 10_000:04d}")
    if i % 100 == 98:
        phone = "1-800-555-0199"
    name = "Dépanneur Chez Lise" if i % 50 == 49 else f"Résident{i // 2}"
    street = STREETS[i % 3 + 3 * (i % 7 == 0)] if i % 33 else STREETS[6]
    civic = 1 + (i // 2) % 97
    return f"{name};Famille;{civic}{'A' if i % 11 == 0 else ''};{street};Uashat;{phone};"


def write_listing(path: Path, rows: int) -> None:
    with path.open("wb") as out:
        out.write(codecs.BOM_UTF8)
        out.write("Nom;Prénom;No civique;Rue;Ville;Téléphone;Type\n".encode())
        for i in range(rows):
            out.write((listing_line(i) + "\n").encode())


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def read(pool: asyncpg.Pool, path: Path) -> tuple[int, directory.Counts]:
    rule = business_pattern(Settings().directory_business_pattern)
    import_id = await directory.create_import(pool, None, path.name, True)
    with path.open("rb") as stream:
        reading = await read_import(pool, import_id, stream, rule)
    return import_id, reading.counts


async def measure(server_url: str, rows: int, folder: Path) -> str:
    url = await recreate_migrated_database(server_url, f"ivr_bench_directory_{rows}")
    path = folder / f"listing-{rows}.csv"
    write_listing(path, rows)
    pool = await asyncpg.create_pool(url, min_size=1, max_size=2)
    try:
        async with pool.acquire() as conn:
            await save_sectors(conn, SECTORS)
        started = time.perf_counter()
        import_id, dry = await read(pool, path)
        read_s = time.perf_counter() - started
        started = time.perf_counter()
        applied = await apply_import(pool, import_id, None)
        apply_s = time.perf_counter() - started
        started = time.perf_counter()
        _, again = await read(pool, path)
        again_s = time.perf_counter() - started
        assert applied.new == dry.new and again.new == 0 and again.unchanged == dry.new
    finally:
        await pool.close()
    return (
        f"{rows:>7}  {dry.new:>7}  {dry.business:>8}  {dry.errors:>6}  {dry.unmatched:>9}  "
        f"{read_s:>10.2f}  {apply_s:>7.2f}  {read_s + apply_s:>7.2f}  {again_s:>8.2f}  "
        f"{peak_mib():>8.0f}"
    )


HEADER = (
    f"{'rows':>7}  {'new':>7}  {'business':>8}  {'errors':>6}  {'unmatched':>9}  "
    f"{'dry run s':>10}  {'apply s':>7}  {'total s':>7}  {'again s':>8}  {'peak MiB':>8}"
)


async def run(server_url: str, sizes: tuple[int, ...]) -> None:
    with tempfile.TemporaryDirectory(prefix="ivr-bench-directory-") as folder:
        for rows in sizes:
            print(await measure(server_url, rows, Path(folder)), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=list(SIZES))
    sizes = tuple(parser.parse_args().sizes)
    print(HEADER, flush=True)
    server_url = os.environ.get("IVR_BENCH_DATABASE_URL", "")
    if server_url:
        asyncio.run(run(server_url, sizes))
        return
    with tempfile.TemporaryDirectory(prefix="ivr-bench-") as data:
        os.chmod(data, 0o755)  # noqa: S103  # the embedded server may run as another user
        server = EmbeddedPostgres(Path(data) / "data")
        url = server.start()
        try:
            asyncio.run(run(url, sizes))
        finally:
            server.stop()


if __name__ == "__main__":
    main()
