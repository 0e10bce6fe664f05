"""The error every domain rule raises on bad input, worded for residents and staff."""

from __future__ import annotations


class DomainError(ValueError):
    """Bad input, said in French first and in English; ``str()`` gives both."""

    def __init__(self, fr: str, en: str) -> None:
        super().__init__(f"{fr} / {en}")
        self.fr = fr
        self.en = en
