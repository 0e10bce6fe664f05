"""Build small test populations with plain SQL: a staff member, a sector, residents
with phone numbers, and an alert in state 'sending' with one voice delivery each."""

from __future__ import annotations

import asyncpg


async def make_staff(pool: asyncpg.Pool, email: str = "agent@itum.example") -> int:
    staff_id: int = await pool.fetchval(
        "INSERT INTO staff (email, display_name, role, password_hash) "
        "VALUES ($1, 'Agent', 'admin', 'x') "
        "ON CONFLICT ((lower(email))) DO UPDATE SET email = EXCLUDED.email RETURNING id",
        email,
    )
    return staff_id


async def make_sending_alert(
    pool: asyncpg.Pool,
    numbers: list[str],
    *,
    urgency: str = "normal",
    priority: int = 1,
    channel: str = "voice",
    language: str = "fr",
    state: str = "sending",
    voice_text: str = "Avis d'ébullition de l'eau.",
) -> int:
    """An approved alert (in 'sending' unless told) with one pending delivery per
    number (E.164)."""
    staff_id = await make_staff(pool)
    async with pool.acquire() as conn, conn.transaction():
        alert_id: int = await conn.fetchval(
            "INSERT INTO alerts (title, category, urgency, target_all, state, drafted_by, "
            "approved_by, approved_at, launched_at) "
            "VALUES ('Avis', 'boil_water', $1, true, $3, $2, $2, now(), now()) RETURNING id",
            urgency,
            staff_id,
            state,
        )
        await conn.execute(
            "INSERT INTO alert_contents (alert_id, language, voice_text) VALUES ($1, $2, $3)",
            alert_id,
            language,
            voice_text,
        )
        for number in numbers:
            contact_id = await conn.fetchval(
                "INSERT INTO contact_points (kind, phone_e164, source) "
                "VALUES ('phone', $1, 'staff') "
                "ON CONFLICT (phone_e164) DO UPDATE SET updated_at = now() RETURNING id",
                number,
            )
            await conn.execute(
                "INSERT INTO deliveries (alert_id, contact_point_id, channel, language, priority) "
                "VALUES ($1, $2, $3, $4, $5)",
                alert_id,
                contact_id,
                channel,
                language,
                priority,
            )
    return alert_id


def numbers(count: int, first: int = 1000) -> list[str]:
    return [f"+1418962{first + i:04d}" for i in range(count)]
