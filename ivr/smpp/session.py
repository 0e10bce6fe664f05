"""One SMPP 3.4 transceiver session with an operator's SMSC, over TCP or TLS.

Protocol only: no settings, no database. PDUs are encoded and parsed by ``smpplib``'s
codec; this module is the asyncio session around it:

- a **window**: at most ``window`` requests await their response at once;
- every request is answered or the session ends: a response that does not come within
  ``response_timeout`` seconds, or an ``enquire_link`` left unanswered, closes the
  session, and every request still waiting fails with ``SessionLost`` (its outcome at
  the SMSC is unknown: the caller decides whether to send it again);
- a ``deliver_sm`` (a delivery receipt or a message from a phone) is answered only
  after the handler returns, with the status it returns: a receipt the handler could
  not keep is answered with an error, so the SMSC sends it again later.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
import struct
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from smpplib import consts, smpp
from smpplib.command import Command

log = logging.getLogger(__name__)

ESME_ROK = 0x00
ESME_RINVCMDID = 0x03
ESME_RMSGQFUL = 0x14
ESME_RTHROTTLED = 0x58
ESME_RX_T_APPN = 0x64
"""ESME receiver temporary error: the SMSC keeps the deliver_sm and sends it again."""
HEADER = struct.Struct(">LLLL")
MAX_PDU_BYTES = 64 * 1024
UNBIND_WAIT = 2.0


class SmppError(Exception):
    """The session failed."""


class BindRefused(SmppError):
    """The SMSC answered the bind with an error: wrong credentials, most often."""

    def __init__(self, status: int) -> None:
        self.status = status
        super().__init__(f"the SMSC refused the bind: {status_text(status)}")


class SessionLost(SmppError):
    """The session ended before the answer came. ``sent``: the request had been written
    to the connection, so the SMSC may have acted on it (unknown); otherwise it never
    left this process."""

    def __init__(self, reason: str, *, sent: bool = True) -> None:
        self.sent = sent
        super().__init__(reason)


def status_text(status: int) -> str:
    """``Invalid Password (0x0000000e)``: the standard's words for a command status."""
    words = consts.DESCRIPTIONS.get(status, "unknown status")
    return f"{words} (0x{status:08x})"


@dataclass(frozen=True)
class Credentials:
    system_id: str
    password: str
    system_type: str = ""


@dataclass(frozen=True)
class SubmitResponse:
    status: int
    message_id: str


@dataclass(frozen=True)
class Delivered:
    """A ``deliver_sm`` from the SMSC: a delivery receipt or a message from a phone."""

    source_addr: str
    destination_addr: str
    esm_class: int
    data_coding: int
    short_message: bytes
    receipted_message_id: str | None
    message_state: int | None
    message_payload: bytes | None

    @property
    def is_receipt(self) -> bool:
        """SMSC delivery receipt (esm_class message type 0x04), or one of the
        intermediate or manual acknowledgement types that carry the same fields."""
        return self.esm_class & 0x3C in (0x04, 0x08, 0x10, 0x20)

    @property
    def body(self) -> bytes:
        """The message: ``short_message``, or the ``message_payload`` TLV when the SMSC
        sent it there (long messages)."""
        return self.short_message or self.message_payload or b""


DeliverHandler = Callable[[Delivered], Awaitable[int]]
"""Keeps what was delivered and returns the status to answer (``ESME_ROK``, or
``ESME_RX_T_APPN`` to have it sent again)."""


class _Sequences:
    """Sequence numbers for smpplib's codec (1 .. 0x7FFFFFFF, then again)."""

    def __init__(self) -> None:
        self.sequence = 0

    def next_sequence(self) -> int:
        self.sequence = self.sequence % 0x7FFFFFFF + 1
        return self.sequence


def _text(value: object) -> str:
    if isinstance(value, bytes):
        return value.decode("latin-1")
    return "" if value is None else str(value)


