"""The phone sees "Information ITUM" <4189620327> in the From and P-Asserted-Identity headers."""

from __future__ import annotations

import pytest

from ivr.asterisk.ami import REASON_ANSWERED, AmiClient
from ivr.config import Settings
from simnet.network import PhoneNetwork
from tests.pbx.conftest import place_call

pytestmark = pytest.mark.asterisk


@pytest.mark.parametrize("set_by_originate", [True, False], ids=["request", "client-default"])
async def test_phone_sees_name_and_number(
    set_by_originate: bool,
    ami: AmiClient,
    simnet: PhoneNetwork,
    pbx_settings: Settings,
    test_message: str,
) -> None:
    """From the request's caller ID, or the client's (from the settings) when it sets none."""
    number = simnet.number_for("person")
    caller_id = f'"{pbx_settings.caller_id_name}" <{pbx_settings.caller_id_number}>'
    placed = await place_call(
        ami,
        pbx_settings,
        number,
        play=test_message,
        caller_id=caller_id if set_by_originate else None,
        within=30,
    )
    assert placed.result.reason == REASON_ANSWERED
    [call] = await simnet.wait_for_calls(number)
    seen = {
        "shown": (call.caller_name, call.caller_number),
        "From": (call.from_name, call.from_number),
        "P-Asserted-Identity": (call.pai_name, call.pai_number),
    }
    expected = ("Information ITUM", "4189620327")
    assert seen == {"shown": expected, "From": expected, "P-Asserted-Identity": expected}
