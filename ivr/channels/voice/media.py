"""A call's audio, as the call flow uses it: play a sound while listening for keys and
for a voicemail beep, wait for an answering machine's greeting to end, wait for a key.

It runs over one AudioSocket session (``ivr.asterisk.audiosocket``) that the call flow
opens with ``open_media``: the AGI session runs ``AudioSocket()`` for as long as the
conversation lasts, and the conversation happens here, in Python, where the far end's
audio can be heard while ours plays.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import wave
from collections.abc import AsyncIterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

from ivr.asterisk.audiosocket import (
    FRAME_SECONDS,
    SAMPLE_RATE,
    Audio,
    AudioSocketServer,
    AudioStream,
    Key,
)
from ivr.asterisk.fastagi_session import AgiSession, ChannelHungUp
from ivr.channels.voice.listening import (
    BEEP_SETTLE,
    BeepWatch,
    GreetingEnd,
    GreetingOver,
    analyse,
)

log = logging.getLogger(__name__)

CONNECT_TIMEOUT = 5.0
TICK = 0.02
StopReason = Literal["end", "key", "beep"]


class MediaUnavailable(RuntimeError):
    """Asterisk did not connect the call's audio."""


class HungUp(Exception):
    """The far end hung up (the AudioSocket session ended)."""


@dataclass(frozen=True)
class Played:
    """Why a playback stopped, the key that stopped it, and how much of it was sent."""

    reason: StopReason
    key: str | None
    seconds: float


@lru_cache(maxsize=256)
def _pcm(path: Path, mtime_ns: int) -> bytes:
    with wave.open(str(path), "rb") as audio:
        if (audio.getframerate(), audio.getnchannels(), audio.getsampwidth()) != (8000, 1, 2):
            raise ValueError(f"{path.name} is not 8 kHz mono 16-bit")
        return audio.readframes(audio.getnframes())


def load_pcm(path: Path) -> bytes:
    """The samples of a phone WAV (8 kHz mono 16-bit), cached until the file changes."""
    return _pcm(path, path.stat().st_mtime_ns)


def seconds_of(pcm: bytes) -> float:
    return len(pcm) / (2 * SAMPLE_RATE)


class CallMedia:
    """The conversation's audio over one AudioSocket stream."""

    def __init__(self, stream: AudioStream) -> None:
        self.stream = stream
        self.started = asyncio.get_running_loop().time()
        self.beeps = BeepWatch()
        self.heard_beep_while_playing = False

    @property
    def hung_up(self) -> bool:
        return self.stream.ended.is_set()

    @property
    def first_audio_at(self) -> float | None:
        """Wall-clock time (epoch seconds) of the first audio sent, if any."""
        first = self.stream.first_audio_at
        if first is None:
            return None
        return time.time() - (asyncio.get_running_loop().time() - first)

    async def play(self, pcm: bytes, escape: str = "", *, watch_beep: bool = False) -> Played:
        """Play ``pcm``; a key among ``escape`` stops it, and so does a beep when
        ``watch_beep`` (the far end is a machine after all). Raises HungUp."""
        stream = self.stream
        start = stream.frames_sent
        stream.play(pcm)
        reason: StopReason = "end"
        key = None
        while stream.playing:
            self._check_line()
            event = await stream.next_event(TICK)
            if isinstance(event, Key):
                if event.digit in escape:
                    reason, key = "key", event.digit
                    break
                continue
            beep = (
                self.beeps.feed(event.at, analyse(event.pcm))
                if event is not None
                else self._expire_beep()
            )
            if beep and watch_beep:
                self.heard_beep_while_playing = True
                reason = "beep"
                break
        stream.stop_playing()
        return Played(reason, key, (stream.frames_sent - start) * FRAME_SECONDS)

    def _check_line(self) -> None:
        if self.hung_up:
            self.stream.stop_playing()
            raise HungUp()

    def _expire_beep(self) -> bool:
        before = self.beeps.beeps
        self.beeps.expire(asyncio.get_running_loop().time())
        return self.beeps.beeps > before

    async def greeting_over(self) -> GreetingOver:
        """Listen until an answering machine's greeting is over. Raises HungUp."""
        loop = asyncio.get_running_loop()
        detector = GreetingEnd(loop.time())
        while True:
            self._check_line()
            event = await self.stream.next_event(TICK)
            if isinstance(event, Key):
                continue  # a person pressing keys: the flow hears them after
            now = loop.time()
            over = detector.feed(event.at, analyse(event.pcm)) if event else detector.check(now)
            if over is not None:
                return over

    async def after_beep(self) -> None:
        """Return once the beep just heard is over (a double beep's second tone too)."""
        loop = asyncio.get_running_loop()
        while True:
            self._check_line()
            now = loop.time()
            end = self.beeps.last_beep_end
            if end is not None and not self.beeps.in_tone and now - end >= BEEP_SETTLE:
                return
            event = await self.stream.next_event(TICK)
            if isinstance(event, Audio):
                self.beeps.feed(event.at, analyse(event.pcm))
            elif event is None:
                self.beeps.expire(loop.time())

    async def key(self, keys: str, within: float) -> str | None:
        """The first key among ``keys`` pressed within ``within`` s (None: none)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while (remaining := deadline - loop.time()) > 0:
            self._check_line()
            event = await self.stream.next_event(min(TICK * 5, remaining))
            if isinstance(event, Key) and event.digit in keys:
                return event.digit
        return None


@contextlib.asynccontextmanager
async def open_media(
    session: AgiSession, server: AudioSocketServer, address: str
) -> AsyncIterator[CallMedia]:
    """Run ``AudioSocket()`` on the call for the block's duration: its audio is the
    block's. ``address`` is where Asterisk reaches ``server`` (``host:port``)."""
    call_id, connected = server.expect()
    running = asyncio.create_task(session.exec("AudioSocket", str(call_id), address))
    try:
        waited: set[asyncio.Future[object]] = {running, connected}  # type: ignore[arg-type]
        done, _ = await asyncio.wait(
            waited, timeout=CONNECT_TIMEOUT, return_when=asyncio.FIRST_COMPLETED
        )
        if connected not in done:
            raise MediaUnavailable("Asterisk did not connect the call's audio")
        stream = connected.result()
    except BaseException:
        server.forget(call_id)
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)
        raise
    try:
        yield CallMedia(stream)
    finally:
        await stream.close()
        with contextlib.suppress(ChannelHungUp):
            await running
