"""Alerts through the JSON API, from draft to launch, each answer as documented."""

from __future__ import annotations

import json
from datetime import datetime

from ivr.domain.alerts import Content
from ivr.storage import alerts
from tests.api.conftest import NEW_ALERT, Api, add_staff, assert_fits, error_of, snapshot


async def test_draft_with_contents(api: Api) -> None:
    token = await api.token("a@test.example", "alerts:write", "alerts:read")
    response = await api.call("POST", "/alerts", token, json=NEW_ALERT)
    assert response.status == 201, await response.text()
    body = await response.json()
    assert_fits(body, "Alert")
    assert response.headers["Location"] == f"/api/v1/alerts/{body['id']}"
    assert (body["state"], body["sector_codes"], body["drafted_by"]) == (
        "draft",
        ["sud"],
        api.town.author,
    )
    assert body["title"] == "Avis d'ébullition"
    assert body["contents"]["en"]["sms_text"] == "Boil water before drinking it."
    assert body["contents"]["fr"]["voice_text"] == "Faites bouillir l'eau."
    stored = await alerts.get_contents(api.db, body["id"])
    assert set(stored) == {"fr", "en"}
    audit = await api.db.fetchrow(
        "SELECT staff_id, subject, details FROM audit_log WHERE action = 'api.alert.draft'"
    )
    assert audit is not None
    token_id = await api.db.fetchval("SELECT id FROM api_tokens")
    assert (audit["staff_id"], audit["subject"]) == (api.town.author, f"alert:{body['id']}")
    assert json.loads(audit["details"]) == {"token_id": token_id}
    assert await api.db.fetchval("SELECT count(*) FROM audit_log WHERE action = 'alert.draft'")


async def test_draft_for_everyone_scheduled_later(api: Api) -> None:
    token = await api.token("a@test.example", "alerts:write")
    values = {
        "title": "Exercice",
        "category": "exercise",
        "urgency": "low",
        "target_all": True,
        "scheduled_at": "2030-05-01T14:00:00-04:00",
    }
    response = await api.call("POST", "/alerts", token, json=values)
    assert response.status == 201, await response.text()
    body = await response.json()
    assert body["target_all"] is True
    assert body["scheduled_at"] == "2030-05-01T18:00:00+00:00"
    assert body["contents"] == {}


async def test_refused_drafts_are_422_and_leave_nothing(api: Api) -> None:
    token = await api.token("a@test.example", "alerts:write")
    before = await snapshot(api.db)
    cases = [
        ({**NEW_ALERT, "sector_codes": ["nowhere"]}, "Unknown sector: nowhere"),
        ({**NEW_ALERT, "title": "   "}, "The title is empty"),
        ({**NEW_ALERT, "sector_codes": []}, "Choose at least one sector"),
        ({**NEW_ALERT, "follow_up_of": 999}, "already launched"),
        (
            {**NEW_ALERT, "contents": {"fr": {"email_subject": "Deux\nlignes"}}},
            "single line",
        ),
    ]
    for values, message in cases:
        error = await error_of(await api.call("POST", "/alerts", token, json=values), 422)
        assert error["code"] == "unprocessable"
        assert message in error["message_en"]
        assert error["message_fr"] != error["message_en"]
    assert await snapshot(api.db) == before


async def test_list_newest_first_with_counts(api: Api) -> None:
    first = await api.town.alert("sud")
    second = await api.town.alert("nord", launch=False)
    token = await api.token("b@test.example", "alerts:read")
    response = await api.call("GET", "/alerts", token)
    body = await response.json()
    assert_fits(body, "AlertList")
    assert [a["id"] for a in body["alerts"]] == [second, first]
    launched = body["alerts"][1]
    assert launched["deliveries"] == {
        "pending": 1,
        "in_progress": 0,
        "done": 0,
        "failed": 0,
        "cancelled": 0,
        "total": 1,
    }
    one = await (await api.call("GET", "/alerts?limit=1", token)).json()
    assert [a["id"] for a in one["alerts"]] == [second]
    for query in ("limit=0", "limit=101", "limit=x", "limit=1.5", "colour=red"):
        error = await error_of(await api.call("GET", f"/alerts?{query}", token), 400)
        assert query.split("=")[0] in error["message_en"]


async def test_get_one_alert_with_progress(api: Api) -> None:
    alert_id = await api.town.alert("sud")
    token = await api.token("b@test.example", "alerts:read")
    body = await (await api.call("GET", f"/alerts/{alert_id}", token)).json()
    assert_fits(body, "Alert")
    assert body["state"] == "sending"
    assert body["progress"] == [
        {"channel": "email", "state": "pending", "outcome": "", "deliveries": 1, "attempts": 0}
    ]
    for missing in (alert_id + 1, 2**63, 10**25):
        error = await error_of(await api.call("GET", f"/alerts/{missing}", token), 404)
        assert error["code"] == "not_found"


