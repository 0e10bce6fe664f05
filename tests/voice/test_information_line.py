"""The information line: residents of the simulated network call 418-962-0327 back and
hear their alert, the active alerts, or reach the reception desk (a phone of the
network), through the product's real Asterisk and FastAGI flow."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from zoneinfo import ZoneInfo

import asyncpg
import pytest
import pytest_asyncio

from ivr.asterisk.fastagi_session import AgiSession, Playback
from ivr.asterisk.process import AsteriskProcess
from ivr.channels.voice.audio import wav_seconds
from ivr.channels.voice.flows.information_line import caller_phone
from ivr.channels.voice.message_audio import prepare_alert_audio
from ivr.channels.voice.runtime import voice_runtime
from ivr.config import WEEKDAYS, Settings
from ivr.storage.information_line import calls_for_alert
from simnet.network import RECEPTION_DESK, PhoneNetwork
from tests.dispatch.population import make_sending_alert
from tests.fixtures.pbx import free_port
from tests.voice.harness import MESSAGE, VoiceHarness

pytestmark = pytest.mark.asterisk

RESIDENT = "4189621001"
STRANGER = "4189629999"
MARGIN = 1.5
"""Seconds after a prompt's end before a simulated caller presses a key."""

Played = list[str]


def today() -> str:
    return WEEKDAYS[datetime.now(ZoneInfo("America/Toronto")).weekday()]


OPEN = {"office_hours": "00:00-23:59", "office_days": WEEKDAYS}
CLOSED = {"office_days": tuple(day for day in WEEKDAYS if day != today())}


@pytest.fixture
def played(monkeypatch: pytest.MonkeyPatch) -> Played:
    """The names of the sounds the call flows play, seen at the FastAGI session."""
    seen: Played = []
    stream_file = AgiSession.stream_file

    async def recorded(
        self: AgiSession, name: str, escape_digits: str = "", *, reply_within: float | None = None
    ) -> Playback:
        seen.append(PurePosixPath(name).name)
        return await stream_file(self, name, escape_digits, reply_within=reply_within)

    monkeypatch.setattr(AgiSession, "stream_file", recorded)
    return seen


@pytest_asyncio.fixture
async def line(
    request: pytest.FixtureRequest,
    pbx_settings: Settings,
    pbx: AsteriskProcess,
    simnet: PhoneNetwork,
    db: asyncpg.Pool,
    tmp_path: Path,
) -> AsyncIterator[VoiceHarness]:
    """The voice channel with the reception desk on the network; office hours open
    unless the test gives others (indirect parameter)."""
    hours = getattr(request, "param", OPEN)
    settings = dataclasses.replace(
        pbx_settings, reception_number=RECEPTION_DESK, audiosocket_port=free_port(), **hours
    )
    async with voice_runtime(settings, db) as runtime:
        yield VoiceHarness(runtime, db, simnet, settings, tmp_path)


def prompt_seconds(voice: VoiceHarness, *names: str, language: str = "fr") -> float:
    sounds = voice.runtime.sounds
    return sum(
        wav_seconds(sounds.host(sounds.prompts_dir / language / f"{name}.wav")) for name in names
    )


async def alert_to(voice: VoiceHarness, number: str) -> int:
    """An alert to everyone in progress, its call to ``number`` waiting for a call-back."""
    alert_id = await make_sending_alert(voice.pool, ["+1" + number], state="approved",
                                        voice_text=MESSAGE)  # fmt: skip
    await prepare_alert_audio(voice.pool, alert_id, voice.runtime.sounds, voice.recordings_dir)
    await voice.pool.execute(
        "UPDATE deliveries SET attempts = 1, last_outcome = 'no_answer', "
        "next_attempt_at = now() + interval '1 hour' WHERE alert_id = $1",
        alert_id,
    )
    await voice.pool.execute(
        "UPDATE alerts SET state = 'sending', launched_at = now() WHERE id = $1", alert_id
    )
    return alert_id


async def message_seconds(voice: VoiceHarness, alert_id: int) -> float:
    seconds: float = await voice.pool.fetchval(
        "SELECT seconds FROM alert_audio WHERE alert_id = $1 AND language = 'fr'", alert_id
    )
    return seconds


async def call_and_wait(voice: VoiceHarness, caller: str, script: list[str]) -> None:
    voice.network.call_in(voice.settings.caller_id_number, caller, script)
    await voice.network.wait_for_calls(caller, within=120)


def test_caller_numbers_are_read_strictly() -> None:
    assert caller_phone("4189621001") == "+14189621001"
    assert caller_phone("14189621001") == "+14189621001"
    assert caller_phone("+14189621001") == "+14189621001"
    for withheld in ("", "anonymous", "Unknown", "418962100", "0189621001", "4189621001;x"):
        assert caller_phone(withheld) is None


