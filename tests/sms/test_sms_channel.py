"""The SMS channel end to end: the product's engine, SMPP client and records against the
simulated SMSC (node-smpp, an independent SMPP implementation) over TCP."""

from __future__ import annotations

import os
import re
from pathlib import Path

from ivr.channels.sms.link import THROTTLE_PAUSE
from tests.sms.harness import SmsHarness, make_sms_alert
from tests.voice.harness import run_ivr

ALERT_UCS2 = "Évacuation du secteur Sud : ça presse. Rendez-vous « au gymnase » dès 14 h. Œuvrez."
ALERT_GSM7 = "Avis d'ébullition de l'eau: faites bouillir l'eau 1 minute. Prix 0 €. [ITUM]"


async def test_french_alerts_arrive_intact_in_ucs2_or_gsm7(sms: SmsHarness) -> None:
    accented = await make_sms_alert(sms.pool, ["4189691001"], {"fr": ALERT_UCS2})
    plain = await make_sms_alert(sms.pool, ["4189691002"], {"fr": ALERT_GSM7})
    for alert_id in (accented, plain):
        await sms.wait_completed(alert_id)
    await sms.smsc.wait_for(lambda: len(sms.smsc.handset_messages()) == 2, within=10)
    by_phone = {message["to"][-10:]: message for message in sms.smsc.handset_messages()}
    assert by_phone["4189691001"]["text"] == ALERT_UCS2
    assert by_phone["4189691001"]["data_coding"] == 8
    assert by_phone["4189691002"]["text"] == ALERT_GSM7
    assert by_phone["4189691002"]["data_coding"] == 0
    submits = sms.smsc.submits()
    assert {s["source_addr"] for s in submits} == {"14189620327"}
    assert all((s["source_addr_ton"], s["dest_addr_ton"], s["registered_delivery"]) == (1, 1, 1)
               for s in submits)  # fmt: skip
    # The receipts (DELIVRD) came, and the outcomes say so.
    await sms.wait_for(
        "SELECT bool_and(last_outcome = 'delivered') FROM deliveries WHERE alert_id = ANY ($1)",
        [accented, plain],
    )


async def test_a_400_character_alert_arrives_as_linked_parts_in_order(sms: SmsHarness) -> None:
    text = (ALERT_UCS2 + " ") * 5
    text = text[:400]
    alert_id = await make_sms_alert(sms.pool, ["4189691003"], {"fr": text})
    await sms.wait_completed(alert_id)
    (shown,) = await sms.smsc.wait_for(lambda: sms.smsc.handset_messages("4189691003"), 10)
    assert shown["text"] == text
    assert shown["parts"] == 6
    parts = sms.smsc.submits()
    assert [p["udh"]["part"] for p in parts] == [1, 2, 3, 4, 5, 6]
    assert len({p["udh"]["reference"] for p in parts}) == 1
    rows = await sms.pool.fetch(
        "SELECT part_number, parts_total, message_id FROM sms_parts ORDER BY part_number"
    )
    assert [(r["part_number"], r["parts_total"]) for r in rows] == [(n, 6) for n in range(1, 7)]
    assert [r["message_id"] for r in rows] == [p["message_id"] for p in parts]


async def test_receipts_and_refusals_settle_each_outcome(sms: SmsHarness) -> None:
    numbers = {
        "4189691004": ("done", "delivered", "unknown"),  # a mobile: DELIVRD
        "4189692002": ("failed", "rejected", "no"),  # barred: REJECTD, probably no mobile
        "4189692003": ("failed", "expired", "unknown"),  # switched off: EXPIRED
        "4189692004": ("done", "accepted", "unknown"),  # no receipt ever
        "4189692001": ("failed", "undeliverable", "no"),  # refused at submit (0x0B)
        "4189621002": ("failed", "undeliverable", "no"),  # a landline: UNDELIV
    }
    alert_id = await make_sms_alert(sms.pool, list(numbers))
    await sms.wait_completed(alert_id)
    await sms.wait_for(
        "SELECT count(*) = 4 FROM deliveries WHERE alert_id = $1 "
        "AND last_outcome IN ('delivered', 'rejected', 'expired', 'undeliverable') "
        "AND substr((SELECT phone_e164 FROM contact_points WHERE id = contact_point_id), 3) "
        "<> '4189692001'",
        alert_id,
    )
    outcomes = await sms.outcomes(alert_id)
    flags = {
        row["number"]: row["sms_capable"]
        for row in await sms.pool.fetch(
            "SELECT substr(phone_e164, 3) AS number, sms_capable FROM contact_points"
        )
    }
    for number, (state, outcome, sms_capable) in numbers.items():
        assert outcomes[number] == (state, outcome), number
        assert flags[number] == sms_capable, number
    attempts = await sms.pool.fetch(
        "SELECT a.outcome, a.detail, count(*) OVER () AS n FROM delivery_attempts a "
        "JOIN deliveries d ON d.id = a.delivery_id WHERE d.alert_id = $1",
        alert_id,
    )
    assert attempts[0]["n"] == 6  # one attempt each: none of these is retried
    assert any("Invalid Destination Address" in row["detail"] for row in attempts)
    receipts = {
        row["receipt_state"] for row in await sms.pool.fetch("SELECT receipt_state FROM sms_parts")
    }
    assert receipts == {"DELIVRD", "REJECTD", "EXPIRED", "UNDELIV", None}
    assert (
        await sms.pool.fetchval("SELECT count(*) FROM sms_receipts WHERE applied_at IS NULL") == 0
    )
    # Each receipt was acknowledged the first time (kept, then answered): none sent again.
    sent = sms.smsc.receipts()
    assert sorted(r["status"] for r in sent) == [0, 0, 0, 0]
    assert len({r["message_id"] for r in sent}) == 4


