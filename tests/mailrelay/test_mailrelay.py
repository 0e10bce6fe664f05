"""The simulated mail relay against an independent client (aiosmtplib, verifying the
relay's certificate against its CA): STARTTLS, implicit TLS, AUTH, each recipient
behaviour, the bounces of each style as a bounce reader (flufl.bounce) sees them, cut
connections, slowness, size limits, reset and the standalone process."""

from __future__ import annotations

import asyncio
import mailbox
import os
import re
import signal
import ssl
import sys
import time
from email import message_from_bytes, policy
from email.message import EmailMessage, Message
from pathlib import Path

import aiosmtplib
import pytest
from flufl.bounce import all_failures, scan_message

from simnet.mailrelay import SimulatedMailRelay, recipient_behaviour

SENDER = "bounces+ivr-12-1@itum.example"
REPO = Path(__file__).resolve().parents[2]
READY = re.compile(r"^listening on (?P<host>[0-9.]+):(?P<port>[0-9]+) ca=(?P<ca>\S+)$")


def alert(to: str = "alice@example.net", subject: str = "Avis d'ébullition") -> EmailMessage:
    message = EmailMessage()
    message["From"] = "Information ITUM <alertes@itum.example>"
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = f"<alert-12-1.{time.monotonic_ns()}@itum.example>"
    message.set_content("Faites bouillir l'eau.\n.\nUne ligne qui commence par un point.\n")
    return message


def trusting(relay: SimulatedMailRelay) -> ssl.SSLContext:
    """A client context that verifies the relay's certificate and name."""
    context = ssl.create_default_context(cafile=str(relay.ca_file))
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    return context


def client(
    relay: SimulatedMailRelay, *, login: bool = True, hostname: str = "localhost"
) -> aiosmtplib.SMTP:
    return aiosmtplib.SMTP(
        hostname=hostname,
        port=relay.port,
        start_tls=relay.tls == "starttls",
        use_tls=relay.tls == "implicit",
        tls_context=trusting(relay),
        username=relay.username if login else None,
        password=relay.password if login else None,
        timeout=10,
    )


async def send(
    relay: SimulatedMailRelay, *recipients: str, message: EmailMessage | None = None
) -> tuple[dict[str, aiosmtplib.SMTPResponse], str]:
    async with client(relay) as smtp:
        return await smtp.send_message(
            message or alert(recipients[0]), sender=SENDER, recipients=list(recipients)
        )


def maildir_bounces(relay: SimulatedMailRelay) -> list[EmailMessage]:
    """The bounces as a mail reader finds them in the Maildir, in the order written."""
    box = mailbox.Maildir(relay.bounce_dir, factory=None, create=False)
    keys = [path.name for path in relay.bounces()]
    assert sorted(box.keys()) == sorted(keys)
    return [message_from_bytes(box.get_bytes(key), policy=policy.default) for key in keys]


def recipient_blocks(bounce: Message) -> list[Message]:
    """The per-recipient blocks of a DSN's message/delivery-status part."""
    reports = [
        part for part in bounce.walk() if part.get_content_type() == "message/delivery-status"
    ]
    assert len(reports) == 1
    blocks = reports[0].get_payload()
    assert isinstance(blocks, list)
    return [block for block in blocks[1:] if isinstance(block, Message)]


# Sending, TLS and AUTH


async def test_a_message_over_starttls_with_auth_is_kept_with_its_envelope(
    mail: SimulatedMailRelay,
) -> None:
    message = alert("alice@example.net")
    refused, answer = await send(mail, "alice@example.net", "bob@example.org", message=message)

    assert refused == {}
    [received] = mail.messages()
    assert answer == f"2.0.0 Ok: queued as {received.queue_id}"
    assert received.mail_from == SENDER
    assert received.recipients == ("alice@example.net", "bob@example.org")
    assert (received.tls, received.user) == (True, "itum")
    assert received.message["Subject"] == "Avis d'ébullition"
    assert received.message["Message-ID"] == message["Message-ID"]
    assert received.message.get_content() == message.get_content()
    assert b"\r\n.\r\nUne ligne" in received.raw  # the client's dot-stuffing undone
    assert "BODY=8BITMIME" in received.mail_options
    assert mail.rcpt_answers() == {250: 2}


