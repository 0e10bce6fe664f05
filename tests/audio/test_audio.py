"""Message audio with the real sox and espeak-ng: recordings in common formats become
phone WAV, text becomes speech, prompts prefer recordings, bad input is refused."""

from __future__ import annotations

import asyncio
import json
import wave
from pathlib import Path

import pytest

from ivr.channels.voice.audio import SAMPLE_RATE, AudioError, convert_for_phone, speak, wav_seconds
from ivr.channels.voice.message_audio import recording_path
from ivr.channels.voice.prompts import available_prompts, install_prompts, prompt_sources


async def make_recording(path: Path, seconds: float) -> None:
    """A 44.1 kHz stereo tone in whatever format ``path``'s suffix names."""
    process = await asyncio.create_subprocess_exec(
        "sox", "-n", "-r", "44100", "-c", "2", str(path), "synth", str(seconds), "sine", "440",
    )  # fmt: skip
    assert await process.wait() == 0


def assert_phone_wav(path: Path) -> None:
    with wave.open(str(path), "rb") as audio:
        assert audio.getframerate() == SAMPLE_RATE
        assert audio.getnchannels() == 1
        assert audio.getsampwidth() == 2


@pytest.mark.parametrize("suffix", [".wav", ".ogg", ".flac", ".mp3"])
async def test_recordings_become_phone_wav_of_the_same_length(tmp_path: Path, suffix: str) -> None:
    source = tmp_path / f"message{suffix}"
    await make_recording(source, 3.0)
    target = tmp_path / "out" / "message.wav"
    seconds = await convert_for_phone(source, target)
    assert_phone_wav(target)
    assert seconds == pytest.approx(3.0, abs=0.06)  # MP3 frames pad a little
    assert not list((tmp_path / "out").glob("*.partial.wav"))


async def test_text_becomes_french_speech(tmp_path: Path) -> None:
    target = tmp_path / "speech.wav"
    seconds = await speak("Avis d'ébullition de l'eau pour le secteur de Uashat.", "fr", target)
    assert_phone_wav(target)
    assert 2.0 < seconds < 10.0
    assert not (tmp_path / "speech.speech.wav").exists()


async def test_missing_or_broken_recordings_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(AudioError, match="does not exist"):
        await convert_for_phone(tmp_path / "nope.wav", tmp_path / "out.wav")
    broken = tmp_path / "broken.wav"
    broken.write_bytes(b"RIFF\x00\x00not audio at all")
    with pytest.raises(AudioError, match="sox failed"):
        await convert_for_phone(broken, tmp_path / "out.wav")
    assert not (tmp_path / "out.wav").exists()


async def test_innu_is_never_spoken_by_a_machine(tmp_path: Path) -> None:
    with pytest.raises(AudioError, match="no speech voice for language 'innu'"):
        await speak("kuei", "innu", tmp_path / "x.wav")


def test_recording_paths_cannot_leave_the_recordings_directory(tmp_path: Path) -> None:
    assert recording_path(tmp_path, "alerts/12.ogg") == tmp_path.resolve() / "alerts" / "12.ogg"
    with pytest.raises(AudioError, match="outside the recordings directory"):
        recording_path(tmp_path, "../../etc/shadow")


async def test_prompts_prefer_recordings_and_innu_needs_one(tmp_path: Path) -> None:
    sounds = tmp_path / "sounds"
    for language in ("fr", "en", "innu"):
        (sounds / language).mkdir(parents=True)
    (sounds / "prompts.json").write_text(
        json.dumps({"prompts": {"goodbye": {"fr": "Au revoir.", "en": "Goodbye."}}})
    )
    await make_recording(sounds / "innu" / "goodbye.ogg", 1.0)
    await make_recording(sounds / "en" / "goodbye.flac", 2.0)
    target = tmp_path / "pbx"

    assert {(s.language, s.recording is not None) for s in prompt_sources(sounds)} == {
        ("fr", False), ("en", True), ("innu", True),
    }  # fmt: skip
    assert await install_prompts(sounds, target) == 3
    assert wav_seconds(target / "en" / "goodbye.wav") == pytest.approx(2.0, abs=0.01)
    assert wav_seconds(target / "innu" / "goodbye.wav") == pytest.approx(1.0, abs=0.01)
    assert available_prompts(target, "fr") == {"goodbye"}

    assert await install_prompts(sounds, target) == 0  # nothing changed: nothing redone
    await make_recording(sounds / "en" / "goodbye.flac", 1.5)
    assert await install_prompts(sounds, target) == 1
    assert wav_seconds(target / "en" / "goodbye.wav") == pytest.approx(1.5, abs=0.01)


def test_shipped_prompts_cover_both_spoken_languages() -> None:
    """Every prompt in French and English, but the code calls' (French only) and the
    staff line's "press star for English" (said in English only)."""
    sources = prompt_sources(Path(__file__).parents[2] / "sounds")
    french = {s.name for s in sources if s.language == "fr"}
    english = {s.name for s in sources if s.language == "en"}
    code = {"code-intro", "code-repeat"} | {f"code-digit-{digit}" for digit in range(10)}
    alert_call = {"intro", "menu", "confirm-offer", "other-language", "confirmed", "goodbye"}
    assert alert_call | code <= french
    assert french - english == code
    assert english - french == {"staff-english"}
