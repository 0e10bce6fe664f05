"""What the email channel reads and writes: an alert's email contents, the relay's
answers, bounces and what they change, and an address's email preferences
(docs/email.md)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ivr.storage.executor import Connection, Executor
from ivr.storage.queries import QUERIES


@dataclass(frozen=True)
class AlertEmail:
    category: str
    target_all: bool
    sectors: dict[str, list[str]]
    """Sector names per language ('fr', 'en')."""
    contents: dict[str, tuple[str, str]]
    """(subject, body) per language the alert has them in."""


@dataclass(frozen=True)
class Preferences:
    email: str
    invalid: bool
    exercises: bool
    emergencies: bool


async def alert_email(db: Executor, alert_id: int) -> AlertEmail | None:
    row = await db.fetchrow(QUERIES["email.alert_message"], alert_id)
    if row is None:
        return None
    contents = await db.fetch(QUERIES["email.alert_contents"], alert_id)
    return AlertEmail(
        row["category"],
        row["target_all"],
        {"fr": list(row["sectors_fr"]), "en": list(row["sectors_en"])},
        {c["language"]: (c["email_subject"], c["email_body"]) for c in contents},
    )


async def provisional_outcomes(
    conn: Connection, outcomes: Sequence[tuple[int, str, str | None, str]]
) -> None:
    """(attempt id, outcome, Message-ID, the relay's answer) for each attempt."""
    await conn.executemany(QUERIES["email.provisional_outcome"], outcomes)


async def record_bounce(
    conn: Connection, message_hash: bytes, reference: str | None, addresses: Sequence[str]
) -> int:
    """Apply one bounce message: the address it names (found by the attempt's VERP
    reference, or by the addresses alone) is flagged invalid and an accepted attempt
    becomes undeliverable. Returns how many contacts were newly flagged; -1 when the
    message was read before."""
    lowered = sorted({a.lower() for a in addresses})
    bounce_id = await conn.fetchval(QUERIES["email.bounce_read"], message_hash, reference, lowered)
    if bounce_id is None:
        return -1
    attempts = []
    if reference is not None:
        attempts = await conn.fetch(QUERIES["email.bounced_attempt"], reference, lowered)
    contacts = {row["contact_point_id"] for row in attempts}
    if not contacts and lowered:
        rows = await conn.fetch(QUERIES["email.contacts_by_address"], lowered)
        contacts = {row["contact_point_id"] for row in rows}
    for row in attempts:
        await conn.execute(QUERIES["email.bounced_outcome"], row["attempt_id"], "bounced")
    flagged = await conn.fetch(QUERIES["email.flag_bounced"], sorted(contacts))
    await conn.execute(QUERIES["email.bounce_flagged"], bounce_id, len(flagged))
    return len(flagged)


async def preferences(db: Executor, contact_point_id: int) -> Preferences | None:
    row = await db.fetchrow(QUERIES["email.preferences"], contact_point_id)
    if row is None:
        return None
    return Preferences(
        row["email"],
        row["verification"] == "invalid",
        exercises=not row["opted_out"],
        emergencies=not (row["opted_out"] and row["opted_out_emergencies"]),
    )


async def set_preferences(
    conn: Connection, contact_point_id: int, *, exercises: bool, emergencies: bool
) -> None:
    """Emergencies without exercises is the only partial choice (an opt-out that keeps
    emergencies on); exercises cannot come without emergencies."""
    if emergencies and exercises:
        await conn.execute(QUERIES["email.clear_opt_out"], contact_point_id)
    else:
        await conn.execute(QUERIES["email.set_opt_out"], contact_point_id, not emergencies)


async def contact_point_of(db: Executor, address: str) -> int | None:
    rows = await db.fetch(QUERIES["email.contacts_by_address"], [address.lower()])
    return rows[0]["contact_point_id"] if rows else None
