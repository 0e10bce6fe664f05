"""An SMS the operator cannot deliver to a landline becomes a call: through the real
PBX and the simulated phone network, with the SMS channel on the simulated SMSC."""

from __future__ import annotations

import pytest

from ivr.channels.voice.message_audio import prepare_alert_audio
from tests.sms.harness import FRENCH, SmsHarness, make_sms_alert
from tests.voice.harness import VoiceHarness

pytestmark = pytest.mark.asterisk

TAKES_CALLS, TEXTS_ONLY = "4189621001", "4189621002"  # landlines for the SMSC (UNDELIV)


async def test_undeliverable_sms_to_a_landline_becomes_a_call(
    sms: SmsHarness, voice: VoiceHarness
) -> None:
    pool = sms.pool
    alert_id = await make_sms_alert(pool, [TAKES_CALLS, TEXTS_ONLY], voice_text=FRENCH)
    async with pool.acquire() as conn, conn.transaction():
        household = await conn.fetchval(
            "INSERT INTO households (civic_number, street, community) "
            "VALUES (12, 'rue Tshimiskau', 'uashat') RETURNING id"
        )
        for number, channels in ((TAKES_CALLS, ["sms"]), (TEXTS_ONLY, ["sms"])):
            member = await conn.fetchval(
                "INSERT INTO members (household_id, display_name) VALUES ($1, $2) RETURNING id",
                household, number,
            )  # fmt: skip
            contact = await conn.fetchval(
                "SELECT id FROM contact_points WHERE phone_e164 = $1", "+1" + number
            )
            for channel in channels:
                await conn.execute(
                    "INSERT INTO member_channels VALUES ($1, $2, 'phone', $3)",
                    member, contact, channel,
                )  # fmt: skip
            await conn.execute(
                "UPDATE deliveries SET member_id = $1 WHERE contact_point_id = $2", member, contact
            )
            if number == TAKES_CALLS:  # this member also takes calls, on another phone
                other = await conn.fetchval(
                    "INSERT INTO contact_points (kind, phone_e164, source) "
                    "VALUES ('phone', '+14189621013', 'staff') RETURNING id"
                )
                await conn.execute(
                    "INSERT INTO member_channels VALUES ($1, $2, 'phone', 'voice')", member, other
                )
    await prepare_alert_audio(pool, alert_id, voice.runtime.sounds, voice.recordings_dir)

    await sms.wait_for(
        "SELECT count(*) = 1 FROM deliveries WHERE alert_id = $1 AND channel = 'voice' "
        "AND state = 'done'",
        alert_id,
        within=90,
    )
    await sms.wait_completed(alert_id, within=30)
    rows = await pool.fetch(
        "SELECT substr(cp.phone_e164, 3) AS number, cp.sms_capable, d.channel, d.state, "
        "d.last_outcome FROM deliveries d JOIN contact_points cp ON cp.id = d.contact_point_id "
        "WHERE d.alert_id = $1 ORDER BY 1, 3",
        alert_id,
    )
    assert [tuple(r) for r in rows] == [
        (TAKES_CALLS, "no", "sms", "failed", "undeliverable"),
        (TAKES_CALLS, "no", "voice", "done", "listened"),
        (TEXTS_ONLY, "no", "sms", "failed", "undeliverable"),  # marked, but takes no calls
    ]
    (call,) = voice.network.calls(TAKES_CALLS)
    assert call.caller_number == "4189620327"
    assert voice.network.calls(TEXTS_ONLY) == []
