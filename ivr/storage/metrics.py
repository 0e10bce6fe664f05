"""The queue's figures for ``/metrics``, read in one statement at each scrape."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from ivr.storage.executor import Executor
from ivr.storage.queries import QUERIES


@dataclass(frozen=True)
class DispatchFigures:
    deliveries: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    """Deliveries of alerts in progress by (channel, state, last outcome or '')."""
    due: Counter[str] = field(default_factory=Counter)
    """Pending deliveries due now, by channel: what the engines have yet to claim."""
    oldest_due_seconds: dict[str, float] = field(default_factory=dict)
    """How long the oldest due delivery has waited, by channel (0 when none is due)."""
    in_flight: Counter[str] = field(default_factory=Counter)
    """Attempts under way by channel, whatever their alert's state."""


async def dispatch_figures(db: Executor) -> DispatchFigures:
    figures = DispatchFigures()
    for row in await db.fetch(QUERIES["metrics.dispatch_figures"]):
        channel = row["channel"]
        if row["scope"] == "in_flight":
            figures.in_flight[channel] = row["deliveries"]
            continue
        figures.deliveries[channel, row["state"], row["outcome"]] = row["deliveries"]
        figures.due[channel] += row["due"]
        oldest = figures.oldest_due_seconds.get(channel, 0.0)
        figures.oldest_due_seconds[channel] = max(oldest, row["oldest_due_seconds"])
    return figures
