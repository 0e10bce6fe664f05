"""Bounce messages as four kinds of mail servers write them, for the simulated mail relay.

A product that reads bounces meets many formats, not the one its author expected, so the
relay (simnet/mailrelay.py) answers a bouncing recipient in turn as Postfix, Exim,
Microsoft Exchange and Gmail would, plus Postfix's "delayed mail" warning, which a bounce
reader must not take for a permanent failure. Each builder renders the text the way that
server lays it out (header order, boundaries, wording, DSN fields) and parses it back,
so the message a reader gets is the one on the wire, not what Python's email package
would have generated. They were written from what those servers send, not copied.

Every builder takes the bounced address, the envelope sender the bounce goes to (a VERP
return path such as ``bounces+ivr-12-1@itum.example``) and the original message's
header section (bytes, as received), and returns an ``EmailMessage``.

| style | form | names the address in |
| --- | --- | --- |
| ``postfix`` | multipart/report DSN, text/rfc822-headers | Final- and Original-Recipient |
| ``exim`` | plain text, no MIME (Exim before 4.8x) | X-Failed-Recipients, the text |
| ``exchange`` | multipart/report DSN, Status 5.1.10 | Final- and Original-Recipient |
| ``gmail`` | multipart/report DSN | Final-Recipient, X-Failed-Recipients |
| ``deferred`` | Postfix delay warning, Action: delayed, 4.4.1 | Final- and Original-Recipient |
"""

from __future__ import annotations

import secrets
import string
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email import policy
from email.message import EmailMessage
from email.parser import BytesHeaderParser, BytesParser
from email.utils import format_datetime

RELAY_HOST = "relay.simnet.test"
"""The host that reports a bounce when the relay itself is Postfix or Exim."""
EXCHANGE_HOST = "YT2PR01MB4852.CANPRD01.PROD.OUTLOOK.COM"
GMAIL_REPORTING_MTA = "googlemail.com"
REMOTE_MX_ADDRESS = "203.0.113.25"
"""The recipient domain's mail exchanger (TEST-NET-3), that refused the address."""

Builder = Callable[[str, str, bytes], EmailMessage]

_BASE62 = string.digits + string.ascii_letters
_FIVE_DAYS = timedelta(days=5)


def _parse(text: str) -> EmailMessage:
    # surrogateescape: 8-bit bytes of the original headers go back out unchanged.
    message = BytesParser(policy=policy.default).parsebytes(
        text.encode("utf-8", errors="surrogateescape")
    )
    assert isinstance(message, EmailMessage)
    return message


def _headers_text(original_headers: bytes) -> str:
    """The header section as LF-ended text, without the blank line that ends it."""
    text = original_headers.decode("utf-8", errors="surrogateescape")
    return text.replace("\r\n", "\n").rstrip("\n")


def _original(original_headers: bytes) -> EmailMessage:
    headers = BytesHeaderParser(policy=policy.default).parsebytes(original_headers)
    assert isinstance(headers, EmailMessage)
    return headers


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _field(name: str, value: str) -> str:
    """A header line folded and, when not ASCII, encoded as the policy does (RFC 2047)."""
    folded: str = policy.default.header_factory(name, value).fold(policy=policy.default)
    return folded


def _domain(address: str) -> str:
    return address.rpartition("@")[2] or "localhost"


def _when(when: datetime | None) -> datetime:
    return when if when is not None else datetime.now(UTC)


def _id(length: int, alphabet: str = _BASE62) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(length))


def _user_unknown(recipient: str) -> str:
    """The recipient's server refusing the address, as Postfix answers RCPT."""
    return (
        f"550 5.1.1 <{recipient}>: Recipient address rejected: "
        "User unknown in local recipient table"
    )


def _postfix_queue_id() -> str:
    return _id(10, "0123456789ABCDEF")


