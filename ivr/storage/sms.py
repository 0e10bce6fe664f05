"""What the SMS channel reads and writes: alert texts, the parts of each message with
the SMSC's answers, delivery receipts and what they change, and messages from phones
(docs/sms.md)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import astuple, dataclass
from datetime import datetime

from ivr.storage.executor import Connection, Executor
from ivr.storage.queries import QUERIES


@dataclass(frozen=True)
class PartRecord:
    attempt_id: int
    part_number: int
    parts_total: int
    message_id: str | None
    submit_status: int
    throttled: int
    resubmitted: int


@dataclass(frozen=True)
class ReceiptRecord:
    message_id: str
    id_keys: list[str]
    state: str
    error: str
    done_at: datetime | None


@dataclass(frozen=True)
class Inbound:
    id: int
    phone_e164: str
    body: str
    keyword: str | None
    handled: bool
    reply: str | None


async def alert_texts(db: Executor, alert_id: int) -> dict[str, str]:
    rows = await db.fetch(QUERIES["sms.alert_texts"], alert_id)
    return {row["language"]: row["sms_text"] for row in rows}


async def record_parts(
    conn: Connection, parts: Sequence[PartRecord], outcomes: Sequence[tuple[int, str]]
) -> None:
    """The SMSC's answers to parts, and the attempts whose outcome they settle."""
    if parts:
        await conn.executemany(QUERIES["sms.record_part"], [astuple(p) for p in parts])
    if outcomes:
        await conn.executemany(QUERIES["sms.provisional_outcome"], outcomes)


async def add_receipts(conn: Connection, receipts: Sequence[ReceiptRecord]) -> None:
    await conn.executemany(QUERIES["sms.add_receipt"], [astuple(r) for r in receipts])


async def follow_receipts(
    conn: Connection, closed_attempts: Sequence[int] = (), closed_deliveries: Sequence[int] = ()
) -> int:
    """Apply the receipts that can now find their part, settle the attempts they (and
    the attempts just closed) concern, and call the phones an SMS cannot reach. Returns
    how many alerts got calls (the voice engines are woken when the transaction ends)."""
    changed = [row["attempt_id"] for row in await conn.fetch(QUERIES["sms.apply_receipts"])]
    attempts = sorted(set(changed) | set(closed_attempts))
    if not attempts:
        return 0
    settled = await conn.fetch(QUERIES["sms.settle_attempts"], attempts)
    deliveries = {row["id"] for row in settled} | set(closed_deliveries)
    alerts = await conn.fetch(QUERIES["sms.no_sms_call_instead"], sorted(deliveries))
    for row in alerts:
        await conn.execute(QUERIES["alerts.wake_dispatch"], row["id"])
    return len(alerts)


async def add_inbound(conn: Connection, messages: Sequence[tuple[str, str, str]]) -> None:
    """(phone E.164, body, keyword) of messages from phones, kept before they are
    acknowledged to the SMSC."""
    await conn.executemany(QUERIES["sms.add_inbound"], messages)


async def open_inbound(db: Executor, limit: int = 100) -> list[Inbound]:
    return [Inbound(**dict(row)) for row in await db.fetch(QUERIES["sms.open_inbound"], limit)]


async def handled_inbound(
    db: Executor, inbound_id: int, alert_id: int | None, reply: str | None
) -> None:
    await db.execute(QUERIES["sms.handled_inbound"], inbound_id, alert_id, reply)


async def replied_inbound(db: Executor, inbound_id: int) -> None:
    await db.execute(QUERIES["sms.replied_inbound"], inbound_id)


async def recent_other_replies(db: Executor, phone_e164: str) -> int:
    count: int = await db.fetchval(QUERIES["sms.recent_other_replies"], phone_e164)
    return count


async def opt_out(db: Executor, phone_e164: str) -> None:
    await db.execute(QUERIES["sms.opt_out"], phone_e164)


async def opt_in(db: Executor, phone_e164: str) -> None:
    await db.execute(QUERIES["sms.opt_in"], phone_e164)


async def confirm_latest(conn: Connection, phone_e164: str) -> int | None:
    """The alert the resident at ``phone_e164`` confirms (the latest sent there by SMS
    in 72 h), with its other retries stopped; None if there is none."""
    row = await conn.fetchrow(QUERIES["sms.confirm_latest"], phone_e164)
    if row is None:
        return None
    await conn.execute(QUERIES["alerts.stop_retries_after_confirmation"], row["id"])
    alert_id: int = row["alert_id"]
    return alert_id
