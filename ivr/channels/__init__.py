"""The channels, one folder each with the same file roles: ``runtime.py`` (starts what
the channel needs and returns its dispatch engine) and ``sender.py`` (its ``Sender``).

``RUNTIMES`` maps each channel name to the runtime that runs it; ``ivr serve`` starts
the channels that ``IVR_CHANNELS`` enables.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import AbstractAsyncContextManager

import asyncpg

from ivr.channels.email.runtime import email_runtime
from ivr.channels.runtime import ChannelRuntime
from ivr.channels.sms.runtime import sms_runtime
from ivr.channels.voice.runtime import voice_runtime
from ivr.config import Settings

RuntimeFactory = Callable[[Settings, asyncpg.Pool], AbstractAsyncContextManager[ChannelRuntime]]

RUNTIMES: Mapping[str, RuntimeFactory] = {
    "voice": voice_runtime,
    "sms": sms_runtime,
    "email": email_runtime,
}
