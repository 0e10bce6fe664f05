"""The 411 directory import page (administrators): upload a listing, follow its reading,
read the summary, confirm; and lift a number's exclusion (docs/directory.md).

Reading a large file takes seconds, so it runs beside the request, owned by the staff
site (cancelled when it stops); the page shows its progress from the import's row. Every
step is in the audit log, and showing a summary (names, numbers, addresses) is a read of
personal data."""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import re
from collections.abc import AsyncIterator
from dataclasses import asdict

import asyncpg
from aiohttp import web

from ivr.domain.directory import business_pattern, directory_phone
from ivr.domain.errors import DomainError
from ivr.importers.directory import apply_import, read_import
from ivr.importers.directory_file import describe_delimiter
from ivr.storage import directory
from ivr.web.admin.audit import record_action, record_read
from ivr.web.admin.auth import require_admin, see_other
from ivr.web.admin.render import render
from ivr.web.admin.texts import TEXT
from ivr.web.i18n import translator
from ivr.web.keys import LANGUAGE, POOL, SETTINGS

log = logging.getLogger(__name__)

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
"""About 300,000 listings; the whole community's directory is far smaller."""
SHOWN_ROWS = 200
RECENT = 10
ID = "[0-9]{1,18}"


class Readings:
    """The files being read, owned by the staff site: cancelled when it stops."""

    def __init__(self) -> None:
        self.tasks: set[asyncio.Task[None]] = set()

    def start(self, reading: asyncio.Task[None]) -> None:
        self.tasks.add(reading)
        reading.add_done_callback(self.tasks.discard)


READINGS = web.AppKey("directory_readings", Readings)


def add_routes(admin: web.Application) -> None:
    admin[READINGS] = Readings()
    admin.cleanup_ctx.append(_stop_readings)
    admin.router.add_get("/directory", directory_page)
    admin.router.add_post("/directory", upload)
    admin.router.add_post("/directory/exclusions/lift", lift_exclusion)
    admin.router.add_get(f"/directory/{{import_id:{ID}}}", import_page)
    admin.router.add_get(f"/directory/{{import_id:{ID}}}/progress", progress)
    admin.router.add_post(f"/directory/{{import_id:{ID}}}/apply", apply)


async def _stop_readings(admin: web.Application) -> AsyncIterator[None]:
    yield
    tasks = list(admin[READINGS].tasks)
    for task in tasks:
        task.cancel()
    for task in tasks:
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def directory_page(request: web.Request) -> web.StreamResponse:
    require_admin(request)
    return await _main_page(request)


async def _main_page(
    request: web.Request, *, status: int = 200, error: str = "", notice: str = ""
) -> web.Response:
    imports = await directory.recent_imports(request.config_dict[POOL], RECENT)
    return render(request, "directory.html", status=status, imports=imports, error=error,
                  notice=notice)  # fmt: skip


async def upload(request: web.Request) -> web.StreamResponse:
    _, staff = require_admin(request)
    form = await request.post()
    field = form.get("file")
    if not isinstance(field, web.FileField):
        return await _main_page(request, status=400, error=_t(request, "directory.no_file"))
    data = field.file.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise web.HTTPRequestEntityTooLarge(MAX_UPLOAD_BYTES, len(data))
    if not data:
        return await _main_page(request, status=400, error=_t(request, "directory.no_file"))
    full = form.get("full") == "yes"
    pool = request.config_dict[POOL]
    name = "".join(c for c in field.filename if c.isprintable())[:200]
    import_id = await directory.create_import(pool, staff.id, name, full)
    rule = business_pattern(request.config_dict[SETTINGS].directory_business_pattern)
    reading = asyncio.create_task(_read(pool, import_id, data, rule), name="directory-read")
    request.app[READINGS].start(reading)
    await record_action(request, "directory.uploaded", f"import {import_id}", full=full,
                        bytes=len(data))  # fmt: skip
    return see_other(f"/admin/directory/{import_id}")


async def _read(pool: asyncpg.Pool, import_id: int, data: bytes, rule: re.Pattern[str]) -> None:
    try:
        await read_import(pool, import_id, io.BytesIO(data), rule)
    except DomainError as error:  # unreadable file, another import running
        await directory.fail_import(pool, import_id, str(error))
    except Exception:
        log.exception("directory import failed", extra={"import_id": import_id})
        await directory.fail_import(pool, import_id, "erreur interne / internal error")


async def _found(request: web.Request) -> directory.DirectoryImport:
    found = await directory.get_import(
        request.config_dict[POOL], int(request.match_info["import_id"])
    )
    if found is None:
        raise web.HTTPNotFound()
    return found


async def import_page(request: web.Request) -> web.StreamResponse:
    require_admin(request)
    found = await _found(request)
    pool = request.config_dict[POOL]
    errors = await directory.problem_rows(pool, found.id, SHOWN_ROWS)
    unmatched = await directory.unmatched_rows(pool, found.id, SHOWN_ROWS)
    if errors or unmatched:
        await record_read(request, f"directory import {found.id}", ["name", "phone", "address"])
    return render(
        request,
        "directory_import.html",
        found=found,
        delimiter=describe_delimiter(found.delimiter) if found.delimiter else "",
        progress_text=_progress_text(request, found),
        errors=errors,
        unmatched=unmatched,
        shown_rows=SHOWN_ROWS,
        counts=found.applied or found.dry_run,
    )


def _progress_text(request: web.Request, found: directory.DirectoryImport) -> str:
    return _t(request, "directory.progress", done=found.lines_read, total=found.lines_total)


async def progress(request: web.Request) -> web.StreamResponse:
    require_admin(request)
    found = await _found(request)
    return web.json_response({
        "state": found.state, "lines_read": found.lines_read, "lines_total": found.lines_total,
        "text": _progress_text(request, found),
    })  # fmt: skip


async def apply(request: web.Request) -> web.StreamResponse:
    _, staff = require_admin(request)
    found = await _found(request)
    try:
        done = await apply_import(request.config_dict[POOL], found.id, staff.id)
    except DomainError as error:
        await record_action(request, "directory.apply_refused", f"import {found.id}")
        raise web.HTTPConflict(text=error.in_language(request[LANGUAGE])) from None
    await record_action(request, "directory.applied", f"import {found.id}", **asdict(done))
    return see_other(f"/admin/directory/{found.id}")


async def lift_exclusion(request: web.Request) -> web.StreamResponse:
    require_admin(request)
    form = await request.post()
    raw = form.get("number")
    try:
        phone = directory_phone(raw if isinstance(raw, str) else "")
    except DomainError as error:
        return await _main_page(request, status=400, error=error.in_language(request[LANGUAGE]))
    reason = await directory.lift_exclusion(request.config_dict[POOL], phone)
    if reason is None:
        return await _main_page(request, status=404, error=_t(request, "directory.not_excluded"))
    await record_action(request, "directory.exclusion_lifted", phone, reason=reason)
    return await _main_page(request, notice=_t(request, "directory.lifted", number=phone))


def _t(request: web.Request, key: str, **values: object) -> str:
    return translator(TEXT, request[LANGUAGE])(key, **values)
