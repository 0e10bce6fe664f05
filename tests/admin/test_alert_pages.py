"""Composing, approving, launching and following an alert on the admin pages, with
the rules and audit of the command line (the same functions run underneath)."""

from __future__ import annotations

import asyncio
import csv
import dataclasses
import io
import json
import re
import wave
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
import asyncpg
import pytest
from aiohttp.test_utils import TestClient, TestServer

from ivr.config import Settings
from ivr.web.app import create_app
from tests.admin.conftest import PASSWORD, SECRET_KEY, STAFF, Clients, compose, post
from tests.web.conftest import csrf_token_in, login, origin

pytestmark = pytest.mark.asterisk


async def test_compose_from_a_template_fills_both_languages_and_counts_the_audience(
    signed_in: Clients, db: asyncpg.Pool
) -> None:
    operator = await signed_in("operator")
    form = await (await operator.get("/admin/alerts/new")).text()
    assert 'name="sector" value="uashat-nord"' in form
    audience = await operator.get(
        "/admin/audience", params=[("category", "boil_water"), ("sector", "uashat-nord")]
    )
    counted = await audience.json()
    assert counted["people"] > 0 and counted["voice"] > 0
    assert counted["text"].startswith(f"{counted['people']} personnes : {counted['voice']} appels")
    nothing = await (
        await operator.get("/admin/audience", params={"category": "boil_water"})
    ).json()
    assert "Choisissez au moins un secteur" in nothing["error"]
    # The no-JavaScript "count" button: the same figures, nothing saved.
    counted_page = await post(operator, "/admin/alerts/new",
                              [("category", "boil_water"), ("sector", "uashat-nord"),
                               ("count", "1")], token_from="/admin/alerts/new")  # fmt: skip
    assert f"{counted['people']} personnes" in await counted_page.text()
    assert await db.fetchval("SELECT count(*) FROM alerts") == 0

    alert_id = await compose(
        operator, ("sector", "uashat-nord"), ("details", "Point d'eau au gymnase.")
    )
    contents = {r["language"]: r for r in await db.fetch(
        "SELECT * FROM alert_contents WHERE alert_id = $1", alert_id)}  # fmt: skip
    assert set(contents) == {"fr", "en"}
    assert "Uashat nord" in contents["fr"]["sms_text"]
    assert "Point d'eau au gymnase." in contents["fr"]["email_body"]
    assert "Uashat North" in contents["en"]["email_subject"]
    page = await (await operator.get(f"/admin/alerts/{alert_id}")).text()
    assert "Brouillon" in page and "Approuver" not in page  # an operator does not approve
    assert re.search(r"\d+ caractères, 1 texto\(s\), GSM-7", page)


async def test_roles_the_two_person_rule_and_csrf(signed_in: Clients, db: asyncpg.Pool) -> None:
    operator, approver = await signed_in("operator"), await signed_in("approver")
    alert_id = await compose(approver, ("sector", "uashat-nord"))
    page = f"/admin/alerts/{alert_id}"
    # An operator can neither approve nor launch nor cancel.
    for action in ("approve", "launch", "cancel"):
        refused = await post(operator, f"{page}/{action}", [], token_from=page)
        assert refused.status == 403, action
    # The drafter cannot approve while another approver exists (unless-alone).
    own = await post(approver, f"{page}/approve", [], token_from=page)
    assert own.status == 409
    assert "Une autre personne que l&#39;auteur doit approuver" in await own.text()
    # A form without the CSRF token is refused.
    admin = await signed_in("admin")
    forged = await admin.post(f"{page}/approve", data={}, allow_redirects=False)
    assert forged.status == 403
    assert await db.fetchval("SELECT state FROM alerts WHERE id = $1", alert_id) == "draft"
    approved = await post(admin, f"{page}/approve", [], token_from=page)
    assert approved.status == 303 and "alert.approved" in approved.headers["Location"]
    assert await db.fetchval("SELECT state FROM alerts WHERE id = $1", alert_id) == "approved"
    launched = await post(operator, f"{page}/launch", [("when", "now")], token_from=page)
    assert launched.status == 403


