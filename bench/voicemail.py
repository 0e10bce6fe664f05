"""Answering machines and people, each behaviour of the simulated network once, and the
controller's cost with 20 calls at once.

Run: ``.venv/bin/python -m bench.voicemail`` (as root). It starts the product's Asterisk,
the simulated network and an embedded PostgreSQL, and runs the voice channel here.

1. One alert to every answering-machine and person behaviour of the network, once each.
   Per behaviour: AMD's verdict, how the end of the greeting was found, the silence the
   voicemail heard before the message, whether its recording holds the whole message
   although it stops after 5 s of silence, and for people the time from the end of
   their first words to the first audio they hear, and whether they got the menu.
2. One alert to 20 answering machines at once (20 channels): the controller's CPU time
   per second of wall time while the calls play and listen, and the longest stall of
   its event loop.
"""

from __future__ import annotations

import asyncio
import resource
import statistics
import wave
from array import array
from pathlib import Path
from typing import Any

import asyncpg

from bench.system import BenchSystem, bench_system
from ivr.channels.voice.runtime import voice_runtime
from ivr.storage.migrate import migrate
from simnet.calllog import AUDIBLE_LEVEL, PhoneCall
from simnet.network import PhoneNetwork
from tests.voice.faults import launch, wait_for

MACHINES = {
    "4189621004": "greeting, 1 kHz beep, silence frames",
    "4189621005": "long greeting, no beep",
    "4189621013": "2 s pause in greeting, comfort noise",
    "4189621014": "opens like a person, then pauses",
    "4189621015": "double beep, then no audio",
    "4189621016": "no audio after its beep",
    "4189621017": "30 s greeting, short 2 kHz beep",
    "4189621018": "fast and loud, 440 Hz beep",
    "4189621019": "slow and quiet, no beep, no audio",
    "4189621020": "English, 600 Hz beep",
}
PEOPLE = {
    "4189621026": "allô",
    "4189621021": "several short phrases",
    "4189621022": "a long first sentence",
    "4189621023": "answer in a noisy room",
    "4189621024": "late answer (2.8 s)",
    "4189621025": "quiet speaker",
}


PAUSE_AFTER_WORDS = 0.5
"""A quiet this long ends a person's first words ("Allô?", then "Oui?" is a second phrase)."""


def words_end(network: PhoneNetwork, call: PhoneCall) -> float:
    """When (epoch seconds) the person's first words ended: the phone logs when its
    opening's sound file ended; the first words end that file's tail earlier."""
    phone = next(p for p in network.phones if p.number == call.number)
    opening = str(phone.params.get("opening", "allo"))
    path = network.layout.host(network.layout.sounds_dir / f"{opening}.wav")
    with wave.open(str(path), "rb") as audio:
        samples = array("h", audio.readframes(audio.getnframes()))
        rate = audio.getframerate()
    loud = [i for i, sample in enumerate(samples) if abs(sample) > AUDIBLE_LEVEL]
    end = loud[0]
    for index in loud:
        if index - end > PAUSE_AFTER_WORDS * rate:
            break
        end = index
    assert call.spoke_at is not None, call
    return call.spoke_at - (len(samples) - end - 1) / rate


async def behaviours(pool: asyncpg.Pool, system: BenchSystem) -> list[dict[str, Any]]:
    network = system.network
    numbers = list(MACHINES) + list(PEOPLE)
    async with voice_runtime(system.settings, pool) as runtime:
        alert_id = await launch(pool, runtime.sounds, numbers, system.workdir)
        await wait_for(
            pool, "SELECT state = 'completed' FROM alerts WHERE id = $1", alert_id, within=300
        )
        prompts = runtime.sounds.host(runtime.sounds.prompts_dir / "fr")
    message: float = await pool.fetchval(
        "SELECT seconds FROM alert_audio WHERE alert_id = $1 AND language = 'fr'", alert_id
    )
    intro, offer = (_wav_seconds(prompts / f"{name}.wav") for name in ("intro", "confirm-offer"))
    rows = await pool.fetch(
        "SELECT substr(cp.phone_e164, 3) AS number, a.* FROM delivery_attempts a "
        "JOIN deliveries d ON d.id = a.delivery_id "
        "JOIN contact_points cp ON cp.id = d.contact_point_id "
        "WHERE d.alert_id = $1 AND a.attempt_number = 1",
        alert_id,
    )
    results = []
    for row in rows:
        number = row["number"]
        result: dict[str, Any] = {
            "number": number,
            "what": MACHINES.get(number) or PEOPLE[number],
            "kind": "machine" if number in MACHINES else "person",
            "amd": f"{row['amd_status']}/{(row['amd_cause'] or '-').split('-')[0]}",
            "greeting_end": row["greeting_end"] or "-",
            "silence": row["silence_before_message"],
            "outcome": row["outcome"],
        }
        if number in MACHINES:
            recording = network.calls(number)[0].recording()  # the first call's
            played = intro + message + (offer if row["greeting_end"] != "beep" else 0.0)
            result["whole"] = (
                recording is not None and abs(recording.audible_seconds - played) <= 0.5
            )
        else:
            # Our first audio, on the clock: the attempt's answer was written when the
            # flow started, amd_seconds after the answer.
            answered = row["answered_at"].timestamp() - row["amd_seconds"]
            (call,) = network.calls(number)
            result["first_audio"] = (
                answered + row["answer_to_audio_seconds"] - words_end(network, call)
            )
            result["amd_seconds"] = row["amd_seconds"]
            result["menu"] = row["keys_pressed"] == "2" and row["outcome"] == "confirmed"
        results.append(result)
    return sorted(results, key=lambda r: (r["kind"], r["number"]))


