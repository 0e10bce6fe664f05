"""The alert pages' routes (see alert_pages, alert_actions, alert_report)."""

from __future__ import annotations

from aiohttp import web

from ivr.web.admin import alert_actions, alert_pages, alert_report

ALERT = r"/alerts/{alert_id:\d+}"
LANGUAGE = r"{language:[a-z]{2,4}}"
RECORDING = r"{recording_id:\d{1,18}}"


def add_routes(admin: web.Application) -> None:
    routes = admin.router
    routes.add_get("/alerts", alert_pages.list_page)
    routes.add_get("/alerts/new", alert_pages.new_form)
    routes.add_post("/alerts/new", alert_pages.create)
    routes.add_get("/audience", alert_pages.audience)
    routes.add_get("/sms-info", alert_pages.sms_info)
    routes.add_get(ALERT, alert_pages.show)
    routes.add_post(f"{ALERT}/contents/{LANGUAGE}", alert_pages.save_contents)
    routes.add_post(f"{ALERT}/recording/{LANGUAGE}", alert_pages.upload_recording)
    routes.add_get(f"{ALERT}/audio/{LANGUAGE}", alert_pages.audio)
    routes.add_get(f"{ALERT}/phone-recordings/{RECORDING}", alert_pages.phone_recording)
    routes.add_get(f"{ALERT}/email/{LANGUAGE}", alert_pages.email_preview)
    routes.add_post(f"{ALERT}/approve", alert_actions.approve)
    routes.add_post(f"{ALERT}/launch", alert_actions.launch)
    routes.add_post(f"{ALERT}/cancel", alert_actions.cancel)
    routes.add_post(f"{ALERT}/follow-up", alert_actions.follow_up)
    routes.add_post(f"{ALERT}/test", alert_actions.test_send)
    routes.add_get(f"{ALERT}/report", alert_report.report)
    routes.add_get(f"{ALERT}/not-reached", alert_report.not_reached)
    routes.add_get(f"{ALERT}/report.csv", alert_report.export_csv)
    routes.add_get(f"{ALERT}/events", alert_report.events)
