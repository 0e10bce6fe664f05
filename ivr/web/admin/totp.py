"""One-time codes for staff: the code step of sign-in, enrolment and removal, and the
gate that keeps an approver or administrator on the enrolment page while the setting
``IVR_TOTP_REQUIRED_FOR_APPROVERS`` asks for a code and they have none.

The code step is reached only by a pre-login session that gave the right password in
the last five minutes (ivr.web.admin.auth.login); it is limited like the password
step, and a wrong, reused or late code gets one and the same answer. Enrolling and
removing ask for the password, so a stolen session can neither lock its owner out nor
take the second factor away.
"""

from __future__ import annotations

import logging

from aiohttp import web
from aiohttp.typedefs import Handler

from ivr.accounts.passwords import verify_password
from ivr.accounts.totp import SecretBox, grouped, matching_step, new_secret, setup_uri
from ivr.domain.alerts import APPROVER_ROLES
from ivr.storage import audit, web_sessions
from ivr.storage import staff as staff_store
from ivr.storage.staff import StaffLogin
from ivr.web.admin.audit import record_action
from ivr.web.admin.auth import LOGIN_PATH, finish_sign_in, require_staff
from ivr.web.admin.keys import SESSION, THROTTLE
from ivr.web.admin.render import render
from ivr.web.admin.sessions import Session, Staff
from ivr.web.client import client_address
from ivr.web.keys import POOL, SETTINGS

log = logging.getLogger(__name__)

TOTP_PATH = "/admin/totp"
OPEN_WHILE_ENROLLING = frozenset({TOTP_PATH, "/admin/logout"})
MAX_FIELD = 1024


def add_routes(admin: web.Application) -> None:
    """The pages, and the gate (a middleware, after the session and CSRF ones)."""
    admin.router.add_get("/login/code", code_form)
    admin.router.add_post("/login/code", code_submit)
    admin.router.add_get("/totp", totp_page)
    admin.router.add_post("/totp", totp_change)
    admin.middlewares.append(enrolment_gate)


def _box(request: web.Request) -> SecretBox | None:
    """The sealing of secrets, or None without a fixed IVR_SECRET_KEY (a key made at
    start would lose every authenticator at the next restart)."""
    key = request.config_dict[SETTINGS].secret_key
    return SecretBox(key) if key else None


def _must_enrol(request: web.Request, staff: Staff) -> bool:
    return (
        request.config_dict[SETTINGS].totp_required_for_approvers and staff.role in APPROVER_ROLES
    )


