"""The targeting rules one at a time (the SQL applies them in bulk)."""

from __future__ import annotations

import pytest

from ivr.domain.alerts import Channel, Language
from ivr.domain.audience import effective_channel, pick_language, usable, wanted_language


@pytest.mark.parametrize(
    ("chosen", "line_type", "sms_capable", "expected"),
    [
        ("sms", "mobile", "unknown", "sms"),
        ("sms", "unknown", "yes", "sms"),
        ("sms", "landline", "unknown", "voice"),
        ("sms", "mobile", "no", "voice"),
        ("voice", "landline", "no", "voice"),
        ("email", "unknown", "unknown", "email"),
    ],
)
def test_sms_to_a_landline_becomes_a_call(
    chosen: Channel, line_type: str, sms_capable: str, expected: Channel
) -> None:
    assert effective_channel(chosen, line_type, sms_capable) == expected


def test_sms_becomes_a_call_when_sms_is_not_in_service() -> None:
    assert effective_channel("sms", "mobile", "yes", ("voice",)) == "voice"
    assert effective_channel("sms", "mobile", "yes", ("voice", "sms")) == "sms"
    assert effective_channel("email", "unknown", "unknown", ("voice",)) == "email"


def test_a_landline_call_speaks_the_household_language() -> None:
    assert wanted_language("voice", "landline", "en", "innu") == "innu"
    assert wanted_language("voice", "mobile", "en", "innu") == "en"
    assert wanted_language("sms", "landline", "en", "innu") == "en"


@pytest.mark.parametrize(
    ("wanted", "available", "expected"),
    [
        ("innu", {"innu", "fr", "en"}, "innu"),
        ("innu", {"fr", "en"}, "fr"),  # no Innu recording: French
        ("innu", {"en"}, "en"),
        ("en", {"fr", "en"}, "en"),
        ("en", {"fr"}, "fr"),
        ("fr", {"en"}, "en"),
        ("fr", set(), None),
    ],
)
def test_language_fallback(
    wanted: Language, available: set[Language], expected: Language | None
) -> None:
    assert pick_language(wanted, available) == expected


def test_usable_contacts() -> None:
    assert usable("voice", verification="unverified", not_in_service=False, opted_out=False)
    assert not usable("voice", verification="verified", not_in_service=True, opted_out=False)
    assert not usable("sms", verification="verified", not_in_service=True, opted_out=False)
    assert usable("email", verification="verified", not_in_service=True, opted_out=False)
    assert not usable("email", verification="invalid", not_in_service=False, opted_out=False)
    assert not usable("sms", verification="verified", not_in_service=False, opted_out=True)
