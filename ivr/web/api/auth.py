"""Who calls the JSON API: a bearer token, its scope, its staff member's role.

Bearer tokens only: no cookie is read, so no CSRF check is needed (a browser never
sends the header by itself). Each handler names the scope it needs; the staff member's
role, read again at every request, must allow it too. Writes are audited with the
token's id.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from ivr.accounts.api_tokens import recognise
from ivr.domain.api_scopes import Scope, role_allows
from ivr.storage import audit
from ivr.storage.api_tokens import TokenHolder
from ivr.web.api.errors import ApiError
from ivr.web.client import client_address
from ivr.web.keys import POOL


async def authorize(request: web.Request, scope: Scope) -> TokenHolder:
    """The token's holder if it is live, has ``scope`` and its staff's role allows it."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    holder = None
    if scheme.lower() == "bearer":
        holder = await recognise(request.config_dict[POOL], token.strip())
    if holder is None:
        raise ApiError(
            401,
            "Jeton manquant, inconnu ou révoqué (en-tête Authorization: Bearer).",
            "Missing, unknown or revoked token (Authorization: Bearer header).",
        )
    if scope not in holder.scopes:
        raise ApiError(
            403, f"Ce jeton n'a pas la portée {scope}.", f"This token lacks the scope {scope}."
        )
    if not role_allows(holder.role, scope):
        raise ApiError(
            403,
            f"Le rôle {holder.role} du compte de ce jeton ne permet pas la portée {scope}.",
            f"The role {holder.role} of this token's staff account does not allow {scope}.",
        )
    return holder


async def record_write(
    request: web.Request, holder: TokenHolder, action: str, alert_id: int, **details: Any
) -> None:
    """An API write, in the audit log under its staff member, with the token's id."""
    await audit.record(
        request.config_dict[POOL],
        staff_id=holder.staff_id,
        action=action,
        subject=f"alert:{alert_id}",
        details={"token_id": holder.token_id, **details},
        client_address=client_address(request),
    )
