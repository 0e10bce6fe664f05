"""Notices about an account sent by text message (the password was changed)."""

from __future__ import annotations

from dataclasses import dataclass

from ivr.storage.executor import Executor
from ivr.storage.queries import QUERIES


@dataclass(frozen=True)
class Notice:
    id: int
    phone_e164: str
    kind: str


async def add(db: Executor, phone_e164: str, kind: str) -> None:
    await db.execute(QUERIES["resident_notices.add"], phone_e164, kind)


async def take_pending(db: Executor, limit: int) -> list[Notice]:
    rows = await db.fetch(QUERIES["resident_notices.take_pending"], limit)
    return [Notice(r["id"], r["phone_e164"], r["kind"]) for r in rows]


async def sent(db: Executor, notice_id: int, detail: str) -> None:
    await db.execute(QUERIES["resident_notices.sent"], notice_id, detail)


async def send_failed(db: Executor, notice_id: int, detail: str) -> None:
    await db.execute(QUERIES["resident_notices.send_failed"], notice_id, detail)
