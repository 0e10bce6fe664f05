"""What every channel's runtime gives the process that runs it."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import timedelta
from typing import Protocol

from ivr.config import Settings
from ivr.domain.outcomes import RetryPolicy


class ChannelRuntime(Protocol):
    """A channel at run time: its dispatch engine and the health of its links."""

    @property
    def engine_task(self) -> asyncio.Task[None]:
        """The dispatch engine; it ends only if it fails (it runs until cancelled)."""
        ...

    def health(self) -> Mapping[str, bool]:
        """Each part the channel depends on (a link, a listener, the engine) and
        whether it is up now; checked on every readiness request, so it must be cheap."""
        ...


def retry_policy(settings: Settings) -> RetryPolicy:
    """Every channel's: ``retry_count`` more tries, ``retry_delay_seconds`` apart."""
    return RetryPolicy(settings.retry_count, timedelta(seconds=settings.retry_delay_seconds))
