"""Audio of the simulated phones, made at start with sox and espeak-ng of the Asterisk root.

Nothing binary is committed: "allô", the greetings, the beep and the room
tone are generated into the network's sounds directory (8 kHz mono WAV, what
Asterisk plays without resampling) when they are missing.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path, PurePosixPath

from ivr.asterisk.layout import InstanceLayout

_ENV = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8"}
_TO_8K = ["-r", "8000", "-c", "1", "-b", "16"]

GREETING = (
    "Bonjour, vous avez bien joint la boîte vocale de Marie. Laissez-moi un message après le bip."
)
GREETING_LONG = (
    "Bonjour, vous êtes bien chez Marie et Paul. Nous ne pouvons pas vous répondre "
    "pour le moment, car nous sommes sortis ou déjà au téléphone. Laissez-nous votre nom, "
    "votre numéro et un court message, et nous vous rappellerons dès que possible. "
    "Merci et bonne journée."
)


class SoundError(RuntimeError):
    """A sound could not be made (sox or espeak-ng failed)."""


def run_in_root(root: Path, argv: list[str], timeout: float = 60.0) -> None:
    """Run ``argv`` inside ``root`` (chroot unless the root is ``/``)."""
    command = argv if root.resolve() == Path("/") else ["chroot", str(root), *argv]
    result = subprocess.run(command, capture_output=True, env=_ENV, timeout=timeout, check=False)
    if result.returncode != 0:
        raise SoundError(f"{argv[0]} failed: {result.stderr.decode(errors='replace')[-500:]}")


def speak(root: Path, target: PurePosixPath, text: str, voice: str = "fr") -> None:
    """Speak ``text`` into ``target`` (a path inside the root)."""
    spoken = f"{target}.espeak.wav"
    run_in_root(root, ["espeak-ng", "-v", voice, "-s", "165", "-w", spoken, text])
    run_in_root(root, ["sox", spoken, *_TO_8K, str(target)])
    run_in_root(root, ["rm", "-f", spoken])


def synth(root: Path, target: PurePosixPath, *effects: str) -> None:
    """Make ``target`` with ``sox -n ... synth`` effects, e.g. ``synth 1 sine 440``."""
    run_in_root(root, ["sox", "-n", *_TO_8K, str(target), *effects])


def make_network_sounds(layout: InstanceLayout) -> None:
    """Make the phones' sounds in ``layout.sounds_dir`` unless they exist."""
    sounds = layout.sounds_dir
    wanted: dict[str, Callable[[PurePosixPath], None]] = {
        "allo.wav": lambda path: speak(layout.root, path, "Allô?"),
        "greeting.wav": lambda path: speak(layout.root, path, GREETING),
        "greeting-long.wav": lambda path: speak(layout.root, path, GREETING_LONG),
        "beep.wav": lambda path: synth(
            layout.root, path, "synth", "0.6", "sine", "1000", "vol", "0.5"
        ),
        # Very quiet noise: well under the silence thresholds of amd.conf and dsp.conf.
        "roomtone/roomtone.wav": lambda path: synth(
            layout.root, path, "synth", "60", "pinknoise", "vol", "0.004"
        ),
    }
    layout.host(sounds / "roomtone").mkdir(parents=True, exist_ok=True)
    for name, make in wanted.items():
        path = sounds / name
        if not layout.host(path).exists():
            make(path)
            layout.host(path).chmod(0o644)
