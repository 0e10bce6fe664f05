"""Which alert call flows are running in this process, so the voice channel can wait
for a flow to finish writing its account before reading the attempt's outcome."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager


class CallRegistry:
    def __init__(self) -> None:
        self._finished: dict[str, asyncio.Event] = {}

    @contextmanager
    def running(self, channel_id: str) -> Iterator[None]:
        done = self._finished.setdefault(channel_id, asyncio.Event())
        try:
            yield
        finally:
            done.set()

    async def wait_finished(self, channel_id: str, within: float) -> bool:
        """True once the flow of ``channel_id`` ended (False: not started, or too slow)."""
        done = self._finished.get(channel_id)
        if done is None:
            return False
        try:
            async with asyncio.timeout(within):
                await done.wait()
        except TimeoutError:
            return False
        return True

    def forget(self, channel_id: str) -> None:
        self._finished.pop(channel_id, None)
