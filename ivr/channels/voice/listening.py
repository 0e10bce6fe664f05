"""What the far end of a call is doing, from its audio: speaking, silent, sending
nothing, or sounding a voicemail beep. Pure computation on 20 ms frames (numpy), fed by
the call flow from the AudioSocket stream.

- **Level**: each frame's RMS in dB of full scale. **Silence** is a level within
  ``SILENCE_MARGIN_DB`` of the background (the lowest level of the last 1.5 s), or
  below ``QUIET_DB``, so a person answering in a noisy room, comfort noise and digital
  silence all count.
- **No media**: no frame for ``NO_MEDIA_GAP`` seconds (a voicemail that sends nothing
  while it records) counts as silence, by the clock.
- **Beep**: a steady tone — most of the frame's energy around one frequency between
  350 and 2,100 Hz, the same within ``BEEP_DRIFT_HZ`` for ``BEEP_MIN_SECONDS`` — well
  above the background. Speech moves in pitch and spreads its energy over harmonics.

``GreetingEnd`` decides when an answering machine's greeting is over: right after its
beep (double beeps included), after ``NO_BEEP_SILENCE`` seconds of silence when it has
none, or at a bound. ``BeepWatch`` only notices beeps (while a message plays to someone
the detector said was a person).
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass
from typing import Literal

import numpy as np

SAMPLE_RATE = 8000
FFT_SIZE = 320
"""Frames are zero-padded to 40 ms: 25 Hz between bins."""
BIN_HZ = SAMPLE_RATE / FFT_SIZE
BEEP_LOW_HZ, BEEP_HIGH_HZ = 350.0, 2100.0
BEEP_PURITY = 0.75
"""Share of a frame's energy within ±2 bins of its peak for a beep (speech: below 0.5)."""
BEEP_MIN_SECONDS = 0.08
BEEP_DRIFT_HZ = 30.0
BEEP_ABOVE_BACKGROUND_DB = 15.0
BEEP_MIN_LEVEL_DB = -45.0
BEEP_SETTLE = 0.3
"""After a beep, this long without another tone before the greeting counts as over
(a double beep's second tone comes 0.1-0.2 s after the first)."""
SILENCE_MARGIN_DB = 8.0
QUIET_DB = -45.0
"""Always silence: comfort noise and room tone are below, telephone speech above."""
BACKGROUND_WINDOW = 1.5
QUIETEST_BACKGROUND_DB = -75.0
NO_MEDIA_GAP = 0.06
NO_BEEP_SILENCE = 3.0
"""Silence that ends a greeting without a beep. Longer than the pauses inside greetings
(1-2.5 s), shorter than the 5 s of silence after which many voicemail systems stop
recording and hang up: the message starts in time, and never in the middle of a pause."""
GREETING_BOUND = 45.0
"""The message starts after this long anyway (the longest greetings last about 30 s)."""
_WINDOW = np.hanning(160).astype(np.float32)
_LOW_BIN, _HIGH_BIN = int(BEEP_LOW_HZ / BIN_HZ), int(BEEP_HIGH_HZ / BIN_HZ)

GreetingEndReason = Literal["beep", "silence", "no_media", "bound"]


@dataclass(frozen=True)
class Frame:
    """What one 20 ms frame sounds like."""

    level_db: float
    tone_hz: float | None
    """The frequency of a steady tone in the frame, if it is one."""


def analyse(pcm: bytes) -> Frame:
    """Level and tone of one frame of 16-bit little-endian samples at 8 kHz."""
    samples = np.frombuffer(pcm, dtype="<i2").astype(np.float32)
    if samples.size == 0:
        return Frame(-math.inf, None)
    rms = float(np.sqrt(np.mean(samples * samples)))
    level = 20 * math.log10(rms / 32768) if rms > 0 else -math.inf
    if samples.size != _WINDOW.size or level < BEEP_MIN_LEVEL_DB:
        return Frame(level, None)
    power = np.abs(np.fft.rfft(samples * _WINDOW, n=FFT_SIZE)) ** 2
    total = float(power[1:].sum())
    peak = _LOW_BIN + int(np.argmax(power[_LOW_BIN : _HIGH_BIN + 1]))
    near = float(power[max(peak - 2, 1) : peak + 3].sum())
    if total <= 0 or near / total < BEEP_PURITY:
        return Frame(level, None)
    # Refine the peak between bins (parabolic interpolation of the log power).
    left, centre, right = (math.log(float(power[i]) + 1e-9) for i in (peak - 1, peak, peak + 1))
    denominator = left - 2 * centre + right
    offset = 0.5 * (left - right) / denominator if denominator else 0.0
    return Frame(level, (peak + offset) * BIN_HZ)


