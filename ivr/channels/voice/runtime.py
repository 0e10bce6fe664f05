"""The voice channel at run time: the product's Asterisk (when this process manages it),
prompts installed, the FastAGI server with the call flows, the AMI connection, the
dispatch engine that places the calls, and the calls that read residents' one-time
codes (when IVR_SECRET_KEY is set: the codes' keys derive from it)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass

import asyncpg

from ivr.accounts.one_time_codes import CodeKeys
from ivr.asterisk.ami import AmiClient
from ivr.asterisk.audiosocket import AudioSocketServer
from ivr.asterisk.fastagi_server import FastAgiServer
from ivr.asterisk.process import AsteriskError, AsteriskProcess, start_owned
from ivr.channels.runtime import retry_policy
from ivr.channels.voice.call_registry import CallRegistry
from ivr.channels.voice.code_calls import CodeCalls
from ivr.channels.voice.flows.alert_call import AlertCall
from ivr.channels.voice.flows.information_line import InformationLine
from ivr.channels.voice.flows.one_time_code import OneTimeCodeCall
from ivr.channels.voice.flows.staff_line import StaffLine
from ivr.channels.voice.one_time_codes import VoiceCodeSender
from ivr.channels.voice.pbx import product_asterisk, product_layout, product_sounds
from ivr.channels.voice.prompts import LANGUAGES, available_prompts, install_prompts
from ivr.channels.voice.sender import VoiceSender
from ivr.channels.voice.sounds import PbxSounds
from ivr.config import Settings
from ivr.dispatch.engine import DispatchEngine, engine_owner_id
from ivr.dispatch.queue import DispatchQueue

log = logging.getLogger(__name__)

LEASE_SECONDS = 15.0
KEEPER_INTERVAL_SECONDS = 1.0
RESTART_DELAY_SECONDS = 1.0
MAX_RESTART_DELAY_SECONDS = 30.0


@dataclass(frozen=True)
class VoiceRuntime:
    sounds: PbxSounds
    ami: AmiClient
    fastagi: FastAgiServer
    media: AudioSocketServer
    engine: DispatchEngine
    engine_task: asyncio.Task[None]
    """Ends only if the engine fails (it runs until cancelled)."""

    def health(self) -> Mapping[str, bool]:
        return {
            "ami": self.ami.connected,
            "fastagi": self.fastagi.listening,
            "audiosocket": self.media.listening,
            "engine": not self.engine_task.done(),
        }


def ami_client(settings: Settings) -> AmiClient:
    """A client of the product's AMI whose calls show the settings' caller ID."""
    return AmiClient(
        settings.ami_host,
        settings.ami_port,
        settings.ami_user,
        settings.ami_secret,
        caller_id=f'"{settings.caller_id_name}" <{settings.caller_id_number}>',
        # An Asterisk run by another service may come up after us: wait for it.
        wait_for_asterisk=not settings.asterisk_managed,
    )


@contextlib.asynccontextmanager
async def managed_asterisk(settings: Settings) -> AsyncIterator[None]:
    """The product's Asterisk, its configuration rendered from ``settings``, owned by
    this process: it dies with it, and is started again if it dies first."""
    process = product_asterisk(settings)
    seconds = await start_owned(process)
    log.info(
        "asterisk started", extra={"instance": process.layout.name, "boot_s": round(seconds, 2)}
    )
    keeper = asyncio.create_task(_keep_running(process), name="asterisk-keeper")
    try:
        yield
    finally:
        keeper.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await keeper
        await asyncio.to_thread(process.stop)


async def _keep_running(process: AsteriskProcess) -> None:
    """Start Asterisk again whenever it exits on its own, with a growing pause."""
    delay = RESTART_DELAY_SECONDS
    while True:
        await asyncio.sleep(KEEPER_INTERVAL_SECONDS)
        if process.running:
            continue
        log.error(
            "asterisk exited; starting it again",
            extra={"instance": process.layout.name, "log": process.log_tail(5)},
        )
        try:
            seconds = await start_owned(process)
        except AsteriskError as error:
            log.error("asterisk did not start", extra={"error": str(error)[:500]})
            await asyncio.sleep(delay)
            delay = min(delay * 2, MAX_RESTART_DELAY_SECONDS)
            continue
        delay = RESTART_DELAY_SECONDS
        log.warning(
            "asterisk started again",
            extra={"instance": process.layout.name, "boot_s": round(seconds, 2)},
        )


@contextlib.asynccontextmanager
async def voice_runtime(settings: Settings, pool: asyncpg.Pool) -> AsyncIterator[VoiceRuntime]:
    """Run the voice channel while the block runs."""
    async with contextlib.AsyncExitStack() as stack:
        if settings.asterisk_managed:
            await stack.enter_async_context(managed_asterisk(settings))
        sounds = product_sounds(settings)
        prompts_dir = sounds.host(sounds.prompts_dir)
        await install_prompts(settings.sounds_dir, prompts_dir)
        prompts = {language: available_prompts(prompts_dir, language) for language in LANGUAGES}
        registry = CallRegistry()
        ami = ami_client(settings)
        sender = VoiceSender(
            ami,
            pool,
            registry,
            caller_id_name=settings.caller_id_name,
            caller_id_number=settings.caller_id_number,
            ring_timeout=settings.ring_timeout_seconds,
        )
        media = AudioSocketServer(allowed_peers=settings.fastagi_clients)
        await media.start(settings.fastagi_host, settings.audiosocket_port)
        stack.push_async_callback(media.close)
        alert_call = AlertCall(
            pool,
            sounds,
            prompts,
            registry=registry,
            call_is_live=sender.is_live,
            media=media,
            media_address=f"{settings.fastagi_host}:{media.port}",
        )
        code_calls = CodeCalls()
        fastagi = FastAgiServer(
            {
                "alert": alert_call,
                "one-time-code": OneTimeCodeCall(code_calls, sounds),
                "information-line": InformationLine(pool, settings, sounds, prompts),
                "staff-recording": StaffLine(
                    pool,
                    settings,
                    sounds,
                    prompts,
                    pbx_recordings=product_layout(settings).recordings_dir,
                    recordings_dir=settings.data_dir / "recordings",  # as ivr.alerts.launching
                ),
            },
            allowed_peers=settings.fastagi_clients,
        )
        await fastagi.start(settings.fastagi_host, settings.fastagi_port)
        stack.push_async_callback(fastagi.close, 1.0)
        await stack.enter_async_context(ami)
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
        tasks = [asyncio.create_task(engine.run(), name="voice-dispatch")]
        if settings.secret_key:
            codes = VoiceCodeSender(
                pool,
                ami,
                CodeKeys(settings.secret_key),
                code_calls,
                caller_id=sender.caller_id,
                ring_timeout=settings.ring_timeout_seconds,
            )
            tasks.append(asyncio.create_task(codes.run(), name="voice-one-time-codes"))
        else:
            log.info("one-time codes are not called: IVR_SECRET_KEY is not set")
        try:
            yield VoiceRuntime(sounds, ami, fastagi, media, engine, tasks[0])
        finally:
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