def postfix(
    recipient: str,
    sender: str,
    original_headers: bytes,
    *,
    reporting_mta: str = RELAY_HOST,
    when: datetime | None = None,
) -> EmailMessage:
    """Postfix's "Undelivered Mail Returned to Sender": the bounce(8) notice, a DSN and
    the original's headers (what Postfix returns when the sender asked RET=HDRS)."""
    when = _when(when)
    queue_id = _postfix_queue_id()
    boundary = f"{queue_id}.{int(when.timestamp())}/{reporting_mta}"
    remote = f"mx.{_domain(recipient)}"
    reply = _user_unknown(recipient)
    date = format_datetime(when)
    text = f"""\
Date: {date}
From: MAILER-DAEMON@{reporting_mta} (Mail Delivery System)
Subject: Undelivered Mail Returned to Sender
To: {sender}
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status;
\tboundary="{boundary}"
Content-Transfer-Encoding: 8bit
Message-Id: <{when:%Y%m%d%H%M%S}.{queue_id}@{reporting_mta}>

This is a MIME-encapsulated message.

--{boundary}
Content-Description: Notification
Content-Type: text/plain; charset=us-ascii

This is the mail system at host {reporting_mta}.

I'm sorry to have to inform you that your message could not
be delivered to one or more recipients. It's attached below.

For further assistance, please send mail to postmaster.

If you do so, please include this problem report. You can
delete your own text from the attached returned message.

                   The mail system

<{recipient}>: host {remote}[{REMOTE_MX_ADDRESS}] said: {reply} (in reply to
    RCPT TO command)

--{boundary}
Content-Description: Delivery report
Content-Type: message/delivery-status

Reporting-MTA: dns; {reporting_mta}
X-Postfix-Queue-ID: {queue_id}
X-Postfix-Sender: rfc822; {sender}
Arrival-Date: {date}

Final-Recipient: rfc822; {recipient}
Original-Recipient: rfc822;{recipient}
Action: failed
Status: 5.1.1
Remote-MTA: dns; {remote}
Diagnostic-Code: smtp; {reply}

--{boundary}
Content-Description: Undelivered Message Headers
Content-Type: text/rfc822-headers
Content-Transfer-Encoding: 8bit

{_headers_text(original_headers)}

--{boundary}--
"""
    return _parse(text)


def exim(
    recipient: str,
    sender: str,
    original_headers: bytes,
    *,
    reporting_mta: str = RELAY_HOST,
    when: datetime | None = None,
) -> EmailMessage:
    """Exim's "Mail delivery failed" as Exim wrote it before DSN reports (4.8x): plain
    text without MIME headers, the failed address in ``X-Failed-Recipients``."""
    when = _when(when)
    exim_id = f"{_id(6)}-{_id(6)}-{_id(2)}"
    remote = f"mx.{_domain(recipient)}"
    text = f"""\
X-Failed-Recipients: {recipient}
Auto-Submitted: auto-replied
From: Mail Delivery System <Mailer-Daemon@{reporting_mta}>
To: {sender}
Subject: Mail delivery failed: returning message to sender
Message-Id: <E{exim_id}@{reporting_mta}>
Date: {format_datetime(when)}

This message was created automatically by mail delivery software.

A message that you sent could not be delivered to one or more of its
recipients. This is a permanent error. The following address(es) failed:

  {recipient}
    SMTP error from remote mail server after RCPT TO:<{recipient}>:
    host {remote} [{REMOTE_MX_ADDRESS}]: 550 5.1.1 <{recipient}>:
    Recipient address rejected: User unknown in local recipient table

------ This is a copy of the message's headers. ------

{_headers_text(original_headers)}

"""
    return _parse(text)


