"""The one error type for what people are told: bad input or a refused action, said in
Canadian French first and in English.

Every rule the product applies (alerts, contacts, staff accounts, passwords) raises it;
pages show the message in the reader's language (``in_language``), the command line
shows both (``str()``).
"""

from __future__ import annotations


class DomainError(ValueError):
    """Bad input or a refused action, in French and in English; ``str()`` gives both."""

    def __init__(self, fr: str, en: str) -> None:
        super().__init__(f"{fr} / {en}")
        self.fr = fr
        self.en = en

    def in_language(self, language: str) -> str:
        """The message in ``language`` ("en"), French otherwise."""
        return self.en if language == "en" else self.fr


def shown(text: str, limit: int = 60) -> str:
    """What someone typed, fit to quote in a message: one line, printable, bounded."""
    visible = "".join(c if c.isprintable() else "?" for c in text[:limit])
    return visible + ("…" if len(text) > limit else "")
