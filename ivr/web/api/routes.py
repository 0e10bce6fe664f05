"""The JSON API, mounted under ``/api/v1/`` (docs/api.md): bearer tokens, no cookies."""

from __future__ import annotations

from aiohttp import web

from ivr.web.api import alerts, sectors
from ivr.web.api.errors import json_errors
from ivr.web.api.openapi import openapi_document

ALERT = r"/alerts/{alert_id:\d{1,19}}"


def api_app() -> web.Application:
    api = web.Application(middlewares=[json_errors])
    api.router.add_get("/openapi.json", openapi_document)
    api.router.add_get("/alerts", alerts.list_alerts)
    api.router.add_post("/alerts", alerts.create_alert)
    api.router.add_get(ALERT, alerts.get_alert)
    api.router.add_put(ALERT + "/contents/{language:fr|en}", alerts.set_content)
    api.router.add_get(ALERT + "/audience", alerts.audience)
    api.router.add_post(ALERT + "/approve", alerts.approve)
    api.router.add_post(ALERT + "/launch", alerts.launch)
    api.router.add_post(ALERT + "/cancel", alerts.cancel)
    api.router.add_get(ALERT + "/attempts", alerts.attempts)
    api.router.add_get("/sectors", sectors.list_sectors)
    return api
