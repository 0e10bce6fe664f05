"""Retention: old alerts' deliveries lose what identifies a person, recent ones keep
everything, the reports still count the same, and a second run changes nothing."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from ivr.config import SettingsError, load_settings
from ivr.storage import alerts, people, reports
from ivr.storage.queries import QUERIES
from ivr.storage.retention import Pseudonymized, apply_retention
from ivr.storage.voice import AlertAudio, save_audio
from tests.storage.alert_history import finish_alert
from tests.storage.scenario import FRENCH, build_town
from tests.test_cli import ivr_env, run_ivr

RECORDING = "uploads/alert-old-fr-0a1b.wav"

KEPT = """
SELECT d.id, d.channel, d.language, d.sector_id, d.contact_point_id, d.state, d.last_outcome,
       d.attempts, d.created_at, d.finished_at, t.attempt_number, t.outcome, t.started_at,
       t.answered_at, t.ended_at, t.ring_seconds, t.talk_seconds
FROM deliveries d JOIN delivery_attempts t ON t.delivery_id = d.id
WHERE d.alert_id = $1 ORDER BY d.id
"""
EVERYTHING = """
SELECT row_to_json(d)::text AS delivery, row_to_json(t)::text AS attempt,
       (SELECT json_agg(p ORDER BY p.part_number)::text FROM sms_parts p
        WHERE p.attempt_id = t.id) AS parts
FROM deliveries d JOIN delivery_attempts t ON t.delivery_id = d.id
WHERE d.alert_id = $1 ORDER BY d.id
"""
IDENTIFYING = """
SELECT d.member_id, t.keys_pressed, t.reference, t.provider_message_id, t.detail,
       (SELECT array_agg(p.message_id) FROM sms_parts p WHERE p.attempt_id = t.id) AS parts
FROM deliveries d JOIN delivery_attempts t ON t.delivery_id = d.id
WHERE d.alert_id = $1 ORDER BY d.id
"""
OTHERS = """
INSERT INTO sms_inbound (phone_e164, body, keyword, received_at, handled_at, reply, replied_at)
VALUES ('+14189621001', 'OUI rue A', 'confirm', now() - interval '400 days',
        now() - interval '400 days', 'confirmed', now() - interval '400 days'),
       ('+14189621001', 'OUI', 'confirm', now(), now(), 'confirmed', now());
INSERT INTO sms_receipts (message_id, id_keys, state, received_at, applied_at)
VALUES ('old', '{old}', 'DELIVRD', now() - interval '400 days', now() - interval '400 days'),
       ('new', '{new}', 'DELIVRD', now(), now());
INSERT INTO email_bounces (message_hash, reference, addresses, flagged, read_at)
VALUES ('\\x01', 'ivr-1-1', '{gone@test.example}', 1, now() - interval '400 days'),
       ('\\x02', 'ivr-2-1', '{new@test.example}', 1, now());
