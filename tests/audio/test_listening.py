"""The far end's audio, frame by frame: beeps found (single, double, 400-2,000 Hz,
0.1-1.5 s), speech never taken for one (espeak-ng voices, speeds and levels), silence
found over room tone, comfort noise, a noisy room and no media at all."""

from __future__ import annotations

import subprocess
import wave
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from ivr.channels.voice.listening import (
    BEEP_SETTLE,
    NO_BEEP_SILENCE,
    BeepWatch,
    GreetingEnd,
    GreetingOver,
    analyse,
)

RATE = 8000
FRAME = 160
RNG = np.random.default_rng(418)


def tone(hz: float, seconds: float, level_db: float = -12.0) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    return (10 ** (level_db / 20) * 32767 * np.sin(2 * np.pi * hz * t)).astype(np.float32)


def noise(seconds: float, level_db: float) -> np.ndarray:
    white = RNG.normal(size=int(seconds * RATE)).astype(np.float32)
    scale = float(10 ** (level_db / 20) * 32767 / np.sqrt(np.mean(white**2)))
    return (white * scale).astype(np.float32)


def silence(seconds: float) -> np.ndarray:
    return np.zeros(int(seconds * RATE), dtype=np.float32)


def speech(text: str, tmp_path: Path, voice: str = "fr", speed: int = 165) -> np.ndarray:
    """What espeak-ng says, at 8 kHz, at about -20 dBFS."""
    raw, phone = tmp_path / "raw.wav", tmp_path / "phone.wav"
    subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-w", str(raw), text], check=True)
    subprocess.run(["sox", str(raw), "-r", "8000", "-c", "1", "-b", "16", str(phone)], check=True)
    with wave.open(str(phone), "rb") as audio:
        samples = np.frombuffer(audio.readframes(audio.getnframes()), "<i2").astype(np.float32)
    loud = np.flatnonzero(np.abs(samples) > 300)  # without espeak's silence around it
    samples = samples[loud[0] : loud[-1] + 1]
    scale = float(0.1 * 32767 / np.sqrt(np.mean(samples**2)))
    return (samples * scale).astype(np.float32)


def frames(signal: np.ndarray) -> Iterator[bytes]:
    clipped = np.clip(signal, -32768, 32767).astype("<i2")
    for start in range(0, len(clipped) - FRAME + 1, FRAME):
        yield clipped[start : start + FRAME].tobytes()


def greeting_end(signal: np.ndarray, *, gap_after: float = 0.0) -> GreetingOver | None:
    """Feed ``signal`` frame by frame at real-time stamps; then ``gap_after`` seconds with
    no frames at all, checked every 20 ms."""
    detector = GreetingEnd(started=0.0)
    at = 0.0
    for pcm in frames(signal):
        at += 0.02
        if over := detector.feed(at, analyse(pcm)):
            return over
    end = at + gap_after
    while at < end:
        at += 0.02
        if over := detector.check(at):
            return over
    return None


def beeps_in(signal: np.ndarray) -> int:
    watch = BeepWatch()
    for index, pcm in enumerate(frames(signal)):
        watch.feed(index * 0.02, analyse(pcm))
    return watch.beeps


@pytest.mark.parametrize(
    ("hz", "seconds"), [(400, 0.1), (440, 0.2), (850, 0.4), (1000, 0.6), (1400, 1.2), (2000, 1.5)]
)
def test_a_beep_ends_the_greeting_just_after_it(hz: float, seconds: float) -> None:
    signal = np.concatenate([noise(1.0, -50), tone(hz, seconds), noise(2.0, -50)])
    over = greeting_end(signal)
    assert over is not None and over.reason == "beep"
    beep_end = 1.0 + seconds
    assert beep_end + BEEP_SETTLE - 0.05 <= over.at <= beep_end + BEEP_SETTLE + 0.1


