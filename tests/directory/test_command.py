"""``ivr import-directory`` and ``ivr lift-directory-exclusion`` as staff run them: a
real process on a real database."""

from __future__ import annotations

import asyncio
from pathlib import Path

import asyncpg

from ivr.importers.demo_data import SECTORS
from ivr.storage.sectors import save_sectors
from tests.directory.files import EXCLUDED, FIRST_LISTING, utf8_with_bom
from tests.test_cli import ivr_env, run_ivr


async def test_dry_run_prints_the_summary_then_apply_enrolls(
    database_url: str, tmp_path: Path
) -> None:
    conn = await asyncpg.connect(database_url)
    try:
        await save_sectors(conn, SECTORS)
        listing = tmp_path / "annuaire.csv"
        listing.write_bytes(utf8_with_bom(FIRST_LISTING))
        env = ivr_env(tmp_path, IVR_DATABASE_URL=database_url)
        dry = await asyncio.to_thread(run_ivr, env, "import-directory", str(listing))
        assert dry.returncode == 0, dry.stderr
        assert "encoding utf-8-sig, separator point-virgule / semicolon" in dry.stdout
        counts = dict(line.rsplit(maxsplit=1) for line in dry.stdout.splitlines()[2:12])
        assert counts["  new"] == "11"
        assert counts["  skipped: business"] == "2"
        assert counts["  rows in error"] == "6"
        assert "  line 13: Sans Frais;Ligne;22;rue de la Baie;Uashat;1-800-463-2493; -- " in (
            dry.stdout
        )
        assert "  line 8: Morin;Emma;5;rue des Érables;Uashat;418 968-5002; -- Street" in (
            dry.stdout
        )
        assert "run again with --apply" in dry.stdout
        assert await conn.fetchval("SELECT count(*) FROM households") == 0
        applied = await asyncio.to_thread(run_ivr, env, "import-directory", str(listing), "--apply")
        assert applied.returncode == 0, applied.stderr
        assert "applied: 19 rows" in applied.stdout
        assert await conn.fetchval("SELECT count(*) FROM member_channels") == 11
        actions = await conn.fetch("SELECT action FROM audit_log ORDER BY id")
        assert [a["action"] for a in actions] == [
            "directory.read", "directory.read", "directory.applied",
        ]  # fmt: skip
    finally:
        await conn.close()


async def test_lift_an_exclusion(database_url: str, tmp_path: Path) -> None:
    conn = await asyncpg.connect(database_url)
    try:
        await conn.execute(
            "INSERT INTO directory_exclusions (phone_e164, reason) VALUES ($1, 'staff')", EXCLUDED
        )
        env = ivr_env(tmp_path, IVR_DATABASE_URL=database_url)
        lifted = await asyncio.to_thread(run_ivr, env, "lift-directory-exclusion", "418 968-5007")
        assert lifted.returncode == 0, lifted.stderr
        assert "+14189685007: exclusion (staff) lifted" in lifted.stdout
        again = await asyncio.to_thread(run_ivr, env, "lift-directory-exclusion", "418 968-5007")
        assert again.returncode == 1
        assert await conn.fetchval("SELECT count(*) FROM directory_exclusions") == 0
        assert (
            await conn.fetchval(
                "SELECT count(*) FROM audit_log WHERE action = 'directory.exclusion_lifted'"
            )
            == 1
        )
    finally:
        await conn.close()


async def test_an_unreadable_file_is_one_clear_line(database_url: str, tmp_path: Path) -> None:
    listing = tmp_path / "vide.csv"
    listing.write_bytes(b"")
    env = ivr_env(tmp_path, IVR_DATABASE_URL=database_url)
    result = await asyncio.to_thread(run_ivr, env, "import-directory", str(listing))
    assert result.returncode == 2
    assert "The first line must be the header" in result.stderr
    assert "Traceback" not in result.stderr
