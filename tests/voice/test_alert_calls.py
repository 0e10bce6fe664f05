"""Voice alerts end to end: the dispatch engine, AMI, the product's real Asterisk 22,
the FastAGI call flow, and the simulated phone network (a second real Asterisk behind
the carrier trunk) whose phones behave as simnet/phones.json says."""

from __future__ import annotations

import itertools
from collections import defaultdict

import asyncpg
import pytest

from simnet.network import PhoneNetwork
from tests.voice.harness import VoiceHarness

pytestmark = pytest.mark.asterisk

EXPECTED = {
    "person": ["listened"],
    "person-keys": ["confirmed"],
    "person-hangs-up": ["hung_up_during_message"],
    "machine": ["voicemail_complete"],
    "machine-no-beep": ["voicemail_complete"],
    "busy": ["busy", "busy", "busy"],
    "no-answer": ["no_answer", "no_answer", "no_answer"],
    "congestion": ["congestion", "congestion", "congestion"],
    "not-in-service": ["not_in_service"],
    "busy-then-answer": ["busy", "busy", "listened"],
}


async def attempts_by_number(pool: asyncpg.Pool, alert_id: int) -> dict[str, list[asyncpg.Record]]:
    rows = await pool.fetch(
        "SELECT substr(cp.phone_e164, 3) AS number, a.* "
        "FROM delivery_attempts a JOIN deliveries d ON d.id = a.delivery_id "
        "JOIN contact_points cp ON cp.id = d.contact_point_id "
        "WHERE d.alert_id = $1 ORDER BY a.attempt_number",
        alert_id,
    )
    by_number: dict[str, list[asyncpg.Record]] = defaultdict(list)
    for row in rows:
        by_number[row["number"]].append(row)
    return by_number


async def test_every_behaviour_gets_its_outcome_and_retries(voice: VoiceHarness) -> None:
    network = voice.network
    numbers = {behaviour: network.number_for(behaviour) for behaviour in EXPECTED}
    alert_id = await voice.send_alert(list(numbers.values()))
    await voice.wait_completed(alert_id, within=120)

    attempts = await attempts_by_number(voice.pool, alert_id)
    seen = {b: [a["outcome"] for a in attempts[n]] for b, n in numbers.items()}
    assert seen == EXPECTED

    # The phones saw as many calls as the database has attempts, no more.
    for behaviour, number in numbers.items():
        assert len(network.calls(number)) == len(EXPECTED[behaviour]), behaviour

    # Call-backs came no sooner than the configured delay after the previous call ended.
    for behaviour in ("busy", "no-answer", "congestion", "busy-then-answer"):
        rows = attempts[numbers[behaviour]]
        for earlier, later in itertools.pairwise(rows):
            gap = (later["started_at"] - earlier["ended_at"]).total_seconds()
            assert gap >= voice.settings.retry_delay_seconds - 0.05, (behaviour, gap)

    confirmed = attempts[numbers["person-keys"]][0]
    assert confirmed["keys_pressed"].endswith("2")
    assert confirmed["amd_status"] == "HUMAN"
    assert attempts[numbers["machine"]][0]["amd_status"] in {"MACHINE", "NOTSURE"}
    assert [a["hangup_cause"] for a in attempts[numbers["busy"]]] == [17, 17, 17]
    assert attempts[numbers["not-in-service"]][0]["hangup_cause"] == 1

    flagged = await voice.pool.fetchval(
        "SELECT not_in_service_at IS NOT NULL FROM contact_points WHERE phone_e164 = $1",
        "+1" + numbers["not-in-service"],
    )
    assert flagged is True
    states = await voice.pool.fetch(
        "SELECT substr(cp.phone_e164, 3) AS number, d.state FROM deliveries d "
        "JOIN contact_points cp ON cp.id = d.contact_point_id WHERE d.alert_id = $1",
        alert_id,
    )
    by_state = {row["number"]: row["state"] for row in states}
    assert by_state[numbers["busy"]] == "failed"
    assert by_state[numbers["busy-then-answer"]] == "done"