def test_a_double_beep_ends_after_its_second_tone() -> None:
    signal = np.concatenate(
        [silence(0.5), tone(1000, 0.15), silence(0.12), tone(1000, 0.15), silence(2.0)]
    )
    over = greeting_end(signal)
    assert over is not None and over.reason == "beep"
    assert over.at >= 0.5 + 0.15 + 0.12 + 0.15 + BEEP_SETTLE - 0.05


def test_a_beep_followed_by_no_media_at_all_still_ends_the_greeting() -> None:
    signal = np.concatenate([noise(0.5, -55), tone(1000, 0.4)])
    over = greeting_end(signal, gap_after=5.0)
    assert over is not None and over.reason == "beep"
    assert over.at == pytest.approx(0.9 + BEEP_SETTLE, abs=0.1)


@pytest.mark.parametrize(
    ("voice", "speed", "level_db"),
    [("fr", 165, -20), ("fr+f3", 140, -12), ("fr+m4", 190, -26), ("en-us", 160, -18)],
)
def test_speech_is_never_a_beep(tmp_path: Path, voice: str, speed: int, level_db: float) -> None:
    said = speech(
        "Bonjour, vous avez bien joint la boîte vocale de Marie et Paul. Laissez-nous votre "
        "nom, votre numéro et un court message après le signal sonore. Merci, ouiii.",
        tmp_path,
        voice,
        speed,
    )
    scaled = said * 10 ** ((level_db + 20) / 20)
    assert beeps_in(np.concatenate([scaled, silence(0.5)])) == 0


def test_a_greeting_without_beep_ends_after_its_silence(tmp_path: Path) -> None:
    said = speech("Bonjour, laissez un message.", tmp_path)
    signal = np.concatenate([said, noise(5.0, -50)])
    over = greeting_end(signal)
    assert over is not None and over.reason == "silence"
    assert over.silence_before == pytest.approx(NO_BEEP_SILENCE, abs=0.25)
    assert over.at == pytest.approx(len(said) / RATE + NO_BEEP_SILENCE, abs=0.35)


def test_a_pause_inside_the_greeting_does_not_end_it(tmp_path: Path) -> None:
    said = speech("Bonjour.", tmp_path)
    rest = speech("Vous avez joint Marie. Laissez un message.", tmp_path)
    signal = np.concatenate([said, silence(2.5), rest, silence(0.3), tone(1000, 0.5), silence(1)])
    over = greeting_end(signal)
    assert over is not None and over.reason == "beep"


def test_a_far_end_that_sends_nothing_is_silence_by_the_clock(tmp_path: Path) -> None:
    said = speech("Laissez un message.", tmp_path)
    over = greeting_end(said, gap_after=10.0)
    assert over is not None and over.reason == "no_media"
    assert over.at == pytest.approx(len(said) / RATE + NO_BEEP_SILENCE, abs=0.3)


def test_silence_is_found_in_a_noisy_room_and_in_comfort_noise(tmp_path: Path) -> None:
    said = speech("Allô? Oui, allô?", tmp_path)
    for background in (-30.0, -60.0):
        signal = np.concatenate(
            [noise(1.0, background), said + noise(len(said) / RATE, background)]
        )
        signal = np.concatenate([signal, noise(5.0, background)])
        over = greeting_end(signal)
        assert over is not None and over.reason == "silence", background


def test_a_greeting_of_thirty_seconds_is_heard_to_its_beep(tmp_path: Path) -> None:
    long = speech(" ".join(["Nous ne pouvons pas vous répondre pour le moment."] * 14), tmp_path)
    assert len(long) / RATE > 25
    over = greeting_end(np.concatenate([long, tone(1000, 0.5), silence(1)]))
    assert over is not None and over.reason == "beep"
    assert over.at > len(long) / RATE


def test_the_bound_starts_the_message_anyway() -> None:
    talk = np.concatenate([noise(0.6, -15), noise(0.4, -50)] * 50)  # never a 3 s pause
    over = greeting_end(talk)
    assert over is not None and over.reason == "bound"
    assert over.at == pytest.approx(45.0, abs=0.05)
