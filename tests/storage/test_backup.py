"""Backups: what is restored into an empty database is all there, files included; a
damaged archive, a non-empty target or a newer schema is refused with nothing changed."""

from __future__ import annotations

import asyncio
import dataclasses
import io
import json
import os
import stat
import tarfile
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest

from ivr.storage import migrate as migrate_module
from ivr.storage import staff_line
from ivr.storage.backup import (
    DUMP,
    BackupError,
    FileRoots,
    _client,
    backup,
    restore,
)
from ivr.storage.database import with_database
from ivr.storage.migrate import discover_migrations, migrate
from ivr.storage.voice import AlertAudio, save_audio
from tests.storage.alert_history import finish_alert
from tests.storage.scenario import FRENCH, build_town
from tests.test_cli import ivr_env, run_ivr

UPLOAD = "uploads/alert-1-fr-0a1b.wav"
PHONE_TAKE = "phone/alert-2-fr-9f8e.wav"
SOUND = "/var/lib/information-itum/pbx/sounds/alerts/alert-1-fr"

ROW_COUNT = """
CREATE FUNCTION pg_temp.row_count(t regclass) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE n bigint;
BEGIN
    EXECUTE format('SELECT count(*) FROM %s', t) INTO n;
    RETURN n;
END $$
"""
ROW_COUNTS = """
SELECT tablename, pg_temp.row_count(format('public.%I', tablename)::regclass) AS n
FROM pg_tables WHERE schemaname = 'public'
"""


def roots(base: Path) -> FileRoots:
    return FileRoots(base / "var" / "recordings", base / "pbx-root")


async def populate(db: asyncpg.Pool, files: FileRoots) -> dict[str, bytes]:
    """Residents, a staff account, an ended alert with a recording, its phone audio and
    attempts, a draft with a phone recording; the files, by archive name."""
    town = await build_town(db)
    for sector in ("nord-est", "sud"):
        member = await town.member(await town.household(sector))
        await town.choose(member, await town.phone(), "sms")
        await town.choose(member, await town.email(), "email")
    alert = await town.alert(contents=(dataclasses.replace(FRENCH, voice_recording=UPLOAD),))
    await save_audio(db, alert, AlertAudio("fr", SOUND, 3.5), "recording")
    await finish_alert(db, alert, ended_days_ago=3)
    draft = await town.alert(launch=False)
    assert await staff_line.attach_recording(
        db, draft, "fr", path=PHONE_TAKE, seconds=2.0, staff_id=town.author
    )
    contents = {
        f"recordings/{UPLOAD}": b"RIFF upload \x00\xff" * 100,
        f"recordings/{PHONE_TAKE}": b"RIFF phone take",
        f"audio{SOUND}.wav": b"RIFF converted for the phone",
    }
    for name, data in contents.items():
        path = files.local(name)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return contents


async def table_counts(url: str) -> dict[str, int]:
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(ROW_COUNT)
        return {r["tablename"]: r["n"] for r in await conn.fetch(ROW_COUNTS)}
    finally:
        await conn.close()


async def sample(url: str) -> list[Any]:
    conn = await asyncpg.connect(url)
    try:
        return [
            await conn.fetch("SELECT id, email, role, password_hash FROM staff ORDER BY id"),
            await conn.fetch("SELECT * FROM contact_points ORDER BY id"),
            await conn.fetch("SELECT * FROM delivery_attempts ORDER BY id"),
            await conn.fetch("SELECT * FROM alert_contents ORDER BY alert_id, language"),
        ]
    finally:
        await conn.close()


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    return tmp_path / "backups" / "ivr-backup.tar"


async def test_restored_into_an_empty_database_everything_is_there(
    db: asyncpg.Pool, database_url: str, empty_database_url: str, tmp_path: Path, archive: Path
) -> None:
    contents = await populate(db, roots(tmp_path / "a"))
    archive.parent.mkdir()
    made = await backup(database_url, archive, roots(tmp_path / "a"))
    assert made.missing == ()
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600
    assert [p.name for p in archive.parent.iterdir()] == [archive.name]  # no leftovers
    assert made.manifest.schema_version == discover_migrations()[-1].version
    assert {f.name for f in made.manifest.files} == {DUMP, *contents}

    restored = await restore(empty_database_url, archive, roots(tmp_path / "b"))

    assert restored.migrations_applied == []
    source_counts = await table_counts(database_url)
    assert source_counts["delivery_attempts"] > 0 and source_counts["phone_recordings"] == 1
    assert await table_counts(empty_database_url) == source_counts
    assert await sample(empty_database_url) == await sample(database_url)
    for name, data in contents.items():
        assert roots(tmp_path / "b").local(name).read_bytes() == data
    conn = await asyncpg.connect(empty_database_url)
    try:  # the identities go on where they were
        new_id = await conn.fetchval(
            "INSERT INTO staff (email, display_name, role, password_hash) "
            "VALUES ('c@test.example', 'C', 'viewer', 'x') RETURNING id"
        )
    finally:
        await conn.close()
    assert new_id == source_counts["staff"] + 1