"""


@dataclasses.dataclass
class History:
    old: int
    recent: int
    unlisted: int
    """A phone no member lists since the old alert."""
    refused: int
    """A phone no member lists, with an opt-out."""
    listed: int


async def make_history(db: asyncpg.Pool) -> History:
    town = await build_town(db)
    listed, unlisted, refused = await town.phone(), await town.phone(), await town.phone()
    for sector, phone in (("nord-est", listed), ("sud", unlisted), ("nord-ouest", refused)):
        member = await town.member(await town.household(sector))
        await town.choose(member, phone, "sms")
        await town.choose(member, await town.email(), "email")
    old = await town.alert(contents=(dataclasses.replace(FRENCH, voice_recording=RECORDING),))
    await save_audio(db, old, AlertAudio("fr", f"/sounds/alerts/alert-{old}-fr", 3.0), "recording")
    await finish_alert(db, old, ended_days_ago=400)
    await db.execute("DELETE FROM member_channels WHERE contact_point_id = ANY($1)",
                     [unlisted, refused])  # fmt: skip
    await people.opt_out(db, refused, "sms", "resident")
    recent = await town.alert()
    await finish_alert(db, recent, ended_days_ago=10)
    await db.execute("UPDATE contact_points SET updated_at = now() - interval '400 days'")
    await db.execute(OTHERS)
    for days in (400, 1):
        await db.execute(
            "INSERT INTO information_calls (at, contact_point_id) "
            "VALUES (now() - make_interval(days => $1), $2)",
            days,
            listed,
        )
    return History(old, recent, unlisted, refused, listed)


async def rows(db: asyncpg.Pool, query: str, *args: Any) -> list[dict[str, Any]]:
    return [dict(r) for r in await db.fetch(query, *args)]


async def test_old_details_are_pseudonymized_and_recent_ones_untouched(
    db: asyncpg.Pool,
) -> None:
    history = await make_history(db)
    kept_before = await rows(db, KEPT, history.old)
    recent_before = await rows(db, EVERYTHING, history.recent)
    counts_before = await reports.live_counts(db, history.old)
    progress_before = await alerts.get_progress(db, history.old)
    assert any(r["member_id"] for r in await rows(db, IDENTIFYING, history.old))

    done = await apply_retention(db, 365, batch_size=2)

    assert done is not None
    deliveries = len(kept_before)
    assert deliveries > 4  # so batches of 2 took several rounds
    assert (done.alerts, done.deliveries, done.attempts) == (1, deliveries, deliveries)
    assert (done.sms_parts, done.sms_inbound, done.sms_receipts) == (3, 1, 1)
    assert (done.email_bounces, done.information_calls, done.contact_points) == (1, 1, 1)
    for row in await rows(db, IDENTIFYING, history.old):
        assert row["member_id"] is None
        assert (row["keys_pressed"], row["detail"]) == ("", "")
        assert row["reference"] is None and row["provider_message_id"] is None
        assert row["parts"] in (None, [None])
    assert await rows(db, KEPT, history.old) == kept_before
    assert await rows(db, EVERYTHING, history.recent) == recent_before
    assert await reports.live_counts(db, history.old) == counts_before
    assert await alerts.get_progress(db, history.old) == progress_before
    marked = await db.fetch("SELECT id FROM alerts WHERE pseudonymized_at IS NOT NULL")
    assert [r["id"] for r in marked] == [history.old]


async def test_staff_recordings_stay_with_the_alert(db: asyncpg.Pool) -> None:
    history = await make_history(db)
    await apply_retention(db, 365)
    contents = await alerts.get_contents(db, history.old)
    assert contents["fr"].voice_recording == RECORDING
    audio = await db.fetchval("SELECT sound_name FROM alert_audio WHERE alert_id = $1", history.old)
    assert audio == f"/sounds/alerts/alert-{history.old}-fr"


async def test_other_personal_records_are_pseudonymized_when_old(db: asyncpg.Pool) -> None:
    history = await make_history(db)
    await apply_retention(db, 365)
    inbound = await rows(
        db, "SELECT phone_e164, body, keyword, reply FROM sms_inbound ORDER BY received_at"
    )
    assert inbound == [
        {"phone_e164": None, "body": "", "keyword": "confirm", "reply": "confirmed"},
        {"phone_e164": "+14189621001", "body": "OUI", "keyword": "confirm", "reply": "confirmed"},
    ]
    assert await db.fetchval("SELECT array_agg(message_id) FROM sms_receipts") == ["new"]
    bounces = await rows(
        db, "SELECT reference, addresses, flagged FROM email_bounces ORDER BY read_at"
    )
    assert bounces == [
        {"reference": None, "addresses": [], "flagged": 1},
        {"reference": "ivr-2-1", "addresses": ["new@test.example"], "flagged": 1},
    ]
    callers = await db.fetch("SELECT contact_point_id FROM information_calls ORDER BY at")
    assert [r["contact_point_id"] for r in callers] == [None, history.listed]
    contacts = {
        r["id"]: r for r in await db.fetch("SELECT id, phone_e164, erased_at FROM contact_points")
    }
    assert contacts[history.unlisted]["phone_e164"] is None
    assert contacts[history.unlisted]["erased_at"] is not None
    for kept in (history.refused, history.listed):
        assert contacts[kept]["phone_e164"] is not None
        assert contacts[kept]["erased_at"] is None


async def test_reports_still_work_on_a_pseudonymized_alert(db: asyncpg.Pool) -> None:
    history = await make_history(db)
    await apply_retention(db, 365)
    recipients = await reports.recipients(db, history.old)
    assert recipients
    assert {r.name for r in recipients} == {""}
    assert all(a["keys"] == "" and a["outcome"] for r in recipients for a in r.attempt_list)
    await reports.not_reached(db, history.old)
    exported: list[bytes] = []

    async def collect(chunk: bytes) -> None:
        exported.append(chunk)

    async with db.acquire() as conn:
        await reports.export_csv(conn, history.old, collect)
    assert b"".join(exported).count(b"\n") == len(recipients) + 1


async def test_a_second_run_changes_nothing_and_only_the_first_is_audited(
    db: asyncpg.Pool,
) -> None:
    await make_history(db)
    first = await apply_retention(db, 365)
    second = await apply_retention(db, 365)
    assert first is not None and first.total() > 0
    assert second == Pseudonymized()
    audits = await db.fetch(
        "SELECT staff_id, details FROM audit_log WHERE action = 'retention_applied'"
    )
    assert len(audits) == 1
    assert audits[0]["staff_id"] is None
    assert json.loads(audits[0]["details"]) == dataclasses.asdict(first)


async def test_zero_keeps_everything(db: asyncpg.Pool) -> None:
    history = await make_history(db)
    before = await rows(db, EVERYTHING, history.old)
    assert await apply_retention(db, 0) == Pseudonymized()
    assert await rows(db, EVERYTHING, history.old) == before


async def test_one_run_at_a_time(db: asyncpg.Pool) -> None:
    history = await make_history(db)
    async with db.acquire() as holder:
        assert await holder.fetchval(QUERIES["retention.try_lock"])
        try:
            assert await apply_retention(db, 365) is None
        finally:
            await holder.execute(QUERIES["retention.unlock"])
    assert await db.fetchval(
        "SELECT count(*) FROM deliveries WHERE alert_id = $1 AND member_id IS NOT NULL",
        history.old,
    )


def test_retention_days_setting() -> None:
    assert load_settings({}).retention_days == 365
    assert load_settings({"IVR_RETENTION_DAYS": "0"}).retention_days == 0
    with pytest.raises(SettingsError, match="IVR_RETENTION_DAYS: 7 is too short"):
        load_settings({"IVR_RETENTION_DAYS": "7"})
    with pytest.raises(SettingsError, match="IVR_RETENTION_DAYS: 'un an' is not a whole"):
        load_settings({"IVR_RETENTION_DAYS": "un an"})


async def test_the_command(db: asyncpg.Pool, database_url: str, tmp_path: Path) -> None:
    await make_history(db)
    env = ivr_env(tmp_path, IVR_DATABASE_URL=database_url)
    off = await asyncio.to_thread(run_ivr, {**env, "IVR_RETENTION_DAYS": "0"}, "apply-retention")
    assert off.returncode == 0, off.stderr
    assert "retention is off" in off.stdout
    applied = await asyncio.to_thread(run_ivr, env, "apply-retention")
    assert applied.returncode == 0, applied.stderr
    assert "retention (365 days) pseudonymized: alerts 1, deliveries 6," in applied.stdout
    assert await db.fetchval("SELECT count(*) FROM alerts WHERE pseudonymized_at IS NOT NULL") == 1
