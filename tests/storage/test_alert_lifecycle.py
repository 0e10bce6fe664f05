"""Alerts through their life: draft, content, four-eyes approval, launch, cancel."""

from __future__ import annotations

import asyncpg
import pytest
import pytest_asyncio

from ivr.domain.alerts import Content
from ivr.domain.errors import DomainError
from ivr.storage import alerts
from ivr.storage.queries import QUERIES
from tests.storage.scenario import ENGLISH, FRENCH, Town, build_town


@pytest_asyncio.fixture
async def town(db: asyncpg.Pool) -> Town:
    town = await build_town(db)
    member = await town.member(await town.household("sud"))
    await town.choose(member, await town.phone(), "voice")
    await town.choose(member, await town.email(), "email")
    return town


async def test_draft_approve_launch_cancel(town: Town) -> None:
    alert_id = await town.alert("sud", contents=(FRENCH, ENGLISH), launch=False)
    alert = await alerts.get_alert(town.db, alert_id)
    assert (alert.state, alert.sector_codes, alert.drafted_by) == ("draft", ("sud",), town.author)
    assert set(await alerts.get_contents(town.db, alert_id)) == {"fr", "en"}
    async with town.db.acquire() as conn:
        woken: list[str] = []

        def on_notify(*args: object) -> None:
            woken.append(str(args[-1]))

        await conn.add_listener("ivr_dispatch", on_notify)
        approval = await alerts.approve(conn, alert_id, town.approver)
        assert not approval.self_approved
        with pytest.raises(DomainError, match="Only a draft"):
            await alerts.set_content(conn, alert_id, FRENCH)
        assert (await alerts.launch(conn, alert_id, town.approver)).created == 2
        with pytest.raises(DomainError, match="state sending cannot become sending"):
            await alerts.launch(conn, alert_id, town.approver)
        assert await alerts.cancel(conn, alert_id, town.approver) == 2
        await conn.execute("SELECT 1")  # let the notifications arrive
        await conn.remove_listener("ivr_dispatch", on_notify)
    assert woken == [str(alert_id), str(alert_id)]
    states = await town.db.fetch(
        "SELECT DISTINCT state FROM deliveries WHERE alert_id = $1", alert_id
    )
    assert [r["state"] for r in states] == ["cancelled"]
    actions = [r["action"] for r in await town.db.fetch(QUERIES["audit.recent"], 10)]
    assert actions[:4] == ["alert.cancel", "alert.launch", "alert.approve", "alert.draft"]


async def test_author_cannot_approve_their_own_alert_when_others_can(town: Town) -> None:
    admin = await town.db.fetchval(QUERIES["staff.create"], "c@test.example", "C", "admin", "x")
    async with town.db.acquire() as conn:
        alert_id = await alerts.create_alert(
            conn, title="T", category="other", urgency="low", drafted_by=admin, target_all=True
        )
        await alerts.set_content(conn, alert_id, FRENCH)
        with pytest.raises(DomainError, match="other than its author"):
            await alerts.approve(conn, alert_id, admin)
        with pytest.raises(DomainError, match="Only an administrator or an approver"):
            await alerts.approve(conn, alert_id, town.author)
        assert not (await alerts.approve(conn, alert_id, town.approver)).self_approved


async def test_sole_approver_self_approval_is_audited(db: asyncpg.Pool) -> None:
    admin = await db.fetchval(QUERIES["staff.create"], "solo@test.example", "S", "admin", "x")
    async with db.acquire() as conn:
        await conn.execute(
            "INSERT INTO sectors (code, community, name_fr, name_en) "
            "VALUES ('s', 'uashat', 'S', 'S')"
        )
        alert_id = await alerts.create_alert(
            conn, title="T", category="other", urgency="low", drafted_by=admin, sector_codes=["s"]
        )
        await alerts.set_content(conn, alert_id, FRENCH)
        assert (await alerts.approve(conn, alert_id, admin)).self_approved
    details = await db.fetchval(
        "SELECT details->>'self_approved' FROM audit_log WHERE action = 'alert.approve'"
    )
    assert details == "true"


async def test_approval_needs_french_on_every_channel(town: Town) -> None:
    alert_id = await town.alert("sud", contents=(Content("fr", sms_text="Avis."),), launch=False)
    async with town.db.acquire() as conn:
        with pytest.raises(DomainError, match="missing for the voice"):
            await alerts.approve(conn, alert_id, town.approver)
    assert (await alerts.get_alert(town.db, alert_id)).state == "draft"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"sector_codes": ["nowhere"]}, "Unknown sector: nowhere"),
        ({}, "Choose at least one sector"),
        ({"sector_codes": ["sud"], "title": " "}, "title is empty"),
        ({"follow_up_of": 999}, "already launched"),
    ],
)
async def test_bad_drafts_are_refused_and_leave_nothing(
    town: Town, kwargs: dict[str, object], message: str
) -> None:
    arguments: dict[str, object] = {
        "title": "T",
        "category": "other",
        "urgency": "low",
        "drafted_by": town.author,
    }
    arguments.update(kwargs)
    async with town.db.acquire() as conn:
        with pytest.raises(DomainError, match=message):
            await alerts.create_alert(conn, **arguments)  # type: ignore[arg-type]
    assert await town.db.fetchval("SELECT count(*) FROM alerts") == 0


async def test_viewer_cannot_draft(town: Town) -> None:
    viewer = await town.db.fetchval(QUERIES["staff.create"], "v@test.example", "V", "viewer", "x")
    async with town.db.acquire() as conn:
        with pytest.raises(DomainError, match="drafting"):
            await alerts.create_alert(
                conn, title="T", category="other", urgency="low", drafted_by=viewer, target_all=True
            )


async def test_viewer_cannot_launch_or_cancel(town: Town) -> None:
    viewer = await town.db.fetchval(QUERIES["staff.create"], "v@test.example", "V", "viewer", "x")
    approved = await town.alert("sud", launch=False)
    sending = await town.alert("sud")
    async with town.db.acquire() as conn:
        await alerts.approve(conn, approved, town.approver)
        with pytest.raises(DomainError, match="launching or cancelling"):
            await alerts.launch(conn, approved, viewer)
        with pytest.raises(DomainError, match="launching or cancelling"):
            await alerts.cancel(conn, sending, viewer)
    states = await town.db.fetch("SELECT id, state FROM alerts ORDER BY id")
    assert [(r["id"], r["state"]) for r in states] == [(approved, "approved"), (sending, "sending")]


async def test_follow_up_takes_the_target_of_the_earlier_alert(town: Town) -> None:
    first = await town.alert("sud", "nord")
    follow_up = await town.alert(category="all_clear", follow_up_of=first, launch=False)
    alert = await alerts.get_alert(town.db, follow_up)
    assert (alert.follow_up_of, alert.sector_codes) == (first, ("nord", "sud"))
    async with town.db.acquire() as conn:
        with pytest.raises(DomainError, match="reuses the audience"):
            await alerts.create_alert(
                conn,
                title="T",
                category="all_clear",
                urgency="low",
                drafted_by=town.author,
                sector_codes=["sud"],
                follow_up_of=first,
            )


async def test_innu_text_is_refused_by_the_database_too(town: Town) -> None:
    alert_id = await town.alert("sud", launch=False)
    async with town.db.acquire() as conn:
        with pytest.raises(DomainError, match="Innu-aimun"):
            await alerts.set_content(conn, alert_id, Content("innu", sms_text="Kuei"))