async def test_auth_login_is_accepted_as_well_as_plain(mail: SimulatedMailRelay) -> None:
    assert mail.password is not None
    async with client(mail, login=False) as smtp:
        await smtp.ehlo()
        assert {"plain", "login"} <= set(smtp.server_auth_methods)
        answer = await smtp.auth_login("itum", mail.password)
        assert answer.code == 235
        await smtp.send_message(alert(), sender=SENDER)
    assert [received.user for received in mail.messages()] == ["itum"]


async def test_mail_before_auth_is_refused_with_530(mail: SimulatedMailRelay) -> None:
    async with client(mail, login=False) as smtp:
        with pytest.raises(aiosmtplib.SMTPSenderRefused) as refused:
            await smtp.send_message(alert(), sender=SENDER)
    assert (refused.value.code, refused.value.message) == (530, "5.7.0 Authentication required")
    assert mail.messages() == []


async def test_a_wrong_password_is_refused_with_535(mail: SimulatedMailRelay) -> None:
    async with client(mail, login=False) as smtp:
        await smtp.ehlo()
        with pytest.raises(aiosmtplib.SMTPAuthenticationError) as refused:
            await smtp.auth_plain("itum", "not-the-password")
    assert refused.value.code == 535


async def test_auth_is_not_offered_nor_accepted_before_starttls(mail: SimulatedMailRelay) -> None:
    assert mail.password is not None
    async with aiosmtplib.SMTP(
        hostname="localhost", port=mail.port, start_tls=False, timeout=10
    ) as smtp:
        await smtp.ehlo()
        assert smtp.supports_extension("starttls")
        assert not smtp.supports_extension("auth")
        answer = await smtp.execute_command(b"AUTH", b"PLAIN", b"AGl0dW0AcGFzc3dvcmQ=")
        assert answer.code == 538
        with pytest.raises(aiosmtplib.SMTPSenderRefused) as refused:
            await smtp.sendmail(SENDER, ["alice@example.net"], alert().as_bytes())
    assert refused.value.code == 530
    assert mail.messages() == []


async def test_a_client_that_does_not_trust_the_ca_refuses_the_relay(
    mail: SimulatedMailRelay,
) -> None:
    smtp = aiosmtplib.SMTP(hostname="localhost", port=mail.port, start_tls=True, timeout=10)
    with pytest.raises(ssl.SSLCertVerificationError):
        await smtp.connect()
    smtp.close()


@pytest.mark.parametrize("hostname", ["localhost", "127.0.0.1"])
async def test_implicit_tls(tmp_path: Path, hostname: str) -> None:
    relay = SimulatedMailRelay(
        workdir=tmp_path, tls="implicit", username="itum", password="secret-1"
    )
    async with relay:
        async with client(relay, hostname=hostname) as smtp:
            await smtp.ehlo()
            assert smtp.supports_extension("auth")
            assert not smtp.supports_extension("starttls")
            await smtp.send_message(alert(), sender=SENDER)
        async with client(relay, login=False, hostname=hostname) as smtp:
            with pytest.raises(aiosmtplib.SMTPSenderRefused) as refused:
                await smtp.send_message(alert(), sender=SENDER)
            assert refused.value.code == 530
    [received] = relay.messages()
    assert (received.tls, received.user, received.mail_from) == (True, "itum", SENDER)


async def test_without_tls_and_credentials_messages_go_in_clear(tmp_path: Path) -> None:
    relay = SimulatedMailRelay(workdir=tmp_path, tls="none")
    async with (
        relay,
        aiosmtplib.SMTP(hostname="127.0.0.1", port=relay.port, start_tls=False, timeout=10) as smtp,
    ):
        await smtp.ehlo()
        assert not smtp.supports_extension("starttls")
        await smtp.send_message(alert(), sender=SENDER)
    [received] = relay.messages()
    assert (received.tls, received.user) == (False, None)


def test_credentials_without_tls_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="AUTH needs TLS"):
        SimulatedMailRelay(workdir=tmp_path, tls="none", username="itum", password="x")


async def test_certificates_kept_in_a_directory_are_reused(tmp_path: Path) -> None:
    certificates = tmp_path / "certificates"
    async with SimulatedMailRelay(workdir=tmp_path / "a", certificate_dir=certificates) as relay:
        first_ca = relay.ca_file.read_bytes()
    async with SimulatedMailRelay(workdir=tmp_path / "b", certificate_dir=certificates) as relay:
        assert relay.ca_file == certificates / "ca.pem"
        assert relay.ca_file.read_bytes() == first_ca
        async with client(relay) as smtp:
            await smtp.send_message(alert(), sender=SENDER)
    assert len(relay.messages()) == 1


