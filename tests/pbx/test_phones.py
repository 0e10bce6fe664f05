"""The behaviour table: checked when loaded, turned into dialplan, its log read back."""

from __future__ import annotations

from pathlib import Path

import pytest

from ivr.asterisk.layout import InstanceLayout
from simnet.calllog import parse_identity, read_calls
from simnet.phones import BEHAVIOURS, PhoneTableError, dialplan, load_phones, parse_phones


def test_shipped_table_covers_every_behaviour() -> None:
    phones = load_phones()
    assert {phone.behaviour for phone in phones} == set(BEHAVIOURS)
    assert len({phone.number for phone in phones}) == len(phones)
    assert all(phone.number.startswith(("418962", "418968")) for phone in phones)


def test_ranges_expand_and_params_default() -> None:
    phones = parse_phones(
        {
            "phones": [
                {"numbers": "4189685000-4189685002", "behaviour": "person"},
                {"numbers": "4189621002", "behaviour": "person-keys", "keys": "9"},
            ]
        }
    )
    assert [p.number for p in phones] == ["4189685000", "4189685001", "4189685002", "4189621002"]
    assert phones[3].params == {"keys": "9", "first_key_after": 6, "key_gap": 6}
    plan = dialplan(phones)
    assert "exten => 4189621002,1,Gosub(phone-start,s,1(${EXTEN},person-keys))" in plan
    machine = dialplan(
        parse_phones({"phones": [{"numbers": "4189621004", "behaviour": "machine"}]})
    )
    assert " same => n,Set(PHONE_BEEP=beep-1000-600)" in machine
    assert " same => n,Set(PHONE_CUTOFF=5)" in machine
    assert " same => n,Goto(behaviour-voicemail,s,1)" in machine
    assert " same => n,Set(PHONE_KEYS_TO_PRESS=9)" in plan
    assert " same => n,Goto(behaviour-person-keys,s,1)" in plan


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({"numbers": "418962100", "behaviour": "person"}, "10-digit"),
        ({"numbers": "4189621002-4189621001", "behaviour": "person"}, "10-digit"),
        ({"numbers": "4189621001", "behaviour": "robot"}, "unknown behaviour"),
        ({"numbers": "4189621001", "behaviour": "person", "keys": "1"}, "takes no"),
        ({"numbers": "4189621001", "behaviour": "person-keys", "keys": "1;2"}, "keys"),
        ({"numbers": "4189621001", "behaviour": "person-keys", "keys": "${X}"}, "keys"),
        ({"numbers": "4189621001", "behaviour": "person-hangs-up", "hangup_after": "3"}, "whole"),
        ({"numbers": "4189621001", "behaviour": "busy-then-answer", "busy_calls": -1}, "whole"),
        ({"numbers": "4189621001", "behaviour": "voicemail", "greeting": "nope"}, "greeting"),
        ({"numbers": "4189621001", "behaviour": "voicemail", "beep": "beep-1000"}, "beep"),
        ({"numbers": "4189621001", "behaviour": "voicemail", "beep": "${X}"}, "beep"),
        ({"numbers": "4189621001", "behaviour": "voicemail", "media": "music"}, "media"),
        ({"numbers": "4189621001", "behaviour": "person-responds", "delay": "2,5"}, "delay"),
        (
            {"numbers": "4189621001", "behaviour": "person-responds", "background": "x"},
            "background",
        ),
    ],
)
def test_bad_rows_are_refused(row: dict[str, object], message: str) -> None:
    with pytest.raises(PhoneTableError, match=message):
        parse_phones({"phones": [row]})


def test_duplicate_numbers_are_refused() -> None:
    rows = [
        {"numbers": "4189621000-4189621005", "behaviour": "person"},
        {"numbers": "4189621003", "behaviour": "busy"},
    ]
    with pytest.raises(PhoneTableError, match="already"):
        parse_phones({"phones": rows})


@pytest.mark.parametrize(
    ("header", "identity"),
    [
        (
            '"Information ITUM" <sip:4189620327@127.0.0.1>;tag=abc',
            ("Information ITUM", "4189620327"),
        ),
        ("Information ITUM <sip:4189620327@10.0.0.1:5060>", ("Information ITUM", "4189620327")),
        ("<sip:4189620327@127.0.0.1>", ("", "4189620327")),
        ("", ("", "")),
    ],
)
def test_identity_headers_are_parsed(header: str, identity: tuple[str, str]) -> None:
    assert parse_identity(header) == identity


def test_call_log_is_read(tmp_path: Path) -> None:
    log = tmp_path / "calls.csv"
    log.write_text(
        '"1700000000","1700000009","4189621004","machine","machine","1",'
        '"Information ITUM","4189620327","""Information ITUM"" <sip:4189620327@127.0.0.1>",'
        '"""Information ITUM"" <sip:4189620327@127.0.0.1>","","/rec/4189621004-1.2.wav",'
        '"abc@127.0.0.1","1.2",""\n'
        '"1700000010","1700000040","4189621026","person-responds","answered","1",'
        '"Information ITUM","4189620327","","","2","","def@127.0.0.1","1.3","1700000011.137"\n'
    )
    [call, person] = read_calls(log, InstanceLayout(tmp_path, "simnet"))
    assert (call.number, call.action, call.attempt, call.pai_name) == (
        "4189621004",
        "machine",
        1,
        "Information ITUM",
    )
    assert call.recording_path == tmp_path / "rec" / "4189621004-1.2.wav"
    assert call.recording() is None
    assert call.spoke_at is None
    assert (person.keys, person.spoke_at, person.recording_path) == ("2", 1700000011.137, None)
