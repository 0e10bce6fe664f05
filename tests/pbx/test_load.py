"""The trunk carries 20 simultaneous calls to the simulated network (the benchmark's width)."""

from __future__ import annotations

import asyncio
import time

import pytest

from ivr.asterisk.ami import REASON_ANSWERED, AmiClient
from ivr.config import Settings
from simnet.network import PhoneNetwork
from tests.pbx.conftest import MESSAGE_SECONDS, place_call

pytestmark = pytest.mark.asterisk

CHANNELS = 20


async def test_twenty_calls_at_once(
    ami: AmiClient, simnet: PhoneNetwork, pbx_settings: Settings, test_message: str
) -> None:
    numbers = simnet.numbers_for("person")[:CHANNELS]
    assert len(numbers) == CHANNELS

    async def call(number: str) -> tuple[int, str]:
        placed = await place_call(ami, pbx_settings, number, play=test_message)
        return placed.result.reason, placed.hangup["Cause"]

    started = time.monotonic()
    outcomes = await asyncio.gather(*(call(number) for number in numbers))
    elapsed = time.monotonic() - started
    assert outcomes == [(REASON_ANSWERED, "0")] * CHANNELS
    # All at once: about one message long, not twenty.
    assert elapsed < 3 * MESSAGE_SECONDS
    for number in numbers:
        [seen] = await simnet.wait_for_calls(number)
        assert (seen.action, seen.caller_number) == ("answered", pbx_settings.caller_id_number)