def exchange(
    recipient: str,
    sender: str,
    original_headers: bytes,
    *,
    reporting_mta: str = EXCHANGE_HOST,
    when: datetime | None = None,
) -> EmailMessage:
    """Exchange's non-delivery report "Undeliverable: <subject>": a text and an HTML
    notice, a DSN whose Status is Exchange's 5.1.10 (not one of RFC 3463's codes) with
    ``RESOLVER.ADR.RecipientNotFound``, and the original's headers."""
    when = _when(when)
    original = _original(original_headers)
    subject = str(original.get("Subject", ""))
    message_id = str(original.get("Message-ID", "")).strip()
    token = _id(32, "0123456789ABCDEF")
    boundary = f"_000_{token}{reporting_mta.split('.', maxsplit=1)[0]}_"
    alternative = f"_001_{token}{reporting_mta.split('.', maxsplit=1)[0]}_"
    diagnostic = (
        f"550 5.1.10 RESOLVER.ADR.RecipientNotFound; "
        f"Recipient {recipient} not found by SMTP address lookup"
    )
    explanation = (
        "The email address you entered couldn't be found. Please check the recipient's "
        "email address and try to resend the message. If the problem continues, please "
        "contact your helpdesk."
    )
    headers = _headers_text(original_headers)
    threading = f"In-Reply-To: {message_id}\nReferences: {message_id}\n" if message_id else ""
    text = f"""\
From: Microsoft Outlook <MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e@{_domain(recipient)}>
To: <{sender}>
Date: {format_datetime(when)}
{_field("Subject", f"Undeliverable: {subject}")}\
Content-Type: multipart/report; report-type=delivery-status;
\tboundary="{boundary}"
Content-Language: en-US
Message-ID: <{_id(8, "0123456789abcdef")}-{_id(4, "0123456789abcdef")}@{reporting_mta}>
{threading}\
X-MS-Exchange-Message-Is-Ndr:
X-MS-PublicTrafficType: Email
Auto-Submitted: auto-replied
MIME-Version: 1.0

--{boundary}
Content-Type: multipart/alternative; differences=Content-Type;
\tboundary="{alternative}"

--{alternative}
Content-Type: text/plain; charset="us-ascii"

Delivery has failed to these recipients or groups:

{recipient}
{explanation}

Diagnostic information for administrators:

Generating server: {reporting_mta}

{recipient}
Remote Server returned '{diagnostic}'

Original message headers:

{headers}

--{alternative}
Content-Type: text/html; charset="us-ascii"

<html>
<head>
<meta http-equiv="Content-Type" content="text/html; charset=us-ascii">
</head>
<body>
<p><b><font color="#000066" size="3" face="Arial">
Delivery has failed to these recipients or groups:</font></b></p>
<font color="#000000" size="2" face="Tahoma"><p><a href="mailto:{recipient}">{recipient}</a><br>
</font>
<font color="#000000" size="3" face="Arial">{explanation}</font></p>
<br>
<font color="#808080" size="2" face="Tahoma">
<p><b>Diagnostic information for administrators:</b></p>
<p>Generating server: {reporting_mta}</p>
<p>{recipient}<br>
Remote Server returned '{diagnostic}'</p>
<p>Original message headers:</p>
<pre>{_html(headers)}</pre>
</font>
</body>
</html>

--{alternative}--

--{boundary}
Content-Type: message/delivery-status

Reporting-MTA: dns;{reporting_mta}
Received-From-MTA: dns;{RELAY_HOST}
Arrival-Date: {format_datetime(when)}

Original-Recipient: rfc822;{recipient}
Final-Recipient: rfc822;{recipient}
Action: failed
Status: 5.1.10
Remote-MTA: dns;{reporting_mta}
Diagnostic-Code: smtp;{diagnostic}

--{boundary}
Content-Type: text/rfc822-headers

{headers}

--{boundary}--
"""
    return _parse(text)


def gmail(
    recipient: str,
    sender: str,
    original_headers: bytes,
    *,
    reporting_mta: str = GMAIL_REPORTING_MTA,
    when: datetime | None = None,
) -> EmailMessage:
    """Gmail's "Delivery Status Notification (Failure)", "Address not found": a text
    and an HTML notice, a DSN with Final-Recipient only (Gmail writes no
    Original-Recipient), and the original's headers."""
    when = _when(when)
    original = _original(original_headers)
    message_id = str(original.get("Message-ID", "")).strip()
    remote = f"mx.{_domain(recipient)}"
    hexes = "0123456789abcdef"
    outer = f"000000000000{_id(16, hexes)}"
    related = f"000000000000{_id(16, hexes)}"
    alternative = f"000000000000{_id(16, hexes)}"
    reply = _user_unknown(recipient)
    threading = f"References: {message_id}\nIn-Reply-To: {message_id}\n" if message_id else ""
    not_delivered = (
        "Your message wasn't delivered to {} because the address couldn't be found, "
        "or is unable to receive mail."
    )
    html_recipient = f"<a style='color:#212121;text-decoration:none'><b>{recipient}</b></a>"
    original_id = f"X-Original-Message-ID: {message_id}\n" if message_id else ""
    text = f"""\
Date: {format_datetime(when)}
Message-ID: <{_id(24, hexes)}.{_id(6, hexes)}@mx.google.com>
From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>
To: {sender}
Auto-Submitted: auto-replied
Subject: Delivery Status Notification (Failure)
{threading}\
X-Failed-Recipients: {recipient}
MIME-Version: 1.0
Content-Type: multipart/report; boundary="{outer}"; report-type=delivery-status

--{outer}
Content-Type: multipart/related; boundary="{related}"

--{related}
Content-Type: multipart/alternative; boundary="{alternative}"

--{alternative}
Content-Type: text/plain; charset="UTF-8"


** Address not found **

{not_delivered.format(recipient)}

Learn more here: https://support.google.com/mail/?p=NoSuchUser

The response from the remote server was:
{reply}

--{alternative}
Content-Type: text/html; charset="UTF-8"


<html>
<head>
<style>
* {{
font-family:Roboto, "Helvetica Neue", Helvetica, Arial, sans-serif;
}}
</style>
</head>
<body>
<table cellpadding="0" cellspacing="0" class="email-wrapper"
 style="padding-top:32px;background-color:#ffffff;"><tbody>
<tr><td>
<h1 style="font-size:24px;font-weight:normal;">Address not found</h1>
<p style="font-size:16px;">{not_delivered.format(html_recipient)}</p>
<p style="font-size:16px;">
<a href="https://support.google.com/mail/?p=NoSuchUser">LEARN MORE</a></p>
<p style="font-size:12px;">The response from the remote server was:</p>
<p style="font-family:monospace;font-size:12px;">{_html(reply)}</p>
</td></tr>
</tbody></table>
</body>
</html>

--{alternative}--

--{related}--

--{outer}
Content-Type: message/delivery-status

Reporting-MTA: dns; {reporting_mta}
Received-From-MTA: dns; {RELAY_HOST}
Arrival-Date: {format_datetime(when)}
{original_id}\

Final-Recipient: rfc822; {recipient}
Action: failed
Status: 5.1.1
Remote-MTA: dns; {remote}. ({REMOTE_MX_ADDRESS}, the server for the domain {_domain(recipient)}.)
Diagnostic-Code: smtp; {reply}
Last-Attempt-Date: {format_datetime(when)}

--{outer}
Content-Type: text/rfc822-headers

{_headers_text(original_headers)}

--{outer}--
"""
    return _parse(text)