@web.middleware
async def enrolment_gate(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Until they enrol, staff who must give a code reach only enrolment and sign-out."""
    session = request.get(SESSION)
    if (
        session is not None
        and session.staff is not None
        and _must_enrol(request, session.staff)
        and request.path not in OPEN_WHILE_ENROLLING
        and not request.path.startswith("/admin/lang/")
        and not await staff_store.totp_enrolled(request.config_dict[POOL], session.staff.id)
    ):
        if request.method == "GET":
            raise web.HTTPSeeOther(TOTP_PATH)
        return render(request, "error.html", status=403, message="totp.required")
    return await handler(request)


# --- the code step of sign-in -------------------------------------------------------


async def _pending(request: web.Request) -> StaffLogin | None:
    """The account whose code this pre-login session may give, if still in time."""
    session = request[SESSION]
    if session is None or session.staff is not None:
        return None
    pool = request.config_dict[POOL]
    staff_id = await staff_store.code_step_staff(pool, session.token_hash)
    return None if staff_id is None else await staff_store.find_login_by_id(pool, staff_id)


async def code_form(request: web.Request) -> web.StreamResponse:
    if await _pending(request) is None:
        raise web.HTTPSeeOther(LOGIN_PATH + "?expired=1")
    return render(request, "login_code.html", error="")


async def code_submit(request: web.Request) -> web.StreamResponse:
    account = await _pending(request)
    if account is None:
        raise web.HTTPSeeOther(LOGIN_PATH + "?expired=1")
    form = await request.post()
    code = str(form.get("code", ""))[:MAX_FIELD]
    pool = request.config_dict[POOL]
    throttle = request.config_dict[THROTTLE]
    address = client_address(request)
    if await throttle.is_blocked(account.email, address):
        await audit.record(
            pool, staff_id=account.id, action="login.throttled", client_address=address
        )
        return render(request, "login_code.html", status=429, error="login.throttled")
    if not account.disabled and await _code_accepted(request, account.id, code):
        return await finish_sign_in(request, account, second_factor="totp")
    await throttle.record_failure(account.email, address)
    await audit.record(
        pool, staff_id=account.id, action="login.code_failed", client_address=address
    )
    return render(request, "login_code.html", error="totp.wrong_code")


async def _code_accepted(request: web.Request, staff_id: int, code: str) -> bool:
    """A good code of a confirmed authenticator, for a time-step later than the last."""
    pool = request.config_dict[POOL]
    stored = await staff_store.totp(pool, staff_id)
    box = _box(request)
    if stored is None or stored.confirmed_at is None or box is None:
        return False
    secret = box.open(staff_id, stored.secret_sealed)
    if secret is None:
        log.error(
            "an authenticator cannot be opened: was IVR_SECRET_KEY changed?",
            extra={"staff_id": staff_id},
        )
        return False
    step = matching_step(secret, code)
    return step is not None and await staff_store.totp_use_step(pool, staff_id, step)


# --- enrolment and removal ----------------------------------------------------------


async def totp_page(request: web.Request) -> web.StreamResponse:
    _, staff = require_staff(request)
    return await _render_page(request, staff)


async def totp_change(request: web.Request) -> web.StreamResponse:
    session, staff = require_staff(request)
    form = await request.post()
    intent = str(form.get("intent", ""))
    code = str(form.get("code", ""))[:MAX_FIELD]
    password = str(form.get("password", ""))[:MAX_FIELD]
    if intent == "confirm":
        return await _confirm(request, session, staff, code, password)
    if intent == "remove":
        return await _remove(request, session, staff, password)
    return await _render_page(request, staff, status=400)


async def _password_refusal(request: web.Request, staff: Staff, password: str) -> str:
    """Why the password given does not do (a text key), or "" when it is right. Wrong
    passwords count against the sign-in limits."""
    throttle = request.config_dict[THROTTLE]
    address = client_address(request)
    if await throttle.is_blocked(staff.email, address):
        return "login.throttled"
    stored = await staff_store.password_hash(request.config_dict[POOL], staff.id)
    if not await verify_password(stored, password):
        await throttle.record_failure(staff.email, address)
        return "totp.wrong_password"
    return ""


async def _confirm(
    request: web.Request, session: Session, staff: Staff, code: str, password: str
) -> web.Response:
    pool = request.config_dict[POOL]
    refusal = await _password_refusal(request, staff, password)
    if refusal:
        await record_action(request, "totp.enrol_failed", reason="password")
        return await _render_page(request, staff, status=400, errors={"password": refusal})
    stored = await staff_store.totp(pool, staff.id)
    box = _box(request)
    secret = None
    if stored is not None and stored.confirmed_at is None and box is not None:
        secret = box.open(staff.id, stored.secret_sealed)
    step = matching_step(secret, code) if secret else None
    if step is None or not await staff_store.totp_confirm(pool, staff.id, step):
        await record_action(request, "totp.enrol_failed", reason="code")
        return await _render_page(request, staff, status=400, errors={"code": "totp.wrong_code"})
    # Sessions opened with the password alone end; this one goes on.
    await web_sessions.delete_for_staff(pool, staff.id, session.token_hash)
    await record_action(request, "totp.enrolled")
    return await _render_page(request, staff, done="totp.enrolled")


async def _remove(
    request: web.Request, session: Session, staff: Staff, password: str
) -> web.Response:
    pool = request.config_dict[POOL]
    refusal = await _password_refusal(request, staff, password)
    if refusal:
        await record_action(request, "totp.remove_refused")
        return await _render_page(request, staff, status=400, errors={"remove-password": refusal})
    if await staff_store.totp_remove(pool, staff.id):
        await web_sessions.delete_for_staff(pool, staff.id, session.token_hash)
        await record_action(request, "totp.removed")
    return await _render_page(request, staff, done="totp.removed")


async def _render_page(
    request: web.Request,
    staff: Staff,
    *,
    status: int = 200,
    done: str = "",
    errors: dict[str, str] | None = None,
) -> web.Response:
    """The page as it stands: in use (with removal), or a secret to enrol with (kept
    until a first code confirms it), or why enrolment is not possible here."""
    pool = request.config_dict[POOL]
    stored = await staff_store.totp(pool, staff.id)
    enrolled_at = stored.confirmed_at if stored else None
    box = _box(request)
    secret = None
    if enrolled_at is None and box is not None:
        secret = box.open(staff.id, stored.secret_sealed) if stored else None
        if secret is None:
            secret = new_secret()
            await staff_store.totp_start(pool, staff.id, box.seal(staff.id, secret))
    return render(
        request,
        "totp.html",
        status=status,
        done=done,
        errors=errors or {},
        required=_must_enrol(request, staff),
        enrolled_at=enrolled_at,
        unavailable=enrolled_at is None and box is None,
        secret=grouped(secret) if secret else "",
        uri=setup_uri(secret, staff.email) if secret else "",
    )
