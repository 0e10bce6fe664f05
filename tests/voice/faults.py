"""What a fault did to an alert, counted from the database and the phones' call log:
the fault tests require every count to be zero, bench/faults.py prints them."""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg

from ivr.channels.voice.message_audio import prepare_alert_audio
from ivr.channels.voice.sounds import PbxSounds
from simnet.network import PhoneNetwork
from tests.dispatch.population import make_sending_alert
from tests.voice.harness import MESSAGE

MAX_CALLS_PER_NUMBER = 3  # the first call and two call-backs


def mixed_numbers(network: PhoneNetwork) -> list[str]:
    """50 numbers: 10 people, 20 answering machines, 10 busy, 10 no answer."""
    return (
        network.numbers_for("person")[2:12]
        + network.numbers_for("machine")[1:21]
        + network.numbers_for("busy")[:10]
        + network.numbers_for("no-answer")[:10]
    )


async def launch(
    pool: asyncpg.Pool, sounds: PbxSounds, numbers: list[str], recordings: Path
) -> int:
    """An approved voice alert to 10-digit ``numbers``, its audio made, now sending."""
    alert_id = await make_sending_alert(
        pool, ["+1" + n for n in numbers], state="approved", voice_text=MESSAGE
    )
    await prepare_alert_audio(pool, alert_id, sounds, recordings)
    await pool.execute(
        "UPDATE alerts SET state = 'sending', launched_at = now() WHERE id = $1", alert_id
    )
    await pool.execute("NOTIFY ivr_dispatch")
    return alert_id


async def wait_for(pool: asyncpg.Pool, query: str, *args: object, within: float) -> None:
    async with asyncio.timeout(within):
        while not await pool.fetchval(query, *args):
            await asyncio.sleep(0.2)


@dataclass
class FaultReport:
    """Numbers (10 digits) in each kind of trouble after an alert ended."""

    lost: list[str] = field(default_factory=list)
    """Not ended, or ended without an outcome, or never in the alert."""
    beyond_policy: list[str] = field(default_factory=list)
    """More attempts, or more calls on the phone, than the retry policy allows."""
    overlapping: list[str] = field(default_factory=list)
    """Two attempts, or two calls on the phone, at once."""
    doubled: list[str] = field(default_factory=list)
    """The whole message delivered, then sent again."""

    def problems(self) -> dict[str, list[str]]:
        return {name: numbers for name, numbers in vars(self).items() if numbers}


async def fault_report(
    pool: asyncpg.Pool, network: PhoneNetwork, alert_id: int, numbers: list[str]
) -> FaultReport:
    report = FaultReport()
    deliveries = await pool.fetch(
        "SELECT d.id, d.state, d.attempts, d.last_outcome, substr(cp.phone_e164, 3) AS number "
        "FROM deliveries d JOIN contact_points cp ON cp.id = d.contact_point_id "
        "WHERE d.alert_id = $1",
        alert_id,
    )
    report.lost += sorted(set(numbers) - {d["number"] for d in deliveries})
    for delivery in deliveries:
        number = delivery["number"]
        attempts = await pool.fetch(
            "SELECT started_at, ended_at FROM delivery_attempts "
            "WHERE delivery_id = $1 ORDER BY attempt_number",
            delivery["id"],
        )
        if (
            delivery["state"] not in {"done", "failed"}
            or delivery["last_outcome"] is None
            or any(a["ended_at"] is None for a in attempts)
        ):
            report.lost.append(number)
        calls = sorted(network.calls(number), key=lambda c: c.started)
        if delivery["attempts"] > MAX_CALLS_PER_NUMBER or len(calls) > delivery["attempts"]:
            report.beyond_policy.append(number)
        attempts_overlap = any(
            b["started_at"] < a["ended_at"]
            for a, b in itertools.pairwise(attempts)
            if a["ended_at"] is not None
        )
        calls_overlap = any(b.started < a.ended for a, b in itertools.pairwise(calls))
        if attempts_overlap or calls_overlap:
            report.overlapping.append(number)
    delivered_whole = await pool.fetch(
        "SELECT substr(cp.phone_e164, 3) AS number, d.attempts, "
        "       array_agg(a.attempt_number ORDER BY a.attempt_number) AS whole "
        "FROM delivery_attempts a JOIN deliveries d ON d.id = a.delivery_id "
        "JOIN contact_points cp ON cp.id = d.contact_point_id "
        "JOIN alert_audio au ON au.alert_id = d.alert_id AND au.language = d.language "
        "WHERE d.alert_id = $1 AND a.message_seconds >= au.seconds - 0.3 "
        "GROUP BY cp.phone_e164, d.attempts",
        alert_id,
    )
    report.doubled += [r["number"] for r in delivered_whole if r["whole"] != [r["attempts"]]]
    return report
