"""Helpers of the PBX tests: a message of known length the product's Asterisk can play."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import pytest
from panoramisk.message import Message

from ivr.asterisk.ami import AmiClient, OriginateRequest, OriginateResult, trunk_channel
from ivr.asterisk.process import AsteriskProcess
from ivr.config import Settings
from simnet.sounds import synth

MESSAGE_SECONDS = 6.0


@pytest.fixture(scope="session")
def test_message(pbx: AsteriskProcess) -> str:
    """A 6-second tone in the product's sounds directory (path without extension)."""
    path = pbx.layout.sounds_dir / "test-message.wav"
    if not pbx.layout.host(path).exists():
        synth(pbx.layout.root, path, "synth", str(MESSAGE_SECONDS), "sine", "440", "vol", "0.5")
        pbx.layout.host(path).chmod(0o644)
    return str(path.with_suffix(""))


def new_channel_id() -> str:
    return f"test-{uuid.uuid4().hex}"


@dataclass(frozen=True)
class PlacedCall:
    """One call placed through the product's Asterisk, after it ended."""

    channel_id: str
    result: OriginateResult
    hangup: Message
    events: list[Message]


async def place_call(
    ami: AmiClient,
    settings: Settings,
    number: str,
    *,
    play: str | None = None,
    context: str | None = None,
    caller_id: str | None = None,
    within: float = 60,
) -> PlacedCall:
    """Call ``number`` over the carrier trunk, into ``context`` or playing ``play``, and
    wait for the Hangup event of the call."""
    channel_id = new_channel_id()
    async with ami.watch(channel_id) as events:
        result = await ami.originate(
            OriginateRequest(
                channel_id=channel_id,
                channel=trunk_channel(number),
                timeout_seconds=settings.ring_timeout_seconds,
                context=context,
                application="Playback" if play is not None else None,
                data=play or "",
                caller_id=caller_id,
            )
        )
        hangup = await events.hangup(within=within)
    return PlacedCall(channel_id, result, hangup, list(events.events))
