"""Delivery receipts as SMSCs send them: the de facto text of SMPP 3.4's appendix B
("id:… sub:… dlvr:… submit date:… done date:… stat:… err:… text:…"), the
``receipted_message_id`` and ``message_state`` TLVs, or both.

SMSCs differ: keys in any case, dates with or without seconds, fields missing, and some
give the message id in hexadecimal in ``submit_sm_resp`` but in decimal in the receipt.
``id_keys`` gives every form an id may take, so a receipt finds its message either way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from ivr.smpp.session import Delivered

FINAL_STATES = frozenset({"DELIVRD", "UNDELIV", "REJECTD", "EXPIRED", "DELETED"})
"""States after which the SMSC tries no more."""
_STATE_NAMES = {
    1: "ENROUTE",
    2: "DELIVRD",
    3: "EXPIRED",
    4: "DELETED",
    5: "UNDELIV",
    6: "ACCEPTD",
    7: "UNKNOWN",
    8: "REJECTD",
}
"""``message_state`` TLV values (SMPP 3.4, 5.2.28) and their receipt-text names."""
_FIELD = re.compile(
    r"(?i)\b(id|stat|err|done date)\s*:\s*([^\s]+(?:\s\d{4,})?)"
)  # "done date:2611291405" (some SMSCs put a space before the seconds)
_TEXT_STATE = re.compile(r"^[A-Z]{5,8}$")
_MESSAGE_TEXT = re.compile(r"(?i)\btext\s*:")
"""Where the message's own first characters start: nothing after it is a field."""


@dataclass(frozen=True)
class Receipt:
    message_id: str
    state: str
    """DELIVRD, UNDELIV, REJECTD, EXPIRED, DELETED, or a state on the way (ENROUTE,
    ACCEPTD, UNKNOWN)."""
    error: str
    done_at: datetime | None

    @property
    def final(self) -> bool:
        return self.state in FINAL_STATES


def parse_receipt(delivered: Delivered) -> Receipt | None:
    """The receipt a ``deliver_sm`` carries; None when it carries no message id or
    state (then it is not a receipt we can use)."""
    header = _MESSAGE_TEXT.split(_text(delivered.body), maxsplit=1)[0]
    fields = {key.lower(): value for key, value in _FIELD.findall(header)}
    message_id = delivered.receipted_message_id or fields.get("id", "")
    state = _STATE_NAMES.get(delivered.message_state or 0) or fields.get("stat", "").upper()
    if not message_id or not _TEXT_STATE.match(state):
        return None
    return Receipt(message_id, state, fields.get("err", ""), _done_at(fields.get("done date")))


def id_keys(message_id: str) -> list[str]:
    """The forms a message id may take between a ``submit_sm_resp`` and its receipt:
    as written (lower case, leading zeros dropped), and read as decimal, its
    hexadecimal form."""
    plain = message_id.strip().lower().lstrip("0") or "0"
    keys = [plain]
    if plain.isdigit() and len(plain) <= 20:
        keys.append(format(int(plain), "x"))
    return keys


def _text(body: bytes) -> str:
    return body.decode("latin-1", errors="replace")


def _done_at(value: str | None) -> datetime | None:
    """``YYMMDDhhmm`` or ``YYMMDDhhmmss`` (the SMSC's time, taken as UTC)."""
    digits = (value or "").replace(" ", "")
    layout = {10: "%y%m%d%H%M", 12: "%y%m%d%H%M%S"}.get(len(digits))
    if layout is None or not digits.isdigit():
        return None
    try:
        return datetime.strptime(digits, layout).replace(tzinfo=UTC)
    except ValueError:
        return None
