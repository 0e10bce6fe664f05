"""An alert's report: counts by channel, each recipient's attempts (filter, search),
the people not reached grouped by sector and street (printable for door-to-door
follow-up), the CSV export, and the live counts as server-sent events for the pages
that follow an alert without reloading.

The report shows personal data: each view and each export is audited."""

from __future__ import annotations

import asyncio
import json
import time
from itertools import groupby
from typing import Any

import aiohttp_jinja2
import asyncpg
from aiohttp import web
from markupsafe import Markup

from ivr.domain.errors import DomainError
from ivr.storage import alerts as alert_store
from ivr.storage import information_line, reports
from ivr.web.admin.alert_pages import alert_id_of
from ivr.web.admin.audit import record_action, record_read
from ivr.web.admin.auth import require_staff
from ivr.web.admin.keys import SHARED
from ivr.web.admin.render import local_time, render
from ivr.web.admin.texts import TEXT
from ivr.web.i18n import translator
from ivr.web.keys import LANGUAGE, POOL

PAGE_SIZE = 50
STATUSES = ("reached", "failed", "pending")
CHANNELS = ("voice", "sms", "email")
EVENT_PERIOD = 1.0
"""Seconds between two looks at the counts (only changes are sent)."""
KEEPALIVE = 15.0
STREAM_LIMIT = 600.0
"""An event stream ends after this long; the browser reconnects (and the session is
checked again)."""


async def report(request: web.Request) -> web.StreamResponse:
    require_staff(request)
    pool = request.config_dict[POOL]
    alert_id = alert_id_of(request)
    search = request.query.get("q", "").strip()[:100] or None
    channel = request.query.get("channel") if request.query.get("channel") in CHANNELS else None
    status = request.query.get("status") if request.query.get("status") in STATUSES else None
    page = int(request.query["page"]) if request.query.get("page", "").isdigit() else 1
    page = min(max(page, 1), 10_000)

    async def gather() -> dict[str, Any]:
        summary, counts, shown, total, missed, line_calls = await asyncio.gather(
            reports.alert_summary(pool, alert_id),
            reports.live_counts(pool, alert_id),
            reports.recipients(pool, alert_id, search=search, channel=channel, status=status,
                               limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE),
            reports.delivery_count(pool, alert_id),
            reports.not_reached_count(pool, alert_id),
            information_line.calls_for_alert(pool, alert_id),
        )  # fmt: skip
        if summary is None:
            raise web.HTTPNotFound()
        return {"summary": summary, "counts": counts, "recipients": shown, "total": total,
                "missed_count": missed, "line_calls": line_calls}  # fmt: skip

    shared = await request.config_dict[SHARED].get(
        ("report", alert_id, search, channel, status, page), gather
    )
    query = {"q": search or "", "channel": channel or "", "status": status or ""}
    language = request[LANGUAGE]

    async def rows() -> Markup:
        template = aiohttp_jinja2.get_env(request.app).get_template("_recipients.html")
        # What an autoescaping template rendered is markup already.
        return Markup(template.render(  # noqa: S704
            t=translator(TEXT, language), recipients=shared["recipients"], total=shared["total"],
            page=page, page_size=PAGE_SIZE, query=query,
        ))  # fmt: skip

    rows_html = await request.config_dict[SHARED].get(
        ("report-rows", alert_id, search, channel, status, page, language), rows
    )
    await record_read(request, f"alert:{alert_id}", ["recipients", "contacts", "addresses"])
    return render(
        request,
        "report.html",
        **shared,
        rows_html=rows_html,
        query=query,
        live=shared["summary"].state == "sending",
    )


async def not_reached(request: web.Request) -> web.StreamResponse:
    """The people not reached, by sector then street, one page to print."""
    require_staff(request)
    pool = request.config_dict[POOL]
    alert_id = alert_id_of(request)
    summary = await reports.alert_summary(pool, alert_id)
    if summary is None:
        raise web.HTTPNotFound()
    missed = await reports.not_reached(pool, alert_id)
    await record_read(request, f"alert:{alert_id}", ["not_reached", "contacts", "addresses"])
    sectors = [
        (code, [(street, list(people)) for street, people in groupby(rows, lambda r: r.street)])
        for code, rows in groupby(missed, lambda r: r.sector_code)
    ]
    return render(request, "not_reached.html", summary=summary, sectors=sectors,
                  count=len(missed))  # fmt: skip


async def export_csv(request: web.Request) -> web.StreamResponse:
    """Every recipient and their last attempt, streamed (an alert to thousands)."""
    require_staff(request)
    pool = request.config_dict[POOL]
    alert_id = alert_id_of(request)
    if await reports.alert_summary(pool, alert_id) is None:
        raise web.HTTPNotFound()
    await record_action(request, "alert.export", f"alert:{alert_id}", format="csv")
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": f'attachment; filename="alerte-{alert_id}.csv"',
        }
    )
    await response.prepare(request)
    await response.write("\ufeff".encode())  # so that spreadsheet programs read UTF-8
    async with pool.acquire() as conn:
        await reports.export_csv(conn, alert_id, response.write)
    await response.write_eof()
    return response


async def events(request: web.Request) -> web.StreamResponse:
    """The alert's state and counts per channel, sent whenever they change."""
    require_staff(request)
    pool = request.config_dict[POOL]
    alert_id = alert_id_of(request)
    try:
        await alert_store.get_alert(pool, alert_id)
    except DomainError:
        raise web.HTTPNotFound() from None
    response = web.StreamResponse(
        headers={"Content-Type": "text/event-stream", "X-Accel-Buffering": "no"}
    )
    await response.prepare(request)
    started = last_sent = time.monotonic()
    previous = ""
    while time.monotonic() - started < STREAM_LIMIT:
        summary, counts = await request.config_dict[SHARED].get(
            ("live", alert_id), lambda: _live(pool, alert_id)
        )
        state = summary.state if summary else "cancelled"
        payload = json.dumps({
            "state": state,
            "completed_at": local_time(summary.completed_at) if summary else "",
            "counts": {c.channel: {
                "total": c.total, "reached": c.reached, "confirmed": c.confirmed,
                "failed": c.failed, "pending": c.pending, "cancelled": c.cancelled,
            } for c in counts},
        })  # fmt: skip
        if payload != previous:
            await response.write(f"data: {payload}\n\n".encode())
            previous, last_sent = payload, time.monotonic()
        elif time.monotonic() - last_sent > KEEPALIVE:
            await response.write(b": keep-alive\n\n")
            last_sent = time.monotonic()
        if state in ("completed", "cancelled"):
            break
        await asyncio.sleep(EVENT_PERIOD)
    return response


async def _live(
    pool: asyncpg.Pool, alert_id: int
) -> tuple[reports.AlertSummary | None, list[reports.ChannelCounts]]:
    return await reports.alert_summary(pool, alert_id), await reports.live_counts(pool, alert_id)
