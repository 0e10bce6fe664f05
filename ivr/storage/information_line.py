"""What the information line reads and writes: the alerts a caller was sent, the active
alerts of their sector, and the calls counted per alert."""

from __future__ import annotations

from dataclasses import dataclass

from ivr.storage.executor import Connection, Executor
from ivr.storage.queries import QUERIES


@dataclass(frozen=True)
class CallerAlert:
    alert_id: int
    language: str


async def caller_alerts(db: Executor, phone: str, window_hours: int) -> list[CallerAlert]:
    """Alerts sent to ``phone`` in progress or of the last ``window_hours``, newest first."""
    rows = await db.fetch(QUERIES["information_line.caller_alerts"], phone, window_hours)
    return [CallerAlert(row["alert_id"], row["language"]) for row in rows]


async def active_alerts(db: Executor, phone: str, window_hours: int) -> list[int]:
    """Active public alerts, those of ``phone``'s sector first."""
    rows = await db.fetch(QUERIES["information_line.active_alerts"], phone, window_hours)
    return [row["alert_id"] for row in rows]


async def start_call(db: Executor, phone: str) -> int:
    """Count a call; its caller is kept as a contact point when known."""
    contact = await db.fetchval(QUERIES["information_line.caller_contact"], phone)
    call_id: int = await db.fetchval(QUERIES["information_line.start_call"], contact)
    return call_id


async def played(db: Executor, call_id: int, alert_id: int) -> None:
    await db.execute(QUERIES["information_line.played"], call_id, alert_id)


async def transferred(db: Executor, call_id: int) -> None:
    await db.execute(QUERIES["information_line.transferred"], call_id)


async def heard(db: Executor, alert_id: int, phone: str) -> None:
    """``phone`` heard the alert whole: its call-backs still waiting end."""
    await db.execute(QUERIES["information_line.heard"], alert_id, phone)


async def confirmed(conn: Connection, call_id: int, alert_id: int, phone: str) -> None:
    """``phone`` confirmed the alert: its deliveries say so and its members' retries
    stop, as after key 2 on an alert call."""
    async with conn.transaction():
        rows = await conn.fetch(QUERIES["information_line.confirmed"], alert_id, phone)
        for row in rows:
            await conn.execute(QUERIES["alerts.stop_retries_after_confirmation"], row["id"])
        await conn.execute(QUERIES["information_line.call_confirmed"], call_id, alert_id)


@dataclass(frozen=True)
class LineCalls:
    calls: int
    confirmed: int


async def calls_for_alert(db: Executor, alert_id: int) -> LineCalls:
    """Calls to the information line that played the alert (for its report)."""
    row = await db.fetchrow(QUERIES["information_line.calls_for_alert"], alert_id)
    assert row is not None
    return LineCalls(row["calls"], row["confirmed"])
