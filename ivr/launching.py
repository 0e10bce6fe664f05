"""Launching an alert: its phone audio is made first (nothing is dialed without it),
then the audience is resolved into deliveries and the dispatch engines are woken."""

from __future__ import annotations

from pathlib import Path

import asyncpg

from ivr.config import Settings
from ivr.storage import alerts
from ivr.voice.message_audio import prepare_alert_audio
from ivr.voice.sounds import product_sounds


def recordings_dir(settings: Settings) -> Path:
    """Where staff recordings (uploads and phone recordings) are kept."""
    return settings.data_dir / "recordings"


async def launch_alert(pool: asyncpg.Pool, settings: Settings, alert_id: int, staff_id: int) -> int:
    """approved → sending; returns the number of deliveries created."""
    sounds = product_sounds(settings.asterisk_root, settings.asterisk_instance)
    await prepare_alert_audio(pool, alert_id, sounds, recordings_dir(settings))
    async with pool.acquire() as conn:
        return await alerts.launch(conn, alert_id, staff_id)