def deferred(
    recipient: str,
    sender: str,
    original_headers: bytes,
    *,
    reporting_mta: str = RELAY_HOST,
    when: datetime | None = None,
) -> EmailMessage:
    """Postfix's "Delayed Mail (still being retried)" warning: Action delayed, Status
    4.4.1 (no answer from the recipient's server). Not a failure: it only says the
    message is late; Postfix goes on trying."""
    when = _when(when)
    queue_id = _postfix_queue_id()
    boundary = f"{queue_id}.{int(when.timestamp())}/{reporting_mta}"
    remote = f"mx.{_domain(recipient)}"
    date = format_datetime(when)
    retry_until = format_datetime(when.replace(microsecond=0) + _FIVE_DAYS)
    text = f"""\
Date: {date}
From: MAILER-DAEMON@{reporting_mta} (Mail Delivery System)
Subject: Delayed Mail (still being retried)
To: {sender}
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status;
\tboundary="{boundary}"
Content-Transfer-Encoding: 8bit
Message-Id: <{when:%Y%m%d%H%M%S}.{queue_id}@{reporting_mta}>

This is a MIME-encapsulated message.

--{boundary}
Content-Description: Notification
Content-Type: text/plain; charset=us-ascii

This is the mail system at host {reporting_mta}.

####################################################################
# THIS IS A WARNING ONLY.  YOU DO NOT NEED TO RESEND YOUR MESSAGE. #
####################################################################

Your message could not be delivered for more than 4 hour(s).
It will be retried until it is 5 day(s) old.

For further assistance, please send mail to postmaster.

If you do so, please include this problem report. You can
delete your own text from the attached returned message.

                   The mail system

<{recipient}>: connect to {remote}[{REMOTE_MX_ADDRESS}]:25: Connection timed
    out

--{boundary}
Content-Description: Delivery report
Content-Type: message/delivery-status

Reporting-MTA: dns; {reporting_mta}
X-Postfix-Queue-ID: {queue_id}
X-Postfix-Sender: rfc822; {sender}
Arrival-Date: {date}

Final-Recipient: rfc822; {recipient}
Original-Recipient: rfc822;{recipient}
Action: delayed
Status: 4.4.1
Diagnostic-Code: X-Postfix; connect to {remote}[{REMOTE_MX_ADDRESS}]:25:
    Connection timed out
Will-Retry-Until: {retry_until}

--{boundary}
Content-Description: Undelivered Message Headers
Content-Type: text/rfc822-headers
Content-Transfer-Encoding: 8bit

{_headers_text(original_headers)}

--{boundary}--
"""
    return _parse(text)


STYLES: dict[str, Builder] = {
    "postfix": postfix,
    "exim": exim,
    "exchange": exchange,
    "gmail": gmail,
}
"""The permanent bounce styles, in the order the relay rotates through them."""


_AS_WRITTEN = policy.default.clone(refold_source="none")


def as_bytes(message: EmailMessage) -> bytes:
    """A built bounce as its server wrote it: header lines kept as they are, LF-ended."""
    return message.as_bytes(policy=_AS_WRITTEN)
