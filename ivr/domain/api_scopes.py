"""What a JSON API token may do: its scopes, each bounded by its staff member's role.

A token acts for one staff member; a scope never gives more than that person's role
allows (an operator's token cannot launch, whatever its scopes), and the role is read
again at every request, so a demotion takes effect at once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Literal

from ivr.domain.alerts import APPROVER_ROLES, DRAFTER_ROLES
from ivr.domain.errors import DomainError, shown

Scope = Literal["alerts:read", "alerts:write", "alerts:send", "sectors:read"]
READER_ROLES = APPROVER_ROLES | DRAFTER_ROLES | {"viewer"}

SCOPE_ROLES: Mapping[Scope, frozenset[str]] = {
    "alerts:read": READER_ROLES,
    "alerts:write": DRAFTER_ROLES,
    "alerts:send": APPROVER_ROLES,
    "sectors:read": READER_ROLES,
}
"""Each scope and the roles that may use it: read alerts (progress, audience counts,
attempts); draft and edit them; approve, launch and cancel them; read sectors."""

SCOPES: tuple[Scope, ...] = tuple(SCOPE_ROLES)


def role_allows(role: str, scope: Scope) -> bool:
    return role in SCOPE_ROLES[scope]


def check_scopes(role: str, names: Iterable[str]) -> tuple[Scope, ...]:
    """The scopes named, known and allowed to ``role``, in the order of SCOPES;
    refused when none is given, one is unknown, or the role could never use it."""
    wanted = set(names)
    unknown = sorted(wanted - set(SCOPES))
    if unknown:
        choices = ", ".join(SCOPES)
        raise DomainError(
            f"Portée inconnue : {shown(unknown[0])} (choix : {choices}).",
            f"Unknown scope: {shown(unknown[0])} (choices: {choices}).",
        )
    scopes = tuple(s for s in SCOPES if s in wanted)
    if not scopes:
        raise DomainError("Donnez au moins une portée.", "Give at least one scope.")
    for scope in scopes:
        if not role_allows(role, scope):
            raise DomainError(
                f"Le rôle {role} ne permet pas la portée {scope}.",
                f"The role {role} does not allow the scope {scope}.",
            )
    return scopes
