"""Built-in message templates per alert category, in Canadian French and in English.

Staff edit them (table ``message_templates``); these are the defaults. ``{sectors}``
and ``{details}`` are filled in when an alert is drafted. SMS texts keep to GSM-7
where French allows it (plain apostrophe, no « »), which is cheaper and more robust.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass

from ivr.domain.alerts import Category
from ivr.domain.errors import DomainError
from ivr.domain.sms_text import plain_punctuation

PLACEHOLDERS = frozenset({"sectors", "details"})


@dataclass(frozen=True)
class Template:
    sms_text: str
    email_subject: str
    email_body: str
    voice_text: str

    def fields(self) -> tuple[str, str, str, str]:
        return (self.sms_text, self.email_subject, self.email_body, self.voice_text)


_FOOTER_FR = "Information ITUM, 418 962-0327."
_FOOTER_EN = "Information ITUM, 418 962-0327."

DEFAULTS: Mapping[tuple[Category, str], Template] = {
    ("evacuation", "fr"): Template(
        "ÉVACUATION - {sectors} : quittez votre domicile maintenant. {details} " + _FOOTER_FR,
        "Évacuation : {sectors}",
        "Ordre d'évacuation pour {sectors}.\n\nQuittez votre domicile maintenant.\n"
        "{details}\n\n" + _FOOTER_FR,
        "Ceci est un avis d'évacuation pour {sectors}. Quittez votre domicile maintenant. "
        "{details}",
    ),
    ("evacuation", "en"): Template(
        "EVACUATION - {sectors}: leave your home now. {details} " + _FOOTER_EN,
        "Evacuation: {sectors}",
        "Evacuation order for {sectors}.\n\nLeave your home now.\n{details}\n\n" + _FOOTER_EN,
        "This is an evacuation notice for {sectors}. Leave your home now. {details}",
    ),
    ("air_quality", "fr"): Template(
        "Mauvaise qualité de l'air - {sectors} : restez à l'intérieur et limitez les "
        "efforts. {details} " + _FOOTER_FR,
        "Mauvaise qualité de l'air : {sectors}",
        "Mauvaise qualité de l'air pour {sectors}.\n\nRestez à l'intérieur et fermez les "
        "fenêtres.\n{details}\n\n" + _FOOTER_FR,
        "Avis de mauvaise qualité de l'air pour {sectors}. Restez à l'intérieur et fermez "
        "les fenêtres. {details}",
    ),
    ("air_quality", "en"): Template(
        "Poor air quality - {sectors}: stay indoors, close windows. {details} " + _FOOTER_EN,
        "Poor air quality: {sectors}",
        "Poor air quality for {sectors}.\n\nStay indoors and close the windows.\n{details}\n\n"
        + _FOOTER_EN,
        "Poor air quality notice for {sectors}. Stay indoors and close the windows. {details}",
    ),
    ("boil_water", "fr"): Template(
        "Avis d'ébullition - {sectors} : faites bouillir l'eau 1 minute avant de la boire. "
        "{details} " + _FOOTER_FR,
        "Avis d'ébullition de l'eau : {sectors}",
        "Avis d'ébullition de l'eau pour {sectors}.\n\nFaites bouillir l'eau au moins une "
        "minute avant de la boire ou de cuisiner.\n{details}\n\n" + _FOOTER_FR,
        "Avis d'ébullition de l'eau pour {sectors}. Faites bouillir l'eau au moins une "
        "minute avant de la boire. {details}",
    ),
    ("boil_water", "en"): Template(
        "Boil-water advisory - {sectors}: boil water 1 minute before drinking. {details} "
        + _FOOTER_EN,
        "Boil-water advisory: {sectors}",
        "Boil-water advisory for {sectors}.\n\nBoil water for at least one minute before "
        "drinking or cooking.\n{details}\n\n" + _FOOTER_EN,
        "Boil-water advisory for {sectors}. Boil water for at least one minute before "
        "drinking it. {details}",
    ),
    ("boil_water_lifted", "fr"): Template(
        "Fin de l'avis d'ébullition - {sectors} : l'eau est de nouveau potable. {details} "
        + _FOOTER_FR,
        "Fin de l'avis d'ébullition : {sectors}",
        "L'avis d'ébullition de l'eau est levé pour {sectors}.\n\nL'eau du robinet est de "
        "nouveau potable.\n{details}\n\n" + _FOOTER_FR,
        "L'avis d'ébullition de l'eau est levé pour {sectors}. L'eau est de nouveau "
        "potable. {details}",
    ),
    ("boil_water_lifted", "en"): Template(
        "Boil-water advisory lifted - {sectors}: tap water is safe again. {details} " + _FOOTER_EN,
        "Boil-water advisory lifted: {sectors}",
        "The boil-water advisory is lifted for {sectors}.\n\nTap water is safe to drink "
        "again.\n{details}\n\n" + _FOOTER_EN,
        "The boil-water advisory is lifted for {sectors}. Tap water is safe to drink "
        "again. {details}",
    ),
    ("all_clear", "fr"): Template(
        "Fin de l'alerte - {sectors} : la situation est revenue à la normale. {details} "
        + _FOOTER_FR,
        "Fin de l'alerte : {sectors}",
        "Fin de l'alerte pour {sectors}.\n\nLa situation est revenue à la normale.\n"
        "{details}\n\n" + _FOOTER_FR,
        "Fin de l'alerte pour {sectors}. La situation est revenue à la normale. {details}",
    ),
    ("all_clear", "en"): Template(
        "All clear - {sectors}: the situation is back to normal. {details} " + _FOOTER_EN,
        "All clear: {sectors}",
        "All clear for {sectors}.\n\nThe situation is back to normal.\n{details}\n\n" + _FOOTER_EN,
        "All clear for {sectors}. The situation is back to normal. {details}",
    ),
    ("exercise", "fr"): Template(
        "EXERCICE - ceci est un test du service d'alerte. Aucune action requise. {details} "
        + _FOOTER_FR,
        "Exercice : test du service d'alerte",
        "Ceci est un exercice du service d'alerte Information ITUM.\n\nAucune action "
        "n'est requise.\n{details}\n\n" + _FOOTER_FR,
        "Ceci est un exercice du service d'alerte. Aucune action n'est requise. {details}",
    ),
    ("exercise", "en"): Template(
        "EXERCISE - this is a test of the alert service. No action needed. {details} " + _FOOTER_EN,
        "Exercise: alert service test",
        "This is an exercise of the Information ITUM alert service.\n\nNo action is "
        "needed.\n{details}\n\n" + _FOOTER_EN,
        "This is an exercise of the alert service. No action is needed. {details}",
    ),
    ("other", "fr"): Template(
        "Avis - {sectors} : {details} " + _FOOTER_FR,
        "Avis : {sectors}",
        "Avis pour {sectors}.\n\n{details}\n\n" + _FOOTER_FR,
        "Avis pour {sectors}. {details}",
    ),
    ("other", "en"): Template(
        "Notice - {sectors}: {details} " + _FOOTER_EN,
        "Notice: {sectors}",
        "Notice for {sectors}.\n\n{details}\n\n" + _FOOTER_EN,
        "Notice for {sectors}. {details}",
    ),
}


def check_template(template: Template) -> None:
    """Only the known placeholders, well formed, and no empty field."""
    for text in template.fields():
        if not text.strip():
            raise DomainError("Un champ du modèle est vide.", "A template field is empty.")
        try:
            names = {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
        except ValueError as error:
            raise DomainError(
                f"Accolades mal formées dans le modèle ({error}).",
                f"Malformed braces in the template ({error}).",
            ) from error
        unknown = names - PLACEHOLDERS
        if unknown:
            raise DomainError(
                f"Champ inconnu dans le modèle : {', '.join(sorted(unknown))}.",
                f"Unknown field in the template: {', '.join(sorted(unknown))}.",
            )


def render(template: Template, *, sectors: str, details: str = "") -> Template:
    """The template filled in; the SMS text gets plain punctuation (see sms_text)."""
    check_template(template)

    def fill(text: str) -> str:
        return text.format(sectors=sectors, details=details.strip())

    sms = " ".join(fill(template.sms_text).split())
    return Template(
        plain_punctuation(sms),
        fill(template.email_subject),
        fill(template.email_body).strip(),
        " ".join(fill(template.voice_text).split()),
    )