async def test_a_resident_hears_their_alert_confirms_and_their_retries_stop(
    line: VoiceHarness, played: Played
) -> None:
    alert_id = await alert_to(line, RESIDENT)
    seconds = await message_seconds(line, alert_id)
    before_key = prompt_seconds(line, "info-welcome", "info-your-alert") + seconds + MARGIN
    await call_and_wait(line, RESIDENT, [f"w{before_key:.1f}", "k2", "w4", "h"])

    sound = f"alert-{alert_id}-fr"
    assert played[:3] == ["info-welcome", "info-your-alert", sound]
    assert "confirmed" in played
    delivery = await line.pool.fetchrow(
        "SELECT state, last_outcome FROM deliveries WHERE alert_id = $1", alert_id
    )
    assert delivery is not None
    assert (delivery["state"], delivery["last_outcome"]) == ("done", "confirmed")
    counted = await calls_for_alert(line.pool, alert_id)
    assert (counted.calls, counted.confirmed) == (1, 1)
    (call,) = line.network.calls(RESIDENT)
    heard = call.recording()
    assert heard is not None and heard.audible_seconds >= seconds
    assert line.network.calls(RECEPTION_DESK) == []


async def test_hearing_the_whole_message_ends_the_call_backs_without_a_key(
    line: VoiceHarness, played: Played
) -> None:
    alert_id = await alert_to(line, RESIDENT)
    seconds = await message_seconds(line, alert_id)
    listen = prompt_seconds(line, "info-welcome", "info-your-alert") + seconds + MARGIN
    await call_and_wait(line, RESIDENT, [f"w{listen:.1f}", "h"])
    delivery = await line.pool.fetchrow(
        "SELECT state, last_outcome FROM deliveries WHERE alert_id = $1", alert_id
    )
    assert delivery is not None
    assert (delivery["state"], delivery["last_outcome"]) == ("done", "listened")


async def test_an_unknown_number_hears_the_active_alerts(
    line: VoiceHarness, played: Played
) -> None:
    alert_id = await alert_to(line, "4189681001")
    seconds = await message_seconds(line, alert_id)
    listen = prompt_seconds(line, "info-welcome", "info-active") + seconds + MARGIN
    await call_and_wait(line, STRANGER, [f"w{listen:.1f}", "h"])
    assert played[:3] == ["info-welcome", "info-active", f"alert-{alert_id}-fr"]
    assert (await calls_for_alert(line.pool, alert_id)).calls == 1
    state = await line.pool.fetchval("SELECT state FROM deliveries WHERE alert_id = $1", alert_id)
    assert state == "pending"  # not the caller's delivery: its call-back still comes


async def test_with_nothing_active_the_call_goes_to_reception(
    line: VoiceHarness, played: Played
) -> None:
    await call_and_wait(line, STRANGER, ["w8", "h"])
    assert played == ["info-transfer"]
    (desk,) = await line.network.wait_for_calls(RECEPTION_DESK, within=30)
    assert desk.action == "answered" and desk.caller_number == STRANGER, desk
    assert await line.pool.fetchval("SELECT transferred FROM information_calls") is True


async def test_key_0_reaches_reception_after_the_alerts(line: VoiceHarness, played: Played) -> None:
    alert_id = await alert_to(line, "4189681001")
    seconds = await message_seconds(line, alert_id)
    menu = prompt_seconds(line, "info-welcome", "info-active", "info-menu") + seconds + MARGIN
    await call_and_wait(line, STRANGER, [f"w{menu:.1f}", "k0", "w8", "h"])
    assert "info-transfer" in played
    (desk,) = await line.network.wait_for_calls(RECEPTION_DESK, within=30)
    assert desk.caller_number == STRANGER


@pytest.mark.parametrize("line", [CLOSED], indirect=True)
async def test_out_of_hours_no_transfer_is_offered(line: VoiceHarness, played: Played) -> None:
    alert_id = await alert_to(line, "4189681001")
    seconds = await message_seconds(line, alert_id)
    menu = prompt_seconds(line, "info-welcome", "info-active", "info-menu-closed") + seconds
    await call_and_wait(line, STRANGER, [f"w{menu + MARGIN:.1f}", "k0", "w6", "h"])
    assert "info-menu-closed" in played and "info-menu" not in played
    assert "info-transfer" not in played
    await asyncio.sleep(2)
    assert line.network.calls(RECEPTION_DESK) == []


@pytest.mark.parametrize("line", [CLOSED], indirect=True)
async def test_out_of_hours_with_nothing_active_no_transfer(
    line: VoiceHarness, played: Played
) -> None:
    await call_and_wait(line, STRANGER, [])
    assert played == ["info-nothing-closed"]
    assert line.network.calls(RECEPTION_DESK) == []


def test_office_hours_follow_local_time() -> None:
    settings = dataclasses.replace(Settings(), office_hours="08:30-16:30")
    monday_9h_quebec = datetime(2025, 3, 3, 14, 0, tzinfo=UTC)  # EST: UTC-5
    monday_17h_quebec = datetime(2025, 3, 3, 22, 0, tzinfo=UTC)
    saturday = datetime(2025, 3, 8, 15, 0, tzinfo=UTC)
    assert settings.office_open(monday_9h_quebec)
    assert not settings.office_open(monday_17h_quebec)
    assert not settings.office_open(saturday)
