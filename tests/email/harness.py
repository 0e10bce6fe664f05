"""Running the product's email channel against the session's simulated mail relay."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass

import asyncpg
import pytest_asyncio

from ivr.channels.email.runtime import EmailRuntime, email_runtime
from ivr.config import Settings, load_settings
from simnet.mailrelay import SimulatedMailRelay
from tests.dispatch.population import make_staff

SUBJECT_FR = "Avis d'ébullition de l'eau — secteur Uashat"
BODY_FR = (
    "Avis d'ébullition de l'eau pour le secteur de Uashat.\n\n"
    "Faites bouillir l'eau une minute « à gros bouillons » avant de la boire.\n\n"
    "Information ITUM, 418 962-0327."
)
SECRET_KEY = "une clé de test assez longue pour les liens"


def email_settings(relay: SimulatedMailRelay, **overrides: object) -> Settings:
    """Settings that send through ``relay`` (STARTTLS, its private CA, its login), with
    short retry delays and a high rate."""
    values: dict[str, object] = {
        "channels": ("email",),
        "smtp_host": "localhost",
        "smtp_port": relay.port,
        "smtp_tls": "starttls",
        "smtp_user": relay.username or "",
        "smtp_password": relay.password or "",
        "smtp_ca_file": relay.ca_file,
        "smtp_from": "Information ITUM <alertes@itum.example>",
        "secret_key": SECRET_KEY,
        "public_url": "https://alertes.itum.example",
        "emails_per_second": 1000.0,
        "retry_delay_seconds": 1.0,
    }
    values.update(overrides)
    return load_settings({}, **values)


async def make_email_alert(
    pool: asyncpg.Pool,
    addresses: list[str],
    *,
    category: str = "boil_water",
    contents: dict[str, tuple[str, str]] | None = None,
    language: str = "fr",
) -> int:
    """An alert in 'sending' with one pending email delivery per address."""
    staff_id = await make_staff(pool)
    async with pool.acquire() as conn, conn.transaction():
        alert_id: int = await conn.fetchval(
            "INSERT INTO alerts (title, category, urgency, target_all, state, drafted_by, "
            "approved_by, approved_at, launched_at) "
            "VALUES ('Avis', $2, 'urgent', true, 'sending', $1, $1, now(), now()) "
            "RETURNING id",
            staff_id, category,
        )  # fmt: skip
        for content_language, (subject, body) in (
            contents or {"fr": (SUBJECT_FR, BODY_FR)}
        ).items():
            await conn.execute(
                "INSERT INTO alert_contents (alert_id, language, email_subject, email_body) "
                "VALUES ($1, $2, $3, $4)",
                alert_id, content_language, subject, body,
            )  # fmt: skip
        await conn.executemany(
            "WITH cp AS (INSERT INTO contact_points (kind, email, source) "
            "VALUES ('email', $2, 'staff') ON CONFLICT ((lower(email))) "
            "DO UPDATE SET updated_at = now() RETURNING id) "
            "INSERT INTO deliveries (alert_id, contact_point_id, channel, language, priority) "
            "SELECT $1, id, 'email', $3, 3 FROM cp",
            [(alert_id, address, language) for address in addresses],
        )
    await pool.execute("NOTIFY ivr_dispatch")
    return alert_id


@dataclass
class EmailHarness:
    runtime: EmailRuntime
    pool: asyncpg.Pool
    relay: SimulatedMailRelay
    settings: Settings

    async def wait_completed(self, alert_id: int, within: float = 30) -> None:
        await self.wait_for("SELECT state = 'completed' FROM alerts WHERE id = $1", alert_id,
                            within=within)  # fmt: skip

    async def wait_for(self, query: str, *args: object, within: float = 30) -> None:
        async with asyncio.timeout(within):
            while not await self.pool.fetchval(query, *args):
                await asyncio.sleep(0.05)

    async def outcomes(self, alert_id: int) -> dict[str, tuple[str, str | None, int]]:
        """Per address: the delivery's state, last outcome and number of attempts."""
        rows = await self.pool.fetch(
            "SELECT cp.email, d.state, d.last_outcome, d.attempts "
            "FROM deliveries d JOIN contact_points cp ON cp.id = d.contact_point_id "
            "WHERE d.alert_id = $1 AND d.channel = 'email'",
            alert_id,
        )
        return {r["email"]: (r["state"], r["last_outcome"], r["attempts"]) for r in rows}

    def received_by(self, address: str) -> list[bytes]:
        return [m.raw for m in self.relay.messages() if address in m.recipients]


@pytest_asyncio.fixture
async def email(mail: SimulatedMailRelay, db: asyncpg.Pool) -> AsyncIterator[EmailHarness]:
    """The email channel running, sending through the simulated relay."""
    settings = email_settings(mail)
    async with email_runtime(settings, db) as runtime:
        yield EmailHarness(runtime, db, mail, settings)