class Background:
    """The level of the far end's background: the quietest of the last 1.5 s."""

    def __init__(self) -> None:
        self._levels: deque[tuple[float, float]] = deque()

    def add(self, at: float, level: float) -> None:
        self._levels.append((at, max(level, QUIETEST_BACKGROUND_DB)))
        while self._levels and self._levels[0][0] < at - BACKGROUND_WINDOW:
            self._levels.popleft()

    @property
    def level(self) -> float:
        return min((level for _, level in self._levels), default=QUIETEST_BACKGROUND_DB)

    def is_silent(self, level: float) -> bool:
        return level < max(self.level + SILENCE_MARGIN_DB, QUIET_DB)


class BeepWatch:
    """Notices the end of a voicemail beep in a stream of frames."""

    def __init__(self) -> None:
        self.background = Background()
        self._tone_hz: float | None = None
        self._tone_since = 0.0
        self._tone_until = 0.0
        self.beeps = 0
        self.last_beep_end: float | None = None

    def feed(self, at: float, frame: Frame) -> bool:
        """Add a frame heard at ``at``; True when it ends a beep."""
        steady = (
            frame.tone_hz is not None
            and frame.level_db > self.background.level + BEEP_ABOVE_BACKGROUND_DB
            and (self._tone_hz is None or abs(frame.tone_hz - self._tone_hz) <= BEEP_DRIFT_HZ)
        )
        self.background.add(at, frame.level_db)
        if steady:
            if self._tone_hz is None:
                self._tone_since = at
            self._tone_hz = frame.tone_hz
            self._tone_until = at + 0.02
            return False
        lasted = self._tone_until - self._tone_since
        ended = self._tone_hz is not None and lasted >= BEEP_MIN_SECONDS
        self._tone_hz = None
        if ended:
            self.beeps += 1
            self.last_beep_end = self._tone_until
        return ended

    def expire(self, now: float) -> None:
        """No frame since the tone's last one: the tone stopped (a far end that sends
        nothing after its beep)."""
        if self._tone_hz is not None and now - self._tone_until >= NO_MEDIA_GAP:
            self.feed(now, Frame(-math.inf, None))

    @property
    def in_tone(self) -> bool:
        return self._tone_hz is not None


@dataclass(frozen=True)
class GreetingOver:
    """How and when the greeting was found to be over."""

    reason: GreetingEndReason
    at: float
    silence_before: float
    """Seconds of silence already past (after the beep, or the silence that ended it)."""


class GreetingEnd:
    """Decides when an answering machine's greeting is over (see the module's doc)."""

    def __init__(self, started: float) -> None:
        self.started = started
        self.beeps = BeepWatch()
        self._silent_since: float | None = started
        self._no_media_seconds = 0.0
        self._last_frame_at = started

    def feed(self, at: float, frame: Frame) -> GreetingOver | None:
        """A frame of the far end's audio, heard at ``at``."""
        self._account_gap(at)
        self._last_frame_at = at
        if self.beeps.feed(at, frame) or self.beeps.in_tone:
            self._silent_since = None
            return self.check(at)
        if self.beeps.background.is_silent(frame.level_db):
            if self._silent_since is None:
                self._silent_since, self._no_media_seconds = at, 0.0
        else:
            self._silent_since = None
        return self.check(at)

    def check(self, now: float) -> GreetingOver | None:
        """Whether the greeting is over at ``now`` (also called when no frame came)."""
        self.beeps.expire(now)
        self._account_gap(now)
        beep_end = self.beeps.last_beep_end
        if beep_end is not None and not self.beeps.in_tone and now - beep_end >= BEEP_SETTLE:
            return GreetingOver("beep", now, now - beep_end)
        silent_since = self._silent_since
        if beep_end is None and silent_since is not None:
            silence = now - silent_since
            if silence >= NO_BEEP_SILENCE:
                mostly_nothing = self._no_media_seconds >= silence / 2
                return GreetingOver("no_media" if mostly_nothing else "silence", now, silence)
        if now - self.started >= GREETING_BOUND:
            return GreetingOver("bound", now, 0.0)
        return None

    def _account_gap(self, now: float) -> None:
        """A stretch without frames is silence (a far end that sends no media)."""
        gap = now - self._last_frame_at
        if gap >= NO_MEDIA_GAP:
            if self._silent_since is None:
                self._silent_since, self._no_media_seconds = self._last_frame_at, 0.0
            self._no_media_seconds += gap
            self._last_frame_at = now
