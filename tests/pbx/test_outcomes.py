"""Each behaviour of the simulated network gives its Asterisk outcome, seen through AMI.

The product's Asterisk originates over the carrier trunk exactly as the
dialer will (PJSIP/<number>@carrier, our ChannelId, Async); here the
answered side just plays a 6-second message.
"""

from __future__ import annotations

import pytest

from ivr.asterisk.ami import REASON_ANSWERED, REASON_FAILURE, AmiClient, OriginateResult
from ivr.config import Settings
from ivr.domain.call_outcome import REASON_RING_TIMEOUT
from simnet.network import PhoneNetwork
from tests.pbx.conftest import place_call

pytestmark = pytest.mark.asterisk

CALLER_ID = '"Information ITUM" <4189620327>'


async def call_playing(
    ami: AmiClient, settings: Settings, number: str, message: str
) -> tuple[OriginateResult, str]:
    """Call ``number`` playing ``message``; return the outcome and the Hangup cause."""
    call = await place_call(ami, settings, number, play=message, caller_id=CALLER_ID, within=30)
    # manager.conf's eventfilter lets only these through (no Newchannel, VarSet, ...).
    assert {event.event for event in call.events} <= {"Hangup", "UserEvent"}
    assert call.result.channel_id == call.channel_id
    assert call.hangup["Uniqueid"] == call.channel_id
    return call.result, call.hangup["Cause"]


# behaviour -> (OriginateResponse Reason, Hangup Cause, what the phone did).
# An answered call that our side ends when its application (Playback) is
# over has Cause 0 (not defined); one the far end ends has 16 (normal clearing).
EXPECTED = {
    "person": (REASON_ANSWERED, "0", "answered"),
    "person-hangs-up": (REASON_ANSWERED, "16", "hung-up"),
    "machine": (REASON_ANSWERED, "0", "machine"),
    "machine-no-beep": (REASON_ANSWERED, "0", "machine"),
    "busy": (REASON_FAILURE, "17", "busy"),
    "no-answer": (REASON_RING_TIMEOUT, "19", "no-answer"),
    "congestion": (REASON_FAILURE, "34", "congestion"),
    "not-in-service": (REASON_FAILURE, "1", "not-in-service"),
}


@pytest.mark.parametrize("behaviour", sorted(EXPECTED))
async def test_behaviour_gives_its_outcome(
    behaviour: str,
    ami: AmiClient,
    simnet: PhoneNetwork,
    pbx_settings: Settings,
    test_message: str,
) -> None:
    number = simnet.number_for(behaviour)
    reason, cause, action = EXPECTED[behaviour]
    result, hangup_cause = await call_playing(ami, pbx_settings, number, test_message)
    assert (result.reason, hangup_cause) == (reason, cause)
    [call] = await simnet.wait_for_calls(number)
    assert (call.behaviour, call.action, call.attempt) == (behaviour, action, 1)


async def test_unknown_number_is_not_in_service(
    ami: AmiClient, simnet: PhoneNetwork, pbx_settings: Settings, test_message: str
) -> None:
    number = "4189629999"
    assert number not in {phone.number for phone in simnet.phones}
    result, cause = await call_playing(ami, pbx_settings, number, test_message)
    assert (result.reason, cause) == (REASON_FAILURE, "1")
    [call] = await simnet.wait_for_calls(number)
    assert (call.behaviour, call.action) == ("unknown", "not-in-service")


async def test_busy_twice_then_answers(
    ami: AmiClient, simnet: PhoneNetwork, pbx_settings: Settings, test_message: str
) -> None:
    number = simnet.number_for("busy-then-answer")
    outcomes = [await call_playing(ami, pbx_settings, number, test_message) for _ in range(3)]
    assert [(r.reason, cause) for r, cause in outcomes] == [
        (REASON_FAILURE, "17"),
        (REASON_FAILURE, "17"),
        (REASON_ANSWERED, "0"),
    ]
    calls = await simnet.wait_for_calls(number, count=3)
    assert [(c.attempt, c.action) for c in calls] == [(1, "busy"), (2, "busy"), (3, "answered")]


async def test_reset_forgets_the_call_count(
    ami: AmiClient, simnet: PhoneNetwork, pbx_settings: Settings, test_message: str
) -> None:
    number = simnet.number_for("busy-then-answer")
    await call_playing(ami, pbx_settings, number, test_message)
    simnet.reset()
    assert simnet.calls() == []
    result, cause = await call_playing(ami, pbx_settings, number, test_message)
    assert (result.reason, cause) == (REASON_FAILURE, "17")
    [call] = await simnet.wait_for_calls(number)
    assert call.attempt == 1
