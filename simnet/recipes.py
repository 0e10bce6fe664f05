"""What the simulated phones say and sound like: recipes, made into audio at start by
``simnet.sounds`` with espeak-ng and sox (nothing binary is committed).

Speakers vary (espeak-ng voices and their variants), and so do speeds, levels,
pauses and background noise, as real people and answering machines do.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Pause:
    seconds: float


@dataclass(frozen=True)
class Speech:
    """Spoken parts and pauses, in one voice, at one speed and level."""

    parts: tuple[str | Pause, ...]
    voice: str = "fr"
    speed: int = 165
    gain_db: float = 0.0
    noise: str | None = None
    """A background (a noise of NOISES) mixed under the words."""


GREETING = (
    "Bonjour, vous avez bien joint la boîte vocale de Marie. Laissez-moi un message après le bip."
)
GREETING_LONG = (
    "Bonjour, vous êtes bien chez Marie et Paul. Nous ne pouvons pas vous répondre "
    "pour le moment, car nous sommes sortis ou déjà au téléphone. Laissez-nous votre nom, "
    "votre numéro et un court message, et nous vous rappellerons dès que possible. "
    "Merci et bonne journée."
)
GREETING_30S = (
    "Bonjour, et merci d'avoir appelé chez Jean-Marc et Louise Fontaine, à Uashat. "
    "Nous sommes partis au chalet pour quelques jours, et la ligne ne capte pas toujours "
    "là-bas. Si votre appel concerne le conseil de bande, composez plutôt le numéro du "
    "bureau. Pour tout le reste, laissez-nous votre nom, votre numéro de téléphone, "
    "l'heure de votre appel et un court message. Nous écouterons nos messages en revenant "
    "et nous vous rappellerons dès que possible. Parlez après le signal sonore. Merci!"
)

SPEECH: dict[str, Speech] = {
    # People
    "allo": Speech(("Allô?",)),
    "phrases": Speech(("Allô?", Pause(0.7), "Oui?", Pause(0.7), "Allô, qui parle?"), "fr+f3"),
    "long-sentence": Speech(
        ("Oui bonjour, ici Jean-Pierre Vollant, je vous écoute, qu'est-ce qui se passe?",),
        "fr+m3",
        175,
    ),
    "allo-noisy": Speech(("Allô? Oui?",), "fr+m4", 160, 4.0, noise="noisy"),
    "allo-quiet": Speech(("Allô?",), "fr+f2", 140, -9.0),
    # Answering machines
    "greeting": Speech((GREETING,)),
    "greeting-long": Speech((GREETING_LONG,)),
    "greeting-pause": Speech(
        ("Bonjour, vous êtes bien chez Louise Vollant.", Pause(2.0), "Laissez votre message."),
        "fr+f3",
        150,
    ),
    "greeting-short-pause": Speech(
        ("Bonjour.", Pause(1.5), "Ici le répondeur de la famille Fontaine. Laissez un message."),
        "fr+m2",
        180,
        -6.0,
    ),
    "greeting-like-person": Speech(
        (
            "Allô?",
            Pause(2.2),
            "Ha! Vous êtes sur ma boîte vocale. Laissez un message, je rappelle.",
        ),
        "fr+m3",
    ),
    "greeting-30s": Speech((GREETING_30S,), "fr+f2", 150),
    "greeting-fast-loud": Speech(
        ("Vous avez joint le 418 962 1020. Laissez un message.",), "fr+f4", 210, 5.0
    ),
    "greeting-slow-quiet": Speech(
        ("Bonjour. Je ne suis pas disponible. Laissez votre message après le bip.",),
        "fr+m4",
        125,
        -10.0,
    ),
    "greeting-english": Speech(
        ("Hi, you've reached Peter. Please leave a message after the tone.",), "en-us", 170
    ),
}
SPEECH_NAMES = frozenset(SPEECH)

NOISES: dict[str, float] = {
    "roomtone": 0.004,  # the faint noise of a phone whose user listens
    "comfort": 0.0015,  # comfort noise some voicemail systems send while they record
    "noisy": 0.08,  # a noisy room (a radio, a vehicle)
    "silence": 0.0,  # frames of digital silence
}
"""Backgrounds (pink noise, ``sox vol``), also music-on-hold classes of the network."""

BEEP_NAME = re.compile(r"^beep(?P<double>-double)?-(?P<hz>[0-9]{3,4})-(?P<ms>[0-9]{2,4})$")
"""``beep-1000-600``: 1,000 Hz for 600 ms; ``beep-double-1000-150``: two of them 120 ms
apart."""
DOUBLE_BEEP_GAP = 0.12