async def test_launch_report_not_reached_and_csv(signed_in: Clients, db: asyncpg.Pool) -> None:
    operator, approver = await signed_in("operator"), await signed_in("approver")
    alert_id = await compose(operator, ("sector", "uashat-nord"))
    page = f"/admin/alerts/{alert_id}"
    assert (await post(approver, f"{page}/approve", [], token_from=page)).status == 303
    launched = await post(approver, f"{page}/launch", [("when", "now")], token_from=page)
    assert launched.status == 303 and launched.headers["Location"] == f"{page}/report"
    deliveries = await db.fetchval("SELECT count(*) FROM deliveries WHERE alert_id = $1", alert_id)
    assert deliveries > 0
    # Half the deliveries reached, the rest failed: what the report and lists show.
    await db.execute(
        "UPDATE deliveries SET state = CASE WHEN id % 2 = 0 THEN 'done' ELSE 'failed' END, "
        "last_outcome = CASE WHEN id % 2 = 0 THEN 'listened' ELSE 'no_answer' END, "
        "attempts = 1 WHERE alert_id = $1", alert_id,
    )  # fmt: skip
    report = await (await operator.get(f"{page}/report")).text()
    assert f"(l&#39;alerte en compte {deliveries})" in report
    assert "Personnes non jointes" in report
    failed = await (await operator.get(f"{page}/report", params={"status": "failed"})).text()
    assert "listened" not in failed and "no_answer" in failed
    missed = await (await operator.get(f"{page}/not-reached")).text()
    assert "<h2" in missed and "uashat-nord" in missed
    exported = await operator.get(f"{page}/report.csv")
    assert exported.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO((await exported.read()).decode("utf-8-sig"))))
    assert rows[0][:4] == ["delivery", "channel", "state", "outcome"]
    assert len(rows) == deliveries + 1
    audited = await db.fetch(
        "SELECT action FROM audit_log WHERE subject = $1 ORDER BY id", f"alert:{alert_id}"
    )
    actions = [r["action"] for r in audited]
    assert actions.count("alert.export") == 1
    assert "personal_data.read" in actions and "alert.launch" in actions


async def test_live_counts_stream_until_the_alert_completes(
    signed_in: Clients, db: asyncpg.Pool
) -> None:
    operator, approver = await signed_in("operator"), await signed_in("approver")
    alert_id = await compose(operator, ("sector", "uashat-nord"))
    page = f"/admin/alerts/{alert_id}"
    await post(approver, f"{page}/approve", [], token_from=page)
    await post(approver, f"{page}/launch", [("when", "now")], token_from=page)
    stream = await operator.get(f"{page}/events")
    assert stream.headers["Content-Type"] == "text/event-stream"
    first = json.loads((await stream.content.readline()).decode().removeprefix("data: "))
    assert first["state"] == "sending" and first["counts"]["voice"]["pending"] > 0
    await stream.content.readline()
    await db.execute("UPDATE deliveries SET state = 'done', last_outcome = 'listened' "
                     "WHERE alert_id = $1", alert_id)  # fmt: skip
    await db.execute("UPDATE alerts SET state = 'completed', completed_at = now() WHERE id = $1",
                     alert_id)  # fmt: skip
    events: list[dict[str, Any]] = []
    async for line in stream.content:
        if line.startswith(b"data: "):
            events.append(json.loads(line.decode().removeprefix("data: ")))
    assert events[-1]["state"] == "completed"
    assert events[-1]["counts"]["voice"]["reached"] == first["counts"]["voice"]["total"]


async def test_markup_in_alert_texts_is_shown_inert(signed_in: Clients, db: asyncpg.Pool) -> None:
    operator = await signed_in("operator")
    alert_id = await compose(operator, ("sector", "uashat-nord"),
                             ("title", "<script>alert(1)</script>"))  # fmt: skip
    page = f"/admin/alerts/{alert_id}"
    saved = await post(operator, f"{page}/contents/fr", [
        ("sms_text", "Avis <img src=x onerror=alert(2)>"), ("email_subject", "Objet"),
        ("email_body", "<b>gras</b>"), ("voice_text", "Bonjour."),
    ], token_from=page)  # fmt: skip
    assert saved.status == 303
    html = await (await operator.get(page)).text()
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)" in html
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(2)&gt;" in html
    listing = await (await operator.get("/admin/alerts")).text()
    assert "<script>alert(1)" not in listing


