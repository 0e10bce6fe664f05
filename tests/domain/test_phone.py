"""Phone numbers to E.164 with a clear error."""

from __future__ import annotations

import pytest

from ivr.domain.errors import DomainError
from ivr.domain.phone import display_phone, parse_phone


@pytest.mark.parametrize(
    "raw",
    [
        "418-962-0327",
        "(418) 962-0327",
        "418 962 0327",
        "1 418 962-0327",
        "+1 418 962 0327",
        " 4189620327 ",
    ],
)
def test_north_american_forms_give_the_same_e164(raw: str) -> None:
    assert parse_phone(raw).e164 == "+14189620327"


def test_canadian_numbers_have_an_unknown_line_type() -> None:
    # The numbering plan cannot tell a Canadian landline from a mobile.
    assert parse_phone("418 962-0327").line_type == "unknown"


def test_foreign_number_with_country_code() -> None:
    assert parse_phone("+33 1 42 68 53 00").e164 == "+33142685300"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "vide"),
        ("   ", "empty"),
        ("abc", "n'est pas un numéro"),
        ("962-0327", "valide"),
        ("418-962-0327\r\nChannel: x", "forbidden characters"),
        ("4" * 41, "too long"),
    ],
)
def test_bad_numbers_are_refused_clearly(raw: str, message: str) -> None:
    with pytest.raises(DomainError, match=message):
        parse_phone(raw)


def test_display_in_local_form() -> None:
    assert display_phone("+14189620327") == "418 962-0327"
    assert display_phone("+33142685300") == "+33 1 42 68 53 00"