class SmppSession:
    """A bound transceiver session. Open with ``SmppSession.open``."""

    def __init__(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        *,
        on_deliver: DeliverHandler,
        window: int,
        response_timeout: float,
        enquire_link_interval: float,
    ) -> None:
        self._reader = reader
        self._writer = writer
        self._on_deliver = on_deliver
        self._window = asyncio.Semaphore(window)
        self._response_timeout = response_timeout
        self._enquire_link_interval = enquire_link_interval
        self._sequences = _Sequences()
        self._waiting: dict[int, asyncio.Future[Command]] = {}
        self._deliveries: set[asyncio.Task[None]] = set()
        self._closed = asyncio.Event()
        self._reading: asyncio.Task[None] | None = None
        self._linking: asyncio.Task[None] | None = None
        self.in_flight = 0
        """Requests sent and not answered yet."""

    @classmethod
    async def open(
        cls,
        host: str,
        port: int,
        credentials: Credentials,
        *,
        on_deliver: DeliverHandler,
        tls: ssl.SSLContext | None = None,
        window: int = 10,
        response_timeout: float = 30.0,
        enquire_link_interval: float = 30.0,
        connect_timeout: float = 10.0,
    ) -> SmppSession:
        """Connect and bind as a transceiver. Raises ``BindRefused`` when the SMSC says
        no, ``OSError``/``TimeoutError``/``SessionLost`` when it cannot be reached."""
        async with asyncio.timeout(connect_timeout):
            reader, writer = await asyncio.open_connection(
                host, port, ssl=tls, server_hostname=host if tls else None
            )
        session = cls(
            reader,
            writer,
            on_deliver=on_deliver,
            window=window,
            response_timeout=connect_timeout,
            enquire_link_interval=enquire_link_interval,
        )
        session._reading = asyncio.create_task(session._read_loop(), name="smpp-read")
        try:
            response = await session._request(
                "bind_transceiver",
                system_id=credentials.system_id,
                password=credentials.password,
                system_type=credentials.system_type,
                addr_ton=0,
                addr_npi=0,
                address_range="",
            )
            if response.status != ESME_ROK:
                raise BindRefused(response.status)
        except BaseException:
            await session._abort()
            raise
        session._response_timeout = response_timeout
        session._linking = asyncio.create_task(session._enquire_link_loop(), name="smpp-link")
        return session

    @property
    def closed(self) -> bool:
        return self._closed.is_set()

    async def wait_closed(self) -> None:
        await self._closed.wait()

    async def submit_sm(self, **fields: Any) -> SubmitResponse:
        """Send one ``submit_sm`` (smpplib's field names) and return the SMSC's answer.
        Raises ``SessionLost`` if the session ends first."""
        response = await self._request("submit_sm", **fields)
        return SubmitResponse(response.status, _text(getattr(response, "message_id", "")))

    async def close(self) -> None:
        """Unbind politely (briefly), then close; requests still waiting fail."""
        if self.closed:
            return
        with contextlib.suppress(SmppError, TimeoutError, OSError):
            async with asyncio.timeout(UNBIND_WAIT):
                await self._request("unbind")
        await self._abort()

    async def _request(self, command: str, **fields: Any) -> Command:
        if self.closed:
            raise SessionLost("the session is closed", sent=False)
        async with self._window:
            if self.closed:
                raise SessionLost("the session is closed", sent=False)
            pdu = smpp.make_pdu(command, client=self._sequences, **fields)
            answer: asyncio.Future[Command] = asyncio.get_running_loop().create_future()
            self._waiting[pdu.sequence] = answer
            self.in_flight += 1
            try:
                await self._send(pdu.generate())
                async with asyncio.timeout(self._response_timeout):
                    return await answer
            except TimeoutError:
                log.warning(
                    "SMSC did not answer in time: closing the session", extra={"command": command}
                )
                await self._abort()
                raise SessionLost(f"no answer to {command}") from None
            finally:
                self.in_flight -= 1
                self._waiting.pop(pdu.sequence, None)

    async def _send(self, data: bytes) -> None:
        try:
            self._writer.write(data)
            await self._writer.drain()
        except (ConnectionError, RuntimeError) as error:
            await self._abort()
            raise SessionLost(str(error)) from error

    async def _read_loop(self) -> None:
        try:
            while True:
                header = await self._reader.readexactly(HEADER.size)
                length, command_id, _status, sequence = HEADER.unpack(header)
                if not HEADER.size <= length <= MAX_PDU_BYTES:
                    log.error("SMSC sent a malformed PDU length", extra={"length": length})
                    break
                body = await self._reader.readexactly(length - HEADER.size)
                try:
                    pdu = smpp.parse_pdu(
                        header + body, client=self._sequences, allow_unknown_opt_params=True
                    )
                except Exception as error:  # an unknown command or a broken body
                    log.warning(
                        "SMSC sent a PDU we cannot read",
                        extra={"command_id": hex(command_id), "error": repr(error)},
                    )
                    if not command_id & 0x80000000:
                        await self._answer("generic_nack", sequence, ESME_RINVCMDID)
                    continue
                await self._dispatch(pdu)
        except (asyncio.IncompleteReadError, OSError, SessionLost):
            pass
        finally:
            await self._abort()

    async def _dispatch(self, pdu: Command) -> None:
        if pdu.is_response():
            waiting = self._waiting.get(pdu.sequence)
            if waiting is not None and not waiting.done():
                waiting.set_result(pdu)
            return
        if pdu.command == "deliver_sm":
            task = asyncio.create_task(self._deliver(pdu))
            self._deliveries.add(task)
            task.add_done_callback(self._deliveries.discard)
        elif pdu.command == "enquire_link":
            await self._answer("enquire_link_resp", pdu.sequence)
        elif pdu.command == "unbind":
            await self._answer("unbind_resp", pdu.sequence)
            raise SessionLost("the SMSC unbound")
        else:
            await self._answer("generic_nack", pdu.sequence, ESME_RINVCMDID)

    async def _deliver(self, pdu: Command) -> None:
        delivered = Delivered(
            source_addr=_text(pdu.source_addr),
            destination_addr=_text(pdu.destination_addr),
            esm_class=pdu.esm_class or 0,
            data_coding=pdu.data_coding or 0,
            short_message=pdu.short_message or b"",
            receipted_message_id=_text(pdu.receipted_message_id) or None,
            message_state=pdu.message_state,
            message_payload=pdu.message_payload,
        )
        try:
            status = await self._on_deliver(delivered)
        except Exception:
            log.exception("deliver_sm not kept: the SMSC will send it again")
            status = ESME_RX_T_APPN
        with contextlib.suppress(SessionLost):
            await self._answer("deliver_sm_resp", pdu.sequence, status)

    async def _answer(self, command: str, sequence: int, status: int = ESME_ROK) -> None:
        pdu = smpp.make_pdu(command, client=self._sequences, status=status)
        pdu.sequence = sequence  # smpplib ignores a ``sequence`` argument once it has one
        await self._send(pdu.generate())

    async def _enquire_link_loop(self) -> None:
        while not self.closed:
            await asyncio.sleep(self._enquire_link_interval)
            with contextlib.suppress(SessionLost):
                await self._request("enquire_link")

    async def _abort(self) -> None:
        """Close the connection now; whoever waits for an answer gets SessionLost."""
        if self._closed.is_set():
            return
        self._closed.set()
        for waiting in self._waiting.values():
            if not waiting.done():
                waiting.set_exception(SessionLost("the connection to the SMSC ended"))
        self._writer.close()
        current = asyncio.current_task()
        for task in (self._reading, self._linking, *self._deliveries):
            if task is not None and task is not current:
                task.cancel()
        with contextlib.suppress(Exception):
            await self._writer.wait_closed()
