"""Audience resolution and preview on PostgreSQL, one targeting rule per test."""

from __future__ import annotations

import asyncpg
import pytest_asyncio

from ivr.domain.alerts import Content, Language
from ivr.storage import alerts, people
from ivr.storage.audience import preview, resolve_audience
from tests.storage.scenario import ENGLISH, FRENCH, Town, build_town


@pytest_asyncio.fixture
async def town(db: asyncpg.Pool) -> Town:
    return await build_town(db)


async def test_shared_landline_is_called_once_in_the_household_language(town: Town) -> None:
    home = await town.household("nord-est", language="en")
    landline = await town.phone("landline")
    languages: tuple[Language, ...] = ("fr", "innu", "en")
    for language in languages:
        member = await town.member(home, language)
        await town.choose(member, landline, "voice")
    alert = await town.alert("nord-est", contents=(FRENCH, ENGLISH))
    assert await town.deliveries(alert) == {(landline, "voice"): "en"}


async def test_innu_recording_is_used_on_a_landline_of_an_innu_household(town: Town) -> None:
    home = await town.household("sud", language="innu")
    landline = await town.phone("landline")
    await town.choose(await town.member(home, "fr"), landline, "voice")
    innu = Content("innu", voice_recording="alert-innu")
    with_recording = await town.alert("sud", contents=(FRENCH, innu))
    without_recording = await town.alert("sud", contents=(FRENCH,))
    assert await town.deliveries(with_recording) == {(landline, "voice"): "innu"}
    assert await town.deliveries(without_recording) == {(landline, "voice"): "fr"}


async def test_innu_speaker_gets_text_in_french(town: Town) -> None:
    home = await town.household("sud")
    member = await town.member(home, "innu")
    mobile, email = await town.phone("mobile"), await town.email()
    await town.choose(member, mobile, "sms")
    await town.choose(member, email, "email")
    alert = await town.alert(
        "sud", contents=(FRENCH, ENGLISH, Content("innu", voice_recording="r"))
    )
    assert await town.deliveries(alert) == {(mobile, "sms"): "fr", (email, "email"): "fr"}


async def test_english_speaker_gets_french_when_there_is_no_english(town: Town) -> None:
    member = await town.member(await town.household("sud"), "en")
    mobile = await town.phone()
    await town.choose(member, mobile, "sms")
    assert await town.deliveries(await town.alert("sud", contents=(FRENCH, ENGLISH))) == {
        (mobile, "sms"): "en"
    }
    assert await town.deliveries(await town.alert("sud")) == {(mobile, "sms"): "fr"}


async def test_shared_mobile_and_email_get_one_message_each(town: Town) -> None:
    mobile, email = await town.phone(), await town.email()
    for sector in ("nord-est", "sud"):
        member = await town.member(await town.household(sector))
        await town.choose(member, mobile, "sms")
        await town.choose(member, email, "email")
    alert = await town.alert()
    assert await town.deliveries(alert) == {(mobile, "sms"): "fr", (email, "email"): "fr"}


async def test_sms_to_a_landline_or_to_a_number_without_sms_becomes_a_call(town: Town) -> None:
    member = await town.member(await town.household("sud"))
    landline, no_sms = await town.phone("landline"), await town.phone("mobile")
    await town.choose(member, landline, "sms")
    await town.choose(member, no_sms, "sms")
    await people.set_sms_capable(town.db, no_sms, capable=False)
    assert await town.deliveries(await town.alert("sud")) == {
        (landline, "voice"): "fr",
        (no_sms, "voice"): "fr",
    }


async def test_opt_outs_invalid_and_not_in_service_contacts(town: Town) -> None:
    member = await town.member(await town.household("sud"))
    stopped, dead, bad_email, email = (
        await town.phone(),
        await town.phone(),
        await town.email(),
        await town.email(),
    )
    await town.choose(member, stopped, "sms")
    await town.choose(member, stopped, "voice")
    await town.choose(member, dead, "voice")
    await town.choose(member, bad_email, "email")
    await town.choose(member, email, "email")
    await people.opt_out(town.db, stopped, "sms", "resident")  # SMS STOP: calls still come
    await town.db.execute("UPDATE contact_points SET not_in_service_at = now() WHERE id = $1", dead)
    await people.set_verification(town.db, bad_email, "invalid")
    alert = await town.alert("sud")
    assert await town.deliveries(alert) == {(stopped, "voice"): "fr", (email, "email"): "fr"}
    await people.opt_in(town.db, stopped, "sms")
    await people.clear_not_in_service(town.db, dead)
    again = await town.alert("sud")
    assert set(await town.deliveries(again)) == {
        (stopped, "sms"),
        (stopped, "voice"),
        (dead, "voice"),
        (email, "email"),
    }


