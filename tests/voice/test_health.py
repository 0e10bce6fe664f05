"""Readiness (``/healthz``) of a running voice channel: each part it depends on is
reported, and one that goes down turns the answer into a 503 naming it."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Mapping
from typing import Any

import asyncpg
import pytest
from aiohttp.test_utils import TestClient, TestServer

from ivr.asterisk.process import AsteriskProcess
from ivr.channels.voice.runtime import voice_runtime
from ivr.config import Settings
from ivr.web.app import create_app
from tests.pbx.relay import TcpRelay

pytestmark = pytest.mark.asterisk

ALL_UP = {"ami": "ok", "fastagi": "ok", "audiosocket": "ok", "engine": "ok"}


async def readiness(client: TestClient[Any, Any]) -> tuple[int, Mapping[str, Any]]:
    response = await client.get("/healthz")
    return response.status, await response.json()


async def test_each_part_of_the_voice_channel_is_reported(
    pbx_settings: Settings, pbx: AsteriskProcess, db: asyncpg.Pool, ami_relay: TcpRelay
) -> None:
    settings = dataclasses.replace(pbx_settings, ami_port=ami_relay.port)
    async with voice_runtime(settings, db) as runtime:
        app = create_app(settings, db, health_probes={"voice": runtime.health})
        async with TestClient(TestServer(app)) as client:
            status, body = await readiness(client)
            assert (status, body["status"]) == (200, "ok")
            assert body["channels"] == {"voice": ALL_UP}

            # AMI unreachable (the relay stops listening): down until it comes back.
            await ami_relay.close()
            async with asyncio.timeout(20):
                while (await readiness(client))[0] == 200:
                    await asyncio.sleep(0.2)
            status, body = await readiness(client)
            assert status == 503
            assert body["status"] == "error"
            assert body["database"] == "ok"
            assert body["channels"]["voice"] == {**ALL_UP, "ami": "down"}

            # The FastAGI and AudioSocket listeners and the engine, each on its own.
            await runtime.fastagi.close()
            await runtime.media.close()
            runtime.engine_task.cancel()
            await asyncio.gather(runtime.engine_task, return_exceptions=True)
            status, body = await readiness(client)
            assert status == 503
            assert body["channels"]["voice"] == dict.fromkeys(ALL_UP, "down")
