"""Property tests of audience resolution: random small populations, the real SQL on the
real PostgreSQL, checked against the rules of ivr.domain.audience applied in Python."""

from __future__ import annotations

from collections import Counter

import asyncpg
from hypothesis import HealthCheck, given, settings

from ivr.storage.audience import resolve_audience
from tests.domain.population import (
    AlertSpec,
    Population,
    alert_specs,
    expected_deliveries,
    in_scope,
    load,
    populations,
    usable_choices,
)

PROPERTY_SETTINGS = settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


async def _resolve(
    db: asyncpg.Pool, pop: Population, alert: AlertSpec
) -> tuple[set[tuple[int, str, str, int]], int]:
    """Deliveries as (contact index, channel, language, member index), and how many a
    second resolution added; everything is rolled back afterwards."""
    async with db.acquire() as conn:
        transaction = conn.transaction()
        await transaction.start()
        try:
            loaded = await load(conn, pop, alert)
            await resolve_audience(conn, loaded.alert_id)
            again = await resolve_audience(conn, loaded.alert_id)
            rows = await conn.fetch(
                "SELECT contact_point_id, channel, language, member_id FROM deliveries "
                "WHERE alert_id = $1",
                loaded.alert_id,
            )
        finally:
            await transaction.rollback()
    contact_index = {cid: i for i, cid in enumerate(loaded.contact_ids)}
    member_index = {mid: i for i, mid in enumerate(loaded.member_ids)}
    got = {
        (
            contact_index[r["contact_point_id"]],
            r["channel"],
            r["language"],
            member_index[r["member_id"]],
        )
        for r in rows
    }
    assert len(got) == len(rows)
    return got, again


@PROPERTY_SETTINGS
@given(pop=populations(), alert=alert_specs())
async def test_resolution_follows_the_rules(
    db: asyncpg.Pool, pop: Population, alert: AlertSpec
) -> None:
    got, added_again = await _resolve(db, pop, alert)

    # idempotent: resolving twice creates no duplicates
    assert added_again == 0
    # each contact gets at most one delivery per channel
    per_contact_channel = Counter((contact, channel) for contact, channel, _, _ in got)
    assert all(n == 1 for n in per_contact_channel.values())
    # nobody outside the targeted sectors (or the tester list) gets anything: every
    # delivery goes to a contact chosen by a member the alert concerns
    for contact, _, _, member in got:
        assert in_scope(pop, alert, member)
        assert any(m == member and c == contact for m, c, _ in pop.choices)
    # every targeted person with a usable contact gets one
    reached = {contact for contact, _, _, _ in got}
    for _, contact, _, _ in usable_choices(pop, alert):
        assert contact in reached
    # and exactly the deliveries (channel, language, deciding member) the rules give
    assert got == expected_deliveries(pop, alert)
