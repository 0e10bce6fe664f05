"""The serving loop stops for a signal, and does not outlive a failed dispatcher."""

from __future__ import annotations

import asyncio
import os
import signal

import pytest

from ivr.main import stop_requested, wait_for_stop


async def test_a_failed_service_ends_the_wait_with_its_error() -> None:
    async def failing() -> None:
        await asyncio.sleep(0.05)
        raise LookupError("engine bug")

    with pytest.raises(LookupError, match="engine bug"):
        await asyncio.wait_for(
            wait_for_stop(asyncio.Event(), {"voice": asyncio.create_task(failing())}), 5
        )


async def test_sigterm_ends_the_wait_and_leaves_the_service_running() -> None:
    service = asyncio.create_task(asyncio.sleep(60))
    with stop_requested() as stop:
        asyncio.get_running_loop().call_later(0.05, os.kill, os.getpid(), signal.SIGTERM)
        await asyncio.wait_for(wait_for_stop(stop, {"voice": service}), 5)
    assert not service.done()
    service.cancel()


async def test_a_sigterm_before_the_wait_begins_is_not_lost() -> None:
    """systemd may stop the service the moment it says READY=1, before it waits."""
    service = asyncio.create_task(asyncio.sleep(60))
    with stop_requested() as stop:
        os.kill(os.getpid(), signal.SIGTERM)
        await asyncio.sleep(0.05)  # the signal is handled before anyone waits
        await asyncio.wait_for(wait_for_stop(stop, {"voice": service}), 5)
    service.cancel()


async def test_any_dead_engine_ends_the_wait_while_the_others_run() -> None:
    voice = asyncio.create_task(asyncio.sleep(60))

    async def ends_quietly() -> None:
        await asyncio.sleep(0.05)

    with pytest.raises(RuntimeError, match="the sms dispatch engine stopped"):
        await asyncio.wait_for(
            wait_for_stop(
                asyncio.Event(), {"voice": voice, "sms": asyncio.create_task(ends_quietly())}
            ),
            5,
        )
    assert not voice.done()
    voice.cancel()
