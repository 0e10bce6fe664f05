"""An alert email, built with the standard library from Jinja2 templates: plain text
and an HTML alternative, in the language of the delivery (the alert's French when it
has nothing in that language), UTF-8 in quoted-printable (readable even by a client
that shows the source), and the headers receiving servers and clients expect:
``Message-ID`` from the attempt's reference (a resend after a dropped connection keeps
it, so a server that got the first copy can discard the second), ``Date``,
``Content-Language``, ``Auto-Submitted`` (no out-of-office replies), and
``List-Unsubscribe`` with ``List-Unsubscribe-Post`` (RFC 8058) leading to the address's
preferences (a signed link; emergency alerts stay on unless the person turns them off
there). Signed afterwards (signing.py) when a DKIM key is configured."""

from __future__ import annotations

import email.policy
import email.utils
from dataclasses import dataclass
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from pathlib import Path

import jinja2

from ivr.channels.email.wording import CATEGORY_LABELS, FRAMES
from ivr.domain.signed_links import preferences_token
from ivr.storage.email import AlertEmail

TEMPLATES = Path(__file__).with_name("templates")
SUBJECT_PREFIX = "[Information ITUM] "
LANGUAGES = ("fr", "en")
PREFERENCES_PATH = "/portal/email/"

URGENT_CATEGORIES = frozenset({"evacuation", "air_quality", "boil_water"})
"""Shown with the alert colour; the others (lifted, all clear, exercise) in plain blue."""

HEADERS_POLICY = email.policy.SMTP.clone(max_line_length=998)
"""For writing the message out: headers are not folded below the standard's 998 (a
folded link in ``List-Unsubscribe`` trips some clients); the parts, encoded when they
were set, keep their 76-character quoted-printable lines."""

_ENVIRONMENT = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES),
    autoescape=jinja2.select_autoescape(["html"]),
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)


@dataclass(frozen=True)
class Sending:
    """How alert emails are addressed and signed, from settings."""

    sender: str
    """The From header (``Name <address>``)."""
    bounce_address: str
    """Where bounces go; each attempt's return path is ``local+<reference>@domain``."""
    site_url: str
    secret_key: str
    office_phone: str

    @property
    def domain(self) -> str:
        return email.utils.parseaddr(self.sender)[1].rpartition("@")[2]

    def return_path(self, reference: str) -> str:
        """VERP: a bounce to this address names the attempt (``ivr read-bounces``)."""
        local, _, domain = self.bounce_address.rpartition("@")
        return f"{local}+{reference}@{domain}"

    def preferences_url(self, contact_point_id: int) -> str:
        token = preferences_token(self.secret_key, contact_point_id)
        return f"{self.site_url}{PREFERENCES_PATH}{token}"


@dataclass(frozen=True)
class OutgoingEmail:
    return_path: str
    recipient: str
    message_id: str
    data: bytes


def message_language(alert: AlertEmail, language: str) -> str | None:
    """The delivery's language if the alert has an email in it, else French, else English."""
    for candidate in (language, *LANGUAGES):
        if candidate in alert.contents:
            return candidate
    return None


def build_email(
    sending: Sending,
    alert: AlertEmail,
    *,
    language: str,
    recipient: str,
    reference: str,
    contact_point_id: int,
    now: datetime | None = None,
) -> OutgoingEmail:
    chosen = message_language(alert, language)
    if chosen is None:
        raise ValueError("the alert has no email text")
    subject, body = alert.contents[chosen]
    preferences = sending.preferences_url(contact_point_id)
    context = {
        "category": alert.category,
        "label": CATEGORY_LABELS[chosen][alert.category],
        "urgent": alert.category in URGENT_CATEGORIES,
        "exercise": alert.category == "exercise",
        "subject": subject,
        "paragraphs": [p.strip() for p in body.split("\n\n") if p.strip()],
        "sectors": alert.sectors[chosen],
        "everyone": alert.target_all,
        "preferences_url": preferences + ("?lang=en" if chosen == "en" else ""),
        "office_phone": _phone_text(sending.office_phone),
        "office_tel": "+1" + sending.office_phone,
        "text": FRAMES[chosen],
    }
    message = EmailMessage(policy=email.policy.SMTP)
    message["From"] = sending.sender
    message["To"] = Address(addr_spec=recipient)
    message["Subject"] = SUBJECT_PREFIX + " ".join(subject.split())
    message["Date"] = email.utils.format_datetime(now or datetime.now(UTC))
    message_id = f"<{reference}@{sending.domain}>"
    message["Message-ID"] = message_id
    message["Auto-Submitted"] = "auto-generated"
    message["X-Auto-Response-Suppress"] = "All"
    message["List-Unsubscribe"] = f"<{preferences}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(
        _ENVIRONMENT.get_template("alert.txt").render(context), cte="quoted-printable"
    )
    message.add_alternative(
        _ENVIRONMENT.get_template("alert.html").render(context),
        subtype="html",
        cte="quoted-printable",
    )
    message["Content-Language"] = FRAMES[chosen]["lang"]  # after the parts: set_content clears it
    data = message.as_bytes(policy=HEADERS_POLICY)
    return OutgoingEmail(sending.return_path(reference), recipient, message_id, data)


def _phone_text(digits: str) -> str:
    """418 962-0327, as it is written in Quebec."""
    return f"{digits[:3]} {digits[3:6]}-{digits[6:]}" if len(digits) == 10 else digits
