"""A test call: staff check the whole voice path (PBX, trunk, caller ID, call flow)
by calling one number of their choosing with a short exercise message."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass

import asyncpg

from ivr.config import Settings
from ivr.domain.phone import parse_phone
from ivr.launching import recordings_dir
from ivr.storage.queries import QUERIES
from ivr.voice.message_audio import prepare_alert_audio
from ivr.voice.sounds import product_sounds

DEFAULT_TEXT = {
    "fr": "Ceci est un appel d'essai du service d'alertes. Aucune action n'est requise.",
    "en": "This is a test call of the alert service. No action is needed.",
}


@dataclass(frozen=True)
class TestCallResult:
    state: str
    outcomes: list[str]


async def start_test_call(
    pool: asyncpg.Pool, settings: Settings, number: str, staff_id: int, language: str = "fr"
) -> int:
    """Queue the call (the running ``ivr serve`` places it); return the delivery id."""
    phone = parse_phone(number)
    async with pool.acquire() as conn, conn.transaction():
        alert_id: int = await conn.fetchval(QUERIES["test_call.create_alert"], staff_id)
        await conn.execute(
            QUERIES["test_call.add_content"], alert_id, language, DEFAULT_TEXT[language]
        )
        contact_id = await conn.fetchval(
            QUERIES["people.upsert_phone"], phone.e164, phone.line_type, "staff"
        )
        delivery_id: int = await conn.fetchval(
            QUERIES["test_call.add_delivery"], alert_id, contact_id, language
        )
        await conn.execute(
            QUERIES["audit.record"], staff_id, "alert.test_call", f"alert:{alert_id}",
            json.dumps({"delivery_id": delivery_id}), "",
        )  # fmt: skip
    sounds = product_sounds(settings.asterisk_root, settings.asterisk_instance)
    await prepare_alert_audio(pool, alert_id, sounds, recordings_dir(settings))
    await pool.execute(QUERIES["test_call.start"], alert_id)
    await pool.execute(QUERIES["alerts.wake_dispatch"], alert_id)
    return delivery_id


async def wait_test_call(pool: asyncpg.Pool, delivery_id: int, within: float) -> TestCallResult:
    """The delivery's end (done or failed); TimeoutError if it is not over ``within`` s."""
    async with asyncio.timeout(within):
        while True:
            row = await pool.fetchrow(QUERIES["test_call.delivery_state"], delivery_id)
            if row is None:
                raise LookupError(f"delivery {delivery_id} does not exist")
            if row["state"] in ("done", "failed", "cancelled"):
                return TestCallResult(row["state"], [o for o in row["outcomes"] if o])
            await asyncio.sleep(0.5)
