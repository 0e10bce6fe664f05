"""Messages from phones: keywords do their job, and every one gets the right answer."""

from __future__ import annotations

from simnet.smsc import SimulatedSmsc
from tests.sms.harness import SmsHarness, make_sms_alert

RESIDENT = "4189691080"


async def replies_to(smsc: SimulatedSmsc, number: str, count: int) -> list[str]:
    await smsc.wait_for(lambda: len(smsc.handset_messages(number)) >= count, within=10)
    return [message["text"] for message in smsc.handset_messages(number)]


async def handled(sms: SmsHarness, count: int) -> None:
    await sms.wait_for(
        "SELECT count(*) = $1 FROM sms_inbound WHERE handled_at IS NOT NULL "
        "AND (reply IS NULL OR replied_at IS NOT NULL)",
        count,
    )


async def test_stop_turns_sms_off_and_start_back_on(sms: SmsHarness) -> None:
    await make_sms_alert(sms.pool, [RESIDENT])  # the number is known
    await sms.smsc.wait_for(lambda: sms.smsc.handset_messages(RESIDENT), within=10)
    assert await sms.smsc.send_mo("1" + RESIDENT, "Arrêt") == 0  # UCS-2, with its accent
    await handled(sms, 1)
    opted_out = await sms.pool.fetchval(
        "SELECT count(*) FROM opt_outs o JOIN contact_points cp ON cp.id = o.contact_point_id "
        "WHERE cp.phone_e164 = $1 AND o.channel = 'sms' AND o.source = 'resident'",
        "+1" + RESIDENT,
    )
    assert opted_out == 1
    stop_reply = (await replies_to(sms.smsc, RESIDENT, 2))[1]
    assert "vous ne recevrez plus nos textos" in stop_reply
    assert "alertes d'urgence comprises" in stop_reply and "emergency alerts included" in stop_reply
    assert "DEBUT" in stop_reply and "START" in stop_reply

    assert await sms.smsc.send_mo(RESIDENT, "start") == 0
    await handled(sms, 2)
    assert await sms.pool.fetchval("SELECT count(*) FROM opt_outs") == 0
    assert "reprennent" in (await replies_to(sms.smsc, RESIDENT, 3))[2]


async def test_help_gives_the_offices_number(sms: SmsHarness) -> None:
    assert await sms.smsc.send_mo("1" + RESIDENT, "AIDE") == 0
    (reply,) = await replies_to(sms.smsc, RESIDENT, 1)
    assert "418 962-0327" in reply and "OUI" in reply and "ARRET" in reply and "STOP" in reply


async def test_oui_confirms_the_latest_alert_and_stops_its_retries(sms: SmsHarness) -> None:
    older = await make_sms_alert(sms.pool, [RESIDENT])
    await sms.wait_completed(older)
    latest = await make_sms_alert(sms.pool, [RESIDENT])
    await sms.wait_completed(latest)
    async with sms.pool.acquire() as conn:  # a call-back of the latest alert waits
        await conn.execute(
            "INSERT INTO deliveries (alert_id, contact_point_id, channel, language, priority, "
            "attempts, next_attempt_at) SELECT $1, id, 'voice', 'fr', 3, 1, now() + interval "
            "'1 hour' FROM contact_points WHERE phone_e164 = $2",
            latest, "+1" + RESIDENT,
        )  # fmt: skip
    assert await sms.smsc.send_mo("1" + RESIDENT, "Oui merci!") == 0
    await handled(sms, 1)
    rows = await sms.pool.fetch(
        "SELECT alert_id, channel, state, last_outcome FROM deliveries ORDER BY alert_id, channel"
    )
    assert [tuple(r) for r in rows] == [
        (older, "sms", "done", "delivered"),
        (latest, "sms", "done", "confirmed"),
        (latest, "voice", "done", "confirmed"),  # its retry stopped
    ]
    assert await sms.pool.fetchval("SELECT alert_id FROM sms_inbound") == latest
    assert "confirmation est enregistrée" in (await replies_to(sms.smsc, RESIDENT, 3))[2]


async def test_a_confirmation_with_nothing_to_confirm_says_so(sms: SmsHarness) -> None:
    assert await sms.smsc.send_mo("1" + RESIDENT, "1") == 0
    (reply,) = await replies_to(sms.smsc, RESIDENT, 1)
    assert "aucune alerte récente" in reply


async def test_anything_else_gets_help_at_most_once_an_hour(sms: SmsHarness) -> None:
    for text in ("C'est quoi?", "allo?", "Qui est-ce?"):
        assert await sms.smsc.send_mo("1" + RESIDENT, text) == 0
    await handled(sms, 3)
    replies = [row["reply"] for row in await sms.pool.fetch("SELECT reply FROM sms_inbound")]
    assert replies == ["other", None, None]
    (reply,) = await replies_to(sms.smsc, RESIDENT, 1)
    assert "ne lit pas les messages" in reply
    stored = [row["body"] for row in await sms.pool.fetch("SELECT body FROM sms_inbound")]
    assert stored == ["C'est quoi?", "allo?", "Qui est-ce?"]
