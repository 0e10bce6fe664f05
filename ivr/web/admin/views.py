"""Staff pages: dashboard, staff management (administrators), own password, language."""

from __future__ import annotations

import asyncpg
from aiohttp import web

from ivr.accounts.passwords import generate_password, verify_password
from ivr.accounts.staff import (
    ROLES,
    change_password,
    create_staff,
    disable_staff,
    list_staff,
    validate_name,
)
from ivr.domain.errors import DomainError
from ivr.storage import audit, reports
from ivr.storage import staff as staff_store
from ivr.storage.health import schema_version
from ivr.web.admin.audit import record_action, record_read
from ivr.web.admin.auth import require_admin, require_staff, see_other
from ivr.web.admin.keys import SESSIONS, SHARED, THROTTLE
from ivr.web.admin.render import render
from ivr.web.client import client_address
from ivr.web.i18n import COOKIE as LANGUAGE_COOKIE
from ivr.web.i18n import LANGUAGES
from ivr.web.keys import HEALTH_PROBES, LANGUAGE, POOL
from ivr.web.redirects import same_site_path

RECENT_AUDIT_ENTRIES = 25


async def dashboard(request: web.Request) -> web.StreamResponse:
    session, staff = require_staff(request)
    pool = request.config_dict[POOL]
    if staff.is_admin:
        entries = await audit.recent(pool, RECENT_AUDIT_ENTRIES)
        members = [m for m in await list_staff(pool) if not m.disabled]
    else:
        entries = await audit.recent(pool, RECENT_AUDIT_ENTRIES, staff_id=staff.id)
        members = []
    version = await schema_version(pool)
    active_sessions = await request.config_dict[SESSIONS].count_active()
    in_progress, counts = await request.config_dict[SHARED].get(
        "in_progress", lambda: _in_progress(pool)
    )
    links = {channel: probe() for channel, probe in request.config_dict[HEALTH_PROBES].items()}
    return render(
        request,
        "dashboard.html",
        session=session,
        entries=entries,
        members=members,
        schema_version=version,
        active_sessions=active_sessions,
        in_progress=in_progress,
        counts=counts,
        links=links,
    )


async def _in_progress(
    pool: asyncpg.Pool,
) -> tuple[list[reports.AlertSummary], dict[int, list[reports.ChannelCounts]]]:
    """The alerts being sent and their counts (the dashboard's, shared by everyone)."""
    alerts = [a for a in await reports.recent_alerts(pool) if a.state == "sending"]
    return alerts, {a.id: await reports.live_counts(pool, a.id) for a in alerts}


async def staff_page(request: web.Request) -> web.StreamResponse:
    require_admin(request)
    return await _render_staff_page(request)


async def _render_staff_page(
    request: web.Request,
    *,
    status: int = 200,
    error: str = "",
    done: str = "",
    new_password: str = "",
    form: dict[str, str] | None = None,
) -> web.Response:
    members = await list_staff(request.config_dict[POOL])
    # Staff emails and sign-in times are personal data: record that they were shown.
    await record_read(request, "staff", ["email", "last_login_at"])
    return render(
        request,
        "staff.html",
        status=status,
        members=members,
        roles=ROLES,
        error=error,
        done=done,
        new_password=new_password,
        form=form or {"email": "", "name": "", "role": "viewer"},
    )


async def staff_create(request: web.Request) -> web.StreamResponse:
    require_admin(request)
    form = await request.post()
    values = {key: str(form.get(key, ""))[:300] for key in ("email", "name", "role")}
    password = generate_password()
    try:
        staff_id = await create_staff(
            request.config_dict[POOL], values["email"], values["name"], values["role"], password
        )
    except DomainError as error:
        message = error.in_language(request[LANGUAGE])
        return await _render_staff_page(request, status=400, error=message, form=values)
    await record_action(request, "staff.created", f"staff:{staff_id}", role=values["role"])
    # The password is shown in this response only; it is never stored in clear.
    return await _render_staff_page(
        request, done=validate_name(values["name"]), new_password=password
    )


async def staff_disable(request: web.Request) -> web.StreamResponse:
    _, staff = require_admin(request)
    try:
        target = int(request.match_info["staff_id"])
        await disable_staff(request.config_dict[POOL], target, by_staff_id=staff.id)
    except DomainError as error:
        message = error.in_language(request[LANGUAGE])
        return await _render_staff_page(request, status=400, error=message)
    await record_action(request, "staff.disabled", f"staff:{target}")
    return see_other("/admin/staff")


async def password_form(request: web.Request) -> web.StreamResponse:
    require_staff(request)
    return render(request, "password.html", error="", error_text="", done=False)


async def password_change(request: web.Request) -> web.StreamResponse:
    session, staff = require_staff(request)
    form = await request.post()
    current = str(form.get("current", ""))
    new = str(form.get("new", ""))
    confirm = str(form.get("confirm", ""))
    pool = request.config_dict[POOL]
    throttle = request.config_dict[THROTTLE]
    address = client_address(request)
    stored = await staff_store.password_hash(pool, staff.id)
    error, error_text = "", ""
    if await throttle.is_blocked(staff.email, address):
        error = "login.throttled"
    elif not await verify_password(stored, current):
        # A stolen session must not become a way to guess the password.
        await throttle.record_failure(staff.email, address)
        error = "password.wrong_current"
    elif new != confirm:
        error = "password.mismatch"
    else:
        try:
            await change_password(pool, staff.id, new, keep_session_hash=session.token_hash)
        except DomainError as weak:
            error_text = weak.in_language(request[LANGUAGE])
    if error or error_text:
        await record_action(request, "password.change_refused")
        return render(
            request, "password.html", status=400, error=error, error_text=error_text, done=False
        )
    await record_action(request, "password.changed")
    return render(request, "password.html", error="", error_text="", done=True)


async def switch_language(request: web.Request) -> web.StreamResponse:
    language = request.match_info["language"]
    if language not in LANGUAGES:
        raise web.HTTPNotFound()
    # Only a path of this site: no open redirect, no header injection.
    back = same_site_path(request.query.get("next", ""), within="/admin/", fallback="/admin/")
    response = see_other(back)
    response.set_cookie(
        LANGUAGE_COOKIE, language, path="/", max_age=365 * 86400, httponly=True, samesite="Lax"
    )
    return response
