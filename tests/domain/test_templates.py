"""Built-in message templates: every category in French and English, SMS in GSM-7."""

from __future__ import annotations

import pytest

from ivr.domain.alerts import CATEGORIES, Category
from ivr.domain.errors import DomainError
from ivr.domain.sms_text import analyze
from ivr.domain.templates import DEFAULTS, Template, check_template, render


def test_every_category_has_french_and_english() -> None:
    assert set(DEFAULTS) == {(c, lang) for c in CATEGORIES for lang in ("fr", "en")}


@pytest.mark.parametrize("key", sorted(DEFAULTS))
def test_rendered_sms_is_one_gsm7_segment(key: tuple[Category, str]) -> None:
    rendered = render(DEFAULTS[key], sectors="Uashat nord", details="")
    info = analyze(rendered.sms_text)
    assert info.encoding == "gsm7", rendered.sms_text
    assert info.segments == 1
    assert "  " not in rendered.sms_text
    assert "{" not in "".join(rendered.fields())


def test_details_and_sectors_are_filled_in() -> None:
    rendered = render(
        DEFAULTS[("boil_water", "fr")], sectors="Mani-utenam plage", details="Jusqu'à lundi."
    )
    assert "Mani-utenam plage" in rendered.sms_text
    assert "Jusqu'à lundi." in rendered.email_body
    assert rendered.email_subject == "Avis d'ébullition de l'eau : Mani-utenam plage"


def test_typographic_quotes_of_an_edited_template_are_made_plain_for_sms() -> None:
    edited = Template("L\u2019eau \u2013 {sectors}", "Objet", "Corps", "Voix")
    assert render(edited, sectors="Uashat").sms_text == "L'eau - Uashat"


@pytest.mark.parametrize(
    ("template", "message"),
    [
        (Template("{secteurs}", "a", "b", "c"), "secteurs"),
        (Template("{sectors", "a", "b", "c"), "Malformed"),
        (Template("ok", " ", "b", "c"), "empty"),
        (Template("{0}", "a", "b", "c"), "Unknown field"),
    ],
)
def test_bad_templates_are_refused(template: Template, message: str) -> None:
    with pytest.raises(DomainError, match=message):
        check_template(template)
