"""Alerts in PostgreSQL: draft, content, approval, launch and cancellation.

Every change of state happens with the alert row locked, checks the rules of
ivr.domain.alerts, and is written to the audit log.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from ivr.domain.alerts import (
    CATEGORIES,
    CHANNELS,
    URGENCIES,
    Approval,
    Category,
    Content,
    Language,
    State,
    TwoPersonRule,
    Urgency,
    check_approval,
    check_can_draft,
    check_can_send,
    check_content,
    check_contents,
    check_transition,
)
from ivr.domain.errors import DomainError
from ivr.storage import audit
from ivr.storage.audience import end_unavailable, resolve_audience
from ivr.storage.executor import Connection, Executor
from ivr.storage.queries import QUERIES


@dataclass(frozen=True)
class Alert:
    id: int
    title: str
    category: Category
    urgency: Urgency
    target_all: bool
    sector_codes: tuple[str, ...]
    follow_up_of: int | None
    scheduled_at: datetime | None
    state: State
    drafted_by: int
    approved_by: int | None


_NOT_FOUND = DomainError("Alerte introuvable.", "No such alert.")


async def create_alert(
    conn: Connection,
    *,
    title: str,
    category: Category,
    urgency: Urgency,
    drafted_by: int,
    sector_codes: Sequence[str] = (),
    target_all: bool = False,
    follow_up_of: int | None = None,
    scheduled_at: datetime | None = None,
) -> int:
    """A new draft. A follow-up (``follow_up_of``) takes the earlier alert's target and
    will reach the same contacts; otherwise give sector codes or ``target_all``."""
    if category not in CATEGORIES or urgency not in URGENCIES:
        raise DomainError("Catégorie ou urgence inconnue.", "Unknown category or urgency.")
    if not title.strip():
        raise DomainError("Le titre est vide.", "The title is empty.")
    check_can_draft(await _role(conn, drafted_by))
    async with conn.transaction():
        if follow_up_of is not None:
            earlier = await conn.fetchrow(QUERIES["alerts.get"], follow_up_of)
            if earlier is None or earlier["state"] not in ("sending", "completed", "cancelled"):
                raise DomainError(
                    "Un suivi doit porter sur une alerte déjà lancée.",
                    "A follow-up must refer to an alert already launched.",
                )
            if sector_codes or target_all:
                raise DomainError(
                    "Un suivi reprend les destinataires de l'alerte d'origine.",
                    "A follow-up reuses the audience of the earlier alert.",
                )
            target_all = earlier["target_all"]
        elif not target_all and not sector_codes:
            raise DomainError(
                "Choisissez au moins un secteur, ou toute la communauté.",
                "Choose at least one sector, or the whole community.",
            )
        alert_id: int = await conn.fetchval(
            QUERIES["alerts.create"],
            title.strip(),
            category,
            urgency,
            target_all,
            follow_up_of,
            scheduled_at,
            drafted_by,
        )
        if follow_up_of is not None:
            await conn.execute(QUERIES["alerts.copy_sectors"], alert_id, follow_up_of)
        else:
            await _add_sectors(conn, alert_id, sector_codes)
        await _audit(conn, drafted_by, "alert.draft", alert_id, {"category": category})
    return alert_id


async def _add_sectors(conn: Connection, alert_id: int, codes: Sequence[str]) -> None:
    known = {r["code"] for r in await conn.fetch(QUERIES["sectors.ids_by_code"], list(codes))}
    unknown = sorted(set(codes) - known)
    if unknown:
        raise DomainError(
            f"Secteur inconnu : {', '.join(unknown)}.", f"Unknown sector: {', '.join(unknown)}."
        )
    await conn.execute(QUERIES["alerts.add_sectors"], alert_id, list(codes))


async def get_alert(db: Executor, alert_id: int) -> Alert:
    row = await db.fetchrow(QUERIES["alerts.get"], alert_id)
    if row is None:
        raise _NOT_FOUND
    codes = tuple(r["code"] for r in await db.fetch(QUERIES["alerts.sector_codes"], alert_id))
    return Alert(
        id=row["id"],
        title=row["title"],
        category=row["category"],
        urgency=row["urgency"],
        target_all=row["target_all"],
        sector_codes=codes,
        follow_up_of=row["follow_up_of"],
        scheduled_at=row["scheduled_at"],
        state=row["state"],
        drafted_by=row["drafted_by"],
        approved_by=row["approved_by"],
    )


@dataclass(frozen=True)
class ProgressRow:
    """Deliveries of one channel in one state with the same last outcome ('' if none)."""

    channel: str
    state: str
    outcome: str
    deliveries: int
    attempts: int


async def get_progress(db: Executor, alert_id: int) -> list[ProgressRow]:
    """Where an alert's deliveries stand: counts only, no personal data."""
    return [ProgressRow(**dict(r)) for r in await db.fetch(QUERIES["alerts.progress"], alert_id)]


