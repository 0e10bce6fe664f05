"""Helpers of the PBX tests: a message of known length the product's Asterisk can play."""

from __future__ import annotations

import uuid

import pytest

from ivr.asterisk.process import AsteriskProcess
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
