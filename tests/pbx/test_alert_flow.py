"""The shipped [ivr-alert] context end to end: AMD, FastAGI, the call's audio over
AudioSocket (waiting out a machine's greeting, keys), as the real call flow uses them.

The product's FastAGI server takes the call with a route that opens the call's audio
(ivr.channels.voice.media) and plays a 6-second message: after the greeting for a
machine, at once for a person, whose keys it collects.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from pathlib import PurePosixPath

import pytest

from ivr.asterisk.ami import REASON_ANSWERED, AmiClient
from ivr.asterisk.audiosocket import AudioSocketServer
from ivr.asterisk.fastagi_server import FastAgiServer
from ivr.asterisk.fastagi_session import AgiSession
from ivr.asterisk.process import AsteriskProcess
from ivr.channels.voice.media import load_pcm, open_media
from ivr.config import Settings
from simnet.network import PhoneNetwork
from tests.fixtures.pbx import free_port
from tests.pbx.conftest import MESSAGE_SECONDS, place_call

KEYS = "0123456789*#"

pytestmark = pytest.mark.asterisk


class AlertRoute:
    """The ``alert`` route of these tests: note what AMD said, wait out a machine's
    greeting, play the message, read a person's keys."""

    def __init__(self, message: bytes, media: AudioSocketServer) -> None:
        self.message = message
        self.media = media
        self.sessions: dict[str, dict[str, object]] = {}

    async def __call__(self, session: AgiSession) -> None:
        seen: dict[str, object] = {"args": session.args, "keys": ""}
        self.sessions[session.env["agi_uniqueid"]] = seen
        human = session.args[0] == "HUMAN"
        async with open_media(session, self.media, f"127.0.0.1:{self.media.port}") as media:
            if not human:
                seen["greeting_end"] = (await media.greeting_over()).reason
            played = await media.play(self.message, KEYS if human else "")
            seen["played"] = played.reason
            if human:
                keys = played.key or ""
                while (key := await media.key(KEYS, 7)) is not None:
                    keys += key
                seen["keys"] = keys


@pytest.fixture
async def alert_route(
    test_message: str, pbx: AsteriskProcess, pbx_settings: Settings
) -> AsyncIterator[AlertRoute]:
    media = AudioSocketServer()
    await media.start("127.0.0.1", free_port())
    message = load_pcm(pbx.layout.host(PurePosixPath(test_message + ".wav")))
    route = AlertRoute(message, media)
    server = FastAgiServer({"alert": route})
    await server.start(pbx_settings.fastagi_host, pbx_settings.fastagi_port)
    yield route
    await server.close()
    await media.close()


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
    called = time.time()
    channel_id, cause = await alert_call(ami, pbx_settings, number)
    assert cause == "16"
    seen = alert_route.sessions[channel_id]
    args = seen["args"]
    assert isinstance(args, tuple) and args[0] == "MACHINE"
    assert called < float(args[2]) < time.time()  # the answer time, to the millisecond
    assert seen["greeting_end"] == ("beep" if behaviour == "machine" else "silence")
    assert seen["played"] == "end"
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
    assert seen["played"] == "end"
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
    assert alert_route.sessions[channel_id]["keys"] == "12"  # heard over AudioSocket
    assert alert_route.sessions[channel_id]["keys"] == "12"
