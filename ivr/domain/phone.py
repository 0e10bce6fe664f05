"""Phone numbers: parse what a person typed into E.164, North American by default."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import phonenumbers
from phonenumbers import PhoneNumberType

from ivr.domain.errors import DomainError

LineType = Literal["landline", "mobile", "unknown"]
DEFAULT_REGION = "CA"
_MAX_INPUT = 40


@dataclass(frozen=True)
class Phone:
    e164: str
    line_type: LineType
    """What the numbering plan says; Canadian numbers are ``unknown`` (fixed or mobile)."""


def parse_phone(raw: str, region: str = DEFAULT_REGION) -> Phone:
    """The number in E.164 (``+14189620327``) or a DomainError saying what is wrong."""
    text = raw.strip()
    if not text:
        raise DomainError("Le numéro de téléphone est vide.", "The phone number is empty.")
    if len(text) > _MAX_INPUT or any(c in text for c in "\r\n\x00"):
        raise DomainError(
            "Le numéro de téléphone est trop long ou contient des caractères interdits.",
            "The phone number is too long or contains forbidden characters.",
        )
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as error:
        raise DomainError(
            f"« {text} » n'est pas un numéro de téléphone.",
            f"'{text}' is not a phone number.",
        ) from error
    if not phonenumbers.is_valid_number(number):
        raise DomainError(
            f"« {text} » n'est pas un numéro de téléphone valide (10 chiffres, ex. 418 962-0327).",
            f"'{text}' is not a valid phone number (10 digits, e.g. 418 962-0327).",
        )
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return Phone(e164, _line_type(phonenumbers.number_type(number)))


def _line_type(kind: int) -> LineType:
    if kind == PhoneNumberType.FIXED_LINE:
        return "landline"
    if kind == PhoneNumberType.MOBILE:
        return "mobile"
    return "unknown"


def display_phone(e164: str) -> str:
    """A number as people write it here: ``418 962-0327`` (international form abroad)."""
    if e164.startswith("+1") and len(e164) == 12:
        return f"{e164[2:5]} {e164[5:8]}-{e164[8:]}"
    number = phonenumbers.parse(e164, None)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
