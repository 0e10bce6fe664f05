"""The demo data: loads into an empty database, rings simulated phones, loads once."""

from __future__ import annotations

import asyncpg
import pytest

from ivr.domain.errors import DomainError
from ivr.importers.demo_data import UNREACHABLE_NAME, load_demo_data
from ivr.storage.audience import preview
from simnet.phones import load_phones
from tests.storage.scenario import FRENCH, Town


async def test_demo_loads_once_and_every_number_is_on_the_simulated_network(
    db: asyncpg.Pool,
) -> None:
    summary = await load_demo_data(db)
    assert summary.households > 40 and summary.members > summary.households
    numbers = {
        r["phone_e164"]
        for r in await db.fetch("SELECT phone_e164 FROM contact_points WHERE kind = 'phone'")
    }
    assert len(numbers) == summary.phones
    simulated = {"+1" + phone.number for phone in load_phones()}
    assert numbers <= simulated
    unplaced = await db.fetchval("SELECT count(*) FROM households WHERE sector_id IS NULL")
    assert unplaced == 0
    with pytest.raises(DomainError, match="already has residents"):
        await load_demo_data(db)


async def test_demo_alert_to_everyone_reaches_every_household(db: asyncpg.Pool) -> None:
    await load_demo_data(db)
    author = await db.fetchval(
        "INSERT INTO staff (email, display_name, role, password_hash) "
        "VALUES ('a@t.example', 'A', 'admin', 'x') RETURNING id"
    )
    town = Town(db, author, author)  # a lone admin approves their own alert
    alert = await town.alert(contents=(FRENCH,), launch=False)
    shown = await preview(db, alert)
    assert shown.unreachable_total == 1
    assert [u.display_name for u in shown.unreachable] == [UNREACHABLE_NAME]
    alert_launched = await town.alert(contents=(FRENCH,))
    deliveries = await town.deliveries(alert_launched)
    assert len(deliveries) == shown.total()
    households_reached = await db.fetchval(
        "SELECT count(DISTINCT m.household_id) FROM deliveries d "
        "JOIN members m ON m.id = d.member_id WHERE d.alert_id = $1",
        alert_launched,
    )
    assert households_reached == await db.fetchval("SELECT count(*) FROM households") - 1
