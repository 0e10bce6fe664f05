"""The live process's own Prometheus metrics, in a registry of its own (not the
client's global default, which libraries may fill).

This module imports nothing of ours, so every layer (the protocol packages too) may
update an instrument. No label carries personal data or an unbounded value: channels,
outcomes and FastAGI routes are fixed sets, and no phone number, address, alert title or
id ever becomes a label.
"""

from __future__ import annotations

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    ProcessCollector,
    disable_created_metrics,
)

# No *_created series: Prometheus needs none for rate(). (The function lacks annotations.)
disable_created_metrics()  # type: ignore[no-untyped-call]
REGISTRY = CollectorRegistry()

ATTEMPTS_ENDED = Counter(
    "ivr_attempts_ended",
    "Attempts whose end was recorded, by channel and outcome",
    ["channel", "outcome"],
    registry=REGISTRY,
)
CALL_TALK_SECONDS = Histogram(
    "ivr_call_talk_seconds",
    "Answered alert calls: seconds from the answer to the hang-up",
    buckets=(5, 10, 20, 30, 45, 60, 90, 120, 180, 300, 600, 900),
    registry=REGISTRY,
)
FASTAGI_SESSIONS = Counter(
    "ivr_fastagi_sessions",
    "FastAGI sessions started, by route (unknown: a route the server does not serve)",
    ["route"],
    registry=REGISTRY,
)
FASTAGI_SESSIONS_OPEN = Gauge(
    "ivr_fastagi_sessions_open",
    "FastAGI connections being served now",
    registry=REGISTRY,
)
SMS_THROTTLED = Counter(
    "ivr_sms_throttled",
    "SMSC answers asking to slow down (ESME_RTHROTTLED, ESME_RMSGQFUL); the part goes again",
    registry=REGISTRY,
)
ProcessCollector(registry=REGISTRY)
