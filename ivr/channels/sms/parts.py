"""An SMS text as the PDUs that carry it: GSM-7 (data_coding 0, one septet per octet,
as SMPP sends it) when every character allows, else UCS-2 (data_coding 8); a long text
as linked parts, each led by a concatenation header (UDH, IEI 0x00) with the message's
reference number, so the phone puts them back together in order. The rules of what
fits where are the domain's (``ivr.domain.sms_text``)."""

from __future__ import annotations

from dataclasses import dataclass

import gsm0338  # noqa: F401  (registers the "gsm03.38" codec)

from ivr.domain.sms_text import encoding_of, split_parts

DATA_CODING = {"gsm7": 0x00, "ucs2": 0x08}
CODEC = {"gsm7": "gsm03.38", "ucs2": "utf-16-be"}
UDH_INDICATOR = 0x40
"""esm_class bit: the message starts with a user data header."""


@dataclass(frozen=True)
class Part:
    number: int
    total: int
    data_coding: int
    esm_class: int
    short_message: bytes


def message_parts(text: str, reference: int) -> list[Part]:
    """The PDUs' payloads for ``text``; ``reference`` (0-255) ties a long text's parts
    together and must differ from the other recent messages to the same phone."""
    encoding = encoding_of(text)
    pieces = [piece.encode(CODEC[encoding]) for piece in split_parts(text)]
    if len(pieces) == 1:
        return [Part(1, 1, DATA_CODING[encoding], 0, pieces[0])]
    total = len(pieces)
    return [
        Part(
            number,
            total,
            DATA_CODING[encoding],
            UDH_INDICATOR,
            bytes([0x05, 0x00, 0x03, reference & 0xFF, total, number]) + piece,
        )
        for number, piece in enumerate(pieces, start=1)
    ]


def decode_text(data: bytes, data_coding: int) -> str:
    """A phone's message as text: UCS-2 (8), Latin-1 (3), else the GSM default alphabet
    (0; many SMSCs also send plain ASCII that way, which it reads the same)."""
    if data_coding & 0x0F == 0x08:
        return data.decode("utf-16-be", errors="replace")
    if data_coding & 0x0F == 0x03:
        return data.decode("latin-1")
    return data.decode("gsm03.38", errors="replace")
