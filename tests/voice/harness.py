"""Running the product's voice channel against the session's real Asterisk instances."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import pytest_asyncio

from ivr.asterisk.process import AsteriskProcess
from ivr.channels.voice.audio import wav_seconds
from ivr.channels.voice.message_audio import prepare_alert_audio
from ivr.channels.voice.runtime import VoiceRuntime, voice_runtime
from ivr.config import Settings
from simnet.network import PhoneNetwork
from tests.dispatch.population import make_sending_alert
from tests.fixtures.pbx import free_port

MESSAGE = (
    "Avis d'ébullition de l'eau pour le secteur de Uashat. "
    "Faites bouillir l'eau une minute avant de la boire."
)
RETRY_DELAY_SECONDS = 2.0


@dataclass
class VoiceHarness:
    runtime: VoiceRuntime
    pool: asyncpg.Pool
    network: PhoneNetwork
    settings: Settings
    recordings_dir: Path

    async def send_alert(
        self, numbers: list[str], text: str = MESSAGE, english: str | None = None
    ) -> int:
        """Launch an alert to 10-digit ``numbers`` (in French, and in English too when
        ``english`` is given): audio first, then 'sending'."""
        return await self.send_alert_e164(["+1" + n for n in numbers], text, english)

    async def send_alert_e164(
        self, numbers: list[str], text: str = MESSAGE, english: str | None = None
    ) -> int:
        """``send_alert`` to numbers written in E.164 (``+14189621001``)."""
        alert_id = await make_sending_alert(self.pool, numbers, state="approved", voice_text=text)
        if english is not None:
            await self.pool.execute(
                "INSERT INTO alert_contents (alert_id, language, voice_text) VALUES ($1, 'en', $2)",
                alert_id,
                english,
            )
        await prepare_alert_audio(self.pool, alert_id, self.runtime.sounds, self.recordings_dir)
        await self.pool.execute(
            "UPDATE alerts SET state = 'sending', launched_at = now() WHERE id = $1", alert_id
        )
        await self.pool.execute("NOTIFY ivr_dispatch")
        return alert_id

    async def wait_completed(self, alert_id: int, within: float = 60) -> None:
        async with asyncio.timeout(within):
            while (
                await self.pool.fetchval("SELECT state FROM alerts WHERE id = $1", alert_id)
                != "completed"
            ):
                await asyncio.sleep(0.2)

    async def played_seconds(self, alert_id: int, language: str, *, offer: bool = False) -> float:
        """Introduction plus message, as the call flow plays them to a voicemail (and
        the offer to confirm, when the greeting had no beep)."""
        message: float = await self.pool.fetchval(
            "SELECT seconds FROM alert_audio WHERE alert_id = $1 AND language = $2",
            alert_id,
            language,
        )
        sounds = self.runtime.sounds
        prompts = ["intro", "confirm-offer"] if offer else ["intro"]
        return message + sum(
            wav_seconds(sounds.host(sounds.prompts_dir / language / f"{name}.wav"))
            for name in prompts
        )


def serve_env(
    settings: Settings, pbx: AsteriskProcess, database_url: str, data_dir: Path
) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("IVR_")}
    env.update(
        IVR_DATA_DIR=str(data_dir),
        IVR_DATABASE_URL=database_url,
        IVR_WEB_PORT=str(free_port()),
        IVR_ASTERISK_MANAGED="false",
        IVR_ASTERISK_ROOT=str(settings.asterisk_root),
        IVR_ASTERISK_INSTANCE=pbx.layout.name,
        IVR_AMI_PORT=str(settings.ami_port),
        IVR_AMI_SECRET=settings.ami_secret,
        IVR_FASTAGI_PORT=str(settings.fastagi_port),
        IVR_RING_TIMEOUT_SECONDS=str(settings.ring_timeout_seconds),
        IVR_RETRY_DELAY_SECONDS="2",
        IVR_MAX_CONCURRENT_CALLS="20",
        IVR_CALLS_PER_SECOND="20",
    )
    return env


async def run_ivr(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    """``ivr`` with ``args``: exit code, stdout, stderr."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "ivr", *args, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    stdout, stderr = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode is not None
    return process.returncode, stdout.decode(), stderr.decode()


async def start_serve(env: dict[str, str], log: Path | None = None) -> asyncio.subprocess.Process:
    """``ivr serve`` started and ready (its logs appended to ``log`` when given)."""
    errors = log.open("ab") if log else None
    try:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "ivr", "serve", env=env,
            stdout=asyncio.subprocess.PIPE, stderr=errors or asyncio.subprocess.DEVNULL,
        )  # fmt: skip
    finally:
        if errors is not None:
            errors.close()
    assert process.stdout is not None
    line = await asyncio.wait_for(process.stdout.readline(), 120)
    assert b"administration" in line, log.read_text()[-3000:] if log else line
    return process


@pytest_asyncio.fixture
async def voice(
    pbx_settings: Settings,
    pbx: AsteriskProcess,
    simnet: PhoneNetwork,
    db: asyncpg.Pool,
    tmp_path: Path,
) -> AsyncIterator[VoiceHarness]:
    """The voice channel running with short call-back delays."""
    settings = dataclasses.replace(
        pbx_settings,
        retry_delay_seconds=RETRY_DELAY_SECONDS,
        calls_per_second=20.0,
        max_concurrent_calls=20,
    )
    async with voice_runtime(settings, db) as runtime:
        yield VoiceHarness(runtime, db, simnet, settings, tmp_path)
