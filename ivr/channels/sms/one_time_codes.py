"""Residents' one-time codes, and notices about their account, sent by text message,
French then English.

Woken by ``NOTIFY ivr_one_time_codes`` (and every few seconds anyway), it takes the
pending SMS codes, opens each (``CodeKeys``: the row held it sealed, and no longer
does once taken), submits it through the same link as the alerts, and writes what the
SMSC answered. A code is sent at most once: one not sent is not sent again (the link
down for a minute, a refusal), the resident asks for another. Notices ("your password
was changed") go the same way, at most once.
"""

from __future__ import annotations

import logging
from functools import partial

import asyncpg

from ivr.accounts.one_time_codes import LIFETIME, CodeKeys, is_code
from ivr.channels.outbox import Outbox, drain
from ivr.channels.sms.link import LinkDown, SmsLink
from ivr.channels.sms.parts import message_parts
from ivr.channels.sms.sender import Address, destination_address
from ivr.smpp.session import ESME_ROK, status_text
from ivr.storage import one_time_codes as store
from ivr.storage import resident_notices as notice_store
from ivr.storage.one_time_codes import PendingCode
from ivr.storage.resident_notices import Notice

log = logging.getLogger(__name__)

LINK_WAIT_SECONDS = 60.0


def code_text(code: str) -> str:
    """One GSM-7 part: no accented letter, so it stays under 160 characters."""
    minutes = int(LIFETIME.total_seconds() // 60)
    return (
        f"Information ITUM : votre code est {code}. Il expire dans {minutes} minutes. / "
        f"Your code is {code}. It expires in {minutes} minutes."
    )


NOTICE_TEXTS = {
    "password_changed": (
        "Information ITUM : le mot de passe de votre compte vient d'être changé. Si ce "
        "n'est pas vous, appelez le 418 962-0327. / Your account password was just "
        "changed. If this was not you, call 418 962-0327."
    ),
}


class SmsCodeSender:
    def __init__(self, pool: asyncpg.Pool, link: SmsLink, keys: CodeKeys, *, source: Address):
        self.pool = pool
        self.link = link
        self.keys = keys
        self.source = source

    async def run(self) -> None:
        """Send codes as they are issued, until cancelled."""
        codes = Outbox(partial(store.take_pending, self.pool, "sms"), self._send)
        notices = Outbox(partial(notice_store.take_pending, self.pool), self._send_notice)
        await drain(
            partial(store.listen_for_new_codes, self.pool),
            [codes, notices],
            log=log,
            not_sent="one-time codes not sent yet",
            before=partial(store.sweep, self.pool),
        )

    async def _send(self, pending: PendingCode) -> None:
        code = self.keys.open(pending.phone_e164, pending.purpose, pending.code_sealed)
        if code is None or not is_code(code):
            await self._failed(pending, "sealed under another key")
            return
        problem, detail = await self._submit(pending.phone_e164, code_text(code), pending.id)
        if problem:
            await self._failed(pending, detail)
            return
        await store.sent(self.pool, pending.id, detail)
        log.info("one-time code sent", extra={"code_id": pending.id, "channel": "sms"})

    async def _send_notice(self, notice: Notice) -> None:
        text = NOTICE_TEXTS[notice.kind]
        problem, detail = await self._submit(notice.phone_e164, text, notice.id)
        if problem:
            await notice_store.send_failed(self.pool, notice.id, detail)
            log.warning("notice not sent", extra={"notice_id": notice.id, "detail": detail})
            return
        await notice_store.sent(self.pool, notice.id, detail)
        log.info("notice sent", extra={"notice_id": notice.id, "kind": notice.kind})

    async def _submit(self, phone_e164: str, text: str, reference: int) -> tuple[bool, str]:
        """(failed, what the SMSC said) for every part of ``text``."""
        destination = destination_address(phone_e164)
        ids = []
        for part in message_parts(text, reference % 256):
            try:
                submitted = await self.link.submit(
                    LINK_WAIT_SECONDS,
                    source_addr_ton=self.source.ton,
                    source_addr_npi=self.source.npi,
                    source_addr=self.source.digits,
                    dest_addr_ton=destination.ton,
                    dest_addr_npi=destination.npi,
                    destination_addr=destination.digits,
                    esm_class=part.esm_class,
                    data_coding=part.data_coding,
                    short_message=part.short_message,
                )
            except LinkDown as error:
                return True, str(error)
            status = submitted.response.status
            if status != ESME_ROK:
                return True, f"SMSC: {status_text(status)}"
            ids.append(str(submitted.response.message_id))
        return False, f"message id {', '.join(ids)}"

    async def _failed(self, pending: PendingCode, detail: str) -> None:
        await store.send_failed(self.pool, pending.id, detail)
        log.warning("one-time code not sent",
                    extra={"code_id": pending.id, "channel": "sms", "detail": detail})  # fmt: skip
