"""The simulated SMSC against an independent client (smpplib's codec, see esme.py): binds,
text decoding, concatenation, receipts, refusals, throttling, cut links, messages from
phones, TLS and the process's lifetime."""

from __future__ import annotations

import asyncio
import re
import ssl
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import gsm0338  # type: ignore[import-untyped, unused-ignore]  # noqa: F401  (the "gsm03.38" codec)
import pytest

import simnet.smsc
from simnet.smsc import SimulatedSmsc, SmscError
from tests.smsc.esme import Esme

MOBILE = "4189691001"
OTHER_MOBILE = "4189691002"
LANDLINE = "4189621001"
INVALID = "4189692001"
BARRED = "4189692002"
EXPIRED = "4189692003"
SILENT = "4189692004"
SENDER = "4189620327"
GSM_TEXT = "Avis: eau {potable} [secteur 3] 5 € @ ~"
"""GSM 03.38 with characters of the extension table (each sent as two septets)."""
UCS2_TEXT = "Avis d'ébullition : ç œ « »"
RECEIPT = re.compile(
    r"^id:(?P<id>[0-9a-f]+) sub:001 dlvr:(?P<dlvr>[0-9]{3}) submit date:[0-9]{10}"
    r" done date:[0-9]{10} stat:(?P<stat>[A-Z]+) err:(?P<err>[0-9]{3}) text:(?P<text>.*)$"
)
OUTCOMES = {
    MOBILE: ("DELIVRD", "001", 2),
    LANDLINE: ("UNDELIV", "000", 5),
    BARRED: ("REJECTD", "000", 8),
    EXPIRED: ("EXPIRED", "000", 3),
}
"""Number -> receipt stat, dlvr and message_state."""


@pytest.fixture
async def esme(smsc: SimulatedSmsc) -> AsyncIterator[Esme]:
    client = await Esme.bound(smsc)
    yield client
    await client.close()


def ucs2_parts(text: str, reference: int, sixteen_bit: bool) -> list[bytes]:
    """The text as UCS-2 parts of 66 characters, each with a concatenation header."""
    chunks = [text[start : start + 66].encode("utf-16-be") for start in range(0, len(text), 66)]
    total = len(chunks)
    if sixteen_bit:
        headers = [
            bytes([6, 0x08, 4, reference >> 8, reference & 0xFF, total, n]) for n in [1, 2, 3]
        ]
    else:
        headers = [bytes([5, 0x00, 3, reference, total, n]) for n in [1, 2, 3]]
    return [header + chunk for header, chunk in zip(headers, chunks, strict=True)]


@pytest.mark.parametrize(
    ("wrong", "status"),
    [
        ({"system_id": "other"}, 0x0F),
        ({"password": "wrong"}, 0x0E),
        ({"system_type": "bulk"}, 0x53),
    ],
)
async def test_a_bind_with_a_wrong_credential_is_refused_then_closed(
    smsc: SimulatedSmsc, wrong: dict[str, str], status: int
) -> None:
    client = await Esme.connect(smsc)
    answer = await client.bind(smsc, **wrong)
    assert (answer.command, answer.status) == ("bind_transceiver_resp", status)
    await asyncio.wait_for(client.closed.wait(), 2)
    assert [bind["status"] for bind in smsc.events("bind")] == [status]
    await client.close()


async def test_only_enquire_link_is_answered_before_a_bind(smsc: SimulatedSmsc) -> None:
    client = await Esme.connect(smsc)
    assert (await client.request("enquire_link")).status == 0
    early = await client.submit(MOBILE, b"too early")
    assert (early.command, early.status) == ("submit_sm_resp", 0x04)
    assert (await client.bind(smsc)).status == 0
    assert (await client.bind(smsc)).status == 0x05
    unbound = await client.request("unbind")
    assert (unbound.command, unbound.status) == ("unbind_resp", 0)
    await asyncio.wait_for(client.closed.wait(), 2)
    assert smsc.submits() == []
    await client.close()


async def test_an_unknown_command_gets_a_generic_nack(smsc: SimulatedSmsc, esme: Esme) -> None:
    answer = await esme.request_unknown(0x00000999)
    assert (answer.command, answer.status) == ("generic_nack", 0x03)
    assert (await esme.submit(MOBILE, b"still bound")).status == 0


