"""Launching and cancelling an alert, for the command line and the admin pages.

An alert's phone audio is made first (nothing is dialed without it), then the audience
is resolved into deliveries and the dispatch engines are woken.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import asyncpg

from ivr.channels.voice.message_audio import prepare_alert_audio
from ivr.channels.voice.pbx import product_sounds
from ivr.config import Settings
from ivr.storage import alerts


def recordings_dir(settings: Settings) -> Path:
    """Where staff recordings (uploads and phone recordings) are kept."""
    return settings.data_dir / "recordings"


async def prepare_audio(pool: asyncpg.Pool, settings: Settings, alert_id: int) -> dict[str, float]:
    """Make the alert's phone audio in every language it has voice content for;
    returns seconds per language (see prepare_alert_audio)."""
    return await prepare_alert_audio(
        pool, alert_id, product_sounds(settings), recordings_dir(settings)
    )


async def launch_alert(
    pool: asyncpg.Pool,
    settings: Settings,
    alert_id: int,
    staff_id: int,
    at: datetime | None = None,
) -> alerts.Launch:
    """approved → sending on the channels this installation runs (``IVR_CHANNELS``),
    now or at ``at``."""
    await prepare_audio(pool, settings, alert_id)
    async with pool.acquire() as conn:
        return await alerts.launch(conn, alert_id, staff_id, settings.channels, at)


async def cancel_alert(pool: asyncpg.Pool, alert_id: int, staff_id: int) -> int:
    """→ cancelled; returns how many pending deliveries were stopped."""
    async with pool.acquire() as conn:
        return await alerts.cancel(conn, alert_id, staff_id)
