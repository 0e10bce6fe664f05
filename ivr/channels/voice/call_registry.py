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
    def running(self, reference: str) -> Iterator[None]:
        done = self._finished.setdefault(reference, asyncio.Event())
        try:
            yield
        finally:
            done.set()

    async def wait_finished(self, reference: str, within: float) -> bool:
        """True once the flow of ``reference`` ended (False: not started, or too slow)."""
        done = self._finished.get(reference)
        if done is None:
            return False
        try:
            async with asyncio.timeout(within):
                await done.wait()
        except TimeoutError:
            return False
        return True

    def forget(self, reference: str) -> None:
        self._finished.pop(reference, None)