async def test_phones_see_information_itum_as_caller_id(voice: VoiceHarness) -> None:
    number = voice.network.number_for("person")
    alert_id = await voice.send_alert([number])
    await voice.wait_completed(alert_id)
    (call,) = voice.network.calls(number)
    assert (call.caller_name, call.caller_number) == ("Information ITUM", "4189620327")
    assert '"Information ITUM"' in call.pai_header
    assert "4189620327" in call.pai_header


async def test_answering_machines_record_the_whole_message(voice: VoiceHarness) -> None:
    machines = [voice.network.number_for("machine"), voice.network.number_for("machine-no-beep")]
    alert_id = await voice.send_alert(machines)
    await voice.wait_completed(alert_id, within=120)
    attempts = await attempts_by_number(voice.pool, alert_id)
    for number, offer in zip(machines, (False, True), strict=True):
        (call,) = voice.network.calls(number)
        recording = call.recording()
        assert recording is not None, number
        # What the machine kept from its beep on is the introduction and the message
        # (then, with no beep to prove a machine, the offer to confirm with 2).
        played = await voice.played_seconds(alert_id, "fr", offer=offer)
        assert abs(recording.audible_seconds - played) <= 0.5, (number, recording, played)
        assert attempts[number][0]["outcome"] == "voicemail_complete"


async def test_person_pressing_two_confirms(
    voice: VoiceHarness, phone_network: PhoneNetwork
) -> None:
    number = "4189621011"  # presses 2 only
    alert_id = await voice.send_alert([number])
    await voice.wait_completed(alert_id)
    attempts = await attempts_by_number(voice.pool, alert_id)
    assert [(a["outcome"], a["keys_pressed"]) for a in attempts[number]] == [("confirmed", "2")]
    (call,) = phone_network.calls(number)
    assert call.keys == "2"


async def test_nine_switches_to_the_other_language(voice: VoiceHarness) -> None:
    number = "4189621012"  # presses 9 a few seconds into the call
    english_text = (
        "Boil water advisory for the Uashat sector. Bring tap water to a rolling boil for "
        "one full minute before drinking it, brushing your teeth, or preparing food and "
        "baby formula. This advisory stays in effect until further notice."
    )
    alert_id = await voice.send_alert([number], text="Avis d'ébullition.", english=english_text)
    await voice.wait_completed(alert_id, within=180)
    attempts = await attempts_by_number(voice.pool, alert_id)
    (attempt,) = attempts[number]
    assert attempt["keys_pressed"].startswith("9")
    assert attempt["outcome"] == "listened"
    english: float = await voice.pool.fetchval(
        "SELECT seconds FROM alert_audio WHERE alert_id = $1 AND language = 'en'", alert_id
    )
    french: float = await voice.pool.fetchval(
        "SELECT seconds FROM alert_audio WHERE alert_id = $1 AND language = 'fr'", alert_id
    )
    assert english > 4 * french
    # Only the switch can account for this much: the long English message played whole.
    assert attempt["message_seconds"] >= english


async def test_a_number_that_cannot_be_dialed_ends_at_once_and_is_flagged(
    voice: VoiceHarness,
) -> None:
    """+999… has no country: nothing is dialed, the delivery ends after one attempt as
    undeliverable (not retried through the call-back delays) and the number is flagged;
    the alert's other calls go on."""
    machine = voice.network.number_for("machine")
    alert_id = await voice.send_alert_e164(["+999123456", "+1" + machine])
    await voice.wait_completed(alert_id, within=60)
    rows = await voice.pool.fetch(
        "SELECT cp.phone_e164, cp.not_in_service_at, d.state, d.attempts, d.last_outcome, "
        "d.finished_at - d.created_at AS took "
        "FROM deliveries d JOIN contact_points cp ON cp.id = d.contact_point_id "
        "WHERE d.alert_id = $1",
        alert_id,
    )
    by_number = {row["phone_e164"]: row for row in rows}
    bad = by_number["+999123456"]
    assert (bad["state"], bad["attempts"], bad["last_outcome"]) == ("failed", 1, "undeliverable")
    assert bad["not_in_service_at"] is not None
    assert bad["took"].total_seconds() < voice.settings.retry_delay_seconds
    good = by_number["+1" + machine]
    assert (good["state"], good["last_outcome"]) == ("done", "voicemail_complete")
    assert good["not_in_service_at"] is None
    assert voice.network.calls("999123456") == []
