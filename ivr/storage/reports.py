"""What the admin pages show of alerts: the latest ones, live counts, each recipient's
attempts, and the people not reached (personal data: the pages audit each read)."""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from ivr.domain.alerts import Category, Content, Urgency
from ivr.storage.alerts import create_alert, set_content
from ivr.storage.audience import preview
from ivr.storage.executor import Connection, Executor
from ivr.storage.queries import QUERIES


@dataclass(frozen=True)
class AlertSummary:
    id: int
    title: str
    category: Category
    urgency: Urgency
    state: str
    target_all: bool
    follow_up_of: int | None
    created_at: datetime
    launched_at: datetime | None
    completed_at: datetime | None
    scheduled_at: datetime | None
    drafted_by_name: str
    approved_by_name: str | None


@dataclass(frozen=True)
class ChannelCounts:
    channel: str
    total: int
    reached: int
    confirmed: int
    failed: int
    pending: int
    cancelled: int


@dataclass(frozen=True)
class Recipient:
    delivery_id: int
    channel: str
    state: str
    outcome: str
    attempts: int
    name: str
    contact: str
    civic_number: int | None
    street: str
    unit: str
    sector_code: str | None
    attempt_list: list[dict[str, Any]]


@dataclass(frozen=True)
class NotReached:
    member_id: int
    display_name: str
    civic_number: int | None
    street: str
    unit: str
    sector_code: str | None
    sector_fr: str | None
    sector_en: str | None
    why: str
    """'no_contact', 'pending' or 'failed'."""
    contacts: str | None


@dataclass(frozen=True)
class AudienceCount:
    people: int
    by_channel: dict[str, int]
    without_contact: int


async def recent_alerts(db: Executor, limit: int = 50) -> list[AlertSummary]:
    return [
        AlertSummary(**dict(r)) for r in await db.fetch(QUERIES["reports.recent_alerts"], limit)
    ]


async def alert_summary(db: Executor, alert_id: int) -> AlertSummary | None:
    row = await db.fetchrow(QUERIES["reports.alert_summary"], alert_id)
    return None if row is None else AlertSummary(**dict(row))


async def live_counts(db: Executor, alert_id: int) -> list[ChannelCounts]:
    return [
        ChannelCounts(**dict(r)) for r in await db.fetch(QUERIES["reports.live_counts"], alert_id)
    ]


async def recipients(
    db: Executor,
    alert_id: int,
    *,
    search: str | None = None,
    channel: str | None = None,
    status: str | None = None,
    limit: int = 200,
    offset: int = 0,
) -> list[Recipient]:
    rows = await db.fetch(
        QUERIES["reports.recipients"], alert_id, search, channel, status, limit, offset
    )
    return [_recipient(r) for r in rows]


def _recipient(row: asyncpg.Record) -> Recipient:
    values = dict(row)
    values["attempt_list"] = json.loads(values["attempt_list"])
    return Recipient(**values)


async def not_reached_count(db: Executor, alert_id: int) -> int:
    return int(await db.fetchval(QUERIES["reports.not_reached_count"], alert_id))


async def export_csv(
    conn: Connection, alert_id: int, output: Callable[[bytes], Coroutine[Any, Any, None]]
) -> None:
    """Every delivery and its last attempt as CSV with a header, written by PostgreSQL
    itself (COPY) and handed to ``output`` as it comes."""
    await conn.copy_from_query(
        QUERIES["reports.export_csv"], alert_id, output=output, format="csv", header=True
    )


async def delivery_count(db: Executor, alert_id: int) -> int:
    return int(await db.fetchval(QUERIES["reports.recipients_count"], alert_id))


async def not_reached(db: Executor, alert_id: int) -> list[NotReached]:
    return [NotReached(**dict(r)) for r in await db.fetch(QUERIES["reports.not_reached"], alert_id)]


async def audience_count(db: Executor, alert_id: int, in_service: Sequence[str]) -> AudienceCount:
    """Who launching the alert now would reach: people, messages per channel, people
    with no usable contact."""
    seen = await preview(db, alert_id, limit=1, in_service=in_service)
    by_channel = {channel: seen.total(channel) for channel in ("voice", "sms", "email")}
    people = int(await db.fetchval(QUERIES["reports.scope_size"], alert_id))
    return AudienceCount(people, by_channel, seen.unreachable_total)


class _Discard(Exception):
    """Ends the transaction that held a trial draft."""


async def audience_for_target(
    conn: Connection,
    *,
    staff_id: int,
    category: Category,
    sector_codes: Sequence[str],
    target_all: bool,
    in_service: Sequence[str],
) -> AudienceCount:
    """The audience of an alert not saved yet (the compose form, as sectors change):
    a trial draft is made and counted by the very rules a launch applies, then rolled
    back, so nothing is written."""
    counted: AudienceCount | None = None
    try:
        async with conn.transaction():
            alert_id = await create_alert(
                conn, title="-", category=category, urgency="normal", drafted_by=staff_id,
                sector_codes=sector_codes, target_all=target_all,
            )  # fmt: skip
            # Content on every channel, as a draft from a template has.
            await set_content(conn, alert_id, Content("fr", "-", "-", "-", None, "-"))
            counted = await audience_count(conn, alert_id, in_service)
            raise _Discard
    except _Discard:
        pass
    assert counted is not None
    return counted
