"""What the staff line reads and writes: PINs and their locks, and phone recordings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ivr.storage.executor import Executor
from ivr.storage.queries import QUERIES


@dataclass(frozen=True)
class StaffPin:
    pin_hash: str
    locked: bool
    role: str


async def set_pin(db: Executor, staff_id: int, pin_hash: str) -> None:
    await db.execute(QUERIES["staff_line.set_pin"], staff_id, pin_hash)


async def pin(db: Executor, staff_id: int) -> StaffPin | None:
    row = await db.fetchrow(QUERIES["staff_line.pin"], staff_id)
    return None if row is None else StaffPin(row["pin_hash"], bool(row["locked"]), row["role"])


async def failed(db: Executor, staff_id: int, lock_after: int, lock_minutes: int) -> bool:
    """Count a wrong PIN; True when this one locked the number."""
    return bool(await db.fetchval(QUERIES["staff_line.failed"], staff_id, lock_after, lock_minutes))


async def succeeded(db: Executor, staff_id: int) -> None:
    await db.execute(QUERIES["staff_line.succeeded"], staff_id)


async def draft_exists(db: Executor, alert_id: int) -> bool:
    return bool(await db.fetchval(QUERIES["staff_line.draft_exists"], alert_id))


async def attach_recording(
    db: Executor, alert_id: int, language: str, *, path: str, seconds: float, staff_id: int
) -> bool:
    """The recording becomes the draft's voice message; False if it is no longer a draft."""
    row = await db.fetchval(
        QUERIES["staff_line.attach_recording"], alert_id, language, path, seconds, staff_id
    )
    return row is not None


@dataclass(frozen=True)
class PhoneRecording:
    id: int
    language: str
    path: str
    seconds: float
    recorded_at: datetime
    recorded_by: str


async def recordings(db: Executor, alert_id: int) -> list[PhoneRecording]:
    """The alert's phone recordings, newest first (for its page)."""
    rows = await db.fetch(QUERIES["staff_line.recordings"], alert_id)
    return [PhoneRecording(**dict(row)) for row in rows]


async def recording_file(db: Executor, alert_id: int, recording_id: int) -> str | None:
    """The file of one of the alert's phone recordings (relative to the recordings
    directory), None when the alert has no such recording."""
    found: str | None = await db.fetchval(
        QUERIES["staff_line.recording_file"], recording_id, alert_id
    )
    return found
