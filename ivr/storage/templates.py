"""Message templates as staff edited them, or the built-in defaults."""

from __future__ import annotations

from typing import Literal

from ivr.domain.alerts import Category
from ivr.domain.templates import DEFAULTS, Template, check_template
from ivr.storage.executor import Executor
from ivr.storage.queries import QUERIES

TemplateLanguage = Literal["fr", "en"]


async def get_template(db: Executor, category: Category, language: TemplateLanguage) -> Template:
    row = await db.fetchrow(QUERIES["templates.get"], category, language)
    if row is None:
        return DEFAULTS[(category, language)]
    return Template(row["sms_text"], row["email_subject"], row["email_body"], row["voice_text"])


async def save_template(
    db: Executor, category: Category, language: TemplateLanguage, template: Template, staff_id: int
) -> None:
    check_template(template)
    await db.execute(QUERIES["templates.save"], category, language, *template.fields(), staff_id)


async def reset_template(db: Executor, category: Category, language: TemplateLanguage) -> None:
    """Back to the built-in default."""
    await db.execute(QUERIES["templates.reset"], category, language)
