"""Property tests of audience resolution: random small populations, the real SQL on the
real PostgreSQL, checked against the rules of ivr.domain.audience applied in Python."""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ivr.domain.alerts import CHANNELS, Channel
from ivr.storage.audience import resolve_audience
from ivr.storage.executor import Connection
from tests.domain.population import (
    AlertSpec,
    Household,
    Loaded,
    Population,
    add_opt_outs,
    alert_specs,
    create_alert,
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
Delivery = tuple[int, str, str, int]
"""(contact index, channel, language, member index)"""


@asynccontextmanager
async def rolled_back(db: asyncpg.Pool) -> AsyncIterator[Connection]:
    """A connection in a transaction that is always rolled back: each example starts
    from the empty migrated database."""
    async with db.acquire() as conn:
        transaction = conn.transaction()
        await transaction.start()
        try:
            yield conn
        finally:
            await transaction.rollback()


async def deliveries_of(conn: Connection, ids: Loaded, alert_id: int) -> set[Delivery]:
    rows = await conn.fetch(
        "SELECT contact_point_id, channel, language, member_id FROM deliveries WHERE alert_id = $1",
        alert_id,
    )
    contact_index = {cid: i for i, cid in enumerate(ids.contact_ids)}
    member_index = {mid: i for i, mid in enumerate(ids.member_ids)}
    found = {
        (
            contact_index[r["contact_point_id"]],
            r["channel"],
            r["language"],
            member_index[r["member_id"]],
        )
        for r in rows
    }
    assert len(found) == len(rows)
    return found


@PROPERTY_SETTINGS
@given(pop=populations(), alert=alert_specs())
async def test_resolution_follows_the_rules(
    db: asyncpg.Pool, pop: Population, alert: AlertSpec
) -> None:
    async with rolled_back(db) as conn:
        ids = await load(conn, pop)
        alert_id = await create_alert(conn, ids, alert)
        await resolve_audience(conn, alert_id)
        added_again = await resolve_audience(conn, alert_id)
        got = await deliveries_of(conn, ids, alert_id)

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


@PROPERTY_SETTINGS
@given(data=st.data(), pop=populations(), first=alert_specs(), follow_up=alert_specs())
async def test_follow_up_reaches_the_earlier_audience_only(
    db: asyncpg.Pool, data: st.DataObject, pop: Population, first: AlertSpec, follow_up: AlertSpec
) -> None:
    # between the alert and its follow-up, people who chose a contact move (often to a
    # home outside every sector) and numbers opt out
    pop = dataclasses.replace(pop, households=[*pop.households, Household(None, "fr")])
    away = len(pop.households) - 1
    movers = sorted({member for member, _, _ in pop.choices} or {0})
    moves = data.draw(
        st.lists(
            st.tuples(
                st.sampled_from(movers),
                st.one_of(st.just(away), st.integers(0, away)),
            ),
            min_size=1,
            max_size=6,
        )
    )
    new_opt_outs: list[tuple[int, Channel]] = []
    if pop.contacts:
        new_opt_outs = data.draw(
            st.lists(
                st.tuples(st.integers(0, len(pop.contacts) - 1), st.sampled_from(CHANNELS)),
                max_size=2,
            )
        )
    members = list(pop.members)
    for member, household in moves:
        members[member] = dataclasses.replace(members[member], household=household)
    later = dataclasses.replace(
        pop, members=members, opt_outs=sorted(set(pop.opt_outs) | set(new_opt_outs))
    )
    # the earlier alert targets sectors (moving out of them is what a follow-up must see)
    first = dataclasses.replace(first, target_all=False, sectors=first.sectors or frozenset({"a1"}))
    follow_up = dataclasses.replace(
        follow_up, exercise=False, target_all=False, sectors=first.sectors
    )

    async with rolled_back(db) as conn:
        ids = await load(conn, pop)
        first_id = await create_alert(conn, ids, first)
        await resolve_audience(conn, first_id)
        earlier = await deliveries_of(conn, ids, first_id)
        for member, household in moves:
            await conn.execute(
                "UPDATE members SET household_id = $2 WHERE id = $1",
                ids.member_ids[member],
                ids.household_ids[household],
            )
        await add_opt_outs(conn, ids, new_opt_outs)
        follow_up_id = await create_alert(conn, ids, follow_up, follow_up_of=first_id)
        await resolve_audience(conn, follow_up_id)
        got = await deliveries_of(conn, ids, follow_up_id)

    earlier_pairs = frozenset((contact, channel) for contact, channel, _, _ in earlier)
    assert {(contact, channel) for contact, channel, _, _ in got} <= earlier_pairs
    for contact, channel in new_opt_outs:
        assert all((c, ch) != (contact, channel) for c, ch, _, _ in got)
    assert got == expected_deliveries(later, follow_up, earlier_pairs)  # type: ignore[arg-type]
