"""Where a page may send the browser next: a path of this site, never elsewhere."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

_UNSAFE = re.compile(r"[\x00-\x20\x7f\\]")


def same_site_path(target: str, *, within: str, fallback: str) -> str:
    """``target`` if it is a path of this site under ``within`` (no scheme, no host, no
    ``//``, no ``..``, no backslash, space or control character), else ``fallback``."""
    if not target.startswith(within) or target.startswith("//") or _UNSAFE.search(target):
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or ".." in parts.path.split("/"):
        return fallback
    return target
