"""Links in emails that need no sign-in: a contact point's id and a keyed signature, so
a link opens that one address's preferences and nothing else, and cannot be forged or
turned into another's. The key is derived from the installation's secret key: links
keep working across restarts as long as that key does not change."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re

PURPOSE = b"email-preferences"
_TOKEN = re.compile(r"(0|[1-9][0-9]{0,18})\.([A-Za-z0-9_-]{22})")


def _key(secret_key: str) -> bytes:
    return hashlib.sha256(PURPOSE + b"\0" + secret_key.encode()).digest()


def _signature(secret_key: str, contact_point_id: int) -> str:
    mac = hmac.new(_key(secret_key), str(contact_point_id).encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac[:16]).decode().rstrip("=")


def preferences_token(secret_key: str, contact_point_id: int) -> str:
    return f"{contact_point_id}.{_signature(secret_key, contact_point_id)}"


def contact_of_token(secret_key: str, token: str) -> int | None:
    """The contact point a token was made for; None if it is malformed or forged."""
    match = _TOKEN.fullmatch(token)
    if match is None:
        return None
    contact_point_id = int(match.group(1))
    if not hmac.compare_digest(match.group(2), _signature(secret_key, contact_point_id)):
        return None
    return contact_point_id