async def test_gsm7_and_ucs2_texts_are_decoded_by_the_simulator(
    smsc: SimulatedSmsc, esme: Esme
) -> None:
    gsm = GSM_TEXT.encode("gsm03.38")
    ucs2 = UCS2_TEXT.encode("utf-16-be")
    answers = [
        await esme.submit(MOBILE, gsm, data_coding=0),
        await esme.submit(MOBILE, gsm, data_coding=0),
        await esme.submit("1" + OTHER_MOBILE, ucs2, data_coding=8),
    ]
    assert [answer.status for answer in answers] == [0, 0, 0]
    submits = smsc.submits()
    assert [(s["text"], s["hex"], s["data_coding"], s["udh"]) for s in submits] == [
        (GSM_TEXT, gsm.hex(), 0, None),
        (GSM_TEXT, gsm.hex(), 0, None),
        (UCS2_TEXT, ucs2.hex(), 8, None),
    ]
    message_ids = [s["message_id"] for s in submits]
    assert message_ids == [answer.message_id.decode() for answer in answers]
    assert len(set(message_ids)) == 3
    assert all(re.fullmatch(r"[0-9a-f]{8,}", message_id) for message_id in message_ids)
    assert [(m["text"], m["parts"]) for m in smsc.handset_messages(MOBILE)] == [
        (GSM_TEXT, 1),
        (GSM_TEXT, 1),
    ]
    [ucs2_message] = smsc.handset_messages(OTHER_MOBILE)
    assert (ucs2_message["to"], ucs2_message["text"]) == ("1" + OTHER_MOBILE, UCS2_TEXT)


async def test_a_text_in_message_payload_is_read_too(smsc: SimulatedSmsc, esme: Esme) -> None:
    text = "Avis: " + "eau potable " * 20
    answer = await esme.request(
        "submit_sm",
        source_addr=SENDER,
        destination_addr=MOBILE,
        data_coding=0,
        message_payload=text.encode("gsm03.38"),
    )
    assert answer.status == 0
    assert [(s["text"], s["hex"]) for s in smsc.submits()] == [
        (text, text.encode("gsm03.38").hex())
    ]
    assert [m["text"] for m in smsc.handset_messages(MOBILE)] == [text]


@pytest.mark.parametrize("sixteen_bit", [False, True], ids=["8-bit-reference", "16-bit-reference"])
async def test_a_three_part_message_shows_once_whole_whatever_the_order(
    smsc: SimulatedSmsc, esme: Esme, sixteen_bit: bool
) -> None:
    text = " ".join([UCS2_TEXT] * 7)
    reference = 0x1234 if sixteen_bit else 0x42
    parts = ucs2_parts(text, reference, sixteen_bit)
    order = [2, 0, 2, 1]  # the last part first, and twice
    for index in order:
        answer = await esme.submit(MOBILE, parts[index], data_coding=8, esm_class=0x40)
        assert answer.status == 0
    [shown] = smsc.handset_messages(MOBILE)
    assert (shown["text"], shown["parts"], shown["data_coding"]) == (text, 3, 8)
    submits = smsc.submits()
    assert [s["udh"] for s in submits] == [
        {"reference": reference, "total": 3, "part": index + 1} for index in order
    ]
    assert [s["text"] for s in submits[1:3]] == [text[:66], text[132:]]


@pytest.mark.parametrize("style", ["text+tlv", "text", "tlv"])
async def test_receipts_follow_the_handsets_table_in_each_style(tmp_path: Path, style: str) -> None:
    async with SimulatedSmsc(
        workdir=tmp_path, password="secret", receipt_style=style, receipt_delay_ms=0
    ) as smsc:
        client = await Esme.bound(smsc)
        message_ids = {}
        for number in [MOBILE, LANDLINE, BARRED, EXPIRED, SILENT]:
            answer = await client.submit(number, b"Avis: eau potable, secteur 3", source=SENDER)
            message_ids[number] = answer.message_id.decode()
        receipts = {}
        for _ in OUTCOMES:
            receipt = await client.next_delivery()
            receipts[receipt.source_addr.decode()] = receipt
        with pytest.raises(TimeoutError):
            await client.next_delivery(within=0.5)  # none for the silent number
        assert set(receipts) == set(OUTCOMES)
        for number, (stat, dlvr, state) in OUTCOMES.items():
            receipt = receipts[number]
            assert (receipt.esm_class, receipt.destination_addr) == (0x04, SENDER.encode())
            if "text" in style:
                fields = RECEIPT.match(receipt.short_message.decode("gsm03.38"))
                assert fields is not None
                assert (fields["id"], fields["stat"], fields["dlvr"], fields["text"]) == (
                    message_ids[number],
                    stat,
                    dlvr,
                    "Avis: eau potable, s",
                )
            else:
                assert not receipt.short_message
            if "tlv" in style:
                assert receipt.receipted_message_id.decode() == message_ids[number]
                assert receipt.message_state == state
            else:
                assert (receipt.receipted_message_id, receipt.message_state) == (None, None)
        await smsc.wait_for(lambda: len(smsc.receipts()) == len(OUTCOMES), 2)
        assert {(r["to"], r["stat"], r["status"]) for r in smsc.receipts()} == {
            (number, stat, 0) for number, (stat, _, _) in OUTCOMES.items()
        }
        assert sorted(m["to"] for m in smsc.handset_messages()) == [MOBILE, SILENT]
        await client.close()