async def test_replace_a_language_keeps_staff_recording(api: Api) -> None:
    alert_id = await api.town.alert("sud", launch=False)
    async with api.db.acquire() as conn:
        recorded = Content("en", sms_text="Old.", voice_recording="alerts/recorded-en.wav")
        await alerts.set_content(conn, alert_id, recorded)
    token = await api.token("a@test.example", "alerts:write")
    text = {"sms_text": "New text ✓.", "voice_text": "New text."}
    response = await api.call("PUT", f"/alerts/{alert_id}/contents/en", token, json=text)
    assert response.status == 200, await response.text()
    body = await response.json()
    assert_fits(body, "Alert")
    assert body["contents"]["en"] == {
        "sms_text": "New text ✓.",
        "email_subject": None,
        "email_body": None,
        "voice_recording": "alerts/recorded-en.wav",
        "voice_text": "New text.",
    }
    details = await api.db.fetchval(
        "SELECT details FROM audit_log WHERE action = 'api.alert.content'"
    )
    assert json.loads(details)["language"] == "en"


async def test_content_of_an_approved_alert_is_409(api: Api) -> None:
    alert_id = await api.town.alert("sud", launch=False)
    async with api.db.acquire() as conn:
        await alerts.approve(conn, alert_id, api.town.approver)
    token = await api.token("a@test.example", "alerts:write")
    before = await snapshot(api.db)
    response = await api.call("PUT", f"/alerts/{alert_id}/contents/fr", token, json={})
    error = await error_of(response, 409)
    assert "Only a draft" in error["message_en"]
    assert await snapshot(api.db) == before


async def test_audience_counts_without_names(api: Api) -> None:
    alert_id = await api.town.alert("sud", launch=False)
    await api.town.member(await api.town.household("sud"))  # no contact at all
    token = await api.token("b@test.example", "alerts:read")
    response = await api.call("GET", f"/alerts/{alert_id}/audience", token)
    body = await response.json()
    assert_fits(body, "Audience")
    assert body == {
        "alert_id": alert_id,
        "total": 1,
        "in_service": ["sms"],
        "counts": [
            {
                "sector_code": "sud",
                "name_fr": "Sud",
                "name_en": "South",
                "channel": "email",
                "deliveries": 1,
                "in_service": False,
            }
        ],
        "unreachable": 2,  # that one, and the first by email, which is not in service
    }


async def test_two_person_rule_holds_through_the_api(api: Api) -> None:
    """The drafter's token cannot approve while another approver exists; theirs can."""
    drafter = await api.token("b@test.example")
    response = await api.call("POST", "/alerts", drafter, json=NEW_ALERT)
    alert_id = (await response.json())["id"]
    await add_staff(api.db, "c@test.example", "approver")
    error = await error_of(await api.call("POST", f"/alerts/{alert_id}/approve", drafter), 409)
    assert error["code"] == "conflict"
    assert "Someone other than its author" in error["message_en"]
    assert "Une autre personne" in error["message_fr"]
    assert (await alerts.get_alert(api.db, alert_id)).state == "draft"

    other = await api.token("c@test.example", "alerts:send")
    response = await api.call("POST", f"/alerts/{alert_id}/approve", other, json={})
    assert response.status == 200, await response.text()
    body = await response.json()
    assert_fits(body, "Approval")
    assert body == {"alert_id": alert_id, "state": "approved", "self_approved": False}
    again = await api.call("POST", f"/alerts/{alert_id}/approve", other)
    assert "cannot become" in (await error_of(again, 409))["message_en"]


async def test_approval_needs_french_on_every_channel(api: Api) -> None:
    alert_id = await api.town.alert("sud", contents=(), launch=False)
    token = await api.token("b@test.example", "alerts:send")
    error = await error_of(await api.call("POST", f"/alerts/{alert_id}/approve", token), 409)
    assert "French content is missing" in error["message_en"]


