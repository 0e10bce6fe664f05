"""Calls from the carrier reach the product's inbound lines over FastAGI."""

from __future__ import annotations

import asyncio

import pytest

from ivr.asterisk.fastagi_server import FastAgiServer, Handler
from ivr.asterisk.fastagi_session import AgiSession
from ivr.config import Settings
from simnet.network import PhoneNetwork

pytestmark = pytest.mark.asterisk


async def test_inbound_numbers_reach_their_routes(
    simnet: PhoneNetwork, pbx_settings: Settings
) -> None:
    reached: asyncio.Queue[tuple[str, str]] = asyncio.Queue()

    def route(name: str) -> Handler:
        async def note_the_call(session: AgiSession) -> None:
            await reached.put((name, session.env["agi_extension"]))

        return note_the_call

    lines = {
        pbx_settings.caller_id_number: "information-line",
        pbx_settings.staff_line_number: "staff-recording",
    }
    async with FastAgiServer({name: route(name) for name in lines.values()}) as server:
        await server.start(pbx_settings.fastagi_host, pbx_settings.fastagi_port)
        for number, name in lines.items():
            simnet.call_pbx(number)
            async with asyncio.timeout(15):
                assert await reached.get() == (name, number)