async def test_a_receipt_answered_with_an_error_is_sent_again(
    smsc: SimulatedSmsc, esme: Esme
) -> None:
    esme.answer_status = None
    answer = await esme.submit(MOBILE, b"Avis")
    first = await esme.next_delivery()
    esme.answer(first, 0x64)  # ESME_RX_T_APPN: try again later
    again = await esme.next_delivery(within=3)
    assert again.receipted_message_id == first.receipted_message_id == answer.message_id
    esme.answer(again, 0)
    await smsc.wait_for(lambda: len(smsc.receipts()) == 2, 2)
    assert [r["status"] for r in smsc.receipts()] == [0x64, 0]
    with pytest.raises(TimeoutError):
        await esme.next_delivery(within=1.3)
    stats = await smsc.stats()
    assert (stats["receipts_sent"], stats["receipts_answered"], stats["receipts_pending"]) == (
        2,
        1,
        0,
    )


async def test_receipts_wait_for_a_receiver_and_outlive_a_closed_session(
    smsc: SimulatedSmsc,
) -> None:
    sender = await Esme.bound(smsc, "bind_transmitter")
    answer = await sender.submit(MOBILE, b"Avis")
    await asyncio.sleep(0.3)  # past the receipt delay, with no session to take it
    assert smsc.receipts() == []
    first = await Esme.bound(smsc, "bind_receiver")
    first.answer_status = None
    kept = await first.next_delivery(within=3)
    await first.close()  # before answering it
    second = await Esme.bound(smsc, "bind_receiver")
    again = await second.next_delivery(within=3)
    assert again.receipted_message_id == kept.receipted_message_id == answer.message_id
    await smsc.wait_for(lambda: [r["status"] for r in smsc.receipts()] == [None, 0], 2)
    assert sender.deliveries.empty()
    assert (await second.submit(MOBILE, b"from a receiver")).status == 0x04
    for client in [sender, second]:
        await client.close()


async def test_an_unknown_number_is_refused_without_receipt(
    smsc: SimulatedSmsc, esme: Esme
) -> None:
    for number in [INVALID, "1" + INVALID]:
        answer = await esme.submit(number, b"Avis")
        assert (answer.status, answer.message_id) == (0x0B, None)
    assert [(s["status"], s["message_id"]) for s in smsc.submits()] == [(0x0B, None)] * 2
    await asyncio.sleep(0.3)
    assert (smsc.receipts(), smsc.handset_messages()) == ([], [])
    assert esme.deliveries.empty()


async def test_throttled_submits_are_answered_with_the_status_asked(
    smsc: SimulatedSmsc, esme: Esme
) -> None:
    await smsc.throttle(2)
    assert [(await esme.submit(MOBILE, b"x")).status for _ in range(3)] == [0x58, 0x58, 0]
    await smsc.throttle(1, status=0x14)
    assert [(await esme.submit(MOBILE, b"x")).status for _ in range(2)] == [0x14, 0]
    assert [s["status"] for s in smsc.submits()] == [0x58, 0x58, 0, 0x14, 0]
    stats = await smsc.stats()
    assert (stats["accepted"], stats["by_status"]) == (2, {"0": 2, "20": 1, "88": 2})
    assert len(smsc.handset_messages()) == 2
    with pytest.raises(SmscError, match="count"):
        await smsc.throttle(-1)


