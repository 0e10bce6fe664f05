"""SMS text rules: encoding, segment counts and splitting."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ivr.domain.errors import DomainError
from ivr.domain.sms_text import (
    GSM7_BASIC,
    GSM7_EXTENSION,
    MAX_PARTS,
    PART_LIMIT,
    SINGLE_LIMIT,
    analyze,
    char_units,
    check_sms_text,
    encoding_of,
    plain_punctuation,
    split_parts,
)


def test_gsm7_tables_have_the_standard_sizes() -> None:
    assert len(GSM7_BASIC) == 127  # 128 codes, one of which is the escape
    assert len(GSM7_EXTENSION) == 10
    assert not GSM7_BASIC & GSM7_EXTENSION


@pytest.mark.parametrize(
    ("text", "encoding"),
    [
        ("Avis d'ébullition à Uashat", "gsm7"),  # é and à are GSM-7
        ("Évacuation: ÉÇèù", "gsm7"),
        ("Avis d\u2019ébullition", "ucs2"),  # typographic apostrophe
        ("Ça brûle", "ucs2"),  # û
        ("fenêtre", "ucs2"),
        ("«citation»", "ucs2"),
        ("prix: 5€ [voir]", "gsm7"),
        ("", "gsm7"),
    ],
)
def test_encoding_of_french_text(text: str, encoding: str) -> None:
    assert encoding_of(text) == encoding


@pytest.mark.parametrize(
    ("text", "units", "segments"),
    [
        ("a" * 160, 160, 1),
        ("a" * 161, 161, 2),
        ("a" * 306, 306, 2),
        ("a" * 307, 307, 3),
        ("€" * 80, 160, 1),  # extension characters cost two septets
        ("€" * 81, 162, 2),
        ("ê" * 70, 70, 1),
        ("ê" * 71, 71, 2),
        ("ê" * 134, 134, 2),
        ("ê" * 135, 135, 3),
        ("😀" * 35, 70, 1),  # one emoji is a surrogate pair: two UCS-2 units
        ("😀" * 36, 72, 2),
        ("", 0, 0),
    ],
)
def test_units_and_segments(text: str, units: int, segments: int) -> None:
    info = analyze(text)
    assert (info.units, info.segments) == (units, segments)


def test_extension_character_is_never_split_from_its_escape() -> None:
    text = "a" * 152 + "€" + "b" * 10  # the € would straddle septets 153 and 154
    parts = split_parts(text)
    assert parts[0] == "a" * 152
    assert parts[1].startswith("€")


def test_surrogate_pair_is_never_split() -> None:
    text = "ê" * 66 + "😀" + "ê" * 10  # the emoji would straddle units 67 and 68
    parts = split_parts(text)
    assert parts[0] == "ê" * 66
    assert parts[1].startswith("😀")


def test_plain_punctuation_keeps_french_in_gsm7() -> None:
    typographic = "L\u2019eau est « potable » \u2013 fin de l\u2019avis\u00a0!"
    assert encoding_of(typographic) == "ucs2"
    plain = plain_punctuation(typographic)
    assert plain == "L'eau est \" potable \" - fin de l'avis !"
    assert encoding_of(plain) == "gsm7"


def test_check_sms_text_refuses_empty_and_too_long() -> None:
    with pytest.raises(DomainError, match="vide"):
        check_sms_text("  ")
    with pytest.raises(DomainError, match="too long"):
        check_sms_text("ê" * (67 * MAX_PARTS + 1))
    assert check_sms_text("ê" * (67 * MAX_PARTS)).segments == MAX_PARTS


sms_alphabet = st.sampled_from(sorted(GSM7_BASIC | GSM7_EXTENSION))
sms_texts = st.one_of(
    st.text(sms_alphabet, max_size=700),
    st.text(max_size=400),
    st.text(st.sampled_from(["a", "é", "€", "ê", "😀", " "]), max_size=500),
)


@given(sms_texts)
def test_parts_rebuild_the_text_and_respect_the_limits(text: str) -> None:
    parts = split_parts(text)
    encoding = encoding_of(text)
    assert "".join(parts) == text
    info = analyze(text)
    assert info.segments == len(parts)
    sizes = [sum(char_units(c, encoding) for c in part) for part in parts]
    assert sum(sizes) == info.units
    if info.units <= SINGLE_LIMIT[encoding]:
        assert len(parts) == (1 if text else 0)
    else:
        assert all(0 < size <= PART_LIMIT[encoding] for size in sizes)
        # greedy: a part ends only where its next character would not fit
        for part, size, following in zip(parts, sizes, parts[1:], strict=False):
            assert size + char_units(following[0], encoding) > PART_LIMIT[encoding], part


@given(st.text(sms_alphabet, max_size=300))
def test_text_of_gsm7_characters_is_gsm7(text: str) -> None:
    assert encoding_of(text) == "gsm7"
    expected = sum(2 if c in GSM7_EXTENSION else 1 for c in text)
    assert analyze(text).units == expected
