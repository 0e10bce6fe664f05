"""A test call: staff check the whole voice path (PBX, trunk, caller ID, call flow)
by calling one number of their choosing with a short exercise message."""

from __future__ import annotations

import asyncio

import asyncpg

from ivr.alerts.launching import prepare_audio
from ivr.config import Settings
from ivr.storage import test_call
from ivr.storage.people import add_phone
from ivr.storage.test_call import TestCallState

DEFAULT_TEXT = {
    "fr": "Ceci est un appel d'essai du service d'alertes. Aucune action n'est requise.",
    "en": "This is a test call of the alert service. No action is needed.",
}
ENDED = frozenset({"done", "failed", "cancelled"})


async def start_test_call(
    pool: asyncpg.Pool, settings: Settings, number: str, staff_id: int, language: str = "fr"
) -> int:
    """Queue the call (the running ``ivr serve`` places it); return the delivery id."""
    async with pool.acquire() as conn, conn.transaction():
        contact_id = await add_phone(conn, number, "staff")
        alert_id, delivery_id = await test_call.create(
            conn, staff_id, contact_id, language, DEFAULT_TEXT[language]
        )
    await prepare_audio(pool, settings, alert_id)
    await test_call.start(pool, alert_id)
    return delivery_id


async def wait_test_call(pool: asyncpg.Pool, delivery_id: int, within: float) -> TestCallState:
    """The delivery's end (done or failed); TimeoutError if it is not over ``within`` s."""
    async with asyncio.timeout(within):
        while True:
            state = await test_call.delivery_state(pool, delivery_id)
            if state is None:
                raise LookupError(f"delivery {delivery_id} does not exist")
            if state.state in ENDED:
                return state
            await asyncio.sleep(0.5)