# Recipient behaviours


@pytest.mark.parametrize(
    ("address", "behaviour"),
    [
        ("alice@example.net", ("accept", None)),
        ("refuse@example.net", ("refuse", None)),
        ("refuse-3@example.net", ("refuse", None)),
        ("Refuse+x@example.net", ("refuse", None)),
        ("greylist7@example.net", ("greylist", None)),
        ("full-2@example.net", ("full", None)),
        ("bounce@example.net", ("bounce", None)),
        ("bounce-12@example.net", ("bounce", None)),
        ("bounce-gmail@example.net", ("bounce", "gmail")),
        ("bounce-exim+4@example.net", ("bounce", "exim")),
        ("bounce-other@example.net", ("bounce", None)),
        ("delay-1@example.net", ("delay", None)),
        ("refused@example.net", ("accept", None)),
        ("fuller@example.net", ("accept", None)),
    ],
)
def test_the_behaviour_is_the_first_word_of_the_local_part(
    address: str, behaviour: tuple[str, str | None]
) -> None:
    assert recipient_behaviour(address) == behaviour


async def test_refuse_is_answered_550_user_unknown(mail: SimulatedMailRelay) -> None:
    refused, _ = await send(mail, "alice@example.net", "refuse-3@example.net")
    assert {address: (r.code, r.message) for address, r in refused.items()} == {
        "refuse-3@example.net": (
            550,
            "5.1.1 <refuse-3@example.net>: Recipient address rejected: User unknown",
        )
    }
    [received] = mail.messages()
    assert received.recipients == ("alice@example.net",)
    assert mail.rcpt_answers() == {250: 1, 550: 1}


async def test_greylist_is_answered_451_once_then_accepted(mail: SimulatedMailRelay) -> None:
    with pytest.raises(aiosmtplib.SMTPRecipientsRefused) as first:
        await send(mail, "greylist-1@example.net")
    [(code, text)] = [(r.code, r.message) for r in first.value.recipients]
    assert (code, text) == (451, "4.7.1 Greylisted, try again later")
    assert mail.messages() == []

    refused, _ = await send(mail, "greylist-1@example.net")
    assert refused == {}
    with pytest.raises(aiosmtplib.SMTPRecipientsRefused):
        await send(mail, "greylist-2@example.net")  # each address is greylisted once
    assert [received.recipients for received in mail.messages()] == [("greylist-1@example.net",)]
    assert mail.rcpt_answers() == {451: 2, 250: 1}


async def test_full_is_answered_452_every_time(mail: SimulatedMailRelay) -> None:
    for _ in range(2):
        with pytest.raises(aiosmtplib.SMTPRecipientsRefused) as refused:
            await send(mail, "full@example.net")
        [(code, text)] = [(r.code, r.message) for r in refused.value.recipients]
        assert (code, text) == (452, "4.2.2 Mailbox full")
    assert mail.messages() == []
    assert mail.rcpt_answers() == {452: 2}


# Bounces

DSN_STATUS = {"postfix": "5.1.1", "exchange": "5.1.10", "gmail": "5.1.1"}
"""Exchange reports its own 5.1.10 (RESOLVER.ADR.RecipientNotFound)."""
WRITES_ORIGINAL_RECIPIENT = {"postfix", "exchange"}
SUBJECTS = {
    "postfix": "Undelivered Mail Returned to Sender",
    "exim": "Mail delivery failed: returning message to sender",
    "exchange": "Undeliverable: Avis d'ébullition",
    "gmail": "Delivery Status Notification (Failure)",
}


