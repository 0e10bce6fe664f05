"""One row of a 411 directory listing, read into what enrolment needs: a Canadian
geographic number in E.164, a name, a civic address; or the reason it cannot be used.

Business listings are not residents: a row is a business when its type column says so
or when its name matches the configured pattern (``IVR_DIRECTORY_BUSINESS_PATTERN``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

import phonenumbers
from phonenumbers import PhoneNumberType

from ivr.domain.addresses import CivicAddress, civic_address, split_address
from ivr.domain.errors import DomainError, shown

FIELDS = ("phone", "name", "family_name", "given_name", "address", "civic_number", "street",
          "unit", "city", "kind")  # fmt: skip
"""What a column can mean once its header is recognized (ivr.importers.directory_file)."""
_EXTENSION = re.compile(
    r"[\s,;]*(?:poste|post|p|ext|extension|x|#)\.?\s*\d{1,6}\s*$", re.IGNORECASE
)
_BUSINESS_KINDS = frozenset({"affaires", "affaire", "entreprise", "commercial", "commerce",
                             "business", "b", "c", "com", "bus"})  # fmt: skip
_RESIDENTIAL_KINDS = frozenset({"residentiel", "residence", "residential", "res", "r", "p",
                                "particulier"})  # fmt: skip
_MAX_NAME = 200
_MAX_PHONE_INPUT = 40
_GEOGRAPHIC = frozenset({PhoneNumberType.FIXED_LINE, PhoneNumberType.MOBILE,
                         PhoneNumberType.FIXED_LINE_OR_MOBILE})  # fmt: skip


@dataclass(frozen=True)
class Listing:
    phone_e164: str
    name: str
    address: CivicAddress
    city: str


class BusinessListing(Exception):
    """The row lists a business; it is skipped and counted, not an error."""


def business_pattern(text: str) -> re.Pattern[str]:
    """The business rule as a case-insensitive pattern on the listed name."""
    return re.compile(text, re.IGNORECASE)


def read_listing(fields: Mapping[str, str], business: re.Pattern[str]) -> Listing:
    """The listing of one row (recognized fields only); BusinessListing for a business,
    DomainError saying what is wrong otherwise."""
    name = _name(fields)
    if _is_business(fields.get("kind", ""), name, business):
        raise BusinessListing
    phone = directory_phone(fields.get("phone", ""))
    if not name:
        raise DomainError("Nom manquant.", "Name missing.")
    return Listing(phone, name, _address(fields), " ".join(fields.get("city", "").split()))


def directory_phone(raw: str) -> str:
    """A Canadian geographic number in E.164, any usual writing accepted and an extension
    ignored; a toll-free, non-geographic or foreign number is refused with the reason."""
    text = _EXTENSION.sub("", raw.strip())
    if not text:
        raise DomainError("Numéro de téléphone manquant.", "Phone number missing.")
    if len(text) > _MAX_PHONE_INPUT:
        raise DomainError(f"« {shown(raw)} » est trop long.", f"'{shown(raw)}' is too long.")
    try:
        number = phonenumbers.parse(text, "CA")
    except phonenumbers.NumberParseException:
        raise DomainError(
            f"« {shown(raw)} » n'est pas un numéro de téléphone.",
            f"'{shown(raw)}' is not a phone number.",
        ) from None
    region, geographic = _region_and_kind(number)
    if region is None:
        raise DomainError(
            f"« {shown(raw)} » n'est pas un numéro de téléphone valide.",
            f"'{shown(raw)}' is not a valid phone number.",
        )
    if not geographic:
        raise DomainError(
            f"« {shown(raw)} » n'est pas un numéro géographique (sans frais ou spécial).",
            f"'{shown(raw)}' is not a geographic number (toll-free or special).",
        )
    if region != "CA":
        raise DomainError(
            f"« {shown(raw)} » n'est pas un numéro canadien.",
            f"'{shown(raw)}' is not a Canadian number.",
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


_AREAS: dict[str, tuple[str, bool]] = {}
"""North American area code → (region, geographic), learnt from valid numbers."""


def _region_and_kind(number: phonenumbers.PhoneNumber) -> tuple[str | None, bool]:
    """The number's region (None: not a valid number) and whether it is geographic.

    The numbering plan's lookups are most of a large listing's reading time. In the
    North American plan an area code belongs to one region and is geographic or not as
    a whole (800, 900, 600 are not), so they are made once per area code; each number
    is still checked against its region's patterns."""
    national = str(number.national_number)
    area = national[:3] if number.country_code == 1 and len(national) == 10 else ""
    if area in _AREAS:
        known, geographic = _AREAS[area]
        valid = phonenumbers.is_valid_number_for_region(number, known)
        return (known if valid else None), geographic
    region: str | None = phonenumbers.region_code_for_number(number)
    if region is None:
        return None, False
    geographic = phonenumbers.number_type(number) in _GEOGRAPHIC
    if area:
        _AREAS[area] = (region, geographic)
    return region, geographic


def _name(fields: Mapping[str, str]) -> str:
    name = fields.get("name", "")
    if not name.strip():
        name = f"{fields.get('given_name', '')} {fields.get('family_name', '')}"
    name = " ".join(name.split())
    if len(name) > _MAX_NAME or not name.isprintable():
        raise DomainError("Nom trop long ou illisible.", "Name too long or unreadable.")
    return name


def _is_business(kind: str, name: str, business: re.Pattern[str]) -> bool:
    plain = _plain(kind)
    if plain in _BUSINESS_KINDS:
        return True
    if plain in _RESIDENTIAL_KINDS:
        return False
    return business.search(name) is not None


def _plain(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.strip().casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).rstrip(".")


def _address(fields: Mapping[str, str]) -> CivicAddress:
    number, street = fields.get("civic_number", "").strip(), fields.get("street", "").strip()
    if number or street:
        if not number or not street:
            raise DomainError(
                "Il faut le numéro civique et la rue.", "Both civic number and street are needed."
            )
        found = civic_address(number, street)
    else:
        text = fields.get("address", "").strip()
        if not text:
            raise DomainError("Adresse manquante.", "Address missing.")
        found = split_address(text)
    unit = fields.get("unit", "").strip()
    if unit and not found.unit:
        found = CivicAddress(found.civic_number, found.suffix, unit[:20], found.street)
    if len(found.street) > 200 or not found.street.isprintable():
        raise DomainError("Rue trop longue ou illisible.", "Street too long or unreadable.")
    return found
