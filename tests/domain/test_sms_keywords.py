"""What a message from a phone asks for, as residents really type it."""

from __future__ import annotations

import pytest

from ivr.domain.sms_keywords import Keyword, keyword_of


@pytest.mark.parametrize(
    ("text", "keyword"),
    [
        ("STOP", Keyword.STOP),
        ("stop", Keyword.STOP),
        ("Arrêt", Keyword.STOP),
        ("ARRET", Keyword.STOP),
        ("arrêter svp", Keyword.STOP),
        ("  Stop!!", Keyword.STOP),
        ("Stop sending me these", Keyword.STOP),
        ("UNSUBSCRIBE", Keyword.STOP),
        ("Début", Keyword.START),
        ("start", Keyword.START),
        ("AIDE", Keyword.HELP),
        ("help?", Keyword.HELP),
        ("Aide moi", Keyword.HELP),
        ("OUI", Keyword.CONFIRM),
        ("Oui merci", Keyword.CONFIRM),
        ("oui, bien reçu", Keyword.CONFIRM),
        ("1", Keyword.CONFIRM),
        ("Confirmé", Keyword.CONFIRM),
        ("CONFIRME", Keyword.CONFIRM),
        ("yes", Keyword.CONFIRM),
        ("", Keyword.OTHER),
        ("👍", Keyword.OTHER),
        ("C'est quoi ce message?", Keyword.OTHER),
        ("Non", Keyword.OTHER),
        ("12", Keyword.OTHER),
        ("stopper", Keyword.OTHER),
        ("ouioui", Keyword.OTHER),
    ],
)
def test_keyword_of(text: str, keyword: Keyword) -> None:
    assert keyword_of(text) is keyword