@pytest.mark.parametrize("style", ["postfix", "exim", "exchange", "gmail"])
async def test_bounce_is_accepted_then_reported_in_the_maildir(
    mail: SimulatedMailRelay, style: str
) -> None:
    address = f"bounce-{style}@example.net"
    message = alert(address)
    refused, _ = await send(mail, address, message=message)
    assert refused == {}
    assert [received.recipients for received in mail.messages()] == [(address,)]

    [bounce] = maildir_bounces(mail)
    assert [path.parent.name for path in mail.bounces()] == ["new"]
    assert bounce["Subject"] == SUBJECTS[style]
    assert bounce["Return-Path"] == "<>"
    assert bounce["Auto-Submitted"] == "auto-replied"
    assert SENDER in str(bounce["To"])
    assert message["Message-ID"] in bounce.as_string()  # the original's headers are quoted
    assert scan_message(bounce) == {address.encode()}

    if style == "exim":
        assert bounce.get_content_type() == "text/plain" and not bounce.is_multipart()
        assert bounce["X-Failed-Recipients"] == address
        text = bounce.get_content()
        assert text.startswith("This message was created automatically by mail delivery software.")
        assert "could not be delivered to one or more of its\nrecipients" in text
        assert f"  {address}\n" in text and "550 5.1.1" in text
        return
    assert bounce.get_content_type() == "multipart/report"
    assert bounce.get_param("report-type") == "delivery-status"
    [block] = recipient_blocks(bounce)
    assert block["Final-Recipient"].split(";")[1].strip() == address
    if style in WRITES_ORIGINAL_RECIPIENT:
        assert block["Original-Recipient"].split(";")[1].strip() == address
    else:
        assert block["Original-Recipient"] is None
    assert block["Action"] == "failed"
    assert block["Status"] == DSN_STATUS[style]
    if style == "exchange":
        assert "Delivery has failed to these recipients or groups" in bounce.as_string()
        assert block["Remote-MTA"].startswith("dns;")
        assert block["Diagnostic-Code"].startswith("smtp;550 5.1.10 RESOLVER.ADR.RecipientNotFound")
    if style == "gmail":
        assert "** Address not found **" in bounce.as_string()
    if style == "postfix":
        [headers] = [p for p in bounce.walk() if p.get_content_type() == "text/rfc822-headers"]
        assert headers["Content-Description"] == "Undelivered Message Headers"


async def test_plain_bounce_addresses_rotate_through_the_four_styles(
    mail: SimulatedMailRelay,
) -> None:
    for n in range(5):
        await send(mail, f"bounce-{n}@example.net")
    bounces = maildir_bounces(mail)
    assert [b["Subject"] for b in bounces] == [
        SUBJECTS["postfix"],
        SUBJECTS["exim"],
        SUBJECTS["exchange"],
        SUBJECTS["gmail"],
        SUBJECTS["postfix"],
    ]
    assert [scan_message(b) for b in bounces] == [
        {f"bounce-{n}@example.net".encode()} for n in range(5)
    ]


async def test_delay_is_a_warning_a_reader_does_not_take_for_a_failure(
    mail: SimulatedMailRelay,
) -> None:
    await send(mail, "delay-1@example.net")
    [warning] = maildir_bounces(mail)
    assert warning["Subject"] == "Delayed Mail (still being retried)"
    [block] = recipient_blocks(warning)
    assert (block["Action"], block["Status"]) == ("delayed", "4.4.1")
    assert block["Final-Recipient"] == "rfc822; delay-1@example.net"
    assert scan_message(warning) == frozenset()
    temporary, permanent = all_failures(warning)
    assert (temporary, permanent) == (frozenset({b"delay-1@example.net"}), frozenset())


async def test_a_message_to_several_bouncing_recipients_bounces_for_each(
    mail: SimulatedMailRelay,
) -> None:
    await send(mail, "bounce-postfix@example.net", "alice@example.net", "bounce-gmail@example.net")
    assert [scan_message(b) for b in maildir_bounces(mail)] == [
        {b"bounce-postfix@example.net"},
        {b"bounce-gmail@example.net"},
    ]


async def test_a_message_from_the_null_sender_is_never_bounced(mail: SimulatedMailRelay) -> None:
    async with client(mail) as smtp:
        await smtp.sendmail("", ["bounce@example.net"], alert("bounce@example.net").as_bytes())
    [received] = mail.messages()
    assert (received.mail_from, received.recipients) == ("", ("bounce@example.net",))
    assert mail.bounces() == [] and maildir_bounces(mail) == []


# Faults


async def test_a_drop_at_data_cuts_the_connection_before_the_answer(
    mail: SimulatedMailRelay,
) -> None:
    mail.drop(after_messages=1, at="data")
    async with client(mail) as smtp:
        await smtp.send_message(alert("first@example.net"), sender=SENDER)
        with pytest.raises(aiosmtplib.SMTPServerDisconnected):
            await smtp.send_message(alert("second@example.net"), sender=SENDER)
        assert not smtp.is_connected
    assert [received.recipients for received in mail.messages()] == [("first@example.net",)]
    assert mail.dropped() == 1

    # A new connection works, and the drop happened once.
    for to in ["second@example.net", "third@example.net"]:
        await send(mail, to)
    assert [received.recipients[0] for received in mail.messages()] == [
        "first@example.net",
        "second@example.net",
        "third@example.net",
    ]
    assert mail.dropped() == 1


