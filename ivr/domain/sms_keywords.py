"""What a text message from a phone asks for, by its first word, in French or English,
in any case, with or without accents or punctuation: "Arrêt", "stop!", "Oui merci".

STOP and its equivalents follow the carriers' common short-code keywords (CTIA), so a
resident's "STOP" works here as it does everywhere else.
"""

from __future__ import annotations

import re
import unicodedata
from enum import StrEnum


class Keyword(StrEnum):
    STOP = "stop"
    START = "start"
    HELP = "help"
    CONFIRM = "confirm"
    OTHER = "other"


WORDS: dict[Keyword, frozenset[str]] = {
    Keyword.STOP: frozenset(
        {"arret", "arreter", "stop", "stopall", "unsubscribe", "cancel", "end", "quit"}
    ),
    Keyword.START: frozenset({"debut", "start", "unstop", "reprendre"}),
    Keyword.HELP: frozenset({"aide", "help", "info"}),
    Keyword.CONFIRM: frozenset({"oui", "1", "confirme", "confirmer", "yes", "confirm"}),
}
_WORD = re.compile(r"[a-z0-9]+")


def plain(text: str) -> str:
    """Lower case, without accents: "ARRÊT" -> "arret"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def keyword_of(text: str) -> Keyword:
    """The keyword the message starts with; OTHER when it starts with none."""
    first = _WORD.search(plain(text))
    if first is not None:
        for keyword, words in WORDS.items():
            if first.group() in words:
                return keyword
    return Keyword.OTHER
