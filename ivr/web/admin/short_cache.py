"""What many staff pages ask at once, computed once: during an emergency twenty people
may watch the same alert, and its counts and report need not be computed twenty times
a second. A value is fresh for ``ttl`` seconds; callers who ask while it is computed
wait for that computation; a little older (up to three times ``ttl``), callers get it
at once while a fresh one is computed beside them, so pages watched all the time never
wait for a refresh; older still, it is computed again before it is shown."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class _Entry:
    at: float
    value: asyncio.Future[Any]
    refresh: asyncio.Task[None] | None = field(default=None)


STALE_TIMES = 3
"""A value up to this many times ``ttl`` old is shown while a fresh one is computed."""


class ShortCache:
    def __init__(self, ttl: float, entries: int = 64) -> None:
        self.ttl = ttl
        self.entries = entries
        self._values: OrderedDict[Hashable, _Entry] = OrderedDict()

    async def get(self, key: Hashable, compute: Callable[[], Awaitable[Any]]) -> Any:
        entry = self._values.get(key)
        age = time.monotonic() - entry.at if entry is not None else 0.0
        if entry is None or (entry.value.done() and age > STALE_TIMES * self.ttl):
            return await self._first(key, compute)
        if not entry.value.done():
            return await asyncio.shield(entry.value)
        if age > self.ttl and entry.refresh is None:
            entry.refresh = asyncio.create_task(self._refresh(key, entry, compute))
        return entry.value.result()

    def clear(self) -> None:
        """Forget everything: what staff just did (a launch, a cancel) shows at once."""
        for entry in self._values.values():
            if entry.refresh is not None:
                entry.refresh.cancel()
        self._values.clear()

    async def _first(self, key: Hashable, compute: Callable[[], Awaitable[Any]]) -> Any:
        entry = _Entry(time.monotonic(), asyncio.get_running_loop().create_future())
        self._values[key] = entry
        self._values.move_to_end(key)
        while len(self._values) > self.entries:
            self._values.popitem(last=False)
        try:
            entry.value.set_result(await compute())
        except BaseException as error:
            entry.value.set_exception(error)
            entry.value.exception()  # seen here; callers waiting on it see it too
            if self._values.get(key) is entry:
                del self._values[key]
            raise
        return entry.value.result()

    async def _refresh(
        self, key: Hashable, entry: _Entry, compute: Callable[[], Awaitable[Any]]
    ) -> None:
        """A fresh value replaces the old one; after a failure the old one stays until it
        is too old to show."""
        with contextlib.suppress(Exception):
            fresh: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
            started = time.monotonic()
            fresh.set_result(await compute())
            if self._values.get(key) is entry:
                self._values[key] = _Entry(started, fresh)
                self._values.move_to_end(key)
                return
        entry.refresh = None
