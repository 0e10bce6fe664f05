"""Residents: staff find a household, see who lives there and how each person is
reached, and correct it for them (name, language, contacts, channels, flags, sector).

Administrators, approvers and operators search and read; administrators and approvers
edit. Every search and every page shown is written to the audit log (what was shown,
never what was typed: a search's text is personal data), and so is every change. A
refused edit changes nothing and shows the form again with the error at its field.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping

from aiohttp import web

from ivr.accounts.staff_corrections import shown_to_resident
from ivr.domain.contacts import ContactKind
from ivr.domain.errors import DomainError
from ivr.storage import people
from ivr.storage import residents as store
from ivr.web.admin.audit import record_action, record_read
from ivr.web.admin.auth import require_role, see_other
from ivr.web.admin.render import render
from ivr.web.admin.sessions import Staff
from ivr.web.admin.texts import TEXT
from ivr.web.i18n import translator
from ivr.web.keys import LANGUAGE, POOL

READERS = frozenset({"admin", "approver", "operator"})
EDITORS = frozenset({"admin", "approver"})
MIN_QUERY = 2
MAX_QUERY = 254
MAX_FIELD = 300
RESULTS = 50
FLAGS = ("not_in_service", "bouncing")
DONE = frozenset(
    {"member", "contact_added", "channels", "contact_removed", "flag_cleared", "sector"}
)
"""What a page reached after an edit may say was saved."""

SEARCH_FIELDS = ["address", "sector", "member.name", "phone", "email", "contact.flags"]
HOUSEHOLD_FIELDS = [
    *SEARCH_FIELDS,
    "member.language",
    "contact.channels",
    "opt_outs",
    "consents",
]

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
EditHandler = Callable[[web.Request, int], Awaitable[web.StreamResponse]]
ID = "[0-9]{1,18}"
"""An id in a path: no more digits than a bigint holds."""


def add_routes(admin: web.Application) -> None:
    household = f"/residents/{{household_id:{ID}}}"
    member = f"{household}/members/{{member_id:{ID}}}"
    contact = f"/contacts/{{contact_id:{ID}}}"
    admin.router.add_get("/residents", search_page)
    admin.router.add_get(household, household_page)
    admin.router.add_post(member, _edit(update_member))
    admin.router.add_post(member + "/contacts", _edit(add_contact))
    admin.router.add_post(member + contact, _edit(set_channels))
    admin.router.add_post(member + contact + "/remove", _edit(remove_contact))
    admin.router.add_post(household + contact + "/clear", _edit(clear_flag))
    admin.router.add_post(household + "/sector", _edit(move_household))


async def search_page(request: web.Request) -> web.StreamResponse:
    require_role(request, READERS)
    query = request.query.get("q", "").strip()[:MAX_QUERY]
    if not query:
        return render(request, "residents.html", query="", error="", found=None, more=False)
    if len(query) < MIN_QUERY:
        return render(
            request,
            "residents.html",
            status=400,
            query=query,
            error="residents.query_too_short",
            found=None,
            more=False,
        )
    found, more = await store.search(request.config_dict[POOL], query, RESULTS)
    # The text searched for is personal data: only that a search was made, and what
    # it showed, is recorded.
    await record_action(
        request,
        "personal_data.read",
        "residents:search",
        fields=SEARCH_FIELDS,
        results=len(found),
        more=more,
        households=[h.id for h in found],
    )
    return render(request, "residents.html", query=query, error="", found=found, more=more)


async def household_page(request: web.Request) -> web.StreamResponse:
    _, staff = require_role(request, READERS)
    household_id = _match_id(request, "household_id")
    return await _show(request, staff, household_id, done=request.query.get("done", ""))


def _match_id(request: web.Request, name: str) -> int:
    return int(request.match_info[name])


async def _show(
    request: web.Request,
    staff: Staff,
    household_id: int,
    *,
    status: int = 200,
    done: str = "",
    errors: Mapping[str, str] | None = None,
    values: Mapping[str, str] | None = None,
) -> web.Response:
    pool = request.config_dict[POOL]
    household = await store.household(pool, household_id)
    if household is None:
        raise web.HTTPNotFound()
    consents = await store.consents(pool, household_id)
    sectors = await store.sectors(pool) if staff.role in EDITORS else []
    await record_read(request, f"household:{household_id}", HOUSEHOLD_FIELDS)
    return render(
        request,
        "household.html",
        status=status,
        household=household,
        consents=consents,
        sectors=sectors,
        can_edit=staff.role in EDITORS,
        done=done if done in DONE else "",
        errors=errors or {},
        values=values or {},
    )


class FieldError(Exception):
    """A refused edit: the field to mark, why (a DomainError or a text key), and what
    was typed (shown again)."""

    def __init__(
        self, field: str, error: DomainError | str, values: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(field)
        self.field = field
        self.error = error
        self.values = values or {}


def _edit(handler: EditHandler) -> Handler:
    """An edit: editors only (a 403 page for the others); a refusal shows the page again,
    status 400, with the message at its field."""

    async def edit(request: web.Request) -> web.StreamResponse:
        _, staff = require_role(request, EDITORS)
        household_id = _match_id(request, "household_id")
        try:
            async with shown_to_resident(request.config_dict[POOL], household_id, staff.id):
                return await handler(request, household_id)
        except FieldError as refused:
            language = request[LANGUAGE]
            if isinstance(refused.error, DomainError):
                message = refused.error.in_language(language)
            else:
                message = translator(TEXT, language)(refused.error)
            return await _show(
                request,
                staff,
                household_id,
                status=400,
                errors={refused.field: message},
                values=refused.values,
            )

    return edit


def _saved(household_id: int, done: str, anchor: str) -> web.Response:
    return see_other(f"/admin/residents/{household_id}?done={done}#{anchor}")


async def _member(request: web.Request, household_id: int) -> int:
    member_id = _match_id(request, "member_id")
    if not await store.is_member(request.config_dict[POOL], household_id, member_id):
        raise web.HTTPNotFound()
    return member_id


async def _contact(request: web.Request, household_id: int) -> tuple[int, ContactKind]:
    contact_id = _match_id(request, "contact_id")
    kind = await store.contact_kind(request.config_dict[POOL], household_id, contact_id)
    if kind is None:
        raise web.HTTPNotFound()
    return contact_id, kind


async def _form(request: web.Request) -> tuple[dict[str, str], list[str]]:
    """The form's text fields (bounded) and its checked channels."""
    form = await request.post()
    fields = {k: str(v)[:MAX_FIELD] for k, v in form.items() if k != "channel"}
    return fields, [str(v) for v in form.getall("channel", [])]


