"""The shipped [ivr-alert] context end to end: AMD, waiting out a machine's greeting, FastAGI.

The product's FastAGI server (ivr.asterisk.fastagi) takes the call with a
route that plays a 6-second message, as the real call flow will.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from ivr.asterisk.ami import REASON_ANSWERED, AmiClient
from ivr.asterisk.fastagi_server import FastAgiServer
from ivr.asterisk.fastagi_session import AgiSession
from ivr.config import Settings
from simnet.network import PhoneNetwork
from tests.pbx.conftest import MESSAGE_SECONDS, place_call

pytestmark = pytest.mark.asterisk


class AlertRoute:
    """The ``alert`` route of these tests: note what AMD said, play the message, read keys."""

    def __init__(self, message: str) -> None:
        self.message = message
        self.sessions: dict[str, dict[str, object]] = {}

    async def __call__(self, session: AgiSession) -> None:
        seen: dict[str, object] = {"args": session.args, "keys": ""}
        self.sessions[session.env["agi_uniqueid"]] = seen
        human = session.args[0] == "HUMAN"
        playback = await session.stream_file(self.message, "0123456789*#" if human else "")
        seen["played"] = True
        if human:
            keys = playback.digit or ""
            while (key := await session.wait_for_digit(7)) is not None:
                keys += key
            seen["keys"] = keys


@pytest.fixture
async def alert_route(test_message: str, pbx_settings: Settings) -> AsyncIterator[AlertRoute]:
    route = AlertRoute(test_message)
    server = FastAgiServer({"alert": route})
    await server.start(pbx_settings.fastagi_host, pbx_settings.fastagi_port)
    yield route
    await server.close()


async def alert_call(ami: AmiClient, settings: Settings, number: str) -> tuple[str, str]:
    """Originate into [ivr-alert]; return our channel id and the Hangup cause."""
    caller_id = f'"{settings.caller_id_name}" <{settings.caller_id_number}>'
    call = await place_call(
        ami, settings, number, context="ivr-alert", caller_id=caller_id, within=90
    )
    assert call.result.reason == REASON_ANSWERED
    return call.channel_id, call.hangup["Cause"]


@pytest.mark.parametrize("behaviour", ["machine", "machine-no-beep"])
async def test_machine_records_the_whole_message(
    behaviour: str,
    ami: AmiClient,
    simnet: PhoneNetwork,
    pbx_settings: Settings,
    alert_route: AlertRoute,
) -> None:
    number = simnet.number_for(behaviour)
    channel_id, cause = await alert_call(ami, pbx_settings, number)
    assert cause == "16"
    seen = alert_route.sessions[channel_id]
    assert seen["args"] == ("MACHINE", seen["args"][1], "SILENCE")  # type: ignore[index]
    assert seen["played"] is True
    [call] = await simnet.wait_for_calls(number)
    recording = call.recording()
    assert recording is not None, "the machine saved no recording"
    assert recording.audible_seconds == pytest.approx(MESSAGE_SECONDS, abs=0.5)
    assert recording.path.name == f"{number}-{call.uniqueid}.wav"


async def test_person_is_human_and_hears_the_message(
    ami: AmiClient, simnet: PhoneNetwork, pbx_settings: Settings, alert_route: AlertRoute
) -> None:
    number = simnet.number_for("person")
    channel_id, cause = await alert_call(ami, pbx_settings, number)
    assert cause == "16"
    seen = alert_route.sessions[channel_id]
    assert seen["args"][0] == "HUMAN"  # type: ignore[index]
    assert seen["played"] is True
    [call] = await simnet.wait_for_calls(number)
    assert call.action == "answered"
    assert call.recording() is None


async def test_keys_pressed_reach_the_call_flow(
    ami: AmiClient, simnet: PhoneNetwork, pbx_settings: Settings, alert_route: AlertRoute
) -> None:
    number = simnet.number_for("person-keys")
    channel_id, _cause = await alert_call(ami, pbx_settings, number)
    [call] = await simnet.wait_for_calls(number)
    assert call.keys == "12"
    assert alert_route.sessions[channel_id]["keys"] == "12"