def _wav_seconds(path: Path) -> float:
    with wave.open(str(path), "rb") as audio:
        return audio.getnframes() / audio.getframerate()


async def watch_loop(stalls: list[float]) -> None:
    """How late a 10 ms sleep wakes up: the event loop's stalls."""
    loop = asyncio.get_running_loop()
    while True:
        before = loop.time()
        await asyncio.sleep(0.01)
        stalls.append(loop.time() - before - 0.01)


async def twenty_at_once(pool: asyncpg.Pool, system: BenchSystem) -> dict[str, float]:
    numbers = system.network.numbers_for("machine")[2:22]
    stalls: list[float] = []
    async with voice_runtime(system.settings, pool) as runtime:
        alert_id = await launch(pool, runtime.sounds, numbers, system.workdir)
        await wait_for(
            pool,
            "SELECT count(*) = 20 FROM delivery_attempts a "
            "JOIN deliveries d ON d.id = a.delivery_id "
            "WHERE d.alert_id = $1 AND a.answered_at IS NOT NULL",
            alert_id,
            within=60,
        )
        watcher = asyncio.create_task(watch_loop(stalls))
        loop = asyncio.get_running_loop()
        start_cpu, start = _cpu(), loop.time()
        await asyncio.sleep(10)  # 20 calls listening for greetings and playing messages
        cpu, wall = _cpu() - start_cpu, loop.time() - start
        watcher.cancel()
        await wait_for(
            pool, "SELECT state = 'completed' FROM alerts WHERE id = $1", alert_id, within=120
        )
    return {
        "cpu_share": cpu / wall,
        "stall_max_ms": max(stalls) * 1000,
        "stall_p99_ms": statistics.quantiles(stalls, n=100)[98] * 1000,
    }


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def table(header: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(line[i]) for line in [header, *rows]) for i in range(len(header))]
    for line in [header, *rows]:
        print("  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)))


def seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def print_tables(results: list[dict[str, Any]], load: dict[str, float]) -> None:
    machines = [r for r in results if r["kind"] == "machine"]
    people = [r for r in results if r["kind"] == "person"]
    print("\nAnswering machines (each stops recording after 5 s of silence)")
    table(
        ["number", "machine", "AMD", "greeting end", "silence s", "whole", "outcome"],
        [
            [r["number"], r["what"], r["amd"], r["greeting_end"], seconds(r["silence"]),
             "yes" if r["whole"] else "NO", r["outcome"]]
            for r in machines
        ],
    )  # fmt: skip
    silences = [r["silence"] for r in machines if r["silence"] is not None]
    whole = sum(r["whole"] for r in machines)
    print(
        f"whole: {whole}/{len(machines)}; silence before the message: "
        f"median {statistics.median(silences):.2f} s, max {max(silences):.2f} s"
    )
    print("\nPeople")
    table(
        ["number", "person", "AMD", "AMD s", "first audio s", "menu", "outcome"],
        [
            [r["number"], r["what"], r["amd"], seconds(r["amd_seconds"]), seconds(r["first_audio"]),
             "yes" if r["menu"] else "NO", r["outcome"]]
            for r in people
        ],
    )  # fmt: skip
    firsts = [r["first_audio"] for r in people if r["first_audio"] is not None]
    menus = sum(r["menu"] for r in people)
    print(
        f"from the end of their first words to our first audio: "
        f"median {statistics.median(firsts):.2f} s; menu and confirmation: {menus}/{len(people)}"
    )
    print("\n20 answering machines at once (10 s while they play and listen)")
    print(
        f"controller CPU: {load['cpu_share'] * 100:.1f} % of one core; event loop stall: "
        f"p99 {load['stall_p99_ms']:.1f} ms, max {load['stall_max_ms']:.1f} ms"
    )


async def run(system: BenchSystem) -> None:
    pool = await asyncpg.create_pool(system.database_url, min_size=2, max_size=10)
    async with pool.acquire() as conn:
        await migrate(conn)
    results = await behaviours(pool, system)
    load = await twenty_at_once(pool, system)
    await pool.close()
    print_tables(results, load)


def main() -> None:
    with bench_system(
        "voicemail", ring_timeout_seconds=20, max_concurrent_calls=20, calls_per_second=20.0
    ) as system:
        asyncio.run(run(system))


if __name__ == "__main__":
    main()
