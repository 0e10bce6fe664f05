"""Email addresses, and which channel goes with which kind of contact point."""

from __future__ import annotations

import re
from typing import Literal

from ivr.domain.alerts import Channel
from ivr.domain.errors import DomainError

ContactKind = Literal["phone", "email"]
Source = Literal["directory", "portal", "staff"]
_EMAIL = re.compile(r"[^@\s]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)+")


def parse_email(raw: str) -> str:
    """The address, trimmed; a DomainError if it cannot be an email address."""
    text = raw.strip()
    if len(text) > 254 or not _EMAIL.fullmatch(text):
        raise DomainError(
            f"« {text[:60]} » n'est pas une adresse courriel valide.",
            f"'{text[:60]}' is not a valid email address.",
        )
    local, _, domain = text.rpartition("@")
    return f"{local}@{domain.lower()}"


def kind_for(channel: Channel) -> ContactKind:
    """The kind of contact point a channel needs: email for email, a phone otherwise."""
    return "email" if channel == "email" else "phone"
