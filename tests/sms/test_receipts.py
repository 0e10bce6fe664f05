"""Delivery receipts as different SMSCs write them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ivr.smpp.receipts import id_keys, parse_receipt
from ivr.smpp.session import Delivered


def delivered(body: bytes = b"", *, message_id: str | None = None, state: int | None = None,
              payload: bytes | None = None) -> Delivered:  # fmt: skip
    return Delivered("14189691001", "14189620327", 0x04, 0, body, message_id, state, payload)


def test_standard_text_receipt() -> None:
    receipt = parse_receipt(delivered(
        b"id:0A1B2C3D sub:001 dlvr:001 submit date:2611291405 done date:2611291406 "
        b"stat:DELIVRD err:000 text:Avis d'ebullition"
    ))  # fmt: skip
    assert receipt is not None
    assert (receipt.message_id, receipt.state, receipt.error) == ("0A1B2C3D", "DELIVRD", "000")
    assert receipt.done_at == datetime(2026, 11, 29, 14, 6, tzinfo=UTC)
    assert receipt.final


def test_tlvs_win_over_the_text_and_seconds_in_dates() -> None:
    receipt = parse_receipt(delivered(
        b"id:123456 sub:001 dlvr:000 submit date:261129140501 done date:261129140733 "
        b"stat:UNDELIV err:001 Text:...",
        message_id="1E240", state=5,
    ))  # fmt: skip
    assert receipt is not None
    assert (receipt.message_id, receipt.state) == ("1E240", "UNDELIV")
    assert receipt.done_at == datetime(2026, 11, 29, 14, 7, 33, tzinfo=UTC)


def test_receipt_in_tlvs_only_and_in_message_payload() -> None:
    only_tlvs = parse_receipt(delivered(message_id="abc", state=8))
    in_payload = parse_receipt(delivered(payload=b"ID:77 STAT:EXPIRED ERR:017"))
    assert only_tlvs is not None and (only_tlvs.message_id, only_tlvs.state) == ("abc", "REJECTD")
    assert in_payload is not None
    assert (in_payload.message_id, in_payload.state, in_payload.error) == ("77", "EXPIRED", "017")


def test_words_in_the_message_text_are_not_fields() -> None:
    receipt = parse_receipt(delivered(
        b"id:42 sub:001 dlvr:001 submit date:2611291405 done date:2611291406 stat:DELIVRD "
        b"err:000 text:stat:UNDELIV id:99"
    ))  # fmt: skip
    assert receipt is not None and (receipt.message_id, receipt.state) == ("42", "DELIVRD")


def test_intermediate_states_are_not_final() -> None:
    receipt = parse_receipt(delivered(b"id:42 stat:ENROUTE err:000"))
    assert receipt is not None and not receipt.final


@pytest.mark.parametrize("body", [b"", b"hello", b"id: stat:DELIVRD", b"id:5 stat:delivered!"])
def test_what_is_no_receipt(body: bytes) -> None:
    assert parse_receipt(delivered(body)) is None


def test_id_keys_match_hex_and_decimal_forms() -> None:
    # submit_sm_resp said "0001E240" (hex); the receipt says 123456 (decimal).
    assert id_keys("0001E240")[0] in id_keys("123456")
    assert id_keys("ABC") == ["abc"]
    assert id_keys("000") == ["0", "0"]
