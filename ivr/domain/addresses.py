"""Civic addresses as listings write them: split into number, suffix, unit and street,
and the street matched to a known one despite the street type, articles, accents and
case (``12A, boul. des Montagnais``, ``12 a Montagnais``, ``12-A BD DES MONTAGNAIS``)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from ivr.domain.errors import DomainError, shown
from ivr.domain.sectors import street_key

_CIVIC = re.compile(r"^\s*(\d{1,6})(?:\s*-?\s*([A-Za-z])(?=[\s,]))?[\s,]+(.+?)\s*$")
_UNIT = re.compile(
    r"^(.*?)[\s,]+(?:app\.?|apt\.?|appartement|unit[ée]?|suite|bureau|#)\s*([\w-]{1,8})\s*$",
    re.IGNORECASE,
)
_STREET_TYPES = frozenset(
    {"rue", "avenue", "boulevard", "chemin", "route", "place", "rang", "croissant",
     "terrasse", "impasse", "allee", "montee", "promenade", "street", "road"}
)  # fmt: skip
_ARTICLES = frozenset({"de", "du", "des", "la", "le", "les", "l", "d", "of", "the"})


@dataclass(frozen=True)
class CivicAddress:
    civic_number: int
    suffix: str
    """A letter after the number (12A), upper case; empty when there is none."""
    unit: str
    street: str


def split_address(text: str) -> CivicAddress:
    """``12A, rue des Épinettes app. 3`` → 12, ``A``, ``3``, ``rue des Épinettes``."""
    unit = ""
    with_unit = _UNIT.match(text)
    if with_unit:
        text, unit = with_unit.group(1), with_unit.group(2)
    found = _CIVIC.match(text)
    if not found:
        raise DomainError(
            f"Adresse sans numéro civique au début : « {shown(text)} ».",
            f"Address without a civic number first: '{shown(text)}'.",
        )
    return CivicAddress(int(found.group(1)), (found.group(2) or "").upper(), unit, found.group(3))


def civic_address(number: str, street: str) -> CivicAddress:
    """An address given as two fields: the civic number (``12A``) and the street."""
    return split_address(f"{number.strip()} {street.strip()}")


def street_parts(street: str) -> tuple[str, str]:
    """The street's type and its name without articles: ``rue des Épinettes`` gives
    (``rue``, ``epinettes``); ``Épinettes`` gives (``""``, ``epinettes``)."""
    words = [w for w in street_key(street).split() if w not in _ARTICLES]
    if len(words) > 1 and words[0] in _STREET_TYPES:
        return words[0], " ".join(words[1:])
    return "", " ".join(words)


class StreetIndex:
    """The known streets (those the sectors' segments name). A street is found by its
    key, else by its name alone when one known street has that name and the types do
    not differ (``Épinettes`` finds ``rue des Épinettes``; ``avenue du Lac`` does not
    find ``chemin du Lac``)."""

    def __init__(self, streets: Iterable[str]) -> None:
        self._exact: dict[str, str] = {}
        self._by_name: dict[str, list[tuple[str, str]]] = {}
        self._found: dict[str, str | None] = {}
        """Streets as written, already looked up: a listing names the same few often."""
        for street in streets:
            if street_key(street) not in self._exact:
                self._exact[street_key(street)] = street
                kind, name = street_parts(street)
                self._by_name.setdefault(name, []).append((kind, street))

    def find(self, street: str) -> str | None:
        """The known street's name as the sectors write it, or None."""
        if street not in self._found:
            self._found[street] = self._look_up(street)
        return self._found[street]

    def _look_up(self, street: str) -> str | None:
        if (key := street_key(street)) in self._exact:
            return self._exact[key]
        kind, name = street_parts(street)
        found = [known for known_kind, known in self._by_name.get(name, [])
                 if not kind or kind == known_kind]  # fmt: skip
        return found[0] if len(found) == 1 else None
