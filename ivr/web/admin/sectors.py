"""The sectors page (every staff member): the sectors with their households, a map of
their polygons and a GeoJSON export; and the administrators' import of a GeoJSON file.

An import saves every sector of the file or none, and lists every bad Feature at once
(its number, its code and what is wrong) so that a file is fixed in one pass. The audit
log keeps counts, not the file.
"""

from __future__ import annotations

import json

from aiohttp import web

from ivr.domain.errors import DomainError
from ivr.domain.sectors import Sector, _sector_from_feature, in_staff_order, sectors_to_geojson
from ivr.storage.people import reassign_households
from ivr.storage.sectors import household_counts, load_sectors, save_sectors
from ivr.web.admin.audit import record_action
from ivr.web.admin.auth import require_admin, require_staff
from ivr.web.admin.render import render
from ivr.web.admin.texts_sectors import SECTORS_TEXT
from ivr.web.keys import LANGUAGE, POOL

FILE_FIELD = "file"
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
"""A sectors file: detailed polygons of a few dozen sectors fit well within it."""
SHOWN_PROBLEMS = 100  # a page of thousands of errors helps nobody; the count is given


class UploadRefused(Exception):
    """Every problem found in an uploaded file; nothing of it is saved."""

    def __init__(self, problems: list[DomainError]) -> None:
        super().__init__(f"{len(problems)} problems")
        self.problems = problems


def add_routes(admin: web.Application) -> None:
    admin.router.add_get("/sectors", sectors_page)
    admin.router.add_post("/sectors", sectors_upload)
    admin.router.add_get("/sectors.geojson", sectors_geojson)


async def sectors_geojson(request: web.Request) -> web.StreamResponse:
    """Every sector, or those named by ``?sector=code`` (repeated), in the form the import
    reads back: the map draws it, an administrator can edit it and import it again."""
    require_staff(request)
    wanted = set(request.query.getall("sector", []))
    sectors = await load_sectors(request.config_dict[POOL])
    chosen = [s for s in sectors if s.code in wanted] if wanted else sectors
    return web.json_response(
        sectors_to_geojson(chosen),
        content_type="application/geo+json",
        headers={"Content-Disposition": 'attachment; filename="sectors.geojson"'},
    )


async def sectors_page(request: web.Request) -> web.StreamResponse:
    require_staff(request)
    return await _render_page(request)


async def sectors_upload(request: web.Request) -> web.StreamResponse:
    require_admin(request)
    form = await request.post()
    upload = form.get(FILE_FIELD)
    if isinstance(upload, web.FileField) and _size(upload) > MAX_UPLOAD_BYTES:
        raise web.HTTPRequestEntityTooLarge(MAX_UPLOAD_BYTES, _size(upload))
    try:
        done = await _save(request, read_upload(form.get(FILE_FIELD)))
    except UploadRefused as refused:
        problems = refused.problems
    except DomainError as problem:  # the set as a whole: a code twice, an unknown parent
        problems = [problem]
    else:
        await record_action(request, "sectors.uploaded", "sectors", **done)
        return await _render_page(request, done=done)
    await record_action(request, "sectors.upload_refused", "sectors", problems=len(problems))
    return await _render_page(request, status=400, problems=problems)


def _size(upload: web.FileField) -> int:
    upload.file.seek(0, 2)
    size = upload.file.tell()
    upload.file.seek(0)
    return size


def read_upload(field: object) -> list[Sector]:
    """The sectors of an uploaded FeatureCollection, each Feature checked on its own."""
    data = _json(field)
    features = None
    if isinstance(data, dict) and data.get("type") == "FeatureCollection":
        features = data.get("features")
    if not isinstance(features, list):
        raise _refusal("sectors.not_collection")
    if not features:
        raise _refusal("sectors.no_features")
    sectors, problems = [], []
    for number, feature in enumerate(features, start=1):
        try:  # one Feature at a time: sectors_from_geojson would stop at the first bad one
            sectors.append(_sector_from_feature(feature, f"Feature {number}"))
        except DomainError as problem:
            problems.append(problem)
    if problems:
        raise UploadRefused(problems)
    return sectors


def _json(field: object) -> object:
    if not isinstance(field, web.FileField):
        raise _refusal("sectors.no_file")
    raw = field.file.read()
    if not raw:
        raise _refusal("sectors.no_file")
    try:
        return json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise _refusal("sectors.not_text") from None
    except json.JSONDecodeError as error:
        raise _refusal("sectors.not_json_at", line=error.lineno, column=error.colno) from None
    except (ValueError, RecursionError):  # a number of thousands of digits, deep nesting
        raise _refusal("sectors.not_json") from None


def _refusal(key: str, **values: object) -> DomainError:
    french, english = SECTORS_TEXT[key]
    return DomainError(french.format(**values), english.format(**values))


async def _save(request: web.Request, sectors: list[Sector]) -> dict[str, int]:
    """Replace or add the sectors and place the households again, all in one transaction."""
    async with request.config_dict[POOL].acquire() as conn, conn.transaction():
        existing = {s.code for s in await load_sectors(conn)}
        await save_sectors(conn, sectors)
        moved = await reassign_households(conn, await load_sectors(conn))
    updated = sum(1 for s in sectors if s.code in existing)
    return {"added": len(sectors) - updated, "updated": updated, "moved": moved}


async def _render_page(
    request: web.Request,
    *,
    status: int = 200,
    problems: list[DomainError] | None = None,
    done: dict[str, int] | None = None,
) -> web.Response:
    pool = request.config_dict[POOL]
    sectors = in_staff_order(await load_sectors(pool))
    problems = problems or []
    return render(
        request,
        "sectors.html",
        status=status,
        sectors=sectors,
        households=await household_counts(pool),
        problems=[p.in_language(request[LANGUAGE]) for p in problems[:SHOWN_PROBLEMS]],
        problem_count=len(problems),
        hidden_problems=max(0, len(problems) - SHOWN_PROBLEMS),
        done=done,
    )
