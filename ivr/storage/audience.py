"""Audience resolution and preview, done in bulk by PostgreSQL.

The rules live in the SQL functions ``alert_scope``, ``alert_choices`` and
``alert_audience`` (migration 0002); docs/data-model.md explains them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from ivr.domain.alerts import CHANNELS, PRIORITY
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
    in_service: tuple[str, ...]
    """The channels running here; deliveries on another one would end unavailable."""

    def total(self, channel: str | None = None) -> int:
        return sum(c.deliveries for c in self.counts if channel in (None, c.channel))

    def unavailable(self) -> dict[str, int]:
        """Deliveries per channel not in service (they end at once if launched)."""
        counts: Counter[str] = Counter()
        for count in self.counts:
            if count.channel not in self.in_service:
                counts[count.channel] += count.deliveries
        return dict(counts)


async def resolve_audience(
    db: Executor, alert_id: int, in_service: Sequence[str] = CHANNELS
) -> int:
    """Create the alert's deliveries; returns how many were added (0 the second time)."""
    alert = await db.fetchrow(QUERIES["alerts.get"], alert_id)
    if alert is None:
        raise DomainError("Alerte introuvable.", "No such alert.")
    status = await db.execute(
        QUERIES["audience.resolve"],
        alert_id,
        PRIORITY[alert["urgency"]],
        alert["scheduled_at"],
        list(in_service),
    )
    return int(status.split()[-1])


async def end_unavailable(db: Executor, alert_id: int, in_service: Sequence[str]) -> dict[str, int]:
    """End the alert's pending deliveries on channels not in service; how many per channel."""
    rows = await db.fetch(QUERIES["audience.end_unavailable"], alert_id, list(in_service))
    return dict(Counter(row["channel"] for row in rows))


async def preview(
    db: Executor, alert_id: int, limit: int = 100, in_service: Sequence[str] = CHANNELS
) -> Preview:
    """What launching the alert now would send, per sector and channel, and who it
    concerns but cannot reach (at most ``limit`` listed, all counted)."""
    channels = list(in_service)
    rows = await db.fetch(QUERIES["audience.preview_counts"], alert_id, channels)
    counts = [SectorCount(**dict(r)) for r in rows]
    rows = await db.fetch(QUERIES["audience.unreachable"], alert_id, limit, channels)
    unreachable = [Unreachable(**{k: v for k, v in r.items() if k != "total"}) for r in rows]
    total = rows[0]["total"] if rows else 0
    return Preview(counts, unreachable, total, tuple(channels))
