"""SMS text rules: GSM-7 or UCS-2, how many segments, and the parts of a long message.

GSM-7 (3GPP TS 23.038): 160 septets in one SMS, 153 per part when split (the
concatenation header takes the rest); a character of the extension table costs two
septets (escape + code) and is never split from its escape. UCS-2: 70 UTF-16 code units
in one SMS, 67 per part; a character outside the BMP is a surrogate pair and is never
split either.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ivr.domain.errors import DomainError

Encoding = Literal["gsm7", "ucs2"]

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")

SINGLE_LIMIT: dict[Encoding, int] = {"gsm7": 160, "ucs2": 70}
PART_LIMIT: dict[Encoding, int] = {"gsm7": 153, "ucs2": 67}
MAX_PARTS = 10
"""Longer messages are refused: carriers drop or mangle very long concatenations."""

_PLAIN = str.maketrans(
    {
        "\u2019": "'",  # typographic apostrophe
        "\u2018": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u00ab": '"',  # «
        "\u00bb": '"',  # »
        "\u2013": "-",
        "\u2014": "-",
        "\u2026": "...",
        "\u00a0": " ",  # no-break spaces French puts before : ; ! ?
        "\u202f": " ",
    }
)


@dataclass(frozen=True)
class SmsInfo:
    encoding: Encoding
    units: int
    """Septets (GSM-7) or UTF-16 code units (UCS-2) of the whole text."""
    segments: int


def encoding_of(text: str) -> Encoding:
    """GSM-7 when every character is in the basic or extension table, else UCS-2."""
    if all(c in GSM7_BASIC or c in GSM7_EXTENSION for c in text):
        return "gsm7"
    return "ucs2"


def char_units(char: str, encoding: Encoding) -> int:
    """What one character costs: septets in GSM-7, UTF-16 code units in UCS-2."""
    if encoding == "gsm7":
        return 2 if char in GSM7_EXTENSION else 1
    return 2 if ord(char) > 0xFFFF else 1


def split_parts(text: str) -> list[str]:
    """The parts the text is sent as; one part when it fits in a single SMS."""
    encoding = encoding_of(text)
    if sum(char_units(c, encoding) for c in text) <= SINGLE_LIMIT[encoding]:
        return [text] if text else []
    limit = PART_LIMIT[encoding]
    parts: list[str] = []
    current: list[str] = []
    used = 0
    for char in text:
        cost = char_units(char, encoding)
        if used + cost > limit:
            parts.append("".join(current))
            current, used = [], 0
        current.append(char)
        used += cost
    parts.append("".join(current))
    return parts


def analyze(text: str) -> SmsInfo:
    """Encoding, size and segment count, as shown to staff while they compose."""
    encoding = encoding_of(text)
    units = sum(char_units(c, encoding) for c in text)
    return SmsInfo(encoding, units, len(split_parts(text)))


def plain_punctuation(text: str) -> str:
    """Typographic quotes, dashes and no-break spaces replaced by plain ones, which
    keeps a French text in GSM-7 (160 characters per SMS instead of 70) when its
    letters allow it."""
    return text.translate(_PLAIN)


def check_sms_text(text: str) -> SmsInfo:
    """The text's SmsInfo, or a DomainError if it cannot be sent as an alert."""
    if not text.strip():
        raise DomainError("Le texto est vide.", "The text message is empty.")
    info = analyze(text)
    if info.segments > MAX_PARTS:
        raise DomainError(
            f"Le texto est trop long : {info.segments} parties (maximum {MAX_PARTS}).",
            f"The text message is too long: {info.segments} parts (at most {MAX_PARTS}).",
        )
    return info
