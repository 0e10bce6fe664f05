"""The short cache behind the shared counts and reports: one computation for callers
who ask at once; past its time, the old value at once while a fresh one is computed;
nothing kept after a first failure."""

from __future__ import annotations

import asyncio

import pytest

from ivr.web.admin.short_cache import ShortCache


async def test_callers_at_once_share_one_computation_and_nobody_waits_for_a_refresh() -> None:
    cache = ShortCache(ttl=0.2)
    computed = 0

    async def compute() -> int:
        nonlocal computed
        computed += 1
        await asyncio.sleep(0.05)
        return computed

    assert await asyncio.gather(*(cache.get("k", compute) for _ in range(20))) == [1] * 20
    assert await cache.get("k", compute) == 1
    assert await cache.get("other", compute) == 2
    await asyncio.sleep(0.25)
    # Too old: the old value at once, and one refresh beside the callers.
    assert await asyncio.gather(*(cache.get("k", compute) for _ in range(5))) == [1] * 5
    await asyncio.sleep(0.1)
    assert await cache.get("k", compute) == 3
    assert computed == 3
    cache.clear()
    assert await cache.get("k", compute) == 4


async def test_a_first_failure_is_not_kept_and_old_entries_make_room() -> None:
    cache = ShortCache(ttl=10, entries=2)
    calls = 0

    async def fail() -> int:
        nonlocal calls
        calls += 1
        raise RuntimeError("database away")

    for _ in range(2):
        with pytest.raises(RuntimeError):
            await cache.get("k", fail)
    assert calls == 2

    async def value(n: int) -> int:
        return n

    for n in range(3):
        await cache.get(n, lambda n=n: value(n))  # type: ignore[misc]
    assert await cache.get(0, lambda: value(99)) == 99  # the oldest made room


async def test_a_value_long_unused_is_computed_again_before_it_is_shown() -> None:
    """A report opened a minute after the last look shows the alert as it is now."""
    cache = ShortCache(ttl=0.05)
    counts = iter(["pending", "completed"])

    async def compute() -> str:
        return next(counts)

    assert await cache.get("k", compute) == "pending"
    await asyncio.sleep(0.2)
    assert await cache.get("k", compute) == "completed"


async def test_a_failing_refresh_keeps_the_last_value_until_too_old() -> None:
    cache = ShortCache(ttl=0.05)

    async def good() -> str:
        return "counts"

    async def fail() -> str:
        raise RuntimeError("database away")

    assert await cache.get("k", good) == "counts"
    await asyncio.sleep(0.06)
    assert await cache.get("k", fail) == "counts"
    await asyncio.sleep(0.01)
    assert await cache.get("k", fail) == "counts"  # still shown, tried again later
    await asyncio.sleep(0.2)
    with pytest.raises(RuntimeError):
        await cache.get("k", fail)
