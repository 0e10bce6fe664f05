"""The phone prompts: recorded when the community has recorded them, spoken otherwise.

``sounds/prompts.json`` holds the texts; ``sounds/<language>/<name>.<ext>`` holds
recordings. ``install_prompts`` puts one phone WAV per prompt and language into the
PBX's sounds directory and skips what is already current.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from pathlib import Path

from ivr.channels.voice.audio import convert_for_phone, speak

log = logging.getLogger(__name__)

LANGUAGES = ("fr", "en", "innu")
RECORDING_SUFFIXES = (".wav", ".mp3", ".ogg", ".flac", ".gsm")


@dataclass(frozen=True)
class PromptSource:
    name: str
    language: str
    text: str | None
    recording: Path | None

    def fingerprint(self) -> str:
        """Changes when the text or the recording changes."""
        digest = hashlib.sha256((self.text or "").encode())
        if self.recording is not None:
            digest.update(self.recording.read_bytes())
        return digest.hexdigest()[:16]


def prompt_sources(sounds_dir: Path) -> list[PromptSource]:
    """Every (prompt, language) that has a text or a recording."""
    catalogue = json.loads((sounds_dir / "prompts.json").read_text(encoding="utf-8"))
    sources = []
    for name, texts in sorted(catalogue["prompts"].items()):
        for language in LANGUAGES:
            recording = next(
                (
                    path
                    for suffix in RECORDING_SUFFIXES
                    if (path := sounds_dir / language / f"{name}{suffix}").is_file()
                ),
                None,
            )
            text = texts.get(language)
            if recording is not None or (text and language != "innu"):
                sources.append(PromptSource(name, language, text, recording))
    return sources


async def install_prompts(sounds_dir: Path, target_dir: Path) -> int:
    """Install every prompt into ``target_dir/<language>/<name>.wav``; return how many
    were (re)made. A ``.source`` file beside each WAV records what it was made from."""
    made = 0
    for source in prompt_sources(sounds_dir):
        target = target_dir / source.language / f"{source.name}.wav"
        stamp = target.with_suffix(".source")
        fingerprint = source.fingerprint()
        if target.is_file() and stamp.is_file() and stamp.read_text() == fingerprint:
            continue
        if source.recording is not None:
            await convert_for_phone(source.recording, target)
        else:
            assert source.text is not None
            await speak(source.text, source.language, target)
        stamp.write_text(fingerprint)
        made += 1
    if made:
        log.info("prompts installed", extra={"count": made})
    return made


def available_prompts(target_dir: Path, language: str) -> set[str]:
    """Names of the prompts installed for ``language``."""
    return {path.stem for path in (target_dir / language).glob("*.wav")}
