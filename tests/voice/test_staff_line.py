"""The staff line: a staff phone of the simulated network signs in with its staff number
and PIN, records a draft's message, and (approvers only) launches an alert."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
import pytest_asyncio

from ivr.accounts.staff import create_staff
from ivr.accounts.staff_pins import set_pin
from ivr.asterisk.process import AsteriskProcess
from ivr.channels.voice.audio import wav_seconds
from ivr.channels.voice.flows.staff_line import _sectors_keyed
from ivr.channels.voice.runtime import voice_runtime
from ivr.config import Settings
from ivr.domain.sectors import in_staff_order
from ivr.storage.sectors import save_sectors
from simnet.network import PhoneNetwork
from tests.fixtures.pbx import free_port
from tests.storage.scenario import TOWN
from tests.voice.harness import VoiceHarness

pytestmark = pytest.mark.asterisk

STAFF_PHONE = "4189681001"
PIN = "482913"
TONE_MS = 3000
MARGIN = 1.2


@pytest_asyncio.fixture
async def line(
    pbx_settings: Settings,
    pbx: AsteriskProcess,
    simnet: PhoneNetwork,
    db: asyncpg.Pool,
    tmp_path: Path,
) -> AsyncIterator[VoiceHarness]:
    settings = dataclasses.replace(pbx_settings, audiosocket_port=free_port(), data_dir=tmp_path)
    async with voice_runtime(settings, db) as runtime:
        yield VoiceHarness(runtime, db, simnet, settings, tmp_path / "recordings")


async def staff(pool: asyncpg.Pool, role: str, email: str) -> int:
    await create_staff(pool, email, f"Agent {role}", role, "un mot de passe assez long 42")
    return await set_pin(pool, email, PIN)


async def draft(pool: asyncpg.Pool, drafter: int) -> int:
    alert_id: int = await pool.fetchval(
        "INSERT INTO alerts (title, category, urgency, target_all, drafted_by) "
        "VALUES ('Avis', 'boil_water', 'urgent', true, $1) RETURNING id",
        drafter,
    )
    return alert_id


def seconds(voice: VoiceHarness, name: str, language: str = "fr") -> float:
    sounds = voice.runtime.sounds
    return wav_seconds(sounds.host(sounds.prompts_dir / language / f"{name}.wav"))


def sign_in(voice: VoiceHarness, staff_id: int, pin: str = PIN) -> list[str]:
    greeting = seconds(voice, "staff-welcome") + seconds(voice, "staff-english", "en")
    return [f"w{greeting + MARGIN:.1f}", f"k{staff_id}#", "w1", f"k{pin}#", "w1"]


async def call(voice: VoiceHarness, script: list[str]) -> None:
    voice.network.call_in(voice.settings.staff_line_number, STAFF_PHONE, script)
    await voice.network.wait_for_calls(STAFF_PHONE, within=120)


async def test_a_recorded_message_is_attached_to_the_draft(line: VoiceHarness) -> None:
    operator = await staff(line.pool, "operator", "op@itum.example")
    alert_id = await draft(line.pool, operator)
    before_tone = seconds(line, "staff-record") + MARGIN
    record = [f"w{before_tone:.1f}", f"t{TONE_MS}", "w0.5", "k#"]
    script = [*sign_in(line, operator), "k1", "w1", f"k{alert_id}#", "w1", "k2", *record,
              "w1", "k2", "w4", "h"]  # fmt: skip
    await call(line, script)

    row = await line.pool.fetchrow(
        "SELECT r.language, r.path, r.seconds, r.recorded_by, c.voice_recording "
        "FROM phone_recordings r JOIN alert_contents c USING (alert_id, language) "
        "WHERE r.alert_id = $1",
        alert_id,
    )
    assert row is not None
    assert (row["language"], row["recorded_by"], row["voice_recording"]) == (
        "en",
        operator,
        row["path"],
    )
    kept = line.recordings_dir / row["path"]
    assert abs(wav_seconds(kept) - TONE_MS / 1000) <= 0.5
    assert abs(row["seconds"] - wav_seconds(kept)) < 0.01


async def test_three_wrong_pins_lock_the_staff_number(line: VoiceHarness) -> None:
    operator = await staff(line.pool, "operator", "op@itum.example")
    wrong = [*sign_in(line, operator, "1111")[:-1], "w3", f"k{operator}#", "w1", "k2222#",
             "w3", f"k{operator}#", "w1", "k3333#", "w6", "h"]  # fmt: skip
    await call(line, wrong)
    locked = await line.pool.fetchval(
        "SELECT locked_until > now() FROM staff_pins WHERE staff_id = $1", operator
    )
    assert locked is True
    audited = await line.pool.fetch(
        "SELECT details FROM audit_log WHERE action = 'staff_line.sign_in' ORDER BY id"
    )
    assert len(audited) == 3
    assert all(STAFF_PHONE in row["details"] and "1111" not in row["details"] for row in audited)
    assert '"locked"' in audited[-1]["details"]


async def test_an_operator_cannot_launch_by_phone(line: VoiceHarness) -> None:
    operator = await staff(line.pool, "operator", "op@itum.example")
    alert_id = await draft(line.pool, operator)
    await line.pool.execute(
        "INSERT INTO alert_contents (alert_id, language, sms_text, email_subject, email_body, "
        "voice_text) VALUES ($1, 'fr', 'Avis', 'Avis', 'Avis', 'Avis d''ébullition.')",
        alert_id,
    )
    await call(line, [*sign_in(line, operator), "k3", "w6", f"k{alert_id}#", "w4", "h"])
    assert await line.pool.fetchval("SELECT state FROM alerts WHERE id = $1", alert_id) == "draft"


async def test_an_approver_launches_and_the_alert_goes_out(line: VoiceHarness) -> None:
    operator = await staff(line.pool, "operator", "op@itum.example")
    approver = await staff(line.pool, "approver", "ap@itum.example")
    alert_id = await draft(line.pool, operator)
    await line.pool.execute(
        "INSERT INTO alert_contents (alert_id, language, sms_text, email_subject, email_body, "
        "voice_text) VALUES ($1, 'fr', 'Avis', 'Avis', 'Avis', 'Avis d''ébullition.')",
        alert_id,
    )
    resident = line.network.number_for("person")
    household = await line.pool.fetchval(
        "INSERT INTO households (community) VALUES ('uashat') RETURNING id"
    )
    member = await line.pool.fetchval(
        "INSERT INTO members (household_id, display_name) VALUES ($1, 'R') RETURNING id", household
    )
    contact = await line.pool.fetchval(
        "INSERT INTO contact_points (kind, phone_e164, source) VALUES ('phone', $1, 'staff') "
        "RETURNING id",
        "+1" + resident,
    )
    await line.pool.execute(
        "INSERT INTO member_channels (member_id, contact_point_id, contact_kind, channel) "
        "VALUES ($1, $2, 'phone', 'voice')",
        member,
        contact,
    )
    script = [*sign_in(line, approver), "k3", "w1", f"k{alert_id}#", "w1", f"k{PIN}#", "w15", "h"]
    await call(line, script)
    state = await line.pool.fetchval("SELECT state FROM alerts WHERE id = $1", alert_id)
    assert state in ("sending", "completed")
    approved_by = await line.pool.fetchval("SELECT approved_by FROM alerts WHERE id = $1", alert_id)
    assert approved_by == approver  # two people: drafted by the operator
    (reached,) = await line.network.wait_for_calls(resident, within=60)
    assert reached.caller_number == "4189620327"


async def test_a_draft_from_a_template_for_sectors_keyed_by_phone(line: VoiceHarness) -> None:
    async with line.pool.acquire() as conn:
        await save_sectors(conn, TOWN)  # keys in the page's order: nord, nord-est, nord-ouest, sud
    operator = await staff(line.pool, "operator", "op@itum.example")
    script = [*sign_in(line, operator), "k2", "w1", "k3", "w1", "k2*4#", "w8", "h"]
    await call(line, script)
    alert = await line.pool.fetchrow(
        "SELECT id, title, category, urgency, state, drafted_by, "
        "ARRAY(SELECT s.code FROM alert_sectors x JOIN sectors s ON s.id = x.sector_id "
        "      WHERE x.alert_id = a.id ORDER BY s.code) AS sectors, "
        "ARRAY(SELECT language FROM alert_contents c WHERE c.alert_id = a.id "
        "      ORDER BY language) AS languages FROM alerts a"
    )
    assert alert is not None
    assert dict(alert) | {"id": 0} == {
        "id": 0, "title": "Avis d'ébullition de l'eau : Nord-est, Sud", "category": "boil_water",
        "urgency": "high", "state": "draft", "drafted_by": operator,
        "sectors": ["nord-est", "sud"], "languages": ["en", "fr"],
    }  # fmt: skip


def test_sector_keys_typed_on_the_phone() -> None:
    listed = in_staff_order(TOWN)
    codes = {}
    for typed in ("0", "2*4", "4*4", "1", "5", "", "1**2"):
        found = _sectors_keyed(typed, listed)
        codes[typed] = None if found is None else [s.code for s in found]
    assert codes == {"0": [], "2*4": ["nord-est", "sud"], "4*4": ["sud"], "1": ["nord"],
                     "5": None, "": None, "1**2": None}  # fmt: skip
