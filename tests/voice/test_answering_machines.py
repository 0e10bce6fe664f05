"""Answering machines as they really behave, and people who do not sound like "allô":
through the product's Asterisk, call flow and listening, against the simulated network's
voicemails (each stops recording after 5 s of silence and hangs up) and people."""

from __future__ import annotations

import asyncpg
import pytest

from ivr.channels.voice.listening import NO_BEEP_SILENCE
from tests.voice.harness import VoiceHarness

pytestmark = pytest.mark.asterisk

VOICEMAILS = {
    # number: (how its greeting ends, what it is)
    "4189621004": ("beep", "greeting, beep, silence frames while recording"),
    "4189621005": ("silence", "a long greeting, no beep"),
    "4189621013": ("beep", "a 2 s pause inside its greeting, comfort noise"),
    "4189621014": ("beep", "opens like a person answering, then pauses"),
    "4189621015": ("beep", "a double beep, then no audio at all"),
    "4189621016": ("beep", "no audio at all after its beep"),
    "4189621017": ("beep", "a 30 s greeting, a short high beep"),
    "4189621018": ("beep", "fast, loud, a 440 Hz beep, comfort noise"),
    "4189621019": ("no_media", "slow and quiet, no beep, then nothing"),
    "4189621020": ("beep", "in English, a 600 Hz beep"),
}
PEOPLE = {
    "4189621021": "several short phrases in a row",
    "4189621022": "a long first sentence",
    "4189621023": "an answer in a noisy room",
    "4189621024": "a late answer",
    "4189621025": "a quiet speaker",
    "4189621026": "allô, then waits",
}


async def attempts(pool: asyncpg.Pool, alert_id: int) -> dict[str, list[asyncpg.Record]]:
    rows = await pool.fetch(
        "SELECT substr(cp.phone_e164, 3) AS number, a.* "
        "FROM delivery_attempts a JOIN deliveries d ON d.id = a.delivery_id "
        "JOIN contact_points cp ON cp.id = d.contact_point_id "
        "WHERE d.alert_id = $1 ORDER BY a.attempt_number",
        alert_id,
    )
    found: dict[str, list[asyncpg.Record]] = {}
    for row in rows:
        found.setdefault(row["number"], []).append(row)
    return found


async def test_every_voicemail_keeps_the_whole_message(voice: VoiceHarness) -> None:
    alert_id = await voice.send_alert(list(VOICEMAILS))
    await voice.wait_completed(alert_id, within=240)
    seen = await attempts(voice.pool, alert_id)
    for number, (greeting_end, what) in VOICEMAILS.items():
        (attempt,) = seen[number]  # whole the first time: never called again
        assert attempt["outcome"] == "voicemail_complete", (what, dict(attempt))
        assert attempt["greeting_end"] == greeting_end, what
        # A beep heard while a "person" was played to: it was a machine after all.
        assert attempt["beep_during_playback"] == (attempt["amd_status"] == "HUMAN"), what
        silence = attempt["silence_before_message"]
        limit = 2.0 if greeting_end == "beep" else NO_BEEP_SILENCE + 0.5
        assert 0 <= silence <= limit, (what, silence)
        assert attempt["greeting_wait_seconds"] is not None, what
        assert 0 < attempt["answer_to_audio_seconds"] < 60, what
        assert 0 <= attempt["amd_seconds"] <= 6, what
        (call,) = voice.network.calls(number)
        recording = call.recording()
        assert recording is not None, what
        # It kept the introduction and the whole message (and the offer to confirm
        # when no beep proved a machine), although it stops after 5 s of silence.
        played = await voice.played_seconds(alert_id, "fr", offer=greeting_end != "beep")
        assert abs(recording.audible_seconds - played) <= 0.5, (what, recording, played)


async def test_people_who_do_not_sound_like_allo_get_the_menu_and_confirm(
    voice: VoiceHarness,
) -> None:
    alert_id = await voice.send_alert(list(PEOPLE))
    await voice.wait_completed(alert_id, within=180)
    seen = await attempts(voice.pool, alert_id)
    for number, what in PEOPLE.items():
        (attempt,) = seen[number]
        # Taken for a person, or for a machine and then offered to confirm: either way
        # they press 2 when asked, and it counts.
        assert (attempt["outcome"], attempt["keys_pressed"]) == ("confirmed", "2"), (
            what,
            attempt["amd_status"],
            attempt["amd_cause"],
        )
        assert attempt["beep_during_playback"] is False, what
        # Details as they happened: no greeting waited for a person; for a person taken
        # for a machine, a greeting's end that was no beep (so the offer came).
        if attempt["amd_status"] == "HUMAN":
            assert attempt["greeting_end"] is None, what
            assert attempt["silence_before_message"] is None, what
        else:
            assert attempt["greeting_end"] in ("silence", "no_media"), what
        assert 0 < attempt["answer_to_audio_seconds"] < 60, what
        (call,) = voice.network.calls(number)
        assert call.spoke_at is not None, what
        assert call.keys == "2", what
        assert call.recording() is None, what