async def update_member(request: web.Request, household_id: int) -> web.StreamResponse:
    member_id = await _member(request, household_id)
    form, _ = await _form(request)
    name, language = form.get("name", ""), form.get("language", "")
    values = {f"name-{member_id}": name}
    try:
        store.member_name(name)
    except DomainError as error:
        raise FieldError(f"name-{member_id}", error, values) from None
    try:
        await store.update_member(
            request.config_dict[POOL], household_id, member_id, name, language
        )
    except DomainError as error:
        raise FieldError(f"language-{member_id}", error, values) from None
    await record_action(
        request,
        "resident.member_updated",
        f"household:{household_id}",
        member=member_id,
        fields=["name", "language"],
    )
    return _saved(household_id, "member", f"member-{member_id}")


async def add_contact(request: web.Request, household_id: int) -> web.StreamResponse:
    member_id = await _member(request, household_id)
    form, channels = await _form(request)
    kind: ContactKind = "email" if form.get("kind") == "email" else "phone"
    field = f"{kind}-{member_id}"
    raw = form.get("value", "")
    values = {field: raw}
    try:
        value = store.contact_value(kind, raw)
    except DomainError as error:
        raise FieldError(field, error, values) from None
    try:
        wanted = store.chosen_channels(kind, ["email"] if kind == "email" else channels)
    except DomainError as error:
        raise FieldError(f"{field}-channels", error, values) from None
    async with request.config_dict[POOL].acquire() as conn:
        contact_id = await store.add_contact(conn, member_id, kind, value, wanted)
    await record_action(
        request,
        "resident.contact_added",
        f"household:{household_id}",
        member=member_id,
        contact=contact_id,
        kind=kind,
        channels=wanted,
    )
    return _saved(household_id, "contact_added", f"member-{member_id}")


async def set_channels(request: web.Request, household_id: int) -> web.StreamResponse:
    member_id = await _member(request, household_id)
    contact_id, kind = await _contact(request, household_id)
    _, channels = await _form(request)
    try:
        async with request.config_dict[POOL].acquire() as conn:
            chosen = await store.set_channels(conn, member_id, contact_id, kind, channels)
    except DomainError as error:
        raise FieldError(f"channels-{member_id}-{contact_id}", error) from None
    await record_action(
        request,
        "resident.channels_changed",
        f"household:{household_id}",
        member=member_id,
        contact=contact_id,
        channels=chosen,
    )
    return _saved(household_id, "channels", f"contact-{member_id}-{contact_id}")


async def remove_contact(request: web.Request, household_id: int) -> web.StreamResponse:
    member_id = await _member(request, household_id)
    contact_id, _ = await _contact(request, household_id)
    await store.remove_contact(request.config_dict[POOL], member_id, contact_id)
    await record_action(
        request,
        "resident.contact_removed",
        f"household:{household_id}",
        member=member_id,
        contact=contact_id,
    )
    return _saved(household_id, "contact_removed", f"member-{member_id}")


async def clear_flag(request: web.Request, household_id: int) -> web.StreamResponse:
    contact_id, _ = await _contact(request, household_id)
    form, _ = await _form(request)
    flag = form.get("flag", "")
    if flag not in FLAGS:
        raise web.HTTPBadRequest()
    if form.get("confirmed") != "yes":
        raise FieldError(f"confirm-{contact_id}-{flag}", "residents.confirm_first")
    pool = request.config_dict[POOL]
    if flag == "not_in_service":
        await people.clear_not_in_service(pool, contact_id)
    else:
        await people.set_verification(pool, contact_id, "unverified")
    await record_action(
        request,
        "resident.flag_cleared",
        f"household:{household_id}",
        contact=contact_id,
        flag=flag,
    )
    return _saved(household_id, "flag_cleared", "members")


async def move_household(request: web.Request, household_id: int) -> web.StreamResponse:
    form, _ = await _form(request)
    sector = form.get("sector", "")
    try:
        await people.set_household_sector(request.config_dict[POOL], household_id, sector)
    except DomainError as error:
        raise FieldError("sector", error) from None
    await record_action(
        request, "resident.sector_changed", f"household:{household_id}", sector=sector
    )
    return _saved(household_id, "sector", "household")