@dataclass(frozen=True)
class AttemptDetail:
    """One attempt of an alert and how it was heard (no number, no name)."""

    delivery_id: int
    attempt_number: int
    channel: str
    outcome: str
    amd_status: str | None
    amd_cause: str | None
    greeting_end: str | None
    greeting_wait_seconds: float | None
    silence_before_message: float | None
    beep_during_playback: bool | None
    answer_to_audio_seconds: float | None
    amd_seconds: float | None
    keys_pressed: str
    hangup_cause: int | None
    sms_parts: int | None
    sms_throttled: int | None
    sms_resubmitted: int | None
    sms_receipts: str | None
    """Receipt states of the parts, e.g. ``DELIVRD`` or ``DELIVRD+UNDELIV``."""
    relay_answer: str | None
    """An email's: stage, code and status, e.g. ``rcpt: 550 5.1.1``, ``(resent)``."""


async def get_attempt_details(db: Executor, alert_id: int) -> list[AttemptDetail]:
    rows = await db.fetch(QUERIES["alerts.attempt_details"], alert_id)
    return [AttemptDetail(**dict(row)) for row in rows]


@dataclass(frozen=True)
class SmsSummary:
    parts: int
    throttled: int
    """Answers "slow down" (the part went again)."""
    resubmitted: int
    """Parts sent again after a connection lost before the SMSC's answer."""
    receipts: int


async def get_sms_summary(db: Executor, alert_id: int) -> SmsSummary:
    row = await db.fetchrow(QUERIES["alerts.sms_summary"], alert_id)
    assert row is not None
    return SmsSummary(**dict(row))


async def get_contents(db: Executor, alert_id: int) -> dict[Language, Content]:
    rows = await db.fetch(QUERIES["alerts.contents"], alert_id)
    return {row["language"]: Content(**dict(row)) for row in rows}


async def set_content(conn: Connection, alert_id: int, content: Content) -> None:
    """Write one language's content; only while the alert is a draft."""
    check_content(content)
    async with conn.transaction():
        alert = await _lock(conn, alert_id)
        if alert["state"] != "draft":
            raise DomainError(
                "Seule une alerte en brouillon peut être modifiée.",
                "Only a draft alert can be edited.",
            )
        try:
            await conn.execute(
                QUERIES["alerts.set_content"],
                alert_id,
                content.language,
                content.sms_text,
                content.email_subject,
                content.email_body,
                content.voice_recording,
                content.voice_text,
            )
        except asyncpg.CheckViolationError:
            raise DomainError(
                "Contenu refusé : champ vide, courriel sans objet ou texte en innu-aimun.",
                "Content refused: empty field, email without subject or Innu-aimun text.",
            ) from None
        await conn.execute(QUERIES["alerts.touch"], alert_id)