async def test_a_backup_of_an_older_schema_is_migrated_on_restore(
    empty_database_url: str,
    postgres_url: str,
    tmp_path: Path,
    archive: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from tests.fixtures.database import create_database, drop_database

    older = await create_database(postgres_url)
    try:
        everything = discover_migrations()
        monkeypatch.setattr(migrate_module, "discover_migrations", lambda: everything[:-1])
        conn = await asyncpg.connect(older)
        try:
            await migrate(conn, use_schema_file=False)
        finally:
            await conn.close()
        monkeypatch.undo()
        archive.parent.mkdir()
        await backup(older, archive, roots(tmp_path / "a"))
        restored = await restore(empty_database_url, archive, roots(tmp_path / "b"))
    finally:
        await drop_database(postgres_url, older)
    assert restored.manifest.schema_version == everything[-2].version
    assert restored.migrations_applied == [everything[-1].version]


async def test_a_database_that_is_not_empty_is_refused(
    db: asyncpg.Pool, database_url: str, tmp_path: Path, archive: Path
) -> None:
    await populate(db, roots(tmp_path / "a"))
    archive.parent.mkdir()
    await backup(database_url, archive, roots(tmp_path / "a"))
    before = await table_counts(database_url)
    with pytest.raises(BackupError, match=r"not empty: .* empty database only"):
        await restore(database_url, archive, roots(tmp_path / "b"))
    assert await table_counts(database_url) == before
    assert not (tmp_path / "b").exists()


async def test_a_damaged_archive_is_refused_by_its_checksum(
    db: asyncpg.Pool, database_url: str, empty_database_url: str, tmp_path: Path, archive: Path
) -> None:
    await populate(db, roots(tmp_path / "a"))
    archive.parent.mkdir()
    await backup(database_url, archive, roots(tmp_path / "a"))
    with tarfile.open(archive) as tar:
        offset = tar.getmember(DUMP).offset_data + 200
    data = bytearray(archive.read_bytes())
    data[offset] ^= 0x01
    archive.write_bytes(bytes(data))
    with pytest.raises(BackupError, match=f"damaged: {DUMP} does not match its checksum"):
        await restore(empty_database_url, archive, roots(tmp_path / "b"))
    assert await table_counts(empty_database_url) == {}
    assert not (tmp_path / "b").exists()


async def test_a_backup_of_a_newer_schema_is_refused(
    db: asyncpg.Pool, database_url: str, empty_database_url: str, tmp_path: Path, archive: Path
) -> None:
    await db.execute("INSERT INTO schema_migrations (version, name) VALUES (9999, 'future')")
    archive.parent.mkdir()
    await backup(database_url, archive, roots(tmp_path / "a"))
    with pytest.raises(BackupError, match=r"made by a newer version \(schema 9999"):
        await restore(empty_database_url, archive, roots(tmp_path / "b"))
    assert await table_counts(empty_database_url) == {}


async def test_a_file_in_the_way_is_refused_before_anything_is_restored(
    db: asyncpg.Pool, database_url: str, empty_database_url: str, tmp_path: Path, archive: Path
) -> None:
    await populate(db, roots(tmp_path / "a"))
    archive.parent.mkdir()
    await backup(database_url, archive, roots(tmp_path / "a"))
    in_the_way = roots(tmp_path / "b").local(f"recordings/{UPLOAD}")
    in_the_way.parent.mkdir(parents=True)
    in_the_way.write_bytes(b"someone else's recording")
    with pytest.raises(BackupError, match="move them aside"):
        await restore(empty_database_url, archive, roots(tmp_path / "b"))
    assert in_the_way.read_bytes() == b"someone else's recording"
    assert await table_counts(empty_database_url) == {}


async def test_missing_files_are_reported_and_an_existing_target_refused(
    db: asyncpg.Pool, database_url: str, tmp_path: Path, archive: Path
) -> None:
    contents = await populate(db, roots(tmp_path / "a"))
    roots(tmp_path / "a").local(f"recordings/{PHONE_TAKE}").unlink()
    archive.parent.mkdir()
    made = await backup(database_url, archive, roots(tmp_path / "a"))
    assert made.missing == (f"recordings/{PHONE_TAKE}",)
    assert {f.name for f in made.manifest.files} == {DUMP, *contents} - set(made.missing)
    with pytest.raises(BackupError, match="exists; give a new file name"):
        await backup(database_url, archive, roots(tmp_path / "a"))


def test_client_programs_of_another_major_version_are_refused() -> None:
    with pytest.raises(BackupError, match="PostgreSQL 99 and no pg_dump of that version"):
        _client("pg_dump", 99)


async def test_the_commands_with_the_embedded_server(tmp_path: Path) -> None:
    """As docs/backups.md tells: back up, start again from an empty data directory,
    restore; the staff account is there again."""
    first = ivr_env(tmp_path / "first")
    created = await asyncio.to_thread(
        run_ivr, first, "create-staff", "marie@example.org", "--name", "Marie",
        "--password-stdin", stdin="un mot de passe solide\n",
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    archive = tmp_path / "ivr.tar"
    made = await asyncio.to_thread(run_ivr, first, "backup", str(archive))
    assert made.returncode == 0, made.stderr
    assert "personal data" in made.stdout

    second = ivr_env(tmp_path / "second")
    restored = await asyncio.to_thread(run_ivr, second, "restore", str(archive))
    assert restored.returncode == 0, restored.stderr
    assert "migrations applied: none" in restored.stdout
    again = await asyncio.to_thread(run_ivr, second, "restore", str(archive))
    assert again.returncode == 2
    assert "not empty" in again.stderr
    duplicate = await asyncio.to_thread(
        run_ivr, second, "create-staff", "marie@example.org", "--name", "M", stdin=""
    )
    assert duplicate.returncode == 2
    assert "marie@example.org" in duplicate.stderr.lower()


async def test_a_backup_from_a_newer_postgresql_is_refused(
    database_url: str, empty_database_url: str, tmp_path: Path, archive: Path
) -> None:
    archive.parent.mkdir()
    await backup(database_url, archive, roots(tmp_path / "a"))
    rewritten = tmp_path / "rewritten.tar"
    with tarfile.open(archive) as source, tarfile.open(rewritten, "w") as target:
        for member in source.getmembers():
            data = source.extractfile(member)
            assert data is not None
            if member.name == "manifest.json":
                manifest = json.loads(data.read())
                manifest["server_version"] = 990001
                raw = json.dumps(manifest).encode()
                member.size = len(raw)
                target.addfile(member, io.BytesIO(raw))
            else:
                target.addfile(member, data)
    with pytest.raises(BackupError, match=r"comes from PostgreSQL 99 and the database runs"):
        await restore(empty_database_url, rewritten, roots(tmp_path / "b"))
    assert await table_counts(empty_database_url) == {}


async def test_restored_by_the_owner_of_the_database_not_a_superuser(
    db: asyncpg.Pool, database_url: str, postgres_url: str, tmp_path: Path, archive: Path
) -> None:
    """As on a PostgreSQL of the system: a role of the service owns an empty database."""
    from tests.fixtures.database import drop_database

    await populate(db, roots(tmp_path / "a"))
    archive.parent.mkdir()
    await backup(database_url, archive, roots(tmp_path / "a"))
    role, name = f"ivr_owner_{os.getpid()}", f"ivr_owned_{os.getpid()}"
    admin = await asyncpg.connect(postgres_url)
    try:
        await admin.execute(f"CREATE ROLE {role} LOGIN")
        await admin.execute(f"CREATE DATABASE {name} OWNER {role}")
    finally:
        await admin.close()
    parts = urlsplit(with_database(postgres_url, name))
    owned = urlunsplit(parts._replace(netloc=f"{role}@{parts.netloc.rpartition('@')[2]}"))
    try:
        await restore(owned, archive, roots(tmp_path / "b"))
        assert await table_counts(owned) == await table_counts(database_url)
        conn = await asyncpg.connect(owned)
        try:
            assert (
                await conn.fetchval("SELECT tableowner FROM pg_tables WHERE tablename = 'staff'")
                == role
            )
        finally:
            await conn.close()
    finally:
        await drop_database(postgres_url, with_database(postgres_url, name))
        admin = await asyncpg.connect(postgres_url)
        try:
            await admin.execute(f"DROP ROLE {role}")
        finally:
            await admin.close()
