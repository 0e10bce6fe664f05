"""Links in emails that need no sign-in: a row's id and a keyed signature, so a link
opens that one thing and nothing else, and cannot be forged or turned into another's:
an address's preferences (a contact point), or the confirmation of an address a
resident added (an email verification). Each use has its own key, derived from the
installation's secret key: links keep working across restarts as long as that key does
not change."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re

PREFERENCES = b"email-preferences"
VERIFICATION = b"email-verification"
_TOKEN = re.compile(r"(0|[1-9][0-9]{0,18})\.([A-Za-z0-9_-]{22})")


def _signature(purpose: bytes, secret_key: str, row_id: int) -> str:
    key = hashlib.sha256(purpose + b"\0" + secret_key.encode()).digest()
    mac = hmac.new(key, str(row_id).encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac[:16]).decode().rstrip("=")


def _token(purpose: bytes, secret_key: str, row_id: int) -> str:
    return f"{row_id}.{_signature(purpose, secret_key, row_id)}"


def _id_of(purpose: bytes, secret_key: str, token: str) -> int | None:
    match = _TOKEN.fullmatch(token)
    if match is None:
        return None
    row_id = int(match.group(1))
    if not hmac.compare_digest(match.group(2), _signature(purpose, secret_key, row_id)):
        return None
    return row_id


def preferences_token(secret_key: str, contact_point_id: int) -> str:
    return _token(PREFERENCES, secret_key, contact_point_id)


def contact_of_token(secret_key: str, token: str) -> int | None:
    """The contact point a token was made for; None if it is malformed or forged."""
    return _id_of(PREFERENCES, secret_key, token)


def verification_token(secret_key: str, verification_id: int) -> str:
    return _token(VERIFICATION, secret_key, verification_id)


def verification_of_token(secret_key: str, token: str) -> int | None:
    """The email verification a token was made for; None if malformed or forged."""
    return _id_of(VERIFICATION, secret_key, token)
