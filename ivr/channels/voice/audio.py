"""Message audio for the phone: staff recordings converted for Asterisk, or text
spoken by espeak-ng when there is no recording.

Everything the PBX plays is 8 kHz, mono, 16-bit WAV (telephone quality), so Asterisk
never transcodes at play time and a file's length in samples tells its duration.
"""

from __future__ import annotations

import asyncio
import logging
import wave
from pathlib import Path

log = logging.getLogger(__name__)

SAMPLE_RATE = 8000
ESPEAK_VOICES = {"fr": "fr", "en": "en-us"}
"""espeak-ng has no Canadian French voice; "fr" is the closest it ships."""
SPEECH_WORDS_PER_MINUTE = 150


class AudioError(RuntimeError):
    """A recording could not be converted, or text could not be spoken."""


async def _run(*command: str, stdin: bytes | None = None, timeout: float = 120.0) -> None:
    try:
        process = await asyncio.create_subprocess_exec(
            *command,
            stdin=asyncio.subprocess.PIPE if stdin is not None else asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
    except FileNotFoundError as error:
        raise AudioError(f"{command[0]} is not installed (scripts/setup installs it)") from error
    try:
        async with asyncio.timeout(timeout):
            _, stderr = await process.communicate(stdin)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise AudioError(f"{command[0]} took longer than {timeout:.0f} s") from None
    if process.returncode != 0:
        message = stderr.decode("utf-8", "replace").strip().splitlines()
        raise AudioError(f"{command[0]} failed: {message[-1] if message else process.returncode}")


async def convert_for_phone(source: Path, target: Path) -> float:
    """Convert a staff recording to phone WAV; return seconds. sox reads WAV, MP3, OGG,
    FLAC and the like; what it cannot read (M4A from a phone's voice memos, WebM/Opus
    from a browser, AAC, 3GP) is decoded by ffmpeg first.

    Loudness is normalised to -1 dBFS so quiet recordings are heard on the phone.
    """
    if not source.is_file():
        raise AudioError(f"recording {source.name} does not exist")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".partial.wav")
    try:
        await _to_phone_wav(source, partial)
    except AudioError as sox_error:
        decoded = target.with_suffix(".decoded.wav")
        try:
            await _run("ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-i", str(source),
                       "-vn", "-ac", "1", str(decoded))  # fmt: skip
            await _to_phone_wav(decoded, partial)
        except AudioError as ffmpeg_error:  # neither reads it: say what both said
            raise AudioError(f"{sox_error}; {ffmpeg_error}") from None
        finally:
            decoded.unlink(missing_ok=True)
    partial.replace(target)
    return wav_seconds(target)


async def _to_phone_wav(source: Path, target: Path) -> None:
    await _run(
        "sox", str(source), "-r", str(SAMPLE_RATE), "-c", "1", "-b", "16", "-e", "signed-integer",
        str(target), "norm", "-1",
    )  # fmt: skip


async def speak(text: str, language: str, target: Path) -> float:
    """Speak ``text`` with espeak-ng into a phone WAV; return seconds."""
    voice = ESPEAK_VOICES.get(language)
    if voice is None:
        raise AudioError(f"no speech voice for language {language!r} (record it instead)")
    if not text.strip():
        raise AudioError("nothing to speak")
    target.parent.mkdir(parents=True, exist_ok=True)
    raw = target.with_suffix(".speech.wav")
    try:
        await _run(
            "espeak-ng", "-v", voice, "-s", str(SPEECH_WORDS_PER_MINUTE), "-w", str(raw),
            "--stdin", stdin=text.encode("utf-8"),
        )  # fmt: skip
        return await convert_for_phone(raw, target)
    finally:
        raw.unlink(missing_ok=True)


def wav_seconds(path: Path) -> float:
    with wave.open(str(path), "rb") as audio:
        return audio.getnframes() / audio.getframerate()


TRIM_LEVEL = "-45d"
"""Below this is silence (a quiet room) when trimming a phone recording's ends."""


async def trim_for_phone(source: Path, target: Path) -> float:
    """A message recorded on the staff line, its leading and trailing silence cut and its
    level normalised to -1 dBFS, as phone WAV; returns seconds (0 when all was silence)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    await _run(
        "sox", str(source), "-r", str(SAMPLE_RATE), "-c", "1", "-b", "16", "-e", "signed-integer",
        str(target), "silence", "1", "0.05", TRIM_LEVEL, "reverse",
        "silence", "1", "0.05", TRIM_LEVEL, "reverse", "norm", "-1",
    )  # fmt: skip
    return wav_seconds(target)
