"""What the voice channel reads and writes: alert audio, and the call flow's account of
each call, saved on its attempt as the call goes."""

from __future__ import annotations

from dataclasses import dataclass

from ivr.storage.executor import Executor
from ivr.storage.queries import QUERIES


@dataclass(frozen=True)
class CallContext:
    """What a call flow needs to know about the attempt it serves."""

    attempt_id: int
    delivery_id: int
    attempt_number: int
    alert_id: int
    language: str
    flow_token_hash: bytes | None
    """SHA-256 of the token the call carries (None: no call was placed)."""
    ended: bool


@dataclass(frozen=True)
class AlertAudio:
    language: str
    sound_name: str
    seconds: float


@dataclass(frozen=True)
class VoiceContent:
    """An alert's voice content in one language: a recording, or text to speak."""

    language: str
    voice_recording: str | None
    voice_text: str | None


@dataclass
class Listening:
    """How an answered call was heard (None: not known, or not applicable)."""

    greeting_end: str | None = None
    """How the end of an answering machine's greeting was found: beep, silence,
    no_media or bound."""
    greeting_wait: float | None = None
    silence_before_message: float | None = None
    beep_during_playback: bool = False
    answer_to_audio: float | None = None
    amd_seconds: float | None = None


@dataclass(frozen=True)
class FlowResult:
    outcome: str | None
    answered: bool


async def call_context(db: Executor, reference: str) -> CallContext | None:
    """The attempt whose reference (the call's ChannelId) is ``reference``."""
    row = await db.fetchrow(QUERIES["voice.attempt_context"], reference)
    return None if row is None else CallContext(**dict(row))


async def alert_audio(db: Executor, alert_id: int, language: str) -> list[AlertAudio]:
    """The alert's audio per language, ``language`` first."""
    rows = await db.fetch(QUERIES["voice.alert_audio"], alert_id, language)
    return [AlertAudio(**dict(row)) for row in rows]


async def voice_contents(db: Executor, alert_id: int) -> list[VoiceContent]:
    rows = await db.fetch(QUERIES["voice.voice_contents"], alert_id)
    return [VoiceContent(**dict(row)) for row in rows]


async def save_audio(db: Executor, alert_id: int, audio: AlertAudio, source: str) -> None:
    """The phone audio made for one language; ``source`` is recording or speech."""
    await db.execute(
        QUERIES["voice.save_audio"],
        alert_id,
        audio.language,
        audio.sound_name,
        audio.seconds,
        source,
    )


async def set_flow_token(db: Executor, attempt_id: int, token_hash: bytes) -> None:
    await db.execute(QUERIES["voice.set_flow_token"], attempt_id, token_hash)


async def record_answer(db: Executor, attempt_id: int, amd_status: str, amd_cause: str) -> None:
    await db.execute(QUERIES["voice.record_answer"], attempt_id, amd_status, amd_cause)


async def record_progress(
    db: Executor,
    attempt_id: int,
    keys: str,
    message_seconds: float,
    outcome: str | None,
    *,
    listening: Listening,
) -> None:
    await db.execute(
        QUERIES["voice.record_progress"],
        attempt_id,
        keys,
        message_seconds,
        outcome,
        listening.greeting_end,
        listening.greeting_wait,
        listening.silence_before_message,
        listening.beep_during_playback,
        listening.answer_to_audio,
        listening.amd_seconds,
    )


async def flow_result(db: Executor, attempt_id: int) -> FlowResult | None:
    """What the call flow recorded on the attempt (None: no such attempt)."""
    row = await db.fetchrow(QUERIES["voice.flow_result"], attempt_id)
    if row is None:
        return None
    return FlowResult(row["outcome"], row["answered_at"] is not None)
