"""Bad input is a 400 that names what is wrong, in both languages, never a 500, and
nothing changes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio

from tests.api.conftest import NEW_ALERT, Api, error_of, snapshot

JSON = {"Content-Type": "application/json"}


def raw(text: str | bytes, content_type: str = "application/json") -> dict[str, Any]:
    """Keyword arguments sending ``text`` as the body, as is."""
    data = text.encode() if isinstance(text, str) else text
    return {"data": data, "headers": {"Content-Type": content_type}}


def new_alert(**changes: Any) -> dict[str, Any]:
    return {"json": {**NEW_ALERT, **changes}}


BAD_DRAFTS: list[tuple[str, dict[str, Any], str]] = [
    ("truncated", raw('{"title": "A'), "not valid JSON"),
    ("not utf-8", raw(b'{"title": "\xff"}'), "not valid JSON"),
    ("NaN", raw('{"title": NaN}'), "not valid JSON"),
    ("too deep", raw("[" * 30_000 + "]" * 30_000), "not valid JSON"),
    ("array", raw("[1, 2]"), "must be a JSON object"),
    ("string", raw('"title"'), "must be a JSON object"),
    ("null", raw("null"), "must be a JSON object"),
    ("empty", raw(""), "not valid JSON"),
    ("text/plain", raw('{"title": "A"}', "text/plain"), "Content-Type: application/json"),
    ("form", raw("title=A", "application/x-www-form-urlencoded"), "application/json"),
    ("latin-1", raw('{"title": "A"}', "application/json; charset=latin-1"), "in UTF-8"),
    ("duplicate", raw('{"title": "A", "title": "B"}'), "Duplicate field: 'title'"),
    ("unknown field", new_alert(colour="red"), "Unknown field: 'colour'"),
    ("unknown nested", new_alert(contents={"fr": {"fax": "x"}}), "'contents.fr.fax'"),
    ("unknown language", new_alert(contents={"innu": {}}), "'contents.innu'"),
    ("missing title", {"json": {"category": "other", "urgency": "low"}}, "'title'"),
    ("title number", new_alert(title=5), "'title' must be a string"),
    ("title null", new_alert(title=None), "'title' must be a string"),
    ("target_all text", new_alert(target_all="yes"), "'target_all' must be true or false"),
    ("sectors text", new_alert(sector_codes="sud"), "'sector_codes' must be an array"),
    ("sector number", new_alert(sector_codes=["sud", 3]), "'sector_codes[1]'"),
    ("urgency", new_alert(urgency="extreme"), "Value not allowed for 'urgency'"),
    ("follow_up_of bool", new_alert(follow_up_of=True), "'follow_up_of' must be an integer"),
    ("follow_up_of float", new_alert(follow_up_of=1.0), "'follow_up_of' must be an integer"),
    ("follow_up_of huge", new_alert(follow_up_of=2**64), "'follow_up_of' must be between"),
    ("NUL", new_alert(title="A\u0000B"), "Control or invalid character in 'title'"),
    ("escape", new_alert(title="A\u001b[31m"), "Control or invalid character in 'title'"),
    ("lone surrogate", raw('{"title": "\\ud800"}'), "Control or invalid character"),
    ("long title", new_alert(title="A" * 201), "'title' must have 1 to 200 characters"),
    ("empty sms", new_alert(contents={"fr": {"sms_text": ""}}), "'contents.fr.sms_text'"),
    ("naive time", new_alert(scheduled_at="2030-05-01T14:00:00"), "with its offset"),
    ("not a time", new_alert(scheduled_at="tomorrow"), "'scheduled_at'"),
    ("64 KiB", new_alert(title="A" * 70_000), "Body too large"),
    ("300 KiB", raw(" " * 300_000), "Body too large"),
]


@pytest_asyncio.fixture
async def writer(api: Api) -> AsyncIterator[str]:
    yield await api.token("b@test.example")


@pytest.mark.parametrize(
    ("case", "request_kwargs", "message"), BAD_DRAFTS, ids=[c[0] for c in BAD_DRAFTS]
)
async def test_bad_drafts_are_400_and_change_nothing(
    api: Api, writer: str, case: str, request_kwargs: dict[str, Any], message: str
) -> None:
    before = await snapshot(api.db)
    response = await api.call("POST", "/alerts", writer, **request_kwargs)
    error = await error_of(response, 400)
    assert error["code"] == "bad_request"
    assert message in error["message_en"], error
    assert await snapshot(api.db) == before


async def test_a_body_sent_in_chunks_is_bounded_too(api: Api, writer: str) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(100):
            yield b" " * 1024

    response = await api.call("POST", "/alerts", writer, data=chunks(), headers=JSON)
    assert "Body too large" in (await error_of(response, 400))["message_en"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"sms_text": 1}, "'sms_text' must be a string or null"),
        ({"voice_recording": "alerts/x.wav"}, "Unknown field: 'voice_recording'"),
        ({"sms_text": "A", "sms_text ": "B"}, "Unknown field: 'sms_text '"),
        ({"email_body": "x" * 5001}, "'email_body' must have 1 to 5000 characters"),
    ],
)
async def test_bad_contents_are_400_and_change_nothing(
    api: Api, writer: str, body: dict[str, Any], message: str
) -> None:
    alert_id = await api.town.alert("sud", launch=False)
    before = await snapshot(api.db)
    response = await api.call("PUT", f"/alerts/{alert_id}/contents/fr", writer, json=body)
    assert message in (await error_of(response, 400))["message_en"]
    assert await snapshot(api.db) == before


@pytest.mark.parametrize("action", ["approve", "launch", "cancel"])
@pytest.mark.parametrize(
    ("request_kwargs", "message"),
    [
        ({"json": {"when": "2030-05-01T14:00:00Z"}}, "Unknown field: 'when'"),
        (raw("{"), "not valid JSON"),
        (raw("[]"), "must be a JSON object"),
        (raw("{}", "text/plain"), "application/json"),
    ],
)
async def test_actions_take_no_fields(
    api: Api, writer: str, action: str, request_kwargs: dict[str, Any], message: str
) -> None:
    alert_id = await api.town.alert("sud", launch=False)
    before = await snapshot(api.db)
    response = await api.call("POST", f"/alerts/{alert_id}/{action}", writer, **request_kwargs)
    assert message in (await error_of(response, 400))["message_en"]
    assert await snapshot(api.db) == before


@pytest.mark.parametrize(
    ("at", "message"),
    [
        ("2030-05-01 14:00", "'at' must be an ISO 8601 date and time with its offset"),
        (1_900_000_000, "'at' must be a string"),
        (None, "'at' must be a string"),
    ],
)
async def test_bad_launch_times_are_400(api: Api, writer: str, at: Any, message: str) -> None:
    alert_id = await api.town.alert("sud", launch=False)
    await api.call("POST", f"/alerts/{alert_id}/approve", writer)
    before = await snapshot(api.db)
    response = await api.call("POST", f"/alerts/{alert_id}/launch", writer, json={"at": at})
    assert message in (await error_of(response, 400))["message_en"]
    assert await snapshot(api.db) == before


async def test_decodable_hostile_text_is_kept_as_text(api: Api, writer: str) -> None:
    """Markup, quotes, SQL and emoji are only text: stored and given back as sent."""
    title = '<script>alert(1)</script> \'; DROP TABLE alerts; -- 🚨 "é"\ttab'
    response = await api.call("POST", "/alerts", writer, json={**NEW_ALERT, "title": title})
    assert response.status == 201, await response.text()
    assert (await response.json())["title"] == title
