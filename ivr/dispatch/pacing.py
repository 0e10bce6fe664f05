"""Pacing: at most ``rate`` starts per second, evenly spaced (carriers limit call setup)."""

from __future__ import annotations

import asyncio


class StartPacer:
    """Hands out start times at least ``1/rate`` seconds apart; a burst is not saved up."""

    def __init__(self, rate_per_second: float) -> None:
        if rate_per_second <= 0:
            raise ValueError("rate_per_second must be positive")
        self.interval = 1.0 / rate_per_second
        self._next_start = 0.0
        self._lock = asyncio.Lock()

    async def wait_turn(self) -> None:
        async with self._lock:
            loop = asyncio.get_running_loop()
            now = loop.time()
            delay = self._next_start - now
            if delay > 0:
                await asyncio.sleep(delay)
                now = loop.time()
            self._next_start = now + self.interval
