"""The sectors an alert can target, for an integration to pick codes from."""

from __future__ import annotations

from aiohttp import web

from ivr.storage.sectors import load_sectors
from ivr.web.api.auth import authorize
from ivr.web.keys import POOL


async def list_sectors(request: web.Request) -> web.StreamResponse:
    await authorize(request, "sectors:read")
    sectors = await load_sectors(request.config_dict[POOL])
    return web.json_response(
        {
            "sectors": [
                {
                    "code": s.code,
                    "community": s.community,
                    "name_fr": s.name_fr,
                    "name_en": s.name_en,
                    "parent_code": s.parent_code,
                }
                for s in sectors
            ]
        }
    )