async def approve(
    conn: Connection, alert_id: int, staff_id: int, rule: TwoPersonRule = "unless-alone"
) -> Approval:
    """draft → approved, under the two-person rule of ivr.domain.alerts."""
    async with conn.transaction():
        alert = await _lock(conn, alert_id)
        check_transition(alert["state"], "approved")
        check_contents(await get_contents(conn, alert_id))
        approvers = frozenset(r["id"] for r in await conn.fetch(QUERIES["alerts.active_approvers"]))
        approval = check_approval(
            drafter_id=alert["drafted_by"],
            approver_id=staff_id,
            approver_role=await _role(conn, staff_id),
            active_approver_ids=approvers,
            rule=rule,
        )
        await conn.execute(QUERIES["alerts.approve"], alert_id, staff_id)
        await _audit(
            conn, staff_id, "alert.approve", alert_id, {"self_approved": approval.self_approved}
        )
    return approval


@dataclass(frozen=True)
class Launch:
    created: int
    """Deliveries created."""
    unavailable: dict[str, int]
    """Of them, per channel not in service here: ended at once as channel_unavailable."""


async def launch(
    conn: Connection,
    alert_id: int,
    staff_id: int,
    in_service: Sequence[str] = CHANNELS,
    at: datetime | None = None,
) -> Launch:
    """approved → sending: resolve the audience into deliveries (the channels
    ``in_service`` running), due now or ``at``, and wake the dispatch engines.
    Deliveries on a channel not in service end at once, so the alert can complete; an
    alert with nothing to send completes at once."""
    async with conn.transaction():
        alert = await _lock(conn, alert_id)
        check_transition(alert["state"], "sending")
        check_can_send(await _role(conn, staff_id))
        if at is not None:
            await conn.execute(QUERIES["alerts.schedule"], alert_id, at)
        created = await resolve_audience(conn, alert_id, in_service)
        unavailable = await end_unavailable(conn, alert_id, in_service)
        await conn.execute(QUERIES["alerts.mark_sending"], alert_id)
        await conn.execute(QUERIES["dispatch.complete_finished_alerts"])
        details: dict[str, Any] = {"deliveries": created, "channel_unavailable": unavailable}
        if at is not None:
            details["at"] = at.isoformat()
        await _audit(conn, staff_id, "alert.launch", alert_id, details)
        await conn.execute(QUERIES["alerts.wake_dispatch"], alert_id)
    return Launch(created, unavailable)


async def cancel(conn: Connection, alert_id: int, staff_id: int) -> int:
    """→ cancelled: pending deliveries stop at once (calls in progress end on their own).
    Returns the number of deliveries cancelled."""
    async with conn.transaction():
        alert = await _lock(conn, alert_id)
        check_transition(alert["state"], "cancelled")
        check_can_send(await _role(conn, staff_id))
        await conn.execute(QUERIES["alerts.cancel"], alert_id, staff_id)
        status = await conn.execute(QUERIES["alerts.cancel_pending_deliveries"], alert_id)
        cancelled = int(status.split()[-1])
        await _audit(conn, staff_id, "alert.cancel", alert_id, {"deliveries": cancelled})
        await conn.execute(QUERIES["alerts.wake_dispatch"], alert_id)
    return cancelled


async def _lock(conn: Connection, alert_id: int) -> asyncpg.Record:
    row = await conn.fetchrow(QUERIES["alerts.lock"], alert_id)
    if row is None:
        raise _NOT_FOUND
    return row


async def _role(db: Executor, staff_id: int) -> str:
    role = await db.fetchval(QUERIES["alerts.staff_role"], staff_id)
    if role is None:
        raise DomainError("Compte du personnel inconnu ou désactivé.", "Unknown or disabled staff.")
    return str(role)


async def _audit(
    conn: Connection, staff_id: int, action: str, alert_id: int, details: dict[str, Any]
) -> None:
    await audit.record(
        conn, staff_id=staff_id, action=action, subject=f"alert:{alert_id}", details=details
    )
