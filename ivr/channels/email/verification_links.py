"""The link that confirms an email address a resident added on the portal, sent by the
email channel through the same relay as the alerts (and signed the same way).

Woken by ``NOTIFY ivr_email_verifications`` (and every few seconds anyway). A link the
relay could not take for now (no connection, a 4xx answer) is tried again after
``RETRY_SECONDS``; one it refused (5xx) is not: the page shows it as not sent, and the
resident can type the address again."""

from __future__ import annotations

import dataclasses
import email.policy
import email.utils
import logging
from email.headerregistry import Address
from email.message import EmailMessage
from functools import partial

import asyncpg

from ivr.channels.email.messages import HEADERS_POLICY, OutgoingEmail, Sending
from ivr.channels.email.relay import SmtpRelay
from ivr.channels.email.signing import SigningPool
from ivr.channels.outbox import Outbox, drain
from ivr.domain.signed_links import verification_token
from ivr.storage import email_verifications as store
from ivr.storage.email_verifications import LinkToSend

log = logging.getLogger(__name__)

VERIFY_PATH = "/portal/verify-email/"
# A link the relay could not take for now waits this long (the relay is away or
# greylisting), so a round does not take it again at once.
RETRY_SECONDS = 30.0
WORDING = {
    "fr": (
        "Confirmez votre adresse courriel",
        "Bonjour,\n\nQuelqu'un (sans doute vous) a ajouté cette adresse à un compte "
        "Information ITUM, le service d'alertes d'urgence de Uashat mak Mani-utenam.\n\n"
        "Pour recevoir les alertes à cette adresse, ouvrez ce lien et confirmez :\n{url}\n\n"
        "Le lien est valide 7 jours. Si ce n'est pas vous, ne faites rien : cette adresse "
        "ne recevra rien.\n\nInformation ITUM · 418 962-0327\n",
    ),
    "en": (
        "Confirm your email address",
        "Hello,\n\nSomeone (probably you) added this address to an Information ITUM "
        "account, the emergency alert service of Uashat mak Mani-utenam.\n\n"
        "To receive alerts at this address, open this link and confirm:\n{url}\n\n"
        "The link is valid for 7 days. If this was not you, do nothing: this address will "
        "receive nothing.\n\nInformation ITUM · 418 962-0327\n",
    ),
}


def link_email(sending: Sending, link: LinkToSend) -> OutgoingEmail:
    """The message in the resident's language, French first otherwise."""
    other = "en" if link.language == "fr" else "fr"
    url = f"{sending.site_url}{VERIFY_PATH}{verification_token(sending.secret_key, link.id)}"
    subject, body = WORDING[link.language]
    other_subject, other_body = WORDING[other]
    message = EmailMessage(policy=email.policy.SMTP)
    message["From"] = sending.sender
    message["To"] = Address(addr_spec=link.email)
    message["Subject"] = f"[Information ITUM] {subject} / {other_subject}"
    message["Date"] = email.utils.formatdate(localtime=False, usegmt=True)
    message_id = email.utils.make_msgid("verify", domain=sending.domain)
    message["Message-ID"] = message_id
    message["Auto-Submitted"] = "auto-generated"
    text = body.format(url=url) + "\n---\n\n" + other_body.format(url=url)
    message.set_content(text, cte="quoted-printable")
    data = message.as_bytes(policy=HEADERS_POLICY)
    return OutgoingEmail(sending.bounce_address, link.email, message_id, data)


class VerificationLinkSender:
    def __init__(
        self,
        pool: asyncpg.Pool,
        relay: SmtpRelay,
        sending: Sending,
        signing: SigningPool | None = None,
    ) -> None:
        self.pool = pool
        self.relay = relay
        self.sending = sending
        self.signing = signing

    async def run(self) -> None:
        """Send links as residents add addresses, until cancelled."""
        links = Outbox(partial(store.take_pending, self.pool), self._send)
        await drain(
            partial(store.listen, self.pool), [links], log=log, not_sent="email links not sent yet"
        )

    async def _send(self, link: LinkToSend) -> None:
        outgoing = link_email(self.sending, link)
        if self.signing is not None:
            outgoing = dataclasses.replace(outgoing, data=await self.signing.sign(outgoing.data))
        answer = await self.relay.send(outgoing)
        if answer.accepted:
            await store.sent(self.pool, link.id, str(answer))
            log.info("email link sent", extra={"verification_id": link.id})
        elif answer.code is None or answer.code < 500:
            await store.try_again(self.pool, link.id, str(answer), RETRY_SECONDS)
        else:
            await store.send_failed(self.pool, link.id, str(answer))
            log.warning("email link not sent",
                        extra={"verification_id": link.id, "answer": str(answer)})  # fmt: skip
