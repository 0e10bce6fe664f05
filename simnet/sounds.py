"""Audio of the simulated phones, made at start with sox and espeak-ng of the Asterisk root.

Nothing binary is committed: the recipes (``simnet.recipes``) are made into the
network's sounds directory (8 kHz mono WAV, what Asterisk plays without resampling)
when they are missing or the recipes changed.
"""

from __future__ import annotations

import functools
import hashlib
import subprocess
from collections.abc import Callable, Iterable
from pathlib import Path, PurePosixPath

from ivr.asterisk.layout import InstanceLayout
from simnet.recipes import BEEP_NAME, DOUBLE_BEEP_GAP, NOISES, SPEECH, Pause, Speech

_ENV = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8"}
_TO_8K = ["-r", "8000", "-c", "1", "-b", "16"]


class SoundError(RuntimeError):
    """A sound could not be made (sox or espeak-ng failed)."""


def run_in_root(root: Path, argv: list[str], timeout: float = 60.0) -> str:
    """Run ``argv`` inside ``root`` (chroot unless the root is ``/``); its output."""
    command = argv if root.resolve() == Path("/") else ["chroot", str(root), *argv]
    result = subprocess.run(command, capture_output=True, env=_ENV, timeout=timeout, check=False)
    if result.returncode != 0:
        raise SoundError(f"{argv[0]} failed: {result.stderr.decode(errors='replace')[-500:]}")
    return result.stdout.decode(errors="replace")


def speak(
    root: Path, target: PurePosixPath, text: str, voice: str = "fr", speed: int = 165
) -> None:
    """Speak ``text`` into ``target`` (a path inside the root)."""
    spoken = f"{target}.espeak.wav"
    run_in_root(root, ["espeak-ng", "-v", voice, "-s", str(speed), "-w", spoken, text])
    run_in_root(root, ["sox", spoken, *_TO_8K, str(target)])
    run_in_root(root, ["rm", "-f", spoken])


def synth(root: Path, target: PurePosixPath, *effects: str) -> None:
    """Make ``target`` with ``sox -n ... synth`` effects, e.g. ``synth 1 sine 440``."""
    run_in_root(root, ["sox", "-n", *_TO_8K, str(target), *effects])


def _synth_to(root: Path, effects: tuple[str, ...], target: PurePosixPath) -> None:
    synth(root, target, *effects)


def make_speech(root: Path, target: PurePosixPath, recipe: Speech) -> None:
    """The parts of ``recipe`` spoken and paused, at its level, over its background."""
    pieces = []
    for index, part in enumerate(recipe.parts):
        piece = PurePosixPath(f"{target}.part{index}.wav")
        if isinstance(part, Pause):
            synth(root, piece, "trim", "0", str(part.seconds))
        else:
            speak(root, piece, part, recipe.voice, recipe.speed)
        pieces.append(str(piece))
    spoken = f"{target}.spoken.wav"
    run_in_root(root, ["sox", *pieces, spoken, "gain", str(recipe.gain_db)])
    if recipe.noise is None:
        run_in_root(root, ["mv", spoken, str(target)])
    else:
        noise = f"{target}.noise.wav"
        length = run_in_root(root, ["soxi", "-D", spoken]).strip()
        synth(
            root,
            PurePosixPath(noise),
            "synth",
            length,
            "pinknoise",
            "vol",
            str(NOISES[recipe.noise]),
        )
        run_in_root(root, ["sox", "-m", spoken, noise, str(target)])
        run_in_root(root, ["rm", "-f", spoken, noise])
    run_in_root(root, ["rm", "-f", *pieces])


def make_beep(root: Path, target: PurePosixPath, name: str) -> None:
    """``beep-1000-600`` or ``beep-double-1000-150`` (see simnet.recipes.BEEP_NAME)."""
    match = BEEP_NAME.match(name)
    if match is None:
        raise SoundError(f"{name!r} is not a beep")
    seconds = str(int(match["ms"]) / 1000)
    if not match["double"]:
        synth(root, target, "synth", seconds, "sine", match["hz"], "vol", "0.5")
        return
    tone, gap = f"{target}.tone.wav", f"{target}.gap.wav"
    synth(root, PurePosixPath(tone), "synth", seconds, "sine", match["hz"], "vol", "0.5")
    synth(root, PurePosixPath(gap), "trim", "0", str(DOUBLE_BEEP_GAP))
    run_in_root(root, ["sox", tone, gap, tone, str(target)])
    run_in_root(root, ["rm", "-f", tone, gap])


def make_network_sounds(layout: InstanceLayout, beeps: Iterable[str] = ()) -> None:
    """Make the phones' sounds in ``layout.sounds_dir`` (the recipes' and ``beeps``),
    unless they exist and the recipes did not change."""
    sounds = layout.sounds_dir
    wanted: dict[str, Callable[[PurePosixPath], None]] = {
        f"{name}.wav": functools.partial(make_speech, layout.root, recipe=recipe)
        for name, recipe in SPEECH.items()
    }
    for beep in sorted(set(beeps)):
        wanted[f"{beep}.wav"] = functools.partial(make_beep, layout.root, name=beep)
    for noise, volume in NOISES.items():
        effects: tuple[str, ...] = ("trim", "0", "60")  # frames of digital silence
        if volume:
            effects = ("synth", "60", "pinknoise", "vol", str(volume))
        wanted[f"{noise}/{noise}.wav"] = functools.partial(_synth_to, layout.root, effects)
        layout.host(sounds / noise).mkdir(parents=True, exist_ok=True)
    stamp = layout.host(sounds / ".recipes")
    fingerprint = hashlib.sha256(repr((SPEECH, NOISES, sorted(wanted))).encode()).hexdigest()
    fresh = stamp.exists() and stamp.read_text() == fingerprint
    for name, make in wanted.items():
        path = sounds / name
        if not fresh or not layout.host(path).exists():
            make(path)
            layout.host(path).chmod(0o644)
    stamp.write_text(fingerprint)
