"""The AMI adapter against the real Asterisk: login check, liveness, reconnect, no blind re-send."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from ivr.asterisk.ami import (
    AmiActionFailed,
    AmiClient,
    AmiLoginError,
    OriginateOutcomeUnknown,
    OriginateRequest,
    UnsafeValue,
    trunk_channel,
)
from ivr.asterisk.process import AsteriskProcess
from ivr.config import Settings
from simnet.network import PhoneNetwork
from tests.fixtures.pbx import free_port
from tests.pbx.conftest import new_channel_id
from tests.pbx.relay import TcpRelay


def request(**changes: object) -> OriginateRequest:
    fields: dict[str, object] = {
        "channel_id": "call-1",
        "channel": trunk_channel("4189621001"),
        "timeout_seconds": 10,
        "context": "ivr-alert",
    }
    fields.update(changes)
    return OriginateRequest(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "changes",
    [
        {"variables": {"IVR_CALL": "1\r\nAction: Hangup"}},
        {"variables": {"IVR_CALL": "${SHELL(id)}"}},
        {"variables": {"BAD NAME": "1"}},
        {"caller_id": '"Information ITUM" <4189620327>\nX: y'},
        {"channel_id": "id with spaces"},
        {"context": "ivr-alert\r\nAction: Originate"},
    ],
)
def test_unsafe_originate_values_are_refused(changes: dict[str, object]) -> None:
    with pytest.raises(UnsafeValue):
        request(**changes).to_action()


@pytest.mark.parametrize("number", ["418962100;1", "4189621001@other", "", "PJSIP/x"])
def test_only_digits_are_dialed(number: str) -> None:
    with pytest.raises(UnsafeValue):
        trunk_channel(number)


def test_originate_always_asks_async_and_sets_our_channel_id() -> None:
    action = request(variables={"IVR_CALL": "42"}).to_action()
    assert action["Async"] == "true"
    assert action["ChannelId"] == "call-1"
    assert action["Variable"] == ["IVR_CALL=42"]
    assert action["EarlyMedia"] == "false"


@pytest.mark.asterisk
async def test_refused_login_raises(pbx: AsteriskProcess, pbx_settings: Settings) -> None:
    client = AmiClient(
        pbx_settings.ami_host, pbx_settings.ami_port, pbx_settings.ami_user, "wrong-secret-0000"
    )
    with pytest.raises(AmiLoginError):
        await client.start()
    assert not client.connected


async def test_unreachable_asterisk_raises() -> None:
    client = AmiClient("127.0.0.1", free_port(), "ivr", "x" * 16, connect_timeout=2)
    with pytest.raises(OSError):
        await client.start()


@pytest.mark.asterisk
async def test_a_client_told_to_wait_logs_in_once_asterisk_answers(
    pbx: AsteriskProcess, pbx_settings: Settings
) -> None:
    port = free_port()
    client = AmiClient(
        pbx_settings.ami_host,
        port,
        pbx_settings.ami_user,
        pbx_settings.ami_secret,
        backoff_initial=0.1,
        backoff_max=0.5,
        wait_for_asterisk=True,
    )
    starting = asyncio.create_task(client.start())
    relay = TcpRelay(pbx_settings.ami_host, pbx_settings.ami_port)
    try:
        await asyncio.sleep(1.5)  # several refused connections
        assert not starting.done()
        await relay.start(port)
        async with asyncio.timeout(10):
            await starting
        await client.ping()
    finally:
        starting.cancel()
        await client.close()
        await relay.close()


@pytest.mark.asterisk
async def test_a_client_told_to_wait_still_stops_on_a_refused_login(
    pbx: AsteriskProcess, pbx_settings: Settings
) -> None:
    client = AmiClient(
        pbx_settings.ami_host,
        pbx_settings.ami_port,
        pbx_settings.ami_user,
        "wrong-secret-0000",
        wait_for_asterisk=True,
    )
    with pytest.raises(AmiLoginError):
        await client.start()


@pytest.mark.asterisk
async def test_system_applications_need_a_privilege_we_do_not_have(ami: AmiClient) -> None:
    with pytest.raises(AmiActionFailed):
        await ami.originate(
            request(channel_id=new_channel_id(), context=None, application="System", data="id")
        )


@pytest.fixture
async def relayed(ami_relay: TcpRelay, pbx_settings: Settings) -> AsyncIterator[AmiClient]:
    """An AMI client that reaches Asterisk through the relay, with fast liveness checks."""
    client = AmiClient(
        pbx_settings.ami_host,
        ami_relay.port,
        pbx_settings.ami_user,
        pbx_settings.ami_secret,
        ping_interval=0.5,
        ping_timeout=0.5,
        backoff_initial=0.1,
        backoff_max=0.5,
    )
    await client.start()
    yield client
    await client.close()


async def reconnected(client: AmiClient, connections: int) -> None:
    async with asyncio.timeout(10):
        while client.connections < connections or not client.connected:
            await asyncio.sleep(0.05)


@pytest.mark.asterisk
async def test_reconnects_after_the_connection_drops(
    ami_relay: TcpRelay, relayed: AmiClient
) -> None:
    await relayed.ping()
    ami_relay.cut()
    await reconnected(relayed, 2)
    await relayed.ping()


@pytest.mark.asterisk
async def test_half_open_connection_is_detected(ami_relay: TcpRelay, relayed: AmiClient) -> None:
    ami_relay.freeze()
    await reconnected(relayed, 2)
    await relayed.ping()


@pytest.mark.asterisk
async def test_originate_is_never_sent_twice(
    ami_relay: TcpRelay, relayed: AmiClient, simnet: PhoneNetwork, pbx_settings: Settings
) -> None:
    """The link drops while the phone rings: the outcome is unknown, the call is not repeated,
    and the call's Hangup still reaches us by its ChannelId after the reconnect."""
    number = simnet.number_for("no-answer")
    channel_id = new_channel_id()
    async with relayed.watch(channel_id) as events:
        originate = asyncio.create_task(
            relayed.originate(
                OriginateRequest(
                    channel_id=channel_id,
                    channel=trunk_channel(number),
                    timeout_seconds=pbx_settings.ring_timeout_seconds,
                    context="ivr-alert",
                )
            )
        )
        await asyncio.sleep(1.5)
        ami_relay.cut()
        with pytest.raises(OriginateOutcomeUnknown):
            await originate
        await reconnected(relayed, 2)
        hangup = await events.hangup(within=pbx_settings.ring_timeout_seconds + 10)
    assert hangup["Cause"] == "19"
    await asyncio.sleep(2)
    calls = simnet.calls(number)
    assert [call.action for call in calls] == ["no-answer"]


@pytest.mark.asterisk
async def test_live_channel_ids_lists_a_ringing_call_until_it_ends(
    ami: AmiClient, simnet: PhoneNetwork, pbx_settings: Settings
) -> None:
    """What a restarted controller asks to know which of its calls are still on the PBX
    (it needs the Status events through the AMI user's event filter)."""
    number = simnet.number_for("no-answer")
    channel_id = f"ivr-{new_channel_id()}"
    async with ami.watch(channel_id) as events:
        originate = asyncio.create_task(
            ami.originate(
                OriginateRequest(
                    channel_id=channel_id,
                    channel=trunk_channel(number),
                    timeout_seconds=pbx_settings.ring_timeout_seconds,
                    context="ivr-alert",
                )
            )
        )
        async with asyncio.timeout(10):
            while channel_id not in await ami.live_channel_ids("ivr-"):
                await asyncio.sleep(0.2)
        assert await ami.live_channel_ids("other-") == set()
        await events.hangup(within=pbx_settings.ring_timeout_seconds + 10)
        await originate
    assert channel_id not in await ami.live_channel_ids("ivr-")
