"""Interface languages of the web pages: Canadian French first, English second.

One language is shown at a time; French is the default, and a link on every page
switches to the other one (a cookie remembers the choice). Each site keeps its texts
in a catalogue ``{key: (french, english)}``; every key has both languages (a missing
translation is a test failure, not a blank label).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

LANGUAGES = ("fr", "en")
DEFAULT_LANGUAGE = "fr"
COOKIE = "itum_lang"


def pick_language(cookie_value: str | None) -> str:
    return cookie_value if cookie_value in LANGUAGES else DEFAULT_LANGUAGE


Catalogue = Mapping[str, tuple[str, str]]


def translator(catalogue: Catalogue, language: str) -> Callable[..., str]:
    """``t("key", name=...)`` in ``language``."""
    index = LANGUAGES.index(language)

    def translate(key: str, **values: Any) -> str:
        text = catalogue[key][index]
        return text.format(**values) if values else text

    return translate
