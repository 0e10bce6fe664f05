"""Email addresses, and which channel goes with which kind of contact point."""

from __future__ import annotations

from typing import Literal

from email_validator import EmailNotValidError, validate_email

from ivr.domain.alerts import Channel
from ivr.domain.errors import DomainError, shown

ContactKind = Literal["phone", "email"]
Source = Literal["directory", "portal", "staff"]
MAX_EMAIL_LENGTH = 254


def parse_email(raw: str) -> str:
    """The address, trimmed and normalized (domain in lower case, in its ASCII form); a
    DomainError if it is not a valid address. The one email rule of the product (staff,
    residents, imports), checked with email-validator without looking up the domain.

    Non-ASCII characters before the @ are refused: they need SMTPUTF8 all along the
    way, which alerts must not depend on."""
    text = raw.strip()
    try:
        if len(text) > MAX_EMAIL_LENGTH:
            raise EmailNotValidError("too long")
        return str(
            validate_email(text, check_deliverability=False, allow_smtputf8=False).ascii_email
        )
    except EmailNotValidError:
        raise DomainError(
            f"« {shown(text)} » n'est pas une adresse courriel valide.",
            f"'{shown(text)}' is not a valid email address.",
        ) from None


def kind_for(channel: Channel) -> ContactKind:
    """The kind of contact point a channel needs: email for email, a phone otherwise."""
    return "email" if channel == "email" else "phone"