async def test_parent_sector_includes_its_sub_sectors_only(town: Town) -> None:
    phones = {}
    for sector in ("nord-est", "nord-ouest", "sud"):
        member = await town.member(await town.household(sector))
        phones[sector] = await town.phone()
        await town.choose(member, phones[sector], "voice")
    outside = await town.member(
        await people.add_household(town.db, people.Address("uashat", 5, "rue Z"), ())
    )
    await town.choose(outside, await town.phone(), "voice")

    def reached(deliveries: dict[tuple[int, str], str]) -> set[str]:
        return {s for s, p in phones.items() if (p, "voice") in deliveries}

    assert reached(await town.deliveries(await town.alert("nord"))) == {"nord-est", "nord-ouest"}
    assert reached(await town.deliveries(await town.alert("nord-ouest"))) == {"nord-ouest"}
    everyone = await town.deliveries(await town.alert())
    assert reached(everyone) == set(phones) and len(everyone) == 4  # the sectorless too


async def test_exercise_reaches_only_opted_in_testers(town: Town) -> None:
    home = await town.household("sud")
    tester, other = await town.member(home), await town.member(home)
    tester_phone, other_phone = await town.phone(), await town.phone()
    await town.choose(tester, tester_phone, "sms")
    await town.choose(other, other_phone, "sms")
    granted = await people.grant_consent(
        town.db, tester, "exercise_alerts", wording_version="v1", language="fr", source="portal"
    )
    assert granted
    assert not await people.grant_consent(
        town.db, tester, "exercise_alerts", wording_version="v1", language="fr", source="portal"
    )
    exercise = await town.alert("sud", category="exercise")
    assert set(await town.deliveries(exercise)) == {(tester_phone, "sms")}
    assert await people.withdraw_consent(town.db, tester, "exercise_alerts")
    assert await town.deliveries(await town.alert("sud", category="exercise")) == {}


async def test_withdrawn_consent_to_alerts_stops_them_until_given_again(town: Town) -> None:
    member = await town.member(await town.household("sud"))
    phone = await town.phone()
    await town.choose(member, phone, "sms")
    consent = {"wording_version": "v1", "language": "fr", "source": "portal"}
    await people.grant_consent(town.db, member, "emergency_alerts", **consent)  # type: ignore[arg-type]
    await people.withdraw_consent(town.db, member, "emergency_alerts")
    assert await town.deliveries(await town.alert("sud")) == {}
    await people.grant_consent(town.db, member, "emergency_alerts", **consent)  # type: ignore[arg-type]
    assert set(await town.deliveries(await town.alert("sud"))) == {(phone, "sms")}


async def test_follow_up_goes_to_the_same_audience(town: Town) -> None:
    stays, moved_member, opts_out = [await town.member(await town.household("sud")) for _ in "abc"]
    stays_phone, moves_phone, opts_out_phone = [await town.phone() for _ in "abc"]
    await town.choose(stays, stays_phone, "sms")
    await town.choose(moved_member, moves_phone, "sms")
    await town.choose(opts_out, opts_out_phone, "sms")
    evacuation = await town.alert("sud")
    assert len(await town.deliveries(evacuation)) == 3

    # after the evacuation: one moves to the north, one opts out, a newcomer arrives
    north = await town.household("nord-est")
    await town.db.execute("UPDATE members SET household_id = $1 WHERE id = $2", north, moved_member)
    await people.opt_out(town.db, opts_out_phone, "sms", "resident")
    newcomer = await town.member(await town.household("sud"))
    await town.choose(newcomer, await town.phone(), "sms")

    all_clear = await town.alert(category="all_clear", follow_up_of=evacuation)
    assert set(await town.deliveries(all_clear)) == {(stays_phone, "sms"), (moves_phone, "sms")}


async def test_resolution_is_idempotent_and_keeps_the_schedule(town: Town) -> None:
    member = await town.member(await town.household("sud"))
    await town.choose(member, await town.phone(), "voice")
    alert = await town.alert("sud", launch=False)
    await town.db.execute(
        "UPDATE alerts SET scheduled_at = now() + interval '1 hour' WHERE id = $1", alert
    )
    assert await resolve_audience(town.db, alert) == 1
    assert await resolve_audience(town.db, alert) == 0
    row = await town.db.fetchrow(
        "SELECT d.priority, d.state, d.next_attempt_at = a.scheduled_at AS on_time "
        "FROM deliveries d JOIN alerts a ON a.id = d.alert_id WHERE d.alert_id = $1",
        alert,
    )
    assert row is not None
    assert dict(row) == {"priority": 3, "state": "pending", "on_time": True}


