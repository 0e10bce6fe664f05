"""The voice channel at run time: prompts installed, the FastAGI server with the alert
call flow, the AMI connection, and the dispatch engine that places the calls."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import PurePosixPath

import asyncpg

from ivr.asterisk.ami import AmiClient
from ivr.asterisk.fastagi import FastAgiServer
from ivr.channels.voice import VoiceSender
from ivr.config import Settings
from ivr.dispatch.engine import DispatchEngine, engine_owner_id
from ivr.dispatch.queue import DispatchQueue
from ivr.domain.outcomes import RetryPolicy
from ivr.ivr_apps.alert_call import AlertCall
from ivr.prompts import LANGUAGES, available_prompts, install_prompts
from ivr.voice.call_registry import CallRegistry
from ivr.voice.sounds import PbxSounds

LEASE_SECONDS = 15.0


@dataclass(frozen=True)
class VoiceRuntime:
    sounds: PbxSounds
    ami: AmiClient
    engine: DispatchEngine
    engine_task: asyncio.Task[None]
    """Ends only if the engine fails (it runs until cancelled)."""


def retry_policy(settings: Settings) -> RetryPolicy:
    return RetryPolicy(settings.retry_count, timedelta(seconds=settings.retry_delay_seconds))


@contextlib.asynccontextmanager
async def voice_channel(
    settings: Settings, pool: asyncpg.Pool, sounds_dir: PurePosixPath
) -> AsyncIterator[VoiceRuntime]:
    """Run the voice channel while the block runs; ``sounds_dir`` is the PBX's."""
    sounds = PbxSounds(settings.asterisk_root, sounds_dir)
    prompts_dir = sounds.host(sounds.prompts_dir)
    await install_prompts(settings.sounds_dir, prompts_dir)
    prompts = {language: available_prompts(prompts_dir, language) for language in LANGUAGES}
    registry = CallRegistry()
    fastagi = FastAgiServer({"alert": AlertCall(pool, sounds, prompts, registry)})
    await fastagi.start(settings.fastagi_host, settings.fastagi_port)
    try:
        async with AmiClient.from_settings(settings) as ami:
            sender = VoiceSender(
                ami,
                pool,
                registry,
                caller_id_name=settings.caller_id_name,
                caller_id_number=settings.caller_id_number,
                ring_timeout=settings.ring_timeout_seconds,
            )
            queue = DispatchQueue(
                pool,
                channel="voice",
                owner=engine_owner_id(),
                policy=retry_policy(settings),
                lease_seconds=LEASE_SECONDS,
            )
            engine = DispatchEngine(
                queue,
                sender,
                max_in_flight=settings.max_concurrent_calls,
                starts_per_second=settings.calls_per_second,
            )
            task = asyncio.create_task(engine.run(), name="voice-dispatch")
            try:
                yield VoiceRuntime(sounds, ami, engine, task)
            finally:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
    finally:
        await fastagi.close(grace=1.0)
