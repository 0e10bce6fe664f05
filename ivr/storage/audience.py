"""Audience resolution and preview, done in bulk by PostgreSQL.

The rules live in the SQL functions ``alert_scope``, ``alert_choices`` and
``alert_audience`` (migration 0002); docs/data-model.md explains them.
"""

from __future__ import annotations

from dataclasses import dataclass

from ivr.domain.alerts import PRIORITY
from ivr.domain.errors import DomainError
from ivr.storage.executor import Executor
from ivr.storage.queries import QUERIES


@dataclass(frozen=True)
class SectorCount:
    sector_code: str | None
    """None for households outside every sector (reached by alerts to all)."""
    name_fr: str | None
    name_en: str | None
    channel: str
    deliveries: int


@dataclass(frozen=True)
class Unreachable:
    member_id: int
    display_name: str
    civic_number: int | None
    street: str
    unit: str
    sector_code: str | None


@dataclass(frozen=True)
class Preview:
    counts: list[SectorCount]
    unreachable: list[Unreachable]
    """The first people the alert concerns who have no usable contact."""
    unreachable_total: int

    def total(self, channel: str | None = None) -> int:
        return sum(c.deliveries for c in self.counts if channel in (None, c.channel))


async def resolve_audience(db: Executor, alert_id: int) -> int:
    """Create the alert's deliveries; returns how many were added (0 the second time)."""
    alert = await db.fetchrow(QUERIES["alerts.get"], alert_id)
    if alert is None:
        raise DomainError("Alerte introuvable.", "No such alert.")
    status = await db.execute(
        QUERIES["audience.resolve"], alert_id, PRIORITY[alert["urgency"]], alert["scheduled_at"]
    )
    return int(status.split()[-1])


async def preview(db: Executor, alert_id: int, limit: int = 100) -> Preview:
    """What launching the alert now would send, per sector and channel, and who it
    concerns but cannot reach (at most ``limit`` listed, all counted)."""
    counts = [
        SectorCount(**dict(r)) for r in await db.fetch(QUERIES["audience.preview_counts"], alert_id)
    ]
    rows = await db.fetch(QUERIES["audience.unreachable"], alert_id, limit)
    unreachable = [Unreachable(**{k: v for k, v in r.items() if k != "total"}) for r in rows]
    total = rows[0]["total"] if rows else 0
    return Preview(counts, unreachable, total)
