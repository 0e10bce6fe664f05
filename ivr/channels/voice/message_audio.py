"""Make an alert's phone audio before it is launched: each language's staff recording
converted for the phone, or its text spoken when there is no recording."""

from __future__ import annotations

import logging
from pathlib import Path

import asyncpg

from ivr.channels.voice.audio import AudioError, convert_for_phone, speak
from ivr.channels.voice.sounds import PbxSounds
from ivr.storage import voice as voice_store
from ivr.storage.voice import AlertAudio

log = logging.getLogger(__name__)


async def prepare_alert_audio(
    pool: asyncpg.Pool, alert_id: int, sounds: PbxSounds, recordings_dir: Path
) -> dict[str, float]:
    """Make the audio of every language the alert has voice content for.

    Returns seconds per language. A recording path is relative to ``recordings_dir``
    (where staff uploads and phone recordings are kept). Raises AudioError naming the
    language when one cannot be made; nothing is launched without its audio.
    """
    made: dict[str, float] = {}
    for content in await voice_store.voice_contents(pool, alert_id):
        language = content.language
        name = sounds.alert_message(alert_id, language)
        target = sounds.host(name).with_suffix(".wav")
        try:
            if content.voice_recording:
                source = recording_path(recordings_dir, content.voice_recording)
                seconds = await convert_for_phone(source, target)
                kind = "recording"
            else:
                seconds = await speak(content.voice_text or "", language, target)
                kind = "speech"
        except AudioError as error:
            raise AudioError(f"alert {alert_id}, language {language}: {error}") from error
        await voice_store.save_audio(pool, alert_id, AlertAudio(language, str(name), seconds), kind)
        made[language] = seconds
        log.info(
            "alert audio ready",
            extra={"alert_id": alert_id, "language": language, "seconds": round(seconds, 2)},
        )
    return made


def recording_path(directory: Path, relative: str) -> Path:
    """``directory/relative``, refusing any path that leaves ``directory``."""
    base = directory.resolve()
    path = (base / relative).resolve()
    if not path.is_relative_to(base):
        raise AudioError(f"recording {relative!r} is outside the recordings directory")
    return path