async def test_follow_up_all_clear_and_launch_at_a_time(
    signed_in: Clients, db: asyncpg.Pool
) -> None:
    operator, approver = await signed_in("operator"), await signed_in("approver")
    alert_id = await compose(operator, ("sector", "uashat-nord"))
    page = f"/admin/alerts/{alert_id}"
    await post(approver, f"{page}/approve", [], token_from=page)
    past = (datetime.now(ZoneInfo("America/Toronto")) - timedelta(hours=1)).strftime(
        "%Y-%m-%dT%H:%M"
    )
    late = await post(approver, f"{page}/launch", [("when", "at"), ("at", past)], token_from=page)
    assert late.status == 400 and "dans l&#39;avenir" in await late.text()
    soon = datetime.now(ZoneInfo("America/Toronto")) + timedelta(hours=2)
    at = await post(approver, f"{page}/launch", [("when", "at"),
                                                 ("at", soon.strftime("%Y-%m-%dT%H:%M"))],
                    token_from=page)  # fmt: skip
    assert at.status == 303
    due = await db.fetch("SELECT DISTINCT next_attempt_at FROM deliveries WHERE alert_id = $1",
                         alert_id)  # fmt: skip
    assert len(due) == 1
    assert (
        abs((due[0]["next_attempt_at"] - soon.replace(second=0, microsecond=0)).total_seconds()) < 1
    )
    # The all clear for the same people, in one click: a draft that follows this one.
    clear = await post(operator, f"{page}/follow-up", [("kind", "all_clear")], token_from=page)
    assert clear.status == 303
    draft = int(clear.headers["Location"].rsplit("/", 1)[1])
    row = await db.fetchrow("SELECT category, follow_up_of, state FROM alerts WHERE id = $1", draft)
    assert row is not None
    assert dict(row) == {
        "category": "boil_water_lifted",
        "follow_up_of": alert_id,
        "state": "draft",
    }
    text = await db.fetchval("SELECT sms_text FROM alert_contents WHERE alert_id = $1 "
                             "AND language = 'fr'", draft)  # fmt: skip
    assert "Uashat nord" in text


async def test_sms_size_email_preview_and_the_voice_message(
    signed_in: Clients, db: asyncpg.Pool
) -> None:
    operator = await signed_in("operator")
    info = await (
        await operator.get("/admin/sms-info", params={"text": "Ça presse « vite »"})
    ).json()
    assert (info["encoding"], info["parts"]) == ("UCS-2", 1)
    alert_id = await compose(operator, ("sector", "uashat-nord"))
    preview = await operator.get(f"/admin/alerts/{alert_id}/email/fr")
    assert preview.status == 200
    assert "style-src 'unsafe-inline'" in preview.headers["Content-Security-Policy"]
    assert "script" not in preview.headers["Content-Security-Policy"]
    assert "Uashat nord" in await preview.text()
    spoken = await operator.get(f"/admin/alerts/{alert_id}/audio/fr")
    assert spoken.status == 200 and spoken.headers["Content-Type"] == "audio/wav"
    assert (await spoken.read())[:4] == b"RIFF"


@pytest.mark.parametrize("suffix", [".wav", ".m4a", ".webm"])
async def test_a_recording_in_any_common_format_becomes_the_voice_message(
    signed_in: Clients, db: asyncpg.Pool, tmp_path: Path, suffix: str
) -> None:
    """A WAV, a phone's voice memo (M4A, AAC) or a browser's recording (WebM, Opus):
    kept as uploaded, played back converted as the phone will play it."""
    recording = tmp_path / f"message{suffix}"
    process = await asyncio.create_subprocess_exec(
        "ffmpeg", "-nostdin", "-loglevel", "error", "-f", "lavfi",
        "-i", "sine=frequency=440:duration=2", str(recording),
    )  # fmt: skip
    assert await process.wait() == 0
    operator = await signed_in("operator")
    alert_id = await compose(operator, ("sector", "uashat-nord"))
    page = f"/admin/alerts/{alert_id}"
    token = csrf_token_in(await (await operator.get(page)).text())
    form = aiohttp.FormData()
    form.add_field("csrf_token", token)
    form.add_field("recording", recording.read_bytes(), filename=recording.name,
                   content_type="application/octet-stream")  # fmt: skip
    uploaded = await operator.post(
        f"{page}/recording/innu", data=form, headers={"Origin": origin(operator)},
        allow_redirects=False,
    )  # fmt: skip
    assert uploaded.status == 303, await uploaded.text()
    stored = await db.fetchval("SELECT voice_recording FROM alert_contents WHERE alert_id = $1 "
                               "AND language = 'innu'", alert_id)  # fmt: skip
    assert stored.startswith("uploads/") and stored.endswith(suffix)
    played = await operator.get(f"{page}/audio/innu")
    assert played.status == 200
    with wave.open(io.BytesIO(await played.read())) as audio:
        assert audio.getframerate() == 8000 and audio.getnchannels() == 1
        assert 1.8 < audio.getnframes() / 8000 < 2.3


