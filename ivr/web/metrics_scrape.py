"""What ``/metrics`` reads at each scrape, as Prometheus metric families: the queue's
figures (one query, ivr.storage.metrics) and the parts of each running channel (their
``health()``, as /healthz reports them). Read fresh each time rather than kept in
gauges, so several engines sharing the database all show the same queue."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from prometheus_client.core import GaugeMetricFamily, Metric

from ivr.config import CHANNEL_NAMES
from ivr.storage.metrics import DispatchFigures


@dataclass(frozen=True)
class ScrapeReadings:
    """One scrape's readings, as a collector ``generate_latest`` can render."""

    dispatch: DispatchFigures | None
    """None: the database did not answer in time (only the links are shown)."""
    parts: Mapping[str, Mapping[str, bool]]
    """For each running channel, each part and whether it is up."""

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily(
            "ivr_link_up",
            "1 when the channel's part (ami, fastagi, audiosocket, smpp, smtp, engine) is up",
            labels=["channel", "link"],
        )
        for channel, parts in self.parts.items():
            for part, is_up in parts.items():
                up.add_metric([channel, part], 1.0 if is_up else 0.0)
        yield up
        yield GaugeMetricFamily(
            "ivr_database_up",
            "1 when the database answered this scrape's query",
            value=0.0 if self.dispatch is None else 1.0,
        )
        if self.dispatch is not None:
            yield from _dispatch_families(self.dispatch)


def _dispatch_families(figures: DispatchFigures) -> Iterator[Metric]:
    deliveries = GaugeMetricFamily(
        "ivr_deliveries",
        "Deliveries of the alerts in progress, by channel, state and last outcome",
        labels=["channel", "state", "outcome"],
    )
    for (channel, state, outcome), count in sorted(figures.deliveries.items()):
        deliveries.add_metric([channel, state, outcome or "none"], count)
    yield deliveries
    per_channel = (
        ("ivr_queue_depth", "Pending deliveries due now, not yet claimed", figures.due),
        (
            "ivr_queue_oldest_due_age_seconds",
            "How long the oldest due delivery has waited to be claimed (0: none due)",
            figures.oldest_due_seconds,
        ),
        ("ivr_attempts_in_flight", "Attempts under way", figures.in_flight),
    )
    for name, documentation, values in per_channel:
        family = GaugeMetricFamily(name, documentation, labels=["channel"])
        for channel in CHANNEL_NAMES:
            family.add_metric([channel], values.get(channel, 0))
        yield family
