"""The SMS behaviour table (simnet/handsets.json) and the simulator's settings checks."""

from __future__ import annotations

from pathlib import Path

import pytest

from simnet.smsc import HandsetTableError, SimulatedSmsc, load_handsets, national, parse_handsets


def test_the_shipped_table_gives_each_test_range_its_behaviour() -> None:
    default, behaviours = load_handsets()
    assert default == "mobile"
    assert {n: b for n, b in behaviours.items() if n.startswith("418962")} == {
        str(n): "landline" for n in range(4189621001, 4189621027)
    }
    assert [n for n, b in behaviours.items() if b == "mobile"] == [
        str(n) for n in range(4189691001, 4189691100)
    ]
    assert [behaviours[str(n)] for n in range(4189692001, 4189692005)] == [
        "invalid",
        "barred",
        "expired",
        "silent",
    ]
    assert len(behaviours) == 26 + 99 + 4


@pytest.mark.parametrize(
    ("row", "error"),
    [
        ("4189691001", "row 2: must be an object"),
        ({"numbers": "418969100", "sms": "mobile"}, "row 2: '418969100' is not a 10-digit"),
        ({"numbers": "4189691009-4189691001", "sms": "mobile"}, "row 2: '4189691009-4189691001'"),
        ({"numbers": 4189691001, "sms": "mobile"}, "row 2: 'numbers' must be a string"),
        ({"numbers": "4189691001", "sms": "fax"}, "row 2: unknown sms behaviour 'fax'"),
        ({"numbers": "4189691001", "sms": "mobile", "keys": "1"}, "row 2: unknown field 'keys'"),
        ({"numbers": "4189600000-4189600000", "sms": "mobile"}, "row 2: 4189600000 is already"),
        ({"numbers": "4180000000-4180099999", "sms": "mobile"}, "row 2: the table would hold"),
    ],
)
def test_a_malformed_row_is_refused_by_name(row: object, error: str) -> None:
    document = {"handsets": [{"numbers": "4189600000", "sms": "barred"}, row]}
    with pytest.raises(HandsetTableError, match=error):
        parse_handsets(document)


def test_a_table_of_100000_numbers_is_accepted() -> None:
    _, behaviours = parse_handsets(
        {"handsets": [{"numbers": "4180000000-4180099999", "sms": "mobile"}]}
    )
    assert len(behaviours) == 100_000


def test_an_unknown_default_is_refused() -> None:
    with pytest.raises(HandsetTableError, match="default: unknown behaviour 'fax'"):
        parse_handsets({"default": "fax", "handsets": []})


def test_numbers_compare_with_or_without_the_country_code() -> None:
    assert national("14189691001") == national("+14189691001") == national("4189691001")
    assert national("4189691001") == "4189691001"


@pytest.mark.parametrize(
    ("settings", "error"),
    [
        ({"password": "longer-than-8"}, "password must be at most 8"),
        ({"system_id": "x" * 16}, "system_id must be at most 15"),
        ({"receipt_style": "json"}, "receipt_style"),
        ({"tls_key": Path("key.pem")}, "both tls_key and tls_cert"),
    ],
)
def test_settings_an_smpp_client_could_not_use_are_refused(
    tmp_path: Path, settings: dict[str, object], error: str
) -> None:
    with pytest.raises(ValueError, match=error):
        SimulatedSmsc(workdir=tmp_path, **{"password": "secret", **settings})  # type: ignore[arg-type]