async def test_pages_of_an_alert_on_one_channel_only(signed_in: Clients, db: asyncpg.Pool) -> None:
    """A channel with no delivery shows zeros (found by the admin benchmark: the page
    failed when one channel had none)."""
    operator, approver = await signed_in("operator"), await signed_in("approver")
    alert_id = await compose(operator, ("sector", "uashat-nord"))
    page = f"/admin/alerts/{alert_id}"
    await post(approver, f"{page}/approve", [], token_from=page)
    await post(approver, f"{page}/launch", [("when", "now")], token_from=page)
    await db.execute("DELETE FROM deliveries WHERE alert_id = $1 AND channel <> 'voice'", alert_id)
    for path in (page, f"{page}/report", "/admin/"):
        response = await operator.get(path)
        assert response.status == 200, path
        assert '<td data-count="email.total">0</td>' in await response.text(), path


async def test_map_tiles_from_the_settings_and_only_their_origin(
    db: asyncpg.Pool, pbx_settings: Settings, staff_ids: dict[str, int]
) -> None:
    settings = dataclasses.replace(
        pbx_settings, secret_key=SECRET_KEY,
        map_tiles_url="https://tuiles.itum.example/{z}/{x}/{y}.png",
        map_tiles_attribution="© Cartes ITUM",
    )  # fmt: skip
    async with TestClient(TestServer(create_app(settings, db))) as client:
        await login(client, STAFF["operator"], PASSWORD)
        page = await client.get("/admin/alerts/new")
        html = await page.text()
        assert 'data-tiles="https://tuiles.itum.example/{z}/{x}/{y}.png"' in html
        policy = page.headers["Content-Security-Policy"]
        assert "img-src 'self' https://tuiles.itum.example;" in policy
        assert "script-src 'self';" in policy


async def test_a_phone_recording_is_listed_playable_and_downloadable(
    signed_in: Clients, db: asyncpg.Pool, pbx_settings: Settings, staff_ids: dict[str, int]
) -> None:
    approver_client, operator = await signed_in("approver"), await signed_in("operator")
    alert_id = await compose(operator, ("sector", "uashat-nord"))
    kept = pbx_settings.data_dir / "recordings" / "phone" / f"alert-{alert_id}-innu.wav"
    kept.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(kept), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(b"\x01\x00" * 8000 * 3)
    recording = await db.fetchval(
        "INSERT INTO phone_recordings (alert_id, language, path, seconds, recorded_by) "
        "VALUES ($1, 'innu', $2, 3.0, $3) RETURNING id",
        alert_id, f"phone/{kept.name}", staff_ids["operator"],
    )  # fmt: skip
    page = await (await approver_client.get(f"/admin/alerts/{alert_id}")).text()
    assert "Enregistrements par téléphone" in page and "3.0 s" in page and "Operator" in page
    listened = await approver_client.get(f"/admin/alerts/{alert_id}/phone-recordings/{recording}")
    assert listened.status == 200 and await listened.read() == kept.read_bytes()
    downloaded = await approver_client.get(
        f"/admin/alerts/{alert_id}/phone-recordings/{recording}?download=1"
    )
    assert downloaded.headers["Content-Disposition"].startswith("attachment")
    other = await compose(operator, ("sector", "uashat-nord"))
    assert (
        await approver_client.get(f"/admin/alerts/{other}/phone-recordings/{recording}")
    ).status == 404
