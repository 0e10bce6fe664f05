"""Bounce messages read from a Maildir (where the mail system files what comes back to
the bounce address): delivery status notifications (RFC 3464) and the plain reports of
servers that send none, recognised by flufl.bounce. Only permanent failures count; a
"delayed" notice changes nothing.

Each alert email's return path names its attempt (VERP, ``bounces+ivr-12-1@…``), so a
bounce is matched to the attempt even when it does not say which address failed (or
says it in a form we cannot read); without it, the addresses it names are matched to
the contacts. A message is recognised by a hash of its bytes, so reading the same
Maildir again changes nothing."""

from __future__ import annotations

import email
import hashlib
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import Message
from pathlib import Path

import asyncpg
import flufl.bounce

from ivr.storage import email as email_store

log = logging.getLogger(__name__)

REFERENCE = re.compile(rb"\+(ivr-[0-9]{1,18}-[0-9]{1,4})@", re.IGNORECASE)
"""The attempt's reference in a VERP return path."""
ORIGINAL_MESSAGE_ID = re.compile(rb"Message-ID:\s*<(ivr-[0-9]{1,18}-[0-9]{1,4})@", re.I)
"""The attempt's reference in the returned copy of our email (when the VERP address
was rewritten on the way)."""
ENVELOPE_HEADERS = ("Delivered-To", "X-Original-To", "Envelope-To", "X-Envelope-To", "To")
LARGEST = 10 * 1024 * 1024
"""Larger files are not bounce messages (those return headers or a short copy)."""


class MaildirError(ValueError):
    """The path is not a Maildir (no ``new`` or ``cur`` folder)."""


@dataclass(frozen=True)
class Bounce:
    key: bytes
    reference: str | None
    permanent: frozenset[str]
    temporary: frozenset[str]


@dataclass
class BounceReport:
    read: int = 0
    already_read: int = 0
    not_bounces: int = 0
    unreadable: int = 0
    flagged: int = 0


def maildir_files(maildir: Path) -> Iterator[Path]:
    """The messages of a Maildir, new ones first; temporary files (``tmp``) are not
    finished and left alone."""
    folders = [maildir / "new", maildir / "cur"]
    if not any(folder.is_dir() for folder in folders):
        raise MaildirError(f"{maildir} is not a Maildir (it has no new/ or cur/ folder)")
    for folder in folders:
        if folder.is_dir():
            yield from sorted(p for p in folder.iterdir() if p.is_file())


def read_bounce(raw: bytes) -> Bounce:
    message = email.message_from_bytes(raw)
    temporary, permanent = flufl.bounce.all_failures(message)
    return Bounce(
        hashlib.sha256(raw).digest(),
        _reference(message, raw),
        frozenset(_text(a) for a in permanent),
        frozenset(_text(a) for a in temporary),
    )


async def read_bounces(pool: asyncpg.Pool, maildir: Path) -> BounceReport:
    report = BounceReport()
    for path in maildir_files(maildir):
        try:
            raw = path.read_bytes() if path.stat().st_size <= LARGEST else b""
            bounce = read_bounce(raw) if raw else None
        except Exception as error:  # one message a detector chokes on must not stop the rest
            log.warning("bounce unreadable", extra={"file": path.name, "error": repr(error)})
            report.unreadable += 1
            continue
        if bounce is None or not _permanent(bounce, raw):
            report.not_bounces += 1
            continue
        async with pool.acquire() as conn, conn.transaction():
            flagged = await email_store.record_bounce(
                conn, bounce.key, bounce.reference, sorted(bounce.permanent)
            )
        if flagged < 0:
            report.already_read += 1
        else:
            report.read += 1
            report.flagged += flagged
    return report


def _reference(message: Message, raw: bytes) -> str | None:
    for name in ENVELOPE_HEADERS:
        for value in message.get_all(name, []):
            match = REFERENCE.search(str(value).encode("ascii", "replace"))
            if match:
                return match.group(1).decode().lower()
    match = ORIGINAL_MESSAGE_ID.search(raw)
    return match.group(1).decode().lower() if match else None


def _permanent(bounce: Bounce, raw: bytes) -> bool:
    """A permanent failure: flufl.bounce found one, or a report it does not know came to
    an attempt's VERP address and says so in DSN terms."""
    if bounce.permanent:
        return True
    failed = re.search(rb"^Action:\s*failed", raw, re.IGNORECASE | re.MULTILINE)
    return bounce.reference is not None and not bounce.temporary and failed is not None


def _text(address: bytes | str) -> str:
    text = address.decode("utf-8", "replace") if isinstance(address, bytes) else address
    return text.strip().strip("<>").lower()