async def test_preview_counts_and_people_without_usable_contact(town: Town) -> None:
    for sector in ("nord-est", "sud", "sud"):
        member = await town.member(await town.household(sector))
        await town.choose(member, await town.phone(), "sms")
        await town.choose(member, await town.email(), "email")
    lonely = [await town.member(await town.household("sud")) for _ in range(3)]
    stopped = await town.phone()
    await town.choose(lonely[0], stopped, "sms")
    await people.opt_out(town.db, stopped, "sms", "resident")
    alert = await town.alert("nord", "sud", launch=False)

    shown = await preview(town.db, alert, limit=2)
    counts = {(c.sector_code, c.channel): c.deliveries for c in shown.counts}
    assert counts == {
        ("nord-est", "email"): 1,
        ("nord-est", "sms"): 1,
        ("sud", "email"): 2,
        ("sud", "sms"): 2,
    }
    assert shown.unreachable_total == 3
    assert len(shown.unreachable) == 2
    assert {u.member_id for u in shown.unreachable} <= set(lonely)
    assert all(u.street == "rue C" and u.sector_code == "sud" for u in shown.unreachable)
    assert await resolve_audience(town.db, alert) == shown.total() == 6
    assert await town.db.fetchval("SELECT count(*) FROM deliveries") == 6  # preview wrote none


async def test_channels_not_in_service_fall_back_or_end_at_once(town: Town) -> None:
    """Only voice runs: an SMS choice is called (unless that number refused calls), an
    email has no way and ends as channel_unavailable; the alert can complete."""
    texter = await town.member(await town.household("sud"))
    mobile = await town.phone()
    await town.choose(texter, mobile, "sms")
    no_calls = await town.phone()
    await town.choose(await town.member(await town.household("sud")), no_calls, "sms")
    await people.opt_out(town.db, no_calls, "voice", "resident")
    reader = await town.member(await town.household("sud"))
    mailbox = await town.email()
    await town.choose(reader, mailbox, "email")
    alert = await town.alert("sud", launch=False)

    shown = await preview(town.db, alert, in_service=("voice",))
    assert shown.unavailable() == {"email": 1}
    assert shown.total("voice") == 1
    assert shown.unreachable_total == 2  # the email reader and the number that refused calls

    async with town.db.acquire() as conn:
        await alerts.approve(conn, alert, town.approver)
        launched = await alerts.launch(conn, alert, town.approver, ("voice",))
    assert launched == alerts.Launch(created=2, unavailable={"email": 1})
    rows = await town.db.fetch(
        "SELECT contact_point_id, channel, state, last_outcome FROM deliveries "
        "WHERE alert_id = $1 ORDER BY channel",
        alert,
    )
    assert [tuple(r) for r in rows] == [
        (mailbox, "email", "failed", "channel_unavailable"),
        (mobile, "voice", "pending", None),
    ]


async def test_an_alert_with_nothing_to_send_completes_at_launch(town: Town) -> None:
    reader = await town.member(await town.household("sud"))
    await town.choose(reader, await town.email(), "email")
    alert = await town.alert("sud", launch=False)
    async with town.db.acquire() as conn:
        await alerts.approve(conn, alert, town.approver)
        await alerts.launch(conn, alert, town.approver, ("voice",))
    assert await town.db.fetchval("SELECT state FROM alerts WHERE id = $1", alert) == "completed"


async def test_channels_in_order_first_usable_choice_alone_unless_urgent(town: Town) -> None:
    member = await town.member(await town.household("sud"))
    mobile, email = await town.phone(), await town.email()
    await town.choose(member, mobile, "sms")
    await town.choose(member, email, "email")
    await town.db.execute("UPDATE members SET channel_order = '{voice,email,sms}' WHERE id = $1",
                          member)  # fmt: skip
    everything = {(mobile, "sms"), (email, "email")}
    for urgency in ("urgent", "high"):
        assert set(await town.deliveries(await town.alert("sud", urgency=urgency))) == everything
    # no voice choice at all: the first usable is email
    assert set(await town.deliveries(await town.alert("sud", urgency="normal"))) == {
        (email, "email")
    }
    await people.set_verification(town.db, email, "invalid")  # bouncing: next choice
    assert set(await town.deliveries(await town.alert("sud", urgency="low"))) == {(mobile, "sms")}
    await town.db.execute("UPDATE members SET channel_order = NULL WHERE id = $1", member)
    assert set(await town.deliveries(await town.alert("sud", urgency="low"))) == {(mobile, "sms")}