async def test_launch_then_follow_the_attempts(api: Api) -> None:
    """Launched with only SMS in service: the one email delivery ends at once, the alert
    completes, nothing is sent."""
    alert_id = await api.town.alert("sud", launch=False)
    token = await api.token("b@test.example", "alerts:send", "alerts:read")
    draft = await api.call("POST", f"/alerts/{alert_id}/launch", token)
    assert "cannot become" in (await error_of(draft, 409))["message_en"]
    await api.call("POST", f"/alerts/{alert_id}/approve", token)

    response = await api.call("POST", f"/alerts/{alert_id}/launch", token)
    assert response.status == 200, await response.text()
    body = await response.json()
    assert_fits(body, "Launch")
    assert body == {
        "alert_id": alert_id,
        "state": "completed",
        "deliveries": 1,
        "channel_unavailable": {"voice": 0, "sms": 0, "email": 1},
    }
    audio = await api.db.fetch("SELECT language, created_at FROM alert_audio ORDER BY 1")
    assert [r["language"] for r in audio] == ["fr"]
    again = await api.call("POST", f"/alerts/{alert_id}/launch", token)
    assert "cannot become" in (await error_of(again, 409))["message_en"]
    assert await api.db.fetch("SELECT language, created_at FROM alert_audio ORDER BY 1") == audio
    actions = await api.db.fetch(
        "SELECT action, details FROM audit_log WHERE action LIKE 'api.%' ORDER BY id"
    )
    assert [r["action"] for r in actions] == ["api.alert.approve", "api.alert.launch"]
    assert json.loads(actions[1]["details"])["deliveries"] == 1

    delivery = await api.db.fetchval("SELECT id FROM deliveries WHERE alert_id = $1", alert_id)
    await api.db.execute(
        "INSERT INTO delivery_attempts (delivery_id, attempt_number, outcome, detail) "
        "VALUES ($1, 1, 'undeliverable', 'rcpt: 550 5.1.1 <p1@test.example> unknown')",
        delivery,
    )
    response = await api.call("GET", f"/alerts/{alert_id}/attempts", token)
    text = await response.text()
    body = json.loads(text)
    assert_fits(body, "Attempts")
    [attempt] = body["attempts"]
    assert (attempt["channel"], attempt["outcome"], attempt["relay_answer"]) == (
        "email",
        "undeliverable",
        "rcpt: 550 5.1.1",
    )
    assert "test.example" not in text


async def test_launch_at_a_time(api: Api) -> None:
    alert_id = await api.town.alert("sud", launch=False)
    token = await api.token("b@test.example", "alerts:send")
    await api.call("POST", f"/alerts/{alert_id}/approve", token)
    at = "2030-05-01T14:00:00-04:00"
    response = await api.call("POST", f"/alerts/{alert_id}/launch", token, json={"at": at})
    assert response.status == 200, await response.text()
    assert (await response.json())["deliveries"] == 1
    expected = datetime.fromisoformat(at)
    assert (await alerts.get_alert(api.db, alert_id)).scheduled_at == expected
    due = await api.db.fetchval(
        "SELECT next_attempt_at FROM deliveries WHERE alert_id = $1", alert_id
    )
    assert due == expected
    details = await api.db.fetchval(
        "SELECT details FROM audit_log WHERE action = 'api.alert.launch'"
    )
    assert json.loads(details)["at"] == at


async def test_launch_without_its_phone_audio_is_refused(api: Api) -> None:
    recording = Content("fr", "Avis.", "Avis", "Corps.", voice_recording="alerts/missing.wav")
    alert_id = await api.town.alert("sud", contents=(recording,), launch=False)
    token = await api.token("b@test.example", "alerts:send")
    await api.call("POST", f"/alerts/{alert_id}/approve", token)
    error = await error_of(await api.call("POST", f"/alerts/{alert_id}/launch", token), 409)
    assert "phone message could not be made" in error["message_en"]
    assert "missing.wav" not in str(error)
    assert (await alerts.get_alert(api.db, alert_id)).state == "approved"
    assert await api.db.fetchval("SELECT count(*) FROM deliveries") == 0


async def test_cancel(api: Api) -> None:
    alert_id = await api.town.alert("sud")
    token = await api.token("b@test.example", "alerts:send")
    response = await api.call("POST", f"/alerts/{alert_id}/cancel", token)
    body = await response.json()
    assert_fits(body, "Cancellation")
    assert body == {"alert_id": alert_id, "state": "cancelled", "deliveries_cancelled": 1}
    again = await api.call("POST", f"/alerts/{alert_id}/cancel", token)
    assert "cannot become" in (await error_of(again, 409))["message_en"]
    details = await api.db.fetchval(
        "SELECT details FROM audit_log WHERE action = 'api.alert.cancel'"
    )
    token_id = await api.db.fetchval("SELECT id FROM api_tokens")
    assert json.loads(details) == {"token_id": token_id, "deliveries": 1}


async def test_sectors(api: Api) -> None:
    token = await api.token("a@test.example", "sectors:read")
    body = await (await api.call("GET", "/sectors", token)).json()
    assert_fits(body, "SectorList")
    assert {"code": "nord-est", "community": "uashat", "name_fr": "Nord-est",
            "name_en": "North-east", "parent_code": "nord"} in body["sectors"]  # fmt: skip
    assert [s["code"] for s in body["sectors"]] == ["nord", "nord-est", "nord-ouest", "sud"]