async def test_a_drop_at_rcpt_cuts_the_connection_at_the_first_recipient(
    mail: SimulatedMailRelay,
) -> None:
    mail.drop(after_messages=0, at="rcpt")
    async with client(mail) as smtp:
        with pytest.raises(aiosmtplib.SMTPServerDisconnected):
            await smtp.send_message(alert(), sender=SENDER)
    assert mail.messages() == [] and mail.dropped() == 1
    assert mail.rcpt_answers() == {}
    await send(mail, "alice@example.net")
    assert len(mail.messages()) == 1


async def test_slow_delays_the_answer_to_each_message(mail: SimulatedMailRelay) -> None:
    mail.slow(0.3)
    async with client(mail) as smtp:
        started = time.monotonic()
        await smtp.send_message(alert(), sender=SENDER)
        assert time.monotonic() - started >= 0.3
    mail.slow(0)
    assert len(mail.messages()) == 1


async def test_messages_up_to_10_mb_are_accepted(mail: SimulatedMailRelay) -> None:
    large = alert()
    large.set_content(("x" * 76 + "\n") * 100_000)  # 7.7 MB
    await send(mail, "alice@example.net", message=large)
    assert len(mail.messages()[0].raw) > 7_000_000

    too_large = alert()
    too_large.set_content(("x" * 76 + "\n") * 140_000)  # 10.8 MB: refused from its SIZE
    with pytest.raises(aiosmtplib.SMTPSenderRefused) as refused:
        await send(mail, "alice@example.net", message=too_large)
    assert refused.value.code == 552
    assert len(mail.messages()) == 1


async def test_reset_forgets_everything(mail: SimulatedMailRelay) -> None:
    with pytest.raises(aiosmtplib.SMTPRecipientsRefused):
        await send(mail, "greylist@example.net")
    await send(mail, "bounce-3@example.net")
    mail.drop(after_messages=5)
    mail.reset()

    assert (mail.messages(), mail.bounces(), mail.rcpt_answers(), mail.dropped()) == (
        [],
        [],
        {},
        0,
    )
    assert maildir_bounces(mail) == []
    with pytest.raises(aiosmtplib.SMTPRecipientsRefused):  # greylisted afresh
        await send(mail, "greylist@example.net")
    for n in range(6):
        await send(mail, f"bounce-{n}@example.net")  # no drop, rotation from postfix
    assert maildir_bounces(mail)[0]["Subject"] == SUBJECTS["postfix"]
    assert mail.dropped() == 0


# The standalone process


async def test_standalone_mode_prints_its_address_accepts_mail_and_stops_on_sigterm(
    tmp_path: Path,
) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "simnet.mailrelay",
        "--port",
        "0",
        "--workdir",
        str(tmp_path),
        "--user",
        "itum",
        "--password-env",
        "RELAY_PASSWORD",
        cwd=REPO,
        env={**os.environ, "RELAY_PASSWORD": "secret-2"},
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        line = (await asyncio.wait_for(process.stdout.readline(), 20)).decode().strip()
        ready = READY.match(line)
        assert ready, line
        assert (ready["host"], Path(ready["ca"])) == ("127.0.0.1", tmp_path / "ca.pem")
        context = ssl.create_default_context(cafile=ready["ca"])
        async with aiosmtplib.SMTP(
            hostname="localhost",
            port=int(ready["port"]),
            start_tls=True,
            tls_context=context,
            username="itum",
            password="secret-2",
            timeout=10,
        ) as smtp:
            refused, answer = await smtp.send_message(
                alert("bounce-gmail@example.net"), sender=SENDER
            )
        assert refused == {} and answer.startswith("2.0.0 Ok: queued as ")
        [bounce_file] = (tmp_path / "bounces" / "new").iterdir()
        bounce = message_from_bytes(bounce_file.read_bytes(), policy=policy.default)
        assert scan_message(bounce) == {b"bounce-gmail@example.net"}

        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), 10) == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
