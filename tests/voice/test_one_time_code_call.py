"""One-time codes read by a phone call: the product's Asterisk calls the simulated phone
and the FastAGI flow reads the code twice from the digit prompts."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from pathlib import Path, PurePosixPath

import asyncpg
import pytest
import pytest_asyncio
from aiohttp.test_utils import TestClient, TestServer

from ivr.accounts.one_time_codes import CodeKeys, check_code, issue_code
from ivr.asterisk.ami import OriginateRequest, trunk_channel
from ivr.asterisk.fastagi_session import AgiSession, Playback
from ivr.asterisk.process import AsteriskProcess
from ivr.channels.voice.audio import wav_seconds
from ivr.channels.voice.flows.one_time_code import OneTimeCodeCall
from ivr.channels.voice.one_time_codes import CODE_CONTEXT
from ivr.channels.voice.runtime import voice_runtime
from ivr.channels.voice.sender import FLOW_TOKEN_VARIABLE
from ivr.config import Settings
from ivr.web.app import create_app
from simnet.network import PhoneNetwork
from tests.fixtures.pbx import free_port
from tests.portal.conftest import send
from tests.voice.harness import VoiceHarness

pytestmark = pytest.mark.asterisk

SECRET = "a secret key of this test site"
KEYS = CodeKeys(SECRET)
DIGIT_PROMPT = "code-digit-"

Played = list[tuple[str, str]]
"""(call reference, sound name) of every STREAM FILE, in order."""


@pytest_asyncio.fixture
async def voice_with_key(
    pbx_settings: Settings,
    pbx: AsteriskProcess,
    simnet: PhoneNetwork,
    db: asyncpg.Pool,
    tmp_path: Path,
) -> AsyncIterator[VoiceHarness]:
    settings = dataclasses.replace(pbx_settings, secret_key=SECRET, audiosocket_port=free_port())
    async with voice_runtime(settings, db) as runtime:
        yield VoiceHarness(runtime, db, simnet, settings, tmp_path)


@pytest.fixture
def played(monkeypatch: pytest.MonkeyPatch) -> Played:
    """What the call flows of this process play, seen at the FastAGI session."""
    seen: Played = []
    stream_file = AgiSession.stream_file

    async def recorded(
        self: AgiSession, name: str, escape_digits: str = "", *, reply_within: float | None = None
    ) -> Playback:
        seen.append((self.request.uniqueid, PurePosixPath(name).name))
        return await stream_file(self, name, escape_digits, reply_within=reply_within)

    monkeypatch.setattr(AgiSession, "stream_file", recorded)
    return seen


async def issue(pool: asyncpg.Pool, number: str) -> int:
    return await issue_code(pool, KEYS, phone=number, purpose="sign_up", channel="voice",
                            client_address="203.0.113.7")  # fmt: skip


async def wait_state(pool: asyncpg.Pool, code_id: int, state: str) -> asyncpg.Record:
    async with asyncio.timeout(60):
        while True:
            row = await pool.fetchrow("SELECT * FROM one_time_codes WHERE id = $1", code_id)
            assert row is not None
            if row["send_state"] == state:
                return row
            await asyncio.sleep(0.2)


async def test_the_call_reads_the_code_twice_and_it_works_once(
    voice_with_key: VoiceHarness, played: Played
) -> None:
    voice = voice_with_key
    number = voice.network.number_for("person")
    code_id = await issue(voice.pool, number)
    row = await wait_state(voice.pool, code_id, "sent")
    assert row["code_sealed"] is None and row["sent_at"] is not None

    names = [name for reference, name in played if reference == f"otc-{code_id}"]
    assert len(names) == 14
    intro, first, repeat, second = names[0], names[1:7], names[7], names[8:]
    assert (intro, repeat) == ("code-intro", "code-repeat")
    assert first == second and all(name.startswith(DIGIT_PROMPT) for name in first)
    code = "".join(name.removeprefix(DIGIT_PROMPT) for name in first)

    (call,) = await voice.network.wait_for_calls(number)
    assert (call.caller_name, call.caller_number) == ("Information ITUM", "4189620327")
    sounds = voice.runtime.sounds
    spoken = sum(wav_seconds(sounds.host(sounds.prompts_dir / "fr" / f"{name}.wav"))
                 for name in names)  # fmt: skip
    assert call.ended - call.started >= int(spoken) - 1  # whole seconds in the call log

    first_check = await check_code(voice.pool, KEYS, phone=number, purpose="sign_up", code=code)
    second_check = await check_code(voice.pool, KEYS, phone=number, purpose="sign_up", code=code)
    assert (first_check.accepted, second_check.reason) == (True, "used")


async def test_a_busy_number_fails_the_code_without_calling_again(
    voice_with_key: VoiceHarness, played: Played
) -> None:
    voice = voice_with_key
    number = voice.network.number_for("busy")
    code_id = await issue(voice.pool, number)
    row = await wait_state(voice.pool, code_id, "failed")
    assert row["send_detail"] == "not answered: busy" and row["sent_at"] is None
    await asyncio.sleep(6)  # a sender's periodic look, and then some
    assert len(voice.network.calls(number)) == 1
    assert played == []


async def test_a_session_without_the_calls_token_hears_nothing(
    voice_with_key: VoiceHarness, played: Played
) -> None:
    voice = voice_with_key
    flow = voice.runtime.fastagi.routes["one-time-code"]
    assert isinstance(flow, OneTimeCodeCall)
    flow.calls.expect("otc-test-1", "123456", "the call's token")
    number = voice.network.number_for("person")
    result = await voice.runtime.ami.originate(
        OriginateRequest(
            channel_id="otc-test-1",
            channel=trunk_channel(number),
            timeout_seconds=voice.settings.ring_timeout_seconds,
            context=CODE_CONTEXT,
            variables={FLOW_TOKEN_VARIABLE: "another token"},
        )
    )
    assert result.answered
    (call,) = await voice.network.wait_for_calls(number)
    assert call.ended - call.started <= 2
    assert played == []
    assert flow.calls.forget("otc-test-1")  # still there for the right session


async def test_a_landline_signs_up_on_the_portal_with_the_code_it_hears(
    voice_with_key: VoiceHarness, played: Played
) -> None:
    voice = voice_with_key
    number = voice.network.number_for("person")
    site = create_app(dataclasses.replace(voice.settings, channels=("voice",)), voice.pool)
    async with TestClient(TestServer(site)) as browser:
        asked = await send(browser, "/portal/sign-up", {"phone": number, "channel": "voice"})
        assert asked.headers["Location"] == "/portal/code"
        async with asyncio.timeout(60):
            while len(digits := [n for _, n in played if n.startswith(DIGIT_PROMPT)]) < 12:
                await asyncio.sleep(0.2)
        heard = "".join(name.removeprefix(DIGIT_PROMPT) for name in digits[:6])
        accepted = await send(browser, "/portal/code", {"code": heard})
        assert accepted.headers["Location"] == "/portal/password"
        chosen = await send(browser, "/portal/password", {"password": "la baie au printemps"})
        assert chosen.headers["Location"] == "/portal/account"
    assert (
        await voice.pool.fetchval(
            "SELECT count(*) FROM resident_accounts WHERE phone_e164 = $1", "+1" + number[-10:]
        )
        == 1
    )
