"""A new draft filled from its category's templates (French and English, as staff edited
them), for the compose page and the staff phone line alike."""

from __future__ import annotations

from collections.abc import Sequence

from ivr.domain.alerts import Category, Content, Urgency
from ivr.domain.sectors import Sector
from ivr.domain.templates import render
from ivr.storage import alerts, templates
from ivr.storage.executor import Connection
from ivr.storage.templates import TemplateLanguage

TEMPLATE_LANGUAGES: tuple[TemplateLanguage, ...] = ("fr", "en")
EVERYONE = {"fr": "toute la communauté", "en": "the whole community"}


async def draft_from_template(
    conn: Connection,
    *,
    title: str,
    category: Category,
    urgency: Urgency,
    drafted_by: int,
    sectors: Sequence[Sector],
    target_all: bool,
    details: str = "",
) -> int:
    """The draft's id (``DomainError`` for no sector without ``target_all``); an empty
    ``title`` takes the French email subject. Call inside a transaction."""
    filled = {language: render(
        await templates.get_template(conn, category, language),
        sectors=", ".join(s.name_fr if language == "fr" else s.name_en for s in sectors)
        or EVERYONE[language],
        details=details,
    ) for language in TEMPLATE_LANGUAGES}  # fmt: skip
    alert_id = await alerts.create_alert(
        conn,
        title=title or filled["fr"].email_subject,
        category=category,
        urgency=urgency,
        drafted_by=drafted_by,
        sector_codes=[s.code for s in sectors],
        target_all=target_all,
    )
    for language, text in filled.items():
        await alerts.set_content(
            conn,
            alert_id,
            Content(language, text.sms_text, text.email_subject, text.email_body, None,
                    text.voice_text),
        )  # fmt: skip
    return alert_id
