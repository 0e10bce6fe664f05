"""An alert's text as SMPP parts: encodings, linked parts, what the phone reads back."""

from __future__ import annotations

from ivr.channels.sms.parts import decode_text, message_parts


def reassembled(text: str, reference: int) -> str:
    parts = message_parts(text, reference)
    if len(parts) == 1:
        return decode_text(parts[0].short_message, parts[0].data_coding)
    pieces = []
    for part in parts:
        udh, body = part.short_message[:6], part.short_message[6:]
        assert udh == bytes([5, 0, 3, reference & 0xFF, len(parts), part.number])
        assert part.esm_class == 0x40
        pieces.append(decode_text(body, part.data_coding))
    return "".join(pieces)


def test_gsm7_text_goes_as_data_coding_0_one_septet_per_octet() -> None:
    (part,) = message_parts("Avis d'ébullition : faites bouillir l'eau. Prix: 5 €", 1)
    assert (part.data_coding, part.esm_class, part.total) == (0, 0, 1)
    assert part.short_message.startswith(b"Avis d'\x05bullition")
    assert b"\x1be" in part.short_message  # € from the extension table


def test_french_letters_outside_gsm7_make_it_ucs2() -> None:
    text = "Évacuation : quittez la zone « Sud » ; ça presse, œuvrez ensemble."
    (part,) = message_parts(text, 1)
    assert part.data_coding == 8
    assert decode_text(part.short_message, 8) == text


def test_a_400_character_alert_goes_as_linked_parts_that_read_back_whole() -> None:
    text = (
        "Avis d'ébullition de l'eau pour le secteur de Uashat. Faites bouillir l'eau "
        "une minute avant de la boire. ça vaut pour la glace et les biberons. " * 3
    )[:400]
    parts = message_parts(text, 300)
    assert [p.total for p in parts] == [len(parts)] * len(parts) and len(parts) == 6
    assert all(p.data_coding == 8 and len(p.short_message) <= 140 for p in parts)
    assert reassembled(text, 300) == text


def test_long_gsm7_text_parts_keep_escapes_whole() -> None:
    text = "€" * 100 + "a" * 150
    parts = message_parts(text, 9)
    assert len(parts) == 3
    assert all(not p.short_message.endswith(b"\x1b") for p in parts)
    assert reassembled(text, 9) == text


def test_phone_messages_are_read_in_their_coding() -> None:
    assert decode_text("Arrêt".encode("utf-16-be"), 8) == "Arrêt"
    assert decode_text(b"Arr\x05t", 0) == "Arrét"
    assert decode_text("Arrêt".encode("latin-1"), 3) == "Arrêt"
    assert decode_text(b"STOP", 0xF0) == "STOP"
