"""Fixtures of the SMS tests (and the voice channel's, for SMS that become calls)."""

from tests.sms.harness import sms
from tests.voice.harness import voice

__all__ = ["sms", "voice"]
