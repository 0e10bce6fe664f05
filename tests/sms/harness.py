"""Running the product's SMS channel against the session's simulated SMSC."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass

import asyncpg
import pytest_asyncio

from ivr.channels.sms.runtime import SmsRuntime, sms_runtime
from ivr.config import Settings, load_settings
from simnet.smsc import SimulatedSmsc
from tests.dispatch.population import make_staff

FRENCH = "Avis d'ébullition de l'eau pour le secteur de Uashat. Faites bouillir l'eau."


def sms_settings(smsc: SimulatedSmsc, **overrides: object) -> Settings:
    """Settings that bind to ``smsc``, with short retry delays and a high rate."""
    values: dict[str, object] = {
        "channels": ("sms",),
        "smpp_host": smsc.host,
        "smpp_port": smsc.port,
        "smpp_system_id": smsc.system_id,
        "smpp_password": smsc.password,
        "smpp_system_type": smsc.system_type,
        "smpp_window": 10,
        "sms_per_second": 1000.0,
        "retry_delay_seconds": 1.0,
    }
    values.update(overrides)
    return load_settings({}, **values)


async def make_sms_alert(
    pool: asyncpg.Pool,
    numbers: list[str],
    texts: Mapping[str, str] | None = None,
    *,
    language: str = "fr",
    voice_text: str | None = None,
) -> int:
    """An alert in 'sending' with one pending SMS delivery (in ``language``) per
    10-digit number; ``texts``: its SMS text per language (French by default)."""
    staff_id = await make_staff(pool)
    async with pool.acquire() as conn, conn.transaction():
        alert_id: int = await conn.fetchval(
            "INSERT INTO alerts (title, category, urgency, target_all, state, drafted_by, "
            "approved_by, approved_at, launched_at) "
            "VALUES ('Avis', 'boil_water', 'urgent', true, 'sending', $1, $1, now(), now()) "
            "RETURNING id",
            staff_id,
        )
        for content_language, text in (texts or {"fr": FRENCH}).items():
            await conn.execute(
                "INSERT INTO alert_contents (alert_id, language, sms_text, voice_text) "
                "VALUES ($1, $2, $3, $4)",
                alert_id, content_language, text, voice_text,
            )  # fmt: skip
        await conn.executemany(
            "WITH cp AS (INSERT INTO contact_points (kind, phone_e164, source) "
            "VALUES ('phone', $2, 'staff') ON CONFLICT (phone_e164) "
            "DO UPDATE SET updated_at = now() RETURNING id) "
            "INSERT INTO deliveries (alert_id, contact_point_id, channel, language, priority) "
            "SELECT $1, id, 'sms', $3, 3 FROM cp",
            [(alert_id, "+1" + number, language) for number in numbers],
        )
    await pool.execute("NOTIFY ivr_dispatch")
    return alert_id


@dataclass
class SmsHarness:
    runtime: SmsRuntime
    pool: asyncpg.Pool
    smsc: SimulatedSmsc
    settings: Settings

    async def wait_completed(self, alert_id: int, within: float = 30) -> None:
        await self.wait_for("SELECT state = 'completed' FROM alerts WHERE id = $1", alert_id,
                            within=within)  # fmt: skip

    async def wait_for(self, query: str, *args: object, within: float = 30) -> None:
        async with asyncio.timeout(within):
            while not await self.pool.fetchval(query, *args):
                await asyncio.sleep(0.05)

    async def wait_bound(self, within: float = 10) -> None:
        async with asyncio.timeout(within):
            while not self.runtime.link.up:
                await asyncio.sleep(0.02)

    async def outcomes(self, alert_id: int) -> dict[str, tuple[str, str | None]]:
        """Per 10-digit number: the delivery's state and last outcome."""
        rows = await self.pool.fetch(
            "SELECT substr(cp.phone_e164, 3) AS number, d.state, d.last_outcome "
            "FROM deliveries d JOIN contact_points cp ON cp.id = d.contact_point_id "
            "WHERE d.alert_id = $1 AND d.channel = 'sms'",
            alert_id,
        )
        return {row["number"]: (row["state"], row["last_outcome"]) for row in rows}


@pytest_asyncio.fixture
async def sms(smsc: SimulatedSmsc, db: asyncpg.Pool) -> AsyncIterator[SmsHarness]:
    """The SMS channel running, bound to the simulated SMSC."""
    settings = sms_settings(smsc)
    async with sms_runtime(settings, db) as runtime:
        harness = SmsHarness(runtime, db, smsc, settings)
        await harness.wait_bound()
        yield harness