async def test_drop_cuts_the_link_at_the_nth_submit_and_a_new_bind_works(
    smsc: SimulatedSmsc, esme: Esme
) -> None:
    await smsc.drop(after=2)
    first = await esme.submit(MOBILE, b"one")
    assert first.status == 0
    with pytest.raises(ConnectionResetError):
        await esme.submit(OTHER_MOBILE, b"two")
    assert esme.closed.is_set()
    assert [(s["text"], s["status"]) for s in smsc.submits()] == [("one", 0), ("two", None)]
    assert len(smsc.events("drop")) == 1
    client = await Esme.bound(smsc)
    third = await client.submit(OTHER_MOBILE, b"three")
    assert third.status == 0
    expected = {first.message_id.decode(), third.message_id.decode()}
    await smsc.wait_for(
        lambda: {r["message_id"] for r in smsc.receipts() if r["status"] == 0} == expected, 3
    )
    assert [m["text"] for m in smsc.handset_messages()] == ["one", "three"]
    await client.close()


@pytest.mark.parametrize(
    ("text", "asked", "data_coding", "codec"),
    [
        ("STOP", None, 0, "gsm03.38"),
        ("Arrêt « œ »", None, 8, "utf-16-be"),
        ("STOP", 8, 8, "utf-16-be"),
    ],
)
async def test_a_message_from_a_phone_reaches_the_client(
    smsc: SimulatedSmsc,
    esme: Esme,
    text: str,
    asked: int | None,
    data_coding: int,
    codec: str,
) -> None:
    assert await smsc.send_mo("1" + MOBILE, text, data_coding=asked) == 0
    message = await esme.next_delivery(within=1)
    assert (message.esm_class, message.data_coding) == (0, data_coding)
    assert (message.source_addr, message.destination_addr) == (
        b"1" + MOBILE.encode(),
        b"4189620327",
    )
    assert message.short_message.decode(codec) == text
    assert [(m["text"], m["data_coding"], m["status"]) for m in smsc.events("mo")] == [
        (text, data_coding, 0)
    ]


async def test_a_message_from_a_phone_reports_the_clients_answer(smsc: SimulatedSmsc) -> None:
    client = await Esme.bound(smsc)
    client.answer_status = 0x08
    assert await smsc.send_mo(MOBILE, "OUI") == 0x08
    [bind] = smsc.events("bind")
    await client.close()
    await smsc.wait_for(
        lambda: [c for c in smsc.events("close") if c["session"] == bind["session"]], 1
    )
    with pytest.raises(SmscError, match="no bound session"):
        await smsc.send_mo(MOBILE, "OUI")


@pytest.fixture
def tls_files(tmp_path: Path) -> tuple[Path, Path]:
    """A key and a self-signed certificate for 127.0.0.1."""
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        [
            *["openssl", "req", "-x509", "-nodes", "-days", "1", "-subj", "/CN=localhost"],
            *["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"],
            *["-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        ],
        check=True,
        capture_output=True,
    )
    return key, cert


async def test_a_client_binds_over_tls(tmp_path: Path, tls_files: tuple[Path, Path]) -> None:
    key, cert = tls_files
    async with SimulatedSmsc(
        workdir=tmp_path, password="secret", tls_key=key, tls_cert=cert
    ) as smsc:
        client = await Esme.connect(smsc, tls=ssl.create_default_context(cafile=cert))
        assert (await client.bind(smsc)).status == 0
        assert (await client.submit(MOBILE, b"Avis")).status == 0
        await client.close()
    assert [m["text"] for m in smsc.handset_messages()] == ["Avis"]


async def test_the_simulator_exits_when_its_stdin_closes(tmp_path: Path) -> None:
    smsc = SimulatedSmsc(workdir=tmp_path, password="secret")
    await smsc.start()
    process = smsc._process
    assert process is not None and process.stdin is not None
    process.stdin.close()  # as when the Python process that started it dies
    assert await asyncio.wait_for(process.wait(), 3) == 0
    await smsc.stop()


async def test_missing_node_modules_say_to_run_setup(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(simnet.smsc, "SIMULATOR", tmp_path / "smsc" / "smsc.js")
    with pytest.raises(SmscError, match="run scripts/setup"):
        await SimulatedSmsc(workdir=tmp_path, password="secret").start()
