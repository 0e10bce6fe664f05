"""The latest alerts with their deliveries counted per state, for lists (no personal data)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ivr.domain.alerts import Category, State, Urgency
from ivr.storage.executor import Executor
from ivr.storage.queries import QUERIES


@dataclass(frozen=True)
class ListedAlert:
    id: int
    title: str
    category: Category
    urgency: Urgency
    state: State
    target_all: bool
    created_at: datetime
    scheduled_at: datetime | None
    approved_at: datetime | None
    launched_at: datetime | None
    completed_at: datetime | None
    cancelled_at: datetime | None
    pending: int
    in_progress: int
    done: int
    failed: int
    cancelled: int
    """Deliveries in each state."""


async def recent_alerts(db: Executor, limit: int) -> list[ListedAlert]:
    """The ``limit`` latest alerts, newest first."""
    return [ListedAlert(**dict(row)) for row in await db.fetch(QUERIES["alert_list.recent"], limit)]
