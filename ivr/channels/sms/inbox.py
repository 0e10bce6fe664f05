"""What the SMSC delivers to us: receipts, and messages from phones.

Both are written (``SmsRecords``) before the SMSC is answered; one that cannot be
written is answered with a temporary error, so the SMSC sends it again later. Messages
from phones are then handled in order, each once, and answered:

- ARRET / STOP: SMS off for that number (every alert, emergencies included; the reply
  says so, and that the calls and emails the resident chose go on); DEBUT / START
  turns them back on;
- AIDE / HELP: what the service is and the offices' number;
- OUI / 1 / CONFIRME: the latest alert sent to that number by SMS (72 h) is confirmed,
  and its retries on every channel stop, as with key 2 on a call;
- anything else: a short bilingual help, at most once an hour per number.
A reply that could not be sent is sent later; a message is never handled twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import asyncpg

from ivr.channels.sms.link import LinkDown, SmsLink
from ivr.channels.sms.parts import decode_text, message_parts
from ivr.channels.sms.records import SmsRecords
from ivr.channels.sms.replies import reply_text
from ivr.channels.sms.sender import Address, destination_address
from ivr.domain.errors import DomainError
from ivr.domain.phone import parse_phone
from ivr.domain.sms_keywords import Keyword, keyword_of
from ivr.smpp.receipts import id_keys, parse_receipt
from ivr.smpp.session import ESME_ROK, ESME_RX_T_APPN, Delivered
from ivr.storage import sms as sms_store
from ivr.storage.database import DATABASE_ERRORS
from ivr.storage.executor import Connection
from ivr.storage.sms import Inbound, ReceiptRecord

log = logging.getLogger(__name__)

SWEEP_SECONDS = 10.0
REPLY_WAIT_SECONDS = 30.0
OTHER_REPLIES_PER_HOUR = 1
MAX_BODY = 1600


class SmsInbox:
    def __init__(
        self,
        pool: asyncpg.Pool,
        link: SmsLink,
        records: SmsRecords,
        *,
        source: Address,
        office_phone: str,
    ) -> None:
        self.pool = pool
        self.link = link
        self.records = records
        self.source = source
        self.office_phone = office_phone

    async def on_deliver(self, delivered: Delivered) -> int:
        """The SMSC's ``deliver_sm``: kept, then acknowledged (else sent again later)."""
        try:
            if delivered.is_receipt:
                await self._keep_receipt(delivered)
            else:
                await self._keep_message(delivered)
        except DATABASE_ERRORS as error:
            log.warning("deliver_sm not kept; the SMSC will send it again",
                        extra={"error": str(error)})  # fmt: skip
            return ESME_RX_T_APPN
        return ESME_ROK

    async def run(self) -> None:
        """Handle messages as they come (and, every few seconds, replies left unsent)."""
        while True:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(SWEEP_SECONDS):
                    await self.records.inbound_arrived.wait()
            self.records.inbound_arrived.clear()
            try:
                for message in await sms_store.open_inbound(self.pool):
                    await self._handle(message)
            except DATABASE_ERRORS as error:
                log.warning("messages from phones not handled yet", extra={"error": str(error)})

    async def _keep_receipt(self, delivered: Delivered) -> None:
        receipt = parse_receipt(delivered)
        if receipt is None:
            log.warning("a receipt without message id or state was dropped")
            return
        await self.records.receipts.put(
            ReceiptRecord(receipt.message_id, id_keys(receipt.message_id), receipt.state,
                          receipt.error, receipt.done_at)
        )  # fmt: skip

    async def _keep_message(self, delivered: Delivered) -> None:
        try:
            phone = parse_phone(delivered.source_addr).e164
        except DomainError:
            log.warning("a message from an address that is no phone number was dropped")
            return
        body = decode_text(delivered.body, delivered.data_coding)[:MAX_BODY]
        await self.records.inbound.put((phone, body, keyword_of(body).value))

    async def _handle(self, message: Inbound) -> None:
        reply = message.reply
        if not message.handled:
            async with self.pool.acquire() as conn, conn.transaction():
                alert_id, reply = await self._act(conn, message)
                await sms_store.handled_inbound(conn, message.id, alert_id, reply)
            log.info("message from a phone handled",
                     extra={"inbound_id": message.id, "keyword": message.keyword})  # fmt: skip
        if reply is None:
            return
        try:
            for part in message_parts(reply_text(reply, self.office_phone), message.id):
                destination = destination_address(message.phone_e164)
                await self.link.submit(
                    REPLY_WAIT_SECONDS,
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
        except LinkDown:
            return  # sent at a later sweep
        await sms_store.replied_inbound(self.pool, message.id)

    async def _act(self, conn: Connection, message: Inbound) -> tuple[int | None, str | None]:
        """Do what the message asks; the alert it confirmed, and which reply to send."""
        phone = message.phone_e164
        keyword = Keyword(message.keyword or keyword_of(message.body).value)
        if keyword is Keyword.STOP:
            await sms_store.opt_out(conn, phone)
            return None, "stop"
        if keyword is Keyword.START:
            await sms_store.opt_in(conn, phone)
            return None, "start"
        if keyword is Keyword.HELP:
            return None, "help"
        if keyword is Keyword.CONFIRM:
            alert_id = await sms_store.confirm_latest(conn, phone)
            return alert_id, "confirmed" if alert_id is not None else "nothing_to_confirm"
        if await sms_store.recent_other_replies(conn, phone) >= OTHER_REPLIES_PER_HOUR:
            return None, None
        return None, "other"