async def test_throttling_slows_the_sender_and_loses_nothing(sms: SmsHarness) -> None:
    numbers = [f"41896910{n:02d}" for n in range(10, 60)]
    await sms.smsc.throttle(30)
    alert_id = await make_sms_alert(sms.pool, numbers)
    await sms.wait_completed(alert_id, within=60)
    submits = sms.smsc.submits()
    accepted = [s["destination_addr"][-10:] for s in submits if s["status"] == 0]
    throttled = [s for s in submits if s["status"] == 0x58]
    assert sorted(accepted) == sorted(numbers)  # each once, none lost
    assert len(throttled) == 30
    recorded = await sms.pool.fetchval("SELECT sum(throttled) FROM sms_parts")
    assert recorded == 30
    # Slowed down: a throttled part goes again only after a pause (THROTTLE_PAUSE).
    first = throttled[0]
    again = next(s for s in submits if s["destination_addr"] == first["destination_addr"]
                 and s["at"] > first["at"])  # fmt: skip
    assert again["at"] - first["at"] >= THROTTLE_PAUSE * 1000
    outcomes = await sms.outcomes(alert_id)
    assert {outcome for _, outcome in outcomes.values()} <= {"accepted", "delivered"}


async def test_a_full_queue_answer_is_throttling_too(sms: SmsHarness) -> None:
    await sms.smsc.throttle(3, status=0x14)
    alert_id = await make_sms_alert(sms.pool, ["4189691070"])
    await sms.wait_completed(alert_id)
    statuses = [s["status"] for s in sms.smsc.submits()]
    assert statuses == [0x14, 0x14, 0x14, 0]


async def test_alert_status_shows_sms_outcomes_throttling_and_parts(
    sms: SmsHarness, database_url: str, tmp_path: Path
) -> None:
    await sms.smsc.throttle(2)
    alert_id = await make_sms_alert(sms.pool, ["4189691090", "4189692001"], {"fr": ALERT_UCS2})
    await sms.wait_completed(alert_id)
    await sms.wait_for(
        "SELECT count(*) = 1 FROM deliveries WHERE alert_id = $1 AND last_outcome = 'delivered'",
        alert_id,
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("IVR_")}
    env.update(IVR_DATABASE_URL=database_url, IVR_DATA_DIR=str(tmp_path / "var"))
    code, out, err = await run_ivr(env, "alert-status", str(alert_id), "--details")
    assert code == 0, err
    lines = out.splitlines()
    assert [line.split() for line in lines[2:4]] == [
        ["sms", "done", "delivered", "1", "1"],
        ["sms", "failed", "undeliverable", "1", "1"],
    ]
    assert lines[4] == (
        "sms parts: 3 submitted, 2 throttled and sent again, "
        "0 sent again after a lost connection, 2 receipts"
    )
    header, *attempts = out.split("\n\n", 1)[1].splitlines()
    columns = re.split(r" {2,}", header.strip())
    rows = [dict(zip(columns, re.split(r" {2,}", line.strip()), strict=True))
            for line in attempts]  # fmt: skip
    by_outcome = {row["outcome"]: row for row in rows}
    assert (by_outcome["delivered"]["parts"], by_outcome["delivered"]["receipts"]) == (
        "2", "DELIVRD"
    )  # fmt: skip
    assert sum(int(row["throttled"]) for row in rows) == 2
    assert (by_outcome["undeliverable"]["parts"], by_outcome["undeliverable"]["receipts"]) == (
        "1", "-"
    )  # fmt: skip
    assert "4189691090" not in out
