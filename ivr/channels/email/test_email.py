"""``ivr test-email``: one email from a category's current template (as staff edited
it, or the built-in one), sent straight to the relay with the channel's own settings,
signing and connection, so staff see what residents will get and that mail goes out.
Audited; nothing is queued."""

from __future__ import annotations

import dataclasses
import secrets

import asyncpg

from ivr.channels.email.messages import build_email
from ivr.channels.email.relay import RelayAnswer, SmtpRelay
from ivr.channels.email.runtime import dkim_signer, email_sending, relay_settings
from ivr.config import Settings
from ivr.domain.alerts import Category
from ivr.domain.contacts import parse_email
from ivr.domain.errors import DomainError
from ivr.domain.templates import render
from ivr.storage import audit
from ivr.storage import email as email_store
from ivr.storage import templates as template_store
from ivr.storage.email import AlertEmail
from ivr.storage.templates import TemplateLanguage

SAMPLE_SECTORS = {"fr": "secteur d'essai", "en": "test area"}


async def send_test_email(
    pool: asyncpg.Pool,
    settings: Settings,
    address: str,
    *,
    staff_id: int,
    category: Category,
    language: TemplateLanguage,
) -> RelayAnswer:
    recipient = parse_email(address)
    template = render(
        await template_store.get_template(pool, category, language),
        sectors=SAMPLE_SECTORS[language],
    )
    alert = AlertEmail(
        category,
        target_all=False,
        sectors={language: [SAMPLE_SECTORS[language]]},
        contents={language: (template.email_subject, template.email_body)},
    )
    answer = await _send(pool, settings, recipient, alert, language)
    await audit.record(
        pool,
        staff_id=staff_id,
        action="test_email",
        subject=recipient,
        details={"category": category, "language": language, "answer": str(answer)},
    )
    return answer


async def _send(
    pool: asyncpg.Pool,
    settings: Settings,
    recipient: str,
    alert: AlertEmail,
    language: TemplateLanguage,
) -> RelayAnswer:
    contact_point_id = await email_store.contact_point_of(pool, recipient) or 0
    outgoing = build_email(
        email_sending(settings),
        alert,
        language=language,
        recipient=recipient,
        reference=f"test-{secrets.token_hex(6)}",
        contact_point_id=contact_point_id,
    )
    signer = dkim_signer(settings)
    if signer is not None:
        outgoing = dataclasses.replace(outgoing, data=signer.sign(outgoing.data))
    relay = SmtpRelay(relay_settings(settings))
    try:
        return await relay.send(outgoing)
    finally:
        await relay.close()


async def send_alert_test_email(
    pool: asyncpg.Pool,
    settings: Settings,
    address: str,
    *,
    staff_id: int,
    alert_id: int,
    language: TemplateLanguage,
) -> RelayAnswer:
    """One alert's email, as residents will get it, to ``address`` (a staff member's
    own); audited."""
    alert = await email_store.alert_email(pool, alert_id)
    if alert is None or not alert.contents:
        raise DomainError("Cette alerte n'a pas de courriel.", "This alert has no email.")
    answer = await _send(pool, settings, parse_email(address), alert, language)
    await audit.record(
        pool, staff_id=staff_id, action="test_email", subject=f"alert:{alert_id}",
        details={"language": language, "answer": str(answer)},
    )  # fmt: skip
    return answer
